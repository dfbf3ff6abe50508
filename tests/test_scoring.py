"""The rubric scorer on hand-picked hard cases per dimension, the rubric file and its overrides."""

from __future__ import annotations

import sys
import textwrap

import pytest

from voicetrainer import config
from voicetrainer.errors import RubricError
from voicetrainer.scoring import DEFAULT_RUBRIC, PhraseSet, load_rubric, merge, score_reply
from voicetrainer.text import Match, Phrase, extract_facts, second_person, split_number_runs, stem, tokenize
from voicetrainer.types import DIMENSIONS, Acoustics

DANA = "I sent those headphones back three weeks ago and I still haven't got my eighty nine dollars. What is going on?"
LAPTOP = "My laptop stopped working after two days. I paid six hundred pounds for it!"
CHARGE = "You charged me twice this month, forty nine ninety nine each time, and I only have one subscription."


@pytest.fixture(scope="module")
def rubric():
    return load_rubric()


def hit(rubric, customer, reply, dim):
    return score_reply(customer, reply, rubric)[dim].hit


@pytest.mark.parametrize("reply,expected", [
    ("I'm sorry about this, let me sort out your refund today.", True),
    ("Calm down, please, and I'll look at your order.", False),
    ("That's not my problem, you'd have to talk to the courier.", False),
    ("You should have kept the tracking number.", False),
    ("Oh great, another one of these calls.", False),
    ("Yeah right, like you really sent them back.", False),
    ("Stop whining, it's only eighty nine dollars.", False),
    ("What do you want me to do about it?", False),
    ("That's not true, our records say otherwise.", False),
    ("I want to help you, but I need you to stop swearing at me, please.", True),
    ("If the language continues I'll have to end the call, but I'd like to get this fixed for you.", True),
    ("I understand this is frustrating. Let me check the return for you now.", True),
    # Rudeness the first lexicon missed (found by the independently written dev3 set), and look-alikes that are fine.
    ("Honestly, I'm not sure what you want me to do here.", False),
    ("Your refund will get there when it gets there.", False),
    ("It isn't rocket science, the label is in the box.", False),
    ("Maybe if you checked your email you'd have seen it.", False),
    ("You do realise the sale ended on Friday?", False),
    ("I'm not going to hang up on you, but I need you to stop swearing so we can fix this.", True),
    ("Let me make sure it's back on your card today.", True),
    ("Ugh, I'm so sorry, that's a horrible wait for your money.", True),
    # Rudeness from the second blind set (issue 11), each wording a phrase of its group, and kind look-alikes.
    ("I get it, but the checks are automated so it'll clear when it clears.", False),
    ("Dave's booked solid so it'll be whenever he's free.", False),
    ("As far as we're concerned the job was done.", False),
    ("The plastic's there for hygiene reasons, so that's kind of on you.", False),
    ("The app clearly tells you to wait for the beep.", False),
    ("Well, to be fair, the second of May was always an estimate.", False),
    ("Our sitters are independent contractors, so raise it with Dana directly.", False),
    ("If you'd gone for a stock worktop you wouldn't be waiting.", False),
    ("For future reference, the card has to be held flat on the reader.", False),
    ("Most people just wave it.", False),
    ("I doubt Dave's really been fobbing you off.", False),
    ("Our records show the bin was not presented at the kerb.", False),
    ("It's a supplier issue, not ours.", False),
    ("Okay okay, I've got it: I'm booking the collection for tomorrow morning.", True),
    ("That's not what you asked for, and I'm sorry. I've refunded the £52.", True),
    ("Don't you worry about the money, you need to pay nothing for this one.", True),
    ("Oh no, poor Biscuit and poor you, I'm so sorry.", True),
    ("If you'd like, I can book the return for Tuesday.", True),   # read 0.71 rude before the NB scaling; now 0.53
])
def test_calm(rubric, reply, expected):
    assert hit(rubric, DANA, reply, "calm") is expected


def test_calm_names_the_phrase_and_an_alternative(rubric):
    s = score_reply(DANA, "Calm down, I'm checking it.", rubric)["calm"]
    assert "calm down" in s.evidence[0].lower()
    assert "'Calm down'" in s.tip and "instead" in s.tip


@pytest.mark.parametrize("reply,expected", [
    ("I'm so sorry, three weeks is far too long to wait for your money.", True),
    ("That must be really frustrating after waiting so long.", True),
    ("I completely understand why you're upset.", True),
    ("I'd be annoyed too if my refund hadn't arrived.", True),
    ("I'm sorry you feel that way.", False),
    ("Sorry, but there's nothing I can do.", False),
    ("I understand, but you should have read the returns policy.", False),
    ("I hear you, but the policy is the policy.", False),
    ("Please give me your order number.", False),
    ("I apologise for any inconvenience caused.", False),
    ("Like I said, we need proof. But I'm sorry it's been such a pain.", True),   # the jab comes before
    ("I'm sorry you feel the courier let you down.", False),
    ("Mm, yes, yes, I get it, I get it. Anything else?", False),                  # the ack is the brush-off
    ("Just fill in the form again. It's really not that hard.", False),
])
def test_empathy(rubric, reply, expected):
    assert hit(rubric, DANA, reply, "empathy") is expected


@pytest.mark.parametrize("customer,reply,expected", [
    (DANA, "So the headphones you returned three weeks ago still haven't been refunded?", True),
    (DANA, "You returned the headphones nearly a month ago and the 89 dollars never reached you.", True),
    (DANA, "Three weeks and no sign of your eighty nine dollars for the headphones, that's the situation?", True),
    (DANA, "I hear you.", False),
    (DANA, "So what you're saying is, I understand.", False),
    (DANA, "I can see the headphones came back three weeks ago and the eighty nine dollars never reached you.",
     True),                                                                       # "I can see" starts no plan
    (DANA, "I sent those headphones back three weeks ago and I still haven't got my eighty nine dollars.", False),
    (DANA, "So you sent the headphones back two weeks ago?", False),
    (DANA, "So the speakers you sent back three weeks ago haven't been refunded?", False),
    (LAPTOP, "So the laptop died two days after you bought it, and it cost you six hundred pounds.", True),
    (LAPTOP, "Your laptop packed in after only two days, which is awful for a six hundred pound machine.", True),
    (LAPTOP, "Your laptop stopped working after two weeks?", False),
    (CHARGE, "So we billed you two times this month for one subscription, at 49.99 each?", True),
    # the customer's figure said inside the offer is carried over (the blind labels count it); the offer's
    # other words are not: naming only the product in a plan restates nothing
    (DANA, "I'll put the eighty nine dollars for the headphones back on your card today.", True),
    (DANA, "I'll send you new headphones today.", False),
    (DANA, "Seventy at most? No: eighty nine dollars, three weeks, and the headphones still not refunded.", True),
])
def test_paraphrase(rubric, customer, reply, expected):
    assert hit(rubric, customer, reply, "paraphrase") is expected


def test_wrong_facts_are_reported_with_a_tip(rubric):
    s = score_reply(DANA, "So you sent the headphones back two weeks ago?", rubric)
    assert s.analysis.wrong_facts == ("two weeks (customer said three weeks)",)
    assert "three weeks" in s["paraphrase"].tip


def test_paraphrase_tip_uses_the_customers_words(rubric):
    tip = score_reply(DANA, "I hear you.", rubric)["paraphrase"].tip
    assert tip.startswith("Try: 'So you sent those headphones back three weeks ago")
    assert "your eighty nine dollars" in tip


@pytest.mark.parametrize("reply,expected", [
    ("I'll process your refund today and email you the confirmation.", True),
    ("Would you like me to send a replacement pair out today?", True),
    ("How about I refund the eighty nine dollars to your card right now?", True),
    ("Let me escalate this to my supervisor so it goes through today.", True),
    ("A refund will be on your card within 24 hours.", True),
    ("I can't refund that.", False),
    ("We don't do refunds on headphones.", False),
    ("We'll look into it.", False),
    ("Someone will get back to you.", False),
    ("So your refund still hasn't arrived?", False),
    ("I'm so sorry about the wait.", False),
    ("Can you send me a screenshot of the return?", False),                  # asks, offers nothing
    ("You'll have to send them back again before we can do anything.", False),   # an order, not an offer
    ("Refund's going through now.", True),                                    # timing, no "I'll"
    ("Sorry, but there's nothing I can do, it's with the courier.", False),
    # hand-offs, self-service and the person a problem is passed to are no offer (second blind set)
    ("I'll pass it on to the manager and she'll give you a ring.", False),
    ("You can rebook delivery in the app whenever suits you.", False),
    ("Please contact the sender to arrange redelivery.", False),
    ("I've logged your case and our returns team will review it.", False),
    ("I'll email our manager and she'll get back to you in due course.", False),
    ("A refund of $180 has been issued to your card.", True),
    ("I'll ask the manager to approve a full refund now.", True),
])
def test_solution(rubric, reply, expected):
    assert hit(rubric, DANA, reply, "solution") is expected


def test_solution_tip_fits_the_scenario(rubric):
    assert "refund" in score_reply(DANA, "Okay.", rubric)["solution"].tip
    assert "replacement" in score_reply(LAPTOP, "Okay then.", rubric)["solution"].tip


def test_offers_match_inflections_and_skip_refusals(rubric):
    s = score_reply(DANA, "I've refunded it and I'll send a voucher too.", rubric,
                    offer_phrases=["refund", "voucher", "store credit"])
    assert s.analysis.offers == ("refund", "voucher")
    s = score_reply(DANA, "I can't refund that.", rubric, offer_phrases=["refund"])
    assert s.analysis.offers == ()


@pytest.mark.parametrize("reply", ["", "   ", "um", "uh... hmm"])
def test_empty_reply_misses_everything_with_tips(rubric, reply):
    s = score_reply(DANA, reply, rubric)
    assert s.analysis.silent
    assert [d.name for d in s.dimensions] == list(DIMENSIONS)
    assert all(not d.hit and d.score == 0 and d.tip for d in s.dimensions)


def test_evidence_is_the_replys_own_words(rubric):
    s = score_reply(DANA, "That's NOT my problem.", rubric)
    assert s["calm"].evidence == ("That's NOT my problem",)


def test_to_dict_shape(rubric):
    d = score_reply(DANA, "I'm sorry, I'll refund it today.", rubric).to_dict()
    assert list(d) == list(DIMENSIONS)
    for v in d.values():
        assert set(v) == {"score", "hit", "evidence", "tip"} and 0 <= v["score"] <= 1


# --- the voice ---------------------------------------------------------------------------------------------------

def voice(rel_db=0.0, wpm=150.0, pitch=2.0, speech_s=3.0):
    return Acoustics(loudness_db=-20 + rel_db, relative_loudness_db=rel_db, words_per_minute=wpm,
                     pitch_variability_st=pitch, speech_s=speech_s)


@pytest.mark.parametrize("acoustics,expected", [
    (voice(), True),
    (voice(rel_db=9), False),          # shouting
    (voice(wpm=260), False),           # rushing
    (voice(pitch=8), False),           # erratic pitch
    (voice(pitch=0.3), True),          # flat: a small cost only
    (voice(rel_db=9, speech_s=0.3), True),  # too little speech to judge
])
def test_voice_counts_towards_calm(rubric, acoustics, expected):
    s = score_reply(DANA, "I'm sorry, I'll refund it today.", rubric, acoustics=acoustics)
    assert s["calm"].hit is expected
    assert s.acoustics is acoustics


def test_voice_tip_names_the_measure(rubric):
    s = score_reply(DANA, "I'll refund it today.", rubric, acoustics=voice(rel_db=9))
    assert "dB above your usual level" in s["calm"].tip


# --- the rubric file ---------------------------------------------------------------------------------------------

def test_merge_extends_lists_and_replaces_scalars():
    base = {"a": {"x": 1, "l": ["p"]}, "b": 2}
    assert merge(base, {"a": {"x": 5, "l": ["q", "p"]}, "c": 3}) == {"a": {"x": 5, "l": ["p", "q"]}, "b": 2, "c": 3}
    assert base == {"a": {"x": 1, "l": ["p"]}, "b": 2}


def test_persona_overrides_add_phrases_and_change_thresholds(rubric):
    reply = "Fair enough."
    assert hit(rubric, DANA, reply, "calm")
    custom = load_rubric(overrides={"calm": {"costs": {"dismissal": {"phrases": ["fair enough"]}},
                                             "hit_at_or_above": 0.7}})
    assert not hit(custom, DANA, reply, "calm")
    assert custom.rules.calm.hit_at_or_above == 0.7
    assert "calm down" in custom.rules.calm.costs["trigger"].phrases  # the list was extended, not replaced
    assert "+ overrides" in custom.source


def test_env_rubric_is_found_by_config_not_by_the_scorer(tmp_path, monkeypatch, rubric):
    own = tmp_path / "org.yaml"
    own.write_text(rubric.to_yaml().replace("hit_at_or_above: 0.5", "hit_at_or_above: 0.9", 1))
    assert config.rubric_path() is None
    monkeypatch.setenv("VOICETRAINER_RUBRIC", str(own))
    assert load_rubric().source == str(DEFAULT_RUBRIC)     # the pure layer reads no environment
    assert config.rubric_path() == own
    r = load_rubric(config.rubric_path())
    assert r.source == str(own) and r.rules.calm.hit_at_or_above == 0.9


def test_cli_uses_the_env_rubric_with_a_personas_overrides(tmp_path, monkeypatch, rubric):
    """An organisation's rubric (VOICETRAINER_RUBRIC) and a persona's overrides both apply in every command."""
    import json

    import yaml
    from click.testing import CliRunner

    from voicetrainer.cli.main import main

    own = tmp_path / "org.yaml"   # the organisation finds "fair enough" dismissive
    own.write_text(yaml.safe_dump(merge(rubric.data, {"calm": {"costs": {"dismissal": {"phrases": ["fair enough"]}}}})))
    replies = tmp_path / "r.txt"
    replies.write_text("Fair enough. Your payment is pending.\n")   # "pending" is jargon to language-barrier

    def calm_evidence(*args, input=None):
        r = CliRunner().invoke(main, [str(a) for a in args], input=input)
        assert r.exit_code == 0, r.output
        out = json.loads(r.stdout.splitlines()[-1])
        return (out["scores"] if "scores" in out else out["turns"][0]["scores"])["calm"]["evidence"]

    line = json.dumps({"customer": DANA, "reply": "Fair enough."})
    simulate = ("persona", "simulate", "language-barrier", "--replies", replies, "--json", "--seed", "1")
    practice = ("practice", "language-barrier", "--replies", replies, "--json", "--seed", "1", "--no-audio",
                "--audio-out", tmp_path / "audio", "--no-keep-audio")
    assert calm_evidence("score", input=line) == []
    assert calm_evidence(*simulate) == calm_evidence(*practice) == ["pending"]
    monkeypatch.setenv("VOICETRAINER_RUBRIC", str(own))
    assert calm_evidence("score", input=line) == ["Fair enough"]
    assert calm_evidence(*simulate) == calm_evidence(*practice) == ["Fair enough", "pending"]
    shown = CliRunner().invoke(main, ["rubric", "show", "--persona", "language-barrier"]).stdout
    assert shown.startswith(f"# rubric in force: {own} + overrides\n")
    assert "fair enough" in shown and "reconciliation" in shown


@pytest.mark.parametrize("text,message", [
    ("calm: [", "not valid YAML"),
    ("- a list", "expected a mapping"),
    (None, "calm.costs.blame.weight: Input should be less than or equal to 1"),
    (None, "solution.offerz: unknown key"),
])
def test_bad_rubric_file_names_file_and_key(tmp_path, rubric, text, message):
    path = tmp_path / "bad.yaml"
    if text is None:
        good = rubric.to_yaml()
        text = (good.replace("      weight: 0.6\n      alternative: \"Let's look", "      weight: 6\n"
                             "      alternative: \"Let's look", 1) if "weight" in message
                else good.replace("\n  offers:\n", "\n  offerz: []\n  offers:\n", 1))
    path.write_text(text)
    with pytest.raises(RubricError) as e:
        load_rubric(path)
    assert str(path) in str(e.value) and message in str(e.value)


def test_missing_rubric_file(tmp_path):
    with pytest.raises(RubricError, match="cannot read rubric file"):
        load_rubric(tmp_path / "nope.yaml")


def test_bad_override_names_the_key():
    with pytest.raises(RubricError, match=r"\(with overrides\).*\n  empathy.hit_at_or_above"):
        load_rubric(overrides={"empathy": {"hit_at_or_above": "high"}})


def test_scoring_imports_no_audio_or_model():
    import subprocess  # other tests may have loaded them: check in a clean process

    code = textwrap.dedent("""
        import sys, voicetrainer.scoring, voicetrainer.text
        bad = [m for m in ("faster_whisper", "sounddevice", "pyttsx3", "soundfile", "onnxruntime") if m in sys.modules]
        print(bad)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# --- text helpers ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,kind,value", [
    ("three weeks ago", "duration", 21),
    ("21 days", "duration", 21),
    ("a fortnight", "duration", 14),
    ("eighty nine dollars", "money", 89),
    ("$49.99", "money", 49.99),
    ("order forty four seventy one", "number", 4471),
    ("the third time I've called", "count", 3),
    ("charged twice", "count", 2),
    ("six hundred pounds", "money", 600),
    ("printed as 14 June", "date", 14),
    ("it's the twenty third now", "date", 23),
    ("Friday at noon", "time", 0),
    ("on two of the five days", "qty:of", 2),
    ("a 12-year-old left behind", "age", 12),                                     # an age, not a duration
    ("our 10-month-old", "age", 10 * 30 / 365),                                    # in years, whatever the unit
    ("it turned up at ten to nine", "time", 8 + 50 / 60),                          # said clock times
    ("ended at ten past two", "time", 2 + 10 / 60),
    ("booked for half two", "time", 2.5),                                          # British "half two" is 2:30
    ("it turned up at ten to nine nearly an hour late", "time", 8 + 50 / 60),
    ("another two and a half weeks", "duration", 17.5),
    ("with the thirty first coming up", "date", 31),                               # a date before a verb
    ("I bought four 2.5 litre tins", "qty:tin", 4),                                # four tins, of 2.5 litres
    ("you paid ninety five each", "bare", 95),                                     # "each" counts nothing
])
def test_extract_facts(text, kind, value):
    facts = extract_facts(tokenize(text))
    assert (facts[0].kind, facts[0].value) == (kind, pytest.approx(value))


def test_second_person():
    assert second_person("I sent my headphones back and you lost them.") == \
        "you sent your headphones back and we lost them."
    assert second_person("I booked you to take down the ash, and I gave you my number.") == \
        "you booked us to take down the ash, and you gave us your number."          # "you" the object is "us"
    assert second_person("Why did you cancel? I told you, you promised me.") == \
        "Why did we cancel? You told us, we promised you."


@pytest.mark.parametrize("pattern,text,spans", [
    ("refund", "They refunded it, and the refunds came.", [(1, 2), (5, 6)]),   # any inflection, every match
    ("?really sorry", "I'm really sorry. Sorry!", [(2, 4), (4, 5)]),          # optional first word: no index key
    ("* feel that way", "sorry you feel that way", [(0, 5)]),                 # a leading gap
    ("< whatever >", "Whatever. Whatever interest you paid.", [(0, 1)]),     # anchored to a sentence or clause
    ("that's not my problem", "That is not my problem", [(0, 5)]),           # contractions on both sides
])
def test_phrase_set_finds_what_each_phrase_finds(pattern, text, spans):
    t = tokenize(text)
    assert [(m.start, m.end) for m in Phrase(pattern).find_all(t)] == spans
    found = PhraseSet([(pattern, "label"), ("no such words here", "other")]).find_all(t)
    assert [(m.start, m.end, label) for m, label in found] == [(a, b, "label") for a, b in spans]


def test_phrase_first_words_and_match_at():
    assert Phrase("refund|replace it").first_words == {stem("refund"), stem("replace")}
    assert Phrase("?really sorry").first_words is None and Phrase("* sorry").first_words is None
    t = tokenize("Sorry, whatever.")
    assert Phrase("< whatever >").match_at(t, 1) == Match("< whatever >", 1, 2)
    assert Phrase("< whatever").match_at(tokenize("so whatever"), 1) is None    # not at a clause start


# --- regressions found while writing personas ----------------------------------------------------------------------

def facts_of(text):
    return [(f.kind, round(f.value, 2)) for f in extract_facts(tokenize(text))]


def test_a_hundred_and_twenty_nine_is_129():                                            # bug 1
    assert facts_of("It was a hundred and twenty nine dollars.") == [("money", 129)]
    assert facts_of("one twenty nine dollars") == [("money", 129)]


def test_number_after_an_amount_is_not_cents():                                         # bug 2
    assert facts_of("I paid a hundred and twenty nine dollars ten days ago") == [("money", 129), ("duration", 10)]
    assert facts_of("the seventy nine dollar one you sent") == [("money", 79)]
    assert facts_of("eighty nine dollars and fifty cents") == [("money", 89.5)]


def test_numbers_do_not_run_across_punctuation():                                       # bug 3
    assert facts_of("It's six. Three hundred and forty dollars") == [("money", 340)]
    assert facts_of("order three oh nine one seven, seventy five dollars") == [("number", 30917), ("money", 75)]


def test_a_range_said_with_to_is_not_a_clock_time():
    assert facts_of("open from ten to twelve") == [("time", 10), ("bare", 12)]
    assert facts_of("ten to twelve people") == [("bare", 10), ("qty:person", 12)]


def test_loosely_said_durations_are_inexact():
    for text in ("take a minute, there's no rush", "half a day off", "it's ten minutes away", "about three weeks"):
        assert not extract_facts(tokenize(text))[0].exact, text
    assert extract_facts(tokenize("it took a minute"))[0].exact


@pytest.mark.parametrize("customer,reply,values", [
    ("I paid £280 two weeks ago.", "you paid two eighty two weeks ago", [280, 14]),
    ("I booked pitch 14 eight months ago.", "you booked pitch fourteen eight months ago", [14, 240]),
    ("It came at 8:50, 55 minutes late.", "so it came at eight fifty fifty five minutes late",
     [8 + 50 / 60, 55 / 1440]),
    ("Order 4471 is late.", "order forty four seventy one is late", [4471]),             # a value said: left whole
    ("I paid £45 on Monday.", "you paid twelve forty nine", [1249]),                     # no known parts: left whole
])
def test_a_spoken_run_is_split_where_it_says_two_of_the_customers_values(customer, reply, values):
    known = extract_facts(tokenize(customer))
    split = split_number_runs(tokenize(reply), known)
    assert [f.value for f in extract_facts(split)] == [pytest.approx(v) for v in values]


@pytest.mark.parametrize("customer,reply", [
    # two values in one spoken run
    ("I bought 20 sessions for £600 in January and 8 of them expired on 30 June.",
     "so you bought twenty sessions in january paid six hundred eight of those have expired as of the thirtieth of "
     "june"),
    # the days between two of the customer's dates
    ("The seal was due by the 14th. It's now the 21st and it's the wrong model, after three weeks of hand-washing.",
     "three weeks of washing by hand and then the seal turns up on the twenty first a week after we said the "
     "fourteenth and it's the wrong model"),
    # an amount said like a clock time, to a customer who gave a time and that amount
    ("You cancelled my lesson at 9pm the night before, after I'd paid £150.",
     "so cancelled at nine the night before by text and you paid one fifty"),
    # "before eight" is the time, not eight minutes
    ("Chloe cancelled 20 minutes before she was due at 8am.", "so chloe cancelled twenty minutes before eight"),
    # "half a day" is no contradiction of "40 minutes"
    ("I took a half day off to view the flat at 2pm and waited outside for 40 minutes.",
     "You took half a day off to view the flat at 2pm and waited 40 minutes outside."),
    # an age said without its unit
    ("I drove my 84-year-old dad forty minutes to Harrogate.", "you drove your dad he's eighty four forty minutes to "
     "harrogate"),
    ("Four letters in six weeks. My mum lives with me, she's 84 and she was terrified.",
     "we've sent four letters in six weeks and it's frightened your mum, who's 84."),           # no unit carried
    # a part of a whole, counted
    ("Three of my ebook loans vanished overnight and now it says I've hit my limit of 5 loans.",
     "So three loans vanished overnight and it now says you've hit your 5-loan limit."),
    # a pair said side by side, in the same order
    ("My booking for the 12th to the 14th says breakfast included, and you added £39 for two breakfasts.",
     "Being charged £39 for two breakfasts your 12th–14th booking already included isn't acceptable."),
    # an amount said like a clock time, after "at"
    ("I booked both boys for all five days at £120 each and you cancelled by email at 9pm.",
     "so an email at nine pm and both boys booked for all five days at one twenty each"),
    # "two of the three" counts books, not weeks
    ("I ordered three maths textbooks on 2 September and was told two weeks.",
     "so you ordered three maths books on the second of september and we said two weeks. they've got two of the "
     "three"),
    # a value with the same word before it on both sides stays in its place
    ("I paid £35 to get contracts to Fleet Street by 3pm and they turned up at 5:40.",
     "it came down to our rider getting the contracts to Fleet Street at 5:40 instead of by 3pm. I've refunded "
     "your £35."),
    ("My DAS course for the 12th to the 15th was cancelled. I've paid £850 and my test is booked for the 18th.",
     "so your das was booked for the twelfth to the fifteenth you paid eight fifty with your test on the "
     "eighteenth"),
    # a new date in a plan said in the passive
    ("The letter says I've got until the 30th of April to pay or I lose the plot.",
     "Losing your plot by 30 April must be upsetting. The plumber is booked to repair the tap on 12 April."),
    # a delivery to come, in the clause before the rep's own plan
    ("I drove forty minutes on Sunday for the TV at $399 and it was sold out.",
     "Yes, definitely. It arrives on Wednesday, and I'll email you a confirmation with the $399 price on it today."),
])
def test_values_read_the_customers_way_are_no_wrong_facts(rubric, customer, reply):
    assert score_reply(customer, reply, rubric).analysis.wrong_facts == ()


def test_oh_is_zero_only_between_digit_words(rubric):                                    # bug 4
    assert facts_of("Oh no, I'm sorry about that.") == []
    assert facts_of("room three oh four") == [("number", 304)]
    s = score_reply("I was charged a hundred dollars for my order.", "Oh no, I'm sorry, so you were charged a hundred "
                    "dollars for the order.", rubric)
    assert s.analysis.wrong_facts == () and s["paraphrase"].hit


def test_ordinals_are_dates_and_match_each_other(rubric):                               # bug 5
    assert facts_of("on the 12th") == [("date", 12)] and facts_of("the twelfth") == [("date", 12)]
    assert facts_of("March twenty first") == [("date", 21)]
    customer = "My delivery was booked for the twelfth and nobody came. I've called one time already."
    s = score_reply(customer, "So the delivery booked for the 12th never came?", rubric)
    assert s.analysis.wrong_facts == () and s["paraphrase"].hit
    s = score_reply(customer, "So the delivery booked for the 14th never came?", rubric)
    assert s.analysis.wrong_facts == ("14th (customer said twelfth)",)


def test_an_added_item_is_not_a_wrong_item(rubric):                                      # bug 6
    s = score_reply("I lost the receipt and I need to return this jacket.",
                    "So you've lost the gift receipt for the jacket you want to return?", rubric)
    assert s.analysis.wrong_facts == ()
    s = score_reply("I booked the hotel for three nights and the room was filthy.",
                    "So you booked the hotel for three nights and the room was dirty?", rubric)
    assert s.analysis.wrong_facts == ()
    s = score_reply(DANA, "So the speakers you sent back three weeks ago haven't been refunded?", rubric)
    assert s.analysis.wrong_facts == ("speakers (customer said headphones)",)


def test_nothing_to_restate_is_a_miss_that_says_ask_and_tips_are_never_garbled(rubric):  # bug 7, issue 11
    # Issue 11 changed the product definition: when the customer has said nothing specific yet ("Hi, I need help.")
    # no reply restates anything, so paraphrase misses, with a tip to ask first (bug 7 had it as a silent hit).
    s = score_reply("Yes, exactly. Thank you.", "Great, glad that works.", rubric)
    assert not s["paraphrase"].hit and s["paraphrase"].tip.startswith("Restate") and "ask" in s["paraphrase"].tip
    s = score_reply("Hi, I need help.", "Of course, I'm here. What's happened?", rubric)
    assert not s["paraphrase"].hit
    both = "My router has been dropping out every evening for five days. Yes, exactly. Thank you for saying that."
    tip = score_reply(both, "Okay.", rubric)["paraphrase"].tip
    assert "router" in tip and "thank" not in tip.lower()
    tip = score_reply("Thank you. Yes.", "", rubric)["paraphrase"].tip
    assert tip.startswith("Restate")


def test_pronoun_swapped_restatement_is_not_parroting(rubric):                          # bug 8
    s = score_reply("I sent my headphones back three weeks ago and I still have not got my money.",
                    "So you sent your headphones back three weeks ago and you still have not got your money.", rubric)
    assert s["paraphrase"].hit
    s = score_reply(DANA, DANA, rubric)
    assert not s["paraphrase"].hit and "word for word" in s["paraphrase"].tip


def test_a_quotation_in_quote_marks_is_not_parroting(rubric):
    customer = ("I've spent £24 on cartridges from Tesco to get her coursework done. I want the £17.98 back and I "
                "want the £24 covered.")
    s = score_reply(customer, "'I want the £17.98 back and I want the £24 covered.' Agreed on both counts: the £17.98 "
                    "is refunded and I've paid £24 for the Tesco cartridges.", rubric)
    assert s["paraphrase"].hit
    s = score_reply(customer, "I want the £17.98 back and I want the £24 covered.", rubric)
    assert not s["paraphrase"].hit and "word for word" in s["paraphrase"].tip


def test_persona_offer_phrases_count_towards_solution(rubric):                          # bug 9
    offers = ["honour the price", "honour the $399 price", "price match"]
    s = score_reply("It was $399 last week.", "I'll honor that three ninety nine price for you.", rubric,
                    offer_phrases=offers)
    assert s["solution"].hit and "honour the $399 price" in s.analysis.offers
    s = score_reply("The app crashed.", "Sorry, no, we don't do cash refunds. I'll send a store credit today.",
                    rubric, offer_phrases=["store credit"])
    assert s["solution"].hit and s.analysis.offers == ("store credit",)
    s = score_reply("It was $399.", "I can't honour the $399 price.", rubric, offer_phrases=offers)
    assert not s["solution"].hit and s.analysis.offers == ()
    # One content word is too little to match loosely: asking for the order number offers no "order one".
    s = score_reply("She took the last air fryer!", "Can I have your order number, please?", rubric,
                    offer_phrases=["order one", "hold one"])
    assert not s["solution"].hit and s.analysis.offers == ()
    s = score_reply("She took the last air fryer!", "I'll order one in for you today.", rubric,
                    offer_phrases=["order one", "hold one"])
    assert s["solution"].hit and s.analysis.offers == ("order one",)


@pytest.mark.parametrize("reply", [
    "You have tried restarting it three times and it has not helped.",
    "So you tried restarting it three times?",
    "I'm sorry, restarting it three times hasn't helped.",
    "I know you restarted it three times.",
])
def test_the_customers_own_action_is_not_an_offer(rubric, reply):                      # bug 10
    s = score_reply("My router keeps dropping. I restarted it three times.", reply, rubric,
                    offer_phrases=["restart it", "reboot the router"])
    assert not s["solution"].hit and s.analysis.offers == ()


def test_the_customers_own_words_restated_are_not_an_offer(rubric):
    customer = "My daughter's Railcard was refunded at £21 instead of the full £30 and nobody told us why."
    s = score_reply(customer, "Your daughter's Railcard was refunded at £21, not £30, and nobody explained why. "
                    "Unfortunately I can't change refund amounts from this team.", rubric)
    assert not s["solution"].hit
    s = score_reply(customer, "Your daughter's Railcard was refunded at £21, not £30. I'll refund the other £9 "
                    "today.", rubric)
    assert s["solution"].hit
    s = score_reply("I want my money back.", "I'm sorry. Would you like your money back today?", rubric)
    assert s["solution"].hit        # an offer of what they asked for, in their words


def test_troubleshooting_question_is_an_offer(rubric):
    assert hit(rubric, "My router keeps dropping.", "Have you tried turning it off and on again?", "solution")


def test_today_alone_is_not_a_solution(rubric):                                         # bug 11
    offers = ["refund the dinner", "dinner on us", "busy night", "free dessert"]
    s = score_reply("We waited an hour for our table.", "We're very busy today, everyone has to wait.", rubric,
                    offer_phrases=offers)
    assert not s["solution"].hit and not s["calm"].hit


@pytest.mark.parametrize("reply", ["Saturday was a busy night. Everyone had to wait.", "It's probably just pending.",
                                   "It was only twenty minutes.", "Everyone else manages fine."])
def test_minimising_is_not_calm(rubric, reply):                                          # bug 12
    assert not hit(rubric, "We waited an hour for our table on Saturday and my refund hasn't shown up.", reply, "calm")


@pytest.mark.parametrize("reply,expected", [
    ("What did you expect on a Saturday?", False),          # rhetorical question
    ("You need to read the terms before you buy.", False),  # imperative at the customer
    ("Stop interrupting me.", False),
    ("You're overreacting about a charger.", False),
    ("My hands are tied.", False),
    ("No.", False),
    ("Okay.", True),
    ("Noted.", True),
    ("Right, so the headphones went back three weeks ago?", True),
    ("I can't refund that, I'm afraid.", True),             # a plain polite refusal stays calm
])
def test_calm_structural_cues(rubric, reply, expected):
    assert hit(rubric, DANA, reply, "calm") is expected


@pytest.mark.parametrize("reply,expected", [
    ("I'll comp that night and get maintenance up there.", True),    # commitment + action verb + object
    ("How about the same shoe in navy, size ten?", True),            # offer as a question
    ("Would Thursday morning work for a visit?", True),
    ("I'll be honest with you.", False),                             # commitment, no action
    ("I can see why you're upset.", False),
    ("I'll look into it.", False),
    ("What do you want me to do about it?", False),                  # rhetorical
])
def test_solution_by_structure(rubric, reply, expected):
    assert hit(rubric, DANA, reply, "solution") is expected


def test_british_and_american_spellings_match():
    assert stem("honour") == stem("honor") and stem("apologise") == stem("apologize")
    assert stem("cancelled") == stem("canceled") == stem("cancel")


# --- issue 11: reading meaning, not phrase lists ----------------------------------------------------------------------

WATER = "You estimated my water bill at £186 for the quarter when it's usually £60. I sent a meter reading on the 2nd."
BILL = "My electricity bill for March is 210 dollars. I normally pay about 50! Nobody has read the meter since May."
FLIGHT = "You moved my 8:40 flight to Denver to 7 a.m. without asking! I live an hour from the airport."
TRIP = "My son was on a school trip to France and his phone ran up £62. He's on a £10 plan."
RENEWAL = "My renewal's come through at £1,240 — last year it was £610. No claims in 9 years."


def test_spoken_fillers_restarts_and_stutters_are_dropped_before_matching():
    from voicetrainer.text import fluent
    t = fluent(tokenize("um so I'll — I can refund the, the twenty four, you know, like, today"), ("um", "uh"),
               ("like", "you know", "i mean"))
    assert t.words == ("so", "i", "can", "refund", "the", "twenty", "four", "today")
    assert t.span_text(1, 4) == "I can refund" and t.span_text(3, 8) == "refund the the twenty four you know like today"
    text = "I'd like a refund. Do you know how to log in? It looks like rain."
    assert fluent(tokenize(text), (), ("like", "you know")).words == tokenize(text).words


def test_exact_form_and_no_phrase_across_a_sentence_end():
    assert Phrase("=shocking").find(tokenize("That's a real shock.")) is None
    assert Phrase("=shocking").find(tokenize("Shocking, I know.")) is not None
    assert Phrase("sorry * can not").find(tokenize("I'm sorry. I can't refund it.")) is None
    assert Phrase("sorry * can not").find(tokenize("Sorry, I can't refund it.")) is not None


@pytest.mark.parametrize("customer,reply,expected", [
    # the customer's own words quoted back, reported speech that restates, shorthand that only looks rude
    (WATER, "I'm sorry, that's a big shock when you're on your own. Let me look into it.", True),
    ("I feel like such an idiot for trusting you.", "Please don't feel like an idiot, you did nothing wrong.", True),
    ("You said 14 days and it's been 6 weeks.", "So you were told fourteen days and it's now six weeks.", True),
    (FLIGHT, "I'm sorry, you should have been asked first. You're on the 9:15 now.", True),
    (FLIGHT, "Understood. The 8:40 to Denver moved to 7 a.m.", True),
    (DANA, "so what I'll do is um book you in for Saturday", True),
    # rudeness with no stock phrase
    (WATER, "Honestly it's not complicated. Do you know how to open an email?", False),
    (WATER, "You two are behaving like kids.", False),
    (WATER, "YOU WERE TOLD. The price is £186 now.", False),
    (WATER, "Our engineer said the meter was FINE on Saturday.", False),   # one short stressed word
    (WATER, "I've asked the DVLA and the NHS trust; I'll call you back at 4.", True),   # acronyms are not shouting
    (WATER, "Are you sure you even sent a reading?", False),
    (WATER, "Sorry, but estimated bills are estimated.", False),
    (WATER, "Estimates happen. Anything else?", False),
    ("This is a scam.", "It's not a scam.", False),
    (WATER, "honestly the whole billing team is a shitshow", False),
    (WATER, "There's no need for the exclamation marks, I can read.", False),
    (WATER, "I need you to stop interrupting so I can look.", False),
    (WATER, "I want to help, but I need you to stop swearing at me.", True),     # boundary with abuse stays calm
    # the rep owning the company's fault; "Actually," before agreeing, not contradicting
    (WATER, "We should have told you before the price changed. I've put it back to £38.", True),
    (WATER, "Frankly, that's careless of us. I've put it back to £38.", True),
    (WATER, "I told you before, the price changed.", False),
    (WATER, "Actually, you were completely right to query it. I've put it back to £38.", True),
    (WATER, "Actually, there's no need to send a reading. I've put it back to £38.", True),
    (WATER, "Actually the price changed in May and we did write to you.", False),
    # pointing at the rules the customer should have read, or arguing it can't be our fault
    (WATER, "Sorry, but did you read the welcome letter? It explains the new tariff.", False),
    (WATER, "There's a sign in every branch explaining the new tariff.", False),
    (WATER, "Our meters are accurate when used as directed.", False),
    (WATER, "If you gave us an old reading, that will be why it went up.", False),
    (WATER, "i'm sorry i really am but the meter was checked in may so it can't have been the meter", False),
    (WATER, "It can't have been easy opening that bill. I've put it back to £38.", True),
    # look-alikes that name a feeling or reassure: kept calm; the blame and contradiction they resemble are not
    (WATER, "You must have been really fed up opening that bill. I've put it back to £38.", True),
    (WATER, "You must have read the meter wrong.", False),
    (WATER, "That's embarrassing in front of your work mates, I'm sorry. I've put it back to £38.", True),
    (WATER, "Look mate, it went up.", False),
    (WATER, "I'm sorry you had to take time off work for this. I've put it back to £38.", True),
    (WATER, "These things take time.", False),
    (WATER, "No, you're not imagining it, the bill is wrong. I've put it back to £38.", True),
    (WATER, "okay so no it's not normal for a bill to jump like that so don't worry. I've put it back to £38.", True),
    (WATER, "No you didn't send a reading.", False),
    # what can't be done, said with an acknowledgement and a reason, keeps calm; bare, or with a jab, it does not
    (WATER, "I'm really sorry, that's a lot to put up with. Unfortunately there's nothing I can do about the estimate "
            "until the meter is read.", True),
    (WATER, "Nothing I can do.", False),
    (WATER, "yeah well it's the system not us so there's not much i can do", False),
    # "it clearly shows" what the customer said: their account confirmed, not a rule pointed at
    (WATER, "Thank you for sending the reading from the 2nd — it clearly shows the bill was estimated when you had sent "
            "a reading, so it isn't fair to charge £186. I've put it back to £60.", True),
])
def test_calm_reads_context(rubric, customer, reply, expected):
    s = score_reply(customer, reply, rubric)["calm"]
    assert s.hit is expected, s.evidence
    if not expected:
        assert s.evidence and s.evidence[0].lower() in reply.lower() and s.tip.startswith(f"'{s.evidence[0]}'")


@pytest.mark.parametrize("reply,expected", [
    ("I'm so sorry, that's a horrible wait. I've refunded it. And next time, check the app first.", True),
    ("I totally get it, but the rules are the rules.", False),
    ("I'm sorry. With all due respect, though, we can't accept that without proof.", False),
    ("It's not really our fault.", False),                 # "our fault" said the other way round
    ("It isn't difficult if you follow the steps.", False),
    # the "but" a few words on, after the feeling has been named
    ("i totally get it honestly you're upset and you've every right to be but um there's not much i can do from "
     "here", False),
    # "unfortunately" and a refusal at the far end of its sentence
    ("I'm sorry to hear about your injury. Unfortunately, the fee is applied automatically by the booking system "
     "and we're unable to override it.", False),
    # "still" inside a clause is no contrast: "you still can't rely on it" names the impact
    ("i'm really sorry, that's exhausting, three times now and you still can't rely on it. i'll send someone "
     "tomorrow", True),
    # "the thing is" is a "but"; a "but" opening the next sentence reaches back past a long acknowledgement
    ("i hear you it's annoying um the thing is we can't fit parts during the test", False),
    ("I completely understand the stress, with a new job depending on it that's a lot of pressure. Unfortunately, if "
     "the booking isn't showing, there's nothing I can do.", False),
    ("I completely understand the stress, with a new job depending on it that's a lot of pressure. I've put the "
     "booking back and it's showing now.", True),
    # owning the fault names no feeling: with an apology or a feeling it is empathy, alone it is not
    ("That's on us. I've refunded the £38.", False),
    ("I'm sorry, that's on us. I've refunded the £38.", True),
    ("That's not right. I've refunded the £38.", False),          # agreeing names no feeling either
    ("Thanks for your patience. I've refunded the £38.", False),
    ("That's not right, I'm sorry. I've refunded the £38.", True),
])
def test_empathy_is_taken_back_only_by_a_but_right_after_it(rubric, reply, expected):
    assert hit(rubric, WATER, reply, "empathy") is expected


def test_owning_the_fault_alone_is_kept_and_the_tip_asks_for_the_feeling(rubric):
    s = score_reply(WATER, "That's on us. I've put it back to £38.", rubric)["empathy"]
    assert not s.hit and s.evidence == ("That's on us",) and s.tip.startswith("'That's on us' is a start")


COACH = ("Your coach left the activity centre without my son on Wednesday and he was stuck there for three hours "
         "until a teacher drove back for him. He's 12, and nobody phoned me until 7pm.")
GLASSES = ("I picked up my new glasses from your Kingsway branch on Saturday and the lenses are the wrong "
           "prescription. I've had headaches for three days and I need them for work on Monday.")
DRYER = "Your dryer 12 has swallowed my money again. Last night it took £3, ran for two minutes and stopped."
JAB = "I booked a flu jab for 10:30 this morning and waited 40 minutes, and then you told me there's no vaccine."
PARK = ("We paid £180 for four passes and the scanner rejected them all day. My kids waited 90 minutes in the normal "
        "queue and we only got on five rides.")


@pytest.mark.parametrize("customer,reply,expected", [
    (BILL, "So March came in at 210 against your usual 50?", True),                # two amounts, each in its place
    (BILL, "So it came in at fifty and normally you pay two hundred and ten?", False),   # swapped by role
    (TRIP, "So your son's phone ran up sixty two pounds on the school trip to France.", True),
    (TRIP, "So sixty two pounds from the trip to Spain.", False),                  # a different country
    ("The insurance only covers 300 for the table.", "So it covers three hundred for the table.", True),
    (RENEWAL, "So last year was twelve forty and this year six ten?", False),       # the years swapped
    (FLIGHT, "The 8:40 to Denver moved to 7 a.m. You're on the 9:15 now.", True),   # a new flight is no wrong fact
    ("It said 12 months but it's only been 8!", "So you got eight months of the twelve.", True),   # unit carried
    (BILL, "I'm sorry about your bill.", False),                                   # topic word alone
    ("Hi, I need help.", "Sure, what's happened?", False),                          # nothing said yet
    (COACH, "I'm so sorry. A 12-year-old left behind for three hours, and you not hearing until 7pm.", True),
    (COACH, "So he was left there for two hours?", False),                          # the wait changed
    (GLASSES, "So you've had headaches for ten days?", False),
    (PARK, "Only five rides in a whole day, I'm sorry. I'll refund the £180.", True),   # "a whole day" is a feeling
    (GLASSES, "Glasses that leave you with headaches aren't fit for purpose. If you come to Kingsway tomorrow at 10am, "
              "the optometrist will recheck them.", False),   # the headaches and the branch: not what went wrong
    (GLASSES, "So the new lenses you picked up at Kingsway on Saturday are the wrong prescription, and you've had "
              "headaches for three days. Come in tomorrow at 10am and we'll recheck them.", True),
    (PARK, "Honestly, £180 is a bargain.", False),   # one fact, used against them (share_needed)
    ("It says valid until 30 November, and your receptionist told me it expired in September.",
     "Your voucher says 30 September, so it has expired.", False),   # the day right, the month wrong
    ("She only turned up on two of the five days.", "So she came on three of the five days?", False),   # the part
    ("She only turned up on two of the five days.", "So she came on two of the five days?", True),
    # a day range's first day is a date with the end's month ("7–8 June"), not a wrong day
    ("You've moved my course from 7–8 June to 21–22 June with four days' notice.",
     "So the course on the seventh and eighth moved to the twenty first and second with four days notice.", True),
    ("You've moved my course from 7-8 June to 21-22 June with four days' notice.",
     "So the course moved from the 7th to the 21st with four days notice.", True),
    # pence decide between two amounts that both have them
    ("The parking machine took £5.40 for one hour.", "So the machine took £4.50 for the hour?", False),
    ("The parking machine took £5.40 for one hour.", "So the machine took £5.40 for the hour?", True),
    ("The parking machine took £5.40 for one hour.", "So the machine took about £5 for the hour?", True),
    # a contradiction word counts only before the value: "9, it just didn't turn up" is our delivery, not a correction
    (JAB, "I'm sorry you waited 40 minutes after booking for 10:30. We had a delivery due at 9, it just didn't turn "
          "up.", True),
    (JAB, "I'm sorry you waited 40 minutes after booking. No, your booking was at 9, not later.", False),
    # a numbered thing is compared with its own kind: "dryer 2" is not dryer 12, "level three" is no amount
    (DRYER, "So that's dryer 2 taking £3 last night; I'll refund it now.", False),
    (DRYER, "So that's dryer 12 taking £3 last night; I'll refund it now.", True),
    # a spoken run split where its parts are the customer's lane and time; a weekday is not a thing counted
    ("I had a booking for lane 4 at 7:30 on Friday and you've still charged me £48.",
     "so lane four seven thirty friday and we charged you forty eight quid", True),
    ("I had a booking for lane 4 at 7:30 on Friday and you've still charged me £48.",
     "so lane five seven thirty friday and we charged you forty eight quid", False),
    # a total worked out from charges in the months the customer named ("£8.99 in November and December")
    ("I cancelled in October but you've still taken £8.99 in November and December.",
     "so we've still charged eight ninety nine in november and december, i've refunded both so that's seventeen "
     "ninety eight", True),
    ("I cancelled in October but you've still taken £8.99 in November and December.",
     "so we've still charged nine ninety nine in november and december", False),
    # "the screen" is a part of the TV, not another item
    ("Your installer mounted my 65-inch TV and it's hanging two inches lower on the left.",
     "so the sixty five inch tv you had mounted, the screen's sitting two inches low on the left", True),
    ("Your installer mounted my 65-inch TV and it's hanging two inches lower on the left.",
     "so the sixty five inch fridge you had mounted is two inches low on the left", False),
    ("The allotment rent for my plot, number 14, has gone from £38 to £72 a year.",
     "yeah thirty eight up to seventy two plot fourteen yep", True),
    # an age is the customer's duration only within the units' rounding: 13 months old is neither 11 nor 12 months
    ("The car is 11 months old and the warranty is 12 months, and the £850 air-con repair isn't covered?",
     "so your car's thirteen months old and it's the air con", False),
    ("The car is 11 months old and the warranty is 12 months, and the £850 air-con repair isn't covered?",
     "so your car's eleven months old and it's the eight hundred and fifty pound air con repair", True),
    # one of two months said right does not excuse the other said wrong; "I'm sorry" plans nothing
    ("You replaced my clutch in March under warranty and it's gone again in July.",
     "ah I'm sorry, okay so the clutch was done in may and it's gone in july", False),
    ("You replaced my clutch in March under warranty and it's gone again in July.",
     "ah I'm sorry, okay so the clutch was done in march and it's gone in july", True),
    # a swap joined across a few words ("instead of your usual"); a verb's "to" joins nothing
    ("The app charged me $41.20 instead of my usual $3.10 for the same ride.",
     "So you were charged $3.10 instead of your usual $41.20?", False),
    ("The app charged me $41.20 instead of my usual $3.10 for the same ride.",
     "So you were charged $41.20 instead of your usual $3.10, for the same ride.", True),
    ("My order 55120 was supposed to arrive Monday and it's Thursday.",
     "Monday to Thursday on 55120 is late, I'm sorry.", True),
    # a unit written short is the same unit: kWh are kilowatt hours, mph miles
    ("The bill says I used 1,800 kilowatt hours in March when I normally use 400.",
     "So the bill shows 1,800 kWh in March against your normal 400.", True),
    ("The bill says I used 1,800 kilowatt hours in March when I normally use 400.",
     "So the bill shows 1,600 kWh in March against your normal 400.", False),
])
def test_paraphrase_by_role_and_unit(rubric, customer, reply, expected):
    s = score_reply(customer, reply, rubric)
    assert s["paraphrase"].hit is expected, (s["paraphrase"].evidence, s.analysis.wrong_facts)


@pytest.mark.parametrize("customer,months", [
    ("I cancelled on October 4th but you've still taken £8.99 in November and December.", 2),
    ("I cancelled on the 4th of October but you've still taken £8.99 in November and December.", 2),
    ("I cancelled in October but you've still taken £8.99 in November and December.", 3),
])
def test_a_month_inside_a_date_is_not_a_month_named(rubric, customer, months):
    from voicetrainer.scoring.facts import _months_named, content

    t = tokenize(customer)
    assert _months_named(t, content(t, rubric.compiled).facts) == months


def test_the_same_name_with_another_kind_of_place_is_a_wrong_fact(rubric):
    customer = "I docked the bike at the Elm Street station at 8:20 and it's charged me $38.50."
    s = score_reply(customer, "so you docked at elm park at eight twenty and it charged thirty eight fifty", rubric)
    assert not s["paraphrase"].hit and "elm park (customer said Elm Street)" in s.analysis.wrong_facts
    s = score_reply(customer, "so you docked at elm street at eight twenty and it charged thirty eight fifty", rubric)
    assert s["paraphrase"].hit and s.analysis.wrong_facts == ()


def test_a_day_put_where_another_day_was_is_a_wrong_fact(rubric):
    customer = "Your engineer came on Saturday and said the seal was fine, and by Sunday it had lost half the water."
    s = score_reply(customer, "okay so the engineer came on sunday and said the seal was fine and on monday it lost "
                    "half the water right", rubric)
    assert "sunday (customer said Saturday)" in s.analysis.wrong_facts
    s = score_reply(customer, "okay so the engineer came on saturday and said the seal was fine and by sunday it lost "
                    "half the water right", rubric)
    assert s.analysis.wrong_facts == () and s["paraphrase"].hit


def test_a_clock_time_is_no_difference_of_two_others(rubric):
    customer = "The tower was supposed to arrive at 1pm and your driver didn't get there until 3:40."
    s = score_reply(customer, "so the driver got there at twenty to three and the tower was missing", rubric)
    assert [w.split(" (")[0] for w in s.analysis.wrong_facts] == ["twenty to three"]    # not 3:40 less 1 pm
    s = score_reply(customer, "so the driver got there at twenty to four and the tower was missing", rubric)
    assert s.analysis.wrong_facts == ()


def test_records_the_rep_read_are_restated_not_new(rubric):
    # "I've looked at your agreement" reads the customer's record back: its year can be wrong ("I've moved you"
    # acts, and a new value there is no wrong fact); "Model 3" is a name, not £3
    customer = "I've been charged a £350 fee for my Tesla Model 3, and nobody mentioned it when I signed in 2022."
    s = score_reply(customer, "I've looked at your Model 3 agreement from 2021 and I'll refund the £350 today.", rubric)
    assert s.analysis.wrong_facts == ("2021 (customer said 2022)",)
    s = score_reply(customer, "I've looked at your Model 3 agreement from 2022 and I'll refund the £350 today.", rubric)
    assert s.analysis.wrong_facts == ()


def test_a_range_is_no_wrong_fact(rubric):
    s = score_reply(GLASSES, "That's rotten, a remake takes seven to ten days so I'll rush yours.", rubric)
    assert s.analysis.wrong_facts == ()


@pytest.mark.parametrize("reply,expected,named", [
    ("Let me get you a spare today.", True, ""),
    ("I'm re-booking you now on the 7:30.", True, ""),
    ("I can take 15 percent off.", True, ""),
    ("I can go to 40% on that.", True, ""),
    ("Check the cupboard, and if it isn't there I'll refund the full 400.", True, ""),
    ("To fix it: 1) log out, 2) clear your cache, 3) log back in.", True, ""),
    ("You're on the 7:30 am instead.", True, ""),
    ("I guarantee it will never happen again.", False, "guarantee"),
    ("I'll pass that on.", False, "pass that on"),
    ("Someone will be in touch.", False, "Someone will"),
    ("I've logged a ticket.", False, "logged a ticket"),
    ("I'll get the manager to ring you.", False, "get the manager to ring"),
    ("Let me flag it with the damage team and get back to you by Friday.", True, ""),   # a deadline the rep owns
    ("So you'd already booked the train and it got cancelled?", False, ""),        # the customer's own doing
    ("i'll get the centre manager to give you a call back about it", False, "get the centre manager"),
    ("I'll add your name to the list of affected customers.", False, "add your name"),
    ("I'm sorry you had to take time off for this.", False, ""),                  # what the customer had to do
])
def test_solution_by_who_does_what_and_when(rubric, reply, expected, named):
    s = score_reply("My package never came and I paid 400 for it.", reply, rubric)["solution"]
    assert s.hit is expected, s.evidence
    if named:
        assert s.evidence == (named,) or s.evidence[0].startswith(named.split()[0])
        assert s.tip.startswith(f"'{s.evidence[0]}'")


# Wordings written to probe the calm rules beyond the labelled sets (issue 11): each shape, not each sentence,
# is in rubric.yaml; polite look-alikes beside them must stay calm.
PRESCRIPTION = ("My prescription was meant to be ready on Friday. I've come in three times and it's still not done, "
                "and I'm out of my heart tablets.")


@pytest.mark.parametrize("reply,expected", [
    ("We're a pharmacy, not a miracle worker.", False),
    ("The doctor didn't send it through, so that's on the surgery.", False),
    ("Prescriptions take as long as they take.", False),
    ("It's really not my job to chase your GP.", False),
    ("Keep your voice down, there are other patients here.", False),
    ("You're not the only person waiting for a prescription.", False),
    ("That's between you and your doctor.", False),
    ("I'm sure one day without tablets won't kill you.", False),
    ("Listen, I've told you twice now it's not here.", False),
    ("Is there a reason you didn't order it earlier?", False),
    ("What do you want me to do, make the tablets myself?", False),
    ("You asked for Friday, not a guarantee.", False),
    ("Most customers manage to order on time.", False),
    ("Have you actually checked with the surgery?", False),
    ("I'm not going to repeat myself.", False),
    ("That sounds like a you problem.", False),
    ("Not to be rude, but that's a bit much.", False),
    ("Getting angry with the pharmacist doesn't actually speed anything up.", False),
    ("The driver will drop it off when he's next in the area.", False),
    ("I'm so sorry, three trips and you're out of your heart tablets. I'll get you an emergency supply today.", True),
    ("You shouldn't have had to come back three times. Let me check what's holding it up right now.", True),
    ("No, you shouldn't be chasing us for this. It'll be ready by 4.", True),
    ("Let me be specific about what happens next: I call the surgery, then I text you.", True),
    ("That's not how it should work, and I'm sorry. I'll fix it today.", True),
    ("It's not your fault at all. I'm sorting an emergency supply now.", True),
    ("Actually, I can do better: I'll have it delivered to you tomorrow morning.", True),
    ("Honestly, this one's on us. I'll have it ready in an hour.", True),
])
def test_calm_on_fresh_wordings(rubric, reply, expected):
    assert hit(rubric, PRESCRIPTION, reply, "calm") is expected


# Seventh round (stop 24): lecturing, correcting, defending the company and hurrying the caller, each a shape in
# rubric.yaml; the kind look-alikes beside them ("take your word", "correct that", "try not to worry") stay calm.
GYM = "You charged my card £45 twice this month after I cancelled my membership in March."


@pytest.mark.parametrize("reply,expected", [
    ("Just so you know, the contract is twelve months.", False),
    ("I'm going to stop you there.", False),
    ("Our trainers are professionals.", False),
    ("Had you read the terms, you'd have seen the fee.", False),
    ("Let me correct you: you cancelled in April.", False),
    ("As per our terms, there's no refund.", False),
    ("I've got other people waiting, so let's be quick.", False),
    ("We get dozens of these a day.", False),
    ("Let me get this straight: you never used the gym?", False),
    ("Bear in mind January is our busiest month.", False),
    ("Hopefully you can understand that we can't check every account.", False),
    ("There's no point ringing again and again.", False),
    ("Sorry, but we did send the cancellation email.", False),
    ("The last person you spoke to clearly didn't have a clue.", False),
    ("I'll take your word for it and refund the second £45 now.", True),
    ("We should have told you about the fee, I'm sorry. I've refunded it.", True),
    ("Let me correct that on your account now.", True),
    ("Please try not to worry, I'll have the £45 back on your card by Friday.", True),
    ("I'd appreciate it if you could send me the bank statement.", True),
    ("No other charges will be taken, and I've refunded the £45.", True),
])
def test_calm_on_lecturing_and_hurrying(rubric, reply, expected):
    assert hit(rubric, GYM, reply, "calm") is expected


@pytest.mark.parametrize("reply,expected", [
    ("No, you're right, that should never have happened. I'll refund the £45 today.", True),
    ("That's just awful, I'm so sorry. I've refunded the second charge.", True),
    ("The cancellation page doesn't spell it out, and that's on us.", True),
    ("This is not what you signed up for, and I'm sorry.", True),
    ("I can see why you're confused: the statement is unclear. I'll fix it now.", True),
    ("You must have been beside yourself when you saw that.", True),
    ("£90 is a big deal, and I'm sorry it happened.", True),
    ("To be honest, our billing system doesn't always log cancellations, so I believe you. I've refunded it.", True),
    ("You're absolutely right. The terms say the change should have been free, so I've refunded the £45.", True),
    ("There's been a mix-up on your side, I think.", False),
    ("That's just how billing works.", False),
    ("No, you're wrong about March.", False),
])
def test_calm_agreement_and_naming_the_harm_are_not_retorts(rubric, reply, expected):
    assert hit(rubric, GYM, reply, "calm") is expected


@pytest.mark.parametrize("reply,expected", [
    ("With all due respect, the terms are very clear.", False),
    ("Strictly speaking, that's a question for your bank.", False),
    ("We're not required to send reminders.", False),
    ("Just a tip: cancel online next time.", False),
    ("I'm not sure why that's so hard to understand.", False),
    ("You've said that about six times now.", False),
    ("Welcome to the world of gym contracts!", False),
    ("We've never had a complaint like this before.", False),
    ("I should point out that we did send you a renewal email.", False),     # "I should" is not owning a fault
    ("We should have told you before it renewed, frankly. I've refunded the £45.", True),
    ("I'll make sure the £45 is back on your card by Friday.", True),
])
def test_calm_on_policy_walls_and_put_downs(rubric, reply, expected):
    assert hit(rubric, GYM, reply, "calm") is expected


@pytest.mark.parametrize("text,words", [
    ("we'd already sent it", "we had already sent it"),
    ("the most we'd ever deduct is £20", "the most we would ever deduct is £20"),
    ("you'd never believe it", "you would never believe it"),
    ("we'd never had a complaint", "we had never had a complaint"),
    ("you'd paid in full", "you had paid in full"),
    ("I'd like to help", "i would like to help"),
])
def test_d_is_had_before_a_participle_and_would_before_a_verb(text, words):
    assert " ".join(tokenize(text).words) == words


def test_a_plan_with_would_adds_no_wrong_fact(rubric):
    customer = "We paid a £150 deposit for the hall and now you're keeping all of it over a sticky floor."
    s = score_reply(customer, "A sticky floor isn't grounds for keeping the whole £150. The most we'd ever deduct is "
                    "£20, so at least £130 comes back to you.", rubric)
    assert s.analysis.wrong_facts == () and s["paraphrase"].hit
