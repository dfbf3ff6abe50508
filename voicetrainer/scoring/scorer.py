"""The rubric scorer: judges a trainee's reply to an upset customer on calm, empathy, paraphrase and solution.

Pure: text in, `TurnScore` out. No audio, no models. The phrases, weights and thresholds it uses live in
`rubric.yaml` (see docs/rubric.md); this module only knows how to apply them:

- calm        1 minus the weights of the cost groups that match (blame, dismissal, sarcasm, ...), and of the voice
              (shouting, rushing, erratic pitch) when acoustics are given. Polite boundary-setting is forgiven.
- empathy     acknowledgement of feelings or impact; non-apologies cancel it and blame undoes it.
- paraphrase  the customer's own facts (durations, money, counts, numbers), items and content words carried over,
              not parroted, with no fact contradicting the customer.
- solution    a concrete offer or next step in a committing sentence, not negated ("I can't refund that") and not
              merely vague ("we'll look into it").
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from voicetrainer.errors import RubricError
from voicetrainer.scoring.passrules import PassRules
from voicetrainer.text.textutil import (MONTHS, WEEKDAYS, Fact, Match, Phrase, Tokens, extract_facts, is_number_word, same_value,
                       second_person, split_sentences, tokenize)
from voicetrainer.types import Acoustics, DimensionScore, ReplyAnalysis, TurnScore

DEFAULT_RUBRIC = Path(__file__).resolve().parent / "rubric.yaml"

# --- the rubric file's schema ------------------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Weight = Field(ge=0.0, le=1.0)


class CostGroup(_Strict):
    weight: float = Field(ge=0.0, le=1.0, description="calm lost when any phrase of the group matches")
    alternative: str = Field("", description="a neutral thing to say instead, used in the tip")
    phrases: list[str]


class VoiceRules(_Strict):
    shouting_db: float = Field(6.0, description="speech this many dB above the speaker's baseline is raised")
    shouting_weight: float = Weight
    fast_wpm: float = Field(210, ge=0)
    fast_weight: float = Weight
    slow_wpm: float = Field(0, ge=0, description="0 = no lower limit")
    slow_weight: float = Field(0.0, ge=0.0, le=1.0)
    erratic_pitch_st: float = Field(6.0, ge=0)
    erratic_weight: float = Weight
    flat_pitch_st: float = Field(0.8, ge=0)
    flat_weight: float = Weight
    min_speech_s: float = Field(0.8, ge=0)


class CalmRules(_Strict):
    hit_at_or_above: float = Weight
    costs: dict[str, CostGroup]
    boundary: list[str] = Field(default_factory=list)
    voice: VoiceRules = Field(default_factory=lambda: VoiceRules(shouting_weight=0.6, fast_weight=0.5,
                                                                 erratic_weight=0.5, flat_weight=0.2))


class AckGroup(_Strict):
    weight: float = Weight
    phrases: list[str]


class EmpathyRules(_Strict):
    hit_at_or_above: float = Weight
    acknowledge: dict[str, AckGroup]
    non_apology: list[str] = Field(default_factory=list)
    undone_by: list[str] = Field(default_factory=list, description="calm cost groups that undo empathy")


class Points(_Strict):
    fact: float = Field(2.0, ge=0)
    item: float = Field(2.0, ge=0)
    word: float = Field(1.0, ge=0)


class ParaphraseRules(_Strict):
    hit_at_or_above: float = Weight
    points: Points = Field(default_factory=Points)
    needed: float = Field(3.0, gt=0)
    needed_fraction: float = Field(0.5, gt=0, le=1)
    parrot_run_words: int = Field(8, ge=2)
    parrot_fraction: float = Field(0.7, gt=0, le=1)
    cue_points: float = Field(0.5, ge=0)
    cues: list[str] = Field(default_factory=list)
    generic: list[str] = Field(default_factory=list)
    items: list[str] = Field(default_factory=list)
    things: list[str] = Field(default_factory=list)
    synonyms: list[str] = Field(default_factory=list)
    future_markers: list[str] = Field(default_factory=list)
    not_plans: list[str] = Field(default_factory=list, description="phrases with a future marker that start no plan")


class SolutionRules(_Strict):
    hit_at_or_above: float = Weight
    vague_score: float = Weight
    offers: list[str]
    commitments: list[str] = Field(default_factory=list)
    timing: list[str] = Field(default_factory=list)
    not_offers: list[str] = Field(default_factory=list)
    vague: list[str] = Field(default_factory=list)
    negators: list[str] = Field(default_factory=list)
    not_negators: list[str] = Field(default_factory=list)
    suggestions: dict[str, str] = Field(default_factory=dict)
    rep_commitments: list[str] = Field(default_factory=list, description="the rep committing to act: I'll, let me")
    offer_questions: list[str] = Field(default_factory=list, description="an offer put as a question: how about")
    non_actions: list[str] = Field(default_factory=list, description="verbs after a commitment that commit to nothing")
    fillers_after_commit: list[str] = Field(default_factory=list, description="words skipped after a commitment")


class RubricModel(_Strict):
    schema_version: Literal[1] = 1
    fillers: list[str] = Field(default_factory=list)
    calm: CalmRules
    empathy: EmpathyRules
    paraphrase: ParaphraseRules
    solution: SolutionRules
    pass_: PassRules = Field(default_factory=PassRules, alias="pass")  # the default pass mark (scoring/passrules.py)

    @model_validator(mode="after")
    def _undone_by_known(self):
        unknown = [g for g in self.empathy.undone_by if g not in self.calm.costs]
        if unknown:
            raise ValueError(f"empathy.undone_by: unknown calm cost group(s) {', '.join(unknown)}; "
                             f"expected some of: {', '.join(self.calm.costs)}")
        return self


# --- compiled phrase sets ----------------------------------------------------------------------------------------


class PhraseSet:
    """Many phrase patterns, each with a label, matched together (indexed by first word for speed)."""

    def __init__(self, items: Sequence[tuple[str, str]]):
        self._by_first: dict[str, list[tuple[Phrase, str]]] = {}
        self._anywhere: list[tuple[Phrase, str]] = []
        for text, label in items:
            p = Phrase(text)
            slots = p._slots  # noqa: SLF001  (same package; the index needs the first word)
            if not slots:
                continue
            kind, alts = slots[0]
            if kind == "word" and alts:
                for a in alts:
                    self._by_first.setdefault(a, []).append((p, label))
            else:
                self._anywhere.append((p, label))

    def find_all(self, tokens: Tokens) -> list[tuple[Match, str]]:
        """Every match (a phrase may match more than once), sorted by position then length (longest first)."""
        out: list[tuple[Match, str]] = []
        seen: set[tuple[int, int, str]] = set()
        stems = tokens.stems
        for i, s in enumerate(stems):
            for p, label in self._by_first.get(s, ()):
                end = p._match_at(stems, 0, i)  # noqa: SLF001
                if end is not None and (i, end, label) not in seen and p.anchored_ok(tokens, i, end):
                    seen.add((i, end, label))
                    out.append((Match(p.text, i, end), label))
        for p, label in self._anywhere:
            for m in p.find_all(tokens):
                if (m.start, m.end, label) not in seen:
                    seen.add((m.start, m.end, label))
                    out.append((m, label))
        out.sort(key=lambda x: (x[0].start, -(x[0].end - x[0].start)))
        return out


def _overlaps(a: Match, b: Match) -> bool:
    return a.start < b.end and b.start < a.end


def _alternatives(groups: Sequence[str]) -> list[tuple[str, str]]:
    """Expand 'a|b c|d' group lines (alternatives separated by |, each may be several words) to (phrase, group)."""
    out = []
    for g in groups:
        alts = [a.strip() for a in g.split("|") if a.strip()]
        if alts:
            for a in alts:
                out.append((a, alts[0]))
    return out


@dataclass(frozen=True)
class _Compiled:
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
    item_groups: frozenset[str]
    rep_commits: PhraseSet
    offer_questions: PhraseSet
    non_actions: PhraseSet
    commit_fillers: frozenset[str]
    item_words: frozenset[str]
    has_commitments: bool


def _compile(m: RubricModel) -> _Compiled:
    from voicetrainer.text.textutil import normalise, stem

    return _Compiled(
        costs=PhraseSet([(p, name) for name, g in m.calm.costs.items() for p in g.phrases]),
        boundary=PhraseSet([(p, "boundary") for p in m.calm.boundary]),
        acks=PhraseSet([(p, name) for name, g in m.empathy.acknowledge.items() for p in g.phrases]),
        non_apology=PhraseSet([(p, "non_apology") for p in m.empathy.non_apology]),
        cues=PhraseSet([(p, "cue") for p in m.paraphrase.cues]),
        items=PhraseSet(_alternatives(m.paraphrase.items) + [(a, "thing:" + g)
                                                              for a, g in _alternatives(m.paraphrase.things)]),
        synonyms=PhraseSet(_alternatives(m.paraphrase.synonyms)),
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
        item_groups=frozenset(g for _, g in _alternatives(m.paraphrase.items)),
        rep_commits=PhraseSet([(p, "rep") for p in m.solution.rep_commitments]),
        offer_questions=PhraseSet([(p, "question") for p in m.solution.offer_questions]),
        non_actions=PhraseSet([(p, "none") for p in m.solution.non_actions]),
        commit_fillers=frozenset(normalise(w) for w in m.solution.fillers_after_commit),
        item_words=frozenset(w for a, _ in _alternatives(m.paraphrase.items) + _alternatives(m.paraphrase.things)
                             for w in normalise(a).split()),
        has_commitments=bool(m.solution.commitments),
    )


@dataclass(frozen=True)
class Rubric:
    """The rubric in force: the validated data from rubric.yaml (plus overrides) and its compiled phrase sets.

    Attributes:
        data: the merged mapping, as a trainer wrote it.
        source: where it came from (file path, plus "+ overrides" when a persona changed it).
    """

    data: dict[str, Any] = field(repr=False)
    source: str = "rubric.yaml"
    text: str = field(default="", repr=False, compare=False)
    model: RubricModel | None = field(default=None, repr=False, compare=False)
    compiled: _Compiled | None = field(default=None, repr=False, compare=False)

    def to_yaml(self) -> str:
        """The rubric as YAML: the file as written (with its comments) when nothing was merged in, else the merge."""
        if self.text:
            return self.text
        return yaml.safe_dump(self.data, sort_keys=False, allow_unicode=True, width=120)

    @property
    def rules(self) -> RubricModel:
        assert self.model is not None
        return self.model


# --- loading -----------------------------------------------------------------------------------------------------


def merge(base: Any, override: Any) -> Any:
    """Deep-merge `override` into a copy of `base`: mappings merge, lists extend, everything else replaces."""
    if isinstance(base, dict) and isinstance(override, dict):
        out = dict(base)
        for k, v in override.items():
            out[k] = merge(base[k], v) if k in base else copy.deepcopy(v)
        return out
    if isinstance(base, list) and isinstance(override, list):
        return list(base) + [x for x in override if x not in base]
    return copy.deepcopy(override)


def _errors_text(e: ValidationError) -> str:
    lines = []
    for err in e.errors():
        loc = ".".join(str(x) for x in err["loc"] if not (isinstance(x, str) and x.startswith("function-")))
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key (check the spelling; docs/rubric.md lists the keys)"
        elif err["type"] == "missing":
            msg = "required key is missing"
        lines.append(f"{loc or '(top level)'}: {msg}")
    return "\n  ".join(lines)


def load_rubric(path: str | Path | None = None, overrides: dict | None = None) -> Rubric:
    """Load and validate a rubric, optionally with a persona's overrides merged in.

    Args:
        path: a rubric YAML file. None means $VOICETRAINER_RUBRIC if set, else the packaged rubric.yaml.
        overrides: a persona's `rubric:` mapping; mappings merge, lists extend, scalars replace.

    Returns:
        The validated, compiled Rubric.

    Raises:
        RubricError: the file is missing, not YAML, or a key is wrong (the message names the file and key).
    """
    if path is None:
        path = os.environ.get("VOICETRAINER_RUBRIC") or DEFAULT_RUBRIC
    path = Path(path)
    data = _read_yaml(path)
    source = str(path)
    text = "" if overrides else _read_cached(str(path), path.stat().st_mtime)
    if overrides:
        if not isinstance(overrides, dict):
            raise RubricError(f"{path}: rubric overrides must be a mapping (got {type(overrides).__name__})")
        data = merge(data, overrides)
        source += " + overrides"
    try:
        model = RubricModel.model_validate(data)
    except ValidationError as e:
        where = f"{path} (with overrides)" if overrides else str(path)
        raise RubricError(f"{where}: invalid rubric\n  {_errors_text(e)}") from None
    key = json.dumps(data, sort_keys=True, default=str)
    compiled = _COMPILED.get(key)
    if compiled is None:
        compiled = _COMPILED[key] = _compile(model)
    return Rubric(data=data, source=source, text=text, model=model, compiled=compiled)


_COMPILED: dict[str, _Compiled] = {}  # compiled phrase sets by rubric content: personas share the default


@lru_cache(maxsize=8)
def _read_cached(path: str, mtime: float) -> str:
    return Path(path).read_text(encoding="utf-8")


def _read_yaml(path: Path) -> dict:
    try:
        text = _read_cached(str(path), path.stat().st_mtime)
    except OSError as e:
        raise RubricError(f"{path}: cannot read rubric file: {e.strerror or e}") from None
    try:
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # C loader when built
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise RubricError(f"{where}: not valid YAML: {getattr(e, 'problem', None) or e}") from None
    if not isinstance(data, dict):
        raise RubricError(f"{path}: expected a mapping with keys calm, empathy, paraphrase, solution")
    return data


@lru_cache(maxsize=1)
def default_rubric() -> Rubric:
    """The packaged rubric (ignores $VOICETRAINER_RUBRIC), cached."""
    return load_rubric(DEFAULT_RUBRIC)


# --- scoring -----------------------------------------------------------------------------------------------------

_PRONOUNS = {"i": "P1", "you": "P1", "me": "P1", "we": "P1", "us": "P1", "my": "P2", "your": "P2", "our": "P2",
             "mine": "P3", "yours": "P3", "ours": "P3", "am": "be", "are": "be", "was": "be", "were": "be"}
_STOP = frozenset("""a an the and or but if so of to in on at by for with from into onto about as than then that this
these those there here it its is are was were be been being am do does did doing have has had having i me my mine
myself we us our ours you your yours yourself he him his she her hers they them their theirs what which who whom whose
when where why how all any both each few more most other some such no nor not only own same too very can will would
shall should could may might must just don now up down out off over under again further once s t ll re ve d m o y
ain isn aren wasn weren hasn haven hadn doesn didn won wouldn shan shouldn can couldn mustn let oh um uh yeah ok okay
gonna really still even ever also""".split())


def score_reply(customer: str, reply: str, rubric: Rubric, *, offer_phrases: Sequence[str] = (),
                acoustics: Acoustics | None = None) -> TurnScore:
    """Score one reply on the four dimensions.

    Args:
        customer: the customer's last line(s), which the paraphrase is judged against.
        reply: what the trainee said (transcribed text).
        rubric: from `load_rubric`.
        offer_phrases: solutions the persona knows (e.g. its accepted and rejected offers); the ones the reply
            makes are reported in `analysis.offers`.
        acoustics: how the reply sounded, when it was spoken; counts towards calm.

    Returns:
        TurnScore with calm, empathy, paraphrase and solution (in that order), the analysis and the acoustics.
    """
    c = rubric.compiled
    r = rubric.rules
    assert c is not None
    rt = tokenize(reply)
    ct = tokenize(customer)
    if all(w in c.fillers for w in rt.words):
        return _silent(customer, ct, rubric, offer_phrases, acoustics)

    costs = _calm_costs(rt, c)
    calm = _calm(costs, rt, r, acoustics)
    empathy = _empathy(rt, ct, c, r, costs)
    paraphrase, wrong = _paraphrase(ct, rt, customer, c, r)
    persona_offers = _persona_offers(rt, c, offer_phrases)
    solution = _solution(rt, ct, c, r, offer_phrases, persona_offers)
    offers = tuple(p for p, _ in persona_offers)
    return TurnScore(dimensions=(calm, empathy, paraphrase, solution),
                     analysis=ReplyAnalysis(offers=offers, wrong_facts=tuple(wrong), silent=False),
                     acoustics=acoustics)


def _silent(customer: str, ct: Tokens, rubric: Rubric, offer_phrases: Sequence[str],
            acoustics: Acoustics | None) -> TurnScore:
    r = rubric.rules
    c = rubric.compiled
    dims = (
        DimensionScore("calm", 0.0, False, (), "Say something, even a short holding line: "
                                                 "'I'm here, and I'm going to help you with this.'"),
        DimensionScore("empathy", 0.0, False, (), _empathy_tip(ct)),
        DimensionScore("paraphrase", 0.0, False, (), _paraphrase_tip(customer, ct)),
        DimensionScore("solution", 0.0, False, (), _solution_tip(ct, c, r, offer_phrases)),
    )
    return TurnScore(dimensions=dims, analysis=ReplyAnalysis(silent=True), acoustics=acoustics)


# calm -------------------------------------------------------------------------------------------------------------


def _calm_costs(rt: Tokens, c: _Compiled) -> list[tuple[Match, str]]:
    """Cost-phrase matches that are not inside polite boundary-setting."""
    bounds = [m for m, _ in c.boundary.find_all(rt)]
    out = []
    for m, label in c.costs.find_all(rt):
        if any(_overlaps(m, b) for b in bounds):
            continue
        for k, (o, olabel) in enumerate(out):
            if _overlaps(m, o):  # overlapping matches become one piece of evidence
                out[k] = (Match(o.pattern, min(o.start, m.start), max(o.end, m.end)), olabel)
                break
        else:
            out.append((m, label))
    return out


def _calm(costs: list[tuple[Match, str]], rt: Tokens, r: RubricModel, acoustics: Acoustics | None) -> DimensionScore:
    groups = r.calm.costs
    lost: dict[str, float] = {}
    evidence: list[str] = []
    tip = ""
    for m, label in costs:
        lost[label] = groups[label].weight
        words = rt.span_text(m.start, m.end)
        evidence.append(words)
        if not tip:
            alt = groups[label].alternative
            tip = f"'{words}' cost calm ({label}); say '{alt}' instead." if alt else f"'{words}' cost calm ({label})."
    voice_tip = ""
    if acoustics is not None and acoustics.speech_s >= r.calm.voice.min_speech_s:
        for name, weight, why in _voice_costs(acoustics, r.calm.voice):
            lost["voice:" + name] = weight
            evidence.append(why)
            if not voice_tip:
                voice_tip = {
                    "shouting": f"Your voice was {why}; bring it back to your normal level.",
                    "fast": f"You spoke at {why}; slow down and pause between sentences.",
                    "slow": f"You spoke at {why}; keep a steady, natural pace.",
                    "erratic": f"Your pitch jumped around ({why}); keep your tone even and low.",
                    "flat": f"Your voice sounded flat ({why}); let some warmth into it.",
                }[name]
    score = max(0.0, 1.0 - sum(lost.values()))
    hit = score >= r.calm.hit_at_or_above
    if hit:
        tip = "" if not voice_tip else voice_tip
    else:
        tip = tip or voice_tip
    return DimensionScore("calm", score, hit, tuple(evidence), tip)


def _voice_costs(a: Acoustics, v: VoiceRules) -> list[tuple[str, float, str]]:
    out = []
    if a.relative_loudness_db > v.shouting_db:
        out.append(("shouting", v.shouting_weight, f"{a.relative_loudness_db:+.1f} dB above your usual level"))
    if v.fast_wpm and a.words_per_minute > v.fast_wpm:
        out.append(("fast", v.fast_weight, f"{a.words_per_minute:.0f} words per minute"))
    if v.slow_wpm and 0 < a.words_per_minute < v.slow_wpm:
        out.append(("slow", v.slow_weight, f"{a.words_per_minute:.0f} words per minute"))
    if v.erratic_pitch_st and a.pitch_variability_st > v.erratic_pitch_st:
        out.append(("erratic", v.erratic_weight, f"pitch varied by {a.pitch_variability_st:.1f} semitones"))
    elif v.flat_pitch_st and 0 < a.pitch_variability_st < v.flat_pitch_st:
        out.append(("flat", v.flat_weight, f"pitch varied by only {a.pitch_variability_st:.1f} semitones"))
    return out


# empathy ----------------------------------------------------------------------------------------------------------


def _empathy(rt: Tokens, ct: Tokens, c: _Compiled, r: RubricModel,
             costs: list[tuple[Match, str]]) -> DimensionScore:
    nons = [m for m, _ in c.non_apology.find_all(rt)]
    # A non-apology cancels what it overlaps and the rest of its sentence ("sorry you feel we let you down").
    # An acknowledgement inside a calm cost is none: "it's really not that hard", "yes, yes, I get it, I get it".
    acks = [(m, g) for m, g in c.acks.find_all(rt)
            if not any(_overlaps(m, n) or (m.start >= n.start and rt.sentence[m.start] == rt.sentence[n.start])
                       for n in nons)
            and not any(_overlaps(m, x) for x, g in costs if g in r.empathy.undone_by)]
    groups = r.empathy.acknowledge
    got: dict[str, float] = {}
    evidence: list[str] = []
    for m, g in acks:
        got[g] = max(got.get(g, 0.0), groups[g].weight)
        words = rt.span_text(m.start, m.end)
        if words not in evidence:
            evidence.append(words)
    score = min(1.0, float(sum(got.values())))
    first_ack = min((m.start for m, _ in acks), default=len(rt.words))
    undoers = [(m, g) for m, g in costs if g in r.empathy.undone_by and m.start > first_ack]
    tip = ""
    if undoers and score > 0:
        m, g = undoers[0]
        words = rt.span_text(m.start, m.end)
        evidence.append(words)
        score = 0.0
        tip = f"'{words}' undid your empathy; acknowledge and stop there: {_empathy_example(ct)}"
    elif nons and score < r.empathy.hit_at_or_above:
        words = rt.span_text(nons[0].start, nons[0].end)
        evidence.append(words)
        score = 0.0
        tip = f"'{words}' is a non-apology; own the problem instead: {_empathy_example(ct)}"
    hit = score >= r.empathy.hit_at_or_above
    if not hit and not tip:
        tip = _empathy_tip(ct)
    return DimensionScore("empathy", score, hit, tuple(evidence), "" if hit else tip)


def _empathy_example(ct: Tokens) -> str:
    durations = [f for f in extract_facts(ct) if f.kind == "duration"]
    if durations:
        return f"'I'm so sorry — after {durations[0].text}, I'd be frustrated too.'"
    return "'I'm really sorry — that sounds so frustrating.'"


def _empathy_tip(ct: Tokens) -> str:
    return f"Name the feeling and the impact before fixing anything: {_empathy_example(ct)}"


# paraphrase -------------------------------------------------------------------------------------------------------


@dataclass
class _Content:
    facts: list[Fact]
    items: dict[str, tuple[int, int]]      # item group -> first span
    words: dict[str, tuple[int, int]]      # synonym group or stem -> first span


def _content(t: Tokens, c: _Compiled, skip: set[int] | None = None) -> _Content:
    """Facts, items and content words of a text; tokens in `skip` (plans and offers) are left out."""
    facts = [f for f in extract_facts(t) if not skip or f.start not in skip]
    used = set(skip or ())
    for f in facts:
        used.update(range(f.start, f.end))
    items: dict[str, tuple[int, int]] = {}
    for m, g in c.items.find_all(t):
        if any(i in used for i in range(m.start, m.end)) or _verb_not_item(t, m, c):
            continue
        items.setdefault(g, (m.start, m.end))
        used.update(range(m.start, m.end))
    for m, g in c.items.find_all(t):  # an item inside a plan still blocks its words from counting again
        used.update(range(m.start, m.end))
    words: dict[str, tuple[int, int]] = {}
    for m, g in c.synonyms.find_all(t):
        if any(i in used for i in range(m.start, m.end)):
            continue
        words.setdefault("syn:" + g, (m.start, m.end))
        used.update(range(m.start, m.end))
    for i, (w, s) in enumerate(zip(t.words, t.stems)):
        if i in used or w in _STOP or s in c.generic or len(w) < 3 or not w.isalpha():
            continue
        words.setdefault(s, (i, i + 1))
    return _Content(facts, items, words)


_VERB_BEFORE = frozenset("i you we they he she to will would can could should please not did do let".split())
_FIRST_PERSON = frozenset(("i", "me", "my", "mine", "myself", "we", "us", "our", "ours"))


def _verb_not_item(t: Tokens, m: Match, c: _Compiled) -> bool:
    """Whether a one-word item match is really a verb: "I booked the hotel" names the hotel, not a booking."""
    if m.end - m.start != 1:
        return False
    w = t.words[m.start]
    if w in c.item_words:
        prev = t.words[m.start - 1] if m.start > 0 else ""
        return prev in _VERB_BEFORE and prev not in ("the", "a", "my", "your")
    return w.endswith(("ed", "ing"))


def _longest_common_run(a: Sequence[str], b: Sequence[str], marked: frozenset[str] = frozenset()) -> tuple[int, int]:
    """(longest run of words in a row shared by a and b, longest such run containing a word from `marked`)."""
    best = best_marked = 0
    prev = [0] * (len(b) + 1)
    prev_m = [False] * (len(b) + 1)
    for x in a:
        cur = [0] * (len(b) + 1)
        cur_m = [False] * (len(b) + 1)
        for j, y in enumerate(b):
            if x == y:
                cur[j + 1] = prev[j] + 1
                cur_m[j + 1] = prev_m[j] or x in marked
                if cur[j + 1] > best:
                    best = cur[j + 1]
                if cur_m[j + 1] and cur[j + 1] > best_marked:
                    best_marked = cur[j + 1]
        prev, prev_m = cur, cur_m
    return best, best_marked


def _restating(t: Tokens, f: Fact, future_sents: set[int]) -> bool:
    """Whether a fact in the reply is said as a restatement (not an offer or a plan)."""
    return t.sentence[f.start] not in future_sents


def _paraphrase(ct: Tokens, rt: Tokens, customer: str, c: _Compiled,
                r: RubricModel) -> tuple[DimensionScore, list[str]]:
    p = r.paraphrase
    cc = _content(ct, c)
    # Only what the reply restates counts: from the first plan/offer marker to the end of its sentence is the plan
    # ("I'll put the hundred and fifty back on your card" restates nothing), unless the marker starts no plan
    # ("I can see the charge from May").
    not_plans = [m for m, _ in c.not_plans.find_all(rt)]
    future = [m for m, _ in c.future.find_all(rt) if not any(_overlaps(m, x) for x in not_plans)]
    plan: set[int] = set()
    for m in future:
        sent = rt.sentence[m.start]
        i = m.start
        while i < len(rt.words) and rt.sentence[i] == sent:
            plan.add(i)
            i += 1
    rc = _content(rt, c, plan)
    evidence: list[str] = []

    # Facts: a customer fact is carried over when the reply says the same value.
    matched_facts = 0
    for f in cc.facts:
        for g in rc.facts:
            if same_value(f, g):
                matched_facts += 1
                evidence.append(rt.span_text(g.start, g.end))
                break
    # Wrong facts: only in sentences that restate (not plans or offers, not the rep talking about themselves).
    future_sents = {rt.sentence[m.start] for m in future}
    future_sents |= {rt.sentence[i] for i, w in enumerate(rt.words) if w == "i"}
    wrong: list[str] = []
    cue_sents = {rt.sentence[m.start] for m, _ in c.cues.find_all(rt)}
    for g in rc.facts:
        if not _restating(rt, g, future_sents):
            continue
        if g.kind == "bare" and rt.sentence[g.start] not in cue_sents:
            continue  # a bare number contradicts only inside an explicit restatement ("so ... eighty more?")
        family = ("money", "number", "bare") if g.kind in ("money", "number", "bare") else (g.kind,)
        same_kind = [f for f in cc.facts if f.kind in family and f.kind != "bare"]
        if same_kind and not any(same_value(f, g) for f in same_kind):
            if not g.exact and any(abs(f.value - g.value) <= 0.5 * max(f.value, g.value) for f in same_kind):
                continue  # vague and roughly right is not wrong
            wrong.append(f"{g.text} (customer said {same_kind[0].text})")
    # Wrong items: the reply puts a different item in the customer's item's slot (a different product, weekday or
    # month) and never names the customer's one. Naming an extra item next to the customer's is adding, not wrong.
    cust_items = [k for k in cc.items if not k.startswith("thing:")]
    matched_sents = {rt.sentence[g.start] for g in rc.facts if any(same_value(f, g) for f in cc.facts)}
    matched_sents |= {rt.sentence[m.start] for m, _ in c.cues.find_all(rt)}
    named_anywhere = set(_content(rt, c).items)
    for k, (s, e) in rc.items.items():
        sent = rt.sentence[s]
        if k.startswith("thing:") or k in cc.items or sent in future_sents or sent not in matched_sents:
            continue
        same_slot = [g for g in cust_items if _item_slot(g) == _item_slot(k)]
        if not same_slot or any(g in named_anywhere for g in same_slot):
            continue
        wrong.append(f"{rt.span_text(s, e)} (customer said {ct.span_text(*cc.items[same_slot[0]])})")

    matched_items = [k for k in rc.items if k in cc.items]
    for k in matched_items:
        evidence.append(rt.span_text(*rc.items[k]))
    matched_words = [k for k in rc.words if k in cc.words]
    for k in matched_words:
        evidence.append(rt.span_text(*rc.words[k]))

    pts = p.points
    points = pts.fact * matched_facts + pts.item * len(matched_items) + pts.word * len(matched_words)
    possible = pts.fact * len(cc.facts) + pts.item * len(cc.items) + pts.word * len(cc.words)
    cues = c.cues.find_all(rt)
    if points > 0 and cues:
        points += p.cue_points
    needed = min(p.needed, max(1.0, p.needed_fraction * possible))
    score = min(1.0, points / needed) if possible else 0.0

    if not possible:
        # Nothing to restate ("Yes, exactly. Thank you."): paraphrase is not applicable and is not held against
        # the rep. (The session passes the customer's opening with the latest line, so the problem is usually there.)
        return DimensionScore("paraphrase", 1.0, True, (), ""), []

    # Parroting is copying the customer's words verbatim, their "I" and "my" included; a restatement that swaps
    # I/you ("you sent your headphones back ...") is the rep's own words. A very long verbatim run (half again
    # `parrot_run_words`) is parroting even without a pronoun.
    run, run_fp = _longest_common_run(ct.words, rt.words, _FIRST_PERSON)
    parrot = len(ct.words) >= 4 and (run_fp >= p.parrot_run_words or run >= 1.5 * p.parrot_run_words
                                     or run_fp >= max(5, p.parrot_fraction * len(ct.words)))

    tip = ""
    if wrong:
        score = min(score, 0.1)
        tip = (f"You said {wrong[0].replace(' (customer said ', ' but the customer said ').rstrip(')')}. "
               f"Check the facts and restate them: {_paraphrase_tip(customer, ct, prefix=False)}")
    elif parrot:
        score = min(score, 0.2)
        tip = f"Don't repeat the customer word for word; restate it in your own words. {_paraphrase_tip(customer, ct)}"
    hit = score >= p.hit_at_or_above and not wrong and not parrot
    if not hit and not tip:
        tip = _paraphrase_tip(customer, ct)
    # evidence in reply order, no duplicates
    seen: list[str] = []
    for e in evidence:
        if e and e not in seen:
            seen.append(e)
    return DimensionScore("paraphrase", score, hit, tuple(seen), "" if hit else tip), wrong


_TIP_GENERIC = frozenset("""thank thanks please yes yeah exactly right okay sorry great good fine sure hello hi hey
sir madam really just well saying said tell told want need know think feel""".split())

_LEADS = ("look,", "listen,", "honestly,", "seriously,", "okay,", "ok,", "well,", "right,", "hi,", "hello,", "yes,",
          "no,", "so,", "and", "but")


_GENERIC_TIP = "Restate what the customer told you in your own words, starting with 'So ...'."


def _item_slot(group: str) -> str:
    """The slot an item fills in a restatement: a weekday, a month, or a product/thing."""
    g = group.split("|")[0]
    return "weekday" if g in WEEKDAYS else "month" if g in MONTHS else "item"


def _paraphrase_tip(customer: str, ct: Tokens, prefix: bool = True) -> str:
    """'Try: "So you sent the headphones back three weeks ago ...?"' built from the customer's own line.

    The sentence with the most facts and content words is used; a line with no such sentence ("Yes, exactly.
    Thank you.") gets a general tip rather than a garbled one.
    """
    def weight(s: str) -> tuple[int, int]:
        t = tokenize(s)
        content = sum(1 for w in t.words if w not in _STOP and w not in _TIP_GENERIC and len(w) > 2 and w.isalpha())
        return (len(extract_facts(t)) * 3 + content + (0 if s.rstrip().endswith("?") else 2), len(t))

    sentences = [x for x in split_sentences(customer) if len(tokenize(x)) >= 3 and weight(x)[0] >= 4]
    if not sentences:
        return _GENERIC_TIP
    best = max(sentences, key=weight)
    s = best.strip().rstrip(".!?").strip()
    low = s.lower()
    for lead in _LEADS:
        if low.startswith(lead + " ") or low.startswith(lead):
            s = s[len(lead):].strip()
            low = s.lower()
    s = second_person(s)
    if s[:1].isupper() and not s.startswith("I "):
        s = s[0].lower() + s[1:]
    text = f"So {s}?"
    return f"Try: '{text}'" if prefix else f"'{text}'"


# solution ---------------------------------------------------------------------------------------------------------


_CLAUSE_WORDS = frozenset(("but", "however", "instead", "although", "though", "what", "otherwise", "unless"))
_NEW_SUBJECT = frozenset(("i", "we", "let", "you", "they", "it", "that", "he", "she"))
_OTHER_SUBJECTS = frozenset(("you", "they", "he", "she", "someone", "somebody", "it"))
_PAST = frozenset("""sent gave took brought got made paid bought told said kept left tried went came did
had spoke wrote ran chose sold""".split())
_AFTER_GERUND = frozenset("""tried try trying keep kept after from since without about been before by""".split())
_PROGRESSIVE = frozenset(("am", "are", "is", "be", "was", "were"))
_NEG_PAST = frozenset(("has", "have", "did", "does", "do", "was", "is", "had", "would"))


def _clause_ids(t: Tokens) -> list[int]:
    """Clause number per token.

    A clause ends at a sentence end, at punctuation inside a sentence (", ; : -"), before 'but', 'however',
    'instead', 'although', 'though', 'what', and before 'and'/'so'/'then' that start a new subject ("... and I'll
    refund it"). Negation reaches only within its clause, so "No, I'll refund it" and "We don't do refunds, but I
    can send a voucher" keep their offers.
    """
    out = []
    clause = 0
    prev_sent = -1
    n = len(t.words)
    for k, (w, s) in enumerate(zip(t.words, t.sentence)):
        nxt = t.words[k + 1] if k + 1 < n else ""
        if (s != prev_sent or w in _CLAUSE_WORDS or (t.breaks and t.breaks[k])
                or (w in ("and", "so", "then") and nxt in _NEW_SUBJECT)):
            clause += 1
            prev_sent = s
        out.append(clause)
    return out


def _negated(m: Match, t: Tokens, c: _Compiled, clauses: list[int], oks: list[Match], back: int = 6) -> bool:
    """Whether a `negators` word comes up to `back` words before the match, in its clause ("I can't refund it")."""
    for i in range(max(0, m.start - back), m.start + (1 if back < 6 else 0)):
        if clauses[i] != clauses[m.start]:
            continue
        if t.stems[i] in c.negators and not any(o.start <= i < o.end for o in oks):
            return True
    return False


def _not_proposed(m: Match, t: Tokens, clauses: list[int]) -> bool:
    """Whether an offer word describes what already happened or what the customer did, not what the rep proposes.

    - someone else did it, in the past: "you cancelled in January", "you returned it", "they refunded the fee";
    - a gerund after "tried", "after", "kept", ... or opening its clause: "you've tried restarting it",
      "restarting it three times hasn't helped" (but "I'm restarting it now" is the rep's action);
    - a clause that goes on to say it failed: "... hasn't helped", "... didn't work".
    """
    w = t.words[m.start]
    prev = t.words[m.start - 1] if m.start > 0 else ""
    prev2 = t.words[m.start - 2] if m.start > 1 else ""
    same_clause = m.start > 0 and clauses[m.start - 1] == clauses[m.start]
    past = (w.endswith("ed") and len(w) > 4) or w in _PAST
    if past and same_clause and (prev in _OTHER_SUBJECTS or (prev in ("already", "just", "also", "even", "then")
                                                          and prev2 in _OTHER_SUBJECTS)):
        return True
    if w.endswith("ing") and len(w) > 4:
        if prev in _AFTER_GERUND and same_clause:
            return True
    return _fails_later(m, t, clauses)


def _fails_later(m: Match, t: Tokens, clauses: list[int]) -> bool:
    """The clause goes on to say the remedy did not work: "restarting it hasn't helped", "the reset didn't fix it"."""
    j = m.end
    while j + 1 < len(t.words) and clauses[j] == clauses[m.start]:
        if t.words[j] in _NEG_PAST and t.words[j + 1] == "not":
            prevs = t.words[max(0, m.start - 3):m.start]
            return not any(x in ("i", "we", "will", "can", "let", "if") for x in prevs)
        j += 1
    return False


def _commitments(rt: Tokens, c: _Compiled, clauses: list[int], oks: list[Match]) -> list[Match]:
    """Commitment phrases that commit the rep: not negated ("nothing I can do", "I can't"), and not the customer's
    own experience ("you have been charged", "they have been")."""
    out = []
    for m, _ in c.commitments.find_all(rt):
        if _negated(m, rt, c, clauses, oks, back=3):
            continue
        prev = rt.words[m.start - 1] if m.start > 0 else ""
        if rt.words[m.start] in ("have", "has", "had") and prev in _OTHER_SUBJECTS:
            continue
        out.append(m)
    return out


def _offer_matches(rt: Tokens, c: _Compiled, found: Sequence[Match] | None = None,
                   persona: bool = False, structural: bool = False) -> tuple[list[Match], list[Match]]:
    """(concrete offers, refused offers) among `found` (default: the rubric's offers) in committing sentences.

    An offer counts after a commitment in its sentence ("I'll", "would you like", "let me") or with a timing
    phrase in it ("refund's going through now"); it must be proposed by the rep (not the customer's past action),
    outside a vague promise and a restated demand, and not negated in its clause. A persona's offer phrase
    (`persona=True`) needs a commitment; timing alone is not enough ("we're very busy today").
    """
    clauses = _clause_ids(rt)
    oks = [m for m, _ in c.not_negators.find_all(rt)]
    vague = [m for m, _ in c.vague.find_all(rt)]
    commits = _commitments(rt, c, clauses, oks)
    timed_sents = set() if persona else {rt.sentence[m.start] for m, _ in c.timing.find_all(rt)}
    blocked: set[int] = set()
    for m, _ in c.not_offers.find_all(rt):
        i = m.start
        while i < len(rt.words) and rt.sentence[i] == rt.sentence[m.start] and (i == m.start or not rt.breaks[i]):
            blocked.add(i)
            i += 1
    speaker_sents = {rt.sentence[i] for i, w in enumerate(rt.words) if w in ("i", "we")}
    if found is None:
        found = [m for m, _ in c.offers.find_all(rt)]
    good, refused = [], []
    for m in found:
        if any(_overlaps(m, v) for v in vague) or m.start in blocked or _not_proposed(m, rt, clauses):
            continue
        sent = rt.sentence[m.start]
        committed = structural or sent in timed_sents or any(
            rt.sentence[k.start] == sent and k.start <= m.start and not _overlaps(k, m) for k in commits)
        if _negated(m, rt, c, clauses, oks):
            if rt.sentence[m.start] in speaker_sents:  # "we don't do refunds", not "three weeks with no refund"
                refused.append(m)
        elif committed or not c.has_commitments:
            good.append(m)
    return good, refused


def _structural_offers(rt: Tokens, c: _Compiled) -> list[Match]:
    """Offers found by their shape rather than their words.

    - the rep commits to an action: a `rep_commitments` phrase ("I'll", "let me", "we can", "I've") followed by a
      verb that is not a `non_actions` one ("be", "see", "look into", "understand", "have to" ...) and something it
      acts on: "I'll comp that night", "let me get it pushed through", "we can swap it for the navy";
    - an offer put as a question: an `offer_questions` phrase followed by what is offered: "how about the same
      shoe in navy?", "would Thursday morning work?", "have you tried turning it off and on?".

    The match spans the commitment and the verb, so negation ("I can't swap it"), vague promises and restated
    demands are checked on it as on any offer.
    """
    out: list[Match] = []
    n = len(rt.words)
    clauses = _clause_ids(rt)
    actions = {m.start: m for m, _ in c.non_actions.find_all(rt)}
    for m, _ in c.rep_commits.find_all(rt):
        j = m.end
        while j < n and rt.words[j] in c.commit_fillers and clauses[j] == clauses[m.start]:
            j += 1
        if j + 1 >= n or clauses[j] != clauses[m.start] or clauses[j + 1] != clauses[m.start]:
            continue  # nothing acted on ("I'll be right back.", "Yes, we can.")
        if j in actions or not rt.words[j].isalpha() or rt.words[j] in _STOP and rt.words[j] not in ("get", "have"):
            continue
        if rt.words[j] == "have" and rt.words[j + 1] == "to":
            continue
        out.append(Match(m.pattern, m.start, j + 1))
    for m, _ in c.offer_questions.find_all(rt):
        j = m.end
        rhetorical = m.start > 0 and rt.words[m.start - 1] in ("what", "why") or any(
            rt.words[k:k + 2] == ("or", "not") for k in range(m.end, n - 1) if rt.sentence[k] == rt.sentence[m.start])
        if j < n and clauses[j] == clauses[m.start] and j not in actions and not rhetorical:
            out.append(Match(m.pattern, m.start, min(n, j + 1)))
    return out


def _persona_matches(text: str, rt: Tokens) -> list[Match]:
    """Where a persona's offer phrase occurs in the reply.

    Exact (on stems) first; failing that, loosely: the phrase's content words (two or more) in order within one
    clause, with numbers and small words free ("honour the $399 price" matches "I'll honor that three ninety nine price").
    """
    strict = [m for m, _ in _phrase_set(text).find_all(rt)]
    if strict:
        return strict
    pt = tokenize(text)
    content = [s for w, s in zip(pt.words, pt.stems)
               if w not in _STOP and w.isalpha() and not is_number_word(w)]
    if len(content) < 2 or len(content) == len(pt.words):
        return []   # one content word alone is too loose: "order one" is not in "your order number"
    clauses = _clause_ids(rt)
    limit = len(pt.words) + 4
    out = []
    for i, s0 in enumerate(rt.stems):
        if s0 != content[0]:
            continue
        j, k = i + 1, 1
        while k < len(content) and j < len(rt.stems) and j - i < limit and clauses[j] == clauses[i]:
            if rt.stems[j] == content[k]:
                k += 1
            j += 1
        if k == len(content):
            out.append(Match(text, i, j))
    return out


def _persona_offers(rt: Tokens, c: _Compiled, offer_phrases: Sequence[str]) -> list[tuple[str, Match]]:
    """The persona's offer phrases the reply makes as offers (committed, not negated, not the customer's action)."""
    out = []
    for p in offer_phrases:
        good, _ = _offer_matches(rt, c, _persona_matches(p, rt), persona=True)
        if good:
            out.append((p, good[0]))
    return out


@lru_cache(maxsize=512)
def _phrase(text: str) -> Phrase:
    return Phrase(text)


@lru_cache(maxsize=512)
def _phrase_set(text: str) -> PhraseSet:
    return PhraseSet([(text, "offer")])


def _solution(rt: Tokens, ct: Tokens, c: _Compiled, r: RubricModel, offer_phrases: Sequence[str],
              persona_offers: Sequence[tuple[str, Match]] = ()) -> DimensionScore:
    """A concrete offer (the rubric's, or one of the persona's offer phrases said as an offer) is a hit; a refusal
    or a vague promise misses with a tip."""
    s = r.solution
    good, refused = _offer_matches(rt, c)
    if not good:
        good, _ = _offer_matches(rt, c, _structural_offers(rt, c), structural=True)
    costs = [m for m, _ in c.costs.find_all(rt)]
    good += [m for _, m in persona_offers]
    # An "offer" inside a calm cost is not one: "you'll have to send it back", "I'd suggest reading the terms".
    good = sorted((m for m in good if not any(_overlaps(m, x) for x in costs)), key=lambda m: m.start)
    vague = [m for m, _ in c.vague.find_all(rt)]
    if good:
        ev = []
        for m in good:
            w = rt.span_text(m.start, m.end)
            if w not in ev:
                ev.append(w)
        return DimensionScore("solution", 1.0, 1.0 >= s.hit_at_or_above, tuple(ev), "")
    suggestion = _solution_tip(ct, c, r, offer_phrases)
    if refused:
        w = rt.span_text(refused[0].start, refused[0].end)
        clause_start = refused[0].start
        ids = _clause_ids(rt)
        while clause_start > 0 and ids[clause_start - 1] == ids[refused[0].start]:
            clause_start -= 1
        said = rt.span_text(clause_start, refused[0].end)
        return DimensionScore("solution", 0.0, False, (said,),
                              f"'{said}' only says what you can't do; offer what you can. {suggestion}")
    if vague:
        w = rt.span_text(vague[0].start, vague[0].end)
        score = s.vague_score
        return DimensionScore("solution", score, score >= s.hit_at_or_above, (w,),
                              f"'{w}' is vague; give a concrete step and a time. {suggestion}")
    return DimensionScore("solution", 0.0, False, (), suggestion)


def _solution_tip(ct: Tokens, c: _Compiled, r: RubricModel, offer_phrases: Sequence[str]) -> str:
    for p, text in c.suggestions:
        if p.find(ct) is not None:
            return f"Try: '{text}'"
    if offer_phrases:
        return f"Offer something concrete this customer would accept, e.g. {', '.join(offer_phrases[:3])}."
    return r.solution.suggestions.get("default", "Offer a concrete next step with a time.")
