"""Worst-case time and memory of the hostile inputs of issue 12, per input class, under the caps of limits.py.

    python benchmarks/robustness.py            # a table of every input, then the worst case per class
    python benchmarks/robustness.py --json     # the same as one JSON object

Each input runs the real CLI in a fresh process (its own data folder); wall time and the process's peak resident
memory (ru_maxrss from wait4) are measured, so a model load or an import counts as the user would feel it. The
inputs are the ones that once hung or exhausted memory (a 1 Hz header, /dev/zero, a 10-minute WAV, a 5 MB line, a
1 MB reply, a JSON line 100,000 deep) and the largest inputs still accepted (a 2-minute reply transcribed, a
4,000-character reply without punctuation scored). Run it on an idle machine for figures worth quoting.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.hostile import AUDIO_MAKERS, long_wav, nested_json, tone, wav_bytes  # noqa: E402

CUSTOMER = "I returned the headphones three weeks ago and I still haven't got my eighty nine dollars."
PERSONA = (ROOT / "personas" / "delayed-refund.yaml").read_text()


def inputs(tmp: Path) -> list[tuple[str, str, list[str]]]:
    """(class, input, CLI arguments) for every measured case; files are made in `tmp`."""
    def put(name: str, data: bytes | str) -> Path:
        p = tmp / name
        p.write_bytes(data if isinstance(data, bytes) else data.encode())
        return p

    def score(name: str, *objs: dict | str) -> list[str]:
        text = "".join((o if isinstance(o, str) else json.dumps(o)) + "\n" for o in objs)
        return ["score", str(put(name, text))]

    def practice(name: str, text: str) -> list[str]:
        return ["practice", "delayed-refund", "--replies", str(put(name, text)), "--no-audio", "--quiet"]

    out = []
    for label, (make, _) in AUDIO_MAKERS.items():
        if label in ("1 Hz header", "200 channels", "10 MHz header"):
            wav = put(label.replace(" ", "_") + ".wav", make())
            out.append(("audio", label, score(f"a-{len(out)}.jsonl", {"customer": CUSTOMER, "audio": str(wav)})))
    ten = long_wav(tmp / "ten-minutes.wav", 600)
    out.append(("audio", "10-minute WAV (refused)", score("ten.jsonl", {"customer": CUSTOMER, "audio": str(ten)})))
    two = long_wav(tmp / "two-minutes-48k.wav", 120, rate=48_000)
    out.append(("audio", "2-minute 48 kHz WAV, transcribed (largest accepted)",
                score("two.jsonl", {"customer": CUSTOMER, "audio": str(two)})))
    short = put("reply.wav", wav_bytes(tone(3.0)))
    out.append(("audio", "3 s WAV, transcribed (baseline)", score("short.jsonl", {"customer": CUSTOMER,
                                                                                 "audio": str(short)})))
    out += [
        ("replies", "/dev/zero as the replies file", ["practice", "--replies", "/dev/zero", "--no-audio", "--quiet"]),
        ("replies", "a 5 MB line", practice("five.txt", "a" * (5 * 2**20))),
        ("replies", "a 1 MB reply without punctuation", practice("mb.txt", "refund " * 150_000)),
        ("replies", "4,000-character replies x 8 (largest accepted)",
         practice("max.txt", ("sorry I will refund " * 200)[:4000] + "\n" * 1 + (("okay " * 800)[:4000] + "\n") * 7)),
        ("score", "/dev/zero as the input", ["score", "/dev/zero"]),
        ("score", "a line nested 100,000 deep", score("deep.jsonl", "[" * 100_000 + "]" * 100_000)),
        ("score", "a 5 MB line", score("big.jsonl", {"customer": "x", "reply": "a" * 5 * 2**20})),
        ("score", "a 4,000-character reply without punctuation (largest accepted)",
         score("long.jsonl", {"customer": CUSTOMER, "reply": ("refund the money today " * 200)[:4000]})),
        ("score", "1,000 lines of 4,000 characters",
         score("many.jsonl", *[{"customer": CUSTOMER, "reply": ("I am so sorry, I will refund it " * 130)[:4000]}]
               * 1000)),
        ("score", "a 64 KB line nested 32 deep (largest accepted)", score("n32.jsonl", nested_json(32))),
    ]
    bomb = "".join(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10 if i else ["x"] * 10) + "]\n" for i in range(9))
    for label, text in (("alias bomb (10^9 values)", bomb + PERSONA), ("nested 100,000 deep", "x: " + "[" * 100_000
                        + "]" * 100_000), ("a 1 MB file", PERSONA + "#" * (2**20 - len(PERSONA) - 10))):
        out.append(("persona", label, ["persona", "check", str(put(f"p{len(out)}.yaml", text))]))
    import gzip
    import tarfile

    big = tarfile.TarInfo("recordings/x/a.wav")
    big.size = 600 * 2**20
    small = tarfile.TarInfo("manifest.json")
    small.size = 2
    with gzip.open(tmp / "huge.tar.gz", "wb") as f:
        f.write(small.tobuf() + b"{}".ljust(512, b"\0") + big.tobuf() + b"\0" * 4096)
    out.append(("archive", "a member claiming 600 MB", ["persona", "import", str(tmp / "huge.tar.gz")]))
    put("corrupt.db", os.urandom(1 << 20))
    out.append(("store", "1 MB of random bytes as sessions.db", ["sessions", "list", "--data-dir", "@corrupt"]))
    out.append(("cli", "--seed 2**70", ["practice", "--replies", str(put("r.txt", "Okay.\n")), "--seed", str(2**70)]))
    out.append(("text", "escape codes in a replies file", practice("esc.txt", "Sorry \x1b[2J\x1b]0;x\x07\n")))
    return out


def measure(args: list[str], home: Path) -> tuple[int, float, float]:
    """(exit code, seconds, peak resident MB) of one CLI run in a fresh process."""
    if "@corrupt" in args:
        home.mkdir(parents=True, exist_ok=True)
        (home / "sessions.db").write_bytes((home.parent / "corrupt.db").read_bytes())
        args = [a if a != "@corrupt" else str(home) for a in args]
    env = dict(os.environ, VOICETRAINER_HOME=str(home))
    start = time.perf_counter()
    p = subprocess.Popen([sys.executable, "-m", "voicetrainer.cli.main", *args], cwd=ROOT, env=env,
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(p.pid, 0)
    seconds = time.perf_counter() - start
    return os.waitstatus_to_exitcode(status), seconds, usage.ru_maxrss / 1024  # Linux: KB


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="vt-robustness-") as tmp:
        tmp_path = Path(tmp)
        for n, (cls, label, args) in enumerate(inputs(tmp_path)):
            code, s, mb = measure(args, tmp_path / f"home-{n}")
            rows.append({"class": cls, "input": label, "exit": code, "seconds": round(s, 2), "peak_mb": round(mb)})
            if not a.json:
                print(f"{cls:8} {label:62} exit {code:>3}  {s:7.2f} s  {mb:6.0f} MB", flush=True)
    worst = {}
    for r in rows:
        w = worst.setdefault(r["class"], {"seconds": r, "peak_mb": r})
        if r["seconds"] > w["seconds"]["seconds"]:
            w["seconds"] = r
        if r["peak_mb"] > w["peak_mb"]["peak_mb"]:
            w["peak_mb"] = r
    if a.json:
        print(json.dumps({"inputs": rows, "worst": worst}, indent=2))
        return
    print("\nworst case per class (time; memory):")
    for cls, w in worst.items():
        print(f"  {cls:8} {w['seconds']['seconds']:7.2f} s ({w['seconds']['input']});  "
              f"{w['peak_mb']['peak_mb']:5} MB ({w['peak_mb']['input']})")


if __name__ == "__main__":
    main()
