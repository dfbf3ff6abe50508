"""Issue 12: nothing a user feeds voicetrainer crashes it, hangs it or loses a turn.

One table of hostile inputs over every class (audio, replies files, score input, persona files, archives, stores,
CLI arguments, hostile text), each run through the real CLI. Every case asserts the exit code, exactly one clear
`Error: ...` line (or, for `score`, one error object per bad line while the batch goes on), no traceback, and,
where a session ran, that no finished turn was lost. The worst inputs are also timed and measured in
benchmarks/robustness.py.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tarfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner

from voicetrainer.cli.main import main

from .conftest import FIXTURES, PERSONAS
from .hostile import AUDIO_MAKERS, long_wav, nested_json, replies_lines
from .test_persona import VALID

CUSTOMER = "I returned the headphones three weeks ago and I still haven't got my eighty nine dollars."
FIRST = "I'm sorry about the refund."   # one turn the session finishes before the bad input (delayed-refund)


@dataclass
class Case:
    """A hostile input: `build(tmp)` makes its files and returns the CLI arguments (and stdin)."""

    id: str
    build: Callable[[Path], list[str] | tuple[list[str], bytes | str]]
    code: int = 1
    expect: str = ""               # in the one Error line (kind "error"), in the error object ("json"), in stdout
    kind: str = "error"            # error | json (score: error objects, exit 0) | ok (no error at all)
    turns: int | None = None       # finished turns the session must have kept
    absent: tuple[str, ...] = ()   # must not appear anywhere in the output (raw escape codes, formulas)
    bad: int = 1                   # kind "json": how many error objects
    setup: Callable[[Path], None] | None = None
    tags: set[str] = field(default_factory=set)


def home() -> Path:
    return Path(os.environ["VOICETRAINER_HOME"])


def put(tmp: Path, name: str, data: bytes | str) -> Path:
    p = tmp / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data if isinstance(data, bytes) else data.encode())
    return p


def practice(replies: Path, *extra: str) -> list[str]:
    return ["practice", "delayed-refund", "--replies", str(replies), "--no-audio", "--quiet", "--seed", "1", *extra]


def score_file(tmp: Path, *lines: str | bytes) -> list[str]:
    data = b"".join((ln if isinstance(ln, bytes) else ln.encode()) + b"\n" for ln in lines)
    return ["score", str(put(tmp, "in.jsonl", data))]


GOOD_LINE = json.dumps({"customer": CUSTOMER, "reply": "I'm so sorry. I'll refund the eighty nine dollars today."})


def persona_file(tmp: Path, text: str | bytes, name: str = "hostile.yaml") -> Path:
    return put(tmp, name, text)


def practise_persona(tmp: Path, text: str | bytes) -> list[str]:
    replies = put(tmp, "r.txt", "Sorry.\n")
    return ["practice", str(persona_file(tmp, text)), "--replies", str(replies), "--no-audio", "--quiet"]


def seeded_store(tmp: Path, replies: str = f"{FIRST}\nI will refund it today.\n") -> None:
    """A real session in the test's data folder (two turns), made through the CLI."""
    r = CliRunner().invoke(main, practice(put(tmp, "seed-replies.txt", replies)))
    assert r.exit_code == 0, r.output


def mutate_db(sql: str, *params) -> Callable[[Path], None]:
    def setup(tmp: Path) -> None:
        seeded_store(tmp)
        db = sqlite3.connect(home() / "sessions.db")
        db.execute(sql, params)
        db.commit()
        db.close()
    return setup


def archive_zip(tmp: Path, members: dict[str, bytes], name="p.zip") -> Path:
    p = tmp / name
    with zipfile.ZipFile(p, "w") as z:
        for n, b in members.items():
            z.writestr(n, b)
    return p


def manifest(files: dict[str, bytes], pid: str) -> bytes:
    import hashlib

    return json.dumps({"format": "voicetrainer-persona", "format_version": 1, "persona": pid,
                       "files": [{"path": p, "sha256": hashlib.sha256(b).hexdigest()} for p, b in files.items()]
                       }).encode()


def persona_archive(tmp: Path, pid: str, text: bytes = VALID.encode()) -> Path:
    files = {f"{pid}.yaml": text}
    return archive_zip(tmp, {"manifest.json": manifest(files, pid), **files}, f"{pid}.zip")


def huge_tar_member(tmp: Path) -> Path:
    """A tar.gz whose member claims 600 MB (the data is not there: the size check must refuse it first)."""
    import gzip

    small = tarfile.TarInfo("manifest.json")
    small.size = 2
    big = tarfile.TarInfo("recordings/x/a.wav")
    big.size = 600 * 2**20
    p = tmp / "huge.tar.gz"
    with gzip.open(p, "wb") as f:
        f.write(small.tobuf() + b"{}".ljust(512, b"\0") + big.tobuf() + b"\0" * 4096)
    return p


def audio_cases() -> list[Case]:
    out = []
    for name, (make, why) in AUDIO_MAKERS.items():
        slug = name.replace(" ", "-")
        out.append(Case(f"audio-practice-{slug}", lambda tmp, make=make, slug=slug: practice(
            put(tmp, "r.txt", f"{FIRST}\n{put(tmp, slug + '.wav', make())}\n")), expect=why, turns=1))
        out.append(Case(f"audio-score-{slug}", lambda tmp, make=make, slug=slug: score_file(
            tmp, json.dumps({"customer": CUSTOMER, "audio": str(put(tmp, slug + '.wav', make()))}), GOOD_LINE),
            code=0, kind="json", expect=why))
    ten_minutes = Case("audio-practice-10-minute-reply", lambda tmp: practice(
        put(tmp, "r.txt", f"{FIRST}\n{long_wav(tmp / 'long.wav', 600)}\n")), expect="600 s long", turns=1)
    out += [
        ten_minutes,
        Case("audio-score-10-minute-reply", lambda tmp: score_file(
            tmp, json.dumps({"customer": CUSTOMER, "audio": str(long_wav(tmp / "long.wav", 600))}), GOOD_LINE),
            code=0, kind="json", expect="at most 120 s"),
        Case("audio-practice-a-folder-named-wav", lambda tmp: (tmp / "dir.wav").mkdir() or practice(
            put(tmp, "r.txt", f"{FIRST}\n{tmp / 'dir.wav'}\n")), expect="not a regular file", turns=1),
        Case("audio-practice-dev-zero-as-wav", lambda tmp: (tmp / "zero.wav").symlink_to("/dev/zero") or practice(
            put(tmp, "r.txt", f"{FIRST}\n{tmp / 'zero.wav'}\n")), expect="not a regular file", turns=1),
        Case("audio-practice-missing-wav", lambda tmp: practice(put(tmp, "r.txt", f"{FIRST}\n{tmp / 'gone.wav'}\n")),
             expect="audio file not found", turns=1),
        Case("audio-score-missing-wav", lambda tmp: score_file(
            tmp, json.dumps({"customer": CUSTOMER, "audio": str(tmp / "gone.wav")}), GOOD_LINE),
            code=0, kind="json", expect="audio file not found"),
        Case("audio-practice-empty-fixture",
             lambda tmp: practice(put(tmp, "r.txt", f"{FIRST}\n{FIXTURES / 'empty.wav'}\n")),
             expect="the audio file is empty", turns=1),
    ]
    return out


def replies_cases() -> list[Case]:
    return [
        Case("replies-dev-zero", lambda tmp: practice(Path("/dev/zero")), expect="more than 4 MB", turns=0),
        Case("replies-a-folder", lambda tmp: practice(tmp), code=2, expect="is a directory", turns=0),
        Case("replies-missing", lambda tmp: practice(tmp / "none.txt"), expect="cannot read the replies file"),
        Case("replies-not-utf8", lambda tmp: practice(put(tmp, "r.txt", b"Sorry.\n\xff\xfe oops\n")),
             expect="r.txt:2: not UTF-8 text (byte 0xff at column 1)", turns=0),
        Case("replies-utf16", lambda tmp: practice(put(tmp, "r.txt", "Sorry.\n".encode("utf-16"))),
             expect="r.txt:1: not UTF-8 text", turns=0),
        Case("replies-a-wav-given-as-script", lambda tmp: practice(FIXTURES / "refund_good_1.wav"),
             expect="not UTF-8 text", turns=0),
        Case("replies-5-mb-line", lambda tmp: practice(put(tmp, "r.txt", "a" * (5 * 2**20))),
             expect="more than 4 MB", turns=0),
        Case("replies-5000-character-reply", lambda tmp: practice(put(tmp, "r.txt", f"{FIRST}\n{'word ' * 1000}\n")),
             expect="r.txt:2: a reply of 4,999 characters; at most 4,000", turns=0),
        Case("replies-1-mb-unpunctuated", lambda tmp: practice(put(tmp, "r.txt", "refund " * 150_000)),
             expect="at most 4,000", turns=0),
        Case("replies-escape-codes", lambda tmp: practice(put(tmp, "r.txt", "Sorry \x1b[2J\x1b]0;pwned\x07\n")),
             expect="r.txt:1: a control character (U+001B)", turns=0),
        Case("replies-nul-bytes", lambda tmp: practice(put(tmp, "r.txt", b"Sorry\x00\x00\n")),
             expect="a control character (U+0000)", turns=0),
        Case("replies-600-lines", lambda tmp: practice(put(tmp, "r.txt", replies_lines(600))),
             expect="more than 500 replies", turns=0),
        Case("replies-empty-file", lambda tmp: practice(put(tmp, "r.txt", "")), code=0, kind="ok",
             expect="abandoned after 0 turn(s)", turns=0),
        Case("replies-only-comments", lambda tmp: practice(put(tmp, "r.txt", "# a\n# b\n")), code=0, kind="ok",
             expect="abandoned after 0 turn(s)", turns=0),
        Case("replies-utf8-bom-and-crlf", lambda tmp: practice(put(tmp, "r.txt", b"\xef\xbb\xbfSorry.\r\nOkay.\r\n")),
             code=0, kind="ok", expect="delayed-refund:", turns=2),
        Case("replies-typed-bytes-not-utf8", lambda tmp: (["practice", "--text", "--no-audio", "--quiet", "--seed",
                                                           "1"], b"\xff\xfe sorry\n"),
             code=0, kind="ok", expect="was not UTF-8 text and was skipped", turns=0),
        Case("replies-typed-escape-codes", lambda tmp: (["practice", "--text", "--no-audio", "--quiet", "--seed",
                                                         "1"], "sorry \x1b[2J\n"),
             code=0, kind="ok", expect="after 1 turn(s)", turns=1, absent=("\x1b[2J",)),
    ]


def score_cases() -> list[Case]:
    j = json.dumps
    return [
        Case("score-not-utf8-line", lambda tmp: score_file(tmp, b'{"customer": "x", "reply": "\xff"}', GOOD_LINE),
             code=0, kind="json", expect="not UTF-8 text (byte 0xff"),
        Case("score-utf16-file", lambda tmp: ["score", str(put(tmp, "in.jsonl", (GOOD_LINE + "\n").encode("utf-16")))],
             code=0, kind="json", expect="not UTF-8 text", bad=2),  # UTF-16's "\n\0" splits the line in two
        Case("score-nested-100000", lambda tmp: score_file(tmp, "[" * 100_000 + "]" * 100_000, GOOD_LINE),
             code=0, kind="json", expect="bytes long; a line may be at most 64 KB"),
        Case("score-nested-40-in-id", lambda tmp: score_file(tmp, nested_json(40), GOOD_LINE),
             code=0, kind="json", expect="nested more than 32 levels deep"),
        Case("score-5-mb-line", lambda tmp: score_file(tmp, j({"customer": "x", "reply": "a" * 5 * 2**20}), GOOD_LINE),
             code=0, kind="json", expect="a line may be at most 64 KB"),
        Case("score-dev-zero", lambda tmp: ["score", "/dev/zero"], expect="without a line break"),
        Case("score-5000-character-reply", lambda tmp: score_file(tmp, j({"customer": "x", "reply": "word " * 1000}),
                                                                  GOOD_LINE),
             code=0, kind="json", expect='"reply" is 5,000 characters'),
        Case("score-5000-character-customer", lambda tmp: score_file(tmp, j({"customer": "w " * 2500, "reply": "ok"}),
                                                                     GOOD_LINE),
             code=0, kind="json", expect='"customer" is 5,000 characters'),
        Case("score-1000-offers", lambda tmp: score_file(tmp, j({"customer": "x", "reply": "ok",
                                                                "offers": ["refund"] * 1000}), GOOD_LINE),
             code=0, kind="json", expect='"offers" must be at most 50'),
        Case("score-nan", lambda tmp: score_file(tmp, '{"customer": "x", "reply": "y", "baseline_db": NaN}', GOOD_LINE),
             code=0, kind="json", expect="NaN is not a JSON number"),
        Case("score-infinity", lambda tmp: score_file(tmp, '{"customer": "x", "reply": "y", "id": 1e999}', GOOD_LINE),
             code=0, kind="json", expect="too large a number"),
        Case("score-5000-digit-number", lambda tmp: score_file(tmp, '{"customer": "x", "reply": "y", "id": '
                                                               + "7" * 5000 + "}", GOOD_LINE),
             code=0, kind="json", expect="not valid JSON"),
        Case("score-unpaired-surrogate",
             lambda tmp: score_file(tmp, '{"customer": "x", "reply": "\\ud800"}', GOOD_LINE),
             code=0, kind="json", expect="unpaired surrogate"),
        Case("score-array-line", lambda tmp: score_file(tmp, "[1, 2, 3]", GOOD_LINE),
             code=0, kind="json", expect="expected a JSON object"),
        Case("score-binary-garbage", lambda tmp: score_file(tmp, bytes(range(11, 256)), GOOD_LINE),
             code=0, kind="json", expect="not UTF-8 text"),
        Case("score-a-folder", lambda tmp: ["score", str(tmp)], code=2, expect="Invalid value for '[FILE]'"),
        Case("score-missing-file", lambda tmp: ["score", str(tmp / "none.jsonl")], code=2,
             expect="Invalid value for '[FILE]'"),
        Case("score-bom-first-line", lambda tmp: score_file(tmp, b"\xef\xbb\xbf" + GOOD_LINE.encode()),
             code=0, kind="ok", expect='"scores"'),
        Case("score-escape-codes-in-reply", lambda tmp: score_file(tmp, j({"customer": "x", "reply": "\x1b[2Jsorry"})),
             code=0, kind="ok", expect='"scores"', absent=("\x1b",)),
        Case("score-rubric-not-yaml", lambda tmp: ["score", "--rubric", str(put(tmp, "r.yaml", "calm: [\n")),
                                                   str(put(tmp, "in.jsonl", GOOD_LINE))], expect="not valid YAML"),
        Case("score-rubric-duplicate-keys", lambda tmp: ["score", "--rubric", str(put(
            tmp, "r.yaml", (Path(__file__).parent.parent / "voicetrainer/scoring/rubric.yaml").read_text()
            + "\ncalm: {}\n")), str(put(tmp, "in.jsonl", GOOD_LINE))], expect="calm: duplicate key"),
        Case("score-rubric-not-utf8", lambda tmp: ["score", "--rubric", str(put(tmp, "r.yaml", b"calm: \xff\n")),
                                                   str(put(tmp, "in.jsonl", GOOD_LINE))], expect="not UTF-8"),
    ]


BASE_PERSONA = (PERSONAS / "delayed-refund.yaml").read_text()


def persona_cases() -> list[Case]:
    opening = "  opening:\n"
    assert opening in BASE_PERSONA
    line_with = lambda extra: BASE_PERSONA.replace(opening, opening + f"    - {extra}\n", 1)  # noqa: E731
    bomb = "".join(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10 if i else ["x"] * 10) + "]\n" for i in range(7))
    cases = [
        ("duplicate-key", BASE_PERSONA.replace("name:", "name: Someone else\nname:", 1), "name: duplicate key"),
        ("duplicate-nested-key", BASE_PERSONA.replace("mood:\n", "mood:\n  start: 10\n", 1), "duplicate key"),
        ("alias-bomb", bomb + BASE_PERSONA, "aliases expand this to more than 100,000 values"),
        ("recursive-alias", "a: &a [*a]\n" + BASE_PERSONA, "an alias refers to itself"),
        ("nested-100000", "x: " + "[" * 100_000 + "]" * 100_000 + "\n", "nested more than 64 levels"),
        ("escape-in-line", line_with('"\\e[2J\\e]0;owned\\a You are hacked"'), "a control character (U+001B)"),
        ("c1-csi-in-line", line_with('"\\x9b2J clear"'), "a control character (U+009B)"),
        ("nul-in-line", line_with('"a\\0b"'), "a control character (U+0000)"),
        ("5000-character-line", line_with("w" * 5000), "5,000 characters; at most 4,000"),
        ("2-mb-file", BASE_PERSONA + "#" * (2 * 2**20), "more than 1 MB"),
        ("not-utf8", BASE_PERSONA.encode()[:300] + b"\xff" + BASE_PERSONA.encode()[300:], "not UTF-8 text (byte 0xff)"),
        ("utf16", BASE_PERSONA.encode("utf-16"), "not UTF-8 text"),
        ("audio-dot-dot", line_with("{text: Hi, audio: ../../../../etc/passwd}"), "leaves the persona's folder"),
        ("audio-absolute", line_with("{text: Hi, audio: /etc/passwd}"), "is an absolute path"),
        ("empty-file", "", "expected a mapping of persona fields"),
        ("a-list", "- a\n- b\n", "expected a mapping of persona fields"),
        ("a-wav-as-persona", (FIXTURES / "refund_good_1.wav").read_bytes(), "not UTF-8 text"),
        ("yaml-syntax", BASE_PERSONA.replace("name:", "name: [unclosed", 1), "not valid YAML"),
        ("unknown-field", BASE_PERSONA + "shout: true\n", "shout: unknown field"),
        ("nan-mood", BASE_PERSONA.replace("start: 70", "start: .nan", 1), "mood.start"),
        ("huge-max-turns", BASE_PERSONA + "outcomes: {max_turns: 99999999999999999999999}\n", "outcomes"),
        ("bad-rubric-override", BASE_PERSONA + "rubric: {calm: {nonsense: 1}}\n", "calm.nonsense: unknown key"),
    ]
    assert "start: 70" in BASE_PERSONA
    out = [Case(f"persona-practice-{slug}", lambda tmp, text=text: practise_persona(tmp, text), expect=why)
           for slug, text, why in cases]
    for slug, text, why in cases[:14] + cases[-1:]:
        out.append(Case(f"persona-check-{slug}", lambda tmp, text=text: ["persona", "check", str(
            persona_file(tmp, text))], expect=why, kind="check"))
    out += [
        Case("persona-symlinked-audio-out", lambda tmp: (tmp / "rec").mkdir() or (tmp / "rec" / "a.wav").symlink_to(
            FIXTURES / "refund_good_1.wav") or practise_persona(tmp, line_with("{text: Hi, audio: rec/a.wav}")),
            expect="is a link out of the persona's folder"),
        Case("persona-a-folder-named-yaml", lambda tmp: (tmp / "x.yaml").mkdir() or ["practice", str(tmp / "x.yaml")],
             expect="persona file not found"),
        Case("persona-dev-zero", lambda tmp: ["practice", "/dev/zero", "--text"], expect="persona file not found"),
        Case("persona-list-with-a-broken-file", lambda tmp: ["persona", "list"], code=0, kind="ok", expect="INVALID",
             setup=lambda tmp: put(home() / "personas", "broken.yaml", b"name: \xff\n")),
        Case("persona-new-unsafe-name", lambda tmp: ["persona", "new", "../escape"], expect="invalid persona name"),
    ]
    return out


def archive_cases() -> list[Case]:
    return [
        Case("archive-over-a-bundled-persona", lambda tmp: ["persona", "import", str(persona_archive(
            tmp, "delayed-refund"))], expect="already exists at"),
        Case("archive-over-an-installed-persona", lambda tmp: ["persona", "import", str(persona_archive(tmp, "mine"))],
             expect="already installed", setup=lambda tmp: put(home() / "personas", "mine.yaml", VALID)),
        Case("archive-not-an-archive", lambda tmp: ["persona", "import", str(put(tmp, "x.zip", "hello"))],
             expect="not a persona archive"),
        Case("archive-empty-file", lambda tmp: ["persona", "import", str(put(tmp, "x.zip", b""))],
             expect="not a persona archive"),
        Case("archive-truncated-zip", lambda tmp: ["persona", "import", str(put(tmp, "t.zip", persona_archive(
            tmp, "tiny").read_bytes()[:60]))], expect="not a persona archive"),
        Case("archive-dot-dot-member", lambda tmp: ["persona", "import", str(archive_zip(
            tmp, {"manifest.json": b"{}", "../../evil.yaml": b"x"}))], expect="is a '..' path"),
        Case("archive-600-mb-member", lambda tmp: ["persona", "import", str(huge_tar_member(tmp))],
             expect="more than 500 MB unpacked"),
        Case("archive-manifest-not-json", lambda tmp: ["persona", "import", str(archive_zip(
            tmp, {"manifest.json": b"{nope", "tiny.yaml": VALID.encode()}))], expect="is not a voicetrainer persona"),
        Case("archive-persona-with-duplicate-keys", lambda tmp: ["persona", "import", str(persona_archive(
            tmp, "dupes", (VALID + "name: Again\n").encode()))], expect="duplicate key"),
        Case("archive-a-folder", lambda tmp: ["persona", "import", str(tmp)], code=2, expect="is a directory"),
        Case("archive-export-under-a-file", lambda tmp: ["persona", "export", "delayed-refund", "--out", str(
            put(tmp, "f", "x") / "p.zip")], expect="cannot write"),
        Case("archive-export-existing", lambda tmp: ["persona", "export", "delayed-refund", "--out", str(
            put(tmp, "p.zip", "x"))], expect="already exists"),
    ]


def store_cases() -> list[Case]:
    def corrupt(data: bytes) -> Callable[[Path], None]:
        return lambda tmp: put(home(), "sessions.db", data) and None

    def truncated(tmp: Path) -> None:
        seeded_store(tmp)
        db = home() / "sessions.db"
        con = sqlite3.connect(db)
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.close()
        data = db.read_bytes()
        page = int.from_bytes(data[16:18], "big")  # the page size, from the file header
        db.write_bytes(data[:page + page // 2])     # the schema page survives, every table's pages are cut

    return [
        Case("store-random-bytes", lambda tmp: ["sessions", "list"], setup=corrupt(os.urandom(8192)),
             expect="is corrupt (file is not a database); run `voicetrainer sessions repair`"),
        Case("store-random-bytes-practice", lambda tmp: practice(put(tmp, "r.txt", "Sorry.\n")),
             setup=corrupt(b"SQLite format 3\x00" + os.urandom(8000)), expect="is corrupt"),
        Case("store-truncated", lambda tmp: ["progress"], setup=truncated, expect="is corrupt"),
        Case("store-a-folder", lambda tmp: ["sessions", "list"], setup=lambda tmp: (home() / "sessions.db").mkdir(
            parents=True), expect="is not a file"),
        Case("store-data-dir-is-a-file", lambda tmp: ["sessions", "list", "--data-dir", str(put(tmp, "f", "x"))],
             code=2, expect="is a file"),
        Case("store-data-dir-under-a-file",
             lambda tmp: ["sessions", "list", "--data-dir", str(put(tmp, "f", "x") / "d")],
             expect="pass a writable folder with --data-dir"),
        Case("store-newer-schema", lambda tmp: ["sessions", "list"], setup=mutate_db("PRAGMA user_version = 99"),
             expect="written by a newer voicetrainer"),
        Case("store-malformed-scores-progress", lambda tmp: ["progress"], code=0, kind="ok",
             expect="turn 1 of session 1 is malformed",
             setup=mutate_db("UPDATE turns SET scores = '{not json' WHERE id = 1")),
        Case("store-malformed-scores-report", lambda tmp: ["report", "--out", str(tmp / "r.html")], code=0, kind="ok",
             expect="is malformed", setup=mutate_db("UPDATE turns SET scores = '[1, 2]' WHERE id = 1")),
        Case("store-malformed-scores-export", lambda tmp: ["sessions", "export"], code=0, kind="ok",
             expect="turn 1 of session 1 is malformed",
             setup=mutate_db("UPDATE turns SET scores = 'null x' WHERE id=1")),
        Case("store-every-turn-malformed-export", lambda tmp: ["sessions", "export"],
             expect="every saved turn is malformed",
             setup=mutate_db("UPDATE turns SET scores = 'null x'")),
        Case("store-every-turn-malformed-progress", lambda tmp: ["progress"], expect="every saved turn is malformed",
             setup=mutate_db("UPDATE turns SET mood_after = 'x'")),
        Case("store-malformed-mood", lambda tmp: ["sessions", "show", "1"], code=0, kind="ok",
             expect="is malformed", setup=mutate_db("UPDATE turns SET mood_before = 'angry' WHERE id = 2")),
        Case("store-malformed-start-time", lambda tmp: ["sessions", "list"], code=0, kind="ok",
             expect="session 1 is malformed", setup=mutate_db("UPDATE sessions SET started_at = 'yesterday'")),
        Case("store-malformed-session-show", lambda tmp: ["sessions", "show", "1"], expect="session 1 is malformed",
             setup=mutate_db("UPDATE sessions SET start_mood = 'x'")),
        Case("store-empty-file", lambda tmp: ["sessions", "list"], code=0, kind="ok", expect="No sessions yet",
             setup=lambda tmp: put(home(), "sessions.db", b"")),
        Case("store-report-empty", lambda tmp: ["report"], expect="no sessions saved yet"),
        Case("store-unknown-session", lambda tmp: ["sessions", "show", "999"], expect="no session 999",
             setup=seeded_store),
        Case("store-repair-healthy-lists-bad-rows", lambda tmp: ["sessions", "repair"], code=0, kind="ok",
             expect="turn 1 of session 1 is malformed", setup=mutate_db("UPDATE turns SET scores = 'x' WHERE id = 1")),
        Case("store-repair-nothing", lambda tmp: ["sessions", "repair"], expect="nothing to repair"),
    ]


def cli_cases() -> list[Case]:
    big = str(2**70)
    r = lambda tmp: put(tmp, "r.txt", "Sorry.\n")  # noqa: E731
    return [
        Case("cli-seed-2-70", lambda tmp: practice(r(tmp)) + ["--seed", big], code=2, expect="--seed"),
        Case("cli-seed-negative", lambda tmp: practice(r(tmp)) + ["--seed", "-1"], code=2, expect="--seed"),
        Case("cli-seed-not-a-number", lambda tmp: practice(r(tmp)) + ["--seed", "abc"], code=2,
             expect="'abc' is not a valid integer"),
        Case("cli-simulate-seed-2-70", lambda tmp: ["persona", "simulate", "delayed-refund", "--replies",
                                                    str(r(tmp)), "--seed", big], code=2, expect="--seed"),
        Case("cli-show-2-70", lambda tmp: ["sessions", "show", big], code=2, expect="SESSION_ID"),
        Case("cli-show-0", lambda tmp: ["sessions", "show", "0"], code=2, expect="SESSION_ID"),
        Case("cli-report-2-70", lambda tmp: ["report", big], code=2, expect="SESSION_ID"),
        Case("cli-limit-negative", lambda tmp: ["sessions", "list", "--limit", "-5"], code=2, expect="--limit"),
        Case("cli-limit-2-70", lambda tmp: ["sessions", "list", "--limit", big], code=2, expect="--limit"),
        Case("cli-data-dir-empty-practice", lambda tmp: practice(r(tmp)) + ["--data-dir", ""], code=2,
             expect="an empty path would put your sessions in the current folder"),
        Case("cli-data-dir-empty-list", lambda tmp: ["sessions", "list", "--data-dir", ""], code=2,
             expect="an empty path"),
        Case("cli-hub-model", lambda tmp: practice(put(tmp, "r.txt", f"{FIXTURES / 'refund_good_1.wav'}\n"))
             + ["--model", "small"], expect="pass --allow-download"),
        Case("cli-hub-model-score", lambda tmp: ["score", "--model", "small", str(put(tmp, "in.jsonl", json.dumps(
            {"customer": CUSTOMER, "audio": str(FIXTURES / "refund_good_1.wav")}) + "\n" + GOOD_LINE + "\n"))],
             code=0, kind="json", expect="pass --allow-download"),
        Case("cli-model-folder-missing", lambda tmp: practice(put(tmp, "r.txt", f"{FIXTURES / 'refund_good_1.wav'}\n"))
             + ["--model", str(tmp / "no-such-model")], expect="is not a model on this machine"),
        Case("cli-audio-out-is-a-file", lambda tmp: practice(r(tmp)) + ["--audio-out", str(put(tmp, "f", "x"))],
             code=2, expect="is a file"),
        Case("cli-audio-out-under-a-file",
             lambda tmp: practice(r(tmp)) + ["--audio-out", str(put(tmp, "f", "x") / "d")],
             expect="choose a writable folder for --audio-out"),
        Case("cli-export-out-under-a-file",
             lambda tmp: ["sessions", "export", "--out", str(put(tmp, "f", "x") / "e.csv")],
             expect="pass another --out", setup=seeded_store),
        Case("cli-report-out-under-a-file", lambda tmp: ["report", "--out", str(put(tmp, "f", "x") / "r.html")],
             expect="pass another path with --out", setup=seeded_store),
        Case("cli-preview-out-under-a-file", lambda tmp: ["persona", "preview", "delayed-refund", "--no-audio", "--out",
                                                          str(put(tmp, "f", "x") / "d")], expect="--out"),
        Case("cli-schema-out-under-a-file", lambda tmp: ["persona", "schema", "--out", str(put(tmp, "f", "x") / "s")],
             expect="check the path"),
        Case("cli-unknown-persona", lambda tmp: ["practice", "nobody", "--text"], expect="unknown persona 'nobody'"),
    ]


def hostile_text_cases() -> list[Case]:
    esc = "\x1b[2J\x1b]0;owned\x07"
    return [
        Case("text-escape-codes-in-a-stored-reply", lambda tmp: ["sessions", "show", "1"], code=0, kind="ok",
             expect="Turn 1", absent=("\x1b",), setup=mutate_db("UPDATE turns SET reply = ? WHERE id = 1", esc + "hi")),
        Case("text-escape-codes-in-a-stored-persona-name", lambda tmp: ["sessions", "list"], code=0, kind="ok",
             expect="delayed", absent=("\x1b",),
             setup=mutate_db("UPDATE sessions SET persona_id = ?", "delayed" + esc)),
        Case("text-bidi-override-in-a-stored-reply", lambda tmp: ["sessions", "show", "1"], code=0, kind="ok",
             expect="Turn 1", absent=("\u202e",), setup=mutate_db("UPDATE turns SET reply = ?", "abc\u202edcba")),
        Case("text-rich-markup-in-a-stored-scenario", lambda tmp: ["progress"], code=0, kind="ok",
             expect="Progress over", absent=("\x1b[5m",),
             setup=mutate_db("UPDATE sessions SET scenario_type = ?", "[blink]x[/blink]")),
        Case("text-formula-in-csv", lambda tmp: ["sessions", "export"], code=0, kind="ok",
             expect="'=HYPERLINK(", absent=(',=HYPERLINK(', ',+SUM(', ',@cmd'),
             setup=mutate_db("UPDATE turns SET reply = CASE id WHEN 1 THEN ? ELSE ? END",
                             '=HYPERLINK("http://evil","click")', "@cmd|' /C calc'!A0")),
        Case("text-escape-codes-in-a-persona-line", lambda tmp: practise_persona(
            tmp, BASE_PERSONA.replace("  opening:\n", '  opening:\n    - "\\e]0;window title\\a Hi"\n', 1)),
            expect="a control character (U+001B)"),
        Case("text-escape-codes-in-a-persona-name-list", lambda tmp: ["persona", "list"], code=0, kind="ok",
             expect="INVALID", absent=("\x1b",),
             setup=lambda tmp: put(home() / "personas", "evil.yaml", BASE_PERSONA.replace(
                 "name: ", 'name: "\\e[2J"\nx_name: ', 1))),
    ]


CASES = (audio_cases() + replies_cases() + score_cases() + persona_cases() + archive_cases() + store_cases()
         + cli_cases() + hostile_text_cases())


def test_the_suite_covers_every_class_with_at_least_80_cases():
    classes = {c.id.split("-")[0] for c in CASES}
    assert classes == {"audio", "replies", "score", "persona", "archive", "store", "cli", "text"}
    assert len(CASES) >= 80 and len({c.id for c in CASES}) == len(CASES)


def turns_saved() -> int:
    db = home() / "sessions.db"
    if not db.is_file():
        return 0
    from voicetrainer.store import Store

    store = Store(home())
    try:
        return sum(len(store.turn_records(s.id)) for s in store.list_sessions())
    finally:
        store.close()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case: Case, tmp_path: Path):
    if case.setup is not None:
        case.setup(tmp_path)
    built = case.build(tmp_path)
    args, stdin = built if isinstance(built, tuple) else (built, None)
    before = turns_saved() if case.turns is not None else 0
    r = CliRunner().invoke(main, [str(a) for a in args], input=stdin)
    text = r.output
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    assert "Traceback" not in text
    assert r.exit_code == case.code, text[-2000:]
    errors = [ln for ln in text.splitlines() if ln.startswith("Error:")]
    if case.kind == "error":  # one Error line; what follows it (a persona's problems, indented) explains it
        assert len(errors) == 1, text[-2000:]
        assert case.expect in text[text.index(errors[0]):], errors[0]
    elif case.kind == "check":  # persona check: `file:line: field: problem` lines, exit 1, no Error: line
        assert not errors and case.expect in r.stdout, text[-2000:]
    elif case.kind == "json":  # score: one error object for the bad line, and the good line still scored
        out = [json.loads(ln) for ln in r.stdout.splitlines() if ln.strip()]
        bad = [o for o in out if "error" in o]
        assert len(bad) == case.bad and case.expect in bad[0]["error"], out
        assert case.bad > 1 or any("scores" in o for o in out), out  # the batch went on
        assert not errors
    else:
        assert not errors and case.expect in text, text[-2000:]
    for raw in case.absent:
        assert raw not in text
    if case.turns is not None:
        assert turns_saved() - before == case.turns, text[-2000:]
