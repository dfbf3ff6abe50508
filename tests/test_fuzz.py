"""Issue 12: property-based fuzzing of the persona loader and the score input (hypothesis, fixed seed, bounded).

Whatever text, bytes or YAML structure a persona file holds, the loader returns problems as 'file:line: ...' lines
or a persona, never an exception; whatever bytes a score input holds, every line yields one JSON-printable result,
in bounded time. `derandomize=True` makes every run try the same examples, so a failure is reproducible.
"""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from voicetrainer.authoring import check_file
from voicetrainer.batch import read_jsonl, score_lines
from voicetrainer.core.persona import load_persona, persona_errors
from voicetrainer.scoring import load_rubric

from .test_persona import VALID

FUZZ = settings(derandomize=True, max_examples=150, deadline=2000,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
BASE = yaml.safe_load(VALID)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12)


def check_persona_file(path: Path) -> None:
    errors = persona_errors(path)
    assert isinstance(errors, list) and all(isinstance(e, str) and e.startswith(str(path)) for e in errors), errors
    if not errors:
        p = load_persona(path)
        assert p.name
        errs, warns = check_file(path)
        assert all(isinstance(x, str) for x in errs + warns)


@FUZZ
@given(st.binary(max_size=2000))
def test_any_bytes_as_a_persona_file(tmp_path, data):
    f = tmp_path / "fuzz.yaml"
    f.write_bytes(data)
    check_persona_file(f)


@FUZZ
@given(st.text(max_size=1500))
def test_any_text_as_a_persona_file(tmp_path, text):
    f = tmp_path / "fuzz.yaml"
    f.write_text(text, encoding="utf-8", errors="surrogatepass")
    check_persona_file(f)


FIELDS = ["name", "scenario", "scenario_type", "voice", "mood", "outcomes", "solutions", "lines", "rubric",
          "schema_version"]


@FUZZ
@given(st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=4), st.lists(st.sampled_from(FIELDS), max_size=3))
def test_a_valid_persona_with_fields_replaced_or_removed(tmp_path, replaced, removed):
    data = {**BASE, **replaced}
    for k in removed:
        data.pop(k, None)
    f = tmp_path / "fuzz.yaml"
    try:
        text = yaml.safe_dump(data, allow_unicode=True)
    except (yaml.YAMLError, ValueError):
        return
    f.write_text(text, encoding="utf-8", errors="surrogatepass")
    check_persona_file(f)


@FUZZ
@given(st.sampled_from(["opening", "pushback", "soften", "hang_up"]), st.lists(json_values, max_size=3))
def test_lines_of_any_shape(tmp_path, intent, lines):
    data = json.loads(json.dumps(BASE))
    data["lines"][intent] = lines
    f = tmp_path / "fuzz.yaml"
    try:
        f.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8", errors="surrogatepass")
    except (yaml.YAMLError, ValueError):
        return
    check_persona_file(f)


RUBRIC = load_rubric()


def run_score(data: bytes) -> list[dict]:
    start = time.perf_counter()
    out = list(score_lines(read_jsonl(io.BytesIO(data)), RUBRIC, None))
    for o in out:
        assert set(o) & {"error", "scores"}, o
        json.dumps(o, ensure_ascii=False).encode("utf-8")   # every result prints as a UTF-8 JSON line
    assert time.perf_counter() - start < 5
    return out


@FUZZ
@given(st.binary(max_size=3000))
def test_any_bytes_as_score_input(data):
    run_score(data)


@FUZZ
@given(st.lists(st.fixed_dictionaries({"customer": json_values, "reply": json_values},
                                      optional={"id": json_values, "offers": json_values,
                                                "baseline_db": json_values, "audio": json_values}), max_size=4))
def test_score_lines_of_any_shape(objs):
    lines = []
    for o in objs:
        try:
            lines.append(json.dumps(o, ensure_ascii=False))
        except ValueError:
            continue
    data = "\n".join(lines).encode("utf-8", "surrogatepass")
    out = run_score(data)
    assert len(out) == len([ln for ln in lines if ln.strip()])


@FUZZ
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=4000),
       st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=400))
def test_any_reply_text_is_scored(reply, customer):
    (out,) = run_score(json.dumps({"customer": customer, "reply": reply}).encode())
    assert "scores" in out or "error" in out
