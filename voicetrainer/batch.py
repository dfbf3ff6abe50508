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
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from voicetrainer.audio.files import read_audio
from voicetrainer.errors import VoiceTrainerError
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


def _score_one(n: int, obj: object, rubric: Rubric, transcribe: Callable[[AudioClip], Transcript] | None,
               base_dir: Path | None) -> dict:
    try:
        line = ReplyLine.model_validate(obj)
    except ValidationError as e:
        return {"error": f"line {n}: {_problems(e)}"}
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


def score_lines(lines: Iterable[str], rubric: Rubric, transcribe: Callable[[AudioClip], Transcript] | None,
                base_dir: Path | None = None) -> Iterator[dict]:
    """Score JSON Lines input, yielding one result dict per non-blank line, in order.

    Args:
        lines: JSON Lines text, one object per line (blank lines are skipped but still counted).
        rubric: the rubric in force.
        transcribe: turns a reply clip into a Transcript (with word timestamps); None for text-only input.
        base_dir: where relative audio paths are resolved (default: the working directory).

    Yields:
        {"scores": {...}, "analysis": {...}} plus "transcript" and "acoustics" for audio input, "id" when given;
        or {"error": "line N: ..."} for a line that cannot be scored.
    """
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            yield {"error": f"line {n}: not valid JSON ({e.msg} at column {e.colno}); "
                            f"expected {{\"customer\": ..., \"reply\": ...}}"}
            continue
        yield _score_one(n, obj, rubric, transcribe, base_dir)


def format_rubric(rubric: Rubric) -> str:
    """What `voicetrainer rubric show` prints: where the rubric came from, then the YAML in force."""
    return f"# rubric in force: {rubric.source}\n{rubric.to_yaml()}"
