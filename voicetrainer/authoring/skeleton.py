"""The commented YAML skeleton `voicetrainer persona new` writes: a persona that validates and can be practised as it
is, with every field explained, for the trainer to edit."""

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
schema_version: 1
name: {title}                            # shown to the rep
scenario_type: {scenario_type}                  # one of: {scenarios}
scenario: >-                              # the backstory the rep reads before the call
  The customer ordered a kettle three weeks ago, paid forty dollars, and it never arrived. They were promised
  a call back twice and nobody called.

voice: {{rate: 175, volume: 0.9}}          # words per minute (80-400), volume 0-1; voice_id: see `voicetrainer voices`

mood:                                     # 0 = calm ... 100 = furious
  start: 60
  effects:                                # mood change per reply, per rubric dimension: hit (negative calms), miss
    calm: {{hit: -3, miss: 15}}             # the rep stays calm and polite
    empathy: {{hit: -8, miss: 4}}           # acknowledges the feeling or the impact
    paraphrase: {{hit: -8, miss: 3}}        # restates the customer's facts correctly
    solution: {{hit: -10, miss: 5}}         # commits to a concrete next step
  offer_accepted: -15                     # the rep offers something from solutions.accept
  offer_rejected: 10                      # ... or only something from solutions.reject
  wrong_facts: 8                          # a restatement gets a fact wrong ("two weeks" for three)
  silence: 6                              # a turn with no reply

outcomes:
  resolved_at_or_below: 35                # an accepted offer closes the call once the mood is this low
  escalate_at_or_above: 85                # asks for a manager (the call ends)
  hang_up_at_or_above: 95                 # hangs up (the call ends)
  max_silences: 2                         # silent turns in a row before hanging up
  max_turns: 8                            # replies before the call runs out of time

solutions:                                # offers, as phrases the rep might say
  accept: [refund, send a new one, replacement]
  reject: [store credit, wait another week]

# What the customer says, by intent. Give each intent a few variants: one is chosen at random, so two sessions
# don't sound the same. A variant can be limited to a mood band:   - text: ...
#                                                                   mood: [60, 100]
# and can use a recording instead of text-to-speech:               audio: recordings/{name}/opening-1.wav
# (`voicetrainer persona record {name}` adds those for you). Write numbers as spoken words.
lines:
  opening:                                # the first thing they say: put the facts the rep should restate here
    - I ordered a kettle three weeks ago, paid forty dollars, and it never arrived. Nobody called me back.
    - It's been three weeks since I paid forty dollars for a kettle, and I still don't have it.
  pushback:                               # when the reply didn't help
    - That doesn't answer my question. Where is my kettle?
    - text: I've heard that twice already. I want it sorted today.
      mood: [60, 100]
  correction:                             # when the rep gets a fact wrong
    - No, it was three weeks ago, and it was forty dollars.
  accept_offer:                           # an accepted offer while still too upset to close
    - Alright. If you actually do that, that would help.
    - Fine, but I want it confirmed in writing.
  reject_offer:                           # an offer from solutions.reject
    - I don't want store credit. I paid for a kettle.
    - Wait another week? No.
  soften:                                 # the mood fell
    - Okay. Thank you for actually listening.
    - text: Right. Go on.
      mood: [50, 100]
  escalate:                               # asks for a manager; the call ends
    - I want to speak to your manager.
  still_there:                            # after a silent turn
    - Hello? Are you still there?
  resolved:                               # an accepted offer and calm enough; the call ends
    - Thank you. That's all I wanted.
  hang_up:                                # too angry, or too many silences; the call ends
    - Forget it. I'm done. Goodbye.
"""


def skeleton_text(name: str, scenario_type: str = "other") -> str:
    """The commented YAML of a new persona that already validates and can be practised.

    Raises:
        PersonaError: a bad name or an unknown scenario type.
    """
    check_name(name)
    if scenario_type not in SCENARIOS:
        raise PersonaError(f"unknown scenario type '{scenario_type}'; expected one of: {', '.join(SCENARIOS)}")
    title = name.replace("-", " ").replace("_", " ").capitalize()
    return _SKELETON.format(name=name, title=title, scenario_type=scenario_type, scenarios=", ".join(SCENARIOS))
