"""A light English stemmer, British spellings folded into American ones, so that inflections compare equal.

Only used to compare words with each other, so the stems need not be real words, only consistent.
"""

from __future__ import annotations

from functools import lru_cache

_IRREGULAR = {
    "sent": "send", "bought": "buy", "paid": "pay", "got": "get", "gotten": "get", "gave": "give", "given": "give",
    "left": "leave", "took": "take", "taken": "take", "told": "tell", "said": "say", "says": "say", "made": "make",
    "came": "come", "went": "go", "gone": "go", "was": "be", "were": "be", "is": "be", "are": "be", "am": "be",
    "been": "be", "being": "be", "broke": "break", "broken": "break", "spoke": "speak", "spoken": "speak",
    "brought": "bring", "kept": "keep", "lost": "lose", "found": "find", "heard": "hear", "felt": "feel",
    "thought": "think", "meant": "mean", "had": "have", "has": "have", "did": "do", "does": "do", "done": "do",
    "shipped": "ship", "shipping": "ship", "ordered": "order", "billed": "bill", "charged": "charg",
    "children": "child", "people": "person", "money": "money", "news": "news", "this": "this", "his": "his",
    "yes": "yes", "bus": "bus", "gas": "gas", "us": "us", "as": "as", "its": "its", "less": "less",
    "unless": "unless", "series": "series", "glasses": "glass", "headphones": "headphone", "earbuds": "earbud",
    "refunded": "refund", "refunding": "refund", "refunds": "refund", "replacing": "replac",
    "wrote": "write", "written": "write", "chose": "choose", "chosen": "choose", "ran": "run", "sold": "sell",
    "stole": "steal", "stolen": "steal", "forgot": "forget", "forgotten": "forget", "understood": "understand",
    "note": "note", "noted": "note", "notes": "note", "noting": "note", "hope": "hope", "hoped": "hope",
    "hopes": "hope", "hoping": "hope", "worse": "bad", "worst": "bad", "better": "good", "best": "good",
    "happened": "happen", "twice": "twice", "taxis": "taxi", "kiwis": "kiwi", "minis": "mini",
}


@lru_cache(maxsize=20_000)
def stem(word: str) -> str:
    """A light English stemmer: 'refunded', 'refunds', 'refunding' -> 'refund'; 'charged', 'charges' -> 'charg'.

    Only used to compare words with each other, so the stems need not be real words, only consistent.
    """
    w = word.lower()
    if w in _IRREGULAR:
        return _IRREGULAR[w]
    if len(w) <= 3 or not w.isalpha():
        return w
    w = _american(w)
    if w.endswith("ies") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith("ied") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith("ing") and len(w) - 3 >= 3:
        w = w[:-3]
        w = _undouble(w)
    elif w.endswith("ed") and len(w) - 2 >= 3:
        w = w[:-2]
        w = _undouble(w)
    elif w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    if w.endswith("e") and len(w) > 3:
        w = w[:-1]
    return w


_AMERICAN = (("ours", "ors"), ("oured", "ored"), ("ouring", "oring"), ("our", "or"), ("ise", "ize"), ("ised", "ized"),
             ("ising", "izing"), ("ises", "izes"), ("isation", "ization"), ("elled", "eled"), ("elling", "eling"),
             ("tre", "ter"), ("tres", "ters"))
_AMERICAN_KEEP = {"hour", "hours", "four", "your", "yours", "tour", "pour", "sour", "flour", "devour", "ours", "raise",
                  "rise", "wise", "noise", "poise", "praise", "cruise", "bruise", "arise", "otherwise", "likewise",
                  "promise", "premise", "expertise", "franchise", "merchandise", "exercise", "surprise", "compromise",
                  "enterprise", "concise", "precise", "paradise", "demise", "treatise", "chastise", "advise",
                  "revise", "devise", "supervise", "televise", "improvise", "excise", "incise", "disguise",
                  "despise", "comprise", "surmise", "premises", "promises", "spelled", "smelled", "yelled",
                  "felled", "belled", "swelled", "quelled", "shelled", "telling", "selling", "spelling", "smelling",
                  "yelling", "swelling", "dwelling", "shelling", "excelled", "compelled", "repelled", "expelled",
                  "propelled"}


def _american(w: str) -> str:
    """British spellings as American ones (Whisper writes "honor", personas say "honour"): both stem alike."""
    if w in _AMERICAN_KEEP or len(w) < 6:
        return w
    for brit, us in _AMERICAN:
        if w.endswith(brit) and not (brit.startswith("is") and w.endswith(("raise", "rised", "rising"))):
            base = w[: -len(brit)]
            if brit.startswith("tre") and len(base) < 3:
                continue  # centre, theatre -> center, theater; not "entre"
            return base + us
    return w


def _undouble(w: str) -> str:
    if len(w) >= 4 and w[-1] == w[-2] and w[-1] not in "lsz":
        return w[:-1]
    return w
