"""Every shipped persona behaves: its good-path script resolves with the mood falling, its bad-path script escalates
or ends in a hang-up, `persona check` finds nothing, and the reachability analysis agrees with what really happens.

Parametrized per persona, so a failure names it. Scripts live in personas/scripts/<id>.good.txt and <id>.bad.txt.
"""

from __future__ import annotations

import pytest

from voicetrainer.authoring import check_file, reachability
from voicetrainer.core.persona import load_persona
from voicetrainer.audio.scripted import ScriptedReplies
from voicetrainer.core.session import run_session

from .conftest import PERSONAS

SCRIPTS = PERSONAS / "scripts"
IDS = sorted(f.stem for f in PERSONAS.glob("*.yaml"))


def simulate(pid: str, kind: str):
    script = SCRIPTS / f"{pid}.{kind}.txt"
    assert script.is_file(), f"{pid}: missing reply script {script.name}"
    return run_session(load_persona(PERSONAS / f"{pid}.yaml"), ScriptedReplies.from_file(script), seed=0)


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
def test_check_finds_no_errors_or_unreachable_lines(pid):
    errors, warnings = check_file(PERSONAS / f"{pid}.yaml")
    assert errors == [] and warnings == []


@pytest.mark.parametrize("pid", IDS)
def test_reachability_covers_what_the_scripts_really_do(pid):
    """Soundness: every (intent, mood) a real scored conversation produces is one the analysis says is reachable."""
    r = reachability(load_persona(PERSONAS / f"{pid}.yaml"))
    for kind in ("good", "bad"):
        result = simulate(pid, kind)
        for t in result.turns:
            assert round(t.mood_after, 6) in r.said_at[t.next_intent] or t.index == result.persona.outcomes.max_turns, \
                (pid, kind, t.index, t.next_intent, t.mood_after)
        assert result.outcome in r.outcomes | {"abandoned"}  # abandoned: the script ran out of replies
