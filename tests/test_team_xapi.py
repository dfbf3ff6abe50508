"""xAPI statements of real practice sessions: valid against a JSON Schema written from the 1.0.3 spec
(tests/data/xapi-1.0.3-statement.schema.json), the fields a manager reads, deterministic ids, and the schema itself
rejecting what the spec forbids (so a pass means something)."""

from __future__ import annotations

import copy
import json
import os
import uuid

import jsonschema
import pytest
from click.testing import CliRunner

from voicetrainer.cli.main import main
from voicetrainer.store import Store
from voicetrainer.team import outbox
from voicetrainer.team.xapi import (
    APP_ACTIVITY,
    COMPLETED,
    EXT,
    FAILED,
    PASSED,
    actor,
    build_statements,
    iso_duration,
    iso_timestamp,
    persona_iri,
    read_judged,
    rep_of,
)

from .conftest import PERSONAS, ROOT

SCHEMA = json.loads((ROOT / "tests" / "data" / "xapi-1.0.3-statement.schema.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker())


def errors(statement) -> list[str]:
    """Every violation, including those inside oneOf/anyOf branches, as 'path: message'."""
    out = []

    def walk(errs):
        for e in errs:
            out.append(f"{'/'.join(map(str, e.absolute_path))}: {e.message}")
            walk(e.context)

    walk(VALIDATOR.iter_errors(statement))
    return out


def practise(persona: str, kind: str, rep: str | None) -> int:
    args = ["practice", persona, "--replies", str(PERSONAS / "scripts" / f"{persona}.{kind}.txt"), "--no-audio",
            "--seed", "1", "--quiet", "--no-keep-audio", "--audio-out", os.environ["VOICETRAINER_HOME"] + "/lines"]
    r = CliRunner().invoke(main, args + (["--rep", rep] if rep else []))
    assert r.exit_code == 0, r.output
    return Store(os.environ["VOICETRAINER_HOME"]).latest_session_id()


@pytest.fixture
def two_sessions():
    """A passed call by an email rep and a failed one by an account-name rep, both real and queued."""
    good = practise("delayed-refund", "good", "Dana@Example.com")
    bad = practise("wrong-item", "bad", "sam.k")
    store = Store(os.environ["VOICETRAINER_HOME"])
    return store, good, bad


def test_the_schema_is_a_valid_2020_12_schema():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_each_finished_session_queues_a_completed_and_a_judged_statement(two_sessions):
    store, good, bad = two_sessions
    items = outbox.pending(store)
    assert [(i.session_id, i.verb) for i in items] == [(good, "completed"), (good, "passed"),
                                                      (bad, "completed"), (bad, "failed")]
    for i in items:
        assert errors(i.statement) == [], i.statement
        assert i.statement["id"] == i.statement_id


def test_statement_fields_a_manager_reads(two_sessions):
    store, good, bad = two_sessions
    by = {(i.session_id, i.verb): i.statement for i in outbox.pending(store)}
    s = store.session_json(good)
    judged, completed = by[(good, "passed")], by[(good, "completed")]
    assert judged["actor"] == {"objectType": "Agent", "mbox": "mailto:dana@example.com"}  # email: lower-cased
    assert by[(bad, "failed")]["actor"] == {"objectType": "Agent",
                                            "account": {"homePage": "https://voicetrainer.dev", "name": "sam.k"}}
    assert judged["verb"] == {"id": PASSED, "display": {"en-US": "passed"}}
    assert completed["verb"]["id"] == COMPLETED and by[(bad, "failed")]["verb"]["id"] == FAILED
    assert judged["object"]["id"] == "https://voicetrainer.dev/xapi/personas/delayed-refund"
    assert judged["object"]["definition"]["name"] == {"en-US": s["persona_name"]}
    assert judged["object"]["definition"]["description"]["en-US"].startswith("Dana returned")
    res = judged["result"]
    assert res["success"] is True and res["score"]["scaled"] == round(s["result"]["score"], 4)
    assert res["duration"] == iso_duration(s["ended_at"] - s["started_at"])
    assert res["extensions"][EXT + "dimension-scores"] == s["result"]["dimensions"]
    assert set(res["extensions"][EXT + "dimension-scores"]) == {"calm", "empathy", "paraphrase", "solution"}
    assert res["extensions"][EXT + "outcome"] == s["outcome"] == "resolved"
    assert res["extensions"][EXT + "turns"] == len({t["index"] for t in s["turns"]})
    assert res["extensions"][EXT + "pass-mark"] == 0.5
    # cmi5's result rules: completion only on completed; success and score only on passed/failed.
    assert completed["result"]["completion"] is True
    assert "success" not in completed["result"] and "score" not in completed["result"]
    assert "completion" not in res
    ctx = judged["context"]
    assert ctx["extensions"][EXT + "rubric-hash"] == s["rubric_hash"]
    assert ctx["extensions"][EXT + "app-version"] == outbox.app_version()
    assert ctx["contextActivities"]["grouping"][0]["id"] == APP_ACTIVITY
    assert ctx == completed["context"] and judged["timestamp"] == completed["timestamp"] == iso_timestamp(s["ended_at"])
    bad_res = by[(bad, "failed")]["result"]
    assert bad_res["success"] is False
    assert bad_res["extensions"][EXT + "reasons"] == store.session_json(bad)["result"]["reasons"]


def test_ids_are_deterministic_and_distinct(two_sessions):
    store, good, _ = two_sessions
    first = [i.statement for i in outbox.pending(store)]
    again = build_statements(store.session_json(good), install_id=store.install_id(),
                             app_version=outbox.app_version(), scenario=first[0]["object"]["definition"]
                             ["description"]["en-US"])
    assert again == first[:2]  # rebuilt from the store: the same statements, byte for byte
    ids = [s["id"] for s in first]
    assert len(set(ids)) == 4 and all(uuid.UUID(i).version == 5 for i in ids)
    # Another machine (another install id) numbering its sessions from 1 too gets other ids.
    other = build_statements(store.session_json(good), install_id="0" * 32, app_version="x")
    assert {s["id"] for s in other}.isdisjoint(ids)
    # Queuing again adds nothing.
    assert outbox.queue_session(store, good, homepage="https://voicetrainer.dev") == 0
    assert len(outbox.pending(store)) == 4


def test_sessions_without_a_rep_or_an_outcome_are_not_queued():
    practise("delayed-refund", "good", None)
    store = Store(os.environ["VOICETRAINER_HOME"])
    r = CliRunner().invoke(main, ["practice", "delayed-refund", "--text", "--no-audio", "--rep", "dana@example.com",
                                  "--quiet"], input="Sorry about that.\n")  # input ends: the call has no outcome
    assert r.exit_code == 0, r.output
    abandoned = store.session_json(store.latest_session_id())
    assert abandoned["outcome"] == "abandoned" and abandoned["result"]["failed_by"][0] == "not_finished"
    assert abandoned["rep"] == "dana@example.com"
    assert outbox.pending(store) == [] and outbox.counts(store)["pending"] == 0


def test_read_judged_inverts_the_statement(two_sessions):
    store, good, _ = two_sessions
    judged = next(i.statement for i in outbox.pending(store) if i.verb == "passed")
    back = read_judged(judged)
    s = store.session_json(good)
    assert back["rep"] == "dana@example.com" and back["persona"] == "delayed-refund" and back["passed"]
    assert back["score"] == judged["result"]["score"]["scaled"] and back["dimensions"] == s["result"]["dimensions"]
    assert read_judged({**judged, "verb": {"id": COMPLETED}}) is None
    assert read_judged({**judged, "object": {"id": "https://example.com/other"}}) is None


@pytest.mark.parametrize("seconds,expected", [
    (0, "PT0S"), (5.5, "PT5.5S"), (12.349, "PT12.35S"), (192.35, "PT3M12.35S"), (3605, "PT1H0M5S"),
    (7322.1, "PT2H2M2.1S"),
])
def test_iso_duration(seconds, expected):
    assert iso_duration(seconds) == expected
    assert errors({"actor": actor("a@b.co"), "verb": {"id": COMPLETED}, "object": {"id": APP_ACTIVITY},
                   "result": {"duration": expected}}) == []


def test_actor_round_trip_and_iri_escaping():
    assert rep_of(actor("dana@example.com")) == "dana@example.com"
    assert rep_of(actor("sam.k", "https://lms.example.com")) == "sam.k"
    assert actor("sam.k", "https://lms.example.com")["account"]["homePage"] == "https://lms.example.com"
    assert persona_iri("my persona") == "https://voicetrainer.dev/xapi/personas/my%20persona"


@pytest.mark.parametrize("change,message", [
    (lambda s: s.pop("actor"), "'actor' is a required property"),
    (lambda s: s["actor"].update(account={"homePage": "https://x.example", "name": "n"}), "is valid under each of"),
    (lambda s: s["actor"].pop("mbox"), "is not valid under any of the given schemas"),
    (lambda s: s["actor"].update(mbox="dana@example.com"), "does not match"),
    (lambda s: s["result"].update(duration="3 minutes"), "does not match"),
    (lambda s: s["result"].update(duration="PT"), "does not match"),
    (lambda s: s["result"]["score"].update(scaled=1.2), "greater than the maximum of 1"),
    (lambda s: s["result"].update(success="yes"), "is not of type 'boolean'"),
    (lambda s: s["result"]["extensions"].update(outcome="resolved"), "does not match"),
    (lambda s: s.update(rating=5), "Additional properties are not allowed"),
    (lambda s: s.update(id="not-a-uuid"), "does not match"),
    (lambda s: s["verb"].update(id="completed"), "does not match"),
    (lambda s: s["context"].update(language="english, mostly"), "does not match"),
    (lambda s: s.update(timestamp="2026-12-01 10:00"), "does not match"),
    (lambda s: s.update(object={"objectType": "Agent", "mbox": "mailto:x@example.com"}), "should not be valid"),
])
def test_the_schema_rejects_what_the_spec_forbids(two_sessions, change, message):
    store, _, _ = two_sessions
    judged = copy.deepcopy(next(i.statement for i in outbox.pending(store) if i.verb == "passed"))
    assert errors(judged) == []
    change(judged)
    found = errors(judged)
    assert found and any(message in e for e in found), found
