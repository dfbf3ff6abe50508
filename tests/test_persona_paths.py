"""Every shipped persona behaves: its good-path script resolves with the mood falling, its bad-path script escalates
or ends in a hang-up, `persona check --strict` finds nothing, and the check's mood bounds hold what really happens.

Parametrized per persona, so a failure names it. Scripts live in personas/scripts/<id>.<kind>.txt; the realistic,
polite and questions calls are in test_conversation_scripts.py.
"""

from __future__ import annotations

import pytest

from voicetrainer.authoring.call_paths import bounds
from voicetrainer.authoring.check import check_file
from voicetrainer.core.persona import load_persona
from voicetrainer.audio.scripted import ScriptedReplies
from voicetrainer.core.session import run_session

from .conftest import PERSONAS

SCRIPTS = PERSONAS / "scripts"
IDS = sorted(f.stem for f in PERSONAS.glob("*.yaml"))
KINDS = ("good", "realistic", "polite", "bad", "questions")


def simulate(pid: str, kind: str, seed: int = 0):
    script = SCRIPTS / f"{pid}.{kind}.txt"
    assert script.is_file(), f"{pid}: missing reply script {script.name}"
    return run_session(load_persona(PERSONAS / f"{pid}.yaml"), ScriptedReplies.from_file(script), seed=seed)


@pytest.mark.parametrize("pid", IDS)
def test_good_path_resolves_with_the_mood_falling(pid):
    result = simulate(pid, "good")
    moods = [result.persona.mood.start] + [t.mood_after for t in result.turns]
    assert result.outcome == "resolved", f"{pid}: good path ended {result.outcome}; moods {moods}"
    assert moods[-1] < moods[0], f"{pid}: moods {moods}"


@pytest.mark.parametrize("pid", IDS)
def test_bad_path_escalates_or_hangs_up(pid):
    result = simulate(pid, "bad")
    moods = [result.persona.mood.start] + [t.mood_after for t in result.turns]
    assert result.outcome in {"escalated", "hung_up"}, f"{pid}: bad path ended {result.outcome}; moods {moods}"


@pytest.mark.parametrize("pid", IDS)
def test_check_finds_no_errors_or_warnings(pid):
    errors, warnings = check_file(PERSONAS / f"{pid}.yaml")
    assert errors == [] and warnings == []


@pytest.mark.parametrize("pid", IDS)
def test_every_shipped_persona_is_v2_with_facts(pid):
    text = (PERSONAS / f"{pid}.yaml").read_text()
    assert "schema_version: 2" in text
    p = load_persona(PERSONAS / f"{pid}.yaml")
    assert len(p.facts) >= 8 and {"email", "phone", "problem", "wants"} <= set(p.facts), pid
    for intent in ("pushback", "soften", "accept_offer", "ask_remedy", "ask_commitment"):
        assert len(p.lines_for(intent)) >= 4, (pid, intent)


@pytest.mark.parametrize("pid", IDS)
def test_the_checks_bounds_hold_what_the_scripts_really_do(pid):
    """Soundness: every (intent, mood) a real scored conversation produces lies inside the check's bounds."""
    b = bounds(load_persona(PERSONAS / f"{pid}.yaml"))
    for kind in KINDS:
        result = simulate(pid, kind)
        for t in result.turns:
            assert b.holds(t.next_intent, t.mood_after, t.index), (pid, kind, t.index, t.next_intent, t.mood_after,
                                                                   b.said_at.get(t.next_intent))
        assert result.outcome in b.outcomes | {"abandoned"}  # abandoned: the script ran out of replies
