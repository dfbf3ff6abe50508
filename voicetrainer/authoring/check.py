"""Pure helpers behind the trainer tools: the skeleton of a new persona, reachability of lines and outcomes, surgical
edits of a persona's YAML text, and sharing a persona as one archive.

No audio, no devices, no models. The warnings (unreachable lines and outcomes, facts, loops) are made in
conversation_checks.py; see docs/persona-tools.md.
Recording and playback live in recording.py and the CLI.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import stat
import tarfile
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

import yaml

from voicetrainer.authoring.conversation_checks import Finding, conversation_warnings  # noqa: F401 (re-exported)
from voicetrainer.errors import PersonaError
from voicetrainer.core.persona import SCENARIOS, Persona, _line_of, audio_lines, persona_errors

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
AUDIO_SUFFIXES = (".wav", ".flac", ".ogg")
RECORDINGS = "recordings"


def check_name(name: str) -> str:
    """A persona id must be a safe file stem (it becomes `<id>.yaml`, a folder name and an archive member).

    Raises:
        PersonaError: the name is not lower-case letters, digits, '-' and '_'.
    """
    if not NAME_RE.match(name):
        raise PersonaError(f"invalid persona name '{name}': use lower-case letters, digits, '-' and '_' "
                           "(e.g. angry-tenant), at most 64 characters")
    return name


def recording_relpath(persona_id: str, intent: str, n: int) -> str:
    """Where the recording of line n (counted from 1) of `intent` goes, relative to the persona file.

    One folder per persona: several personas share a folder (personas/, the user's folder), and their
    `opening-1.wav` files must not overwrite each other.
    """
    return f"{RECORDINGS}/{persona_id}/{intent}-{n}.wav"


# --- persona new -----------------------------------------------------------------------------------------------

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


def check_file(path: Path) -> tuple[list[str], list[str]]:
    """Errors and reachability warnings of one persona file, each as 'file:line: ...'.

    Warnings are computed only for a valid file.
    """
    errors = persona_errors(path)
    if errors:
        return errors, []
    text = path.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    p = Persona.model_validate(data)
    root = yaml.compose(text)
    warnings = []
    for w in conversation_warnings(p, data.get("schema_version", 1)):
        loc = tuple(int(x) if x.isdigit() else x for x in w.field.split("."))
        warnings.append(f"{path}:{_line_of(root, loc) or 1}: warning: {w.field}: {w.message}")
    return [], warnings


# --- surgical YAML edits ---------------------------------------------------------------------------------------


def _item_node(root: yaml.Node, intent: str, index: int) -> tuple[yaml.Node, yaml.Node]:
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


# --- sharing: export and import --------------------------------------------------------------------------------

MANIFEST = "manifest.json"
FORMAT = "voicetrainer-persona"
MAX_ARCHIVE_BYTES = 500 * 1024 * 1024  # a persona with every line recorded is a few MB; refuse zip bombs


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _safe_member(name: str) -> str | None:
    """The problem with an archive member name, or None when it is a plain relative path."""
    if "\\" in name:
        return "a path with backslashes"
    if not name or name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return "an absolute path"
    parts = PurePosixPath(name).parts
    if ".." in parts:
        return "a '..' path"
    return None


def _audio_refs(persona: Persona) -> list[str]:
    return sorted({ln.audio for _, ln in audio_lines(persona) if ln.audio})


def _check_ref(ref: str, where: str) -> str:
    problem = _safe_member(ref)
    if problem or not ref.lower().endswith(AUDIO_SUFFIXES) or PurePosixPath(ref).parts[0] != RECORDINGS:
        raise PersonaError(f"{where}: audio '{ref}' must be a relative path under {RECORDINGS}/ ending "
                           f"{'/'.join(AUDIO_SUFFIXES)}, so it can travel with the persona")
    return PurePosixPath(ref).as_posix()


def export_persona(persona: Persona, out: Path, force: bool = False) -> Path:
    """Write the persona file, its recordings and a manifest (id, files, sha256) to a .zip or .tar.gz archive.

    Raises:
        PersonaError: the archive exists (without force), an odd suffix, or an audio path outside recordings/.
    """
    if persona.path is None:
        raise PersonaError("this persona has no file to export")
    name = out.name.lower()
    if not name.endswith((".zip", ".tar.gz", ".tgz")):
        raise PersonaError(f"{out}: the archive name must end .zip or .tar.gz")
    if out.exists() and not force:
        raise PersonaError(f"{out} already exists; choose another --out or pass --force")
    errors = persona_errors(persona.path)
    if errors:
        raise PersonaError(f"{persona.path}: invalid persona, fix it first\n  " + "\n  ".join(errors))
    files: dict[str, bytes] = {f"{persona.id}.yaml": persona.path.read_bytes()}
    for ref in _audio_refs(persona):
        rel = _check_ref(ref, str(persona.path))
        files[rel] = (persona.path.parent / rel).read_bytes()
    manifest = {"format": FORMAT, "format_version": 1, "persona": persona.id,
                "files": [{"path": p, "sha256": _sha256(b), "bytes": len(b)} for p, b in files.items()]}
    members = {MANIFEST: json.dumps(manifest, indent=2).encode() + b"\n", **files}
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    if name.endswith(".zip"):
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
            for p, b in members.items():
                z.writestr(zipfile.ZipInfo(p, date_time=(1980, 1, 1, 0, 0, 0)), b, zipfile.ZIP_DEFLATED)
    else:
        with tarfile.open(tmp, "w:gz") as t:
            for p, b in members.items():
                info = tarfile.TarInfo(p)
                info.size, info.mode, info.mtime = len(b), 0o644, 0
                t.addfile(info, io.BytesIO(b))
    os.replace(tmp, out)
    return out


def _read_members(archive: Path) -> dict[str, bytes]:
    """Every member of a zip or tar(.gz) as bytes, refusing anything but regular files at plain relative paths."""
    bad = f"{archive}: not a persona archive"
    members: dict[str, bytes] = {}
    total = 0

    def add(name: str, data_size: int, read):
        nonlocal total
        problem = _safe_member(name)
        if problem:
            raise PersonaError(f"{bad}: member '{name}' is {problem}; refusing to install it")
        name = PurePosixPath(name).as_posix()
        if name in members:
            raise PersonaError(f"{bad}: member '{name}' appears twice")
        total += data_size
        if total > MAX_ARCHIVE_BYTES:
            raise PersonaError(f"{bad}: more than {MAX_ARCHIVE_BYTES // 2**20} MB unpacked")
        members[name] = read()

    if zipfile.is_zipfile(archive):
        try:
            with zipfile.ZipFile(archive) as z:
                for info in z.infolist():
                    mode = info.external_attr >> 16
                    if info.is_dir():
                        continue
                    if stat.S_ISLNK(mode):
                        raise PersonaError(f"{bad}: member '{info.filename}' is a symbolic link; refusing it")
                    add(info.filename, info.file_size, lambda i=info: z.read(i))
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError) as e:
            raise PersonaError(f"{bad}: the zip file is damaged ({e})") from None
        return members
    try:
        is_tar = tarfile.is_tarfile(archive)
    except OSError:
        is_tar = False
    if not is_tar:
        raise PersonaError(f"{bad} (expected a .zip or .tar.gz made by `voicetrainer persona export`)")
    try:
        with tarfile.open(archive) as t:
            for info in t.getmembers():
                if info.isdir():
                    continue
                if info.issym() or info.islnk():
                    raise PersonaError(f"{bad}: member '{info.name}' is a link; refusing it")
                if not info.isfile():
                    raise PersonaError(f"{bad}: member '{info.name}' is not a regular file; refusing it")
                f = t.extractfile(info)
                add(info.name, info.size, lambda f=f: f.read())
    except (tarfile.TarError, OSError, EOFError) as e:
        raise PersonaError(f"{bad}: the archive is damaged ({e})") from None
    return members


def import_archive(archive: Path, dest_dir: Path, force: bool = False) -> Path:
    """Check an exported persona archive in full, then install it into `dest_dir`.

    Nothing is written unless every check passes: plain relative member names, no links, a manifest listing exactly
    the files present with matching sha256, a safe id, audio only under recordings/, and a persona that validates.

    Returns:
        The installed persona file.

    Raises:
        PersonaError: one line saying which check failed.
    """
    if not archive.is_file():
        raise PersonaError(f"{archive}: archive not found")
    members = _read_members(archive)
    bad = f"{archive}: not a persona archive"
    if MANIFEST not in members:
        raise PersonaError(f"{bad}: no {MANIFEST} (make archives with `voicetrainer persona export`)")
    try:
        manifest = json.loads(members.pop(MANIFEST))
        pid = manifest["persona"]
        listed = {f["path"]: f["sha256"] for f in manifest["files"]}
        if manifest.get("format") != FORMAT or not isinstance(pid, str):
            raise ValueError("format")
    except (ValueError, KeyError, TypeError):
        raise PersonaError(f"{bad}: {MANIFEST} is not a voicetrainer persona manifest") from None
    if not NAME_RE.match(pid):
        raise PersonaError(f"{bad}: persona id '{pid}' is not a safe name")
    extra = sorted(set(members) - set(listed))
    if extra:
        raise PersonaError(f"{bad}: '{extra[0]}' is not listed in the manifest; refusing it")
    missing = sorted(set(listed) - set(members))
    if missing:
        raise PersonaError(f"{bad}: '{missing[0]}' is listed in the manifest but missing")
    for p, digest in listed.items():
        if _sha256(members[p]) != digest:
            raise PersonaError(f"{bad}: '{p}' does not match its sha256 in the manifest (altered or damaged)")
    yaml_name = f"{pid}.yaml"
    if yaml_name not in members:
        raise PersonaError(f"{bad}: no {yaml_name} for persona '{pid}'")
    for p in members:
        if p != yaml_name:
            _check_ref(p, str(archive))
            if not p.startswith(f"{RECORDINGS}/{pid}/"):
                raise PersonaError(f"{bad}: '{p}' must be under {RECORDINGS}/{pid}/")

    target = dest_dir / yaml_name
    if target.exists() and not force:
        raise PersonaError(f"persona '{pid}' is already installed at {target}; pass --force to replace it")
    dest_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".import-", dir=dest_dir) as tmp:
        stage = Path(tmp)
        for p, data in members.items():
            f = stage / p
            f.parent.mkdir(parents=True, exist_ok=True)
            f.write_bytes(data)
        errors = persona_errors(stage / yaml_name)
        if errors:
            first = errors[0].replace(str(stage / yaml_name), yaml_name)
            raise PersonaError(f"{archive}: the persona in it is invalid: {first}")
        p = Persona.model_validate(yaml.safe_load((stage / yaml_name).read_text(encoding="utf-8")))
        for ref in _audio_refs(p):
            if _check_ref(ref, yaml_name) not in members:
                raise PersonaError(f"{archive}: {yaml_name} refers to audio '{ref}' that is not in the archive")
        rec = dest_dir / RECORDINGS / pid
        if rec.exists():
            shutil.rmtree(rec)
        for q in members:
            if q != yaml_name:
                (dest_dir / q).parent.mkdir(parents=True, exist_ok=True)
                os.replace(stage / q, dest_dir / q)
        os.replace(stage / yaml_name, target)
    return target
