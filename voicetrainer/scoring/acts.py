"""What the rep did in a reply, with the rep's own words as evidence.

Acts: acknowledge, apologise, restate, ask (which fact, or `check` for "does that work?", `unknown` for something
else), answer (the customer's question: when / how / what / why / yes_no), offer (which solution), commit (a time,
a channel, a follow-up), boundary, transfer, close, small_talk, excuse, blame.

Built on the scorer's evidence where it has it (the empathy, paraphrase and solution dimensions, `analysis.offers`,
the rubric's cost groups and boundary phrases), plus small patterns of its own for the rest. Pure text work: which
fact a question asks for is a callable the caller passes (the persona's facts live in the core).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from voicetrainer.scoring import PhraseSet, Rubric
from voicetrainer.text import Tokens, extract_facts, split_sentences, tokenize
from voicetrainer.types import Act, TurnScore

ACT_KINDS = ("acknowledge", "apologise", "restate", "ask", "answer", "offer", "commit", "boundary", "transfer",
             "close", "small_talk", "excuse", "blame")
QUESTION_KINDS = ("when", "how", "what", "why", "yes_no")


def _rx(words: str) -> re.Pattern:
    return re.compile(r"\b(?:" + words + r")\b", re.I)


_APOLOGY = _rx(r"sorry|apologi[sz]e|apologies|my fault|our fault|i regret|that's on us|that is on us")
_ACK_WORDS = _rx(r"understood|i hear you|got it|i see|i get it|fair enough|noted|of course|i understand")
_QUESTION_OPENERS = _rx(r"^(?:so,? )?(?:okay,? |ok,? |and,? |just )?(?:can|could|may|would|will|what|what's|whats|when|"
                        r"where|which|who|how|is|are|was|were|do|does|did|have|has|had|shall)")
_INFO_ASK = _rx(r"can i (?:get|have|take|grab|ask)|could i (?:get|have|take|ask)|may i (?:have|get|ask|take)|"
                r"could you (?:give|tell|read|confirm|spell|send)|can you (?:give|tell|read|confirm|spell|send)|"
                r"what(?:'s| is| was) (?:your|the)|what (?:did|do|does|time|day|date)|when (?:did|was|were|do)|"
                r"which|how (?:much|many|long|did|often)|do you have|did you|have you|were you|was it|is it|"
                r"just to (?:confirm|check)|to confirm|to check")
_CHECK_ASK = _rx(r"does (?:that|this) (?:work|sound|help)|is (?:that|this) (?:ok|okay|alright|all right|fine)|"
                 r"would (?:that|this) (?:work|help|be)|does that make sense|sound good|are you happy with|"
                 r"how does (?:that|this) sound|is that acceptable|would you be happy")
_CLOSE = _rx(r"anything else|is there anything|"
             r"have a (?:great|good|nice|lovely|wonderful) (?:day|evening|weekend|night)|"
             r"thank(?:s| you) for (?:your patience|calling|bearing with|holding|waiting)|"
             r"take care|goodbye|bye for now")
_SMALL_TALK = _rx(r"how are you|how's your day|how is your day|the weather|how have you been|"
                  r"nice to (?:talk|speak)|hope you(?:'re| are) (?:well|keeping)")
_TRANSFER = _rx(r"transfer you|put you through|pass you (?:to|over)|connect you|hand you over|"
                r"escalate (?:this|it|your)|"
                r"(?:my|a|the) (?:manager|supervisor|team leader)|another department|the right (?:team|department)")
_EXCUSE = _rx(r"(?:we're|we are|i'm|i am) (?:very |really |so )?(?:busy|swamped|short[- ]staffed)|"
              r"system (?:is|was) down|"
              r"not my (?:department|fault|job)|high (?:call )?volume|it's (?:company )?policy|that's (?:the )?policy|"
              r"out of my hands|nothing to do with me")
_COMMIT = _rx(r"i'll|i will|we'll|we will|i'm going to|i am going to|we're going to|we are going to|you'll|you will|"
              r"it'll|it will|that'll|that will|i've|i have just|i've just|we've|i'm (?:putting|sending|booking|"
              r"processing|issuing|arranging)|(?:it|that|this|you|we)(?:'s|'re| is| are| have been| has been) "
              r"(?:going through|on its way|booked|done|sorted|moved|changed|processed|rescheduled|all set)|^\W*done\b|"
              r"has been (?:sent|booked|processed|issued|arranged)|should (?:arrive|reach|land|be)|expect")
_TIME = _rx(r"today|tonight|tomorrow|right now|now|immediately|straight away|right away|this (?:afternoon|morning|"
            r"evening)|first thing|within|by (?:the end|end|noon|monday|tuesday|wednesday|thursday|friday|saturday|"
            r"sunday|tomorrow|tonight|\d)|before (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|noon|the)|"
            r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|this week|next day|overnight|hours?|minutes?|"
            r"days?|in the next")
_CHANNEL = _rx(r"e-?mail|text(?: message)?|sms|letter|in writing|written confirmation|confirmation(?: number| code| "
               r"email)?|reference(?: number)?|tracking(?: number| link)?|call you|ring you|phone you|message you|"
               r"notification|receipt|a call|on your (?:card|statement|account)")
_FOLLOW_UP = _rx(r"follow(?:ing)? up|call you back|ring you back|check in|get back to you|keep you (?:updated|posted|"
                 r"informed)|let you know|call you (?:tomorrow|tonight|later|again|when|once|as soon)")
_NEGATED = _rx(r"can't|cannot|can not|won't|will not|unable|not able|don't|do not|no way")
_YES = re.compile(r"^\W*(?:yes|yeah|yep|absolutely|of course|certainly|sure|definitely|no problem|i can|we can|"
                  r"i will|i'll|that's right|correct|exactly)\b", re.I)
_REASON = _rx(r"because|the reason|it looks like|it seems|what happened|that's why|this happened|due to")


def question_kind(customer_line: str) -> str | None:
    """What the customer's line asks, if it asks anything: when, how (will I know), what (will you do), why, yes_no.

    The last question in the line counts ("It's 4471. Now when do I get my money?" asks when).
    """
    qs = [s for s in split_sentences(customer_line) if s.rstrip().endswith("?")]
    if not qs:
        return None
    q = qs[-1].lower()
    if re.search(r"\bhow (?:will|would|do|can) i know\b|in writing|confirm|confirmation|email|reference|text me", q):
        return "how"
    if re.search(r"\bwhen\b|how long|what time|by when", q):
        return "when"
    if re.search(r"\bwhy\b|how (?:did|could) (?:this|that|it)", q):
        return "why"
    if re.search(r"\bwhat (?:are you|can you|will you|now|happens|do i|should)|"
                 r"so what|what about|where is|what is going", q):
        return "what"
    return "yes_no"


@dataclass(frozen=True)
class _Matchers:
    boundary: PhraseSet
    costs: PhraseSet


_MATCHERS: dict[int, tuple[object, _Matchers]] = {}


def _matchers(rubric: Rubric) -> _Matchers:
    key = id(rubric.rules)
    hit = _MATCHERS.get(key)
    if hit is not None and hit[0] is rubric.rules:
        return hit[1]
    r = rubric.rules
    m = _Matchers(boundary=PhraseSet([(p, "boundary") for p in r.calm.boundary]),
                  costs=PhraseSet([(p, name) for name, g in r.calm.costs.items() for p in g.phrases]))
    _MATCHERS[key] = (r, m)
    return m


_BLAME_GROUPS = frozenset(("blame", "you_judgement", "argument", "insult", "profanity", "imperative", "trigger"))
_EXCUSE_GROUPS = frozenset(("defensive", "minimising", "dismissal"))
# "Understood." is an acknowledgement, not the curt "Understand?" the rhetorical group means by `< understand >`.
_NOT_COSTS = re.compile(r"^\W*understood\W*$", re.I)


def calm_costs(reply: str, rubric: Rubric) -> list[tuple[str, str]]:
    """(the rep's words, cost group) for each calm cost in the reply, polite boundary-setting forgiven."""
    t = tokenize(reply)
    m = _matchers(rubric)
    bounds = [x for x, _ in m.boundary.find_all(t)]
    out = []
    for x, group in m.costs.find_all(t):
        if any(x.start < b.end and b.start < x.end for b in bounds):
            continue
        words = t.span_text(x.start, x.end)
        if not _NOT_COSTS.match(words):
            out.append((words, group))
    return out


def calm_lost(score: TurnScore, reply: str, rubric: Rubric) -> bool:
    """Whether the reply lost calm: the calm dimension missed for a real cost (not "Understood."), or the voice."""
    calm = score["calm"]
    if calm.hit or score.analysis.silent:
        return False
    voice = [e for e in calm.evidence if " dB " in e or "per minute" in e or "semitones" in e]
    return bool(voice) or bool(calm_costs(reply, rubric))


def recognise(reply: str, score: TurnScore, rubric: Rubric, *, ask_for: Callable[[str], str | None] | None = None,
              customer_asked: str | None = None, offers: Sequence[str] = ()) -> tuple[Act, ...]:
    """The acts of one reply, in ACT_KINDS order.

    Args:
        reply: what the rep said.
        score: the reply's `score_reply` result (its evidence is reused).
        rubric: the rubric in force (cost groups and boundary phrases).
        ask_for: maps a question sentence to the fact id it asks for, or None (the persona's facts).
        customer_asked: the kind of question the customer's last line asked (`question_kind`), if any.
        offers: offer phrases found in the reply (default: `score.analysis.offers`).
    """
    if score.analysis.silent or not reply.strip():
        return ()
    sentences = split_sentences(reply)
    acts: list[Act] = []
    emp = score["empathy"]
    sorry = tuple(e for e in emp.evidence if _APOLOGY.search(e))
    ack = tuple(e for e in emp.evidence if e not in sorry)
    ack += tuple(m.group(0) for s in sentences for m in [_ACK_WORDS.search(s)] if m and m.group(0) not in ack)
    if ack and (emp.score > 0 or not emp.evidence):
        acts.append(Act("acknowledge", ack))
    if sorry and emp.score > 0:
        acts.append(Act("apologise", sorry))
    para = score["paraphrase"]
    if para.hit and para.evidence:
        acts.append(Act("restate", para.evidence))
    costs = calm_costs(reply, rubric)
    cost_words = {w.lower() for w, _ in costs}
    for s in sentences:
        low = s.lower()
        if _CLOSE.search(s) or any(w in low for w in cost_words):
            continue
        is_q = s.rstrip().endswith("?") or bool(_QUESTION_OPENERS.search(s.strip()))
        if not is_q:
            continue
        if _CHECK_ASK.search(s):
            acts.append(Act("ask", (s.strip(),), "check"))
            continue
        fact = ask_for(s) if ask_for else None
        if fact:
            acts.append(Act("ask", (s.strip(),), fact))
        elif _INFO_ASK.search(s) and not any(o.lower() in low for o in offers or score.analysis.offers):
            acts.append(Act("ask", (s.strip(),), "unknown"))
    answer = _answer(reply, sentences, score, customer_asked)
    if answer:
        acts.append(answer)
    for o in offers or score.analysis.offers:
        acts.append(Act("offer", (o,), o))
    sol = score["solution"]
    if sol.hit and not (offers or score.analysis.offers):
        # "Can I get your confirmation number?" asks for something; it offers nothing.
        asking = [x for x in sentences if (x.rstrip().endswith("?") or _QUESTION_OPENERS.search(x.strip()))
                  and _INFO_ASK.search(x) and not _CHECK_ASK.search(x)]
        offered = tuple(e for e in sol.evidence if not any(e.lower() in x.lower() for x in asking))
        if offered:
            acts.append(Act("offer", offered, ""))
    commit = _commit(sentences)
    if commit:
        acts.append(commit)
    bounds = _matchers(rubric).boundary.find_all(tokenize(reply))
    if bounds:
        t = tokenize(reply)
        acts.append(Act("boundary", tuple(t.span_text(m.start, m.end) for m, _ in bounds)))
    for kind, rx in (("transfer", _TRANSFER), ("close", _CLOSE), ("small_talk", _SMALL_TALK)):
        ev = tuple(m.group(0) for s in sentences for m in [rx.search(s)] if m)
        if ev:
            acts.append(Act(kind, ev))
    excuse = tuple(w for w, g in costs if g in _EXCUSE_GROUPS)
    excuse += tuple(m.group(0) for s in sentences for m in [_EXCUSE.search(s)] if m)
    if excuse:
        acts.append(Act("excuse", excuse))
    blame = tuple(w for w, g in costs if g in _BLAME_GROUPS or g not in _EXCUSE_GROUPS)
    if blame:
        acts.append(Act("blame", blame))
    return tuple(sorted(acts, key=lambda a: ACT_KINDS.index(a.kind)))


def _commit(sentences: list[str]) -> Act | None:
    """A commitment: a committing sentence (I'll, you'll get, it's on its way...) with a time, a channel or a
    follow-up in it, not negated before the commitment."""
    kinds: list[str] = []
    ev: list[str] = []
    for s in sentences:
        m = _COMMIT.search(s)
        if not m or _NEGATED.search(s[: m.end() + 12]):
            continue
        t = tokenize(s)
        found = []
        if _TIME.search(s) or any(f.kind in ("date", "time", "duration") for f in extract_facts(t)):
            found.append("time")
        if _CHANNEL.search(s):
            found.append("channel")
        if _FOLLOW_UP.search(s):
            found.append("follow_up")
        if found:
            ev.append(s.strip())
            kinds += [k for k in found if k not in kinds]
    if not kinds:
        return None
    order = ("time", "channel", "follow_up")
    return Act("commit", tuple(ev), "+".join(k for k in order if k in kinds))


def _answer(reply: str, sentences: list[str], score: TurnScore, asked: str | None) -> Act | None:
    if asked is None:
        return None
    ev: tuple[str, ...] = ()
    if asked == "when":
        ev = tuple(s.strip() for s in sentences if _TIME.search(s) or _has_time(tokenize(s)))
    elif asked == "how":
        ev = tuple(s.strip() for s in sentences if _CHANNEL.search(s) or _FOLLOW_UP.search(s))
    elif asked == "what":
        sol = score["solution"]
        ev = tuple(sol.evidence) if sol.hit else tuple(score.analysis.offers)
    elif asked == "why":
        ev = tuple(s.strip() for s in sentences if _REASON.search(s))
    if not ev and asked in ("yes_no", "how") and (yes := _YES.match(reply)):
        ev = (yes.group(0).strip(" ,."),)
    return Act("answer", ev, asked) if ev else None


def _has_time(t: Tokens) -> bool:
    return any(f.kind in ("date", "time", "duration") for f in extract_facts(t))


def commit_details(acts: Sequence[Act]) -> set[str]:
    """The commitment details ('time', 'channel', 'follow_up') the acts give."""
    return {k for a in acts if a.kind == "commit" for k in a.detail.split("+") if k}


def of_kind(acts: Sequence[Act], kind: str) -> list[Act]:
    return [a for a in acts if a.kind == kind]
