"""The rep's own settings: who practises, and where the team's Learning Record Store is.

One small JSON file, `config.json` in the data folder (beside sessions.db), written by `voicetrainer config set`.
JSON rather than TOML: the standard library reads and writes it on every Python we support. The file may hold the
LRS password, so it is written readable by its owner only. This module validates values and reads/writes the file;
which of option, environment variable and file wins is the CLI's business (cli/team.py).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from urllib.parse import urlsplit

from voicetrainer.errors import ConfigError

CONFIG_FILE = "config.json"
DEFAULT_HOMEPAGE = "https://voicetrainer.dev"

KEYS: dict[str, str] = {
    "rep": "who practises: an email address or an account name (default for `practice --rep`)",
    "account.homepage": "the home page of the system an account-name rep belongs to "
                        f"(xAPI account.homePage; default {DEFAULT_HOMEPAGE})",
    "lrs.endpoint": "the LRS's xAPI base URL (statements at <endpoint>/statements)",
    "lrs.username": "the LRS's Basic-auth user name",
    "lrs.password": "the LRS's Basic-auth password (kept in this file, readable by you only)",
}
SECRET_KEYS = frozenset({"lrs.password"})

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_ACCOUNT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def check_rep(rep: str) -> str:
    """The rep id as stored: an email address (lower-cased: one person, one identity) or an account name.

    Raises:
        ConfigError: neither an email address nor an account name.
    """
    rep = rep.strip()
    if "@" in rep:
        if not _EMAIL.match(rep):
            raise ConfigError(f"rep '{rep}' is not an email address (expected name@example.com)")
        return rep.lower()
    if not _ACCOUNT.match(rep):
        raise ConfigError(f"rep '{rep}': expected an email address (dana@example.com) or an account name of up to 64 "
                          "letters, digits, '.', '_' or '-' (dana.k)")
    return rep


def check_url(key: str, url: str) -> str:
    """An http(s) URL with a host, without a trailing slash.

    Raises:
        ConfigError: anything else.
    """
    url = url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{key} '{url}' is not an http(s) URL (expected e.g. https://lrs.example.com/xAPI)")
    if parts.query or parts.fragment:
        raise ConfigError(f"{key} '{url}' has a query or fragment; give the LRS's xAPI base URL only")
    return url


def check_value(key: str, value: str) -> str:
    """Validate one setting's value and return it as it will be stored.

    Raises:
        ConfigError: an unknown key (listing the known ones) or a malformed value.
    """
    if key not in KEYS:
        raise ConfigError(f"unknown setting '{key}'; expected one of: {', '.join(KEYS)}")
    if key == "rep":
        return check_rep(value)
    if key in ("account.homepage", "lrs.endpoint"):
        return check_url(key, value)
    if not value:
        raise ConfigError(f"{key} cannot be empty; `voicetrainer config unset {key}` removes it")
    return value


def config_path(data_dir: Path) -> Path:
    return Path(data_dir) / CONFIG_FILE


def load_config(data_dir: Path) -> dict[str, str]:
    """The settings in the data folder ({} when there are none).

    Raises:
        ConfigError: the file exists but is not a JSON object of strings.
    """
    path = config_path(data_dir)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ConfigError(f"{path}: cannot read the settings ({e}); fix or delete the file") from None
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise ConfigError(f"{path}: expected a JSON object of text settings; fix or delete the file")
    return data


def save_config(data_dir: Path, data: dict[str, str]) -> Path:
    """Write the settings, readable and writable by the owner only (the file may hold a password)."""
    path = config_path(data_dir)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(dict(sorted(data.items())), f, indent=2, ensure_ascii=False)
            f.write("\n")
        os.replace(tmp, path)
    except OSError as e:
        raise ConfigError(f"cannot write {path} ({e}); pass a writable folder with --data-dir") from None
    return path


def set_value(data_dir: Path, key: str, value: str) -> str:
    """Validate and store one setting; returns the stored value."""
    value = check_value(key, value)
    data = load_config(data_dir)
    data[key] = value
    save_config(data_dir, data)
    return value


def unset_value(data_dir: Path, key: str) -> bool:
    """Remove one setting; False when it was not set."""
    if key not in KEYS:
        raise ConfigError(f"unknown setting '{key}'; expected one of: {', '.join(KEYS)}")
    data = load_config(data_dir)
    if key not in data:
        return False
    del data[key]
    save_config(data_dir, data)
    return True


def shown(key: str, value: str) -> str:
    """A value as `config get` prints it: secrets masked."""
    return "********" if key in SECRET_KEYS else value
