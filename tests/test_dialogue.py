"""The customer who holds a conversation (issue 10): needs and phases as explicit states, the mood moved by what the
call achieves, memory, line choice and composed answers, what the customer hears in a reply, and the feedback data.

The engine is exercised with `Heard` records where a test is about the engine's rules, and through the real scorer
(`Ear`, `run_session`) where it is about reading replies.
"""

from __future__ import annotations

import random

import pytest
import yaml

from voicetrainer.core.dialogue import opening, react, speak, start_state
from voicetrainer.core.facts import FactBook
from voicetrainer.core.feedback import statuses
from voicetrainer.core.hearing import Ear, Heard, classify_offers
from voicetrainer.core.lines import choose, for_offer
from voicetrainer.core.needs import Need, Needs, Phase, advance_phase
from voicetrainer.core.persona import Line, Persona, load_persona
from voicetrainer.core.scorecard import Scorecard
from voicetrainer.types import TurnRecord
from voicetrainer.audio.scripted import ScriptedReplies
from voicetrainer.core.session import run_session
from voicetrainer.scoring import load_rubric, score_reply

from .conftest import PERSONAS


def persona(pid: str) -> Persona:
    return load_persona(PERSONAS / f"{pid}.yaml")


def run(pid: str, replies: list[str], seed: int = 0):
    return run_session(persona(pid), ScriptedReplies(replies), seed=seed)


# --- the exact transitions of a scripted call ----------------------------------------------------------------------


def test_a_realistic_call_moves_through_the_phases_and_needs_exactly():
    r = run_session(persona("delayed-refund"), ScriptedReplies.from_file(PERSONAS / "scripts/delayed-refund.realistic.txt"),
                    seed=0)
    got = [(t.index, t.call.phase, t.call.needs_met, t.next_intent, t.call.mood_reasons, t.call.question)
           for t in r.turns]
    assert got == [
        (1, "details", ("heard",), "answer", ("heard -8", "progress -3"), {"kind": "new", "fact": "order_number"}),
        (2, "details", (), "answer", ("progress -3",), {"kind": "new", "fact": "email"}),
        (3, "remedy", ("understood",), "soften", ("understood -10", "progress -3"), None),
        (4, "commitment", ("remedy",), "accept_offer", ("remedy accepted (refund today, refund) -22", "progress -3"),
         None),
        (5, "closing", ("commitment",), "resolved", ("commitment (when and how) -6", "progress -3"), None),
    ]
    assert [t.mood_after for t in r.turns] == [59, 56, 43, 18, 9]
    assert r.outcome == "resolved"
    assert r.turns[1].persona_line.startswith("Fine. It's order forty four seventy one.")  # the answer to turn 1
    card = r.scorecard.to_dict()
    assert card["steps"] == {"acknowledged": 1, "restated": 3, "verified": 1, "offered_accepted_remedy": 4,
                             "committed": 5, "closed": 5}
    assert (card["calmed_at"], card["outcome"], card["stalled_turns"]) == (4, "resolved", 0)


def test_phase_transitions_never_go_back():
    needs = Needs().meet(Need.HEARD, 1)
    assert advance_phase(Phase.OPENING, Needs(), exchanged=False) == Phase.OPENING
    assert advance_phase(Phase.OPENING, Needs(), exchanged=True) == Phase.DETAILS
    assert advance_phase(Phase.OPENING, needs, False) == Phase.DETAILS
    needs = needs.meet(Need.UNDERSTOOD, 2)
    assert advance_phase(Phase.DETAILS, needs, False) == Phase.REMEDY
    needs = needs.meet(Need.REMEDY, 3)
    assert advance_phase(Phase.REMEDY, needs, False) == Phase.COMMITMENT
    assert advance_phase(Phase.COMMITMENT, needs.meet(Need.COMMITMENT, 4), False) == Phase.CLOSING
    # Undoing a need (blame undoes heard) does not send a call that reached commitment back to the opening.
    assert advance_phase(Phase.COMMITMENT, Needs(), False) == Phase.COMMITMENT
    assert Needs().meet(Need.HEARD, 1).undo(Need.HEARD, 2).heard.to_dict() == {"met": False, "met_at": None,
                                                                               "undone_at": 2}


# --- how the mood moves --------------------------------------------------------------------------------------------


def test_a_met_need_calms_once_and_stays_met():
    p = persona("delayed-refund")
    s0 = start_state(p)
    r1 = react(p, s0, Heard(heard=True))
    assert (r1.mood_delta, r1.met, r1.intent) == (-11, ("heard",), "soften")   # heard -8, progress -3
    r2 = react(p, r1.state, Heard(heard=True))   # acknowledging again moves nothing on
    assert r2.met == () and r2.stalled and r2.mood_delta > 0
    assert r2.state.needs.met(Need.HEARD)


def test_lost_calm_costs_strongly_and_undoes_being_heard():
    p = persona("delayed-refund")
    s = react(p, start_state(p), Heard(heard=True)).state
    r = react(p, s, Heard(calm_lost=True))
    assert r.reasons[0] == "calm lost +18" and r.undone == ("heard", "respect")
    assert not r.state.needs.met(Need.HEARD) and r.intent == "pushback"
    # A reply that loses calm heals nothing, even with an apology in it.
    assert react(p, start_state(p), Heard(calm_lost=True, heard=True, restated=True)).met == ()


def test_a_wrong_fact_costs_and_undoes_understood():
    p = persona("delayed-refund")
    s = react(p, start_state(p), Heard(heard=True, restated=True)).state
    r = react(p, s, Heard(wrong=("two weeks (customer said three weeks)",)))
    assert r.intent == "correction" and "understood" in r.undone
    assert r.reasons[0] == "wrong fact (two weeks (customer said three weeks)) +8"


def test_impatience_grows_with_each_stalled_turn_and_resets_on_progress():
    p = persona("wrong-item")   # needs_most remedy: a stall while it is unmet costs a quarter more
    s = react(p, start_state(p), Heard(heard=True)).state
    deltas = []
    for _ in range(3):
        r = react(p, s, Heard())
        deltas.append(r.mood_delta)
        s = r.state
    assert deltas == [3.75, 7.5, 11.25] and s.stalls == 3
    r = react(p, s, Heard(question="new", fact="order_number"))
    assert r.progress and r.state.stalls == 0 and r.mood_delta == -4


def test_a_relevant_question_or_an_answer_is_progress_not_a_miss():
    p = persona("delayed-refund")
    r = react(p, start_state(p), Heard(question="new", fact="order_number"))
    assert r.progress and r.mood_delta == -3 and r.intent == "answer" and r.fact == "order_number"
    r = react(p, start_state(p), Heard(answered=True))
    assert r.progress and r.mood_delta == -3
    # A fact it already gave is said again, without impatience the first time; asked again, it is a stall.
    r = react(p, start_state(p), Heard(question="given", fact="returned"))
    assert (r.intent, r.mood_delta, r.stalled) == ("already_given", 0, False)
    r2 = react(p, r.state, Heard(question="given", fact="returned"))
    assert r2.stalled and r2.mood_delta > 0
    assert react(p, start_state(p), Heard(question="unknown")).intent == "unknown"


def test_a_rejected_offer_costs_and_is_answered_with_that_offers_line():
    p = persona("bad-review-threat")
    rng = random.Random(0)
    r = react(p, start_state(p), Heard(rejected=("free dessert",)))
    assert r.intent == "reject_offer" and r.offer == "free dessert" and r.reasons == ("offer turned down (free "
                                                                                       "dessert) +14",)
    line, _ = speak(p, r, rng, FactBook(p))
    assert "dessert" in line.text and "busy night" not in line.text
    # Without its own lines, a rejection is one that names the offer, never one that names another offer.
    lines = for_offer(p.model_copy(update={"solutions": p.solutions.model_copy(update={"reject": [
        o.model_copy(update={"says": []}) for o in p.solutions.reject]})}), "reject_offer", "free dessert")
    assert [ln.text for ln in lines] == ["A free dessert? After that evening? You've got to be joking."]


def test_after_accepting_it_asks_once_for_the_missing_detail_then_resolves_and_never_pushes_back():
    p = persona("delayed-refund")
    rng = random.Random(0)
    book = FactBook(p)
    s = start_state(p)
    _, s = opening(p, s, rng, book)
    r = react(p, s, Heard(heard=True, restated=True, accepted=("refund today",), when=True))
    assert r.intent == "accept_offer" and r.ask_detail == "how"
    line, s = speak(p, r, rng, book)
    assert s.memory.asked_commitment and s.memory.pending == "how"
    r = react(p, s, Heard())                      # nothing more: it already asked once, so the call resolves
    assert r.intent == "resolved"
    r = react(p, s, Heard(calm_lost=True))        # a rude closing: angrier, but never back to opening pushback
    assert r.intent not in ("pushback", "ask_remedy", "opening")


def test_what_was_promised_is_never_asked_for():
    p = persona("delayed-refund")
    book = FactBook(p)
    for seed in range(8):
        rng = random.Random(seed)
        s = start_state(p)
        _, s = opening(p, s, rng, book)
        r = react(p, s, Heard(heard=True, accepted=("refund",), how=True))   # "... and email you the confirmation"
        line, s = speak(p, r, rng, book)
        assert "writing" not in line.text.lower() and "how will i know" not in line.text.lower(), line.text


def test_react_is_pure_and_a_seed_fixes_the_lines():
    p = persona("double-charge")
    s = start_state(p)
    h = Heard(heard=True, question="new", fact="order_number")
    assert react(p, s, h) == react(p, s, h)
    texts = [speak(p, react(p, s, h), random.Random(5), FactBook(p))[0].text for _ in range(2)]
    assert texts[0] == texts[1] and "six six one two oh" in texts[0]


# --- lines -----------------------------------------------------------------------------------------------------


def test_no_line_repeats_while_an_unused_fitting_variant_exists():
    lines = [Line(text="a"), Line(text="b"), Line(text="c", mood=(80, 100)), Line(text="d", about="how")]
    rng = random.Random(1)
    said: list[str] = []
    for _ in range(2):
        said.append(choose(lines, 50, rng, said=said).text)
    assert sorted(said) == ["a", "b"]                      # c does not fit the mood, d is about a missing 'how' only
    assert choose(lines, 50, rng, said=said).text == said[0]   # then the one said longest ago


def test_an_answer_is_composed_with_the_fact_and_a_mood_carrying_tail():
    p = persona("delayed-refund")
    book = FactBook(p)
    s = react(p, start_state(p), Heard(heard=True)).state
    r = react(p, s, Heard(question="new", fact="order_number"))
    line, s2 = speak(p, r, random.Random(0), book)
    assert "forty four seventy one" in line.text and line.text.rstrip().endswith("?")
    assert "order_number" in s2.memory.facts_given
    r = react(p, s2, Heard(question="given", fact="order_number"))
    again, _ = speak(p, r, random.Random(0), book)
    assert "forty four seventy one" in again.text and again.text != line.text


# --- what the customer hears -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rubric():
    return load_rubric()


def hear(pid: str, reply: str, rubric, customer: str | None = None, state=None):
    p = persona(pid)
    ear = Ear(p, rubric)
    offers = tuple(p.solutions.accept_phrases) + tuple(p.solutions.reject_phrases)
    customer = customer or p.lines.opening[0].text
    score = score_reply(customer, reply, rubric, offer_phrases=offers)
    return ear.hear(state or start_state(p), reply, score)


@pytest.mark.parametrize("reply", ["Understood.", "Understood. Let me check that for you.", "When did it arrive?",
                                   "And what do the lights do when it happens?"])
def test_plain_replies_do_not_lose_calm(rubric, reply):
    assert not hear("wrong-item", reply, rubric).calm_lost


def test_facts_are_checked_by_role(rubric):
    h = hear("long-wait", "So you want to move it from Saturday to Thursday.", rubric)
    assert h.wrong and any("Thursday as new" in w for w in h.wrong)
    assert not hear("long-wait", "So it's booked for Thursday and you need Saturday morning.", rubric).wrong
    h = hear("double-charge", "So you were charged $35 twice for the groceries.", rubric)
    assert h.wrong and "$35 as charge" in h.wrong[0]
    assert not hear("double-charge", "So the second $64.50 charge caused a $35 overdraft fee.", rubric).wrong


def test_an_accepted_one_night_refund_is_not_a_wrong_restatement_of_four_nights(rubric):
    reply = "I'm sorry about the pool. I'll refund one night. So that's one night back, three hundred dollars, today."
    p = persona("unreasonable-demand")
    alone = score_reply(p.lines.opening[0].text, reply, rubric, offer_phrases=p.solutions.accept_phrases)
    assert alone.analysis.wrong_facts  # the scorer alone only knows the opening's "four nights, twelve hundred"
    t = run("unreasonable-demand", [reply]).turns[0]
    assert t.score.analysis.wrong_facts == () and t.next_intent == "accept_offer"
    assert t.to_dict()["scores"]["paraphrase"]["status"] == "hit"


def test_a_rejected_phrase_in_the_same_sentence_qualifies_an_accepted_one():
    p = persona("subscription-billed")
    assert classify_offers(p, ("refund", "one month"), "I can refund one month, that's it.") == ([], ["one month"])
    assert classify_offers(p, ("refund", "one month"), "Not one month. I'll refund both.") == (["refund"],
                                                                                               ["one month"])


def test_asking_for_a_confirmation_number_is_not_an_offer(rubric):
    h = hear("delayed-refund", "Can I get your confirmation number?", rubric)
    assert h.accepted == () and not h.step and h.question == "unknown"
    assert [a.kind for a in h.acts] == ["ask"]
    t = run("subscription-billed", ["Okay, can I get your confirmation number?"]).turns[0]
    assert t.call.status["solution"] == "not_due" and t.call.question == {"kind": "given", "fact": "confirmation"}


# --- feedback data -----------------------------------------------------------------------------------------------


def test_a_first_reply_that_acknowledges_is_not_marked_down_for_what_is_not_due_yet(rubric):
    r = run("delayed-refund", ["I'm so sorry, that must be really frustrating."])
    t = r.turns[0]
    assert t.mood_after < t.mood_before
    assert t.call.status == {"calm": "hit", "empathy": "hit", "paraphrase": "not_due", "solution": "not_due"}
    assert all(s.tip == "" for s in t.score.dimensions)


def test_a_rejected_offer_is_rejected_not_a_hit_and_tips_stay_in_the_scenario():
    r = run("bad-review-threat", ["I'm so sorry about your anniversary. I can offer you a free dessert next time."])
    t = r.turns[0]
    d = t.to_dict()["scores"]["solution"]
    assert d["status"] == "rejected" and "free dessert" in d["tip"] and "refund" in d["tip"]
    for pid in ("long-wait", "delayed-refund"):
        tips = " ".join(s.tip for s in run(pid, ["Okay."]).turns[0].score.dimensions)
        assert "replacement" not in tips and "line test" not in tips and "Four nights" not in tips, (pid, tips)


def test_turn_and_scorecard_records_round_trip():
    r = run("wrong-item", ["I'm sorry, Olivia. Can I have the order number?", "Calm down."])
    d = r.to_dict()
    assert set(d["scorecard"]) >= {"steps", "calmed_at", "turns_until_calm", "outcome", "needs", "calm_lost_at"}
    assert Scorecard.from_dict(d["scorecard"]).to_dict() == d["scorecard"]
    t = d["turns"][1]
    assert set(t) >= {"acts", "phase", "needs", "needs_met", "needs_undone", "mood_reasons", "progress", "stalled",
                      "question", "next_intent", "status"}
    assert [a["act"] for a in t["acts"]] == ["blame"] and t["scores"]["calm"]["status"] == "miss"
    assert d["scorecard"]["calm_lost_at"] == [2]
    rec = r.turns[0].call
    assert TurnRecord.from_dict(rec.to_dict()) == rec


def test_statuses_follow_the_needs():
    p = persona("delayed-refund")
    s = start_state(p)
    r = react(p, s, Heard(heard=True))
    assert statuses(s, r, _score())["paraphrase"] == "not_due"
    s2 = r.state
    r2 = react(p, s2, Heard())
    assert statuses(s2, r2, _score())["paraphrase"] == "miss"        # due once heard, and nothing was restated
    assert statuses(s2, react(p, s2, Heard(rejected=("voucher",))), _score())["solution"] == "rejected"


def _score():
    from voicetrainer.types import DimensionScore, TurnScore

    return TurnScore(tuple(DimensionScore(d, 0.0, False) for d in ("calm", "empathy", "paraphrase", "solution")))


# --- persona v2 and v1 -------------------------------------------------------------------------------------------



def test_a_v1_file_loads_upgraded_in_memory_with_its_numbers_mapped(tmp_path):
    from voicetrainer.core.persona_v1 import temperament_from_effects, MoodV1

    mood = MoodV1.model_validate({"start": 70, "effects": {"calm": {"hit": -3, "miss": 18},
                                                           "empathy": {"hit": -8, "miss": 7},
                                                           "paraphrase": {"hit": -10, "miss": 8},
                                                           "solution": {"hit": -10, "miss": 6}},
                                  "offer_accepted": -12, "offer_rejected": 10})
    assert temperament_from_effects(mood) == {
        "calms": 1.0, "flares": 1.0, "needs_most": "understood",
        "relief": {"heard": -8.0, "understood": -10.0, "remedy": -22.0, "commitment": -6.0, "progress": -3.0},
        "anger": {"calm_lost": 18.0, "wrong_fact": 8.0, "offer_rejected": 10.0, "impatience": 3.5, "silence": 6.0}}


def test_answers_templates_are_validated(tmp_path):
    data = yaml.safe_load((PERSONAS / "wrong-item.yaml").read_text())
    data["answers"]["given"] = ["It's {value}."]
    f = tmp_path / "p.yaml"
    f.write_text(yaml.safe_dump(data))
    from voicetrainer.core.persona import persona_errors

    errs = persona_errors(f)
    assert len(errs) == 1 and "answers: Value error" not in errs[0]
    assert "given.0: a template must contain {says}" in errs[0]
