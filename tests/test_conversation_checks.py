"""`persona upgrade` (v1 -> v2, comments kept) and the `persona check` warnings about conversations: facts nobody
mentions, numbers no fact holds, questions a persona can't answer, loops."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import yaml
from click.testing import CliRunner

from voicetrainer.authoring import check as authoring
from voicetrainer.authoring.upgrade import upgrade_text
from voicetrainer.cli.main import main
from voicetrainer.core.persona import load_persona

from .conftest import PERSONAS, ROOT


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def v1_text(pid: str) -> str:
    """A shipped persona as it was in schema v1 (the commit before the migration), from git."""
    out = subprocess.run(["git", "-C", str(ROOT), "show", f"ff81e78:personas/{pid}.yaml"], capture_output=True,
                         text=True)
    return out.stdout


def test_persona_upgrade_rewrites_a_v1_file_as_v2_keeping_its_comments(tmp_path):
    # The commented v1 skeleton `persona new` wrote before it wrote schema v2 (tests/data/kettle-v1.yaml).
    f = tmp_path / "kettle.yaml"
    f.write_text((ROOT / "tests" / "data" / "kettle-v1.yaml").read_text())
    before = load_persona(f)
    r = run("persona", "upgrade", f)
    assert r.exit_code == 0, r.output
    assert r.stdout == f"{f}\n" and "review its facts" in r.stderr
    text = f.read_text()
    assert "schema_version: 2" in text and "effects:" not in text and "temperament:" in text
    assert text.startswith("# Kettle: describe in a line or two")          # comments kept
    assert "# words per minute (80-400)" in text
    after = load_persona(f)
    assert after.temperament == before.temperament and after.lines == before.lines
    data = yaml.safe_load(text)
    assert {"how_long", "amount"} <= set(data["facts"]) and data["facts"]["amount"]["value"] == "forty dollars"
    assert data["lines"]["accept_offer"][1] == {"text": "Fine, but I want it confirmed in writing.", "about": "how"}
    r = run("persona", "check", f)
    assert r.exit_code == 0, r.output


def test_upgrading_twice_or_a_broken_file_is_one_clear_line(tmp_path):
    f = tmp_path / "p.yaml"
    f.write_text((PERSONAS / "wrong-item.yaml").read_text())
    r = run("persona", "upgrade", f)
    assert (r.exit_code, r.stderr) == (1, f"Error: {f}: already schema_version 2; nothing to upgrade\n")
    f.write_text("name: [unclosed\n")
    r = run("persona", "upgrade", f)
    assert r.exit_code == 1 and r.stderr.startswith(f"Error: {f}:2: not valid YAML") and len(r.stderr.splitlines()) == 1


def test_every_former_v1_persona_upgrades_to_the_same_temperament():
    for f in sorted(PERSONAS.glob("*.yaml")):
        old = v1_text(f.stem)
        if not old:
            continue  # a persona added after the migration
        new = upgrade_text(old, f.name)
        assert yaml.safe_load(new)["schema_version"] == 2, f.name


def _write(tmp_path: Path, mutate) -> Path:
    data = yaml.safe_load((PERSONAS / "wrong-item.yaml").read_text())
    mutate(data)
    f = tmp_path / "p.yaml"
    f.write_text(yaml.safe_dump(data, sort_keys=False))
    return f


def fields(warnings: list[str]) -> list[str]:
    return [w.split(": ")[2] for w in warnings]


def test_check_warns_about_facts_nobody_mentions_and_numbers_no_fact_holds(tmp_path):
    def mutate(d):
        d["facts"]["coupon"] = {"value": "SPRING10", "says": "I had a spring coupon", "asked_by": ["coupon"]}
        d["lines"]["pushback"].append("I paid twelve dollars extra for the wrapping!")

    errors, warnings = authoring.check_file(_write(tmp_path, mutate))
    assert errors == []
    assert fields(warnings) == ["facts.coupon", "lines.pushback.4"]
    assert warnings[1].endswith("says 'twelve dollars' but no fact holds it, so a restatement of it cannot be "
                                "checked; add it to facts")


def test_check_warns_about_common_questions_no_fact_answers(tmp_path):
    f = _write(tmp_path, lambda d: [d["facts"].pop(k) for k in ("email", "phone", "address")])
    _, warnings = authoring.check_file(f)
    assert [w.split(": ", 3)[3] for w in warnings] == [
        "no fact answers a rep asking for an email address ('What's your email address?'); the customer will say it "
        "doesn't know (add a fact with asked_by words for it)",
        "no fact answers a rep asking for a phone number ('What's the best phone number for you?'); the customer will "
        "say it doesn't know (add a fact with asked_by words for it)"]


def test_check_warns_about_a_loop(tmp_path):
    def mutate(d):
        d["lines"]["ask_remedy"] = ["So what will you do?"]
        d["lines"]["pushback"] = ["Hm."]

    _, warnings = authoring.check_file(_write(tmp_path, mutate))
    loops = [w for w in warnings if "twice in one call" in w]
    assert loops and "lines.ask_remedy: a rep who keeps stalling politely hears 'So what will you do?' twice" in \
        loops[0]


def test_simulate_shows_the_needs_and_why_the_mood_moved(tmp_path):
    r = run("persona", "simulate", "delayed-refund", "--replies", PERSONAS / "scripts/delayed-refund.realistic.txt")
    assert r.exit_code == 0, r.output
    out = r.stdout.splitlines()
    assert "      why: heard -8; progress -3" in out
    assert "      needs: heard ✓ understood · remedy · commitment · respect ✓  [details]" in out
    assert "      acts: apologise, ask(order_number)" in out
    assert out[-1] == "outcome: resolved after 5 turn(s), mood 70 → 9"
    assert os.environ["VOICETRAINER_HOME"]
