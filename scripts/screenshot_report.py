"""Render a session report (or the progress page) to PNG with headless Chromium, so anyone can look at it.

    python scripts/screenshot_report.py [SESSION] [--progress] [--out report.png] [--data-dir DIR] [--width 1000]

Writes the HTML exactly as `voicetrainer report` does, loads it once in headless Chromium (Debian's `chromium`) to
measure the page height and collect errors, then takes a full-page screenshot. The helpers (`load_page`,
`screenshot`) are also what tests/test_report.py uses to check the page in a real browser.

Needs /usr/bin/chromium (or --chromium PATH). No network: Chromium runs with networking features off and the page
has no URLs.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

CHROMIUM = os.environ.get("VOICETRAINER_CHROMIUM", "/usr/bin/chromium")

# Injected into a COPY of the page (never into the report itself): records errors, the page height, resource
# requests other than data: URIs, and each <audio> element's duration once its metadata has loaded.
PROBE = """<script>(function(){
var d=document.documentElement,errs=[];
function add(m){errs.push(String(m));d.setAttribute("data-errors",errs.join(" | "));}
window.addEventListener("error",function(ev){
  var t=ev.target;add(ev.message||("failed to load "+((t&&(t.currentSrc||t.src||t.href))||"?").slice(0,60)));},true);
var ce=console.error;console.error=function(){add(Array.prototype.join.call(arguments," "));ce.apply(console,arguments);};
document.addEventListener("DOMContentLoaded",function(){
  Array.prototype.forEach.call(document.querySelectorAll("audio"),function(a){
    a.addEventListener("loadedmetadata",function(){a.setAttribute("data-duration",a.duration.toFixed(2));});
    a.addEventListener("error",function(){add("audio error "+(a.error&&a.error.code));});
    a.load();});});
window.addEventListener("load",function(){
  d.setAttribute("data-height",Math.ceil(Math.max(d.scrollHeight,document.body.scrollHeight)));
  var urls=performance.getEntriesByType("resource").map(function(r){return r.name;})
    .filter(function(u){return u.indexOf("data:")!==0;});
  d.setAttribute("data-requests",urls.join(" "));d.setAttribute("data-loaded","1");});
})();</script>"""

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions", "--mute-audio", "--hide-scrollbars",
         "--force-device-scale-factor=1", "--host-resolver-rules=MAP * ~NOTFOUND",  # any lookup fails: no network
         "--enable-logging=stderr", "--v=0"]


@dataclass(frozen=True)
class LoadedPage:
    dom: str                    # the DOM after load, with the probe's attributes on <html>
    stderr: str                 # Chromium's log: console messages appear as "CONSOLE" lines
    errors: list[str]           # window errors and console.error calls seen by the probe
    console: list[str]          # Chromium's CONSOLE log lines (any level)
    requests: list[str]         # resources fetched from anything but data: URIs
    height_px: int
    loaded: bool


def _attr(dom: str, name: str) -> str | None:
    m = re.search(r"<html[^>]*\s" + re.escape(name) + r'="([^"]*)"', dom)
    return m.group(1) if m else None


def _run(args: list[str], timeout_s: float) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory(prefix="vt-chromium-") as profile:
        return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True,
                              text=True, timeout=timeout_s)


def load_page(html_path: Path, width: int = 1000, timeout_s: float = 60) -> LoadedPage:
    """Open a copy of the page with the probe in headless Chromium and report what happened."""
    text = Path(html_path).read_text(encoding="utf-8")
    probed = text.replace("<head>", "<head>\n" + PROBE, 1)
    with tempfile.TemporaryDirectory(prefix="vt-probe-") as tmp:
        copy = Path(tmp) / Path(html_path).name
        copy.write_text(probed, encoding="utf-8")
        # virtual time lets the audio metadata load before the DOM is dumped
        proc = _run([f"--window-size={width},900", "--virtual-time-budget=5000", "--dump-dom", copy.as_uri()],
                    timeout_s)
    dom = proc.stdout
    errors = [e for e in (_attr(dom, "data-errors") or "").split(" | ") if e]
    requests = (_attr(dom, "data-requests") or "").split()
    console = [ln for ln in proc.stderr.splitlines() if ":CONSOLE" in ln or "Uncaught" in ln]
    return LoadedPage(dom, proc.stderr, errors, console, requests, int(_attr(dom, "data-height") or 0),
                      _attr(dom, "data-loaded") == "1")


def screenshot(html_path: Path, png_path: Path, width: int = 1000, timeout_s: float = 60) -> Path:
    """A full-page PNG of the page: measure its height first, then shoot a window that tall."""
    page = load_page(html_path, width, timeout_s)
    height = min(max(page.height_px, 600), 16_000)
    png_path = Path(png_path).resolve()
    png_path.parent.mkdir(parents=True, exist_ok=True)
    proc = _run([f"--window-size={width},{height}", f"--screenshot={png_path}", Path(html_path).resolve().as_uri()],
                timeout_s)
    if not png_path.is_file():
        raise RuntimeError(f"chromium wrote no screenshot:\n{proc.stderr[-2000:]}")
    return png_path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("session", nargs="?", type=int, help="session id (default: the latest)")
    ap.add_argument("--progress", action="store_true", help="shoot the progress page instead of a session")
    ap.add_argument("--out", type=Path, default=None, help="PNG path (default: next to the HTML)")
    ap.add_argument("--data-dir", type=Path, default=None, help="sessions folder (default: VOICETRAINER_HOME)")
    ap.add_argument("--width", type=int, default=1000)
    args = ap.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"error: {CHROMIUM} not found; install Debian's chromium (apt-get install chromium) "
              "or set VOICETRAINER_CHROMIUM", file=sys.stderr)
        return 1
    from voicetrainer.cli.report import write_progress_page, write_session_page
    from voicetrainer.errors import VoiceTrainerError
    from voicetrainer.store import Store, default_data_dir

    try:
        store = Store(args.data_dir or default_data_dir())
        html_path = write_progress_page(store) if args.progress else write_session_page(store, args.session)
    except VoiceTrainerError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    png = screenshot(html_path, args.out or html_path.with_suffix(".png"), args.width)
    print(png)
    return 0


if __name__ == "__main__":
    sys.exit(main())
