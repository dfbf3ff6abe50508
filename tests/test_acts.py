"""What the rep did in a reply (scoring/acts.py): each act with the rep's own words, on the scorer's evidence."""

from __future__ import annotations

import pytest

from voicetrainer.scoring.acts import calm_lost, commit_details, question_kind, recognise
from voicetrainer.scoring import load_rubric, score_reply

CUSTOMER = "I sent those headphones back three weeks ago and I still haven't got my eighty nine dollars. What is going on?"
OFFERS = ("refund", "refund today", "store credit")


@pytest.fixture(scope="module")
def rubric():
    return load_rubric()


def acts_of(reply, rubric, asked=None):
    score = score_reply(CUSTOMER, reply, rubric, offer_phrases=OFFERS)
    facts = {"order": "order_number", "email": "email"}
    ask_for = lambda q: next((v for k, v in facts.items() if k in q.lower()), None)  # noqa: E731
    return recognise(reply, score, rubric, ask_for=ask_for, customer_asked=asked), score


@pytest.mark.parametrize("reply,expected", [
    ("I'm so sorry, that must be really frustrating.", [("acknowledge", ""), ("apologise", "")]),
    ("Understood.", [("acknowledge", "")]),
    ("Okay, can I get your order number please?", [("ask", "order_number")]),
    ("What's your email address?", [("ask", "email")]),
    ("Do you have a photo of the scorch mark you could email me?", [("ask", "email")]),
    ("Does that work for you?", [("ask", "check")]),
    ("Which store did you buy it from?", [("ask", "unknown")]),
    ("So you sent the headphones back three weeks ago and the 89 dollars still hasn't reached your card.",
     [("restate", "")]),
    ("I'll put the refund through today and email you the confirmation.",
     [("offer", "refund"), ("commit", "time+channel")]),
    ("I can offer you store credit.", [("offer", "store credit")]),
    ("Let me transfer you to my supervisor.", [("offer", ""), ("transfer", "")]),
    ("I'll call you back tomorrow to check it went through.", [("offer", ""), ("commit", "time+channel+follow_up")]),
    ("I want to help you, but I need you to stop calling me an idiot.", [("boundary", "")]),
    ("Is there anything else I can help with? Have a lovely day.", [("close", "")]),
    ("How's your day going?", [("small_talk", "")]),
    ("We're very busy today. Calm down, you should have read the policy.", [("excuse", ""), ("blame", "")]),
])
def test_acts_are_recognised(rubric, reply, expected):
    acts, _ = acts_of(reply, rubric)
    assert [(a.kind, a.detail) for a in acts] == expected
    for a in acts:
        assert a.evidence and all(isinstance(e, str) and e for e in a.evidence)


@pytest.mark.parametrize("customer,kind", [
    ("It's order forty four seventy one. Now when do I get my money?", "when"),
    ("Okay, that would actually help. Can you confirm it in writing?", "how"),
    ("So what are you going to do about it?", "what"),
    ("Why does this keep happening?", "why"),
    ("Can you do Saturday morning?", "yes_no"),
    ("I want my refund.", None),
])
def test_the_customers_question_kind(customer, kind):
    assert question_kind(customer) == kind


@pytest.mark.parametrize("reply,asked,answered", [
    ("Yes, absolutely. You'll get an email within the hour.", "how", True),
    ("It'll be on your card by Friday.", "when", True),
    ("I'm sorry about that.", "when", False),
    ("I'll refund it today.", "what", True),
    ("Yes, of course.", "yes_no", True),
])
def test_an_answer_to_the_customers_question(rubric, reply, asked, answered):
    acts, _ = acts_of(reply, rubric, asked)
    assert any(a.kind == "answer" and a.detail == asked for a in acts) is answered


def test_follow_through_gives_the_commitment_details(rubric):
    acts, _ = acts_of("Yes, absolutely. You'll get an email within the hour.", rubric, "how")
    assert commit_details(acts) == {"time", "channel"}


def test_calm_is_lost_for_real_costs_only(rubric):
    for reply, lost in (("Understood.", False), ("Calm down.", True), ("When did it arrive?", False),
                        ("Whatever.", True)):
        score = score_reply(CUSTOMER, reply, rubric)
        assert calm_lost(score, reply, rubric) is lost, reply


def test_voicetrainer_score_carries_the_acts(rubric):
    import json

    from voicetrainer.batch import score_lines

    line = json.dumps({"customer": CUSTOMER, "reply": "I'm sorry. I'll refund you today.", "offers": ["refund"]})
    (out,) = list(score_lines([line], rubric, None))
    assert set(out) >= {"scores", "analysis", "acts"}
    assert [(a["act"], a["detail"]) for a in out["acts"]] == [("apologise", ""), ("answer", "what"),
                                                               ("offer", "refund"), ("commit", "time")]
