"""The practice loop: persona speaks → rep replies → transcribe → score → persona reacts, until the call ends.

Every stage is injected (reply source, transcriber, voice output, store), so this module imports no device or model
library; the same loop serves the microphone, typed replies and scripted replies. Each turn is saved as soon as it is
scored, so an interruption loses at most the turn in progress.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from voicetrainer.core.dialogue import FINAL_INTENTS, Reaction, context, opening, react, start_state
from voicetrainer.core.dialogue import speak as speak_line
from voicetrainer.core.feedback import adjust, statuses
from voicetrainer.core.hearing import Ear, Heard
from voicetrainer.core.memory import CallState
from voicetrainer.core.needs import Need
from voicetrainer.core.persona import Line, Persona
from voicetrainer.core.scorecard import Scorecard, build_scorecard
from voicetrainer.errors import VoiceTrainerError
from voicetrainer.ports import NoMoreReplies, ReplySource, Transcriber
from voicetrainer.scoring import Rubric, load_rubric, score_reply
from voicetrainer.scoring.passrules import rubric_hash
from voicetrainer.types import Acoustics, AudioClip, Reply, SessionRecord, Transcript, Turn, TurnRecord, TurnScore


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
    rep: str | None = None
    rubric_hash: str | None = None
    scorecard: Scorecard | None = None

    def record(self) -> SessionRecord:
        """The session as a `SessionRecord`: the shape every JSON output and the store share."""
        final_mood = self.turns[-1].mood_after if self.turns else self.persona.mood.start
        return SessionRecord(
            session_id=self.session_id, persona=self.persona.id, persona_name=self.persona.name,
            scenario=self.persona.scenario, scenario_type=self.persona.scenario_type, outcome=self.outcome,
            turns=tuple(self.turns), start_mood=self.persona.mood.start, final_mood=final_mood,
            final_line=self.final_line, final_intent=self.final_intent, seed=self.seed, model=self.model,
            input_mode=self.input_mode, rep=self.rep, rubric_hash=self.rubric_hash,
            scorecard=self.scorecard.to_dict() if self.scorecard else None)

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
    """What the rep should be restating: the customer's problem (opening) and its latest line (no facts known)."""
    return opening if last_line == opening else f"{opening} {last_line}"


def hear_reply(ear: Ear, state: CallState, persona: Persona, customer: str, text: str, rubric: Rubric,
               offers: tuple[str, ...], acoustics: Acoustics | None) -> tuple[TurnScore, Heard, Reaction]:
    """Score a reply against what the customer has said, hear it, and react.

    The scorer only knows the customer's lines; when it calls a restated value wrong that the persona knows to be
    true (a fact given earlier, a number in an offer: "one night" of "four nights"), the reply is scored again with
    that value in the customer's words, so a correct rep is not told it got the facts wrong.
    """
    score = score_reply(customer, text, rubric, offer_phrases=offers, acoustics=acoustics)
    cleared = [w for w in score.analysis.wrong_facts if ear.book.clears(w)]
    if cleared:
        said = " ".join(w.split(" (customer said ")[0] + "." for w in cleared)
        score = score_reply(f"{customer} {said}", text, rubric, offer_phrases=offers, acoustics=acoustics)
    heard = ear.hear(state, text, score)
    return score, heard, react(persona, state, heard)


def turn_record(before: CallState, reaction: Reaction, status: dict[str, str]) -> TurnRecord:
    h = reaction.heard
    st = reaction.state
    return TurnRecord(acts=h.acts, phase=st.phase.value, needs={n.value: st.needs.met(n) for n in Need},
                      needs_met=reaction.met, needs_undone=reaction.undone, mood_reasons=reaction.reasons,
                      progress=reaction.progress, stalled=reaction.stalled,
                      question={"kind": h.question, "fact": h.fact} if h.question else None,
                      next_intent=reaction.intent, status=status)


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
    rep: str | None = None,
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
        rep: who is practising (an email or account name), saved with the session with the rubric's content hash.

    Returns:
        The whole session. On Ctrl-C or a device error the turns so far are already saved and the error propagates;
        a session ended by Ctrl-C (or SIGTERM) is saved as "interrupted", one ended by an error as "abandoned".
    """
    rng = random.Random(seed)
    rubric = rubric or load_rubric(overrides=persona.rubric)
    ear = Ear(persona, rubric)
    offers = tuple(persona.solutions.accept_phrases) + tuple(persona.solutions.reject_phrases)
    emit = on_event or (lambda e: None)
    state = start_state(persona)
    line, state = opening(persona, state, rng, ear.book)
    opening_text = line.text
    intent = "opening"
    turns: list[Turn] = []
    loudness: list[float] = []  # the rep's own levels so far: the baseline for "raised voice"
    judged_by = rubric_hash(rubric.data)
    sid = store.start_session(persona, seed, model_name, input_mode, rep=rep,
                              rubric_hash=judged_by) if store else None
    emit(Event("start", {"session_id": sid}))
    outcome = "turn_limit"
    completed = False
    heard_last = None  # (line, state, intent, turn number, attempt) the last reply answered: a reply that continues
                       # it (barge-in recovery) is heard again, whole, against that line
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
                number, tries = index + 1, attempt
                if reply.continues and heard_last is not None:
                    # The rep had not finished: the persona's answer was cut off; the whole reply answers the line
                    # before, as one more attempt at it (the cut one stays on record).
                    line, state, intent, number, tries = heard_last[:4] + (heard_last[4] + 1,)
                text, acoustics = _hear(reply, transcriber, measure, loudness, emit)
                customer = context(opening_text, state, line.text, ear.book)
                score, heard, reaction = hear_reply(ear, state, persona, customer, text, rubric, offers, acoustics)
                status = statuses(state, reaction, score)
                score = adjust(score, persona, ear.book, reaction.state, reaction, status)
                audio_path = None
                if store is not None and keep_audio and reply.clip is not None:
                    audio_path = keep_recording(store, sid, f"turn-{number}-{tries}.wav", reply.clip, emit)
                turn = Turn(index=number, persona_line=line.text, intent=intent, reply=text, score=score,
                            mood_before=state.mood, mood_after=reaction.state.mood, next_intent=reaction.intent,
                            attempt=tries, audio_path=audio_path, call=turn_record(state, reaction, status))
                turns.append(turn)
                heard_last = (line, state, intent, number, tries)
                if store is not None:
                    store.add_turn(sid, turn)
                # spoken: the view shows what Whisper heard (live replies come transcribed: no "transcribing" event)
                emit(Event("turn", {"turn": turn, "reasons": reaction.reasons, "reaction": reaction,
                                    "spoken": reply.clip is not None}))
                # A retry replays the same customer line; only the last attempt moves the persona.
                if attempt == MAX_ATTEMPTS or retry is None or not retry(turn):
                    break
                emit(Event("retry", {"turn": turn}))
            if reaction is None:
                outcome = "abandoned"
                break
            intent = reaction.intent
            line, state = speak_line(persona, reaction, rng, ear.book)
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
        if not completed and outcome != "interrupted":
            outcome = "abandoned"
        card = build_scorecard(turns, outcome, persona.mood.start, persona.outcomes.resolved_at_or_below, state)
        if store is not None:
            store.finish_session(sid, outcome, state.mood, card.to_dict(), final_line if completed else "",
                                 final_intent if completed else "")
    result = SessionResult(persona, outcome, turns, final_line, final_intent, sid, seed, model_name, input_mode or None,
                           rep, judged_by, card)
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
