"""Where the scorer's evidence sits in the rep's words, for the report to mark it up.

`evidence_segments` splits a reply into plain and marked pieces (pure text work); `highlight` renders them with the
`marked` macro of `templates/_parts.html.j2`, so the words are escaped like everything else in the page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markupsafe import Markup

from voicetrainer.core.progress import status_of
from voicetrainer.reports.environment import macro
from voicetrainer.types import DIMENSIONS


@dataclass(frozen=True)
class Segment:
    """A piece of the reply: plain text (no dims), or evidence of `dims` (cost: it lost points: evidence of a dimension
    missed, never of one not needed yet)."""

    text: str
    dims: tuple[str, ...] = ()
    cost: bool = False

    @property
    def css_class(self) -> str:
        return f"ev-{self.dims[0]}" + (" cost" if self.cost else "")

    @property
    def dims_attr(self) -> str:
        return " ".join(self.dims)

    @property
    def title(self) -> str:
        return ", ".join(self.dims) + (" (cost points)" if self.cost else " evidence")


def phrase_patterns(phrase: str) -> list[re.Pattern]:
    """Ways to find a phrase in the reply, strictest first: its words as written ("$89"), then only their letters
    and digits, whatever punctuation or case sits between them ("eighty-nine" ~ "eighty nine")."""
    out = []
    for words in (phrase.split(), re.findall(r"\w+", phrase)):
        if words:
            out.append(re.compile(r"(?<!\w)" + r"\W+".join(re.escape(w) for w in words) + r"(?!\w)", re.IGNORECASE))
    return out


def evidence_segments(text: str, scores: dict) -> list[Segment]:
    """The reply cut at its evidence phrases: plain and marked segments alternate, plain ones possibly empty.

    Overlapping matches keep the earliest (then the longest). Evidence that is not in the words (e.g. "+7 dB above
    your usual level") marks nothing; the report lists it under the scores instead.

    Args:
        text: the rep's reply.
        scores: `{dimension: {"hit": bool, "evidence": [phrase, ...], "status": ...}}` as saved with a turn; the
            evidence of a dimension missed (or an offer turned down) cost points, by its status when it has one.
    """
    spans: dict[tuple[int, int], list[tuple[str, bool]]] = {}
    for d in DIMENSIONS:
        s = scores.get(d)
        if not s:
            continue
        for phrase in s.get("evidence", []):
            for pat in phrase_patterns(phrase):
                found = list(pat.finditer(text))
                for m in found:
                    spans.setdefault((m.start(), m.end()), []).append((d, status_of(s) not in ("miss", "rejected")))
                if found:
                    break
    chosen, last_end = [], 0
    for (start, end) in sorted(spans, key=lambda se: (se[0], se[0] - se[1])):
        if start >= last_end:
            chosen.append((start, end, spans[(start, end)]))
            last_end = end
    out, pos = [], 0
    for start, end, labels in chosen:
        out.append(Segment(text[pos:start]))
        dims = tuple(dict.fromkeys(d for d, _ in labels))
        out.append(Segment(text[start:end], dims, any(not hit for _, hit in labels)))
        pos = end
    out.append(Segment(text[pos:]))
    return out


def highlight(text: str, scores: dict) -> Markup:
    """The rep's words as HTML, each evidence phrase wrapped in <mark> (colour = dimension; red = it cost points)."""
    return macro("marked")(evidence_segments(text, scores))
