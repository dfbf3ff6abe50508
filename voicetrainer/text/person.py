"""The customer's first-person sentence turned into the rep's second person, for restatement tips.

"I sent my headphones back" -> "you sent your headphones back". Pure string work; no rubric knowledge.
"""

from __future__ import annotations

_SWAP = {
    "i": "you", "me": "you", "my": "your", "mine": "yours", "myself": "yourself", "we": "you", "us": "you",
    "our": "your", "ours": "yours", "ourselves": "yourselves", "i'm": "you're", "i've": "you've", "i'll": "you'll",
    "i'd": "you'd", "we're": "you're", "we've": "you've", "we'll": "you'll", "we'd": "you'd", "am": "are",
    "you": "we", "your": "our", "yours": "ours", "you're": "we're", "you've": "we've", "you'll": "we'll",
}

# Words after which "you" starts a clause ("and you lost them", "did you"); after any other word it is the object
# ("I paid you", "I told you").
_BEFORE_A_SUBJECT = frozenset("""and but so or then because when while since after before until if that which who what
why how where once though although as did do does can could would will should have has had are were was is didn't
don't doesn't can't couldn't wouldn't won't shouldn't haven't hasn't hadn't aren't weren't wasn't isn't""".split())


def second_person(sentence: str) -> str:
    """Turn a customer's first-person sentence into the rep's second person.

    "I sent my headphones back" -> "you sent your headphones back". Words about the company ("you", "your")
    become "we"/"our" ("us" when "you" is the object: "I paid you" -> "you paid us"). "was" after "I" becomes
    "were".
    """
    out: list[str] = []
    words = sentence.replace("\u2019", "'").split()
    prev = ""
    for w in words:
        core = w.strip(".,!?;:\"()")
        lead = w[: w.find(core)] if core and w.find(core) > 0 else ""
        trail = w[len(lead) + len(core):]
        low = core.lower()
        rep = _SWAP.get(low)
        if low == "was" and prev in ("i",):
            rep = "were"
        elif low == "you" and prev and prev not in _BEFORE_A_SUBJECT and not out[-1].endswith((",", ";", ":")):
            rep = "us"   # "I booked you to take it down" -> "you booked us to take it down"
        if rep is None:
            rep = core
        elif core[:1].isupper() and (low != "i" or out and out[-1].endswith((".", "!", "?"))):
            rep = rep[:1].upper() + rep[1:]
        out.append(lead + rep + trail)
        prev = low
    return " ".join(out)
