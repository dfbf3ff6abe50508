"""What a persona file's schema cannot see, checked before it is parsed: size, encoding, duplicate keys, alias
bombs, deep nesting, control characters, over-long strings and recordings outside the persona's folder.

`read_yaml_text(path)` returns the file's text, or the problems as 'file:line: ...' lines; the persona loader calls
it first, so no file a user is handed can crash, hang or quietly mislead the loader. PyYAML only (pure: no device,
model or environment); the caps are in voicetrainer/limits.py.
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from voicetrainer import limits

MAX_DEPTH = 64  # nesting of mappings and lists; a persona file is 5 deep
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when built: ~5x faster


def read_yaml_text(path: Path) -> tuple[str, list[str]]:
    """The text of a YAML file and every problem found before parsing (empty when there is none).

    Problems: unreadable, over `limits.MAX_PERSONA_BYTES`, not UTF-8 (with the line of the first bad byte), nested
    deeper than `MAX_DEPTH`, aliases expanding past `limits.MAX_YAML_NODES` or into themselves, duplicate keys (last
    would win silently), control characters or over-long strings in values, and `audio:` paths that leave the file's
    folder. A YAML syntax error is left to the caller's parser, which reports it with its line.
    """
    try:
        with open(path, "rb") as f:
            data = f.read(limits.MAX_PERSONA_BYTES + 1)
    except OSError as e:
        return "", [f"{path}: cannot read: {e.strerror or e}"]
    if len(data) > limits.MAX_PERSONA_BYTES:
        return "", [f"{path}: more than {limits.MAX_PERSONA_BYTES // 2**20} MB; a persona file is a few KB "
                    "(is it the right file?)"]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        return "", [f"{path}:{line}: not UTF-8 text (byte 0x{data[e.start]:02x}); save the file as UTF-8"]
    return text, yaml_problems(path, text)


def yaml_problems(path: Path, text: str) -> list[str]:
    """The problems of `read_yaml_text` in already decoded text ('file:line: ...'; empty when there is none)."""
    try:
        depth = 0
        for event in yaml.parse(text, Loader=_LOADER):  # events: iterative, safe on any nesting
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    line = event.start_mark.line + 1 if event.start_mark is not None else 1
                    return [f"{path}:{line}: nested more than {MAX_DEPTH} levels deep; a persona file is a handful "
                            "of levels"]
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
        root = yaml.compose(text, Loader=_LOADER)  # only once the nesting is known to be shallow
    except RecursionError:
        return [f"{path}:1: nested too deep; a persona file is a handful of levels"]
    except yaml.YAMLError as e:
        if "nesting depth" in str(e):  # libyaml's own limit (1,000 levels)
            mark = getattr(e, "problem_mark", None)
            return [f"{path}:{mark.line + 1 if mark else 1}: nested more than {MAX_DEPTH} levels deep; a persona "
                    "file is a handful of levels"]
        return []  # the loader reports syntax errors with their line
    if root is None:
        return []
    problem = _expansion_problem(root)
    if problem:
        return [f"{path}:{problem[0]}: {problem[1]}"]
    out: list[str] = []
    _walk(root, (), path, Path(path).parent, out)
    return out


def _expansion_problem(root: yaml.Node) -> tuple[int, str] | None:
    """(line, why) when aliases make the document recursive or expand it past `limits.MAX_YAML_NODES` nodes."""
    sizes: dict[int, int] = {}
    # Iterative post-order walk; a node seen again while still open is an alias into itself.
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    open_nodes: set[int] = set()
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            open_nodes.discard(key)
            sizes[key] = 1 + sum(sizes[id(c)] for c in _children(node))
            if sizes[key] > limits.MAX_YAML_NODES:
                return (node.start_mark.line + 1, f"aliases expand this to more than {limits.MAX_YAML_NODES:,} "
                        "values; a persona file needs no aliases")
            continue
        if key in sizes:
            continue
        if key in open_nodes:
            return node.start_mark.line + 1, "an alias refers to itself (a recursive structure); remove it"
        open_nodes.add(key)
        stack.append((node, True))
        for child in _children(node):
            if id(child) in open_nodes:
                return child.start_mark.line + 1, "an alias refers to itself (a recursive structure); remove it"
            if id(child) not in sizes:
                stack.append((child, False))
    return None


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _walk(node: yaml.Node, loc: tuple, path: Path, base: Path, out: list[str], depth: int = 0) -> None:
    """Duplicate keys, control characters, over-long strings and escaping audio paths, depth-first."""
    where = ".".join(str(x) for x in loc) or "(top level)"
    line = node.start_mark.line + 1
    if isinstance(node, yaml.ScalarNode):
        value = node.value
        bad = limits.control_char(value)
        if bad:
            out.append(f"{path}:{line}: {where}: a control character ({bad}); terminals act on these (clear the "
                       "screen, retitle the window), remove it")
        elif len(value) > limits.MAX_PERSONA_STRING:
            out.append(f"{path}:{line}: {where}: {len(value):,} characters; at most {limits.MAX_PERSONA_STRING:,} "
                       "in one value")
        elif loc and loc[-1] == "audio" and value:
            problem = audio_outside(base, value)
            if problem:
                out.append(f"{path}:{line}: {where}: '{value}' {problem}")
        return
    if isinstance(node, yaml.SequenceNode):
        for i, child in enumerate(node.value):
            _walk(child, loc + (i,), path, base, out, depth + 1)
        return
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for k, v in node.value:
            name = str(k.value) if isinstance(k, yaml.ScalarNode) else "(a complex key)"
            kline = k.start_mark.line + 1
            if name in seen:
                out.append(f"{path}:{kline}: {'.'.join(str(x) for x in loc + (name,))}: duplicate key (also on line "
                           f"{seen[name]}); YAML would keep only the last, remove one")
            else:
                seen[name] = kline
            _walk(v, loc + (name,), path, base, out, depth + 1)


def audio_outside(base: Path, ref: str) -> str | None:
    """Why a recording path leaves the persona's folder (None when it stays inside it).

    Absolute paths, '..' and symbolic links that point out are all refused: a persona shared by someone else must
    not make voicetrainer read (and play, and copy into an archive) any other file on the machine.
    """
    if os.path.isabs(ref) or ref.startswith(("~", "\\")) or (len(ref) > 1 and ref[1] == ":"):
        return ("is an absolute path; a recording must be inside the persona's folder "
                "(e.g. recordings/<id>/opening-1.wav)")
    parts = ref.replace("\\", "/").split("/")
    if ".." in parts:
        return "leaves the persona's folder ('..'); a recording must be inside it (e.g. recordings/<id>/opening-1.wav)"
    try:
        root = base.resolve()
        target = (base / ref).resolve()
    except (OSError, RuntimeError):
        return "cannot be resolved (a link loop?); a recording must be a plain file inside the persona's folder"
    if root != target and root not in target.parents:
        return "is a link out of the persona's folder; a recording must be a plain file inside it"
    return None
