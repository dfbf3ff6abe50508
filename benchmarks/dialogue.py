"""Measure what the conversation costs per turn: the engine alone, and a whole turn (scoring + engine).

    python benchmarks/dialogue.py            # a table: p50 / p95 milliseconds per turn
    python benchmarks/dialogue.py --json     # the same as one JSON object
    python benchmarks/dialogue.py --rounds 5 # more repetitions (default 3)

Every shipped persona's five reply scripts (personas/scripts/<id>.<kind>.txt) are replayed through the same steps
as `run_session`, each turn timed single-threaded:

- engine: hearing the scored reply (acts, facts, offers), reacting (needs, mood, intent) and composing the line;
- turn:   the scorer (`score_reply`, including a re-score when a wrong fact is cleared), feedback, and the engine.

The rubric and each persona are loaded once beforehand, as in a session. Figures are only meaningful on a quiet
machine; the live turn gap they must stay well under is in docs/latency.md.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from voicetrainer.core.dialogue import context, opening, react, speak, start_state  # noqa: E402
from voicetrainer.core.feedback import adjust, statuses  # noqa: E402
from voicetrainer.core.hearing import Ear  # noqa: E402
from voicetrainer.core.persona import load_persona  # noqa: E402
from voicetrainer.audio.scripted import ScriptedReplies  # noqa: E402
from voicetrainer.scoring import load_rubric, score_reply  # noqa: E402

PERSONAS = ROOT / "personas"
KINDS = ("good", "realistic", "polite", "bad", "questions")


def replay(persona, rubric, replies: list[str], seed: int, engine_ms: list[float], turn_ms: list[float]) -> None:
    """One scripted call, timing each turn's engine part and the whole turn."""
    ear = Ear(persona, rubric)
    offers = tuple(persona.solutions.accept_phrases) + tuple(persona.solutions.reject_phrases)
    rng = random.Random(seed)
    state = start_state(persona)
    line, state = opening(persona, state, rng, ear.book)
    first = line.text
    for text in replies:
        t0 = time.perf_counter()
        customer = context(first, state, line.text, ear.book)
        score = score_reply(customer, text, rubric, offer_phrases=offers)
        cleared = [w for w in score.analysis.wrong_facts if ear.book.clears(w)]
        if cleared:  # as session.hear_reply: scored again with the true value in the customer's words
            said = " ".join(w.split(" (customer said ")[0] + "." for w in cleared)
            score = score_reply(f"{customer} {said}", text, rubric, offer_phrases=offers)
        t1 = time.perf_counter()
        reaction = react(persona, state, ear.hear(state, text, score))
        adjust(score, persona, ear.book, reaction.state, reaction, statuses(state, reaction, score))
        line, state = speak(persona, reaction, rng, ear.book)
        t2 = time.perf_counter()
        engine_ms.append((t2 - t1) * 1000)
        turn_ms.append((t2 - t0) * 1000)
        if reaction.outcome:
            break


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if len(values) > 1 else values[0]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    ap.add_argument("--rounds", type=int, default=3, help="repetitions of every script (different seeds)")
    args = ap.parse_args()
    rubric = load_rubric()
    engine_ms: list[float] = []
    turn_ms: list[float] = []
    for f in sorted(PERSONAS.glob("*.yaml")):
        p = load_persona(f)
        for kind in KINDS:
            script = PERSONAS / "scripts" / f"{p.id}.{kind}.txt"
            if not script.is_file():
                continue
            replies = list(ScriptedReplies.from_file(script))
            for seed in range(args.rounds):
                replay(p, rubric, replies, seed, engine_ms, turn_ms)
    out = {"turns": len(turn_ms),
           "engine_ms": {"p50": round(pct(engine_ms, 50), 2), "p95": round(pct(engine_ms, 95), 2)},
           "turn_ms": {"p50": round(pct(turn_ms, 50), 2), "p95": round(pct(turn_ms, 95), 2)}}
    if args.json:
        print(json.dumps(out))
        return 0
    print(f"{out['turns']} turns over {len(list(PERSONAS.glob('*.yaml')))} personas x {len(KINDS)} scripts x "
          f"{args.rounds} seeds")
    print(f"{'':26}{'p50 ms':>10}{'p95 ms':>10}")
    print(f"{'engine (hear, react, say)':26}{out['engine_ms']['p50']:>10.2f}{out['engine_ms']['p95']:>10.2f}")
    print(f"{'whole turn (with scoring)':26}{out['turn_ms']['p50']:>10.2f}{out['turn_ms']['p95']:>10.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
