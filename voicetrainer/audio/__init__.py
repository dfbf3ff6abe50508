"""Audio at the edges: files, devices, the echo gate, voice-activity detection, listening, acoustics.

Importing this package loads no device or model library: sounddevice, onnxruntime and soundfile are imported
inside the functions and constructors that need them.
"""

from voicetrainer.audio.acoustics import measure
from voicetrainer.audio.devices import (
    SoundDeviceMicrophone,
    SoundDevicePlayer,
    check_input,
    check_output,
    list_devices,
    open_player,
)
from voicetrainer.audio.echo import EchoCanceller, EchoGate
from voicetrainer.audio.files import read_audio, resample, write_wav
from voicetrainer.audio.listening import MicReplies, ReplyStats
from voicetrainer.audio.vad import (
    FRAME,
    SileroSpeechProb,
    SpeechProb,
    TurnDetector,
    TurnEvent,
    TurnParams,
    ending_verdict,
    energy_speech_prob,
)

__all__ = [
    "FRAME", "EchoCanceller", "EchoGate", "MicReplies", "ReplyStats", "SileroSpeechProb", "SoundDeviceMicrophone",
    "SoundDevicePlayer", "SpeechProb", "TurnDetector", "TurnEvent", "TurnParams", "check_input", "check_output",
    "ending_verdict", "energy_speech_prob", "list_devices", "measure", "open_player", "read_audio", "resample",
    "write_wav",
]
