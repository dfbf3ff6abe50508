"""`voicetrainer voices`: the text-to-speech voices installed on this machine."""

from __future__ import annotations

import click

from voicetrainer.cli.common import handle_errors


@click.command()
@handle_errors
def voices():
    """List the text-to-speech voices installed on this machine (for a persona's voice.voice_id)."""
    from voicetrainer.speech.tts import Pyttsx3Synthesizer

    for vid, name in Pyttsx3Synthesizer().voices():
        click.echo(f"{vid}\t{name}")
