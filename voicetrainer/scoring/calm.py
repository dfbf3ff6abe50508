"""The calm dimension: what in the words (blame, dismissal, sarcasm, ...) and in the voice (shouting, rushing,
erratic or flat pitch) costs calm, and the tip for the first cost.

The cost groups, their weights and the voice thresholds are the rubric's `calm:` section; polite boundary-setting
("I won't be able to continue if ...") is forgiven.
"""

from __future__ import annotations

from voicetrainer.scoring.clauses import clause_ids
from voicetrainer.scoring.context import owned, quoted, restated, shapes
from voicetrainer.scoring.learned import load_tone
from voicetrainer.scoring.phrases import CompiledRubric, overlaps
from voicetrainer.scoring.schema import RubricModel, VoiceRules
from voicetrainer.text import Match, Tokens
from voicetrainer.types import Acoustics, DimensionScore


def calm_costs(rt: Tokens, c: CompiledRubric, ct: Tokens | None = None) -> list[tuple[Match, str]]:
    """Cost matches (with their group): the rubric's phrases and the shapes its detectors find, less those inside
    polite boundary-setting, those quoting the customer's own words ("a shock", "I feel like an idiot") and
    reported speech that restates the customer ("you were told fourteen days"); overlaps merged."""
    return read_calm(rt, c, ct)[0]


def read_calm(rt: Tokens, c: CompiledRubric, ct: Tokens | None = None) -> tuple[list[tuple[Match, str]], bool]:
    """(`calm_costs`, said kindly): whether the rules read a rude-looking phrase in the reply and excused it in
    context: one of the rubric's `calm.boundary` phrases (polite boundary-setting, "I want to help, but I need you to
    stop swearing", or a kind look-alike of blame, "it's not your fault"), or a cost phrase quoting the customer's
    own words ("please don't feel like an idiot") or restating what they were told ("you were told fourteen days").
    The learned tone does not overrule that reading: it adds no cost to such a reply."""
    bounds = [m for m, _ in c.boundary.find_all(rt)]
    clauses = clause_ids(rt)
    found = c.costs.find_all(rt)
    kind = bool(bounds)
    if ct is not None:
        context = [(m, g) for m, g in found
                   if not quoted(m, rt, ct) and not restated(m, rt, ct, clauses) and not owned(m, rt)]
        kind = kind or len(context) < len(found)
        found = context + shapes(rt, ct, c.detectors, c.acronyms)
        found.sort(key=lambda x: (x[0].start, -(x[0].end - x[0].start)))
    out: list[tuple[Match, str]] = []
    weight = dict(c.cost_weights)
    for m, label in found:
        if any(overlaps(m, b) for b in bounds):
            continue
        for k, (o, olabel) in enumerate(out):
            if overlaps(m, o):  # overlapping matches become one piece of evidence, of the heavier group
                heavier = label if weight.get(label, 0.0) > weight.get(olabel, 0.0) else olabel
                out[k] = (Match(o.pattern, min(o.start, m.start), max(o.end, m.end)), heavier)
                break
        else:
            out.append((m, label))
    return out, kind


def soft(labels: set[str], r: RubricModel) -> bool:
    """Whether these cost groups together keep calm (none, or only a soft one: "there's nothing I can do"), so the
    learned tone may still decide."""
    return sum(r.calm.costs[label].weight for label in labels) < 1.0 - r.calm.hit_at_or_above


def score_calm(costs: list[tuple[Match, str]], rt: Tokens, r: RubricModel,
               acoustics: Acoustics | None, reply: str = "", customer: str = "",
               kind: bool = False) -> DimensionScore:
    """1 minus the weights of the cost groups (each counted once) and voice costs; the first cost gives the tip.

    With no cost in the words and nothing said `kind`ly (`read_calm`), the learned tone model (scoring/learned.py)
    may add one: its evidence is the words that weighed most towards "calm lost". Where every cost is one it may
    forgive and it reads the reply as plainly kind, it forgives them and says so."""
    groups = r.calm.costs
    lost: dict[str, float] = {}
    evidence: list[str] = []
    tip = ""
    if soft({label for _, label in costs}, r) and not kind and reply and r.calm.tone.use:
        tip = _tone_cost(reply, customer, r, lost, evidence)
    elif costs and reply and r.calm.tone.use and _tone_forgives(reply, customer, costs, rt, r, evidence):
        costs = []
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


def _tone_cost(reply: str, customer: str, r: RubricModel, lost: dict[str, float], evidence: list[str]) -> str:
    """The learned tone's cost, when it reads the reply as rude: adds to `lost` and `evidence`, returns the tip."""
    model = load_tone()
    if model is None:
        return ""
    p, words = model.read(reply, customer=customer)
    threshold = r.calm.tone.threshold if r.calm.tone.threshold is not None else model.threshold
    if p < threshold or not words:
        return ""
    lost["tone"] = r.calm.tone.weight
    said = ", ".join(f"'{w}'" for w in words)
    evidence.append(f"tone: {said} weighed most (learned, {p:.0%} rude)")
    return (f"The tone read as curt or dismissive ({said} weighed most); "
            f"say '{r.calm.tone.alternative}' and keep to the facts.")


def _tone_forgives(reply: str, customer: str, costs: list[tuple[Match, str]], rt: Tokens, r: RubricModel,
                   evidence: list[str]) -> bool:
    """Whether the learned tone reads a reply whose costs are all forgivable as plainly kind; if so, says so in
    `evidence` ("tone: 'no you're' read as kind: 'not being difficult' weighed most")."""
    model = load_tone()
    if model is None or any(label in r.calm.tone.never_forgive for _, label in costs):
        return False
    below = r.calm.tone.forgive_below if r.calm.tone.forgive_below is not None else model.forgive_below
    p, words = model.read(reply, against=True, customer=customer)
    if p >= below or not words:
        return False
    phrases = ", ".join(f"'{rt.span_text(m.start, m.end)}'" for m, _ in costs)
    evidence.append(f"tone: {phrases} read as kind in context; {', '.join(repr(w) for w in words)} weighed most "
                    f"(learned, {p:.0%} rude)")
    return True


def _voice_costs(a: Acoustics, v: VoiceRules) -> list[tuple[str, float, str]]:
    """(cost name, weight, what was measured) for each voice rule the reply broke."""
    out: list[tuple[str, float, str]] = []
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
