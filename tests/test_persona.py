from pathlib import Path

import pytest

from voicetrainer.errors import PersonaError
from voicetrainer.core.persona import find_persona, load_persona, persona_errors, persona_files
from voicetrainer.types import INTENTS

from .conftest import PERSONAS


def test_every_shipped_persona_loads():
    files = sorted(PERSONAS.glob("*.yaml"))
    assert len(files) >= 3
    for f in files:
        p = load_persona(f)
        assert p.id == f.stem
        for intent in INTENTS:
            assert p.lines_for(intent), (f, intent)


def test_the_three_founding_scenarios_are_there():
    types = {load_persona(f).scenario_type for f in PERSONAS.glob("*.yaml")}
    assert {"delayed_refund", "defective_product", "verbal_abuse"} <= types


VALID = """\
schema_version: 1
name: Test
scenario: A test.
mood: {start: 50}
solutions: {accept: [refund]}
lines:
  opening: [Hello]
  pushback: [Not good enough]
  correction: [Wrong]
  accept_offer: [Fine]
  reject_offer: [No thanks]
  soften: [Okay]
  escalate: [Manager]
  still_there: [Are you there]
  resolved: [Thanks]
  hang_up: [Bye]
"""


def write(tmp_path: Path, text: str) -> Path:
    f = tmp_path / "p.yaml"
    f.write_text(text)
    return f


def test_minimal_persona_is_valid(tmp_path):
    assert persona_errors(write(tmp_path, VALID)) == []


def test_unknown_key_is_rejected_with_file_line_and_field(tmp_path):
    f = write(tmp_path, VALID.replace("mood: {start: 50}", "mood: {start: 50}\nshout: true"))
    assert persona_errors(f) == [
        f"{f}:5: shout: unknown field (check the spelling; `voicetrainer persona schema` lists the fields)"]


def test_out_of_range_field_names_field_and_expectation(tmp_path):
    f = write(tmp_path, VALID.replace("mood: {start: 50}", "mood: {start: 150}"))
    assert persona_errors(f) == [f"{f}:4: mood.start: Input should be less than or equal to 100"]


def test_missing_intent_is_named(tmp_path):
    f = write(tmp_path, VALID.replace("  hang_up: [Bye]\n", ""))
    assert persona_errors(f) == [f"{f}:6: lines.hang_up: required field is missing"]


def test_unquoted_yes_no_line_gets_a_hint(tmp_path):
    f = write(tmp_path, VALID.replace("[Not good enough]", "[No]"))
    assert persona_errors(f) == [f"{f}:8: lines.pushback: a line must be text, got False; put it in quotes "
                                 "(YAML reads no/yes/on/off as true/false)"]


def test_bad_yaml_and_missing_audio(tmp_path):
    f = write(tmp_path, "name: [unclosed\n")
    (err,) = persona_errors(f)
    assert err.startswith(f"{f}:") and "not valid YAML" in err
    f = write(tmp_path, VALID.replace("opening: [Hello]", "opening: [{text: Hello, audio: rec/missing.wav}]"))
    assert persona_errors(f) == [f"{f}:7: lines.opening.0.audio: file not found: rec/missing.wav"]


def test_load_raises_one_error_listing_all_problems(tmp_path):
    f = write(tmp_path, VALID.replace("mood: {start: 50}", "mood: {start: -1}\nvoice: {rate: 9}"))
    with pytest.raises(PersonaError) as e:
        load_persona(f)
    assert str(e.value).splitlines()[0] == f"{f}: invalid persona"
    assert "voice.rate" in str(e.value) and "mood.start" in str(e.value)


def test_unknown_persona_lists_the_known_ones():
    with pytest.raises(PersonaError, match=r"unknown persona 'nobody'; expected one of: .*delayed-refund"):
        find_persona("nobody")


def test_user_personas_override_bundled(tmp_path):
    user = tmp_path / "data"
    (user / "personas").mkdir(parents=True)
    (user / "personas" / "delayed-refund.yaml").write_text(VALID)
    assert persona_files(user)["delayed-refund"] == user / "personas" / "delayed-refund.yaml"
    assert find_persona("delayed-refund", user).name == "Test"
