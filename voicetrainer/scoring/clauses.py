"""Clauses of a reply, and the rules that read an offer word in its clause: negated ("I can't refund it"), not
proposed by the rep ("you returned it", "restarting it hasn't helped").

Used by the solution dimension; the word lists here are grammar, not rubric content.
"""

from __future__ import annotations

from voicetrainer.scoring.phrases import CompiledRubric
from voicetrainer.text import Match, Tokens

_CLAUSE_WORDS = frozenset(("but", "however", "instead", "although", "though", "what", "otherwise", "unless"))
_NEW_SUBJECT = frozenset(("i", "we", "let", "you", "they", "it", "that", "he", "she"))
# In unpunctuated speech a new clause starts at a subject and its auxiliary: "... charged one forty I'm putting
# fifty five back", "... after ninety days I've switched it back on"; not in a question ("do you have", "can I").
_PERSONS = frozenset(("i", "we", "you", "they", "he", "she", "it", "there"))
_AUXES = frozenset("""am are is was were have has had will would can could shall should might must do did""".split())
# ... and at a discourse marker said mid-run: "... on the first yeah well it's not rocket science".
_DISCOURSE = frozenset(("yeah", "okay", "ok", "alright", "anyway", "well", "honestly", "look", "listen"))
# ... nor after what a relative clause hangs on ("there's nothing I can do", "the best we can offer").
_NO_SPLIT_AFTER = _AUXES | frozenset("""to let make help if that what when and so but then because than as how where
why whether which nothing anything something everything all thing things way much more best only one ones lot
least""".split())
# Subjects other than the rep: what they did ("you returned it") or have ("they have been") is not an offer.
OTHER_SUBJECTS = frozenset(("you", "they", "he", "she", "someone", "somebody", "it"))
_PAST = frozenset("""sent gave took brought got made paid bought told said kept left tried went came did
had spoke wrote ran chose sold""".split())
_AFTER_GERUND = frozenset("""tried try trying keep kept after from since without about been before by""".split())
_CONDITIONS = frozenset(("if", "unless", "once", "until", "when", "whether"))
_NEG_PAST = frozenset(("has", "have", "did", "does", "do", "was", "is", "had", "would"))


def clause_ids(t: Tokens) -> list[int]:
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
    run = 0   # words since the last break: only a long unpunctuated run is split at a subject and auxiliary
    for k, (w, s) in enumerate(zip(t.words, t.sentence, strict=True)):
        nxt = t.words[k + 1] if k + 1 < n else ""
        prev = t.words[k - 1] if k > 0 else ""
        if (s != prev_sent or w in _CLAUSE_WORDS or (t.breaks and t.breaks[k])
                or (w in ("and", "so", "then") and nxt in _NEW_SUBJECT)
                or (w in _PERSONS and nxt in _AUXES and k > 0 and prev not in _NO_SPLIT_AFTER and run >= 4)
                or (w in _DISCOURSE and run >= 3 and nxt not in ("so", "much", "well", "then"))):
            clause += 1
            prev_sent = s
            run = 0
        run += 1
        out.append(clause)
    return out


def negated(m: Match, t: Tokens, c: CompiledRubric, clauses: list[int], oks: list[Match], back: int = 6) -> bool:
    """Whether a `negators` word comes up to `back` words before the match, in its clause ("I can't refund it")."""
    for i in range(max(0, m.start - back), m.start + (1 if back < 6 else 0)):
        if clauses[i] != clauses[m.start]:
            continue
        if t.stems[i] in c.negators and not any(o.start <= i < o.end for o in oks):
            # a negation inside a condition does not refuse: "if it isn't ready by 5 the repair is free"
            if any(t.words[k] in _CONDITIONS for k in range(max(0, i - 4), i) if clauses[k] == clauses[i]):
                continue
            return True
    return False


def not_proposed(m: Match, t: Tokens, clauses: list[int]) -> bool:
    """Whether an offer word describes what already happened or what the customer did, not what the rep proposes.

    - someone else did it, in the past: "you cancelled in January", "you returned it", "they refunded the fee";
    - a gerund after "tried", "after", "kept", ... or opening its clause: "you've tried restarting it",
      "restarting it three times hasn't helped" (but "I'm restarting it now" is the rep's action);
    - what someone else had to do: "sorry you had to take time off";
    - a clause that goes on to say it failed: "... hasn't helped", "... didn't work".
    """
    w = t.words[m.start]
    prev = t.words[m.start - 1] if m.start > 0 else ""
    prev2 = t.words[m.start - 2] if m.start > 1 else ""
    same_clause = m.start > 0 and clauses[m.start - 1] == clauses[m.start]
    past = (w.endswith("ed") and len(w) > 4) or w in _PAST
    if past and same_clause and (prev in OTHER_SUBJECTS or (prev in ("already", "just", "also", "even", "then")
                                                          and prev2 in OTHER_SUBJECTS)):
        return True
    if w.endswith("ing") and len(w) > 4:
        if prev in _AFTER_GERUND and same_clause:
            return True
    if prev == "to" and prev2 == "had" and any(x in OTHER_SUBJECTS for x in t.words[max(0, m.start - 5):m.start - 2]):
        return True   # what the customer was made to do: "sorry you had to take time off", "you've had to send it"
    return _fails_later(m, t, clauses)


def _fails_later(m: Match, t: Tokens, clauses: list[int]) -> bool:
    """The clause goes on to say the remedy did not work: "restarting it hasn't helped", "the reset didn't fix it"."""
    j = m.end
    while j + 1 < len(t.words) and clauses[j] == clauses[m.start] and j < m.end + 6:
        if t.words[j] in _NEG_PAST and t.words[j + 1] == "not":
            prevs = t.words[max(0, m.start - 3):m.start]
            return not any(x in ("i", "we", "will", "can", "let", "if") for x in prevs)
        j += 1
    return False
