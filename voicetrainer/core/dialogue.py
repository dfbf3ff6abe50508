"""The persona engine: the customer judges the call, not each line.

Each reply is heard (hearing.py) as what it did for the customer's needs (needs.py): met one, undid one, lost calm,
got a fact wrong, made an offer, said when and how, asked or answered something, or moved nothing on. The mood
moves by the persona's temperament:

- relief when a need is met (heard, understood, remedy, commitment) and a little for any calm reply that moves the
  call on (a relevant question, a correct answer, an accurate restatement, a step);
- anger when calm is lost (strongly; it undoes `heard`), on a wrong fact (it undoes `understood`), on an offer it
  turns down, on silence, and impatience when a turn moves nothing on while needs remain: 1x, 2x, 3x ... the
  impatience number for each stalled turn in a row (a quarter more while `needs_most` is unmet).

Then it picks what to say, first match wins: hang up / escalate (thresholds), correction (wrong fact), reject the
offer made, resolved (remedy accepted, commitment given or asked for once, calm enough), accept the offer (asking
once for a missing commitment detail), answer the question asked, ask for the commitment (after accepting: never
back to opening pushback), soften (a need met: press for the next), and on a stalled turn press for what it needs
(pushback while not heard, ask_remedy for specifics, ask_commitment). The turn limit is the session loop's.

Pure and deterministic: the same persona, replies and `random.Random(seed)` give the same call. No audio, no models.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from typing import TypedDict

from voicetrainer.core.hearing import Heard, classify_offers  # noqa: F401  (classify_offers: public here too)
from voicetrainer.core.lines import choose, content_stems, fill, for_offer, join, missing
from voicetrainer.core.memory import CallState, Memory
from voicetrainer.core.needs import CALL_ORDER, Need, Needs, Phase, advance_phase
from voicetrainer.core.persona_model import Line, Persona
from voicetrainer.scoring.acts import question_kind

# Intents after which the call is over, and the outcome each one means.
FINAL_INTENTS = {"resolved": "resolved", "escalate": "escalated", "hang_up": "hung_up"}
# The question kind the customer's line asks, by what the line presses for.
_ASKS = {"when": "when", "how": "how", "both": "when", "remedy": "what"}


@dataclass(frozen=True)
class Reaction:
    """What the persona does after a reply: its new state, what it means to say, why, and what it is about."""

    state: CallState
    intent: str
    mood_delta: float
    reasons: tuple[str, ...]
    outcome: str | None = None            # set when the call ends
    heard: Heard = Heard()
    met: tuple[str, ...] = ()             # needs met by this reply
    undone: tuple[str, ...] = ()          # needs this reply undid
    progress: bool = False                # the reply moved the call on
    stalled: bool = False                 # the reply moved nothing on while needs remained
    target: str | None = None             # what the line presses for: a need, or 'when' / 'how' / 'both'
    fact: str | None = None               # the fact the line answers with
    offer: str | None = None              # the offer the line answers
    ask_detail: str | None = None         # with accept_offer: the commitment detail it asks for too


class _Context(TypedDict):
    """What `choose` needs to know of the call so far (passed on as its keyword arguments)."""

    said: tuple[str, ...]
    needs: Needs
    memory: Memory


def start_state(persona: Persona) -> CallState:
    return CallState(mood=persona.mood.start)


def _clamp(x: float) -> float:
    return max(0.0, min(100.0, x))


def _g(x: float) -> str:
    return f"{x:+g}"


def target_need(persona: Persona, needs: Needs) -> Need | None:
    """What the customer presses for: its `needs_most` while unmet (respect only once lost), else the first need of
    the call still open, skipping `understood` (customers ask for action, not for a restatement)."""
    most = Need(persona.temperament.needs_most)
    if not needs.met(most) and (most in CALL_ORDER or needs.respect.undone_at is not None):
        return most
    for n in (Need.HEARD, Need.REMEDY, Need.COMMITMENT):
        if not needs.met(n):
            return n
    return None


def react(persona: Persona, state: CallState, heard: Heard) -> Reaction:
    """Move the needs and the mood for one heard reply and choose the next intent (see the module docstring)."""
    t = persona.temperament
    R, A = t.relief, t.anger
    o = persona.outcomes
    turn = state.turn + 1
    if heard.silent:
        silences = state.silences + 1
        delta = A.silence * t.flares
        mood = _clamp(state.mood + delta)
        new = replace(state, mood=mood, turn=turn, silences=silences)
        why = (f"silence {_g(delta)}",)
        if silences >= o.max_silences:
            return Reaction(new, "hang_up", mood - state.mood, why + (f"{silences} silent turns in a row",),
                            "hung_up", heard=heard, stalled=True)
        return Reaction(new, "still_there", mood - state.mood, why, heard=heard, stalled=True)

    needs, mem = state.needs, state.memory
    reasons: list[str] = []
    delta = 0.0
    met: list[str] = []
    undone: list[str] = []

    def move(amount: float, why: str) -> None:
        nonlocal delta
        delta += amount
        reasons.append(f"{why} {_g(round(amount, 2))}")

    if heard.calm_lost:
        move(A.calm_lost * t.flares, "calm lost")
        for n in (Need.HEARD, Need.RESPECT):
            if needs.met(n):
                needs = needs.undo(n, turn)
                undone.append(n.value)
    if heard.wrong:
        move(A.wrong_fact * t.flares, f"wrong fact ({heard.wrong[0]})")
        if needs.met(Need.UNDERSTOOD):
            needs = needs.undo(Need.UNDERSTOOD, turn)
            undone.append(Need.UNDERSTOOD.value)
    new_rejected = [x for x in heard.rejected if not heard.accepted]
    if new_rejected:
        move(A.offer_rejected * t.flares, f"offer turned down ({', '.join(new_rejected)})")
        mem = mem.rejected(*new_rejected)

    # A reply that loses calm heals nothing: it can be accepted as a remedy, but it neither hears nor understands.
    if heard.heard and not heard.calm_lost and not needs.met(Need.HEARD):
        needs = needs.meet(Need.HEARD, turn)
        met.append("heard")
        move(R.heard * t.calms, "heard")
    if heard.heard and not heard.calm_lost and not needs.met(Need.RESPECT):
        needs = needs.meet(Need.RESPECT, turn)  # an apology after a loss of calm restores respect (no relief)
        met.append("respect")
    if heard.restated and not heard.calm_lost and not needs.met(Need.UNDERSTOOD):
        needs = needs.meet(Need.UNDERSTOOD, turn)
        met.append("understood")
        move(R.understood * t.calms, "understood")
    new_accepted = [x for x in heard.accepted if x not in mem.offers_accepted]
    # The offer the customer answers: one with its own lines first, then the longest phrase.
    new_accepted.sort(key=lambda x: (not _has_lines(persona, x), -len(x), x))
    if new_accepted:
        mem = mem.accepted(*new_accepted)
        if not needs.met(Need.REMEDY):
            needs = needs.meet(Need.REMEDY, turn)
            met.append("remedy")
            move(R.remedy * t.calms, f"remedy accepted ({', '.join(new_accepted)})")
    detail_before = (mem.when, mem.how)
    if heard.when or heard.how:
        evidence = tuple(e for a in heard.acts if a.kind == "commit" for e in a.evidence)
        mem = mem.committed(evidence, heard.when, heard.how)
    new_detail = (mem.when, mem.how) != detail_before
    if needs.met(Need.REMEDY) and mem.when and mem.how and not needs.met(Need.COMMITMENT):
        needs = needs.meet(Need.COMMITMENT, turn)
        met.append("commitment")
        move(R.commitment * t.calms, "commitment (when and how)")
    if heard.fact and heard.question in ("new", "confirm", "given"):
        mem = mem.asked(heard.fact)

    asked_again = heard.question == "given" and heard.fact in state.memory.facts_asked
    progress = not heard.calm_lost and bool(
        [m for m in met if m != "respect"] or new_accepted or new_detail or heard.answered or heard.step
        or heard.restated or heard.question in ("new", "confirm", "check"))
    neutral = not heard.calm_lost and not progress and (
        bool(new_rejected) or heard.question == "unknown" or (heard.question == "given" and not asked_again))
    stalls = state.stalls
    stalled = False
    if progress:
        move(R.progress * t.calms, "progress")
        stalls = 0
    elif not neutral and needs.unmet():
        stalls += 1
        stalled = True
        most_open = not needs.met(Need(t.needs_most))
        weight = stalls * (1.25 if most_open else 1.0)
        move(A.impatience * weight * t.flares, f"no progress ({stalls} in a row)")

    mood = _clamp(state.mood + delta)
    exchanged = bool(mem.facts_asked) or bool(heard.question)
    phase = advance_phase(state.phase, needs, exchanged)
    new = CallState(mood=mood, turn=turn, phase=phase, needs=needs, memory=mem, stalls=stalls, silences=0)
    met_t, undone_t = tuple(met), tuple(undone)
    r = tuple(reasons)
    d = mood - state.mood

    def out(intent: str, *, target: str | None = None, fact: str | None = None, offer: str | None = None,
            ask_detail: str | None = None) -> Reaction:
        return Reaction(new, intent, d, r, FINAL_INTENTS.get(intent), heard=heard, met=met_t, undone=undone_t,
                        progress=progress, stalled=stalled, target=target, fact=fact, offer=offer,
                        ask_detail=ask_detail)

    if mood >= o.hang_up_at_or_above:
        return out("hang_up")
    if mood >= o.escalate_at_or_above:
        return out("escalate")
    if heard.wrong:
        return out("correction")
    if new_rejected:
        return out("reject_offer", offer=new_rejected[0])
    committed_or_asked = needs.met(Need.COMMITMENT) or mem.asked_commitment
    if needs.met(Need.REMEDY) and committed_or_asked and mood <= o.resolved_at_or_below and not heard.calm_lost:
        return out("resolved")
    target = target_need(persona, needs)
    if new_accepted:
        ask = None if needs.met(Need.COMMITMENT) or mem.asked_commitment else mem.missing_detail
        return out("accept_offer", offer=new_accepted[0], ask_detail=ask, target=ask)
    if heard.question == "new" or heard.question == "confirm":
        return out("answer" if heard.question == "new" else "confirm", fact=heard.fact, target=_t(target))
    if heard.question == "given":
        return out("already_given", fact=heard.fact, target=_t(target))
    if heard.question == "unknown":
        return out("unknown", target=_t(target))
    if phase.rank >= Phase.COMMITMENT.rank:
        if not needs.met(Need.COMMITMENT) and not mem.asked_commitment:
            return out("ask_commitment", target=mem.missing_detail)
        return out("accept_offer", target=None)
    if met or (progress and d < 0):
        return out("soften", target=_t(target))
    if target in (Need.HEARD, Need.UNDERSTOOD, Need.RESPECT) or target is None:
        return out("pushback", target=_t(target))
    if target == Need.REMEDY:
        return out("ask_remedy", target="remedy")
    return out("ask_commitment", target=mem.missing_detail)


def _has_lines(persona: Persona, offer: str) -> bool:
    o = persona.solutions.find(offer)
    return o is not None and bool(o.says)


def _t(need: Need | None) -> str | None:
    return need.value if need is not None else None


# --- what it says ----------------------------------------------------------------------------------------------


def opening(persona: Persona, state: CallState, rng: random.Random, book=None) -> tuple[Line, CallState]:
    """The customer's first line, and the state that remembers it (and the facts it states)."""
    line = choose(persona.lines.opening, state.mood, rng)
    return line, _remember(state, line, "opening", None, book)


def speak(persona: Persona, reaction: Reaction, rng: random.Random, book=None) -> tuple[Line, CallState]:
    """The line for a reaction, composed where it answers a question, and the state that remembers saying it."""
    st = reaction.state
    mem, needs, mood = st.memory, st.needs, st.mood
    kw: _Context = {"said": mem.said, "needs": needs, "memory": mem}
    intent = reaction.intent
    ask_part = None
    parts: tuple[str, ...] = ()
    if intent in ("accept_offer", "reject_offer") and reaction.offer:
        main = choose(for_offer(persona, intent, reaction.offer), mood, rng, target=reaction.target, **kw)
        if intent == "accept_offer" and reaction.ask_detail and main.about not in ("when", "how"):
            ask_part = choose(persona.lines.ask_commitment, mood, rng, target=reaction.ask_detail, **kw)
        line = join(main, ask_part)
        parts = tuple(p.text for p in (main, ask_part) if p is not None)
    elif intent in ("answer", "confirm", "already_given", "unknown"):
        line, parts = _answer(persona, reaction, rng, book, kw)
    else:
        line = choose(persona.lines_for(intent), mood, rng, target=reaction.target, **kw)
    if (intent == "ask_commitment" or ask_part is not None
            or (intent == "accept_offer" and line.about in ("when", "how"))):
        mem = replace(mem, asked_commitment=True)
        st = replace(st, memory=mem)
    pending = _pending(intent, reaction, line)
    return line, _remember(st, line, intent, pending, book, parts, reaction.fact)


def _answer(persona: Persona, reaction: Reaction, rng: random.Random, book,
            kw: _Context) -> tuple[Line, tuple[str, ...]]:
    """(the answer line, the template and tail it was made of)."""
    a = persona.answers
    mood = reaction.state.mood
    template = ""
    if reaction.intent == "unknown" or reaction.fact is None or book is None or reaction.fact not in book.by_id:
        head = choose(a.unknown, mood, rng, **kw)
        template = head.text
    else:
        templates = {"answer": a.given, "confirm": a.confirm, "already_given": a.again}[reaction.intent]
        t = choose(templates, mood, rng, **kw)
        template = t.text
        head = Line(text=fill(t.text, book.by_id[reaction.fact].says))
    tail_pool = list(a.tails) or _fallback_tails(persona, reaction)
    if head.text.rstrip().endswith("?"):  # the answer already presses for something ("..., now can we sort it?")
        tail_pool = []
    named = {w for w in content_stems(head.text) if len(w) > 3}
    tail_pool = [ln for ln in tail_pool if not content_stems(ln.text) & named]  # not "Saturday. ... Saturday?"
    tail = choose(tail_pool, mood, rng, target=reaction.target, **kw) if tail_pool else None
    if tail is not None and join(head, tail).text in kw["said"]:
        # Every fitting tail was used: take another that makes a new line, or none.
        others = [ln for ln in tail_pool if join(head, ln).text not in kw["said"] and ln.text != tail.text
                  and missing(ln.about, kw["needs"], kw["memory"])]
        tail = choose(others, mood, rng, **kw) if others else None
    return join(head, tail), (template,) + ((tail.text,) if tail is not None else ())


def _fallback_tails(persona: Persona, reaction: Reaction) -> list[Line]:
    """Without `answers.tails`: the line that presses for what is next (specifics, or the commitment)."""
    st = reaction.state
    if st.needs.met(Need.REMEDY):
        return [] if st.needs.met(Need.COMMITMENT) else list(persona.lines.ask_commitment)
    return list(persona.lines.ask_remedy) if st.needs.met(Need.HEARD) else []


def _pending(intent: str, reaction: Reaction, line: Line) -> str | None:
    if intent in FINAL_INTENTS:
        return None
    if line.about in _ASKS:
        return _ASKS[line.about]
    if intent == "ask_commitment" and reaction.target in _ASKS:
        return _ASKS[reaction.target]
    if reaction.ask_detail in _ASKS:
        return _ASKS[reaction.ask_detail]
    if intent == "ask_remedy":
        return "what"
    return question_kind(line.text)


def _remember(state: CallState, line: Line, intent: str, pending: str | None, book,
              parts: tuple[str, ...] = (), fact: str | None = None) -> CallState:
    mem: Memory = state.memory.spoke(line.text, pending, parts)
    if book is not None:
        if intent in ("answer", "confirm", "already_given", "unknown"):
            # An answer gives its fact; its template's own words ("I told you already") give nothing.
            answered = (fact,) if fact and intent != "unknown" else ()
            mem = mem.given(*answered, *[f for p in parts[1:] for f in book.mentioned(p)])
        else:
            mem = mem.given(*book.mentioned(line.text))
    return replace(state, memory=mem)


def context(opening_text: str, state: CallState, last_line: str, book=None) -> str:
    """What the rep should be restating: the customer's problem (opening), the facts it has given since, and its
    latest line."""
    parts = [opening_text]
    if book is not None:
        parts += [book.by_id[f].says.rstrip(".") + "." for f in state.memory.facts_given
                  if f in book.by_id and not book.states(f, opening_text)]
    if last_line != opening_text:
        parts.append(last_line)
    return " ".join(parts)
