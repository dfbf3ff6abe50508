"""`voicetrainer sync`, `voicetrainer team report` and `voicetrainer config`, and the team's part of `practice`.

Parsing, wiring and printing only: the work is in voicetrainer/team. Settings are looked up option first, then the
environment (VOICETRAINER_REP, VOICETRAINER_LRS_ENDPOINT / _USERNAME / _PASSWORD), then `voicetrainer config`.
`sync` and `team report` are the only commands that use the network, and only once an endpoint is configured.
"""

from __future__ import annotations

import ipaddress
import sys
from pathlib import Path
from urllib.parse import urlsplit

import click

from voicetrainer import config as app_config
from voicetrainer.cli.common import data_dir_option, data_folder, handle_errors, show_html
from voicetrainer.errors import ConfigError, VoiceTrainerError


def _data_dir(data_dir: Path | None) -> Path:
    return data_folder(data_dir)


def lrs_options(fn):
    fn = click.option("--password", envvar="VOICETRAINER_LRS_PASSWORD", default=None,
                      help="Basic-auth password (env VOICETRAINER_LRS_PASSWORD, or `config set lrs.password`).")(fn)
    fn = click.option("--username", envvar="VOICETRAINER_LRS_USERNAME", default=None,
                      help="Basic-auth user (env VOICETRAINER_LRS_USERNAME, or `config set lrs.username`).")(fn)
    return click.option("--endpoint", envvar="VOICETRAINER_LRS_ENDPOINT", default=None, metavar="URL",
                        help="The LRS's xAPI base URL; statements at URL/statements (env VOICETRAINER_LRS_ENDPOINT, "
                             "or `config set lrs.endpoint URL`).")(fn)


def make_client(data_dir: Path, endpoint, username, password, *, retries: int = 3, waiting: str = ""):
    """An LRSClient from the options, the environment or the settings file.

    Raises:
        ConfigError: no endpoint anywhere (nothing is sent then), or a malformed one, or half the credentials.
    """
    from voicetrainer.team.config import check_url, load_config
    from voicetrainer.team.lrs import LRSClient
    from voicetrainer.team.outbox import app_version

    cfg = load_config(data_dir)
    endpoint = endpoint or cfg.get("lrs.endpoint")
    if not endpoint:
        raise ConfigError("no LRS configured, so nothing is sent: pass --endpoint URL, set VOICETRAINER_LRS_ENDPOINT, "
                          "or run `voicetrainer config set lrs.endpoint URL`" + waiting)
    endpoint = check_url("--endpoint", endpoint)
    username = username if username is not None else cfg.get("lrs.username")
    password = password if password is not None else cfg.get("lrs.password")
    if bool(username) != bool(password):
        missing = ("--password (or VOICETRAINER_LRS_PASSWORD)" if username
                   else "--username (or VOICETRAINER_LRS_USERNAME)")
        raise ConfigError(f"Basic auth needs both a user name and a password: add {missing}")
    parts = urlsplit(endpoint)
    if username and parts.scheme == "http" and not _loopback(parts.hostname or ""):
        click.echo(f"Warning: the password goes to {parts.hostname} unencrypted (http://); use https:// for a "
                   "shared LRS.", err=True)
    return LRSClient(endpoint, username, password, tries=retries + 1, user_agent=f"voicetrainer/{app_version()}")


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# --- practice: the rep, and the result at the end ---------------------------------------------------------------


def practice_rep(rep: str | None, data_dir: Path) -> str | None:
    """Who is practising: --rep / VOICETRAINER_REP, else `config set rep`, else nobody (practising alone)."""
    from voicetrainer.team.config import check_rep, load_config

    rep = rep or load_config(data_dir).get("rep")
    return check_rep(rep) if rep else None


def practice_end(store, result, persona, rubric):
    """Judge the finished session, store the result, queue its statements for `sync`; returns the PassResult."""
    from voicetrainer.team.config import DEFAULT_HOMEPAGE, load_config
    from voicetrainer.team.finish import finish_session

    homepage = load_config(store.data_dir).get("account.homepage", DEFAULT_HOMEPAGE)
    return finish_session(store, result.session_id, persona, rubric, homepage=homepage)


# --- sync ---------------------------------------------------------------------------------------------------------


@click.command()
@lrs_options
@click.option("--retries", type=click.IntRange(0, 10), default=3, show_default=True,
              help="Tries again after a network or server error, waiting 0.5 s, 1 s, 2 s, ...")
@click.option("--refused", "list_refused", is_flag=True,
              help="List the statements the LRS refused, and why; send nothing.")
@data_dir_option()
@handle_errors
def sync(endpoint, username, password, retries, list_refused, data_dir):
    """Send finished sessions (as xAPI statements) to the team's Learning Record Store.

    Sessions wait in the outbox from the moment they end; an unreachable LRS loses nothing, and sending twice never
    duplicates a statement. Only sessions with a rep (`practice --rep`, `config set rep`) are sent."""
    from voicetrainer.cli.view import LiveView
    from voicetrainer.store import Store
    from voicetrainer.team import outbox
    from voicetrainer.team.sync import send_pending

    store = Store(_data_dir(data_dir))
    if list_refused:
        rows = outbox.refused(store)
        for sid, session_id, state, why in rows:
            click.echo(f"session {session_id}  {state:9}  {sid}  {why}")
        if not rows:
            click.echo("The LRS has refused no statement.")
        return
    waiting = outbox.counts(store)["pending"]
    client = make_client(store.data_dir, endpoint, username, password, retries=retries,
                         waiting=f" ({waiting} statement(s) wait in the outbox)" if waiting else "")
    with LiveView(stream=sys.stderr).counter("Sending", waiting) as tick:
        def tick_n(n: int) -> None:
            for _ in range(n):
                tick()
        report = send_pending(store, client, tick=tick_n)
    if report.error is not None:
        from voicetrainer.team.lrs import LRSUnreachable

        sent = f"sent {report.sent} statement(s) before that; " if report.sent else ""
        again = "; run `voicetrainer sync` again once it is back" if isinstance(report.error, LRSUnreachable) else ""
        raise VoiceTrainerError(f"{report.error}. {sent}{report.pending} statement(s) still pending in the outbox, "
                                f"nothing lost{again}")
    click.echo(report.line(client.endpoint))


# --- team report --------------------------------------------------------------------------------------------------


@click.group()
def team():
    """The team's practice, read back from the Learning Record Store."""


@team.command("report")
@lrs_options
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the HTML (default: reports/team.html in the data folder).")
@click.option("--open", "open_", is_flag=True, help="Open the report in the web browser.")
@data_dir_option()
@handle_errors
def team_report(endpoint, username, password, out, open_, data_dir):
    """Write one self-contained HTML page: reps × customers with pass status, best and last score, trend, each rep's
    weakest skill and when they last practised."""
    from voicetrainer.team.report import write_team_report

    folder = _data_dir(data_dir)
    client = make_client(folder, endpoint, username, password)
    parts = urlsplit(client.endpoint)
    source = f"{parts.hostname}{':' + str(parts.port) if parts.port else ''}{parts.path}"
    path, team_, read = write_team_report(client, out or folder / "reports" / "team.html", source)
    click.echo(f"Read {read} statement(s): {len(team_.reps)} rep(s), {len(team_.personas)} customer(s), "
               f"{team_.sessions} call(s).", err=True)
    show_html(path, open_)


# --- config -------------------------------------------------------------------------------------------------------


@click.group()
def config():
    """Your settings: who you are (rep) and the team's LRS. Kept in config.json in the data folder."""


@config.command("set")
@click.argument("key")
@click.argument("value")
@data_dir_option()
@handle_errors
def config_set(key, value, data_dir):
    """Set KEY to VALUE. Keys: rep, account.homepage, lrs.endpoint, lrs.username, lrs.password."""
    from voicetrainer.team.config import set_value, shown

    stored = set_value(_data_dir(data_dir), key, value)
    click.echo(f"{key} = {shown(key, stored)}")


@config.command("get")
@click.argument("key", required=False)
@data_dir_option()
@handle_errors
def config_get(key, data_dir):
    """Print KEY's value, or every setting (passwords masked) when no KEY is given."""
    from voicetrainer.team.config import KEYS, config_path, load_config, shown

    folder = _data_dir(data_dir)
    cfg = load_config(folder)
    overrides = {"rep": "VOICETRAINER_REP", "lrs.endpoint": "VOICETRAINER_LRS_ENDPOINT",
                 "lrs.username": "VOICETRAINER_LRS_USERNAME", "lrs.password": "VOICETRAINER_LRS_PASSWORD"}
    if key is not None:
        if key not in KEYS:
            raise ConfigError(f"unknown setting '{key}'; expected one of: {', '.join(KEYS)}")
        if key not in cfg:
            raise ConfigError(f"{key} is not set; `voicetrainer config set {key} VALUE` sets it")
        click.echo(shown(key, cfg[key]))
        return
    click.echo(f"# {config_path(folder)}")
    for k in KEYS:
        env = overrides.get(k)
        note = f"   (overridden by {env})" if env and app_config.env_is_set(env) else ""
        click.echo(f"{k} = {shown(k, cfg[k]) if k in cfg else '(not set)'}{note}")


@config.command("unset")
@click.argument("key")
@data_dir_option()
@handle_errors
def config_unset(key, data_dir):
    """Remove KEY from the settings."""
    from voicetrainer.team.config import unset_value

    click.echo(f"{key} removed" if unset_value(_data_dir(data_dir), key) else f"{key} was not set")
