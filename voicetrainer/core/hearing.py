"""What the customer hears in a reply: the rep's acts read against the customer's own facts, offers and memory.

`hear()` turns a scored reply and its acts into `Heard`: did it acknowledge (and stay calm), restate the facts right
or wrong (checked against every fact the persona knows, by role), make an offer it accepts or turns down, say when
and how, ask for a fact (new, already given, a check of a value, or something it cannot know), answer the
customer's question, or take another concrete step. The engine (dialogue.py) decides what that does to the mood.
"""

from __future__ import annotations

from dataclasses import dataclass

from voicetrainer.core.facts import FactBook
from voicetrainer.core.memory import CallState
from voicetrainer.core.persona_model import Persona
from voicetrainer.scoring import PhraseSet, Rubric
from voicetrainer.scoring import acts as act_rules
from voicetrainer.scoring.acts import Act
from voicetrainer.text import Phrase, split_sentences, tokenize
from voicetrainer.types import TurnScore

# How a question is heard: `new` asks for a fact not given yet, `given` for one already given, `confirm` checks a
# value the rep already has (right), `check` asks whether a plan works, `unknown` asks what the customer can't know.
QUESTIONS = ("new", "given", "confirm", "check", "unknown")


@dataclass(frozen=True)
class Heard:
    silent: bool = False
    calm_lost: bool = False
    heard: bool = False                 # acknowledged or apologised, with empathy the scorer counts, calmly
    restated: bool = False              # the customer's facts restated, none wrong
    wrong: tuple[str, ...] = ()         # facts restated wrongly, with what the customer said
    accepted: tuple[str, ...] = ()      # offers made that it accepts
    rejected: tuple[str, ...] = ()      # offers made that it turns down (when nothing it accepts was offered)
    when: bool = False                  # a time for what will happen
    how: bool = False                   # a channel or a follow-up: how it will know
    question: str = ""                  # one of QUESTIONS, or "" when the reply asks nothing
    fact: str | None = None             # the fact asked for
    answered: bool = False              # the reply answers the question the customer's last line asked
    step: bool = False                  # another concrete step: a plan, a polite boundary
    acts: tuple[Act, ...] = ()

    @property
    def offered(self) -> bool:
        return bool(self.accepted or self.rejected)


def classify_offers(persona: Persona, offers: tuple[str, ...], reply: str = "") -> tuple[list[str], list[str]]:
    """Split offers found in a reply into those this persona accepts and those it rejects.

    A rejected phrase wins over an accepted one it contains ("store credit" is rejected even though "credit" may be
    accepted), so the longest matching phrase decides; and, given the reply, over an accepted one said in the same
    sentence ("I can refund one month": the refund offered is the one month it turns down).
    """
    accept = {p.lower() for p in persona.solutions.accept_phrases}
    reject = {p.lower() for p in persona.solutions.reject_phrases}
    found = {o.lower() for o in offers}
    rejected = sorted(o for o in found if o in reject)
    accepted = sorted(o for o in found if o in accept and not any(o in r and o != r for r in rejected))
    if reply and rejected and accepted:
        sentences = [tokenize(s) for s in split_sentences(reply)]

        def where(phrase: str) -> set[int]:
            p = Phrase(phrase)
            return {i for i, t in enumerate(sentences) if p.find(t) is not None}

        qualified = set().union(*(where(r) for r in rejected))
        accepted = [a for a in accepted if not where(a) or where(a) - qualified]
    return accepted, rejected


class Ear:
    """How one persona hears replies: its facts and the rubric's plan markers, compiled once per call."""

    def __init__(self, persona: Persona, rubric: Rubric):
        self.persona = persona
        self.rubric = rubric
        self.book = FactBook(persona)
        self._future = PhraseSet([(p, "future") for p in rubric.rules.paraphrase.future_markers])

    def restating(self, reply: str, acts: tuple[Act, ...] = ()) -> str:
        """The reply without the sentences that plan, offer or commit ("I'll refund the 35 dollars", "Done, it's
        booked for Saturday"): only the rest restates what the customer said."""
        committed = {e for a in acts if a.kind == "commit" for e in a.evidence}
        keep = []
        for s in split_sentences(reply):
            t = tokenize(s)
            rep_speaks = bool({"i", "we", "us", "let"} & set(t.words))
            # A future marker plans only in the rep's own sentence: "you'd like it moved to Saturday" restates.
            if s.strip() in committed or rep_speaks and (self._future.find_all(t) or "i" in t.words):
                continue
            keep.append(s)
        return " ".join(keep)

    def acts(self, reply: str, score: TurnScore, pending: str | None) -> tuple[Act, ...]:
        return act_rules.recognise(reply, score, self.rubric, ask_for=self.book.asked if self.book else None,
                                   customer_asked=pending)

    def hear(self, state: CallState, reply: str, score: TurnScore) -> Heard:
        """Read one scored reply in the light of the call so far."""
        if score.analysis.silent:
            return Heard(silent=True)
        mem = state.memory
        acts = self.acts(reply, score, mem.pending)
        kinds = {a.kind for a in acts}
        calm_lost = act_rules.calm_lost(score, reply, self.rubric)
        wrong = [w for w in score.analysis.wrong_facts if not self.book.clears(w)]
        check = self.book.restatement(self.restating(reply, acts))
        wrong += [w for w in check.wrong if w not in wrong]
        para = score["paraphrase"]
        # A question that names the customer's topics ("do you have the confirmation number?") restates nothing.
        said = " ".join(x for x in split_sentences(reply) if not x.rstrip().endswith("?")).lower()
        in_statements = sum(1 for e in para.evidence if e.lower() in said)
        restated = not wrong and ((para.hit and 2 * in_statements >= len(para.evidence)) or len(check.right) >= 2)
        heard = (not calm_lost and score["empathy"].hit and bool(kinds & {"acknowledge", "apologise"}))
        accepted, rejected = classify_offers(self.persona, score.analysis.offers, reply)
        if accepted:
            rejected = []
        details = act_rules.commit_details(acts)
        question, fact = self._question(acts, reply, state)
        # Answering "what will you do?" with an offer it turns down answers nothing.
        answered = mem.pending is not None and "answer" in kinds and not (
            mem.pending == "what" and rejected and not accepted)
        generic_offer = any(a.kind == "offer" and not a.detail for a in acts)  # a concrete step, not a persona offer
        step = (not calm_lost) and ("boundary" in kinds or generic_offer)
        return Heard(calm_lost=calm_lost, heard=heard, restated=restated, wrong=tuple(wrong),
                     accepted=tuple(accepted), rejected=tuple(rejected), when="time" in details,
                     how=bool(details & {"channel", "follow_up"}), question=question, fact=fact, answered=answered,
                     step=step, acts=acts)

    def _question(self, acts: tuple[Act, ...], reply: str, state: CallState) -> tuple[str, str | None]:
        """The question the customer answers: the first new fact asked, else a check of a value, else one already
        given, else a check of the plan, else something it cannot know."""
        asks = [a for a in acts if a.kind == "ask"]
        if not asks:
            return "", None
        given = state.memory.facts_given
        ranked: list[tuple[int, str, str | None]] = []
        for a in asks:
            if a.detail in ("check", "unknown"):
                ranked.append((3 if a.detail == "check" else 4, a.detail, None))
                continue
            fact = self.book.by_id.get(a.detail)
            # Checking a value ("your order is 4471?") confirms it; naming a thing ("a photo of the mark?") asks.
            states_it = fact is not None and fact.kind != "text" and self.book.states(a.detail, " ".join(a.evidence))
            if states_it:
                ranked.append((1, "confirm", a.detail))
            elif a.detail in given:
                ranked.append((2, "given", a.detail))
            else:
                ranked.append((0, "new", a.detail))
        _, kind, fact_id = min(ranked, key=lambda r: r[0])
        return kind, fact_id
