"""The engine of `voicetrainer score`: score JSON Lines of replies, one result line per input line.

Input lines are `{"customer": ..., "reply": ...}` or `{"customer": ..., "audio": "reply.wav"}` (then the reply is
transcribed first and its acoustics measured). Optional keys: "id" (echoed back), "offers" (offer phrases to look
for), "baseline_db" (the speaker's usual loudness, for relative loudness). A bad line yields an error object for
that line and the batch goes on. Transcription is injected, so this module imports no model.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from voicetrainer.audio.io import read_audio
from voicetrainer.errors import VoiceTrainerError
from voicetrainer.scoring.acts import question_kind, recognise
from voicetrainer.scoring.scorer import Rubric, score_reply
from voicetrainer.types import AudioClip, Transcript

KNOWN_KEYS = ("id", "customer", "reply", "audio", "offers", "baseline_db")


def _score_one(n: int, obj: object, rubric: Rubric, transcribe: Callable[[AudioClip], Transcript] | None,
               base_dir: Path | None) -> dict:
    if not isinstance(obj, dict):
        return {"error": f"line {n}: expected a JSON object like {{\"customer\": ..., \"reply\": ...}}, "
                         f"got {type(obj).__name__}"}
    unknown = [k for k in obj if k not in KNOWN_KEYS]
    if unknown:
        return {"error": f"line {n}: unknown key(s) {', '.join(map(repr, unknown))}; "
                         f"expected {', '.join(KNOWN_KEYS)}"}
    customer = obj.get("customer")
    if not isinstance(customer, str):
        return {"error": f"line {n}: \"customer\" is missing or not a string; give the customer's last line"}
    has_reply, has_audio = "reply" in obj, "audio" in obj
    if has_reply == has_audio:
        return {"error": f"line {n}: give exactly one of \"reply\" (text) or \"audio\" (path to a WAV)"}
    offers = obj.get("offers", [])
    if not (isinstance(offers, list) and all(isinstance(o, str) for o in offers)):
        return {"error": f"line {n}: \"offers\" must be a list of strings"}
    baseline = obj.get("baseline_db")
    if baseline is not None and not isinstance(baseline, (int, float)):
        return {"error": f"line {n}: \"baseline_db\" must be a number (dBFS), e.g. -24"}
    out: dict = {"id": obj["id"]} if "id" in obj else {}
    acoustics = None
    if has_reply:
        reply = obj["reply"]
        if not isinstance(reply, str):
            return {"error": f"line {n}: \"reply\" must be a string"}
    else:
        audio = obj["audio"]
        if not isinstance(audio, str) or not audio:
            return {"error": f"line {n}: \"audio\" must be a path to a WAV file"}
        path = Path(audio)
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
        acoustics = measure(clip, transcript.words, baseline_db=float(baseline) if baseline is not None else None)
        out["transcript"] = transcript.text
        out["acoustics"] = {k: round(v, 2) for k, v in acoustics.__dict__.items()}
    score = score_reply(customer, reply, rubric, offer_phrases=offers, acoustics=acoustics)
    out["scores"] = score.to_dict()
    out["analysis"] = {"offers": list(score.analysis.offers), "wrong_facts": list(score.analysis.wrong_facts),
                       "silent": score.analysis.silent}
    # What the rep did (issue 10), on the same evidence; the customer's own question decides what counts as an answer.
    out["acts"] = [a.to_dict() for a in recognise(reply, score, rubric, customer_asked=question_kind(customer))]
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
