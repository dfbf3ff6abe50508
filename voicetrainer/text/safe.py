"""Text made safe for where it is shown: a terminal (no control or escape sequences) and a spreadsheet (no formulas).

Pure string functions. A persona line, a reply or anything read back from a session database may come from a file
someone else wrote; these keep it from clearing the screen, retitling the window or running as a formula.
"""

from __future__ import annotations

import re

# C0 controls except tab and newline, DEL, C1 controls (U+009B is an 8-bit CSI), and the bidirectional overrides and
# isolates that make text read differently from how it is stored ("Trojan source").
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# A whole escape sequence (CSI ... final byte, OSC ... BEL/ST), removed with its parameters, not just the ESC.
_ESCAPE_SEQ = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]"            # CSI: colours, cursor moves, clear screen
                         r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC: window title, hyperlinks
                         r"|\x1b[@-Z\\-_]"                     # two-character escapes
                         r"|\x9b[0-?]*[ -/]*[@-~]")              # 8-bit CSI

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def printable(text: str) -> str:
    """`text` without escape sequences, control characters (tab and newline kept) or bidi overrides."""
    if not text:
        return text
    return _UNSAFE.sub("", _ESCAPE_SEQ.sub("", text))


def csv_cell(value: object) -> object:
    """A value safe in a spreadsheet cell: text starting with = + - @ (or tab, CR) gets a leading apostrophe.

    Numbers stay numbers (a negative mood change is not a formula); only text is neutralised (OWASP "CSV
    injection": a reply "=HYPERLINK(...)" would otherwise run when the export is opened).
    """
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value
