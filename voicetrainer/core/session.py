"""The practice loop: persona speaks → rep replies → transcribe → score → persona reacts, until the call ends.

Every stage is injected (reply source, transcriber, voice output, store), so this module imports no device or model
library; the same loop serves the microphone, typed replies and scripted replies. Each turn is saved as soon as it is
scored, so an interruption loses at most the turn in progress.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Callable, Protocol

from voicetrainer.core.dialogue import FINAL_INTENTS, pick_line, react, start_state
from voicetrainer.core.persona import Line, Persona
from voicetrainer.errors import VoiceTrainerError
from voicetrainer.scoring import Rubric, load_rubric, score_reply
from voicetrainer.types import Acoustics, AudioClip, SessionRecord, Transcript, Turn


@dataclass(frozen=True)
class Reply:
    """What the rep said: typed text, or audio (then transcribed by the session)."""

    text: str | None = None
    clip: AudioClip | None = None
    source: str = ""            # e.g. "typed", "mic", a file path
    transcript: Transcript | None = None  # already made while listening (live mode): the session won't redo it


class NoMoreReplies(Exception):
    """The reply source is exhausted (end of a script, end of typed input)."""


class ReplySource(Protocol):
    def next_reply(self, persona_line: str) -> Reply: ...


class Transcriber(Protocol):
    def transcribe(self, clip: AudioClip) -> Transcript: ...


@dataclass(frozen=True)
class Event:
    """Something the live view may show. kind: start, persona_line, transcribing, turn, retry, notice, end."""

    kind: str
    data: dict = field(default_factory=dict)


@dataclass
class SessionResult:
    persona: Persona
    outcome: str
    turns: list[Turn]
    final_line: str
    final_intent: str
    session_id: int | None = None
    seed: int | None = None
    model: str | None = None
    input_mode: str | None = None

    def record(self) -> SessionRecord:
        """The session as a `SessionRecord`: the shape every JSON output and the store share."""
        final_mood = self.turns[-1].mood_after if self.turns else self.persona.mood.start
        return SessionRecord(
            session_id=self.session_id, persona=self.persona.id, persona_name=self.persona.name,
            scenario=self.persona.scenario, scenario_type=self.persona.scenario_type, outcome=self.outcome,
            turns=tuple(self.turns), start_mood=self.persona.mood.start, final_mood=final_mood,
            final_line=self.final_line, final_intent=self.final_intent, seed=self.seed, model=self.model,
            input_mode=self.input_mode)

    def to_dict(self) -> dict:
        return self.record().to_dict()


MAX_ATTEMPTS = 3


def _hear(reply: Reply, transcriber, measure, loudness: list[float], emit) -> tuple[str, Acoustics | None]:
    """The reply's text (transcribing audio) and, for speech, how it sounded against the rep's baseline."""
    transcript = reply.transcript
    if transcript is None and reply.clip is not None:
        emit(Event("transcribing", {"seconds": reply.clip.duration_s}))
        transcript = transcriber.transcribe(reply.clip)
    text = (transcript.text if transcript is not None else reply.text or "").strip()
    acoustics = None
    if reply.clip is not None and text and measure is not None:
        baseline = sum(loudness) / len(loudness) if loudness else None
        acoustics = measure(reply.clip, transcript, baseline)
        loudness.append(acoustics.loudness_db)
    return text, acoustics


def keep_recording(store, sid: int | None, name: str, clip: AudioClip, emit: Callable[[Event], None]) -> str | None:
    """Save a reply's recording; when it cannot be written (disk full, a file where its folder goes), say so and
    keep the turn without it: the rep's words and scores matter more than the WAV."""
    try:
        return str(store.save_audio(sid, name, clip))
    except VoiceTrainerError as e:
        emit(Event("notice", {"text": f"{e}; the turn is saved without its recording"}))
        return None


def customer_context(opening: str, last_line: str) -> str:
    """What the rep should be restating: the customer's problem (opening) and its latest line."""
    return opening if last_line == opening else f"{opening} {last_line}"


def run_session(
    persona: Persona,
    replies: ReplySource,
    *,
    transcriber: Transcriber | None = None,
    speak: Callable[[Persona, Line, str], None] | None = None,
    store=None,
    seed: int | None = None,
    rubric: Rubric | None = None,
    measure: Callable[[AudioClip, Transcript, float | None], Acoustics] | None = None,
    keep_audio: bool = True,
    on_event: Callable[[Event], None] | None = None,
    retry: Callable[[Turn], bool] | None = None,
    model_name: str | None = None,
    input_mode: str = "",
) -> SessionResult:
    """Run one conversation to its end.

    Args:
        persona: the simulated customer.
        replies: where the rep's replies come from.
        transcriber: turns reply audio into text (needed only for audio replies).
        speak: says a persona line (plays it, or writes it to a file); None for silent runs.
        store: a `store.Store`; when given, the session and each turn are saved as they happen.
        seed: fixes the persona's choices of lines.
        rubric: the rubric in force (default: the packaged one with the persona's overrides).
        measure: computes how a spoken reply sounded, given the speaker's baseline loudness.
        keep_audio: save each spoken reply as a WAV beside the session.
        on_event: receives `Event`s for a live view.
        retry: asked after each scored reply; True replays the same customer line (both attempts are kept).

    Returns:
        The whole session. On Ctrl-C or a device error the turns so far are already saved and the error propagates;
        a session ended by Ctrl-C (or SIGTERM) is saved as "interrupted", one ended by an error as "abandoned".
    """
    rng = random.Random(seed)
    rubric = rubric or load_rubric(overrides=persona.rubric)
    offers = tuple(persona.solutions.accept) + tuple(persona.solutions.reject)
    emit = on_event or (lambda e: None)
    state = start_state(persona)
    line = pick_line(persona, "opening", state.mood, rng)
    opening = line.text
    intent = "opening"
    turns: list[Turn] = []
    loudness: list[float] = []  # the rep's own levels so far: the baseline for "raised voice"
    sid = store.start_session(persona, seed, model_name, input_mode) if store else None
    emit(Event("start", {"session_id": sid}))
    outcome = "turn_limit"
    completed = False
    try:
        for index in range(persona.outcomes.max_turns):
            emit(Event("persona_line", {"text": line.text, "intent": intent, "mood": state.mood}))
            if speak:
                speak(persona, line, intent)
            reaction = None
            for attempt in range(1, MAX_ATTEMPTS + 1):
                try:
                    reply = replies.next_reply(line.text)
                except NoMoreReplies:
                    break
                text, acoustics = _hear(reply, transcriber, measure, loudness, emit)
                score = score_reply(customer_context(opening, line.text), text, rubric,
                                    offer_phrases=offers, acoustics=acoustics)
                reaction = react(persona, state, score)
                audio_path = None
                if store is not None and keep_audio and reply.clip is not None:
                    audio_path = keep_recording(store, sid, f"turn-{index + 1}-{attempt}.wav", reply.clip, emit)
                turn = Turn(index=index + 1, persona_line=line.text, intent=intent, reply=text, score=score,
                            mood_before=state.mood, mood_after=reaction.state.mood, next_intent=reaction.intent,
                            attempt=attempt, audio_path=audio_path)
                turns.append(turn)
                if store is not None:
                    store.add_turn(sid, turn)
                emit(Event("turn", {"turn": turn, "reasons": reaction.reasons}))
                # A retry replays the same customer line; only the last attempt moves the persona.
                if attempt == MAX_ATTEMPTS or retry is None or not retry(turn):
                    break
                emit(Event("retry", {"turn": turn}))
            if reaction is None:
                outcome = "abandoned"
                break
            state = reaction.state
            intent = reaction.intent
            line = pick_line(persona, intent, state.mood, rng, avoid=line.text)
            if reaction.outcome:
                outcome = reaction.outcome
                break
        final_line, final_intent = "", ""
        if outcome in FINAL_INTENTS.values():
            final_line, final_intent = line.text, intent
            emit(Event("persona_line", {"text": line.text, "intent": intent, "mood": state.mood}))
            if speak:
                speak(persona, line, intent)
        completed = True
    except KeyboardInterrupt:  # Ctrl-C, and SIGTERM (the CLI raises a KeyboardInterrupt for it): "interrupted"
        outcome = "interrupted"
        raise
    finally:
        if store is not None:
            store.finish_session(sid, outcome if completed or outcome == "interrupted" else "abandoned", state.mood,
                                 final_line if completed else "", final_intent if completed else "")
    result = SessionResult(persona, outcome, turns, final_line, final_intent, sid, seed, model_name, input_mode or None)
    emit(Event("end", {"result": result}))
    return result


# --- reply sources ---------------------------------------------------------------------------------------------


class TypedReplies:
    """Replies typed at a prompt. `ask` is injected (the CLI passes a prompt function; EOF ends the session)."""

    def __init__(self, ask: Callable[[str], str | None]):
        self._ask = ask

    def next_reply(self, persona_line: str) -> Reply:
        text = self._ask(persona_line)
        if text is None:
            raise NoMoreReplies
        return Reply(text=text, source="typed")
