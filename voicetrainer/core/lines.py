"""Which line the customer says: the variant that fits the mood and what is still missing, never one it already said
while an unused fitting variant exists, composed from parts when it answers a question ("It's forty four seventy
one." + "Now when do I get my money?").

Pure: a seeded `random.Random` makes the choice; the same persona, replies and seed give the same call.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from voicetrainer.core.memory import Memory
from voicetrainer.core.needs import Need, Needs
from voicetrainer.core.persona_model import Line, Persona
from voicetrainer.text import stem, tokenize

_SMALL = frozenset("""a an the and or of to in on at by for with from is are was were be it its my your our i you we
they this that me us them not no do don't can want need""".split())


def missing(about: str | None, needs: Needs, memory: Memory) -> bool:
    """Whether what a line is `about` is still missing (an untagged line always may be said); when and how count
    as missing only once a remedy has been accepted."""
    if about is None:
        return True
    if about in ("when", "how"):  # a commitment is about the remedy: asked for only once one is accepted
        return needs.met(Need.REMEDY) and not (memory.when if about == "when" else memory.how)
    return not needs.met(Need(about))


def choose(lines: Sequence[Line], mood: float, rng: random.Random, *, said: Sequence[str] = (),
           target: str | None = None, needs: Needs | None = None, memory: Memory | None = None) -> Line:
    """One variant of `lines`.

    Eligible: variants whose `about` is still missing (see `missing`), preferring those about `target`, then the
    untagged ones. Among them, the variants whose mood band holds the mood (all of them when none does), then the
    ones not said yet in this call; when every fitting variant was said, the one said longest ago.
    """
    if not lines:
        raise ValueError("no lines to choose from")
    needs = needs or Needs()
    memory = memory or Memory()
    eligible = [ln for ln in lines if missing(ln.about, needs, memory)] or list(lines)
    on_target = [ln for ln in eligible if target is not None and ln.about == target]
    untagged = [ln for ln in eligible if ln.about is None]
    for pool in (on_target, untagged, eligible):
        fresh = [ln for ln in _fitting(pool, mood) if ln.text not in said]
        if fresh:
            return rng.choice(fresh)
    last = {t: i for i, t in enumerate(said)}
    return min(_fitting(eligible, mood), key=lambda ln: last.get(ln.text, -1))


def _fitting(pool: Sequence[Line], mood: float) -> list[Line]:
    return [ln for ln in pool if ln.fits(mood)] or list(pool)


def content_stems(text: str) -> set[str]:
    """Stems of a line's content words (for telling which lines name the same things)."""
    t = tokenize(text)
    return {s for w, s in zip(t.words, t.stems, strict=True) if w not in _SMALL and len(w) > 2}


def for_offer(persona: Persona, intent: str, offer: str) -> list[Line]:
    """The lines that answer this offer: its own `says`, else the intent's lines that name it, else those that name
    no other offer (a rejection of 'free dessert' is never 'Don't tell me it was a busy night')."""
    own = persona.solutions.find(offer)
    if own is not None and own.says:
        return list(own.says)
    lines = persona.lines_for(intent)
    mine = {stem(w) for w in offer.lower().split() if w not in _SMALL}
    others: set[str] = set()
    for o in persona.solutions.accept + persona.solutions.reject:
        if o.offer.lower() != offer.lower():
            others |= {stem(w) for w in o.offer.lower().split() if w not in _SMALL}
    others -= mine
    naming = [ln for ln in lines if content_stems(ln.text) & mine and not content_stems(ln.text) & others]
    neutral = [ln for ln in lines if not content_stems(ln.text) & others]
    return naming or neutral or lines


def fill(template: str, says: str) -> str:
    """A template with the fact's words in it, capitalised where it starts a sentence."""
    i = template.find("{says}")
    text = says.strip().rstrip(".")
    before = template[:i].rstrip()
    if not before or before.endswith((".", "!", "?")):
        text = text[:1].upper() + text[1:]
    return template.replace("{says}", text)


def join(*parts: Line | None) -> Line:
    """One line from parts: the texts joined; a recording is kept only when the line is a single recorded part."""
    used = [p for p in parts if p is not None]
    if len(used) == 1:
        return used[0]
    return Line(text=" ".join(p.text.strip() for p in used))
