"""A small xAPI 1.0.3 client for a Learning Record Store: POST statements, GET them back following `more` links.

The only network code in voicetrainer; it runs only from `voicetrainer sync` and `voicetrainer team report`, and only
when an endpoint is configured. The standard library's urllib is enough for two requests with Basic auth and JSON,
so no HTTP package joins the dependencies.

Retries: a connection failure, a timeout, 408, 429 and 5xx are tried again with exponential backoff (honouring
Retry-After). That is safe for POST because our statement ids are deterministic: a batch that reached the LRS before
the connection dropped is answered 204 (already stored) the second time, never stored twice. Anything else (401,
403, 404, 409, 400) is an answer, not a glitch, and is raised at once as one `LRSError` line.
"""

from __future__ import annotations

import base64
import json
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from http.client import HTTPException
from urllib.parse import urlencode, urljoin, urlsplit

from voicetrainer.errors import LRSError
from voicetrainer.team.xapi import XAPI_VERSION

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


class LRSUnreachable(LRSError):
    """No answer, or only server errors, after every try: the statements stay pending."""


class LRSAuthError(LRSError):
    """401 or 403: wrong or missing credentials, or not allowed."""


class LRSConflict(LRSError):
    """409: a different statement already has one of these ids."""


class LRSRejected(LRSError):
    """400, 404, 413 or another refusal: the request itself is wrong."""


class LRSClient:
    """One LRS: `endpoint` is its xAPI base URL (statements at <endpoint>/statements).

    Args:
        endpoint: e.g. https://lrs.example.com/xAPI (validated by team/config.check_url).
        username, password: for HTTP Basic auth; both or neither.
        timeout_s: per request.
        tries: attempts per request (1 = no retry).
        backoff_s: the first wait; each retry doubles it, up to `max_backoff_s`.
        sleep: injected so tests of the retry schedule need not wait.
    """

    def __init__(self, endpoint: str, username: str | None = None, password: str | None = None, *,
                 timeout_s: float = 15.0, tries: int = 4, backoff_s: float = 0.5, max_backoff_s: float = 8.0,
                 sleep: Callable[[float], None] = time.sleep, user_agent: str = "voicetrainer"):
        self.endpoint = endpoint.rstrip("/")
        self.timeout_s = timeout_s
        self.tries = max(1, tries)
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.sleep = sleep
        self.waits: list[float] = []   # every backoff slept, for the caller's report (and tests)
        self.headers = {"X-Experience-API-Version": XAPI_VERSION, "Accept": "application/json",
                        "User-Agent": user_agent}
        self.has_credentials = bool(username or password)
        if self.has_credentials:
            token = base64.b64encode(f"{username or ''}:{password or ''}".encode()).decode("ascii")
            self.headers["Authorization"] = f"Basic {token}"
        self.statements_url = f"{self.endpoint}/statements"

    # --- the two operations ------------------------------------------------------------------------------------

    def post_statements(self, statements: list[dict]) -> list[str]:
        """Store a batch (atomic at the LRS); returns the ids it stored now ([] when it had them all already).

        Raises:
            LRSUnreachable, LRSAuthError, LRSConflict, LRSRejected.
        """
        body = json.dumps(statements, ensure_ascii=False).encode("utf-8")
        status, data = self._request("POST", self.statements_url, body)
        if status == 204 or not data.strip():
            return []
        ids = self._json(data, self.statements_url)
        return [str(i) for i in ids] if isinstance(ids, list) else []

    def statements(self, **params: str) -> Iterator[dict]:
        """Every statement matching the xAPI query `params` (verb=, activity=, related_activities=, agent=, since=,
        limit=, ...), page by page, following each StatementResult's `more` link until there is none.

        Raises:
            LRSUnreachable, LRSAuthError, LRSRejected.
        """
        url = self.statements_url + ("?" + urlencode(params) if params else "")
        seen: set[str] = set()
        while url and url not in seen:
            seen.add(url)
            _, data = self._request("GET", url)
            page = self._json(data, url)
            if not isinstance(page, dict) or not isinstance(page.get("statements"), list):
                raise LRSRejected(f"{url} did not answer with an xAPI StatementResult; is --endpoint the LRS's xAPI "
                                  "base URL?")
            yield from page["statements"]
            more = page.get("more") or ""
            # `more` is relative to the LRS's host (path and query); an empty page ends it too (some LRSs offer one
            # last empty page when the total is a multiple of the page size).
            url = urljoin(self.endpoint + "/", more) if more and page["statements"] else ""

    # --- plumbing ----------------------------------------------------------------------------------------------

    def _request(self, method: str, url: str, body: bytes | None = None) -> tuple[int, bytes]:
        headers = dict(self.headers)
        if body is not None:
            headers["Content-Type"] = "application/json; charset=utf-8"
        last = ""
        for attempt in range(self.tries):
            retry_after = None
            try:
                req = urllib.request.Request(url, data=body, headers=headers, method=method)
                with urllib.request.urlopen(req, timeout=self.timeout_s) as resp:
                    return resp.status, resp.read()
            except urllib.error.HTTPError as e:
                detail = _detail(e.read())
                if e.code not in RETRY_STATUSES:
                    raise self._refusal(e.code, detail, url) from None
                last = f"HTTP {e.code}" + (f": {detail}" if detail else "")
                retry_after = _seconds(e.headers.get("Retry-After"))
            except urllib.error.URLError as e:
                last = _reason(e.reason)
            except TimeoutError:  # socket.timeout is TimeoutError since Python 3.10
                last = f"no answer within {self.timeout_s:g} s"
            except (ConnectionError, HTTPException, OSError) as e:  # reset, refused mid-way, bad status line
                last = _reason(e)
            if attempt + 1 < self.tries:
                wait = min(self.max_backoff_s, retry_after if retry_after is not None
                           else self.backoff_s * 2 ** attempt)
                self.waits.append(wait)
                self.sleep(wait)
        raise LRSUnreachable(f"cannot reach the LRS at {self.endpoint} ({last}) after {self.tries} "
                             f"tr{'y' if self.tries == 1 else 'ies'}")

    def _refusal(self, status: int, detail: str, url: str) -> LRSError:
        said = f": {detail}" if detail else ""
        if status in (401, 403):
            if not self.has_credentials:
                return LRSAuthError(f"the LRS at {self.endpoint} needs credentials (HTTP {status}); pass --username "
                                    "and --password, or set VOICETRAINER_LRS_USERNAME and VOICETRAINER_LRS_PASSWORD")
            return LRSAuthError(f"the LRS at {self.endpoint} refused the credentials (HTTP {status}{said}); check "
                                "--username/--password or VOICETRAINER_LRS_USERNAME/VOICETRAINER_LRS_PASSWORD")
        if status == 404:
            return LRSRejected(f"no xAPI statements resource at {urlsplit(url)._replace(query='').geturl()} "
                               "(HTTP 404); --endpoint must be the LRS's xAPI base URL, e.g. https://lrs.example.com/xAPI")
        if status == 409:
            return LRSConflict(f"the LRS at {self.endpoint} already has a different statement under the same id "
                               f"(HTTP 409{said})")
        return LRSRejected(f"the LRS at {self.endpoint} refused the request (HTTP {status}{said})")

    def _json(self, data: bytes, url: str):
        try:
            return json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise LRSRejected(f"{url} answered something that is not JSON; is --endpoint the LRS's xAPI base "
                              "URL?") from None


def _detail(data: bytes) -> str:
    """The LRS's own words about an error, shortened to fit one line."""
    text = data.decode("utf-8", "replace").strip()
    try:
        j = json.loads(text)
        if isinstance(j, dict):
            text = str(j.get("detail") or j.get("message") or j.get("error") or text)
    except json.JSONDecodeError:
        pass
    text = " ".join(text.split())
    return text[:200] + ("…" if len(text) > 200 else "")


def _reason(reason) -> str:
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(reason, TimeoutError):
        return "timed out"
    if isinstance(reason, socket.gaierror):
        return "unknown host"
    return str(getattr(reason, "strerror", None) or reason) or type(reason).__name__


def _seconds(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None  # an HTTP date: fall back to our own schedule
