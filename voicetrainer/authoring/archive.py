"""Sharing a persona as one archive: `persona export` writes the file, its recordings and a manifest with the sha256
of each; `persona import` checks all of it (member names, links, sizes, hashes, the id, the persona itself) before
installing anything."""

from __future__ import annotations

import contextlib
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

from voicetrainer.authoring.paths import AUDIO_SUFFIXES, NAME_RE, RECORDINGS
from voicetrainer.core.persona import Persona, audio_lines, persona_errors
from voicetrainer.errors import OutputError, PersonaError

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
    tmp = out.with_name(out.name + ".part")
    try:
        _write_archive(out, tmp, name, members)
    except OSError as e:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise OutputError(f"cannot write {out} ({e.strerror or e}); choose a writable place with --out") from None
    return out


def _write_archive(out: Path, tmp: Path, name: str, members: dict[str, bytes]) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
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
            for member in t:  # one by one: a member's size is checked before the stream is read past it
                if member.isdir():
                    continue
                if member.issym() or member.islnk():
                    raise PersonaError(f"{bad}: member '{member.name}' is a link; refusing it")
                if not member.isfile():
                    raise PersonaError(f"{bad}: member '{member.name}' is not a regular file; refusing it")
                f = t.extractfile(member)  # a regular file always has one
                add(member.name, member.size, lambda f=f: f.read() if f is not None else b"")
    except (tarfile.TarError, OSError, EOFError) as e:
        raise PersonaError(f"{bad}: the archive is damaged ({e})") from None
    return members


def import_archive(archive: Path, dest_dir: Path, force: bool = False, known: dict[str, Path] | None = None) -> Path:
    """Check an exported persona archive in full, then install it into `dest_dir`.

    Nothing is written unless every check passes: plain relative member names, no links, a manifest listing exactly
    the files present with matching sha256, a safe id, audio only under recordings/, and a persona that validates.

    Args:
        known: the personas already found (`persona_files`: bundled, the user's, $VOICETRAINER_PERSONAS); an
            archive whose id is one of them needs `force`, since it would replace or hide that persona.

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
    shadowed = (known or {}).get(pid)
    if shadowed is not None and not force and shadowed.resolve() != target.resolve():
        raise PersonaError(f"persona '{pid}' already exists at {shadowed}; the archive would hide it, pass --force "
                           "to install it over that one")
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
