"""Errors a user can act on. Only cli.py turns them into a one-line message and an exit code."""


class VoiceTrainerError(Exception):
    """Base class: the message says what is wrong and what to do."""


class PersonaError(VoiceTrainerError):
    """A persona file is missing, unreadable or invalid."""


class RubricError(VoiceTrainerError):
    """A rubric file is unreadable or invalid."""


class AudioInputError(VoiceTrainerError):
    """An audio file is corrupt, empty or unreadable."""


class AudioDeviceError(VoiceTrainerError):
    """No usable microphone or speaker."""


class ModelUnavailableError(VoiceTrainerError):
    """The Whisper model cannot be loaded offline."""


class StoreError(VoiceTrainerError):
    """The session database cannot be read or written."""


class ConfigError(VoiceTrainerError):
    """A setting (`voicetrainer config`, --rep, an LRS option) is unknown or malformed."""


class LRSError(VoiceTrainerError):
    """The Learning Record Store cannot be reached, refuses the credentials, or rejects a statement."""
