"""Progress over sessions (pure maths on hand-made sessions, then real sessions through the CLI) and the export."""

from __future__ import annotations

import csv
import html
import io
import json
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from voicetrainer.cli.main import main
from voicetrainer.core.progress import (EXPORT_FIELDS, STEP_LABELS, bar, call_steps, compute_progress, first_attempts,
                                        pass_record, session_point, sparkline, turn_rows)
from voicetrainer.store import Store
from voicetrainer.types import DIMENSIONS

from .conftest import PERSONAS


def turn(index, scores, attempt=1, tip="do better"):
    return {"index": index, "attempt": attempt, "persona_line": "Where is my refund?", "intent": "opening",
            "reply": "ok", "mood_before": 70.0, "mood_after": 60.0,
            "scores": {d: {"score": s, "hit": s >= 0.5, "evidence": [], "tip": "" if s >= 0.5 else f"{d}: {tip}"}
                       for d, s in zip(DIMENSIONS, scores)}}


def session(sid, scenario, turns, outcome="resolved"):
    return {"session_id": sid, "persona": scenario.replace("_", "-"), "persona_name": "P", "scenario_type": scenario,
            "outcome": outcome, "started_at": 1_700_000_000 + sid * 60, "input_mode": "text", "turns": turns}


def with_status(t, statuses):
    for d, st in zip(DIMENSIONS, statuses):
        t["scores"][d]["status"] = st
    return t


def card(steps, calmed_at, outcome="resolved"):
    return {"steps": {k: steps.get(k) for k in STEP_LABELS}, "calmed_at": calmed_at, "turns_until_calm": calmed_at,
            "outcome": outcome, "turns": 5, "start_mood": 70.0, "final_mood": 20.0, "needs": {}, "calm_lost_at": [],
            "stalled_turns": 0, "offers_accepted": [], "offers_rejected": []}


def result(passed, failed_by=(), score=0.6):
    return {"passed": passed, "score": score, "mark": 0.5, "blockers": ["calm_lost"], "failed_by": list(failed_by),
            "reasons": [f"because {c}" for c in failed_by] or ["score reaches the pass mark"], "dimensions": {}}


def test_first_attempts_ignore_coached_retries():
    turns = [turn(1, [0, 0, 0, 0]), turn(1, [1, 1, 1, 1], attempt=2), turn(2, [1, 0, 1, 0])]
    assert [(t["index"], t["attempt"]) for t in first_attempts(turns)] == [(1, 1), (2, 1)]
    p = session_point(session(1, "delayed_refund", turns))
    assert p.scores == {"calm": 0.5, "empathy": 0.0, "paraphrase": 0.5, "solution": 0.0}
    assert p.hits["calm"] == 0.5 and p.turns == 2


def test_compute_progress_trends_best_and_weakest():
    sessions = [
        session(1, "delayed_refund", [turn(1, [0.2, 0.0, 0.4, 0.0])]),
        session(2, "wrong_item", [turn(1, [0.6, 0.2, 0.5, 0.1])]),
        session(3, "delayed_refund", [turn(1, [1.0, 0.6, 0.5, 0.2], tip="offer the refund today")]),
        session(4, "delayed_refund", []),  # no scored turn: skipped
    ]
    p = compute_progress(sessions)
    assert [s.session_id for s in p.sessions] == [1, 2, 3]
    calm = p.dimensions[0]
    assert calm.name == "calm" and calm.values == (0.2, 0.6, 1.0) and calm.change == pytest.approx(0.8)
    assert [t.name for t in p.scenarios] == ["delayed_refund", "wrong_item"]
    refund = p.scenarios[0]
    assert refund.values == pytest.approx((0.15, 0.575)) and refund.session_ids == (1, 3)
    assert p.scenario_dimensions["wrong_item"] == pytest.approx({"calm": 0.6, "empathy": 0.2, "paraphrase": 0.5,
                                                                 "solution": 0.1})
    assert [s.name for s in p.skills] == ["calm", "paraphrase", "empathy", "solution"]
    assert p.best.name == "calm" and p.weakest.name == "solution"
    assert p.weakest.latest_tip == "solution: offer the refund today"  # the newest missed tip
    assert p.weakest.recent_mean == pytest.approx(0.1)


def test_a_dimension_counts_only_in_the_turns_it_was_due():
    """not_due is neither a hit nor a miss: it leaves the mean and the hit rate; a rejected offer is a miss; a turn
    saved before statuses counts by its hit."""
    turns = [with_status(turn(1, [1.0, 0.8, 0.0, 0.2]), ["hit", "hit", "not_due", "not_due"]),
             with_status(turn(2, [1.0, 0.0, 1.0, 0.9]), ["hit", "not_due", "hit", "rejected"]),
             with_status(turn(3, [1.0, 0.0, 0.0, 1.0]), ["hit", "not_due", "not_due", "hit"])]
    p = session_point(session(1, "delayed_refund", turns))
    assert p.scores == pytest.approx({"calm": 1.0, "empathy": 0.8, "paraphrase": 1.0, "solution": 0.95})
    assert p.hits == {"calm": 1.0, "empathy": 1.0, "paraphrase": 1.0, "solution": 0.5}
    old = session_point(session(2, "x", [turn(1, [1.0, 0.0, 0.0, 0.2])]))  # no statuses: every turn counts
    assert old.scores["empathy"] == 0.0 and old.hits["empathy"] == 0.0
    never = session_point(session(3, "x", [with_status(turn(1, [1.0, 0.6, 0.0, 0.0]),
                                                       ["hit", "hit", "not_due", "not_due"])]))
    assert set(never.scores) == {"calm", "empathy"}  # never due in that call: no score, not a zero


def test_the_tip_to_work_on_names_the_scenario_it_came_from():
    sessions = [session(1, "delayed_refund", [turn(1, [1.0, 0.0, 1.0, 1.0], tip="say sorry about the refund")]),
                session(2, "wrong_item", [with_status(turn(1, [1.0, 0.2, 1.0, 1.0], tip="not this one"),
                                                      ["hit", "not_due", "hit", "hit"])])]
    p = compute_progress(sessions)
    assert p.weakest.name == "empathy"
    # session 2's empathy was not due (its tip was never shown as a miss), so the tip is session 1's, and says so
    assert (p.weakest.tip.text, p.weakest.tip.session_id, p.weakest.tip.scenario_type, p.weakest.tip.persona) == (
        "empathy: say sorry about the refund", 1, "delayed_refund", "delayed-refund")


def test_call_steps_over_finished_calls():
    sessions = [{**session(1, "x", []), "scorecard": card({"acknowledged": 1, "restated": 2, "closed": 4}, 3)},
                {**session(2, "x", []), "scorecard": card({"acknowledged": 2, "restated": 4}, None, "escalated")},
                {**session(3, "x", []), "scorecard": card({"acknowledged": 1, "offered_accepted_remedy": 3}, 4)},
                {**session(4, "x", [], outcome="abandoned"), "scorecard": card({}, None, "abandoned")},
                session(5, "x", [])]  # saved before scorecards
    c = call_steps(sessions)
    assert c.calls == 3 and c.calmed == 2 and c.median_turns_until_calm == 3.5
    rates = {st.name: (st.happened, st.calls, st.median_turn) for st in c.steps}
    assert [st.name for st in c.steps] == list(STEP_LABELS)
    assert rates["acknowledged"] == (3, 3, 1) and rates["restated"] == (2, 3, 3) and rates["verified"] == (0, 3, None)
    assert rates["offered_accepted_remedy"] == (1, 3, 3) and rates["closed"] == (1, 3, 4)
    assert c.outcomes == {"resolved": 2, "escalated": 1}
    assert call_steps([session(1, "x", [])]) is None


def test_pass_record_counts_causes_and_keeps_the_latest_result():
    sessions = [{**session(1, "a", []), "result": result(False, ["below_mark", "calm_lost"], 0.3)},
                {**session(2, "b", []), "result": result(True)},
                {**session(3, "a", []), "result": result(False, ["calm_lost"], 0.7)},
                {**session(4, "a", [], outcome="abandoned"), "result": result(False, ["not_finished"])}]
    r = pass_record(sessions)
    assert (r.judged, r.passed) == (3, 1)
    assert r.causes == (("calm_lost", 2), ("below_mark", 1))
    assert r.latest["session_id"] == 3 and r.latest["scenario_type"] == "a" and r.latest["score"] == 0.7
    assert pass_record([session(1, "x", [])]) is None


def test_recent_window_ranks_the_skills():
    old = [session(i, "x", [turn(1, [1.0, 0.0, 0.5, 0.5])]) for i in range(1, 6)]
    new = [session(i, "x", [turn(1, [0.0, 1.0, 0.5, 0.5])]) for i in range(6, 9)]
    p = compute_progress(old + new, recent=3)
    assert p.best.name == "empathy" and p.weakest.name == "calm" and p.best.sessions == 3


def test_change_needs_two_sessions_and_windows_do_not_overlap():
    p = compute_progress([session(1, "x", [turn(1, [0.5] * 4)])])
    assert p.dimensions[0].change is None
    vals = [0.0, 0.2, 0.4, 0.6, 0.8, 1.0, 1.0]
    p = compute_progress([session(i, "x", [turn(1, [v] * 4)]) for i, v in enumerate(vals, 1)])
    assert p.dimensions[0].change == pytest.approx((0.8 + 1.0 + 1.0) / 3 - (0.0 + 0.2 + 0.4) / 3)


def test_nothing_scored_gives_none():
    assert compute_progress([]) is None
    assert compute_progress([session(1, "x", [])]) is None


@pytest.mark.parametrize("values,expected", [
    ([0.0, 0.5, 1.0], "▁▅█"), ([0.1, 0.3, 0.99], "▁▃█"), ([-1, 2], "▁█"), ([], ""),
])
def test_sparkline(values, expected):
    assert sparkline(values) == expected


@pytest.mark.parametrize("value,expected", [(0.0, "··········"), (1.0, "██████████"), (0.5, "█████·····"),
                                            (0.31, "███▏······")])
def test_bar(value, expected):
    assert bar(value) == expected


# --- real sessions through the CLI (typed scripts: no model needed) ------------------------------------------------


def practice(runner, persona, kind, seed=2):
    r = runner.invoke(main, ["practice", persona, "--replies", str(PERSONAS / "scripts" / f"{persona}.{kind}.txt"),
                             "--no-audio", "--seed", str(seed), "--quiet"])
    assert r.exit_code == 0, r.output


@pytest.fixture
def history():
    runner = CliRunner()
    practice(runner, "delayed-refund", "bad")
    practice(runner, "wrong-item", "bad")
    practice(runner, "delayed-refund", "good")
    return runner, Store(os.environ["VOICETRAINER_HOME"])


def test_progress_of_real_sessions(history):
    runner, store = history
    sessions = store.all_sessions()
    assert [s["session_id"] for s in sessions] == [1, 2, 3]
    p = compute_progress(sessions)
    for trend in p.dimensions:  # the mean over the first attempts where the dimension was due
        due = [[t["scores"][trend.name]["score"] for t in first_attempts(s["turns"])
                if t["scores"][trend.name]["status"] != "not_due"] for s in sessions]
        assert trend.values == pytest.approx([sum(v) / len(v) for v in due if v])
    assert {t.name for t in p.scenarios} == {"delayed_refund", "wrong_item"}

    r = runner.invoke(main, ["progress"])
    assert r.exit_code == 0, r.output
    out = r.output
    assert out.startswith("Progress over 3 session(s)")
    for d in p.dimensions:
        assert re.search(rf"^{d.name}\s.*\s{len(d.values)}\s.*{d.first:.2f}.*{d.latest:.2f}.*{sparkline(d.values)}",
                         out, re.M), d.name
    for sc in p.scenarios:
        assert re.search(rf"^{sc.name.replace('_', ' ')}\s.*{sparkline(sc.values)}", out, re.M)
    assert f"Best skill: {p.best.name} — mean {p.best.recent_mean:.2f}" in out
    assert f"Work on next: {p.weakest.name} — mean {p.weakest.recent_mean:.2f}" in out
    assert "Traceback" not in out
    # The call scorecards and the pass results, summed up (the scores are the store's, not made up here).
    cards = [s["scorecard"] for s in sessions]
    assert "The call, step by step (3 finished call(s))" in out
    for name, label in STEP_LABELS.items():
        happened = sum(1 for c in cards if c["steps"][name] is not None)
        assert re.search(rf"^{re.escape(label)}\s+│\s+{happened}/3 ", out, re.M), label
    calmed = [c["calmed_at"] for c in cards if c["calmed_at"] is not None]
    assert f"The customer calmed in {len(calmed)} of 3 call(s)" in out
    passed = sum(1 for s in sessions if s["result"]["passed"])
    assert f"Passed {passed} of 3 call(s) (delayed refund " in out
    assert f"latest, session 3 (delayed refund): {'passed' if sessions[2]['result']['passed'] else 'failed'} — " in out
    if p.weakest.tip:
        assert (f"latest tip ({p.weakest.tip.scenario_type.replace('_', ' ')}, {p.weakest.tip.persona}, "
                f"session {p.weakest.tip.session_id}):") in " ".join(out.split())


def test_progress_html(history):
    runner, store = history
    r = runner.invoke(main, ["progress", "--html"])
    assert r.exit_code == 0, r.output
    path = Path(r.output.strip())
    assert path == (store.data_dir / "reports" / "progress.html").resolve()
    text = path.read_text(encoding="utf-8")
    p = compute_progress(store.all_sessions())
    data = json.loads(re.search(r'id="report-data">(.*?)</script>', text, re.S).group(1))
    assert [s["id"] for s in data["sessions"]] == [1, 2, 3]
    assert data["best"] == p.best.name and data["weakest"] == p.weakest.name
    assert text.count('<tr data-dim="') == 4 and text.count('<tr data-scenario="') == 2
    assert len(re.findall(r'<circle data-series="calm"', text)) == 3
    assert not re.search(r"https?://", text)
    sessions = store.all_sessions()
    for name in STEP_LABELS:
        happened = sum(1 for s in sessions if s["scorecard"]["steps"][name] is not None)
        assert f'<tr data-step="{name}" data-happened="{happened}" data-calls="3">' in text
        assert data["steps"][name]["happened"] == happened
    passed = [s["result"]["passed"] for s in sessions]
    assert data["passed"] == sum(passed) and data["judged"] == 3
    assert f'id="latest-result" data-session="3" data-passed="{str(passed[-1]).lower()}"' in text
    for reason in sessions[-1]["result"]["reasons"]:
        assert html.escape(reason) in text
    refund = [s["result"]["passed"] for s in sessions if s["scenario_type"] == "delayed_refund"]
    assert f'data-passed="{sum(refund)}" data-judged="{len(refund)}"' in text
    if p.weakest.tip:
        assert data["weakest_tip"]["scenario_type"] == p.weakest.tip.scenario_type
        assert f'data-session="{p.weakest.tip.session_id}" data-scenario="{p.weakest.tip.scenario_type}"' in text


def test_progress_without_sessions_is_one_line():
    for args in (["progress"], ["progress", "--html"]):
        r = CliRunner().invoke(main, args)
        assert r.exit_code == 1
        assert r.output.startswith("Error: no ") and r.output.count("\n") == 1 and "practice" in r.output


def test_export_csv_has_one_row_per_turn_attempt(history):
    runner, store = history
    r = runner.invoke(main, ["sessions", "export", "--format", "csv"])
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(io.StringIO(r.output)))
    all_turns = [(s, t) for s in store.all_sessions() for t in s["turns"]]
    assert list(rows[0].keys()) == EXPORT_FIELDS
    assert len(rows) == len(all_turns)
    for row, (s, t) in zip(rows, all_turns):
        assert row["session_id"] == str(s["session_id"]) and row["persona"] == s["persona"]
        assert row["scenario_type"] == s["scenario_type"] and row["outcome"] == s["outcome"]
        assert row["turn"] == str(t["index"]) and row["attempt"] == str(t["attempt"])
        for d in DIMENSIONS:
            assert float(row[f"{d}_score"]) == t["scores"][d]["score"]
            assert row[f"{d}_hit"] == str(int(t["scores"][d]["hit"]))
        assert float(row["mood_before"]) == t["mood_before"] and float(row["mood_after"]) == t["mood_after"]
        assert row["words_per_minute"] == ""  # typed replies have no pace


def test_export_json_is_the_one_session_shape(history, tmp_path):
    runner, store = history
    out = tmp_path / "sessions.json"
    r = runner.invoke(main, ["sessions", "export", "--format", "json", "--out", str(out)])
    assert r.exit_code == 0, r.output
    sessions = json.loads(out.read_text(encoding="utf-8"))
    assert r.output == f"Wrote 3 session(s) to {out}\n"
    assert sessions == [store.session_json(i) for i in (1, 2, 3)]
    shown = json.loads(runner.invoke(main, ["sessions", "show", "2", "--json"]).output)
    assert shown == sessions[1] and set(shown) >= {"session_id", "persona", "scenario", "outcome", "turns"}


def test_export_rows_to_a_file(history, tmp_path):
    runner, store = history
    out = tmp_path / "turns.json"
    r = runner.invoke(main, ["sessions", "export", "--format", "rows", "--out", str(out)])
    assert r.exit_code == 0, r.output
    rows = json.loads(out.read_text(encoding="utf-8"))
    assert r.output == f"Wrote {len(rows)} turn(s) to {out}\n"
    assert rows == turn_rows(store.all_sessions())
    assert all(isinstance(row["calm_hit"], bool) for row in rows)


def test_export_keeps_retry_attempts():
    runner = CliRunner()
    r = runner.invoke(main, ["practice", "--text", "--retry", "--no-audio", "--seed", "1"], input="Calm down.\nr\nSorry.\n\n")
    assert r.exit_code == 0, r.output
    rows = json.loads(runner.invoke(main, ["sessions", "export", "--format", "rows"]).output)
    assert [(row["turn"], row["attempt"]) for row in rows][:2] == [(1, 1), (1, 2)]


def test_export_without_sessions_is_one_line():
    r = CliRunner().invoke(main, ["sessions", "export"])
    assert r.exit_code == 1
    assert r.output == "Error: no sessions saved yet; run `voicetrainer practice` first\n"


def test_export_rejects_unknown_format():
    r = CliRunner().invoke(main, ["sessions", "export", "--format", "xlsx"])
    assert r.exit_code == 2 and "'xlsx' is not one of 'csv', 'rows', 'json'" in r.output
