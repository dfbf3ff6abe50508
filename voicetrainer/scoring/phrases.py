"""Compiled phrase sets: the rubric's phrase lists turned into matchers indexed by first word, once per rubric.

`PhraseSet` matches many labelled patterns at once; `CompiledRubric` holds one for each list in the rubric, plus
the word sets (negators, fillers, generic words) the dimension scorers look up. What a match means is left to them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from voicetrainer.scoring.schema import RubricModel
from voicetrainer.text import Match, Phrase, Tokens, normalise, stem


class PhraseSet:
    """Many phrase patterns, each with a label, matched together (indexed by first word for speed)."""

    def __init__(self, items: Sequence[tuple[str, str]]):
        self._by_first: dict[str, list[tuple[Phrase, str]]] = {}
        self._anywhere: list[tuple[Phrase, str]] = []
        for text, label in items:
            p = Phrase(text)
            first = p.first_words
            if first is None:
                self._anywhere.append((p, label))
            else:
                for a in first:
                    self._by_first.setdefault(a, []).append((p, label))

    def find_all(self, tokens: Tokens) -> list[tuple[Match, str]]:
        """Every match (a phrase may match more than once), sorted by position then length (longest first)."""
        out: list[tuple[Match, str]] = []
        seen: set[tuple[int, int, str]] = set()
        for i, s in enumerate(tokens.stems):
            for p, label in self._by_first.get(s, ()):
                m = p.match_at(tokens, i)
                if m is not None and (i, m.end, label) not in seen:
                    seen.add((i, m.end, label))
                    out.append((m, label))
        for p, label in self._anywhere:
            for m in p.find_all(tokens):
                if (m.start, m.end, label) not in seen:
                    seen.add((m.start, m.end, label))
                    out.append((m, label))
        out.sort(key=lambda x: (x[0].start, -(x[0].end - x[0].start)))
        return out


def overlaps(a: Match, b: Match) -> bool:
    """Whether two matches share a token."""
    return a.start < b.end and b.start < a.end


def alternatives(groups: Sequence[str]) -> list[tuple[str, str]]:
    """Expand 'a|b c|d' group lines (alternatives separated by |, each may be several words) to (phrase, group)."""
    out: list[tuple[str, str]] = []
    for g in groups:
        alts = [a.strip() for a in g.split("|") if a.strip()]
        if alts:
            for a in alts:
                out.append((a, alts[0]))
    return out


@dataclass(frozen=True)
class CompiledRubric:
    """A rubric's phrase lists as matchers and word sets, built once per rubric content by `compile_rubric`."""

    costs: PhraseSet
    boundary: PhraseSet
    acks: PhraseSet
    non_apology: PhraseSet
    cues: PhraseSet
    items: PhraseSet
    synonyms: PhraseSet
    future: PhraseSet
    not_plans: PhraseSet
    offers: PhraseSet
    commitments: PhraseSet
    timing: PhraseSet
    not_offers: PhraseSet
    vague: PhraseSet
    negators: frozenset[str]
    not_negators: PhraseSet
    suggestions: tuple[tuple[Phrase, str], ...]
    generic: frozenset[str]
    fillers: frozenset[str]
    rep_commits: PhraseSet
    offer_questions: PhraseSet
    non_actions: PhraseSet
    commit_fillers: frozenset[str]
    item_words: frozenset[str]
    has_commitments: bool
    hesitations: frozenset[str] = frozenset()
    discourse: tuple[str, ...] = ()
    detectors: tuple[tuple[str, str], ...] = ()   # (detector, cost group)
    not_restating_costs: frozenset[str] = frozenset()
    handoffs: PhraseSet | None = None
    overpromises: PhraseSet | None = None
    deadlines: PhraseSet | None = None
    done: PhraseSet | None = None
    acronyms: frozenset[str] = frozenset()
    cost_weights: tuple[tuple[str, float], ...] = ()   # (cost group, weight): overlapping costs keep the heavier


def compile_rubric(m: RubricModel) -> CompiledRubric:
    """Build the matchers of a validated rubric (slow-ish: `load_rubric` caches the result by content)."""
    return CompiledRubric(
        costs=PhraseSet([(p, name) for name, g in m.calm.costs.items() for p in g.phrases]),
        cost_weights=tuple((name, g.weight) for name, g in m.calm.costs.items()),
        boundary=PhraseSet([(p, "boundary") for p in m.calm.boundary]),
        acks=PhraseSet([(p, name) for name, g in m.empathy.acknowledge.items() for p in g.phrases]),
        non_apology=PhraseSet([(p, "non_apology") for p in m.empathy.non_apology]),
        cues=PhraseSet([(p, "cue") for p in m.paraphrase.cues]),
        items=PhraseSet(alternatives(m.paraphrase.items)
                        + [(a, "thing:" + g) for a, g in alternatives(m.paraphrase.things)]
                        + [(a.strip(), f"contrast{k}:{a.strip()}") for k, line in enumerate(m.paraphrase.contrasts)
                           for a in line.split("|") if a.strip()]),
        synonyms=PhraseSet(alternatives(m.paraphrase.synonyms)),
        future=PhraseSet([(p, "future") for p in m.paraphrase.future_markers]),
        not_plans=PhraseSet([(p, "not_plan") for p in m.paraphrase.not_plans]),
        offers=PhraseSet([(p, "offer") for p in m.solution.offers]),
        commitments=PhraseSet([(p, "commit") for p in m.solution.commitments]),
        timing=PhraseSet([(p, "timing") for p in m.solution.timing]),
        not_offers=PhraseSet([(p, "not_offer") for p in m.solution.not_offers]),
        vague=PhraseSet([(p, "vague") for p in m.solution.vague]),
        negators=frozenset(stem(w) for w in m.solution.negators),
        not_negators=PhraseSet([(p, "ok") for p in m.solution.not_negators]),
        suggestions=tuple((Phrase(k), v) for k, v in m.solution.suggestions.items() if k != "default"),
        generic=frozenset(stem(w) for w in m.paraphrase.generic),
        fillers=frozenset(w.lower() for w in m.fillers),
        rep_commits=PhraseSet([(p, "rep") for p in m.solution.rep_commitments]),
        offer_questions=PhraseSet([(p, "question") for p in m.solution.offer_questions]),
        non_actions=PhraseSet([(p, "none") for p in m.solution.non_actions]),
        commit_fillers=frozenset(normalise(w) for w in m.solution.fillers_after_commit),
        item_words=frozenset(w for a, _ in alternatives(m.paraphrase.items) + alternatives(m.paraphrase.things)
                             for w in normalise(a).split()),
        not_restating_costs=frozenset(m.paraphrase.not_restating_costs),
        handoffs=PhraseSet([(p, "handoff") for p in m.solution.handoffs]),
        overpromises=PhraseSet([(p, "overpromise") for p in m.solution.overpromises]),
        deadlines=PhraseSet([(p, "deadline") for p in m.solution.deadlines]),
        done=PhraseSet([(p, "done") for p in m.solution.done]),
        has_commitments=bool(m.solution.commitments),
        hesitations=frozenset(w.lower() for w in m.spoken.hesitations),
        discourse=tuple(normalise(w) for w in m.spoken.discourse),
        detectors=tuple((d, name) for name, g in m.calm.costs.items() for d in g.detect),
        acronyms=frozenset(w.upper() for w in m.calm.acronyms),
    )
