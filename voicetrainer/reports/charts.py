"""The geometry of the report's inline SVG charts: the customer's mood over a call, scores over sessions, sparklines.

Each function turns numbers into a frozen record of coordinates, colours and labels; `templates/_charts.html.j2`
draws it (escaped like every other value in the page). No markup is built here. The colours of the dimensions and
mood bands live here too, because the charts, the meters and the legends share them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

DIM_COLOURS = {"calm": "#3b6ea5", "empathy": "#b0457a", "paraphrase": "#7656b0", "solution": "#2f8a5b"}
OTHER_COLOUR = "#888"    # a dimension a custom rubric added, which has no colour of its own
COST_COLOUR = "#c0504d"  # evidence that cost points
MOOD_BANDS = ((85, "furious", "#c0504d"), (65, "angry", "#d9774b"), (45, "annoyed", "#d9a441"),
              (25, "settling", "#8fb35a"), (0, "calm", "#4e9a6a"))

# One plot area for both full-width charts: 680 x 240 view-box units, margins for the axis labels.
WIDTH, HEIGHT, RIGHT, TOP, BOTTOM = 680, 240, 20, 14, 34


def dim_colour(name: str) -> str:
    return DIM_COLOURS.get(name, OTHER_COLOUR)


def mood_word(mood: float) -> str:
    for lo, word, _ in MOOD_BANDS:
        if mood >= lo:
            return word
    return "calm"


def mood_colour(mood: float) -> str:
    for lo, _, colour in MOOD_BANDS:
        if mood >= lo:
            return colour
    return MOOD_BANDS[-1][2]


@dataclass(frozen=True)
class Text:
    """A label at (x, y) in view-box units."""

    x: float
    y: float
    text: str


@dataclass(frozen=True)
class Band:
    """A shaded mood band with its word beside the plot."""

    y: float
    height: float
    colour: str
    label: Text


@dataclass(frozen=True)
class Dot:
    """A data point: where, its colour, its value and the label of its x position."""

    x: float
    y: float
    colour: str
    value: float
    label: str = ""
    series: str = ""


@dataclass(frozen=True)
class MoodChart:
    width: int
    height: int
    left: int
    plot_width: int
    bands: tuple[Band, ...]
    x_labels: tuple[Text, ...]
    line: str | None            # polyline points, or None for a single point
    retried: tuple[Dot, ...]
    points: tuple[Dot, ...]


@dataclass(frozen=True)
class GridLine:
    y: float
    label: Text


@dataclass(frozen=True)
class Series:
    """One line of a line chart: its unbroken runs (polyline points) and its dots, in the order they are drawn."""

    colour: str
    runs: tuple[str, ...]
    dots: tuple[Dot, ...]


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    left: int
    right: int
    grid: tuple[GridLine, ...]
    x_labels: tuple[Text, ...]
    series: tuple[Series, ...]


@dataclass(frozen=True)
class Spark:
    width: int
    height: int
    line: str | None
    end: Dot


def _x_scale(left: int, plot_width: int, n: int):
    def x(i: float) -> float:
        return left + (plot_width * i / (n - 1) if n > 1 else plot_width / 2)

    return x


def _points(coords: Sequence[tuple[float, float]]) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)


def mood_chart(points: Sequence[tuple[str, float]], retried: Sequence[tuple[int, float]] = ()) -> MoodChart:
    """A line of the persona's mood (0 calm at the bottom, 100 furious at the top) across the turns.

    Args:
        points: (label, mood) for the start and after each turn's counted attempt.
        retried: (point index, mood) for attempts that were retried: where the mood would have gone.
    """
    left = 78
    pw, ph = WIDTH - left - RIGHT, HEIGHT - TOP - BOTTOM
    x = _x_scale(left, pw, len(points))

    def y(m: float) -> float:
        return TOP + ph * (1 - max(0.0, min(100.0, m)) / 100)

    bands, prev = [], 100
    for lo, word, colour in MOOD_BANDS:
        bands.append(Band(y(prev), y(lo) - y(prev), colour, Text(left - 8, (y(prev) + y(lo)) / 2 + 4, word)))
        prev = lo
    return MoodChart(
        width=WIDTH, height=HEIGHT, left=left, plot_width=pw, bands=tuple(bands),
        x_labels=tuple(Text(x(i), HEIGHT - 10, label) for i, (label, _) in enumerate(points)),
        line=_points([(x(i), y(m)) for i, (_, m) in enumerate(points)]) if len(points) > 1 else None,
        retried=tuple(Dot(x(i), y(m), mood_colour(m), m) for i, m in retried),
        points=tuple(Dot(x(i), y(m), mood_colour(m), m, label) for i, (label, m) in enumerate(points)))


def line_chart(labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | None], str]],
               y_max: float = 1.0) -> LineChart:
    """Several lines over the same x labels on a 0..y_max scale; None leaves a gap.

    Args:
        labels: the x labels (one per position).
        series: (name, values, colour) per line.
        y_max: the top of the scale.
    """
    left = 44
    pw, ph = WIDTH - left - RIGHT, HEIGHT - TOP - BOTTOM
    n = len(labels)
    x = _x_scale(left, pw, n)

    def y(v: float) -> float:
        return TOP + ph * (1 - max(0.0, min(y_max, v)) / y_max)

    grid = tuple(GridLine(y(v), Text(left - 8, y(v) + 4, f"{v:.2g}")) for v in (y_max * k / 4 for k in range(5)))
    step = max(1, n // 12)  # keep the x labels readable when there are many sessions
    x_labels = tuple(Text(x(i), HEIGHT - 10, label) for i, label in enumerate(labels) if i % step == 0 or i == n - 1)
    drawn = []
    for name, values, colour in series:
        runs: list[list[tuple[float, float]]] = [[]]
        for i, v in enumerate(values):
            if v is None:
                runs.append([])
            else:
                runs[-1].append((x(i), y(v)))
        drawn.append(Series(colour, tuple(_points(r) for r in runs if len(r) > 1),
                            tuple(Dot(x(i), y(v), colour, v, labels[i], name)
                                  for i, v in enumerate(values) if v is not None)))
    return LineChart(WIDTH, HEIGHT, left, RIGHT, grid, x_labels, tuple(drawn))


def spark(values: Sequence[float], colour: str) -> Spark:
    """A 90 x 26 sparkline of values on a 0..1 scale, with a dot on the latest."""
    w, h = 90, 26
    n = len(values)
    pts = [(4 + (w - 8) * (i / (n - 1) if n > 1 else 0.5), 3 + (h - 6) * (1 - max(0, min(1, v))))
           for i, v in enumerate(values)]
    x, y = pts[-1]
    return Spark(w, h, _points(pts) if n > 1 else None, Dot(x, y, colour, values[-1]))
