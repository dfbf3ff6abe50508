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


# --- robustness (docs/robustness.md): what went wrong with the store, an input or an output, said precisely --------


class StoreLockedError(StoreError):
    """Another process holds the session database's write lock past the busy timeout and the retries."""


class StoreFullError(StoreError):
    """The disk (or quota) holding the session database is full."""


class StoreReadOnlyError(StoreError):
    """The session database or its folder cannot be written (read-only media or permissions)."""


class StoreCorruptError(StoreError):
    """The session database file is damaged; `voicetrainer sessions repair` recovers what can be read."""


class InputError(VoiceTrainerError):
    """A replies file, a score line or a command-line value is malformed, not UTF-8 or over a limit."""


class OutputError(VoiceTrainerError):
    """A file or folder the user asked us to write (--out, --audio-out) cannot be written."""
