"""`voicetrainer practice`: a conversation with a persona, answered out loud, typed or scripted.

Parses the options, builds the real stages (microphone, speech recognition, the persona's voice, the speaker or WAV
files), runs `core.session.run_session` and prints; the conversation itself is the core's.
"""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path

import click

from voicetrainer.cli.common import (
    SEED,
    allow_download_option,
    data_dir_option,
    handle_errors,
    open_store,
    writable_dir,
)
from voicetrainer.errors import VoiceTrainerError
from voicetrainer.ports import ReplySource

DEFAULT_PERSONA = "delayed-refund"
AUDIO_LOG = Path("logs") / "audio.log"   # in the data folder: what ALSA / PortAudio / JACK print from C


class NoReplyAfter(click.ParamType):
    """--no-reply-after: seconds (> 0), or `off`. None stands for off."""

    name = "SECONDS|off"

    def convert(self, value, param, ctx):
        if value is None or isinstance(value, float):
            return value
        text = str(value).strip().lower()
        if text in ("off", "never", "none"):
            return None
        try:
            seconds = float(text.removesuffix("s"))
        except ValueError:
            seconds = -1.0
        if not 0 < seconds <= 3600:
            self.fail(f"expected seconds between 0 and 3600 (e.g. 8 or 15) or off, not {value!r}", param, ctx)
        return seconds


@click.command()
@click.argument("persona", default=DEFAULT_PERSONA)
@click.option("--mic", "mode", flag_value="mic", help="Answer out loud (default when a microphone exists).")
@click.option("--text", "mode", flag_value="text", help="Type each reply.")
@click.option("--replies", type=click.Path(dir_okay=False, path_type=Path),
              help="Non-interactive: each line is a reply, or a path to a WAV file to transcribe.")
@click.option("--seed", type=SEED, default=None, help="Fix the persona's choices of lines.")
@click.option("--no-audio", is_flag=True, help="Write the persona's speech to WAV files instead of playing it.")
@click.option("--audio-out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for --no-audio WAV files (default: the session's own folder in the data folder).")
@click.option("--json", "as_json", is_flag=True, help="Print the whole session as one JSON object on stdout.")
@click.option("--model", default=None, envvar="VOICETRAINER_MODEL",
              help="Whisper model: tiny.en (bundled, default), base (if installed) or a local model folder.")
@click.option("--input-device", default=None, help="Microphone name or number (see --list-devices).")
@click.option("--output-device", default=None, help="Speaker name or number (see --list-devices).")
@click.option("--list-devices", is_flag=True, help="List audio devices and exit.")
@click.option("--no-reply-after", type=NoReplyAfter(), default="8", metavar="SECONDS|off",
              help="Spoken replies: after this many seconds of silence from the end of the customer's line, the "
                   "customer asks if you are still there (default 8; `off` waits for ever).")
@click.option("--no-barge-in", is_flag=True,
              help="Don't stop the customer when you talk over it (the microphone is ignored while it speaks).")
@click.option("--retry/--no-retry", default=None,
              help="Offer to retry a weak turn (default: when typing or speaking at a terminal).")
@click.option("--no-keep-audio", is_flag=True, help="Don't keep the recordings of your replies.")
@click.option("--quiet", "-q", is_flag=True, help="No live view; print only the result.")
@click.option("--verbose", "-v", is_flag=True,
              help="At the end, say where messages from the audio libraries (ALSA, PortAudio) were logged.")
@click.option("--rep", default=None, envvar="VOICETRAINER_REP", metavar="ID",
              help="Who is practising: an email address or account name (env VOICETRAINER_REP; default: "
                   "`voicetrainer config set rep ID`). Sessions with a rep are sent by `voicetrainer sync`.")
@allow_download_option()
@data_dir_option()
@handle_errors
def practice(persona, mode, replies, seed, no_audio, audio_out, as_json, model, input_device, output_device,
             list_devices, no_reply_after, no_barge_in, retry, no_keep_audio, quiet, verbose, rep, allow_download,
             data_dir):
    """Practise a conversation with PERSONA (a name from `persona list` or a path to a persona file).

    Messages the audio libraries print (ALSA underruns, PortAudio probes) go to logs/audio.log in the data folder,
    not into the view; --verbose says where at the end.
    """
    from voicetrainer.audio.native_log import NativeStderrLog
    from voicetrainer.cli.common import data_folder

    # From before PortAudio starts (its probes print) until every stream is closed.
    audio_log = NativeStderrLog(data_folder(data_dir) / AUDIO_LOG)
    try:
        with audio_log:
            _practice(persona, mode, replies, seed, no_audio, audio_out, as_json, model, input_device, output_device,
                      list_devices, no_reply_after, no_barge_in, retry, no_keep_audio, quiet, rep, allow_download,
                      data_dir)
    finally:
        if verbose:  # also after Ctrl-C or an error: that is when the log is wanted
            click.echo(audio_log.summary(), err=True)


def _practice(persona, mode, replies, seed, no_audio, audio_out, as_json, model, input_device, output_device,
              list_devices, no_reply_after, no_barge_in, retry, no_keep_audio, quiet, rep, allow_download, data_dir):
    from voicetrainer import config
    from voicetrainer.audio import devices
    from voicetrainer.audio.files import write_wav
    from voicetrainer.audio.scripted import ScriptedReplies
    from voicetrainer.cli.common import find_persona
    from voicetrainer.cli.signals import Checked, checkpoint, deferred, deferred_pieces
    from voicetrainer.cli.view import LiveView
    from voicetrainer.core.session import TypedReplies, run_session
    from voicetrainer.scoring import load_rubric

    if list_devices:
        click.echo(devices.list_devices())
        return
    store = open_store(data_dir)
    p = find_persona(persona, store.data_dir)
    rubric = load_rubric(config.rubric_path(), p.rubric)
    # Team (voicetrainer/team): who practises; the rubric's hash and pass mark go with the session.
    from voicetrainer.cli.team import practice_end, practice_rep

    rep = practice_rep(rep, store.data_dir)
    view = LiveView(quiet=quiet or as_json, stream=sys.stderr if as_json else sys.stdout)
    say = view.note

    # Where replies come from.
    transcriber = None
    source: ReplySource | None
    if replies is not None:
        scripted = ScriptedReplies.from_file(replies)
        source = scripted
        input_mode = "replies"
        needs_model = any(ln.lower().endswith(ScriptedReplies.AUDIO_SUFFIXES) for ln in scripted)
    else:
        if mode is None:
            problem = devices.check_input(input_device)
            mode = "mic" if problem is None else "text"
            if problem:
                say(f"No microphone: {problem}. Type your replies instead (--text).")
        elif mode == "mic":
            problem = devices.check_input(input_device)
            if problem:
                raise VoiceTrainerError(f"{problem}; plug one in, pick one with --input-device, or use --text")
        input_mode = mode
        needs_model = mode == "mic"
        source = TypedReplies(view.ask) if mode == "text" else None
    if needs_model:
        with view.status(f"Loading speech recognition ({model or 'tiny.en'})…"):
            from voicetrainer.speech.stt import FasterWhisperTranscriber

            transcriber = Checked(FasterWhisperTranscriber(model, allow_download=allow_download))

    # Where the persona's voice goes.
    from voicetrainer.speech.tts import PersonaVoice

    voice = PersonaVoice()
    player = None if no_audio else devices.open_player(output_device, say)
    no_audio = player is None
    out_dir = writable_dir(audio_out, "--audio-out") if no_audio and audio_out is not None else None
    counter = iter(range(1, 10_000))
    session_ids: list[int] = []
    said: list[tuple] = []   # the customer's last line (persona, line, intent): a spoken retry hears it again

    def on_event(e):
        if e.kind == "start":  # the customer's lines go in the session's own folder (sessions may run at once)
            session_ids.append(e.data["session_id"])
        view.event(e)
        if e.kind == "retry" and input_mode == "mic" and player is not None and said:
            # The customer says its line again after the tips: the rep reads them while it plays, and the wait
            # for a reply (--no-reply-after) counts from the end of the line, as on every turn.
            speak(*said[-1])

    def speak(persona_, line, intent):
        nonlocal out_dir
        said[:] = [(persona_, line, intent)]
        checkpoint()
        if player is None:
            if out_dir is None:
                out_dir = store.audio_dir(session_ids[-1]) / "customer"
            # Ctrl-C during synthesis waits for it to return (see cli/signals.py), and for the line's WAV to be
            # written, so the session's folder has every line the rep heard (write_wav itself is never half-done)
            with deferred():
                clip = voice.render(persona_, line)
                write_wav(out_dir / f"{next(counter):02d}-{intent}.wav", clip)
        elif input_mode == "mic":
            # Returns once the first sentence is queued: the mic listens while the customer speaks (barge-in).
            player.start(deferred_pieces(voice.stream(persona_, line)))
        else:
            player.play(deferred_pieces(voice.stream(persona_, line)))
        checkpoint()  # a Ctrl-C swallowed by the synthesiser's C callback ends the session here

    def measure(clip, transcript, baseline_db):
        from voicetrainer.audio.acoustics import measure as measure_acoustics

        return measure_acoustics(clip, transcript.words, baseline_db)

    # The microphone, its listener and the speaker close in reverse order whatever fails (a model that does not
    # load must reach the rep as its own one-line error, not as a failure to close what never opened).
    with contextlib.ExitStack() as stack:
        if player is not None:
            stack.callback(player.close)
        if input_mode == "mic":
            from voicetrainer.audio.listening import MicReplies
            from voicetrainer.audio.turn import load_smart_turn
            from voicetrainer.audio.vad import SileroSpeechProb

            mic = stack.enter_context(devices.SoundDeviceMicrophone(input_device))
            # Smart Turn's vote on the end of a turn when pipecat-ai is installed; else the text alone (one log line)
            listening = MicReplies(mic, SileroSpeechProb(), transcriber=transcriber, player=player,
                                   barge_in=not no_barge_in, on_level=view.level, vote=load_smart_turn(),
                                   no_reply_s=no_reply_after)
            source = listening
            stack.callback(listening.close)
        view.intro(p)
        # Retrying a turn is for a rep at the keyboard who can see the tip: not for scripts, piped input, --json
        # or --quiet (piped replies would be eaten by the retry prompt).
        interactive = input_mode in ("text", "mic") and not view.quiet
        offer = interactive and (sys.stdin.isatty() if retry is None else retry)
        retry = view.offer_retry if offer else None
        result = run_session(p, Checked(source), transcriber=transcriber, speak=speak, store=store, seed=seed,
                             rubric=rubric, measure=measure, keep_audio=not no_keep_audio, on_event=on_event,
                             retry=retry, model_name=getattr(transcriber, "name", None), input_mode=input_mode,
                             rep=rep)
    verdict = practice_end(store, result, p, rubric)  # judged, stored, queued for `voicetrainer sync`
    if as_json:
        click.echo(json.dumps({**result.to_dict(), "rep": rep, "result": verdict.to_dict()}, ensure_ascii=False))
    else:
        view.summary(result, verdict)  # the outcome, the call scorecard and the pass result
        if out_dir is not None:
            say(f"The customer's lines are in {out_dir}")
