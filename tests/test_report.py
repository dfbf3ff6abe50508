"""The session report, rendered from REAL recorded sessions (real Whisper on the WAV fixtures, real SQLite), its
content checked, then loaded in headless Chromium (Debian's chromium) with no errors and no network."""

from __future__ import annotations

import base64
import html
import importlib.util
import json
import os
import re
import struct
import sys
import wave
from pathlib import Path

import pytest
from click.testing import CliRunner

from voicetrainer.cli.main import main
from voicetrainer.cli.report import read_recordings
from voicetrainer.reports import highlight, render_session
from voicetrainer.store import Store
from voicetrainer.types import DIMENSIONS

from .conftest import FIXTURES, ROOT, device_tests_required

CHROMIUM = Path(os.environ.get("VOICETRAINER_CHROMIUM", "/usr/bin/chromium"))
GOOD_TYPED = ("I'm so sorry, that sounds really frustrating. So you sent the headphones back three weeks ago and the "
              "eighty nine dollar refund still hasn't reached your card. I will process your refund today.")


def browser_required() -> bool:
    return os.environ.get("VOICETRAINER_BROWSER_TESTS") == "required" or device_tests_required()


def needs_chromium():
    if not CHROMIUM.exists():
        if browser_required():
            pytest.fail(f"{CHROMIUM} is missing but browser tests are required (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} not installed")


def screenshot_module():
    spec = importlib.util.spec_from_file_location("screenshot_report", ROOT / "scripts" / "screenshot_report.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up there
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    """A real session: `practice --replies audio_fixtures/refund_good.txt --no-audio --seed 1` with real Whisper."""
    home = tmp_path_factory.mktemp("home")
    runner = CliRunner(env={"VOICETRAINER_HOME": str(home)})
    r = runner.invoke(main, ["practice", "--replies", str(FIXTURES / "refund_good.txt"), "--no-audio", "--seed", "1"])
    assert r.exit_code == 0, r.output
    store = Store(home)
    sid = store.latest_session_id()
    r = runner.invoke(main, ["report"])
    assert r.exit_code == 0, r.output
    path = Path(r.output.strip())
    return {"home": home, "runner": runner, "store": store, "data": store.session_json(sid), "path": path,
            "html": path.read_text(encoding="utf-8")}


def report_data(text: str) -> dict:
    m = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', text, re.S)
    return json.loads(m.group(1))


def articles(text: str) -> list[str]:
    return re.findall(r'<article class="turn".*?</article>', text, re.S)


def strip_tags(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def test_report_is_written_under_the_data_dir_and_its_path_printed(recorded):
    sid = recorded["data"]["session_id"]
    assert recorded["path"] == (recorded["home"] / "reports" / f"session-{sid}.html").resolve()
    assert recorded["data"]["turns"], "the recorded session has turns"
    assert all(t.get("audio_path") for t in recorded["data"]["turns"]), "reply audio is kept by default"


def test_report_has_scenario_outcome_and_every_turn(recorded):
    text, data = recorded["html"], recorded["data"]
    assert "Dana returned a pair of wireless headphones" in text  # the persona's scenario
    assert re.search(r'id="outcome">Resolved<', text) if data["outcome"] == "resolved" else 'id="outcome"' in text
    arts = articles(text)
    assert len(arts) == len(data["turns"])
    for art, t in zip(arts, data["turns"]):
        assert f'data-turn="{t["index"]}" data-attempt="{t["attempt"]}"' in art
        assert html.escape(t["persona_line"]) in art
        rep = re.search(r'<p class="line rep">(.*?)</p>', art, re.S).group(1)
        assert strip_tags(rep) == "You" + t["reply"]  # every word of the transcript, highlights aside
        for d in DIMENSIONS:
            s = t["scores"][d]
            assert f'data-dim="{d}"' in art
            assert f"{s['score']:.2f}" in art
            if s["tip"]:
                assert html.escape(s["tip"]) in art


def test_report_scores_table_has_each_dimension_per_turn(recorded):
    text, data = recorded["html"], recorded["data"]
    for t in data["turns"]:
        for d in DIMENSIONS:
            cell = (f'data-dim="{d}" data-turn="{t["index"]}" data-attempt="{t["attempt"]}" '
                    f'data-score="{t["scores"][d]["score"]:.3f}"')
            assert cell in text


def test_report_chart_data_matches_the_store(recorded):
    text, data = recorded["html"], recorded["data"]
    chart = report_data(text)
    assert chart["session"] == data["session_id"]
    expected = [data["start_mood"]] + [t["mood_after"] for t in data["turns"]]  # no retries in this session
    assert [p["mood"] for p in chart["mood"]] == pytest.approx(expected)
    assert [float(m) for m in re.findall(r'class="mood-point" data-mood="([\d.]+)"', text)] == \
        pytest.approx(expected, abs=0.05)
    for ct, t in zip(chart["turns"], data["turns"]):
        assert ct["scores"] == {d: t["scores"][d]["score"] for d in DIMENSIONS}
        assert ct["hits"] == {d: t["scores"][d]["hit"] for d in DIMENSIONS}
        assert ct["words_per_minute"] == pytest.approx(t["acoustics"]["words_per_minute"])
        assert ct["loudness_db"] == pytest.approx(t["acoustics"]["loudness_db"])


def test_report_shows_pace_and_loudness_per_turn(recorded):
    text, data = recorded["html"], recorded["data"]
    rows = re.findall(r'<tr class="acoustics-row".*?</tr>', text, re.S)
    assert len(rows) == len(data["turns"])
    for row, t in zip(rows, data["turns"]):
        a = t["acoustics"]
        assert f'>{a["words_per_minute"]:.0f}<' in row and f'>{a["loudness_db"]:.1f}<' in row


def test_report_embeds_each_recording_as_playable_audio(recorded):
    text, data = recorded["html"], recorded["data"]
    srcs = re.findall(r'<audio controls preload="metadata" src="data:audio/wav;base64,([A-Za-z0-9+/=]+)"', text)
    assert len(srcs) == len(data["turns"])
    for src, t in zip(srcs, data["turns"]):
        assert base64.b64decode(src) == Path(t["audio_path"]).read_bytes()


def test_report_highlights_evidence_in_the_reps_words(recorded):
    text, data = recorded["html"], recorded["data"]
    marked = 0
    for art, t in zip(articles(text), data["turns"]):
        marks = [strip_tags(m).lower() for m in re.findall(r"<mark [^>]*>.*?</mark>", art)]
        for d in DIMENSIONS:
            for ev in t["scores"][d]["evidence"]:
                if re.search(rf"(?<!\w){re.escape(ev)}(?!\w)", t["reply"], re.I):
                    assert any(ev.lower() in m for m in marks), (ev, marks)
                    marked += 1
    assert marked > 0


def test_report_is_self_contained(recorded):
    text = recorded["html"]
    assert not re.search(r"https?://|//[a-z0-9.-]+\.[a-z]{2,}/", text, re.I)
    assert "<link" not in text and "@import" not in text and "url(" not in text
    assert not re.search(r"<script(?![^>]*type=\"application/json\")", text)  # no executable script at all
    assert not re.search(r'src="(?!data:)', text)


def test_report_loads_in_headless_chromium_without_errors_or_requests(recorded):
    needs_chromium()
    page = screenshot_module().load_page(recorded["path"])
    assert page.loaded, page.stderr[-2000:]
    assert page.errors == []
    assert page.console == []
    assert page.requests == []
    # Chromium decoded every embedded recording: its duration matches the WAV file's.
    durations = [float(d) for d in re.findall(r'<audio[^>]*data-duration="([\d.]+)"', page.dom)]
    expected = []
    for t in recorded["data"]["turns"]:
        with wave.open(t["audio_path"]) as w:
            expected.append(w.getnframes() / w.getframerate())
    assert durations == pytest.approx(expected, abs=0.05)
    assert page.dom.count('<article class="turn"') == len(recorded["data"]["turns"])


def test_screenshot_script_writes_a_full_page_png(recorded, tmp_path):
    needs_chromium()
    png = tmp_path / "report.png"
    rc = screenshot_module().main([str(recorded["data"]["session_id"]), "--out", str(png), "--data-dir",
                                   str(recorded["home"])])
    assert rc == 0
    head = png.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", head[16:24])
    assert width == 1000 and height > 1200  # the whole page, not just the first screen


def test_report_out_and_open(recorded, tmp_path, monkeypatch):
    opened = []
    monkeypatch.setattr("webbrowser.open", lambda url: opened.append(url) or True)  # no browser in a test run
    out = tmp_path / "mine.html"
    r = recorded["runner"].invoke(main, ["report", str(recorded["data"]["session_id"]), "--out", str(out), "--open"])
    assert r.exit_code == 0, r.output
    assert r.output == f"{out.resolve()}\n"
    assert opened == [out.resolve().as_uri()]
    assert out.read_text(encoding="utf-8") == recorded["html"]


def test_report_without_sessions_is_one_line():
    r = CliRunner().invoke(main, ["report"])
    assert r.exit_code == 1
    assert r.output == "Error: no sessions saved yet; run `voicetrainer practice` first\n"


def test_report_of_an_unknown_session_is_one_line(recorded):
    r = recorded["runner"].invoke(main, ["report", "999"])
    assert r.exit_code == 1
    assert r.output.startswith("Error: no session 999 (ids run from ") and r.output.count("\n") == 1
    assert "Traceback" not in r.output


def test_report_of_a_retried_typed_session(tmp_path):
    """A typed session where turn 1 was retried: both attempts shown, the chart follows the counted one."""
    runner = CliRunner()
    r = runner.invoke(main, ["practice", "--text", "--retry", "--no-audio", "--seed", "1"],
                      input=f"Calm down.\nr\n{GOOD_TYPED}\n\n")
    assert r.exit_code == 0, r.output
    r = runner.invoke(main, ["report"])
    assert r.exit_code == 0, r.output
    text = Path(r.output.strip()).read_text(encoding="utf-8")
    data = Store(os.environ["VOICETRAINER_HOME"]).session_json(1)
    assert [(t["index"], t["attempt"]) for t in data["turns"]][:2] == [(1, 1), (1, 2)]
    assert len(articles(text)) == len(data["turns"])
    assert "attempt 1 of 2" in text and "attempt 2 of 2" in text and '<span class="retried">retried</span>' in text
    chart = report_data(text)
    counted = [t for t in data["turns"] if not any(u["index"] == t["index"] and u["attempt"] > t["attempt"]
                                                   for u in data["turns"])]
    assert [p["mood"] for p in chart["mood"]] == [data["start_mood"]] + [t["mood_after"] for t in counted]
    assert text.count('class="retried-point"') == 1
    assert "<audio" not in text and "These replies were typed" in text
    assert '<mark class="ev-calm cost"' in text  # "Calm down" cost calm
    assert html.escape("'Calm down' cost calm") in text


def test_missing_recording_is_noted_not_fatal(recorded):
    data = json.loads(json.dumps(recorded["data"]))
    data["turns"][0]["audio_path"] = "/nonexistent/turn.wav"
    text = render_session(data, recordings=read_recordings(data["turns"]))
    assert "The recording of this reply is no longer on disk." in text
    assert text.count("<audio") == len(data["turns"]) - 1


@pytest.mark.parametrize("reply,scores,expected", [
    ("I'm so sorry about that.", {"empathy": {"hit": True, "evidence": ["sorry"]}},
     'I&#x27;m so <mark class="ev-empathy" data-dims="empathy" title="empathy evidence">sorry</mark> about that.'),
    ("Just RELAX, ok?", {"calm": {"hit": False, "evidence": ["relax"]}},
     'Just <mark class="ev-calm cost" data-dims="calm" title="calm (cost points)">RELAX</mark>, ok?'),
    ("a <b>refund</b>", {"solution": {"hit": True, "evidence": ["refund"]}},
     'a &lt;b&gt;<mark class="ev-solution" data-dims="solution" title="solution evidence">refund</mark>&lt;/b&gt;'),
    ("the 89 dollar refund", {"paraphrase": {"hit": True, "evidence": ["89 dollar"]},
                              "solution": {"hit": True, "evidence": ["refund", "dollar refund"]}},
     'the <mark class="ev-paraphrase" data-dims="paraphrase" title="paraphrase evidence">89 dollar</mark> '
     '<mark class="ev-solution" data-dims="solution" title="solution evidence">refund</mark>'),
    ("sorry, not sorrowful", {"empathy": {"hit": True, "evidence": ["sorrow", "+6 dB above your usual level"]}},
     "sorry, not sorrowful"),
])
def test_highlight(reply, scores, expected):
    assert highlight(reply, scores) == expected


def test_json_block_cannot_close_the_script_element(recorded):
    data = json.loads(json.dumps(recorded["data"]))
    data["persona"] = "</script><script>alert(1)</script>"
    text = render_session(data, recordings={})
    assert "<script>alert(1)" not in text
    assert report_data(text)["persona"] == data["persona"]


# --- the pass result, the call scorecard and marks by status -------------------------------------------------------


def section(text: str, id_: str) -> str:
    m = re.search(rf'<section[^>]*id="{id_}".*?</section>', text, re.S)
    assert m, id_
    return m.group(0)


def test_report_shows_the_pass_result_with_its_reasons_and_rules(recorded):
    text, data = recorded["html"], recorded["data"]
    result = data["result"]
    box = section(text, "result")
    assert f'data-passed="{str(result["passed"]).lower()}"' in box
    assert ("Passed" if result["passed"] else "Failed") in strip_tags(box)
    assert f"score <b>{result['score']:.2f}</b> against the pass mark <b>{result['mark']:.2f}</b>" in box
    for reason in result["reasons"]:
        assert html.escape(reason) in box
    assert "calm lost, a wrong fact never put right" in strip_tags(box)  # the rubric's blockers, named
    assert data["rubric_hash"][:19] in box
    assert report_data(text)["result"] == result


def test_report_shows_the_call_scorecard_linked_to_its_turns(recorded):
    text, data = recorded["html"], recorded["data"]
    card = data["scorecard"]
    box = section(text, "scorecard")
    steps = re.findall(r'<div class="step (hit|miss)" data-step="([a-z_]+)" data-turn="(\d*)">(.*?)</div>', box, re.S)
    assert [s[1] for s in steps] == ["acknowledged", "restated", "verified", "offered_accepted_remedy", "committed",
                                     "closed"]
    arts = {re.search(r'id="(turn-\d+-\d+)"', a).group(1) for a in articles(text)}
    for css, name, turn, inner in steps:
        at = card["steps"][name]
        assert (css, turn) == (("hit", str(at)) if at is not None else ("miss", ""))
        if at is not None:
            anchor = re.search(r'href="#(turn-\d+-\d+)">turn (\d+)</a>', inner)
            assert anchor.group(1) in arts and anchor.group(2) == str(at)
        else:
            assert "never" in inner
    facts = strip_tags(re.search(r'<p class="muted" id="scorecard-facts">.*?</p>', text, re.S).group(0))
    calm = card["calmed_at"]
    assert (f"the customer calmed at turn {calm}" if calm is not None else "the customer never calmed") in facts
    assert f"outcome: {card['outcome']}." in facts
    assert report_data(text)["scorecard"] == card


def cell_marks(text: str) -> dict[tuple[int, str], tuple[str, str]]:
    """(turn, dimension) -> (data-status, the mark shown) from the scores table (first attempts in these sessions)."""
    out = {}
    for m in re.finditer(r'<td class="cell num [a-z-]+" data-dim="(\w+)" data-turn="(\d+)" data-attempt="1" '
                         r'data-score="[\d.]+" data-status="(\w+)"[^>]*><span class="v">[\d.]+</span> '
                         r'<span class="[a-z-]+">(.)</span>', text):
        out[(int(m.group(2)), m.group(1))] = (m.group(3), m.group(4))
    return out


def test_report_marks_each_dimension_by_its_status(recorded):
    text, data = recorded["html"], recorded["data"]
    marks = cell_marks(text)
    statuses = {(t["index"], d): t["scores"][d]["status"] for t in data["turns"] for d in DIMENSIONS}
    assert {k: v[0] for k, v in marks.items()} == statuses
    expected = {"hit": "✓", "miss": "✗", "not_due": "·", "rejected": "✗"}
    assert all(mark == expected[status] for status, mark in marks.values())
    assert "not_due" in statuses.values()  # this call has turns where a dimension is not needed yet
    for art, t in zip(articles(text), data["turns"]):
        for d in DIMENSIONS:
            li = re.search(rf'<li class="([a-z-]+)" data-dim="{d}" data-status="(\w+)">(.*?)</li>', art, re.S)
            assert li.group(2) == t["scores"][d]["status"]
            assert ("not needed yet" in li.group(3)) == (t["scores"][d]["status"] == "not_due")


def test_a_rejected_offer_is_marked_rejected_never_hit(tmp_path):
    script = tmp_path / "r.txt"
    script.write_text("I'm so sorry, that sounds really frustrating.\n"
                      "So you sent the headphones back three weeks ago and the 89 dollars never reached your card.\n"
                      "I can give you store credit for the 89 dollars today.\n"
                      "I'll process the refund today, back to your card, and email you the confirmation within the "
                      "hour.\n")
    runner = CliRunner()
    r = runner.invoke(main, ["practice", "--replies", str(script), "--no-audio", "--seed", "1"])
    assert r.exit_code == 0, r.output
    data = Store(os.environ["VOICETRAINER_HOME"]).session_json(1)
    assert data["turns"][2]["scores"]["solution"]["status"] == "rejected"
    assert data["scorecard"]["offers_rejected"] == ["store credit"]
    text = Path(runner.invoke(main, ["report"]).output.strip()).read_text(encoding="utf-8")
    assert cell_marks(text)[(3, "solution")] == ("rejected", "✗")
    art = articles(text)[2]
    li = re.search(r'<li class="rejected" data-dim="solution" data-status="rejected">(.*?)</li>', art, re.S).group(1)
    assert "✗ 1.00" in li or "✗ 0." in li
    assert '<span class="note">offer rejected</span>' in li and "✓" not in li
    assert "turned down: store credit" in strip_tags(text)


def test_turns_saved_before_statuses_are_marked_by_hit(recorded):
    data = json.loads(json.dumps(recorded["data"]))
    for t in data["turns"]:
        for s in t["scores"].values():
            s.pop("status", None)
    data["scorecard"] = data["result"] = None  # a session from before the scorecard and the pass marks
    text = render_session(data, recordings={})
    marks = cell_marks(text)
    assert {k: v for k, v in marks.items()} == {
        (t["index"], d): (("hit", "✓") if t["scores"][d]["hit"] else ("miss", "✗"))
        for t in data["turns"] for d in DIMENSIONS}
    assert 'id="scorecard"' not in text and 'id="result"' not in text
    assert '<span class="note">' not in text  # no "not needed yet" / "offer rejected" label on any turn


def test_the_scorecard_and_result_render_in_headless_chromium(recorded, tmp_path):
    """The browser draws the result box and the six steps (the probe's DOM is what Chromium built), and a screenshot
    of the page is written for a person to look at."""
    needs_chromium()
    mod = screenshot_module()
    page = mod.load_page(recorded["path"])
    assert page.loaded and page.errors == [] and page.console == [] and page.requests == []
    assert page.dom.count('<div class="step ') == 6 and 'id="result"' in page.dom
    png = mod.screenshot(recorded["path"], tmp_path / "scorecard.png")
    width, height = struct.unpack(">II", png.read_bytes()[16:24])
    assert width == 1000 and height == min(max(page.height_px, 600), 16_000)
