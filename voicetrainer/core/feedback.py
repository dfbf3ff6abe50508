"""Feedback that fits the moment: each rubric dimension's status in the call, and tips from this persona's own
scenario, facts and solutions.

Status (a new field beside the scorer's `hit`, which still judges the line alone):
- `hit`      the reply did it (met the need, or did what was due);
- `miss`     it was due and the reply did not do it, or did it wrong (lost calm, a wrong fact, a vague promise);
- `not_due`  not needed yet (restating before the customer has been heard, offering before the problem is
             understood) or no longer needed (a need met earlier stays met);
- `rejected` the reply's offer was turned down (solution only): never shown as a hit.

calm -> respect, empathy -> heard, paraphrase -> understood, solution -> remedy and then commitment.
"""

from __future__ import annotations

import re
from dataclasses import replace

from voicetrainer.core.dialogue import Reaction
from voicetrainer.core.facts import FactBook
from voicetrainer.core.memory import CallState
from voicetrainer.core.needs import Need
from voicetrainer.core.persona_model import Persona
from voicetrainer.text import second_person
from voicetrainer.types import TurnScore

STATUSES = ("hit", "miss", "not_due", "rejected")


def statuses(before: CallState, reaction: Reaction, score: TurnScore) -> dict[str, str]:
    """The status of each dimension for this reply, given the call before it and what the customer made of it."""
    h = reaction.heard
    if h.silent:
        return {d: "miss" for d in ("calm", "empathy", "paraphrase", "solution")}
    was = before.needs
    met = set(reaction.met)
    out = {"calm": "miss" if h.calm_lost else "hit"}
    # empathy: due until the customer has been heard; a need met earlier is not needed again.
    if "heard" in met:
        out["empathy"] = "hit"
    elif was.met(Need.HEARD) and "heard" not in reaction.undone:
        out["empathy"] = "not_due"
    else:
        out["empathy"] = "miss"
    # paraphrase: due once the customer has been heard (not in the first breath), unless the rep is gathering facts.
    gathering = h.question in ("new", "confirm")
    if h.wrong:
        out["paraphrase"] = "miss"
    elif "understood" in met:
        out["paraphrase"] = "hit"
    elif was.met(Need.UNDERSTOOD) or gathering or not was.met(Need.HEARD):
        out["paraphrase"] = "not_due"
    else:
        out["paraphrase"] = "miss"
    # solution: an accepted offer is a hit and a turned-down one is 'rejected'; once accepted, the commitment is due.
    due = (was.met(Need.HEARD) and was.met(Need.UNDERSTOOD)) or before.memory.pending == "what" or before.stalls > 0
    if h.rejected and not h.accepted:
        out["solution"] = "rejected"
    elif "remedy" in met or "commitment" in met:
        out["solution"] = "hit"
    elif was.met(Need.REMEDY):
        out["solution"] = "not_due" if was.met(Need.COMMITMENT) or h.when or h.how else "miss"
    elif gathering:
        out["solution"] = "not_due"
    elif due:
        out["solution"] = "miss"
    else:
        out["solution"] = "hit" if h.step and not h.question else "not_due"
    return out


_SPECIFIC = re.compile(r"^('[^']+'[^;.]*[;.]|You said .+? but the customer said .+?\.|Don't repeat[^.]*\.)")


def _quoted(tip: str) -> str:
    """The part of the scorer's tip about the rep's own words ("'x' undid your empathy;"), if any."""
    m = _SPECIFIC.match(tip or "")
    return m.group(1).rstrip(";") + "." if m and not m.group(1).endswith(".") else (m.group(1) if m else "")


def _problem(persona: Persona, book: FactBook) -> str:
    f = book.by_id.get("problem")
    if not f:
        return ""
    text = second_person(f.says).rstrip(".")
    return text[:1].lower() + text[1:]  # it follows "So " or a dash in the tips


def _key_facts(book: FactBook) -> list[str]:
    return [f.spec.value for f in book.facts if f.numbers or f.days][:3]


def persona_tips(persona: Persona, book: FactBook, state: CallState) -> dict[str, str]:
    """A tip per dimension drawn from this persona (its problem, facts and the offers it accepts)."""
    problem = _problem(persona, book)
    facts = _key_facts(book)
    accepts = [o.offer for o in persona.solutions.accept][:3]
    empathy = (f"Acknowledge the impact before fixing anything: 'I'm so sorry — {problem}. I'd be frustrated too.'"
               if problem else "Acknowledge the impact before fixing anything: 'I'm really sorry — that sounds so "
                               "frustrating.'")
    restate = f"'So {problem}?'" if problem else "'So what happened is ...?'"
    paraphrase = (f"Restate what happened in your own words, with their facts ({', '.join(facts)}): {restate}"
                  if facts else f"Restate what happened in your own words: {restate}")
    if state.needs.met(Need.REMEDY):
        solution = "Say when it will happen and how they will know it's done (an email, a text, a call back)."
    else:
        solution = f"Offer something this customer accepts ({', '.join(accepts)}) and say when it will happen."
    return {"empathy": empathy, "paraphrase": paraphrase, "solution": solution}


def adjust(score: TurnScore, persona: Persona, book: FactBook, after: CallState, reaction: Reaction,
           status: dict[str, str]) -> TurnScore:
    """The score with tips that fit this persona and this moment: none where the dimension is hit or not due, the
    persona's own tip (after what the scorer said about the rep's words) where it is missed or rejected."""
    tips = persona_tips(persona, book, after)
    dims = []
    for d in score.dimensions:
        st = status.get(d.name, "hit" if d.hit else "miss")
        tip = d.tip
        if st in ("hit", "not_due"):
            tip = ""
        elif d.name in tips:
            if d.name == "paraphrase" and reaction.heard.wrong and not _quoted(d.tip):
                tip = f"You said {reaction.heard.wrong[0]}. {tips['paraphrase']}"
            elif d.name == "solution" and st == "rejected" and reaction.heard.rejected:
                tip = f"'{reaction.heard.rejected[0]}' is not what this customer wants. {tips['solution']}"
            else:
                tip = " ".join(x for x in (_quoted(d.tip), tips[d.name]) if x)
        dims.append(replace(d, tip=tip, status=st))
    return replace(score, dimensions=tuple(dims))


def missed(status: dict[str, str]) -> list[str]:
    return [d for d, s in status.items() if s in ("miss", "rejected")]
