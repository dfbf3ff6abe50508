"""The engine of `voicetrainer score`: score JSON Lines of replies, one result line per input line.

Input lines are `{"customer": ..., "reply": ...}` or `{"customer": ..., "audio": "reply.wav"}` (then the reply is
transcribed first and its acoustics measured). Optional keys: "id" (echoed back), "offers" (offer phrases to look
for), "baseline_db" (the speaker's usual loudness, for relative loudness). Each line is validated by the pydantic
model `ReplyLine`; a bad line yields one error object naming its fields and the batch goes on. Transcription is
injected, so this module imports no model.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from voicetrainer import limits
from voicetrainer.audio.files import read_audio
from voicetrainer.errors import InputError, VoiceTrainerError
from voicetrainer.scoring import Rubric, score_reply
from voicetrainer.scoring.acts import question_kind, recognise
from voicetrainer.types import AudioClip, Transcript

FIELD_HINTS = {  # what a field must be, said the way the error line says it
    "customer": "a string (the customer's last line)",
    "reply": "a string",
    "audio": "a path to a WAV file",
    "offers": "a list of strings",
    "baseline_db": "a number (dBFS), e.g. -24",
}


class ReplyLine(BaseModel):
    """One input line of `voicetrainer score`. Strict: no key beyond these, no coercion ("5" is not a number)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    id: Any = None                                 # any JSON value, echoed back when given
    customer: str
    reply: str | None = None
    audio: str | None = Field(default=None, min_length=1)
    offers: list[str] = Field(default_factory=list)
    baseline_db: float | None = None

    @model_validator(mode="after")
    def _reply_or_audio(self) -> ReplyLine:
        if (self.reply is None) == (self.audio is None):  # null counts as absent, as for baseline_db
            raise PydanticCustomError("reply_or_audio", 'give exactly one of "reply" (text) or "audio" (path to a WAV)')
        return self


def _problems(e: ValidationError) -> str:
    """A pydantic error as one line naming each field: unknown keys first, then missing or mistyped fields."""
    unknown = [str(err["loc"][0]) for err in e.errors() if err["type"] == "extra_forbidden"]
    out = [f"unknown key(s) {', '.join(map(repr, unknown))}; expected {', '.join(ReplyLine.model_fields)}"] \
        if unknown else []
    for err in e.errors():
        kind, loc = err["type"], err["loc"]
        if kind == "extra_forbidden":
            continue
        if kind == "model_type":
            out.append("expected a JSON object like {\"customer\": ..., \"reply\": ...}, "
                       f"got {type(err['input']).__name__}")
        elif not loc:
            out.append(err["msg"])
        elif kind == "missing":
            out.append(f'"{loc[0]}" is missing; give {FIELD_HINTS.get(str(loc[0]), "it")}')
        elif not any(f'"{loc[0]}" must be' in p for p in out):  # one line per field, not per list item
            out.append(f'"{loc[0]}" must be {FIELD_HINTS.get(str(loc[0]), "valid")}')
    return "; ".join(out)


def _too_long(line: ReplyLine) -> str | None:
    """Why a valid line is still too big to score in bounded time (None when it is not)."""
    for name in ("customer", "reply"):
        problem = limits.reply_too_long(getattr(line, name) or "")
        if problem:
            return f'"{name}" is {problem.removeprefix("a reply of ")}'
    if len(line.offers) > limits.MAX_OFFERS or any(len(o) > 200 for o in line.offers):
        return f'"offers" must be at most {limits.MAX_OFFERS} phrases of up to 200 characters'
    return None


def _score_one(n: int, obj: object, rubric: Rubric, transcribe: Callable[[AudioClip], Transcript] | None,
               base_dir: Path | None) -> dict:
    try:
        line = ReplyLine.model_validate(obj)
    except ValidationError as e:
        return {"error": f"line {n}: {_problems(e)}"}
    too_long = _too_long(line)
    if too_long:
        return {"error": f"line {n}: {too_long}"}
    out: dict = {"id": line.id} if "id" in line.model_fields_set else {}
    acoustics = None
    if line.reply is not None:
        reply = line.reply
    else:
        assert line.audio is not None  # the validator saw exactly one of reply and audio
        path = Path(line.audio)
        if not path.is_absolute() and base_dir is not None:
            path = base_dir / path
        if not path.is_file():
            return {"error": f"line {n}: audio file not found: {path}"}
        if transcribe is None:
            return {"error": f"line {n}: audio input needs a transcriber; score text with \"reply\" instead"}
        from voicetrainer.audio.acoustics import measure

        try:
            clip = read_audio(path)
            transcript = transcribe(clip)
        except VoiceTrainerError as e:
            return {"error": f"line {n}: {e}"}
        reply = transcript.text
        acoustics = measure(clip, transcript.words, baseline_db=line.baseline_db)
        out["transcript"] = transcript.text
        out["acoustics"] = {k: round(v, 2) for k, v in acoustics.__dict__.items()}
    score = score_reply(line.customer, reply, rubric, offer_phrases=line.offers, acoustics=acoustics)
    out["scores"] = score.to_dict()
    out["analysis"] = {"offers": list(score.analysis.offers), "wrong_facts": list(score.analysis.wrong_facts),
                       "silent": score.analysis.silent}
    # What the rep did (issue 10), on the same evidence; the customer's own question decides what counts as an answer.
    out["acts"] = [a.to_dict() for a in recognise(reply, score, rubric, customer_asked=question_kind(line.customer))]
    return out


@dataclass(frozen=True)
class LineTooLong:
    """An input line over `limits.MAX_SCORE_LINE_BYTES`, skipped by `read_jsonl` without being held in memory."""

    n_bytes: int


def read_jsonl(f: BinaryIO) -> Iterator[bytes | LineTooLong]:
    """The lines of a binary stream, none held longer than `limits.MAX_SCORE_LINE_BYTES`.

    An over-long line is read past (yielded as `LineTooLong`, so it gets its own error line); past
    `limits.MAX_SCORE_SKIP_BYTES` without a line break the input is not JSON Lines at all (/dev/zero, a WAV).

    Raises:
        InputError: more than `MAX_SCORE_SKIP_BYTES` without a line break.
    """
    cap = limits.MAX_SCORE_LINE_BYTES
    n = 0
    while True:
        line = f.readline(cap + 1)
        if not line:
            return
        n += 1
        if len(line) <= cap or line.endswith(b"\n"):
            yield line
            continue
        skipped = len(line)
        while True:
            chunk = f.readline(1 << 16)
            skipped += len(chunk)
            if not chunk or chunk.endswith(b"\n"):
                break
            if skipped > limits.MAX_SCORE_SKIP_BYTES:
                raise InputError(f"line {n}: more than {limits.MAX_SCORE_SKIP_BYTES // 2**20} MB without a line break; "
                                 "the input is not JSON Lines (one {\"customer\": ..., \"reply\": ...} object a line)")
        yield LineTooLong(skipped)


def _line_problem(n: int, line: str | bytes | LineTooLong) -> str | dict:
    """The line as text, or its error object: too long, not UTF-8, nested too deep."""
    cap = limits.MAX_SCORE_LINE_BYTES
    if isinstance(line, LineTooLong) or len(line) > cap:
        size = line.n_bytes if isinstance(line, LineTooLong) else len(line)
        return {"error": f"line {n}: {size:,} bytes long; a line may be at most {cap // 1024} KB "
                         "(a reply of up to ~2 minutes of speech fits easily)"}
    if isinstance(line, bytes):
        if n == 1 and line.startswith(b"\xef\xbb\xbf"):  # a byte-order mark from a Windows editor
            line = line[3:]
        try:
            line = line.decode("utf-8")
        except UnicodeDecodeError as e:
            return {"error": f"line {n}: not UTF-8 text (byte 0x{line[e.start]:02x} at column {e.start + 1}); "
                             "save the input as UTF-8"}
    if limits.json_depth(line) > limits.MAX_JSON_DEPTH:
        return {"error": f"line {n}: nested more than {limits.MAX_JSON_DEPTH} levels deep; "
                         "expected {\"customer\": ..., \"reply\": ...}"}
    return line


def score_lines(lines: Iterable[str | bytes | LineTooLong], rubric: Rubric,
                transcribe: Callable[[AudioClip], Transcript] | None,
                base_dir: Path | None = None) -> Iterator[dict]:
    """Score JSON Lines input, yielding one result dict per non-blank line, in order.

    Args:
        lines: JSON Lines text, one object per line (blank lines are skipped but still counted); bytes lines (from
            `read_jsonl`) are decoded one by one, so a line that is not UTF-8 is an error line, not the end.
        rubric: the rubric in force.
        transcribe: turns a reply clip into a Transcript (with word timestamps); None for text-only input.
        base_dir: where relative audio paths are resolved (default: the working directory).

    Yields:
        {"scores": {...}, "analysis": {...}} plus "transcript" and "acoustics" for audio input, "id" when given;
        or {"error": "line N: ..."} for a line that cannot be scored.
    """
    for n, raw in enumerate(lines, start=1):
        line = _line_problem(n, raw)
        if isinstance(line, dict):
            yield line
            continue
        if not line.strip():
            continue
        try:
            obj = _loads(line)
        except json.JSONDecodeError as e:
            yield {"error": f"line {n}: not valid JSON ({e.msg} at column {e.colno}); "
                            f"expected {{\"customer\": ..., \"reply\": ...}}"}
            continue
        except (ValueError, RecursionError) as e:  # NaN, 1e999, a 5,000-digit number, an unpaired surrogate
            yield {"error": f"line {n}: not valid JSON ({e}); expected {{\"customer\": ..., \"reply\": ...}}"}
            continue
        yield _score_one(n, obj, rubric, transcribe, base_dir)


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"{text} is too large a number")
    return value


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


def _loads(line: str) -> Any:
    """Strict JSON: no NaN or Infinity (Python's json accepts them, but our output could not print them back),
    no unpaired surrogate ("\\ud800" would make the result line unprintable as UTF-8)."""
    obj = json.loads(line, parse_constant=_refuse_constant, parse_float=_finite)
    try:
        json.dumps(obj, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as e:
        raise ValueError(f"an unpaired surrogate {e.object[e.start:e.end]!r} is not text") from None
    return obj


def format_rubric(rubric: Rubric) -> str:
    """What `voicetrainer rubric show` prints: where the rubric came from, then the YAML in force."""
    return f"# rubric in force: {rubric.source}\n{rubric.to_yaml()}"
