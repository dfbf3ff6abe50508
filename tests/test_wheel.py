"""A built wheel carries everything a user needs: the shipped personas, the rubric and the report templates.

Builds the wheel with `pip wheel --no-deps .`, installs it into a fresh virtual environment that borrows the
dependencies (not voicetrainer) from the test environment, and runs the console script from an empty folder.
"""

from __future__ import annotations

import site
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from tests.conftest import PERSONAS, ROOT

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp / "dist"), str(ROOT)],
                   check=True, capture_output=True)
    (wheel,) = (tmp / "dist").glob("voicetrainer-*.whl")
    env_dir = tmp / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    purelib = next((env_dir / "lib").glob("python3*/site-packages"))
    # The dependencies come from this interpreter's site-packages, added as plain path entries: a .pth line adds a
    # folder without running the .pth files inside it, so the editable install of the checkout stays out.
    (purelib / "deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(env_dir / "bin" / "python"), "install", "-q",
                    "--no-deps", str(wheel)], check=True, capture_output=True)
    return env_dir


def run(env_dir: Path, tmp_path: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    work = tmp_path / "empty"
    work.mkdir(exist_ok=True)
    return subprocess.run([str(env_dir / "bin" / "voicetrainer"), *args], cwd=work, input=stdin, text=True,
                          capture_output=True, env={"VOICETRAINER_HOME": str(tmp_path / "home"), "PATH": "/usr/bin"},
                          timeout=300)


def test_the_wheel_lists_every_shipped_persona(installed, tmp_path):
    out = run(installed, tmp_path, "persona", "list")
    assert out.returncode == 0, out.stderr
    listed = {line.split()[0] for line in out.stdout.splitlines() if line.strip()}
    assert listed == {p.stem for p in PERSONAS.glob("*.yaml")}


def test_the_wheel_runs_a_typed_practice_session_from_an_empty_folder(installed, tmp_path):
    out = run(installed, tmp_path, "practice", "--text", "--no-audio", "--seed", "1",
              stdin="I'm so sorry about the refund.\n")
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr
    code = "import voicetrainer, sys; print(voicetrainer.__file__)"
    where = subprocess.run([str(installed / "bin" / "python"), "-c", code], capture_output=True, text=True,
                           cwd=tmp_path).stdout
    assert str(installed) in where, where   # the wheel's package ran, not the checkout
