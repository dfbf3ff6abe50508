"""The commented YAML skeleton `voicetrainer persona new` writes: a schema version 2 persona (temperament, facts,
answers, offers with their own lines) that validates, checks clean and can be practised as it is, with every field
explained, for the trainer to edit. docs/personas.md describes each field; core/persona_model.py is the schema."""

from __future__ import annotations

from voicetrainer.authoring.paths import check_name
from voicetrainer.core.persona import SCENARIOS
from voicetrainer.errors import PersonaError

_SKELETON = """\
# {title}: describe in a line or two who this customer is, what went wrong and what calms them down.
# Written by `voicetrainer persona new`; every field is explained in docs/personas.md.
#   voicetrainer persona check {name}                     validate, and flag lines that can never be said
#   voicetrainer persona simulate {name} --replies FILE   test it with a scripted conversation
#   voicetrainer persona preview {name} --no-audio        hear every line (as WAV files)
#   voicetrainer persona record {name}                    record the lines in your own voice (optional)
# The id is the file name ({name}); it is never a field in the file.
schema_version: 2
name: {title}                            # shown to the rep
scenario_type: {scenario_type}                  # one of: {scenarios}
scenario: >-                              # the backstory the rep reads before the call (digits are fine here)
  The customer ordered a kettle three weeks ago (order 5821, 40 dollars) and it never arrived. They were promised
  a call back twice and nobody called; they want a replacement this week or a refund. On file: sam.lee@example.com,
  phone 555 0199.

voice: {{rate: 175, volume: 0.9}}          # words per minute (80-400), volume 0-1; voice_id: see `voicetrainer voices`

mood:                                     # 0 = calm ... 100 = furious
  start: 60

# How the customer judges the call: over the call it needs to be heard (acknowledged, apologised to for the
# impact), understood (its facts restated), offered a remedy it accepts, given a commitment (when it happens and
# how it will know) and treated with respect throughout. A need met stays met unless undone.
temperament:
  calms: 1.0                              # scales every relief: 2 calms twice as fast
  flares: 1.0                             # scales every anger: 2 flares twice as fast
  needs_most: remedy                      # heard | understood | remedy | commitment | respect: pressed for first
  relief:                                 # mood change when a need is met for the first time (negative calms)
    heard: -8
    understood: -8
    remedy: -20
    commitment: -6
    progress: -3                          # any calm reply that moves the call on (a question, an answer, a step)
  anger:                                  # mood change when something goes wrong
    calm_lost: 15                         # blame, dismissal, sarcasm ("calm down", "that's policy")
    wrong_fact: 8                         # a restatement gets a fact wrong ("two weeks" for three)
    offer_rejected: 10                    # an offer from solutions.reject
    impatience: 2                         # a turn that moves nothing on while needs remain: x2 the next, x3 ...
    silence: 6                            # a turn with no reply

outcomes:
  resolved_at_or_below: 35                # a remedy accepted, the commitment given or asked for: resolved at this mood
  escalate_at_or_above: 85                # asks for a manager (the call ends)
  hang_up_at_or_above: 95                 # hangs up (the call ends)
  max_silences: 2                         # silent turns in a row before hanging up
  max_turns: 8                            # replies before the call runs out of time

solutions:                                # offers, as short phrases a rep would say
  accept:                                 # what meets the remedy need
    - refund
    - send a new one
    - replacement
  reject:                                 # what it turns down; `says:` answers that very offer
    - offer: store credit
      says: ["I don't want store credit. I paid for a kettle, I want the kettle or my money."]
    - offer: wait another week
      says: ["Wait another week? I've already waited three weeks."]

# What the customer knows. A rep who asks for a fact gets it (composed from `answers:` below); a restatement is
# checked against these values. value: as a rep would write it; says: how the customer says it (numbers as
# spoken words); asked_by: words a question uses to ask for it.
facts:
  order_number:
    value: "5821"
    says: it's order five eight two one
    asked_by: [order number, reference, order no]
  item:
    value: kettle
    says: a kettle, a silver electric one
    asked_by: [item, product, what did you order, which kettle]
  ordered:
    value: three weeks ago
    says: I ordered it three weeks ago
    asked_by: [when did you order, when did you, when did this|it happen, how long ago, what date, when was]
  amount:
    value: 40 dollars
    says: forty dollars
    asked_by: [how much, amount, price, cost, what did you pay]
  problem:
    value: kettle never arrived
    says: I ordered a kettle three weeks ago and it never arrived
    asked_by: [what happened, what's the problem, what is the problem, tell me more, what's going on, explain]
  tried:
    value: called twice
    says: I've called twice and was promised a call back both times, and nobody called
    asked_by: [called before, contacted us, spoken to, tried, been in touch]
  wants:
    value: a replacement this week or a refund
    says: I want the kettle this week, or my forty dollars back
    asked_by: [what would you like, what do you want, what can i do, how would you like, what would help]
  email:
    value: sam.lee@example.com
    says: it's sam dot lee at example dot com
    asked_by: [email, e mail, email address]
  phone:
    value: 555 0199
    says: it's five five five, oh one nine nine
    asked_by: [phone, phone number, telephone, mobile, call you on, contact number]

answers:                                  # how it answers a question; {{says}} is the fact's words
  given:                                  # asked for a fact it has not given yet
    - "{{says}}."
    - text: "{{says}}. I've told two people this already."
      mood: [55, 100]
  again:                                  # asked for a fact it already gave
    - "I already told you. {{says}}."
  confirm:                                # the rep checked a fact and had it right
    - "Yes. {{says}}."
    - "That's right. {{says}}."
  unknown:                                # asked for something it cannot know
    - I don't know that. I just want my kettle.
  tails:                                  # said after an answer, carrying the mood; about: only while that is missing
    - text: So where is my kettle?
      about: remedy
    - text: Now what are you going to do about it?
      mood: [50, 100]
      about: remedy
    - text: And when will that happen?
      about: when

# What the customer says, by intent. Give each intent a few variants: within a call the customer never repeats a
# line while an unused one fits. A variant can be limited to a mood band:   - text: ...
#                                                                            mood: [60, 100]
# be said only while something is missing:                                  about: remedy   (or heard, when, how ...)
# and use a recording instead of text-to-speech:                            audio: recordings/{name}/opening-1.wav
# (`voicetrainer persona record {name}` adds those for you). Write numbers as spoken words.
lines:
  opening:                                # the first thing they say: put the facts the rep should restate here
    - I ordered a kettle three weeks ago, paid forty dollars, and it never arrived. Nobody called me back.
    - It's been three weeks since I paid forty dollars for a kettle, and I still don't have it.
  pushback:                               # not heard yet, or the call stalls
    - That doesn't answer my question. Where is my kettle?
    - text: I've heard that twice already. I want it sorted today.
      mood: [60, 100]
    - text: Do you even know what happened with my order?
      about: understood
    - text: I don't need to hear sorry again. I need my kettle.
      about: remedy
  correction:                             # when the rep gets a fact wrong
    - No, it was three weeks ago, and it was forty dollars.
    - That's not right. A kettle, forty dollars, three weeks ago.
  accept_offer:                           # an offer it accepts, while still too upset to close
    - Alright. If you actually do that, that would help.
    - text: Fine, but I want it confirmed in writing.
      about: how
    - text: Okay. And when will that happen?
      about: when
  reject_offer:                           # an offer from solutions.reject (offers with their own says: come first)
    - That's not what I asked for. I want the kettle or my money back.
    - No. I've waited long enough for this.
  soften:                                 # a need was met: press for the next one
    - text: Okay. Thank you for actually listening. So what happens now?
      about: remedy
    - text: Right. So what are you going to do about it?
      mood: [50, 100]
      about: remedy
    - text: Yes, that's it exactly. So can you fix it?
      about: remedy
    - Okay. Go on.
  escalate:                               # asks for a manager; the call ends
    - I want to speak to your manager.
    - That's it. Put me through to someone in charge.
  still_there:                            # after a silent turn
    - Hello? Are you still there?
    - Hello? Did you hear me?
  resolved:                               # a remedy accepted and calm enough; the call ends
    - Thank you. That's all I wanted.
    - Okay, that's what I needed to hear. Thanks for sorting it out.
  hang_up:                                # too angry, or too many silences; the call ends
    - Forget it. I'm done. Goodbye.
  ask_remedy:                             # heard, but nothing concrete yet: asks for specifics
    - So what are you actually going to do about it?
    - text: Okay. But what happens now? What are you going to do?
      mood: [0, 70]
    - text: Sorry doesn't get me my kettle. What will you do?
      mood: [50, 100]
    - Can you just tell me what happens next?
  ask_commitment:                         # accepted: asks when it happens and how it will know
    - When will that happen, and how will I know it's done?
    - text: And when will that be done?
      about: when
    - text: And how will I know it's actually happened?
      about: how
"""


def skeleton_text(name: str, scenario_type: str = "other") -> str:
    """The commented YAML of a new schema v2 persona that already validates, checks clean and can be practised.

    Raises:
        PersonaError: a bad name or an unknown scenario type.
    """
    check_name(name)
    if scenario_type not in SCENARIOS:
        raise PersonaError(f"unknown scenario type '{scenario_type}'; expected one of: {', '.join(SCENARIOS)}")
    title = name.replace("-", " ").replace("_", " ").capitalize()
    return _SKELETON.format(name=name, title=title, scenario_type=scenario_type, scenarios=", ".join(SCENARIOS))
