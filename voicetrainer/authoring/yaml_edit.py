"""Surgical edits of a persona's YAML text: change one line's `audio:` and leave every other byte (comments, layout,
quoting) as the trainer wrote it. PyYAML's composed node tree gives the exact spans; the result is read back to prove
the edit changed only what it should."""

from __future__ import annotations

import json
import re

import yaml

from voicetrainer.errors import PersonaError


def _item_node(root: yaml.Node | None, intent: str, index: int) -> tuple[yaml.SequenceNode, yaml.Node]:
    def get(node, key):
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if k.value == key:
                    return v
        raise PersonaError(f"no '{key}' mapping where expected in the persona file")

    seq = get(get(root, "lines"), intent)
    if not isinstance(seq, yaml.SequenceNode) or not 0 <= index < len(seq.value):
        raise PersonaError(f"lines.{intent} has no line {index + 1}")
    return seq, seq.value[index]


def _scalar(value: str) -> str:
    """A YAML scalar for `value` safe in any context (plain when harmless, else double-quoted)."""
    if re.fullmatch(r"[A-Za-z0-9_./-]+", value):
        return value
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid YAML double-quoted scalar


def set_line_audio(text: str, intent: str, index: int, audio: str) -> str:
    """Return `text` with `audio:` set on line `index` (from 0) of `intent`, leaving every other byte as it was.

    A plain string item becomes a mapping (`text:` keeps its original spelling when it sits on one line of a block
    list); a mapping gets its `audio:` value replaced or a new `audio:` key after its last key.

    Raises:
        PersonaError: the line does not exist or the result would not read back as intended.
    """
    root = yaml.compose(text)
    seq, node = _item_node(root, intent, index)
    a = _scalar(audio)
    if isinstance(node, yaml.ScalarNode):
        s, e = node.start_mark, node.end_mark
        one_line = s.line == e.line and seq.flow_style is False
        if one_line:
            new = f"text: {text[s.index:e.index]}\n{' ' * s.column}audio: {a}"
        else:
            new = f"{{text: {json.dumps(node.value, ensure_ascii=False)}, audio: {a}}}"
        span = text[s.index:e.index]
        new += span[len(span.rstrip("\n")):]  # a block scalar (>-, |) owns the line break after it: keep it
        out = text[:s.index] + new + text[e.index:]
    elif isinstance(node, yaml.MappingNode):
        existing = next((v for k, v in node.value if k.value == "audio"), None)
        if existing is not None:
            out = text[:existing.start_mark.index] + a + text[existing.end_mark.index:]
        elif node.flow_style:
            close = node.end_mark.index - 1  # the '}'
            out = text[:close].rstrip() + f", audio: {a}" + text[close:]
        else:
            first_key = node.value[0][0]
            last = node.value[-1][1]
            col = first_key.start_mark.column
            # Insert a new line after the one the last value ends on (keeping any comment on that line in place).
            at = last.end_mark.index
            if last.end_mark.column != 0:
                nl = text.find("\n", at)
                at = len(text) if nl < 0 else nl + 1
            ins = f"{' ' * col}audio: {a}\n"
            if at == len(text) and not text.endswith("\n"):
                ins = "\n" + ins
            out = text[:at] + ins + text[at:]
    else:
        raise PersonaError(f"lines.{intent}.{index}: expected a text line or a mapping with text:")
    # Read it back: the edit must change exactly that line's audio.
    before = yaml.safe_load(text)["lines"][intent]
    after = yaml.safe_load(out)["lines"][intent]
    item = after[index]
    was = before[index]
    want_text = was if isinstance(was, str) else was.get("text")
    if not isinstance(item, dict) or item.get("audio") != audio or item.get("text") != want_text:
        raise PersonaError(f"could not add audio to lines.{intent}.{index} without changing its text; "
                           f"add `audio: {audio}` to it by hand")
    return out
