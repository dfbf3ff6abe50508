"""The core never loads device or model libraries: only the edge modules may (see docs/architecture.md)."""

import subprocess
import sys

CORE = ["voicetrainer.types", "voicetrainer.core.persona", "voicetrainer.scoring", "voicetrainer.core.dialogue",
        "voicetrainer.core.session", "voicetrainer.store", "voicetrainer.cli.main"]
HEAVY = ["sounddevice", "pyttsx3", "faster_whisper", "ctranslate2", "onnxruntime"]


def test_core_imports_no_device_or_model_library():
    code = (f"import sys\nfor m in {CORE!r}: __import__(m)\n"
            f"print([m for m in {HEAVY!r} if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
