"""A phrase read in its context: whether the rep is quoting the customer's own words back, whether a reported
"you were told" restates what the customer said, and the calm costs found by their shape rather than their words.

- `quoted`: "that's a shock when you're on your own" is not sarcasm and "please don't feel like an idiot" is no
  insult when the customer said "shock" / "I feel like such an idiot": the matched words are the customer's.
- `restated`: "you were told fourteen days", "it says Family at £19.99" carry the customer's own facts: reported
  speech that restates, not blame.
- `shapes`: costs with no stock phrase: a reply written in CAPITALS, a tautology ("the plans are the plans",
  "estimated bills are estimated"), a generic event brushed off ("Cancellations happen."), a flat denial of the
  customer's own word ("It's not a scam."), and a retort that corrects the customer's word ("You asked for quiet,
  not silent").

Pure: tokens in, matches out; what they cost is the rubric's (`calm.costs.<group>.detect`).
"""

from __future__ import annotations

from voicetrainer.scoring.clauses import clause_ids
from voicetrainer.text import STOP_WORDS, Match, Tokens, extract_facts, is_number_word, same_value

_STAND_INS = frozenset(("it", "that", "this", "they", "he", "she"))  # "it was fine" quotes "the car was fine"
_SAYING = ("tell", "say", "promis", "show", "writ", "quot", "advis", "inform")
_NEGATION = frozenset(("not", "never", "no"))
_MODALS = frozenset("""not never can could will would should may might must to did do does if when why how what
whether shall""".split())
_DETERMINERS = frozenset(("the", "a", "an", "our", "your", "my", "their", "his", "her", "its", "these", "those"))
# "That's not fair / right / okay" agrees with the customer; a denial of their word is "It's not a scam".
_CONCEDING = frozenset("""right fair okay ok acceptable good fine great nice clear on true easy what how why
enough""".split())
# Function words are all stop words; these are stop words too but can be shouted in capitals ("I did NOT").
_SHOUTABLE = frozenset(("NOT", "YOU", "NEVER", "EVER", "ALREADY", "AGAIN", "ALL", "EVERY", "NOW", "WHAT", "WHY", "HOW",
                        "STOP", "DO", "DID", "ARE", "WAS", "IS", "CAN", "WILL", "NO", "YES", "TOLD", "READ",
                        "FINE", "SAID", "DONE", "SENT", "PAID", "LATE", "SAME", "REAL", "MUST", "ONCE", "TWICE"))


_SWAP = {"you": "i", "your": "my", "yours": "mine", "yourself": "myself", "never": "not"}
_AUXILIARY = frozenset(("do", "have"))


def _said_as(stems: list[str]) -> list[str]:
    """Stems as the customer would have said them: the rep's "you did not ask" is the customer's "I never asked"."""
    return [_SWAP.get(s, s) for s in stems if s not in _AUXILIARY]


def quoted(m: Match, rt: Tokens, ct: Tokens) -> bool:
    """Whether the matched words are the customer's own, in their order: the rep is quoting them back, not choosing
    them. A leading "it"/"that" may stand for the customer's noun ("it was fine" for "the car was fine"), and the
    customer's "I"/"my" are the rep's "you"/"your" ("a full head you didn't ask for")."""
    words = list(rt.words[m.start:m.end])
    stems = list(rt.stems[m.start:m.end])
    while words and words[0] in _STAND_INS:
        words.pop(0)
        stems.pop(0)
    if not words or all(w in STOP_WORDS for w in words):
        return False
    said = _said_as(stems)
    theirs = _said_as(list(ct.stems))
    n = len(said)
    return n > 0 and any(theirs[i:i + n] == said for i in range(len(theirs) - n + 1))


def restated(m: Match, rt: Tokens, ct: Tokens, clauses: list[int]) -> bool:
    """Whether a reported-speech phrase ("you were told", "it says") carries the customer's own fact or words in its
    clause: "you were told fourteen days" restates "You said 14 days"."""
    words = rt.words[m.start:m.end]
    verb_next = 1 if words[:1] == ("it",) else 0   # its verb may follow: "it clearly | shows"
    saying = rt.stems[m.start:m.end + verb_next]
    if not words or words[0] not in ("you", "it") or not any(s.startswith(_SAYING) for s in saying):
        return False
    clause = clauses[m.start]
    cfacts = extract_facts(ct)
    for f in extract_facts(rt):
        if clauses[f.start] == clause and any(same_value(f, g) for g in cfacts):
            return True
    cstems = {s for s, w in zip(ct.stems, ct.words, strict=True) if w not in STOP_WORDS and len(w) > 2}
    after = [rt.stems[i] for i in range(m.end, len(rt.words))
             if clauses[i] == clause and rt.words[i] not in STOP_WORDS and len(rt.words[i]) > 2]
    # one shared word ("it says so when you book") is not enough
    return sum(s in cstems for s in after) >= max(2, len(after) // 2)


_OWNING = frozenset(("should", "shouldn't", "ought"))


def owned(m: Match, rt: Tokens) -> bool:
    """Whether the rude-looking words are the rep owning the company's fault, not blaming the customer: "we should
    have told you before you travelled", "Frankly, that's useless of us"."""
    sent = rt.sentence[m.start]
    before = [i for i in range(m.start) if rt.sentence[i] == sent]
    for i in before:
        if rt.words[i] in ("we", "i") and any(rt.words[j] in _OWNING and "have" in rt.words[j + 1:j + 3]
                                              for j in range(i + 1, min(i + 3, m.start))):
            return True
    after = [i for i in range(m.end, len(rt.words)) if rt.sentence[i] == sent]
    words = [rt.words[i] for i in after]
    for k in range(len(words) - 3):
        if words[k] in ("that", "it") and rt.stems[after[k + 1]] == "be" and words[k + 3:k + 5] == ["of", "us"]:
            return True
    return False


def shapes(rt: Tokens, ct: Tokens, detectors: tuple[tuple[str, str], ...],
           acronyms: frozenset[str]) -> list[tuple[Match, str]]:
    """Calm costs found by their shape, each labelled with the cost group the rubric gives its detector."""
    out: list[tuple[Match, str]] = []
    if not detectors or not rt.words:
        return out
    clauses = clause_ids(rt)
    for name, group in detectors:
        if name == "capitals":
            out += [(m, group) for m in _capitals(rt, ct, acronyms)]
        elif name == "tautology":
            out += [(m, group) for m in _tautologies(rt, clauses)]
        elif name == "generic_event":
            out += [(m, group) for m in _generic_events(rt, clauses)]
        elif name == "denial":
            out += [(m, group) for m in _denials(rt, ct, clauses)]
        elif name == "retort":
            out += [(m, group) for m in _retorts(rt, ct)]
    return out


def _capitals(rt: Tokens, ct: Tokens, acronyms: frozenset[str]) -> list[Match]:
    """Words written in capitals to shout: two or more in a row ("YOU WERE TOLD"), or one stressed word ("I did
    NOT say that", "TWO days"); acronyms ("TV", "PDF") and the customer's own capitals are not shouting."""
    theirs = {w for w in ct.surface if w.isupper()}

    def caps(w: str) -> bool:
        letters = [ch for ch in w if ch.isalpha()]
        return len(letters) >= 2 and w.isupper() and w not in acronyms and w not in theirs

    flags = [caps(w) for w in rt.surface]
    out: list[Match] = []
    k = 0
    while k < len(flags):
        if not flags[k]:
            k += 1
            continue
        j = k
        while j + 1 < len(flags) and flags[j + 1]:
            j += 1
        run = rt.surface[k:j + 1]
        # one short word: a stressed common word ("the seal was FINE", "that is THE form"), not an acronym ("DVLA")
        if (len(run) >= 2 or run[0] in _SHOUTABLE or run[0].lower() in STOP_WORDS or len(run[0]) >= 5
                or is_number_word(run[0].lower())):   # "You've lost TWO days of pay"
            toks = [i for i, o in enumerate(rt.origin) if k <= o <= j]
            if toks:
                out.append(Match("CAPITALS", toks[0], toks[-1] + 1))
        k = j + 1
    return out


def _clause_spans(clauses: list[int]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for i, c in enumerate(clauses):
        if spans and clauses[spans[-1][0]] == c:
            spans[-1] = (spans[-1][0], i + 1)
        else:
            spans.append((i, i + 1))
    return spans


def _tautologies(rt: Tokens, clauses: list[int]) -> list[Match]:
    """"X is/are X" inside a clause: "rules are rules", "the plans are the plans", "estimated bills are estimated"."""
    out = []
    for k, s in enumerate(rt.stems):
        if s != "be" or k == 0 or k + 1 >= len(rt.words) or rt.words[k + 1] in _NEGATION:
            continue
        left = [i for i in range(max(0, k - 3), k) if clauses[i] == clauses[k]]
        left = [i for i in left if rt.words[i] not in STOP_WORDS and rt.words[i].isalpha()]
        j = k + 1
        while j < len(rt.words) and clauses[j] == clauses[k] and rt.words[j] in _DETERMINERS:
            j += 1
        if j >= len(rt.words) or clauses[j] != clauses[k] or rt.words[j] in STOP_WORDS:
            continue
        same = [i for i in left if rt.stems[i] == rt.stems[j]]
        if same:
            out.append(Match("X is X", left[0], j + 1))
    return out


def _generic_events(rt: Tokens, clauses: list[int]) -> list[Match]:
    """A short clause that shrugs an event off as what happens: "Cancellations happen.", "Schedule changes happen"."""
    out = []
    for a, b in _clause_spans(clauses):
        words = rt.words[a:b]
        if not 2 <= len(words) <= 4 or words[-1] not in ("happen", "happens"):
            continue
        if any(w in _MODALS for w in words) or b < len(rt.words) and not rt.breaks[b]:
            continue
        out.append(Match("things happen", a, b))
    return out


_NOT_RETORT = frozenset("""only just yet sure long much too at all problem bad worry worries really quite
always ever even exactly necessarily anymore""".split())


def _retorts(rt: Tokens, ct: Tokens) -> list[Match]:
    """"You asked for quiet, not silent", "it's a request, not a guarantee": the customer's own word set against a
    correction after a comma. The rep's own choices ("I'll refund it, not credit it") are not retorts."""
    theirs = {s for s, w in zip(ct.stems, ct.words, strict=True) if w not in STOP_WORDS and len(w) > 2}
    out = []
    n = len(rt.words)
    for k in range(1, n - 1):
        if rt.words[k] != "not" or not rt.breaks[k] or rt.words[k + 1] in _NOT_RETORT:
            continue
        j = k + 1
        while j < n and rt.words[j] in ("a", "an", "the") and not rt.breaks[j]:
            j += 1
        if j >= n or rt.breaks[j] or rt.words[j] in STOP_WORDS:
            continue
        sent = [i for i in range(k) if rt.sentence[i] == rt.sentence[k]]
        if any(rt.words[i] in ("i", "we", "let") for i in sent):
            continue
        if any(rt.stems[i] in theirs for i in sent[-4:]) or rt.stems[j] in theirs:
            out.append(Match("X, not Y", sent[-1] if sent else k, j + 1))
    return out


def _denials(rt: Tokens, ct: Tokens, clauses: list[int]) -> list[Match]:
    """"It's not a scam": the rep flatly denies the customer's own word for what happened."""
    theirs = {s for s, w in zip(ct.stems, ct.words, strict=True) if w not in STOP_WORDS and len(w) > 2}
    out = []
    n = len(rt.words)
    for k in range(n - 2):
        if rt.words[k] not in ("it", "this", "that", "we", "i") or rt.stems[k + 1] != "be" \
                or rt.words[k + 2] != "not":
            continue
        j = k + 3
        while j < n and clauses[j] == clauses[k] and (rt.words[j] in _DETERMINERS or rt.words[j] in ("really",
                                                                                                   "actually")):
            j += 1
        if j < n and clauses[j] == clauses[k] and rt.stems[j] in theirs and rt.words[j] not in _CONCEDING \
                and rt.words[j] not in STOP_WORDS:
            out.append(Match("denial", k, j + 1))
    return out
