"""Self-contained HTML pages: the report of one session, and the rep's progress over sessions.

Each page is one file that needs nothing else: inline CSS, inline SVG charts, the rep's recordings embedded as base64
`data:` URIs in `<audio>` elements, system fonts, no JavaScript and no URL of any kind, so it opens offline and can be
mailed to a trainer. The chart data also sits in a JSON block (`<script type="application/json">`, never executed)
for tools and tests.

Rendering (`render_session`, `render_progress`) is pure given the data; `write_session_report` and
`write_progress_report` read the store and the recordings and write the file. Scoring and progress maths live
elsewhere (scoring.py, progress.py); this module only lays them out.
"""

from __future__ import annotations

import base64
import html
import json
import re
import time
from pathlib import Path
from typing import Callable

from voicetrainer.errors import PersonaError, StoreError
from voicetrainer.core.progress import Progress, compute_progress, first_attempts
from voicetrainer.types import DIMENSIONS

DIM_COLOURS = {"calm": "#3b6ea5", "empathy": "#b0457a", "paraphrase": "#7656b0", "solution": "#2f8a5b"}
OUTCOME_TEXT = {"resolved": "Resolved", "escalated": "Escalated to a manager", "hung_up": "Customer hung up",
                "turn_limit": "Ran out of turns", "abandoned": "Ended early"}
MOOD_BANDS = ((85, "furious", "#c0504d"), (65, "angry", "#d9774b"), (45, "annoyed", "#d9a441"),
              (25, "settling", "#8fb35a"), (0, "calm", "#4e9a6a"))
INPUT_TEXT = {"mic": "spoken replies", "text": "typed replies", "replies": "scripted replies"}
AUDIO_MIME = {".wav": "audio/wav", ".flac": "audio/flac", ".ogg": "audio/ogg"}

CSS = """
:root { --ink:#23272b; --muted:#6b7178; --line:#e3e1dc; --paper:#fbfaf7; --card:#fff; --hit:#2f7d4f;
        --miss:#b5651d; --accent:#2a6f73; }
* { box-sizing: border-box; }
body { margin:0; background:var(--paper); color:var(--ink);
       font:16px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif; }
main { max-width:900px; margin:0 auto; padding:32px 24px 64px; }
h1 { font-size:1.6rem; margin:0 0 4px; font-weight:600; }
h2 { font-size:1.15rem; margin:40px 0 12px; font-weight:600; border-bottom:1px solid var(--line); padding-bottom:6px; }
h3 { font-size:1rem; margin:0; font-weight:600; }
.meta, .muted { color:var(--muted); font-size:.9rem; }
.scenario { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:14px 18px; margin:18px 0; }
.badge { display:inline-block; padding:2px 10px; border-radius:999px; font-size:.85rem; font-weight:600;
         background:#eef2f1; color:var(--accent); }
.badge.resolved { background:#e6f3ea; color:var(--hit); }
.badge.hung_up, .badge.escalated { background:#f8ebe3; color:var(--miss); }
.cards { display:grid; grid-template-columns:repeat(auto-fit,minmax(180px,1fr)); gap:12px; margin:18px 0; }
.card { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:12px 14px; }
.card .big { font-size:1.4rem; font-weight:600; }
.card .label { color:var(--muted); font-size:.85rem; }
.card[data-dim] .label { text-transform:capitalize; }
.scroll { overflow-x:auto; }
figure { margin:0 0 16px; background:var(--card); border:1px solid var(--line); border-radius:10px; padding:12px; }
figcaption { color:var(--muted); font-size:.85rem; margin-top:6px; }
svg text { font-family:inherit; }
table { border-collapse:collapse; width:100%; background:var(--card); border:1px solid var(--line);
        border-radius:10px; overflow:hidden; font-size:.92rem; }
th, td { padding:8px 10px; text-align:left; border-bottom:1px solid var(--line); vertical-align:middle; }
th { font-weight:600; color:var(--muted); font-size:.82rem; text-transform:uppercase; letter-spacing:.03em; }
tbody th { color:var(--ink); font-size:.92rem; text-transform:none; letter-spacing:0; }
td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; }
td.cell { min-width:76px; }
table.scores-table { width:auto; min-width:55%; }
.scenarios-table th, .scenarios-table td { padding:8px 6px; font-size:.86rem; }
.scenarios-table td.cell { min-width:58px; }
.cell .v { font-variant-numeric:tabular-nums; }
.meter { display:block; height:5px; border-radius:3px; background:#eceae5; margin-top:3px; overflow:hidden; }
.meter > span { display:block; height:100%; border-radius:3px; }
.hit { color:var(--hit); } .miss { color:var(--miss); }
article.turn { background:var(--card); border:1px solid var(--line); border-radius:12px; padding:16px 18px;
               margin:14px 0; }
article.turn header { display:flex; gap:12px; align-items:baseline; flex-wrap:wrap; margin-bottom:10px; }
.line { margin:8px 0; padding:10px 14px; border-radius:10px; }
.line .who { display:block; font-size:.78rem; font-weight:600; color:var(--muted); text-transform:uppercase;
             letter-spacing:.04em; }
.customer { background:#f3f1ec; }
.rep { background:#eef4f4; }
mark { background:none; color:inherit; padding:0 1px; border-bottom:2px solid; }
mark.ev-calm { border-color:#3b6ea5; background:#e9f0f8; }
mark.ev-empathy { border-color:#b0457a; background:#f8ebf2; }
mark.ev-paraphrase { border-color:#7656b0; background:#f0ecf8; }
mark.ev-solution { border-color:#2f8a5b; background:#e8f4ee; }
mark.cost { border-color:#c0504d; background:#fbe9e7; }
audio { width:100%; margin:6px 0 2px; height:36px; }
ul.scores { list-style:none; padding:0; margin:10px 0 0; display:grid; gap:6px; }
ul.scores li { padding:6px 10px; border-left:3px solid var(--line); }
ul.scores li.hit { border-color:var(--hit); color:inherit; } ul.scores li.miss { border-color:var(--miss); color:inherit; }
.tip { color:var(--ink); font-size:.92rem; margin-top:2px; }
.tip::before { content:"Tip: "; font-weight:600; color:var(--miss); }
.ev { color:var(--muted); font-size:.88rem; }
.legend { display:flex; gap:14px; flex-wrap:wrap; font-size:.85rem; color:var(--muted); margin:8px 0; }
.swatch { display:inline-block; width:10px; height:10px; border-radius:2px; margin-right:5px; vertical-align:middle; }
.retried { font-size:.8rem; color:var(--muted); border:1px solid var(--line); border-radius:999px; padding:0 8px; }
footer { margin-top:48px; color:var(--muted); font-size:.82rem; }
"""


def esc(s: object) -> str:
    return html.escape(str(s), quote=True)


def _page(title: str, body: str, data: dict) -> str:
    # A "<" inside the JSON could end the script element early ("</script>"); \u003c is the same JSON string.
    blob = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")
    return (f"<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n{body}\n"
            f"<footer>Made by voicetrainer on this computer. Nothing in this page is loaded from the network.</footer>\n"
            f"</main>\n<script type=\"application/json\" id=\"report-data\">{blob}</script>\n</body>\n</html>\n")


def mood_word(mood: float) -> str:
    for lo, word, _ in MOOD_BANDS:
        if mood >= lo:
            return word
    return "calm"


def _mood_colour(mood: float) -> str:
    for lo, _, colour in MOOD_BANDS:
        if mood >= lo:
            return colour
    return MOOD_BANDS[-1][2]


def _duration(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    return f"{seconds} s" if seconds < 60 else f"{seconds // 60} min {seconds % 60:02d} s"


def _when(ts: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ts)) if ts else "?"


# --- evidence highlighting ---------------------------------------------------------------------------------------


def _phrase_patterns(phrase: str) -> list[re.Pattern]:
    """Ways to find a phrase in the reply, strictest first: its words as written ("$89"), then only their letters
    and digits, whatever punctuation or case sits between them ("eighty-nine" ~ "eighty nine")."""
    out = []
    for words in (phrase.split(), re.findall(r"\w+", phrase)):
        if words:
            out.append(re.compile(r"(?<!\w)" + r"\W+".join(re.escape(w) for w in words) + r"(?!\w)", re.IGNORECASE))
    return out


def highlight(text: str, scores: dict) -> str:
    """The rep's words as HTML, each evidence phrase wrapped in <mark> (colour = dimension; red = it cost points).

    Evidence that is not in the words (e.g. "+7 dB above your usual level") is listed under the scores instead.
    """
    spans: dict[tuple[int, int], list[tuple[str, bool]]] = {}
    for d in DIMENSIONS:
        s = scores.get(d)
        if not s:
            continue
        for phrase in s.get("evidence", []):
            for pat in _phrase_patterns(phrase):
                found = list(pat.finditer(text))
                for m in found:
                    spans.setdefault((m.start(), m.end()), []).append((d, bool(s["hit"])))
                if found:
                    break
    chosen, last_end = [], 0
    for (start, end) in sorted(spans, key=lambda se: (se[0], se[0] - se[1])):
        if start >= last_end:
            chosen.append((start, end, spans[(start, end)]))
            last_end = end
    out, pos = [], 0
    for start, end, labels in chosen:
        out.append(esc(text[pos:start]))
        dims = list(dict.fromkeys(d for d, _ in labels))
        cost = any(not hit for _, hit in labels)
        cls = f"ev-{dims[0]}" + (" cost" if cost else "")
        title = ", ".join(dims) + (" (cost points)" if cost else " evidence")
        out.append(f'<mark class="{cls}" data-dims="{esc(" ".join(dims))}" title="{esc(title)}">'
                   f"{esc(text[start:end])}</mark>")
        pos = end
    out.append(esc(text[pos:]))
    return "".join(out)


# --- charts (inline SVG; no xmlns attribute: inline SVG in HTML doesn't need one, and it would be a URL) ---------


def mood_chart(points: list[tuple[str, float]], retried: list[tuple[int, float]] = ()) -> str:
    """A line of the persona's mood (0 calm at the bottom, 100 furious at the top) across the turns.

    Args:
        points: (label, mood) for the start and after each turn's counted attempt.
        retried: (point index, mood) for attempts that were retried: where the mood would have gone.
    """
    w, h, left, right, top, bottom = 680, 240, 78, 20, 14, 34
    pw, ph = w - left - right, h - top - bottom
    n = len(points)

    def x(i: float) -> float:
        return left + (pw * i / (n - 1) if n > 1 else pw / 2)

    def y(m: float) -> float:
        return top + ph * (1 - max(0.0, min(100.0, m)) / 100)

    parts = [f'<svg class="chart mood-chart" viewBox="0 0 {w} {h}" width="100%" role="img" '
             f'aria-label="Customer mood across the call">']
    prev = 100
    for lo, word, colour in MOOD_BANDS:
        parts.append(f'<rect x="{left}" y="{y(prev):.1f}" width="{pw}" height="{y(lo) - y(prev):.1f}" '
                     f'fill="{colour}" opacity="0.08"/>')
        parts.append(f'<text x="{left - 8}" y="{(y(prev) + y(lo)) / 2 + 4:.1f}" text-anchor="end" font-size="12" '
                     f'fill="#6b7178">{word}</text>')
        prev = lo
    for i, (label, _) in enumerate(points):
        parts.append(f'<text x="{x(i):.1f}" y="{h - 10}" text-anchor="middle" font-size="12" fill="#6b7178">'
                     f"{esc(label)}</text>")
    if n > 1:
        coords = " ".join(f"{x(i):.1f},{y(m):.1f}" for i, (_, m) in enumerate(points))
        parts.append(f'<polyline points="{coords}" fill="none" stroke="#4a5560" stroke-width="2.5" '
                     f'stroke-linejoin="round"/>')
    for i, m in retried:
        parts.append(f'<circle class="retried-point" cx="{x(i):.1f}" cy="{y(m):.1f}" r="5" fill="#fff" '
                     f'stroke="{_mood_colour(m)}" stroke-width="2" stroke-dasharray="2 2">'
                     f"<title>a retried attempt would have left the mood at {m:.0f}</title></circle>")
    for i, (label, m) in enumerate(points):
        parts.append(f'<circle class="mood-point" data-mood="{m:.1f}" cx="{x(i):.1f}" cy="{y(m):.1f}" r="6" '
                     f'fill="{_mood_colour(m)}" stroke="#fff" stroke-width="2">'
                     f"<title>{esc(label)}: mood {m:.0f} ({mood_word(m)})</title></circle>")
    parts.append("</svg>")
    return "".join(parts)


def line_chart(labels: list[str], series: list[tuple[str, list[float | None], str]], y_max: float = 1.0) -> str:
    """Several lines over the same x labels on a 0..y_max scale; None leaves a gap."""
    w, h, left, right, top, bottom = 680, 240, 44, 20, 14, 34
    pw, ph = w - left - right, h - top - bottom
    n = len(labels)

    def x(i: float) -> float:
        return left + (pw * i / (n - 1) if n > 1 else pw / 2)

    def y(v: float) -> float:
        return top + ph * (1 - max(0.0, min(y_max, v)) / y_max)

    parts = [f'<svg class="chart line-chart" viewBox="0 0 {w} {h}" width="100%" role="img" '
             f'aria-label="Scores over time">']
    for k in range(5):
        v = y_max * k / 4
        parts.append(f'<line x1="{left}" x2="{w - right}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#e3e1dc"/>')
        parts.append(f'<text x="{left - 8}" y="{y(v) + 4:.1f}" text-anchor="end" font-size="12" fill="#6b7178">'
                     f"{v:.2g}</text>")
    step = max(1, n // 12)  # keep the x labels readable when there are many sessions
    for i, label in enumerate(labels):
        if i % step == 0 or i == n - 1:
            parts.append(f'<text x="{x(i):.1f}" y="{h - 10}" text-anchor="middle" font-size="12" fill="#6b7178">'
                         f"{esc(label)}</text>")
    for name, values, colour in series:
        run: list[str] = []
        runs = [run]
        for i, v in enumerate(values):
            if v is None:
                run = []
                runs.append(run)
            else:
                run.append(f"{x(i):.1f},{y(v):.1f}")
        for r in runs:
            if len(r) > 1:
                parts.append(f'<polyline points="{" ".join(r)}" fill="none" stroke="{colour}" stroke-width="2.2" '
                             f'stroke-linejoin="round"/>')
        for i, v in enumerate(values):
            if v is not None:
                parts.append(f'<circle data-series="{esc(name)}" data-value="{v:.3f}" cx="{x(i):.1f}" '
                             f'cy="{y(v):.1f}" r="4" fill="{colour}"><title>{esc(name)} {esc(labels[i])}: '
                             f"{v:.2f}</title></circle>")
    parts.append("</svg>")
    return "".join(parts)


def _legend(names: list[str], extra: tuple[tuple[str, str], ...] = ()) -> str:
    items = [(n, DIM_COLOURS.get(n, "#888")) for n in names] + list(extra)
    return ('<div class="legend">' + "".join(
        f'<span><span class="swatch" style="background:{c}"></span>{esc(n)}</span>' for n, c in items) + "</div>")


def _meter(value: float, colour: str) -> str:
    pct = max(0.0, min(1.0, value)) * 100
    return f'<span class="meter"><span style="width:{pct:.0f}%;background:{colour}"></span></span>'


# --- the session report ------------------------------------------------------------------------------------------


def read_audio_uri(path: str) -> str | None:
    """A recording as a data: URI, or None when the file is gone."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError:
        return None
    mime = AUDIO_MIME.get(p.suffix.lower(), "audio/wav")
    return f"data:{mime};base64,{base64.b64encode(raw).decode('ascii')}"


def _turn_label(t: dict, attempts: dict[int, int]) -> str:
    return f"T{t['index']}" + (f" #{t.get('attempt', 1)}" if attempts[t["index"]] > 1 else "")


def render_session(data: dict, scenario: str | None = None,
                   audio_uri: Callable[[str], str | None] = read_audio_uri) -> str:
    """The HTML report of one session.

    Args:
        data: `Store.session_json()` of the session.
        scenario: the persona's backstory, when the persona file is still around.
        audio_uri: turns a recording's path into a data: URI (None when missing).

    Returns:
        One self-contained HTML document.
    """
    turns = data["turns"]
    attempts: dict[int, int] = {}
    for t in turns:
        attempts[t["index"]] = max(attempts.get(t["index"], 0), t.get("attempt", 1))
    counted = {t["index"]: t for t in turns if t.get("attempt", 1) == attempts[t["index"]]}  # moved the persona
    outcome = data["outcome"]
    final_mood = data["final_mood"] if data["final_mood"] is not None else (
        counted[max(counted)]["mood_after"] if counted else data["start_mood"])
    duration = f" · {_duration(data['ended_at'] - data['started_at'])}" if data.get("ended_at") else ""
    b: list[str] = []
    b.append(f"<h1>{esc(data['persona_name'])}</h1>")
    b.append(f'<p class="meta">Session {data["id"]} · {esc(data["persona"])} · '
             f"{esc(data['scenario_type'].replace('_', ' '))} · {_when(data['started_at'])}{duration}"
             + (f" · {esc(INPUT_TEXT.get(data['input_mode'], data['input_mode']))}" if data.get("input_mode") else "")
             + (f" · model {esc(data['model'])}" if data.get("model") else "") + "</p>")
    b.append(f'<p><span class="badge {esc(outcome)}" id="outcome">{esc(OUTCOME_TEXT.get(outcome, outcome))}</span> '
             f'<span class="muted">Customer mood {data["start_mood"]:.0f} ({mood_word(data["start_mood"])}) → '
             f"{final_mood:.0f} ({mood_word(final_mood)}) over {len(counted)} turn(s)"
             + (f", {len(turns) - len(counted)} retried" if len(turns) > len(counted) else "") + "</span></p>")
    if scenario:
        b.append(f'<div class="scenario" id="scenario"><span class="muted">The situation</span><br>'
                 f"{esc(scenario)}</div>")

    # Summary: first attempts per dimension (what the rep did unaided).
    firsts = [t for t in first_attempts(turns) if t.get("scores")]
    if firsts:
        b.append('<div class="cards">')
        for d in DIMENSIONS:
            vals = [t["scores"][d] for t in firsts if d in t["scores"]]
            if not vals:
                continue
            hits = sum(1 for v in vals if v["hit"])
            mean = sum(v["score"] for v in vals) / len(vals)
            b.append(f'<div class="card" data-dim="{d}"><div class="label">{d}</div>'
                     f'<div class="big">{hits}/{len(vals)}</div><div class="muted">turns hit · mean '
                     f"{mean:.2f}</div>{_meter(mean, DIM_COLOURS[d])}</div>")
        b.append("</div>")

    # Mood chart.
    points = [("start", float(data["start_mood"]))]
    retried = []
    for i, idx in enumerate(sorted(counted), start=1):
        points.append((f"T{idx}", float(counted[idx]["mood_after"])))
        retried += [(i, float(t["mood_after"])) for t in turns if t["index"] == idx and t is not counted[idx]]
    b.append("<h2>The customer's mood</h2>")
    b.append(f"<figure>{mood_chart(points, retried)}<figcaption>After each turn; the counted attempt of a retried "
             "turn is the last one, and a hollow dot marks where an earlier attempt would have left the mood."
             "</figcaption></figure>")

    # Scores per turn.
    b.append("<h2>Scores per turn</h2>")
    if turns:
        head = "".join(f'<th class="num">{esc(_turn_label(t, attempts))}</th>' for t in turns)
        rows = []
        for d in DIMENSIONS:
            cells = []
            for t in turns:
                s = t["scores"].get(d)
                if not s:
                    cells.append('<td class="cell num muted">–</td>')
                    continue
                cls = "hit" if s["hit"] else "miss"
                cells.append(f'<td class="cell num" data-dim="{d}" data-turn="{t["index"]}" '
                             f'data-attempt="{t.get("attempt", 1)}" data-score="{s["score"]:.3f}">'
                             f'<span class="v">{s["score"]:.2f}</span> <span class="{cls}">'
                             f'{"✓" if s["hit"] else "✗"}</span>{_meter(s["score"], DIM_COLOURS[d])}</td>')
            rows.append(f'<tr><th style="text-transform:capitalize">{d}</th>{"".join(cells)}</tr>')
        b.append(f'<div class="scroll"><table class="scores-table"><thead><tr><th>Dimension</th>{head}</tr></thead>'
                 f"<tbody>{''.join(rows)}</tbody></table></div>")
    else:
        b.append('<p class="muted">No reply was scored in this session.</p>')

    # Pace and loudness.
    b.append("<h2>Pace and loudness</h2>")
    if any(t.get("acoustics") for t in turns):
        rows = []
        for t in turns:
            a = t.get("acoustics")
            if not a:
                rows.append(f"<tr><td>{esc(_turn_label(t, attempts))}</td>"
                            '<td class="num muted" colspan="4">typed or silent: nothing to measure</td></tr>')
                continue
            rel = a.get("relative_loudness_db", 0.0)
            rows.append(f'<tr class="acoustics-row" data-turn="{t["index"]}" data-attempt="{t.get("attempt", 1)}">'
                        f"<td>{esc(_turn_label(t, attempts))}</td>"
                        f'<td class="num">{a["words_per_minute"]:.0f}</td>'
                        f'<td class="num">{a["loudness_db"]:.1f}</td>'
                        f'<td class="num">{rel:+.1f}</td>'
                        f'<td class="num">{a.get("pitch_variability_st", 0):.1f}</td></tr>')
        b.append('<table class="acoustics-table"><thead><tr><th>Turn</th><th class="num">Words / min</th>'
                 '<th class="num">Loudness (dBFS)</th><th class="num">vs your usual (dB)</th>'
                 f'<th class="num">Pitch variation (semitones)</th></tr></thead><tbody>{"".join(rows)}</tbody></table>')
        b.append('<p class="muted">Loudness is measured over speech only; "vs your usual" compares it with your '
                 "earlier replies in the session (0 for the first).</p>")
    else:
        b.append('<p class="muted">These replies were typed, so there is no pace or loudness to show.</p>')

    # The transcript.
    b.append("<h2>The conversation</h2>")
    b.append(_legend(list(DIMENSIONS), (("cost points", "#c0504d"),)))
    for t in turns:
        attempt = t.get("attempt", 1)
        retried_here = attempt < attempts[t["index"]]
        header = (f"<h3>Turn {t['index']}</h3>"
                  + (f'<span class="muted">attempt {attempt} of {attempts[t["index"]]}</span>'
                     if attempts[t["index"]] > 1 else "")
                  + ('<span class="retried">retried</span>' if retried_here else "")
                  + f'<span class="muted">mood {t["mood_before"]:.0f} → {t["mood_after"]:.0f} '
                    f"({mood_word(t['mood_after'])})</span>")
        reply_html = highlight(t["reply"], t["scores"]) if t["reply"] else '<span class="muted">(nothing heard)</span>'
        audio = ""
        if t.get("audio_path"):
            uri = audio_uri(t["audio_path"])
            audio = (f'<audio controls preload="metadata" src="{uri}" title="Your reply, turn {t["index"]}"></audio>'
                     if uri else '<p class="muted">The recording of this reply is no longer on disk.</p>')
        a = t.get("acoustics")
        pace = (f'<p class="muted">{a["words_per_minute"]:.0f} words per minute · {a["loudness_db"]:.1f} dBFS '
                f'({a.get("relative_loudness_db", 0):+.1f} dB vs your usual)</p>' if a else "")
        items = []
        for d in DIMENSIONS:
            s = t["scores"].get(d)
            if not s:
                continue
            cls = "hit" if s["hit"] else "miss"
            ev = (' <span class="ev">— ' + ", ".join(f"“{esc(e)}”" for e in s["evidence"]) + "</span>"
                  if s.get("evidence") else "")
            tip = f'<div class="tip">{esc(s["tip"])}</div>' if s.get("tip") else ""
            items.append(f'<li class="{cls}" data-dim="{d}"><b style="text-transform:capitalize">{d}</b> '
                         f'<span class="{cls}">{"✓" if s["hit"] else "✗"} {s["score"]:.2f}</span>{ev}{tip}</li>')
        b.append(f'<article class="turn" id="turn-{t["index"]}-{attempt}" data-turn="{t["index"]}" '
                 f'data-attempt="{attempt}"><header>{header}</header>'
                 f'<p class="line customer"><span class="who">Customer</span>{esc(t["persona_line"])}</p>'
                 f'<p class="line rep"><span class="who">You</span>{reply_html}</p>{audio}{pace}'
                 f'<ul class="scores">{"".join(items)}</ul></article>')

    chart_data = {
        "session": data["id"], "persona": data["persona"], "outcome": outcome,
        "mood": [{"label": label, "mood": m} for label, m in points],
        "turns": [{"turn": t["index"], "attempt": t.get("attempt", 1),
                   "scores": {d: s["score"] for d, s in t["scores"].items()},
                   "hits": {d: s["hit"] for d, s in t["scores"].items()},
                   "mood_before": t["mood_before"], "mood_after": t["mood_after"],
                   "words_per_minute": (t.get("acoustics") or {}).get("words_per_minute"),
                   "loudness_db": (t.get("acoustics") or {}).get("loudness_db"),
                   "audio": bool(t.get("audio_path"))} for t in turns],
    }
    return _page(f"Session {data['id']} · {data['persona_name']}", "\n".join(b), chart_data)


# --- the progress page -------------------------------------------------------------------------------------------


def _change(v: float | None) -> str:
    if v is None:
        return '<span class="muted">–</span>'
    cls = "hit" if v > 0.005 else "miss" if v < -0.005 else "muted"
    arrow = "▲" if v > 0.005 else "▼" if v < -0.005 else "="
    return f'<span class="{cls}">{arrow} {v:+.2f}</span>'


def _spark_svg(values: tuple[float, ...], colour: str) -> str:
    w, h = 90, 26
    n = len(values)
    pts = [(4 + (w - 8) * (i / (n - 1) if n > 1 else 0.5), 3 + (h - 6) * (1 - max(0, min(1, v))))
           for i, v in enumerate(values)]
    line = (f'<polyline points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in pts)}" fill="none" stroke="{colour}" '
            f'stroke-width="1.8"/>' if n > 1 else "")
    x, y = pts[-1]
    return (f'<svg class="spark" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-label="trend">'
            f'<line x1="4" x2="{w - 4}" y1="{h - 3}" y2="{h - 3}" stroke="#e3e1dc"/>{line}'
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.6" fill="{colour}"/></svg>')


def render_progress(progress: Progress) -> str:
    """The HTML page of `voicetrainer progress --html`: the same numbers as the terminal, with charts."""
    pts = progress.sessions
    b = [f"<h1>Your progress</h1><p class=\"meta\">{len(pts)} session(s), {_when(pts[0].started_at)} to "
         f"{_when(pts[-1].started_at)}. Scores are 0–1 and count first attempts only (retries are coached).</p>"]
    best, weak = progress.best, progress.weakest
    b.append('<div class="cards">'
             f'<div class="card" id="best"><div class="label">Best skill</div><div class="big" '
             f'style="text-transform:capitalize">{esc(best.name)}</div><div class="muted">mean {best.recent_mean:.2f}'
             f", hit in {best.recent_hit_rate:.0%} of turns over the last {best.sessions} session(s)</div></div>"
             f'<div class="card" id="weakest"><div class="label">Work on next</div><div class="big" '
             f'style="text-transform:capitalize">{esc(weak.name)}</div><div class="muted">mean '
             f"{weak.recent_mean:.2f}, hit in {weak.recent_hit_rate:.0%} of turns over the last {weak.sessions} "
             f"session(s)</div>" + (f'<div class="tip">{esc(weak.latest_tip)}</div>' if weak.latest_tip else "")
             + "</div></div>")

    labels = [f"#{p.session_id}" for p in pts]
    series = [(d.name, [p.scores.get(d.name) for p in pts], DIM_COLOURS.get(d.name, "#888"))
              for d in progress.dimensions]
    b.append("<h2>Each skill, session by session</h2>")
    b.append(f"<figure>{line_chart(labels, series)}{_legend([d.name for d in progress.dimensions])}"
             "<figcaption>Mean score of each session's first attempts, by session number.</figcaption></figure>")

    rows = "".join(
        f'<tr data-dim="{esc(t.name)}"><th style="text-transform:capitalize">{esc(t.name)}</th>'
        f'<td class="num">{len(t.values)}</td><td class="num">{t.first:.2f}</td><td class="num">{t.latest:.2f}</td>'
        f'<td class="num">{_change(t.change)}</td><td>{_spark_svg(t.values, DIM_COLOURS.get(t.name, "#888"))}</td></tr>'
        for t in progress.dimensions)
    b.append('<table class="dimensions-table"><thead><tr><th>Skill</th><th class="num">Sessions</th>'
             '<th class="num">First</th><th class="num">Latest</th><th class="num">Change</th><th>Trend</th></tr>'
             f"</thead><tbody>{rows}</tbody></table>")
    b.append('<p class="muted">Change compares the mean of your latest sessions with your earliest (up to three '
             "each).</p>")

    b.append("<h2>By scenario</h2>")
    rows = "".join(
        f'<tr data-scenario="{esc(t.name)}"><th>{esc(t.name.replace("_", " "))}</th><td class="num">{len(t.values)}'
        f'</td><td class="num">{t.first:.2f}</td><td class="num">{t.latest:.2f}</td><td class="num">'
        f'{_change(t.change)}</td><td>{_spark_svg(t.values, "#2a6f73")}</td>'
        + "".join(f'<td class="cell num">{progress.scenario_dimensions[t.name][d]:.2f}'
                  f'{_meter(progress.scenario_dimensions[t.name][d], DIM_COLOURS[d])}</td>'
                  if d in progress.scenario_dimensions[t.name] else '<td class="num muted">–</td>'
                  for d in DIMENSIONS) + "</tr>"
        for t in progress.scenarios)
    b.append('<div class="scroll"><table class="scenarios-table"><thead><tr><th>Scenario</th><th class="num">Sessions</th>'
             '<th class="num">First</th><th class="num">Latest</th><th class="num">Change</th><th>Trend</th>'
             + "".join(f'<th class="num">{d}</th>' for d in DIMENSIONS) + f"</tr></thead><tbody>{rows}</tbody></table></div>")

    data = {"sessions": [{"id": p.session_id, "scenario_type": p.scenario_type, "outcome": p.outcome,
                          "scores": p.scores} for p in pts],
            "best": best.name, "weakest": weak.name}
    return _page("voicetrainer progress", "\n".join(b), data)


# --- writing the files -------------------------------------------------------------------------------------------


def reports_dir(store) -> Path:
    return store.data_dir / "reports"


def _write(path: Path, text: str) -> Path:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as e:
        raise StoreError(f"cannot write the report to {path} ({e}); pass another path with --out") from None
    return path


def write_session_report(store, session_id: int | None = None, out: Path | None = None) -> Path:
    """Render a saved session (default: the latest) to HTML and write it.

    Args:
        store: the `store.Store`.
        session_id: which session; None for the latest.
        out: where to write (default: reports/session-<id>.html in the data folder).

    Returns:
        The path written.

    Raises:
        StoreError: no sessions, an unknown id, or an unwritable path.
    """
    sid = store.latest_session_id() if session_id is None else session_id
    data = store.session_json(sid)
    scenario = None
    try:
        from voicetrainer.core.persona import find_persona

        scenario = find_persona(data["persona"], store.data_dir).scenario
    except PersonaError:
        pass  # the persona file was renamed or deleted since; the report simply leaves the backstory out
    return _write(out or reports_dir(store) / f"session-{sid}.html", render_session(data, scenario))


def write_progress_report(store, out: Path | None = None, rep: str | None = None) -> Path:
    """Render `voicetrainer progress` to HTML (default: reports/progress.html in the data folder); only `rep`'s
    sessions when given.

    Raises:
        StoreError: no scored session yet, or an unwritable path.
    """
    progress = compute_progress(store.all_sessions(rep=rep))
    if progress is None:
        raise StoreError(f"no scored sessions by {rep}" if rep else
                         "no scored sessions yet; run `voicetrainer practice` first")
    return _write(out or reports_dir(store) / "progress.html", render_progress(progress))
