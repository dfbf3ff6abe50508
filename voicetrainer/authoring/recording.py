"""Trainer recordings of persona lines: take a line from a microphone (or a WAV file), trim the silence around it by
voice-activity detection, even out its loudness, save it beside the persona and reference it from the YAML.

Devices come in through anything with `frames()` and `drain()` (audio_io.SoundDeviceMicrophone, or
`WavFileMicrophone` here); speech probabilities through a `vad.SpeechProb`. This module opens no device itself and
never imports sounddevice; the CLI builds the real stages. The YAML is edited surgically (authoring.set_line_audio) so
the trainer's comments and layout survive.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from voicetrainer.audio.files import read_audio, write_wav
from voicetrainer.audio.vad import FRAME, SpeechProb, TurnDetector, TurnParams
from voicetrainer.authoring.paths import AUDIO_SUFFIXES, recording_relpath
from voicetrainer.authoring.yaml_edit import set_line_audio
from voicetrainer.core.persona import Line, Persona, bundled_persona_dir, persona_errors
from voicetrainer.errors import AudioInputError, PersonaError
from voicetrainer.types import INTENTS, SAMPLE_RATE, AudioClip

# A trainer reading a line pauses for effect more than a rep answering: wait a full second of silence before the take
# ends, and give them time to start.
RECORD_PARAMS = TurnParams(end_silence_ms=1000, no_reply_s=10.0, max_turn_s=30.0)
MARGIN_MS = 150          # silence kept before the first and after the last speech frame
TARGET_RMS_DBFS = -20.0  # loudness the speech is brought to
PEAK_DBFS = -1.0         # ... unless that would push a peak above this


# --- sources ---------------------------------------------------------------------------------------------------


class WavFileMicrophone:
    """A microphone that plays audio files: each call of `frames()` yields the next file as 512-sample frames.

    The same interface as audio_io.SoundDeviceMicrophone, so a take from a file goes through exactly the code a take
    from the microphone does (used by tests, and usable for scripted recordings).
    """

    def __init__(self, sources: list[str | Path | AudioClip], frame: int = FRAME):
        self._sources = list(sources)
        self.frame = frame

    def __enter__(self) -> WavFileMicrophone:
        return self

    def __exit__(self, *exc) -> None:
        pass

    def drain(self) -> None:
        """Nothing is buffered between takes."""

    def frames(self, timeout_s: float = 2.0) -> Iterator[np.ndarray]:
        if not self._sources:
            return
        src = self._sources.pop(0)
        clip = src if isinstance(src, AudioClip) else read_audio(src)
        yield from _frames(clip.samples, self.frame)


def _frames(samples: np.ndarray, frame: int = FRAME) -> Iterator[np.ndarray]:
    """Fixed-size float32 frames; the last one padded with zeros."""
    samples = np.asarray(samples, dtype=np.float32)
    for i in range(0, len(samples), frame):
        block = samples[i:i + frame]
        if len(block) < frame:
            block = np.concatenate([block, np.zeros(frame - len(block), np.float32)])
        yield block


# --- one take --------------------------------------------------------------------------------------------------


def record_take(mic, speech_prob: SpeechProb, params: TurnParams = RECORD_PARAMS,
                stop: Callable[[], bool] = lambda: False) -> AudioClip | None:
    """Record from `mic` until the speaker stops talking (VAD end of turn), `stop()` is true, or the input ends.

    Returns:
        Everything heard from the start of the take (trim it with `trim_silence`), or None when no speech started
        within `params.no_reply_s`.
    """
    mic.drain()
    if hasattr(speech_prob, "reset"):
        speech_prob.reset()
    det = TurnDetector(params)
    blocks: list[np.ndarray] = []
    for block in mic.frames():
        blocks.append(block)
        ev = det.feed(speech_prob(block[:FRAME]) if len(block) >= FRAME else 0.0)
        if ev is not None and ev.kind == "timeout":
            return None
        if (ev is not None and ev.kind in ("turn_ended", "max_length")) or stop():
            break
    if det.started_at is None:
        return None
    return AudioClip(np.concatenate(blocks).astype(np.float32), SAMPLE_RATE)


def trim_silence(clip: AudioClip, speech_prob: SpeechProb, margin_ms: int = MARGIN_MS,
                 threshold: float = 0.5) -> AudioClip:
    """Cut the silence before the first and after the last speech frame, keeping `margin_ms` either side.

    Raises:
        AudioInputError: no frame of speech at all.
    """
    samples = clip.samples
    if clip.sample_rate != SAMPLE_RATE:
        from voicetrainer.audio.files import resample

        samples = resample(samples, clip.sample_rate, SAMPLE_RATE)
    if hasattr(speech_prob, "reset"):
        speech_prob.reset()
    probs = [speech_prob(f) for f in _frames(samples)]
    speech = [i for i, p in enumerate(probs) if p >= threshold]
    if not speech:
        raise AudioInputError("no speech found in the recording; speak closer to the microphone, or check the file")
    margin = int(margin_ms * SAMPLE_RATE / 1000)
    lo = max(0, speech[0] * FRAME - margin)
    hi = min(len(samples), (speech[-1] + 1) * FRAME + margin)
    return AudioClip(samples[lo:hi].astype(np.float32), SAMPLE_RATE)


def dbfs(samples: np.ndarray) -> float:
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64)) + 1e-20))
    return 20 * np.log10(rms)


def normalise(clip: AudioClip, target_dbfs: float = TARGET_RMS_DBFS, peak_dbfs: float = PEAK_DBFS) -> AudioClip:
    """Scale so the RMS level is `target_dbfs`, unless a peak would then exceed `peak_dbfs` (then the peak decides).

    A plain gain, no compression: the trainer's dynamics stay as recorded.
    """
    s = clip.samples.astype(np.float64)
    peak = float(np.max(np.abs(s))) if len(s) else 0.0
    if peak == 0.0:
        return clip
    gain = min(10 ** ((target_dbfs - dbfs(s)) / 20), 10 ** (peak_dbfs / 20) / peak)
    return AudioClip((s * gain).astype(np.float32), clip.sample_rate)


def prepare_take(clip: AudioClip, speech_prob: SpeechProb) -> AudioClip:
    """Trim by VAD, then normalise: what every recorded or imported line goes through."""
    return normalise(trim_silence(clip, speech_prob))


# --- where recordings go ---------------------------------------------------------------------------------------


def _writable(folder: Path) -> bool:
    return folder.is_dir() and os.access(folder, os.W_OK | os.X_OK)


@dataclass
class RecordTarget:
    """The persona file recordings go into; `created` lists files made by copying (undone if nothing is recorded)."""

    path: Path
    notice: str | None = None
    created: list[Path] = field(default_factory=list)
    source: Path | None = None

    def undo_copy(self) -> None:
        """Remove the copy again if nothing was recorded into it (so it doesn't shadow the original for nothing)."""
        if self.source is None or not self.path.is_file() or self.path.read_bytes() != self.source.read_bytes():
            return
        for f in reversed(self.created):
            f.unlink(missing_ok=True)


def writable_persona_file(persona: Persona, user_dir: Path) -> RecordTarget:
    """The persona file recordings should be added to, copying it first when it must not be changed in place.

    A persona in the user's folder (or any writable folder of their own) is changed in place. A bundled persona is
    product content (and may sit in a read-only install), so it is first copied, with any recordings it references,
    into the user's persona folder, where it takes precedence over the bundled one. Likewise for a read-only folder.

    Raises:
        PersonaError: the copy would overwrite a different file of the same id.
    """
    assert persona.path is not None
    src = persona.path
    bundled = bundled_persona_dir().resolve()
    if src.parent.resolve() != bundled and _writable(src.parent):
        return RecordTarget(src)
    dest = user_dir / src.name
    if dest.exists():
        raise PersonaError(f"{dest} already exists and is not the persona being recorded ({src}); "
                           f"record that one with `voicetrainer persona record {dest}`")
    user_dir.mkdir(parents=True, exist_ok=True)
    created = []
    for i in INTENTS:
        for ln in persona.lines_for(i):
            if ln.audio:
                a, b = src.parent / ln.audio, user_dir / ln.audio
                if a.is_file() and not b.exists():
                    b.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(a, b)
                    created.append(b)
    shutil.copy2(src, dest)
    created.append(dest)
    why = "is bundled with voicetrainer" if src.parent.resolve() == bundled else "is in a read-only folder"
    return RecordTarget(dest, f"{src} {why}; recording into your copy at {dest}", created, src)


@dataclass(frozen=True)
class LineRef:
    """One line of a persona: its intent, its position (from 0) and its text."""

    intent: str
    index: int
    line: Line

    @property
    def n(self) -> int:
        return self.index + 1

    @property
    def label(self) -> str:
        return f"{self.intent}-{self.n}"


def select_lines(persona: Persona, intent: str | None = None, n: int | None = None,
                 redo: bool = True) -> list[LineRef]:
    """The lines to record: all of them, one intent's, or one (n counted from 1). Without `redo`, skip recorded ones.

    Raises:
        PersonaError: --index without --intent, or an index that doesn't exist.
    """
    if n is not None and intent is None:
        raise PersonaError("--index needs --intent (e.g. --intent pushback --index 2)")
    if intent is not None and intent not in INTENTS:
        raise PersonaError(f"unknown intent '{intent}'; expected one of: {', '.join(INTENTS)}")
    refs = [LineRef(i, k, ln) for i in INTENTS if intent in (None, i) for k, ln in enumerate(persona.lines_for(i))]
    if n is not None and intent is not None:  # (--index without --intent was refused above)
        count = len(persona.lines_for(intent))
        if not 1 <= n <= count:
            raise PersonaError(f"lines.{intent} has {count} line(s); --index must be 1-{count}")
        return [r for r in refs if r.n == n]
    if not redo:
        refs = [r for r in refs if not r.line.audio]
    return refs


def save_line(persona_file: Path, persona_id: str, ref: LineRef, clip: AudioClip) -> str:
    """Write the take to recordings/<id>/<intent>-<n>.wav beside the persona and point the line's `audio:` at it.

    The file is rewritten atomically and only if it still validates.

    Returns:
        The audio path as written in the file (relative to it).
    """
    rel = recording_relpath(persona_id, ref.intent, ref.n)
    write_wav(persona_file.parent / rel, clip)
    text = persona_file.read_text(encoding="utf-8")
    new = set_line_audio(text, ref.intent, ref.index, rel)
    if new != text:
        tmp = persona_file.with_name(f".{persona_file.name}.tmp")
        tmp.write_text(new, encoding="utf-8")
        errors = persona_errors(tmp)
        if errors:
            tmp.unlink()
            raise PersonaError(f"{persona_file}: adding audio would make it invalid: {errors[0]}")
        os.replace(tmp, persona_file)
    return rel


# --- walks -----------------------------------------------------------------------------------------------------


def find_takes(folder: Path, refs: list[LineRef]) -> tuple[dict[str, Path], list[str]]:
    """Files in `folder` named `<intent>-<n>.wav` (or .flac/.ogg) for the given lines, and the names matching none.

    Raises:
        PersonaError: the folder is missing or holds no file for any of the lines.
    """
    if not folder.is_dir():
        raise PersonaError(f"{folder}: folder not found")
    wanted = {r.label for r in refs}
    found = {f.stem: f for f in sorted(folder.iterdir()) if f.suffix.lower() in AUDIO_SUFFIXES}
    takes = {label: f for label, f in found.items() if label in wanted}
    if not takes:
        example = refs[0].label if refs else "opening-1"
        raise PersonaError(f"{folder}: no recordings for these lines; name them <intent>-<n>.wav, "
                           f"e.g. {example}.wav")
    return takes, sorted(f.name for label, f in found.items() if label not in wanted)


def import_dir(persona_file: Path, persona_id: str, refs: list[LineRef], folder: Path, speech_prob: SpeechProb,
               say: Callable[[str], None] = print) -> list[str]:
    """Import `<intent>-<n>.wav` files from `folder` for the given lines, trimmed and normalised like a take.

    Returns:
        The audio paths written. Files that match no line are reported through `say`.

    Raises:
        PersonaError: see `find_takes`.
        AudioInputError: a file is unreadable or holds no speech.
    """
    takes, ignored = find_takes(folder, refs)
    written: list[str] = []
    for ref in refs:
        if ref.label not in takes:
            continue
        src = takes[ref.label]
        try:
            clip = prepare_take(read_audio(src), speech_prob)
        except AudioInputError as e:
            raise AudioInputError(f"{src}: {e}") from None
        rel = save_line(persona_file, persona_id, ref, clip)
        say(f"{src.name} → {rel} ({clip.duration_s:.1f} s)")
        written.append(rel)
    for name in ignored:
        say(f"ignored {name}: no such line (names are <intent>-<n>.wav, e.g. opening-1.wav)")
    return written


def record_walk(persona_file: Path, persona_id: str, refs: list[LineRef], mic, speech_prob: SpeechProb,
                trim_prob: SpeechProb, ask: Callable[[str], str | None], say: Callable[[str], None] = print,
                stop: Callable[[], bool] = lambda: False, params: TurnParams = RECORD_PARAMS) -> list[str]:
    """Walk the trainer through `refs`: show each line, wait for Enter, record until they pause, save it.

    Args:
        ask: shows a prompt and returns the typed answer ("" for Enter, "s" skip, "q" quit), None at end of input.
        stop: polled while recording; True ends the take (the CLI maps it to Enter).
        speech_prob: VAD for the end of the take; trim_prob: VAD for trimming (separate state).

    Returns:
        The audio paths written.
    """
    written: list[str] = []
    for k, ref in enumerate(refs, 1):
        say(f"\n[{k}/{len(refs)}] {ref.intent} {ref.n}: {ref.line.text}")
        while True:
            answer = ask("Enter to record, s to skip, q to quit: ")
            if answer is None or answer.strip().lower() == "q":
                return written
            if answer.strip().lower() == "s":
                break
            say("Recording… read the line; it stops when you pause (or press Enter).")
            take = record_take(mic, speech_prob, params, stop)
            if take is None:
                say("Heard nothing. Check the microphone (--input-device) and try again.")
                continue
            try:
                clip = prepare_take(take, trim_prob)
            except AudioInputError as e:
                say(f"{e}; try again.")
                continue
            rel = save_line(persona_file, persona_id, ref, clip)
            say(f"Saved {rel} ({clip.duration_s:.1f} s).")
            written.append(rel)
            break
    return written

