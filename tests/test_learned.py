"""The learned readings (scoring/learned.py): the tone (calm) and the offer reading (solution): trained weights on disk,
what each may change, evidence that names the words that weighed most, and the rubric switches that turn them off."""

from __future__ import annotations

import json

import pytest

from voicetrainer.scoring import load_rubric, score_reply
from voicetrainer.scoring.learned import OFFER_FILE, TONE_FILE, WordModel, fit, grams, load_offer, load_tone

from .scorer_eval import FROZEN

CUSTOMER = "I paid £310 for 120 invitations on ivory card and you've printed them on white with the wrong date."


def test_the_packaged_model_loads_with_its_threshold():
    model = load_tone()
    assert model is not None and 0.5 <= model.threshold <= 1.0
    assert 0.0 <= model.forgive_below < model.threshold
    data = json.loads(TONE_FILE.read_text(encoding="utf-8"))
    for frozen in ("blind_test", "blind_test2", "holdout"):
        assert frozen not in data["trained_on"] and frozen not in data["calibrated_on"]


def test_words_and_word_pairs():
    # small words count only inside a pair ("did you" carries a tone, "it's" alone none); contractions are spelt
    # out as the rules read them, so "you'd" in blame and in an offer are told apart
    assert grams("Did you check it's on?") == {"check", "did you", "you check", "check it", "it is", "is on"}
    assert "you had" in grams("If you'd read the email") and "you would" in grams("If you'd like a refund")


def test_fit_learns_which_words_cost_calm_and_is_deterministic():
    texts = ["honestly it's not complicated", "honestly people manage", "sorry, let me fix it today",
             "sorry, I'll refund it now"] * 3
    lost = [True, True, False, False] * 3
    w1, b1 = fit(texts, lost)
    assert (w1, b1) == fit(texts, lost)
    assert w1["honestly"] > 0 > w1["sorry"]
    model = WordModel(w1, b1, 0.8)
    p_rude, words = model.read("Honestly, people usually manage that.")
    p_kind, _ = model.read("Sorry about that, let me fix it.")
    assert p_rude > 0.8 > p_kind and words[0] == "honestly"


def test_a_rude_reply_the_rules_miss_costs_calm_with_the_words_that_weighed_most():
    rubric = load_rubric()
    model = load_tone()
    reply = "Honestly, most couples just check the proof properly, so I'm not sure what you expected."
    p, words = model.read(reply)
    if p < model.threshold:
        pytest.fail(f"the model reads this reply as calm (p={p:.2f}); pick another rude reply for this test")
    calm = score_reply(CUSTOMER, reply, rubric)["calm"]
    assert not calm.hit
    assert any(e.startswith("tone: ") and words[0] in e for e in calm.evidence)
    off = load_rubric(overrides={"calm": {"tone": {"use": False}}})
    cost_free = score_reply(CUSTOMER, reply, off)["calm"]
    assert all(not e.startswith("tone:") for e in cost_free.evidence)


def test_a_kind_reply_keeps_calm():
    rubric = load_rubric()
    reply = "I'm so sorry, that's awful with the wedding coming. I'll reprint all 120 on ivory by Friday, free."
    assert score_reply(CUSTOMER, reply, rubric)["calm"].hit


def test_no_model_file_means_the_rules_alone(tmp_path):
    assert load_tone(tmp_path / "missing.json") is None


def test_a_kind_look_alike_of_a_rule_phrase_is_forgiven_and_says_so():
    # "you were told" is blame in "you were told the terms"; here the rep owns the mistake
    rubric = load_rubric()
    reply = "You were told wrongly, and I'm sorry. I'll reprint all 120 on ivory by Friday, free of charge."
    calm = score_reply(CUSTOMER, reply, rubric)["calm"]
    assert calm.hit and calm.evidence and "read as kind" in calm.evidence[0] and "You were told" in calm.evidence[0]
    never = load_rubric(overrides={"calm": {"tone": {"forgive_below": 0.0}}})
    assert not score_reply(CUSTOMER, reply, never)["calm"].hit


def test_profanity_is_never_forgiven(monkeypatch):
    # The shipped tone reads sympathetic swearing as rude itself (the fourth round's writers label it so); this test
    # is about the guard, so the model here reads the reply as plainly kind.
    rubric = load_rubric()
    reply = "Bloody hell, I'm so sorry about the invitations. I'll reprint all 120 on ivory by Friday, free of charge."
    assert "profanity" in rubric.rules.calm.tone.never_forgive
    kind = WordModel({"so sorry": -6.0, "free of": -3.0}, 0.0, 0.6, forgive_below=0.5)
    assert kind.read(reply)[0] < 0.01   # the model alone would forgive it
    monkeypatch.setattr("voicetrainer.scoring.calm.load_tone", lambda: kind)
    assert not score_reply(CUSTOMER, reply, rubric)["calm"].hit
    without = load_rubric(overrides={"calm": {"tone": {"never_forgive": []}}})
    assert score_reply(CUSTOMER, reply, without)["calm"].hit   # the guard, not the model, keeps the cost


def test_evidence_leaves_out_the_customers_own_words_and_numbers():
    model = WordModel({"forty five": 2.0, "the parcel": 1.5, "honestly": 1.0}, -1.0, 0.5)
    _, words = model.read("Honestly, forty five minutes for the parcel", customer="I waited forty five minutes "
                                                                                   "for the parcel")
    assert words == ("honestly",)


def test_a_reply_of_words_it_never_saw_reads_neither_way():
    # no intercept: short kind replies are not pushed towards rude for being short
    model = load_tone()
    assert model is not None and model.bias == 0.0
    assert model.read("Zorblat quixotic.")[0] == 0.5


# --- the offer reading (solution) ---------------------------------------------------------------------------------

BRUSH_OFF = ("As I'm sure you can appreciate, most customers have no trouble with the app. "
             "Please uninstall and reinstall it.")


def test_the_packaged_offer_reading_loads_with_its_threshold():
    model = load_offer()
    assert model is not None and 0.0 < model.threshold <= 0.5 and model.bias == 0.0
    data = json.loads(OFFER_FILE.read_text(encoding="utf-8"))
    assert not set(data["trained_on"]) & FROZEN


def test_advice_that_puts_the_work_back_loses_the_hit_with_the_words_that_weighed():
    rules_only = load_rubric(overrides={"solution": {"learned": {"use": False}}})
    assert score_reply(CUSTOMER, BRUSH_OFF, rules_only)["solution"].hit   # 'reinstall' after 'please' reads as one
    s = score_reply(CUSTOMER, BRUSH_OFF, load_rubric())["solution"]
    assert not s.hit and s.score == pytest.approx(0.2)
    assert s.evidence[0].startswith("'reinstall' read as no concrete step") and "weighed most (learned" in s.evidence[0]
    assert s.tip.startswith("'reinstall' does not yet fix it")


def test_a_concrete_remedy_keeps_its_hit():
    for reply in ("I'll reprint the 120 on ivory today and courier them for Friday.",
                  "I've refunded the £310 to your card.", "Let me get you a replacement set today."):
        assert score_reply(CUSTOMER, reply, load_rubric())["solution"].hit, reply


def test_a_personas_own_offer_is_never_taken_back():
    s = score_reply(CUSTOMER, BRUSH_OFF, load_rubric(), offer_phrases=["reinstall"])
    assert s["solution"].hit and s.analysis.offers == ("reinstall",)
