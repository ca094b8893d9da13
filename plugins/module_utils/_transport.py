# Copyright: Contributors to the watchdog.alertmanager_kuma collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one HTTP client of the collection: GET (and, for Kuma 3's sign-in, POST) with a timeout, no redirects, errors
that never name the URL.

Private to the collection (leading underscore). Standard library only, so the module, the timer program
and the relay all use it on hosts that have nothing but Python. The module does not use Ansible's
fetch_url: its error texts carry the request URL, and the push URL's path is the Kuma token.
"""

from __future__ import annotations

import contextlib
import functools
import http.client
import os
import socket
import ssl
import threading
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

MAX_BODY_BYTES = 1024 * 1024


@dataclass(frozen=True)
class TlsOptions:
    validate_certs: bool = True
    ca_path: str | None = None
    client_cert: str | None = None
    client_key: str | None = None


class TransportError(Exception):
    """The request got no HTTP answer; ``reason`` is safe to show (it never holds the URL)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class AnswerTooLarge(TransportError):
    """The server answered more than the caller would read: it was reached, and said too much."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(f"answer larger than {max_bytes} bytes")
        self.max_bytes = max_bytes


@dataclass(frozen=True)
class HttpResponse:
    status: int
    body: bytes = field(repr=False)
    headers: Mapping[str, str] = field(repr=False)
    # Every Set-Cookie header (``headers`` keeps one per name): a session cookie is a secret, never in a repr.
    set_cookies: tuple[str, ...] = field(default=(), repr=False)


class Transport(Protocol):
    def get(
        self, url: str, headers: Mapping[str, str], timeout: float, max_bytes: int = MAX_BODY_BYTES
    ) -> HttpResponse:
        """GET url; return any HTTP answer (including 3xx, 4xx, 5xx) of at most ``max_bytes``; raise AnswerTooLarge
        for a longer one, TransportError for no answer."""


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class _Deadline:
    """Ends one request at its deadline however the server dribbles: a timer shuts the request's socket down.

    A socket timeout bounds each read only: a server sending a byte a second would hold a request for ever.
    """

    def __init__(self, seconds: float) -> None:
        self.expired = False
        self._done = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(min(seconds, threading.TIMEOUT_MAX), self._expire)
        self._timer.daemon = True

    def __enter__(self) -> _Deadline:
        self._timer.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        # Under the lock: once done, the timer never touches a socket that may be closed and its number reused.
        with self._lock:
            self._done = True
        self._timer.cancel()

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                self._shut(sock)

    def _expire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.expired = True
            for sock in self._sockets:
                self._shut(sock)

    @staticmethod
    def _shut(sock: socket.socket) -> None:
        # Already closed, or the peer went first: either way the request is over.
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


class _Watched:
    """A connection that hands its socket to the request's deadline as soon as it is connected."""

    def __init__(self, *args, deadline: _Deadline, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._deadline = deadline

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]  # pylint: disable=no-member
        self._deadline.watch(self.sock)  # type: ignore[attr-defined]  # pylint: disable=no-member


class _WatchedHTTPConnection(_Watched, http.client.HTTPConnection):
    pass


class _WatchedHTTPSConnection(_Watched, http.client.HTTPSConnection):
    pass


class _DeadlineHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req):
        return self.do_open(functools.partial(_WatchedHTTPConnection, deadline=req.deadline), req)


class _DeadlineHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, context: ssl.SSLContext | None) -> None:
        super().__init__(context=context)
        self._tls = context

    def https_open(self, req):
        return self.do_open(functools.partial(_WatchedHTTPSConnection, deadline=req.deadline), req, context=self._tls)


def _describe_failure(error: BaseException, timeout: float) -> str:
    # URLError wraps the real error in .reason; ssl.SSLError's own .reason is a string such as "NO_CERTIFICATE...".
    reason = error.reason if isinstance(error, urllib.error.URLError) else error
    if isinstance(reason, (socket.timeout, TimeoutError)):
        return f"timed out after {timeout:g}s"
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(reason, ConnectionResetError):
        return "connection reset"
    if isinstance(reason, socket.gaierror):
        return "host name not resolved"
    if isinstance(reason, ssl.SSLCertVerificationError):
        return "TLS certificate not trusted: {}".format(
            getattr(reason, "verify_message", None) or "verification failed"
        )
    if isinstance(reason, ssl.SSLError):
        # Only errors raised by OpenSSL itself carry .reason; others would raise AttributeError here.
        return "TLS error: {}".format(getattr(reason, "reason", None) or type(reason).__name__)
    if isinstance(reason, http.client.HTTPException):
        return f"malformed HTTP answer ({type(reason).__name__})"
    if isinstance(reason, OSError) and reason.errno is not None:
        return os.strerror(reason.errno).lower()
    # Anything else is described by its type only: its text could quote the URL.
    if isinstance(reason, BaseException):
        return f"request failed ({type(reason).__name__})"
    return "request failed"


def _tls_context(tls: TlsOptions) -> ssl.SSLContext:
    # Each step names its options, so the user knows which file to fix.
    try:
        context = ssl.create_default_context(cafile=tls.ca_path)
    except (OSError, ssl.SSLError) as error:
        raise TransportError(f"TLS settings unusable: ca_path: {_describe_failure(error, 0)}") from None
    if not tls.validate_certs:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if tls.client_cert:
        try:
            context.load_cert_chain(tls.client_cert, tls.client_key)
        except (OSError, ssl.SSLError) as error:
            reason = _describe_failure(error, 0)
            raise TransportError(f"TLS settings unusable: client_cert/client_key: {reason}") from None
    return context


class UrllibTransport:
    """GET over urllib with the collection's TLS options; follows no redirect."""

    def __init__(
        self, tls: TlsOptions, use_proxy: bool = True, user_agent: str = "alertmanager-kuma", needs_tls: bool = True
    ) -> None:
        # Loading the system's CA store costs about 25 ms, most of a plain-http heartbeat's run: only when needed.
        handlers: list[urllib.request.BaseHandler] = [
            _RefuseRedirects(),
            _DeadlineHTTPHandler(),
            _DeadlineHTTPSHandler(_tls_context(tls) if needs_tls else None),
        ]
        if not use_proxy:
            handlers.append(urllib.request.ProxyHandler({}))
        self._opener = urllib.request.build_opener(*handlers)
        self._user_agent = user_agent

    def get(
        self, url: str, headers: Mapping[str, str], timeout: float, max_bytes: int = MAX_BODY_BYTES
    ) -> HttpResponse:
        """GET url; the whole request, connection to last byte, ends within ``timeout`` seconds."""
        return self.request("GET", url, headers, timeout, max_bytes)

    def request(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        timeout: float,
        max_bytes: int = MAX_BODY_BYTES,
        body: bytes | None = None,
    ) -> HttpResponse:
        """``method`` url with ``body``; the whole request, connection to last byte, ends within ``timeout`` s."""
        request = urllib.request.Request(
            url, data=body, method=method, headers=dict(headers, **{"User-Agent": self._user_agent})
        )
        try:
            with _Deadline(timeout) as deadline:
                request.deadline = deadline  # type: ignore[attr-defined]
                answer_body, status, answer_headers, set_cookies = self._fetch(request, timeout, max_bytes)
        # OverflowError: a timeout too large for the platform's clock.
        except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError, OverflowError) as error:
            reason = f"timed out after {timeout:g}s" if deadline.expired else _describe_failure(error, timeout)
            raise TransportError(reason) from None
        # A server cut off at the deadline may look like one that ended its answer early.
        if deadline.expired:
            raise TransportError(f"timed out after {timeout:g}s")
        if len(answer_body) > max_bytes:
            raise AnswerTooLarge(max_bytes)
        return HttpResponse(status=status, body=answer_body, headers=answer_headers, set_cookies=set_cookies)

    def _fetch(
        self, request: urllib.request.Request, timeout: float, max_bytes: int
    ) -> tuple[bytes, int, dict[str, str], tuple[str, ...]]:
        try:
            answer = self._opener.open(request, timeout=timeout)
        except urllib.error.HTTPError as http_error:
            # Non-2xx answers are answers; HTTPError's own text and .url carry the full URL, never used.
            answer = http_error
        with answer:
            body = answer.read(max_bytes + 1)
            headers = {key.lower(): value for key, value in answer.headers.items()}
            return body, answer.getcode() or 0, headers, tuple(answer.headers.get_all("Set-Cookie") or ())
