"""Statements per second sent to and read back from a local Ralph LRS, and the team report's time for 10,000.

    python benchmarks/sync.py [--sessions 5000] [--batch 50] [--endpoint URL --username U --password P]

Without --endpoint it starts a Ralph of its own in a temporary folder (scripts/lrs.sh; run `scripts/lrs.sh install`
once), so the LRS starts empty, and stops it at the end. Each session is two statements (completed, passed/failed),
so the default 5,000 sessions are 10,000 statements. The sessions are one real practice session's statements
varied (rep, persona, scores, times) and queued in a temporary store's outbox, so what is timed is `sync` (outbox →
LRS, `--batch` statements a POST), reading everything back page by page (`more` links, 100 a page, Ralph's most),
and `team report` (its reads, then the layout and the Jinja2 page), all in this one process.

Ralph's file-system backend reads its whole file for every POST (to find ids it has already) and for every page
it serves, so its rates fall as it fills: the figures are for the test LRS, not for Ralph on Elasticsearch, MongoDB
or ClickHouse (docs/team.md). Timings on a busy machine mean little.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def lrs_sh(*args: str) -> dict:
    out = subprocess.run(["bash", str(ROOT / "scripts" / "lrs.sh"), *args], check=True, capture_output=True,
                         text=True, timeout=180).stdout
    return dict(ln.removeprefix("export ").split("=", 1) for ln in out.splitlines() if "=" in ln)


def fill_outbox(store, sessions: int, seed: int = 7) -> int:
    """Queue `sessions` varied copies of one real session's statements; returns the number of statements."""
    from voicetrainer.core.persona import find_persona, persona_files
    from voicetrainer.audio.scripted import ScriptedReplies
    from voicetrainer.core.session import run_session
    from voicetrainer.scoring import load_rubric
    from voicetrainer.team.finish import finish_session
    from voicetrainer.team.outbox import app_version
    from voicetrainer.team.xapi import build_statements

    persona = find_persona("delayed-refund")
    script = (ROOT / "personas" / "scripts" / "delayed-refund.good.txt").read_text(encoding="utf-8").splitlines()
    rubric = load_rubric(overrides=persona.rubric)
    real = run_session(persona, ScriptedReplies(script), store=store, seed=1, rubric=rubric, rep="rep-01")
    finish_session(store, real.session_id, persona, rubric, homepage="https://voicetrainer.dev")
    template = store.session_json(real.session_id)
    with store.db:
        store.db.execute("DELETE FROM outbox")
    rng = random.Random(seed)
    personas = sorted(persona_files())
    reps = [f"rep-{i:02d}" if i % 2 else f"rep{i:02d}@example.com" for i in range(1, 21)]
    install, version, t0 = store.install_id(), app_version(), time.time() - sessions * 60
    rows = []
    for n in range(sessions):
        dims = {d: round(rng.uniform(0.2, 1.0), 4) for d in template["result"]["dimensions"]}
        score = sum(dims.values()) / len(dims)
        passed = score >= 0.6
        s = {**template, "id": 1000 + n, "rep": reps[n % len(reps)], "persona": personas[n % len(personas)],
             "persona_name": personas[n % len(personas)].replace("-", " ").title(),
             "started_at": t0 + n * 60, "ended_at": t0 + n * 60 + rng.uniform(60, 300),
             "result": {**template["result"], "score": score, "passed": passed, "dimensions": dims,
                        "failed_by": [] if passed else ["below_mark"],
                        "reasons": [] if passed else [f"score {score:.2f} is below the pass mark 0.60"]}}
        for st in build_statements(s, install_id=install, app_version=version):
            rows.append((st["id"], real.session_id, st["verb"]["display"]["en-US"], json.dumps(st, sort_keys=True),
                         s["ended_at"]))
    with store.db:
        store.db.executemany("INSERT INTO outbox (statement_id, session_id, verb, statement, created_at) "
                             "VALUES (?,?,?,?,?)", rows)
    return len(rows)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sessions", type=int, default=5000, help="sessions to send (two statements each)")
    ap.add_argument("--batch", type=int, default=50, help="statements per POST")
    ap.add_argument("--endpoint", default=os.environ.get("VOICETRAINER_BENCH_LRS"))
    ap.add_argument("--username", default=os.environ.get("VOICETRAINER_BENCH_LRS_USERNAME"))
    ap.add_argument("--password", default=os.environ.get("VOICETRAINER_BENCH_LRS_PASSWORD"))
    args = ap.parse_args(argv)
    from voicetrainer.store import Store
    from voicetrainer.team.lrs import LRSClient
    from voicetrainer.team.report import build_team, fetch_attempts, render_team
    from voicetrainer.team.sync import send_pending

    with tempfile.TemporaryDirectory(prefix="vt-bench-sync-") as tmp:
        own = None
        if not args.endpoint:
            own = Path(tmp) / "lrs"
            env = lrs_sh("start", str(own))
            args.endpoint = env["VOICETRAINER_TEST_LRS"]
            args.username = env["VOICETRAINER_TEST_LRS_USERNAME"]
            args.password = env["VOICETRAINER_TEST_LRS_PASSWORD"]
        try:
            store = Store(Path(tmp) / "home")
            n = fill_outbox(store, args.sessions)
            client = LRSClient(args.endpoint, args.username, args.password, timeout_s=120)
            print(f"LRS {args.endpoint}{' (started for this run, file-system backend)' if own else ''}; "
                  f"{args.sessions} sessions = {n} statements, {args.batch} a POST")

            t0 = time.perf_counter()
            report = send_pending(store, client, batch=args.batch)
            sent_s = time.perf_counter() - t0
            assert report.error is None and report.sent == n, report
            print(f"sync        {n:6d} statements in {sent_s:7.2f} s  = {n / sent_s:7.0f} statements/s")

            t0 = time.perf_counter()
            read = sum(1 for _ in client.statements(limit="100"))
            read_s = time.perf_counter() - t0
            print(f"read back   {read:6d} statements in {read_s:7.2f} s  = {read / read_s:7.0f} statements/s "
                  "(all verbs, 100 a page)")

            t0 = time.perf_counter()
            attempts, judged = fetch_attempts(client)
            fetch_s = time.perf_counter() - t0
            t1 = time.perf_counter()
            team = build_team(attempts)
            page = render_team(team, "benchmark")
            render_s = time.perf_counter() - t1
            print(f"team report {n:6d} statements in the LRS ({judged} judged read): {fetch_s + render_s:.2f} s "
                  f"(reading {fetch_s:.2f} s, layout and page {render_s:.3f} s; {len(team.reps)} reps × "
                  f"{len(team.personas)} customers, {len(page) / 1e3:.0f} kB)")

            many = (attempts * (10_000 // max(1, len(attempts)) + 1))[:10_000]
            t0 = time.perf_counter()
            render_team(build_team(many), "benchmark")
            print(f"layout and page alone for 10000 judged calls: {time.perf_counter() - t0:.3f} s")
        finally:
            if own is not None:
                lrs_sh("stop", str(own))
    return 0


if __name__ == "__main__":
    sys.exit(main())
