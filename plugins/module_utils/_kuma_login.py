# Copyright: Contributors to the watchdog.alertmanager_kuma collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""How every Kuma-side module logs in: the login options, defined once, read into a Session, and the logged-in
socket.io session they open, the way the Kuma reached wants it.

Kuma up to 2.x logs a socket in with its socket.io ``login`` (or ``loginByToken``) event. Kuma 3 has no such event:
a client signs in over HTTP (Better Auth, ``POST /api/auth/sign-in/username``) and sends the session cookie it got
in the socket.io handshake. Which way is chosen from what Kuma serves (Better Auth's ``GET /api/auth/ok``, which only
Kuma 3 answers with ``{"ok": true}``), never from a version the user types.

Private to the collection (leading underscore). Runs on the controller only. Standard library only: the HTTP side
uses the collection's urllib transport (no redirect followed, a deadline on the whole answer). The password, the
login token and the session cookie never appear in a message.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from ._kuma_socket import KumaError, KumaSession
from ._option import Option, SettingsError
from ._transport import MAX_BODY_BYTES, HttpResponse, TlsOptions, Transport, TransportError, UrllibTransport

KUMA_LOGIN_OPTIONS = (
    Option(
        "kuma_url",
        "str",
        ("Base URL of Uptime Kuma, as its web page is opened, C(http://) or C(https://).",),
        required=True,
    ),
    Option(
        "kuma_username",
        "str",
        ("The Kuma user to log in as, with O(kuma_password).",),
    ),
    Option(
        "kuma_password",
        "str",
        ("The Kuma user's password. A secret: never shown in results or messages.",),
        secret=True,
    ),
    Option(
        "kuma_token",
        "str",
        (
            "A login token Kuma gave at an earlier login (its web page keeps it in the browser's storage), instead"
            " of O(kuma_username) and O(kuma_password); the way in for a user with two-factor authentication.",
            "Kuma 1.23 and 2.x only: Kuma 3 signs in over HTTP and takes no such token (the task then fails, asking for"
            " O(kuma_username) and O(kuma_password)).",
            "A secret: never shown in results or messages.",
        ),
        secret=True,
    ),
    Option(
        "validate_certs",
        "bool",
        ("Check Kuma's TLS certificate. Turn off only for a lab with a self-signed certificate.",),
        default=True,
    ),
    Option(
        "timeout",
        "float",
        (
            "Seconds Kuma may take to connect, and to give each answer, in all: a Kuma (or a proxy) that trickles"
            " its answer slower than that fails the task. A connection that breaks fails it at once.",
        ),
        default=30,
        above=0,
        maximum=300,
    ),
)
# The AnsibleModule constraints that go with the login options, for every module that takes them.
LOGIN_MUTUALLY_EXCLUSIVE = [("kuma_token", "kuma_password")]
LOGIN_REQUIRED_TOGETHER = [("kuma_username", "kuma_password")]


@dataclass(frozen=True)
class Session:
    kuma_url: str
    username: str | None
    password: str | None = field(repr=False)
    token: str | None = field(repr=False)
    validate_certs: bool
    timeout: float


def read_session(params: Mapping[str, Any]) -> Session:
    url = params.get("kuma_url") or ""
    if not re.fullmatch(r"https?://[^/\s?#]+(/[^\s?#]*)?", url):
        raise SettingsError("kuma_url", "must be an http:// or https:// URL without a query")
    if "@" in url.split("/")[2]:
        raise SettingsError("kuma_url", "must hold no credentials: use kuma_username and kuma_password")
    if not params.get("kuma_token") and not (params.get("kuma_username") and params.get("kuma_password")):
        raise SettingsError("kuma_password", "kuma_username and kuma_password (or kuma_token) are needed to log in")
    return Session(
        kuma_url=url.rstrip("/"),
        username=params.get("kuma_username"),
        password=params.get("kuma_password"),
        token=params.get("kuma_token"),
        validate_certs=bool(params.get("validate_certs", True)),
        timeout=float(params.get("timeout") or 30),
    )


def url_credentials(kuma_url: Any) -> list[str]:
    """What a refused ``user:pass@`` in kuma_url holds, for the module to mask before it echoes its arguments."""
    if not isinstance(kuma_url, str):
        return []
    authority = kuma_url.split("/")[2] if kuma_url.count("/") >= 2 else ""
    if "@" not in authority:
        return []
    userinfo = authority.rsplit("@", 1)[0]
    return [part for part in (userinfo, *userinfo.split(":", 1)[1:]) if part]


# Better Auth's health route, which Kuma 3 serves; 1.23 and 2.x answer it with their web page.
BETTER_AUTH_OK_PATH = "/api/auth/ok"
SIGN_IN_PATH = "/api/auth/sign-in/username"
SIGN_OUT_PATH = "/api/auth/sign-out"
# Kuma 3 run with NODE_ENV=production (its container image) limits requests to /api/auth/* per address: 10 a minute
# (its server/better-auth.ts), sign-ins 3 in 10 s (Better Auth's own rule); a 429 says in X-Retry-After when to retry.
_ANSWER_LIMIT = 64 * 1024


class HttpClient(Transport, Protocol):
    """The transport the login's HTTP side needs: GET, and POST for Kuma 3's sign-in (UrllibTransport)."""

    def request(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        timeout: float,
        max_bytes: int = MAX_BODY_BYTES,
        body: bytes | None = None,
    ) -> HttpResponse:
        """``method`` url with ``body``; any HTTP answer, or TransportError for none."""


def is_better_auth_ok(status: int, body: bytes, headers: Mapping[str, str] | None = None) -> bool:
    """True when an answer to GET /api/auth/ok is Better Auth's own (Kuma 3): 200 and exactly {"ok": true}, or its
    rate limiter's refusal (429 with X-Retry-After), which a Kuma 3 run with NODE_ENV=production gives there too."""
    if status == 429 and (headers or {}).get("x-retry-after", "").isdigit():
        return True
    if status != 200:
        return False
    try:
        answer = json.loads(body.decode("utf-8"))
    except ValueError:  # the web page of 1.23 and 2.x, or anything else that is not JSON
        return False
    return answer == {"ok": True}


def session_cookie(set_cookies: tuple[str, ...]) -> str:
    """The ``Cookie`` header that sends back every cookie a sign-in set (``name=value`` of each Set-Cookie, without
    its attributes); "" when it set none."""
    pairs = []
    for header in set_cookies:
        pair = header.split(";", 1)[0].strip()
        if "=" in pair and pair.split("=", 1)[1]:
            pairs.append(pair)
    return "; ".join(pairs)


def sign_in_refusal(username: str, answer: HttpResponse) -> str:
    """What a person reads when Kuma 3 gave no session for the sign-in; never quotes the password or a cookie."""
    refused = f"Kuma refused the login of {username}"
    if answer.status == 401:
        return f"{refused}: Incorrect username or password."
    if answer.status == 429:
        wait = answer.headers.get("x-retry-after", "")
        when = f"in {wait} s" if wait.isdigit() else "in a minute"
        return f"{refused}: too many sign-ins from this address (Kuma 3 limits them); try again {when}"
    try:
        body = json.loads(answer.body.decode("utf-8"))
    except ValueError:
        body = None
    if not isinstance(body, dict):
        body = {}
    if answer.status == 200 and body.get("twoFactorRedirect"):
        return (
            f"Kuma asks {username} for a two-factor code, which this collection cannot give on Kuma 3 (kuma_token is"
            " for Kuma 1.23 and 2.x): log in as a user without two-factor authentication"
        )
    if answer.status == 200:
        return f"{refused}: its answer set no session cookie"
    message = body.get("message")
    said = f": {message[:200]}" if isinstance(message, str) and message else ""
    return f"{refused}: HTTP {answer.status}{said}"


def token_refusal(url: str) -> str:
    return (
        f"Uptime Kuma 3 at {url} signs in over HTTP and takes no login token: use kuma_username and kuma_password"
        " instead of kuma_token"
    )


def http_transport(session: Session) -> UrllibTransport:
    """The collection's urllib transport with the session's TLS options (no redirect followed)."""
    return UrllibTransport(
        TlsOptions(validate_certs=session.validate_certs), needs_tls=session.kuma_url.startswith("https:")
    )


def _unreachable(session: Session, error: TransportError) -> KumaError:
    if error.reason.startswith("timed out"):
        return KumaError(f"Kuma at {session.kuma_url} did not complete the connection within {session.timeout:g} s")
    return KumaError(f"cannot connect to Kuma at {session.kuma_url}: {error.reason}")


def speaks_better_auth(session: Session, transport: HttpClient) -> bool:
    """True when the Kuma at the session's URL is a Kuma 3 (it serves Better Auth's health route)."""
    try:
        answer = transport.get(session.kuma_url + BETTER_AUTH_OK_PATH, {}, session.timeout, 4096)
    except TransportError as error:
        raise _unreachable(session, error) from None
    return is_better_auth_ok(answer.status, answer.body, answer.headers)


def retry_after(answer: HttpResponse) -> float | None:
    """The seconds a rate-limited sign-in (429) asks to wait before the next, when it says; else None."""
    wait = answer.headers.get("x-retry-after", "")
    return float(wait) if answer.status == 429 and wait.isdigit() else None


def sign_in(session: Session, transport: HttpClient, sleep: Callable[[float], None] = time.sleep) -> str:
    """Kuma 3's sign-in by username and password; the ``Cookie`` header of the session it gave.

    A sign-in refused for its rate is made once more after the wait Kuma names, when that wait fits in the timeout.
    """
    username = session.username or ""
    body = json.dumps({"username": username, "password": session.password or ""}).encode("utf-8")
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    for attempt in (1, 2):
        try:
            answer = transport.request(
                "POST", session.kuma_url + SIGN_IN_PATH, headers, session.timeout, _ANSWER_LIMIT, body
            )
        except TransportError as error:
            raise _unreachable(session, error) from None
        wait = retry_after(answer)
        if attempt == 1 and wait is not None and wait <= session.timeout:
            sleep(wait)
            continue
        break
    cookie = session_cookie(answer.set_cookies) if answer.status == 200 else ""
    if not cookie or "session_token=" not in cookie:
        raise KumaError(sign_in_refusal(username, answer))
    return cookie


def sign_out(session: Session, transport: HttpClient, cookie: str) -> None:
    """End Kuma 3's session, so that every run does not leave one behind for a week; a failure is not the task's."""
    # Better Auth wants an Origin on a request that carries its cookie; any is trusted by Kuma 3 (trustedOrigins *).
    headers = {"Content-Type": "application/json", "Cookie": cookie, "Origin": session.kuma_url}
    try:
        transport.request("POST", session.kuma_url + SIGN_OUT_PATH, headers, session.timeout, _ANSWER_LIMIT, b"{}")
    except TransportError:
        return


def open_session(session: Session, transport: HttpClient | None = None) -> KumaSession:
    """A connected socket.io session, logged in the way the Kuma reached wants; the caller closes it (and, on Kuma 3,
    may end the HTTP session with ``sign_out(session, transport, kuma.cookie)``)."""
    transport = transport or http_transport(session)
    if speaks_better_auth(session, transport):
        if session.token:
            raise KumaError(token_refusal(session.kuma_url))
        kuma = KumaSession(
            session.kuma_url,
            timeout=session.timeout,
            validate_certs=session.validate_certs,
            cookie=sign_in(session, transport),
        )
        kuma.connect()
        try:
            kuma.confirm_cookie_login(session.username or "")
        except BaseException:
            kuma.close()
            raise
        return kuma
    kuma = KumaSession(session.kuma_url, timeout=session.timeout, validate_certs=session.validate_certs)
    kuma.connect()
    try:
        if session.token:
            kuma.login_by_token(session.token)
        else:
            kuma.login(session.username or "", session.password or "")
    except BaseException:
        kuma.close()
        raise
    return kuma


@contextmanager
def logged_in(session: Session) -> Iterator[KumaSession]:
    """`with logged_in(session) as kuma:` one connection and one login, closed at the end of the block."""
    transport = http_transport(session)
    kuma = open_session(session, transport)
    try:
        yield kuma
    finally:
        kuma.close()
        if kuma.cookie:
            sign_out(session, transport, kuma.cookie)
