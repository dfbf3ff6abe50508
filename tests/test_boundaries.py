"""The layer rules of docs/architecture.md that the import contract (`lint-imports`) cannot see.

- Importing the core, the store or the CLI loads no device or model library (heavy imports happen inside adapters).
- No module but `voicetrainer/config.py` reads the environment.
"""

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "voicetrainer"
LIGHT = ["voicetrainer.types", "voicetrainer.ports", "voicetrainer.core.persona", "voicetrainer.scoring",
         "voicetrainer.core.dialogue", "voicetrainer.core.session", "voicetrainer.store", "voicetrainer.cli.main",
         "voicetrainer.audio", "voicetrainer.speech"]
HEAVY = ["sounddevice", "pyttsx3", "faster_whisper", "ctranslate2", "onnxruntime"]


def test_core_store_and_cli_import_no_device_or_model_library():
    code = (f"import sys\nfor m in {LIGHT!r}: __import__(m)\n"
            f"print([m for m in {HEAVY!r} if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def environment_reads(source: str) -> list[int]:
    """Lines that read the environment: os.environ, os.getenv, os.putenv (attribute use or a from-import)."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv", "putenv", "environb"):
            lines.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.module == "os" and any(
                a.name in ("environ", "getenv", "putenv") for a in node.names):
            lines.append(node.lineno)
    return lines


def test_only_config_reads_the_environment():
    found = {str(p.relative_to(PACKAGE)): environment_reads(p.read_text(encoding="utf-8"))
             for p in sorted(PACKAGE.rglob("*.py")) if p.name != "config.py" or p.parent != PACKAGE}
    assert {k: v for k, v in found.items() if v} == {}


def test_the_environment_check_sees_a_read():
    assert environment_reads("import os\nx = os.environ.get('A')\n") == [2]
    assert environment_reads("from os import getenv\n") == [1]
