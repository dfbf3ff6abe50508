"""`voicetrainer persona upgrade FILE`: rewrite a v1 persona file as v2, keeping every comment and line it can.

Surgical text edits on the file (like the audio edits in check.py), checked by reading the result back:

- `schema_version: 1` becomes 2;
- `mood.effects`, `offer_accepted`, `offer_rejected`, `wrong_facts` and `silence` give way to a `temperament:` block
  that plays the same numbers (core/persona_v1.py says how they map);
- accept_offer lines that ask for a commitment detail ("Can you confirm it in writing?") get `about: how`/`when`,
  so the customer never asks for what was already promised;
- `ask_remedy` and `ask_commitment` lines are added (defaults to edit);
- a `facts:` section is started from the numbers in the scenario (order numbers, amounts, durations, dates), with
  `answers:` templates: review both, and add the facts a rep would ask for (email, phone, what was tried ...).

The result is validated as v2 and must play the same temperament the in-memory upgrade gives.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from voicetrainer.core.persona_v1 import (
    DEFAULT_ASK_COMMITMENT,
    DEFAULT_ASK_REMEDY,
    MoodV1,
    accept_line_about,
    temperament_from_effects,
)
from voicetrainer.errors import PersonaError
from voicetrainer.text import extract_facts, same_value, tokenize

_V1_MOOD_KEYS = ("effects", "offer_accepted", "offer_rejected", "wrong_facts", "silence")
_ASKED_BY = {
    "money": ["how much", "amount", "price", "cost", "what did you pay"],
    "duration": ["how long", "when did", "when was", "how long ago"],
    "date": ["what date", "which day", "when did", "when was"],
    "number": ["order number", "reference", "number"],
    "count": ["how many times", "how often"],
    "time": ["what time", "when"],
}


def _get(node: yaml.Node | None, key: str) -> tuple[yaml.Node, Any] | None:
    """(key node, value node) of `key` in a mapping node; None when the node is no mapping or has no such key.
    The value is typed Any: PyYAML's nodes carry `flow_style` and `value` only on their subclasses."""
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if k.value == key:
                return k, v
    return None


def _need(node: yaml.Node | None, key: str, source: str) -> tuple[yaml.Node, Any]:
    """`_get` for a key the validated persona is known to have."""
    got = _get(node, key)
    if got is None:
        raise PersonaError(f"{source}: no `{key}:` found to upgrade")
    return got


def _line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def _line_end(text: str, index: int) -> int:
    nl = text.find("\n", index)
    return len(text) if nl < 0 else nl + 1


def _scalar(value: str) -> str:
    """A YAML scalar that reads back as this string (numbers, yes/no and punctuation are quoted)."""
    plain = re.fullmatch(r"[A-Za-z][A-Za-z0-9_./ -]*", value) and value.lower() not in ("yes", "no", "on", "off",
                                                                                       "true", "false", "null")
    return value if plain and ": " not in value and not value.endswith(" ") else json.dumps(value, ensure_ascii=False)


def _temperament_text(t: dict) -> str:
    r, a = t["relief"], t["anger"]

    def fmt(d: dict) -> str:
        return ", ".join(f"{k}: {v:g}" for k, v in d.items())

    return ("temperament:                    # how the mood moves (see docs/personas.md); from the v1 mood.effects\n"
            f"  calms: {t['calms']:g}\n  flares: {t['flares']:g}\n  needs_most: {t['needs_most']}\n"
            f"  relief: {{{fmt(r)}}}\n  anger: {{{fmt(a)}}}\n")


def _lines_text(indent: str, name: str, items: list) -> str:
    out = [f"{indent}{name}:\n"]
    for it in items:
        if isinstance(it, str):
            out.append(f"{indent}  - {_scalar(it)}\n")
        else:
            keys = list(it.items())
            k0, v0 = keys[0]
            out.append(f"{indent}  - {k0}: {_scalar(str(v0))}\n")
            for k, v in keys[1:]:
                val = f"[{', '.join(str(x) for x in v)}]" if isinstance(v, list) else _scalar(str(v))
                out.append(f"{indent}    {k}: {val}\n")
    return "".join(out)


def _facts_text(data: dict) -> str:
    """A facts section from the numbers in the scenario, said as the opening says them where it does."""
    scenario = data.get("scenario", "")
    openings = [x if isinstance(x, str) else x.get("text", "") for x in data.get("lines", {}).get("opening", [])]
    spoken = [(f, t) for t in openings for f in extract_facts(tokenize(t))]
    facts = []
    seen: dict[str, int] = {}
    for f in extract_facts(tokenize(scenario)):
        if f.kind not in _ASKED_BY:
            continue
        name = {"money": "amount", "duration": "how_long", "number": "reference", "date": "date", "count": "times",
                "time": "time"}[f.kind]
        seen[name] = seen.get(name, 0) + 1
        fid = name if seen[name] == 1 else f"{name}_{seen[name]}"
        says = next((g.text for g, _ in spoken if same_value(f, g)), f.text)
        facts.append((fid, f.text, says, _ASKED_BY[f.kind]))
    out = ["facts:                          # what the customer knows; check these and add email, phone, what was\n"
           "                                # tried and what it wants (see docs/personas.md)\n"]
    if not facts:
        out = ["facts: {}                       # add what the customer knows (see docs/personas.md)\n"]
    for fid, value, says, asked in facts:
        out.append(f"  {fid}:\n    value: {_scalar(value)}\n    says: {_scalar(says)}\n"
                   f"    asked_by: [{', '.join(asked)}]\n")
    out.append('answers:                        # how it answers a question; {says} is the fact\'s words\n'
               '  given: ["{says}."]\n  again: ["I already told you. {says}."]\n  confirm: ["Yes. {says}."]\n'
               '  unknown: ["I don\'t know that."]\n')
    return "".join(out)


def _tag_line(text: str, seq: yaml.SequenceNode, index: int, about: str) -> str:
    """`about:` added to item `index` of a block sequence of lines (a plain item becomes a mapping)."""
    node = seq.value[index]
    if isinstance(node, yaml.ScalarNode):
        s, e = node.start_mark, node.end_mark
        if s.line == e.line and not seq.flow_style:
            new = f"text: {text[s.index:e.index]}\n{' ' * s.column}about: {about}"
        else:
            new = f"{{text: {json.dumps(node.value, ensure_ascii=False)}, about: {about}}}"
        return text[:s.index] + new + text[e.index:]
    if isinstance(node, yaml.MappingNode) and not node.flow_style:
        last = node.value[-1][1]
        at = _line_end(text, last.end_mark.index - 1) if last.end_mark.column else last.end_mark.index
        col = node.value[0][0].start_mark.column
        return text[:at] + f"{' ' * col}about: {about}\n" + text[at:]
    if isinstance(node, yaml.MappingNode):
        close = node.end_mark.index - 1
        return text[:close].rstrip() + f", about: {about}" + text[close:]
    return text


def upgrade_text(text: str, source: str = "persona") -> str:
    """The v2 text of a v1 persona file (see the module docstring).

    Raises:
        PersonaError: the text is not a valid v1 persona, is v2 already, or the edit would not read back right.
    """
    try:
        data = yaml.safe_load(text)
        root = yaml.compose(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"{source}:{mark.line + 1}" if mark else source
        raise PersonaError(f"{where}: not valid YAML: {getattr(e, 'problem', None) or e}") from None
    if not isinstance(data, dict):
        raise PersonaError(f"{source}: not a persona file")
    if data.get("schema_version", 1) == 2:
        raise PersonaError(f"{source}: already schema_version 2; nothing to upgrade")
    from pydantic import ValidationError

    from voicetrainer.core.persona_model import Persona
    from voicetrainer.core.persona_v1 import PersonaV1

    try:
        v1 = PersonaV1.model_validate(data)
    except ValidationError as e:
        raise PersonaError(f"{source}: not a valid v1 persona; fix it first (`voicetrainer persona check`): "
                           f"{e.errors()[0]['loc']}: {e.errors()[0]['msg']}") from None
    temperament = temperament_from_effects(MoodV1.model_validate(data["mood"]))

    # Edits go from the end of the file to its start, so earlier marks stay valid.
    edits: list[tuple[int, int, str]] = []
    lines_key, lines_node = _need(root, "lines", source)
    indent = " " * (lines_node.value[0][0].start_mark.column if lines_node.value else 2)
    end = lines_node.end_mark.index
    end = _line_end(text, end - 1) if lines_node.end_mark.column else end
    extra = _lines_text(indent, "ask_remedy", DEFAULT_ASK_REMEDY) + _lines_text(indent, "ask_commitment",
                                                                                  DEFAULT_ASK_COMMITMENT)
    if lines_node.flow_style:
        raise PersonaError(f"{source}: `lines:` is written inline; write it as a block to upgrade it")
    edits.append((end, end, extra))
    mood_key, mood_node = _need(root, "mood", source)
    mood_end = _line_end(text, mood_node.end_mark.index - 1) if mood_node.end_mark.column else mood_node.end_mark.index
    if mood_node.flow_style:
        edits.append((_line_start(text, mood_key.start_mark.index), mood_end,
                      f"mood:\n  start: {v1.mood.start:g}\n" + _temperament_text(temperament)))
    else:
        edits.append((mood_end, mood_end, _temperament_text(temperament)))
        pairs = mood_node.value
        for n, (k, _v) in enumerate(pairs):
            if k.value in _V1_MOOD_KEYS:  # from its line to the next key's line (or the end of the mapping)
                a = _line_start(text, k.start_mark.index)
                b = _line_start(text, pairs[n + 1][0].start_mark.index) if n + 1 < len(pairs) else mood_end
                edits.append((a, b, ""))
    sv = _get(root, "schema_version")
    if sv is not None:
        edits.append((sv[1].start_mark.index, sv[1].end_mark.index, "2"))
    else:
        edits.append((0, 0, "schema_version: 2\n"))
    out = text
    for a, b, new in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        out = out[:a] + new + out[b:]
    # about: tags on accept lines, then the facts and answers at the end.
    r2 = yaml.compose(out)
    seq = _need(_need(r2, "lines", source)[1], "accept_offer", source)[1]
    for i in reversed(range(len(seq.value))):
        node = seq.value[i]
        line_text = node.value if isinstance(node, yaml.ScalarNode) else dict(
            (k.value, v.value) for k, v in node.value).get("text", "")
        about = accept_line_about(line_text)
        if about:
            out = _tag_line(out, seq, i, about)
            seq = _need(_need(yaml.compose(out), "lines", source)[1], "accept_offer", source)[1]
    if not out.endswith("\n"):
        out += "\n"
    out += _facts_text(data)
    try:
        upgraded = Persona.model_validate(yaml.safe_load(out))
        in_memory = Persona.model_validate(data)
    except (ValidationError, yaml.YAMLError) as e:
        raise PersonaError(f"{source}: the upgrade did not read back as a valid v2 persona ({e}); "
                           "upgrade it by hand (docs/personas.md)") from None
    if upgraded.temperament != in_memory.temperament or upgraded.lines.accept_offer != in_memory.lines.accept_offer:
        raise PersonaError(f"{source}: the upgraded file would not play like the original; upgrade it by hand")
    return out


def upgrade_file(path: Path, out: Path | None = None) -> Path:
    """Rewrite `path` (or write `out`) as v2; returns the file written.

    Raises:
        PersonaError: see `upgrade_text`, or the file cannot be read or written.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise PersonaError(f"{path}: cannot read ({e.strerror or e})") from None
    new = upgrade_text(text, str(path))
    target = out or path
    try:
        target.write_text(new, encoding="utf-8")
    except OSError as e:
        raise PersonaError(f"{target}: cannot write ({e.strerror or e}); pass another --out") from None
    return target
