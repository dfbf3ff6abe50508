"""The caps that keep the work for any input bounded: how long a reply may be, how big a file, how deep a JSON line.

One table of numbers and a few checks on plain values (no file, device or environment), so every edge that reads
user input refuses the same things with the same words. `benchmarks/robustness.py` measures the worst case of each
input class under these caps; docs/robustness.md lists them.
"""

from __future__ import annotations

import re

# --- audio -------------------------------------------------------------------------------------------------------
MAX_REPLY_S = 120.0            # a spoken reply over 2 minutes is refused (a rep's turn is seconds; 30 s live)
MIN_SAMPLE_RATE = 4_000        # below telephone quality: a header claiming less is damaged (1 Hz asked for 24 GB)
MAX_SAMPLE_RATE = 384_000      # the highest rate any recorder writes
MAX_CHANNELS = 16
AUDIO_BLOCK_FRAMES = 65_536    # audio is read and mixed to mono in blocks, so memory follows the mono length

# --- text --------------------------------------------------------------------------------------------------------
MAX_REPLY_CHARS = 4_000        # ~2 minutes of speech at 200 words a minute is ~2,400 characters
MAX_REPLIES_FILE_BYTES = 4 * 2**20   # a replies file: one reply a line (a long script is a few KB)
MAX_REPLIES = 500              # replies in one file (a call ends after at most 50 turns of 3 attempts)
MAX_SCORE_LINE_BYTES = 64 * 2**10    # one JSON line of `voicetrainer score`
MAX_SCORE_SKIP_BYTES = 16 * 2**20    # an over-long line is skipped up to here; past it the input is not JSON Lines
MAX_OFFERS = 50                # offer phrases on one score line
MAX_JSON_DEPTH = 32            # nesting of one score line: {"id": [[[...]]]} deeper than this is refused
MAX_PERSONA_BYTES = 1 * 2**20  # a persona file (the biggest shipped one is ~10 KB)
MAX_PERSONA_STRING = 4_000     # one string in a persona file (a line, the backstory)
MAX_YAML_NODES = 100_000       # nodes of a YAML file once aliases are expanded ("billion laughs")

# C0 and C1 control characters and DEL, except tab, newline and carriage return: what a terminal may act on
# (ESC starts clear-screen and window-title sequences; U+009B is an 8-bit CSI).
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def control_char(text: str) -> str | None:
    """The first control character in `text` as 'U+001B', or None when there is none."""
    m = CONTROL_RE.search(text)
    return f"U+{ord(m.group()):04X}" if m else None


def reply_too_long(text: str) -> str | None:
    """Why a reply is too long to score ('' when it is fine): the cap and what to do."""
    if len(text) <= MAX_REPLY_CHARS:
        return None
    return (f"a reply of {len(text):,} characters; at most {MAX_REPLY_CHARS:,} (about 2 minutes of speech), "
            "split it into several replies")


def json_depth(text: str, limit: int = MAX_JSON_DEPTH) -> int:
    """How deep the brackets of a JSON text nest (outside strings), counting up to `limit` + 1 at most.

    Scanned without parsing, so a line nested 100,000 deep is refused before the parser recurses into it.
    """
    depth = deepest = 0
    for m in _JSON_TOKENS.finditer(text):
        tok = m.group()
        if tok in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    return deepest
        elif tok in "]}":
            depth -= 1
    return deepest


_JSON_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def duration_problem(seconds: float) -> str | None:
    """Why an audio reply is too long (None when it is within `MAX_REPLY_S`)."""
    if seconds <= MAX_REPLY_S:
        return None
    return (f"{seconds:.0f} s long; a reply may be at most {MAX_REPLY_S:.0f} s (2 minutes), "
            "cut it into several replies")


def header_problem(sample_rate: int, channels: int) -> str | None:
    """Why an audio header cannot be right (None when the rate and channel count are plausible)."""
    if not MIN_SAMPLE_RATE <= sample_rate <= MAX_SAMPLE_RATE:
        return (f"its header claims a sample rate of {sample_rate} Hz (expected {MIN_SAMPLE_RATE}-{MAX_SAMPLE_RATE}"
                " Hz); the file is damaged, save it again as 16-bit WAV")
    if not 1 <= channels <= MAX_CHANNELS:
        return (f"its header claims {channels} channels (expected 1-{MAX_CHANNELS}); the file is damaged, "
                "save it again as mono 16-bit WAV")
    return None
