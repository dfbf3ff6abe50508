"""Word edits between a reference and a hypothesis, the numerator of a word error rate, counted by jiwer.

jiwer is a maintained WER implementation (test extra), used instead of our own edit distance. Callers normalise
first (conftest.normalise, the ASR benchmark's number-aware normalise) and pass the words.
"""

from __future__ import annotations

from collections.abc import Sequence

import jiwer


def edit_count(ref: Sequence[str], hyp: Sequence[str]) -> int:
    """Substitutions + deletions + insertions that turn the reference words into the hypothesis words."""
    if not ref or not hyp:
        return len(ref) + len(hyp)  # all deletions or all insertions (older jiwer refuses an empty reference)
    out = jiwer.process_words(" ".join(ref), " ".join(hyp))
    return out.substitutions + out.deletions + out.insertions
