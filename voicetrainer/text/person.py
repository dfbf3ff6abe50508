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


def second_person(sentence: str) -> str:
    """Turn a customer's first-person sentence into the rep's second person.

    "I sent my headphones back" -> "you sent your headphones back". Words about the company ("you", "your")
    become "we"/"our". "was" after "I" becomes "were".
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
        if rep is None:
            rep = core
        elif core[:1].isupper() and low != "i":
            rep = rep[:1].upper() + rep[1:]
        out.append(lead + rep + trail)
        prev = low
    return " ".join(out)
