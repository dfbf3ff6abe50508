"""The trainer's tools for persona files: a skeleton to start from, `persona check` (errors and
the conversation checks), surgical YAML edits, sharing as one archive, and recording lines in the trainer's own
voice."""

from voicetrainer.authoring.archive import export_persona, import_archive
from voicetrainer.authoring.check import check_file
from voicetrainer.authoring.conversation_checks import Finding, conversation_warnings
from voicetrainer.authoring.paths import AUDIO_SUFFIXES, NAME_RE, RECORDINGS, check_name, recording_relpath
from voicetrainer.authoring.recording import (
    LineRef,
    RecordTarget,
    WavFileMicrophone,
    find_takes,
    import_dir,
    normalise,
    prepare_take,
    record_take,
    record_walk,
    save_line,
    select_lines,
    trim_silence,
    writable_persona_file,
)
from voicetrainer.authoring.skeleton import skeleton_text
from voicetrainer.authoring.yaml_edit import set_line_audio

__all__ = [
    "AUDIO_SUFFIXES", "NAME_RE", "RECORDINGS", "Finding", "LineRef", "RecordTarget",
    "WavFileMicrophone", "check_file", "check_name", "export_persona", "find_takes", "import_archive", "import_dir",
    "normalise", "prepare_take", "conversation_warnings", "record_take", "record_walk",
    "recording_relpath", "save_line", "select_lines", "set_line_audio", "skeleton_text", "trim_silence",
    "writable_persona_file",
]
