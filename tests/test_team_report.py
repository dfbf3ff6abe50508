"""The team report: real sessions by two reps, their statements laid out as reps × customers (pass status, best and
last score, trend, weakest skill, last practised), one self-contained page that loads in headless Chromium; and, with
the CI's Ralph, `voicetrainer team report` reading them back from the LRS."""

from __future__ import annotations

import html
import json
import os
import re
import struct
import uuid

import pytest
from click.testing import CliRunner

from voicetrainer.cli.main import main
from voicetrainer.store import Store
from voicetrainer.team import outbox
from voicetrainer.team.report import attempt_of, build_team, render_team
from voicetrainer.types import DIMENSIONS

from .conftest import PERSONAS
from .test_report import needs_chromium, screenshot_module

PLAN = [("dana@example.com", "delayed-refund", "good"), ("sam.k", "delayed-refund", "bad"),
        ("dana@example.com", "wrong-item", "good"), ("dana@example.com", "delayed-refund", "bad"),
        ("sam.k", "delayed-refund", "good")]


def practise(rep, persona, kind):
    r = CliRunner().invoke(main, ["practice", persona, "--replies", str(PERSONAS / "scripts" / f"{persona}.{kind}.txt"),
                                  "--no-audio", "--seed", "1", "--quiet", "--no-keep-audio", "--rep", rep,
                                  "--audio-out", os.environ["VOICETRAINER_HOME"] + "/lines"])
    assert r.exit_code == 0, r.output


@pytest.fixture
def team_sessions():
    for rep, persona, kind in PLAN:
        practise(rep, persona, kind)
    store = Store(os.environ["VOICETRAINER_HOME"])
    sessions = [store.session_json(i) for i in range(1, len(PLAN) + 1)]
    attempts = [a for a in (attempt_of(i.statement) for i in outbox.pending(store)) if a is not None]
    return sessions, attempts


def cell(page: str, rep: str, persona: str) -> str:
    row = re.search(rf'<tr class="rep-row" data-rep="{re.escape(html.escape(rep))}">(.*?)</tr>', page, re.S).group(1)
    return re.search(rf'<td class="cell[^"]*" data-persona="{persona}".*?</td>', row, re.S).group(0)


def test_reps_by_customers_with_pass_status_scores_trend_and_weakest(team_sessions):
    sessions, attempts = team_sessions
    assert len(attempts) == len(PLAN)
    team = build_team(attempts)
    assert [r.rep for r in team.reps] == ["dana@example.com", "sam.k"]
    assert team.personas == (("delayed-refund", "Dana Whitfield"), ("wrong-item", "Olivia Grant"))
    score = [s["result"]["score"] for s in sessions]
    passed = [s["result"]["passed"] for s in sessions]
    assert passed == [True, False, True, False, True]
    dana, sam = team.reps
    c = dana.cells["delayed-refund"]
    assert [a.score for a in c.attempts] == pytest.approx([score[0], score[3]], abs=1e-4)
    assert c.best == pytest.approx(score[0], abs=1e-4) and c.last.score == pytest.approx(score[3], abs=1e-4)
    assert c.last.passed is False and c.passes == 1 and c.change == pytest.approx(score[3] - score[0], abs=1e-4)
    assert sam.cells["delayed-refund"].last.passed and sam.cells["delayed-refund"].change > 0
    assert "wrong-item" not in sam.cells
    assert (dana.sessions, dana.passes, sam.sessions, sam.passes) == (3, 2, 2, 1)
    for row, mine in ((dana, [0, 2, 3]), (sam, [1, 4])):
        means = {d: sum(sessions[i]["result"]["dimensions"][d] for i in mine) / len(mine) for d in DIMENSIONS}
        low = min(means, key=means.get)
        assert row.weakest[0] == low and row.weakest[1] == pytest.approx(means[low], abs=1e-4)
        assert row.last_practised == max(a.when for c in row.cells.values() for a in c.attempts)

    page = render_team(team, "lrs.example.com/xAPI")
    assert 'id="rep-count">2<' in page and 'id="session-count">5<' in page and 'id="pass-rate">60%<' in page
    dr = cell(page, "dana@example.com", "delayed-refund")
    assert 'data-status="failed"' in dr and f'data-best="{score[0]:.4f}"' in dr and f'data-last="{score[3]:.4f}"' in dr
    assert f"best <b>{score[0]:.2f}</b> · last <b>{score[3]:.2f}</b>" in dr
    assert dr.count("<circle") == 2 and "2 calls · 1 passed" in dr
    assert html.escape(sessions[3]["result"]["reasons"][0]) in dr  # why the last call failed
    assert 'data-status="passed"' in cell(page, "sam.k", "delayed-refund")
    assert cell(page, "sam.k", "wrong-item").endswith(">–</td>")
    assert f'data-weakest="{dana.weakest[0]}"' in page
    data = json.loads(re.search(r'<script type="application/json" id="team-data">(.*?)</script>', page, re.S).group(1))
    assert [r["rep"] for r in data["reps"]] == ["dana@example.com", "sam.k"]
    assert data["reps"][0]["personas"]["delayed-refund"]["scores"] == [round(score[0], 4), round(score[3], 4)]


def test_the_page_is_self_contained_and_escapes_what_it_shows(team_sessions):
    _, attempts = team_sessions
    page = render_team(build_team(attempts), "lrs.example.com/xAPI")
    assert not re.search(r"https?://|//[a-z0-9.-]+\.[a-z]{2,}/", page, re.I)
    assert "<link" not in page and "@import" not in page and "url(" not in page
    assert not re.search(r"<script(?![^>]*type=\"application/json\")", page)  # no executable script
    from dataclasses import replace

    evil = [replace(a, rep="<b>x</b>@example.com", persona_name="</script><script>alert(1)</script>")
            for a in attempts]
    page = render_team(build_team(evil), "<i>host</i>")
    assert "<script>alert(1)" not in page and "<b>x</b>" not in page and "<i>host</i>" not in page
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_an_empty_lrs_gives_a_page_that_says_so():
    page = render_team(build_team([]), "lrs.example.com/xAPI")
    assert 'id="no-data"' in page and 'id="rep-count">0<' in page and "<table" not in page


def test_the_page_loads_in_headless_chromium_and_a_screenshot_is_taken(team_sessions, tmp_path):
    needs_chromium()
    _, attempts = team_sessions
    path = tmp_path / "team.html"
    path.write_text(render_team(build_team(attempts), "lrs.example.com/xAPI"), encoding="utf-8")
    shots = screenshot_module()
    page = shots.load_page(path, width=1200)
    assert page.loaded, page.stderr[-2000:]
    assert page.errors == [] and page.console == [] and page.requests == []
    assert page.dom.count('<tr class="rep-row"') == 2
    png = shots.screenshot(path, tmp_path / "team.png", width=1200)
    head = png.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", head[16:24])
    assert width == 1200 and height >= 600


@pytest.mark.lrs
def test_team_report_reads_both_reps_back_from_the_lrs(lrs, tmp_path):
    dana, sam = f"dana-{uuid.uuid4().hex[:8]}@example.com", f"sam-{uuid.uuid4().hex[:8]}"
    for rep, persona, kind in [(dana, "delayed-refund", "good"), (sam, "wrong-item", "bad"),
                               (sam, "wrong-item", "good")]:
        practise(rep, persona, kind)
    store = Store(os.environ["VOICETRAINER_HOME"])
    scores = {s["session_id"]: s["result"]["score"] for s in (store.session_json(i) for i in (1, 2, 3))}
    runner = CliRunner(env=lrs)
    r = runner.invoke(main, ["sync"])
    assert r.exit_code == 0, r.output
    out = tmp_path / "team.html"
    r = runner.invoke(main, ["team", "report", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert r.stdout == f"{out.resolve()}\n"
    assert re.match(r"Read \d+ statement\(s\): \d+ rep\(s\), \d+ customer\(s\), \d+ call\(s\)\.", r.stderr)
    page = out.read_text(encoding="utf-8")
    d = cell(page, dana, "delayed-refund")
    assert 'data-status="passed"' in d and f'data-last="{round(scores[1], 4):.4f}"' in d
    s = cell(page, sam, "wrong-item")
    assert 'data-status="passed"' in s and f'data-best="{round(max(scores[2], scores[3]), 4):.4f}"' in s
    assert "2 calls · 1 passed" in s
    host = os.environ["VOICETRAINER_TEST_LRS"].split("://", 1)[1]
    assert f"Read from the LRS at {host} on" in page  # where it came from, without scheme or credentials
    assert os.environ["VOICETRAINER_TEST_LRS_PASSWORD"] not in page
