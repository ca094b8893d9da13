# Copyright: Contributors to the watchdog.alertmanager_kuma collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The relay: Alertmanager's webhook (POST) in, a heartbeat to an Uptime Kuma push monitor (GET) out.

Private to the collection (leading underscore). Standard library only; the push is the heartbeat core's own
(`_kuma.push`), with its retries, backoff and token-free messages. Stricter than the program it replaces:
it answers 200 only when Kuma said ok (502 otherwise, so Alertmanager retries and counts the failure), a
resolved notification is not a heartbeat, and malformed, oversize or unauthenticated bodies get a 4xx.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import socket
import sys
import threading
import time
import unicodedata
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import IO, Any, Callable

from ._kuma import PushError, push
from ._redact import redact
from ._relay_settings import DEFAULT_ROUTE, RelaySettings
from ._transport import Transport
from ._webhook import BadRequest, authorized, parse_notification

MAX_BODY_BYTES = 256 * 1024
# Alertmanager writes its whole body at once: a client slower than this holds a thread for nothing.
CLIENT_TIMEOUT_SECONDS = 10
# The whole request (line, headers, body) must arrive within this, however it is dribbled: a per-read timeout
# alone lets a client sending one byte every few seconds hold its connection for ever. Alertmanager needs
# milliseconds; a short deadline also frees a slow client's slot quickly.
REQUEST_DEADLINE_SECONDS = 5
# Connections held at once, well below the 1,024 descriptors systemd gives the service: each takes one, and its
# push to Kuma one more, so twice this and the program's few own stay under 1,024. Beyond it a new connection
# gets a 503 and is closed at once, never queued.
MAX_CONNECTIONS = 448
# Of those, connections whose headers are not yet read and authenticated. When they are this many, the oldest
# of them is dropped for the newcomer, rather than the newcomer refused: Alertmanager sends its request at once
# and is through its headers within milliseconds, while a slow client is still dribbling, so a flood of slow
# clients evicts itself and cannot starve real webhooks. The slots above this cap are left to authenticated
# requests, which may wait on Kuma (retries and backoff) for several seconds.
MAX_UNAUTHENTICATED = 320
# Caps reached are summed up in one log line at most this often, not one line per refused connection.
CAP_LOG_INTERVAL_SECONDS = 10
# The kernel's queue of connections not yet accepted (kernel memory, no descriptor): long enough that while slow
# clients churn a webhook's handshake is not dropped (costing it a 1 s retry); the caps above decide what is served.
LISTEN_BACKLOG = 1024
# How long a stop waits for the requests in flight: more than a push with the default settings takes (3 attempts
# of 3 s and their backoff) and a stalled client is given, less than systemd's 90 s before it kills.
SHUTDOWN_GRACE_SECONDS = 20
# Control and format characters (escape codes, bidi overrides), line and paragraph separators, lone surrogates.
_UNSAFE_IN_LOG = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_CONTENT_LENGTH_RE = re.compile(r"^[0-9]{1,12}$")
_SINGLE_HEADERS = ("authorization", "content-length", "content-type", "transfer-encoding")


@dataclass(frozen=True)
class Outcome:
    status: int
    text: str
    route: str | None = None
    pushed: bool = False
    attempts: int = 0
    # The connection is closed after the answer: what follows on it cannot be told apart from the body.
    close: bool = False


def handle_post(
    settings: RelaySettings,
    transport: Transport,
    path: str,
    headers: Mapping[str, str],
    read_body: Callable[[int], bytes],
    wait: Callable[[float], None],
) -> Outcome:
    """One webhook POST, from path and headers to the answer; the body is read only once it is allowed."""
    # Two framings of one body: a proxy before the relay may take the other, and smuggle a request in the rest
    # (RFC 9112 section 6.3: such a message ought to be handled as an error, the connection closed).
    if "transfer-encoding" in headers and "content-length" in headers:
        return Outcome(400, "Content-Length and Transfer-Encoding together: the body's length is ambiguous", close=True)
    # Authentication first: without it, a caller cannot even learn which route names exist.
    if not authorized(settings, headers.get("authorization")):
        return Outcome(401, "authentication required")
    route = (
        path.removeprefix("/push/")
        if path.startswith("/push/")
        else (DEFAULT_ROUTE if path in ("/push", "/push/") else None)
    )
    push_url = settings.routes.get(route) if route is not None else None
    if push_url is None:
        return Outcome(404, "no such route")
    if headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
        return Outcome(415, "the body must be application/json", route)
    content_length = headers.get("content-length", "").strip()
    if not _CONTENT_LENGTH_RE.match(content_length):
        return Outcome(411, "Content-Length required", route)
    length = int(content_length)
    if length > MAX_BODY_BYTES:
        return Outcome(413, f"the body is larger than {MAX_BODY_BYTES} bytes", route)
    try:
        notification = parse_notification(read_body(length))
    except BadRequest as refused:
        return Outcome(refused.status, refused.reason, route)
    if not notification.is_heartbeat:
        # 200: Alertmanager counts any other answer as a failed notification, and a resolve is no failure.
        return Outcome(200, "resolved: not a heartbeat, nothing pushed", route)
    try:
        attempts = push(
            push_url, "up", notification.message(), None, transport, settings.timeout, settings.retries, wait
        )
    except PushError as failed:
        # Kuma's words (or a proxy's) are quoted back; the push masks its own token, this every other secret too.
        return Outcome(502, redact(str(failed), settings.secrets()), route, attempts=failed.attempts)
    return Outcome(200, "OK", route, pushed=True, attempts=attempts)


def log_safe(text: str) -> str:
    """``text`` with every control or format character escaped: one line, and no escape code reaches a terminal."""
    return "".join(_escaped(char) if unicodedata.category(char) in _UNSAFE_IN_LOG else char for char in text)


def _escaped(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def write_line(log: IO[str], text: str, secrets: Iterable[str] = ()) -> None:
    """One line of the relay's log: secrets masked first (a secret may hold any character), then escaped."""
    log.write(log_safe(redact(text, secrets)) + "\n")
    log.flush()


@dataclass(frozen=True)
class Relay:
    """What a request is served with; a reload replaces it whole, so no request sees half of each."""

    settings: RelaySettings
    transport: Transport
    secrets: list[str] = field(init=False, repr=False)
    hosts: Mapping[str, str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "secrets", self.settings.secrets())
        object.__setattr__(self, "hosts", {name: url.host for name, url in self.settings.routes.items()})


class _Handler(BaseHTTPRequestHandler):
    server: RelayServer
    server_version = "alertmanager-kuma-relay"
    sys_version = ""
    # http.server's own refusals (bad request line, headers too long) in plain text too, not its HTML page.
    error_message_format = "%(code)d %(message)s\n"
    error_content_type = "text/plain; charset=utf-8"

    def setup(self) -> None:
        self.timeout = self.server.client_timeout
        self.relay = self.server.relay
        super().setup()
        # The request is read under one deadline for all of it; the makefile() reader is closed, or the
        # socket would stay open after its close.
        self.rfile.close()
        self.rfile = io.BufferedReader(_DeadlineReader(self.connection, self.timeout, self.server.request_deadline))

    def _answer(self, outcome: Outcome) -> None:
        if self.server.evicted(self.request):
            # Dropped for a newer connection while its headers were still coming: no one is left to answer.
            self.close_connection = True
            return
        body = (outcome.text + "\n").encode("utf-8")
        lost = ""
        try:
            # The last read may have left the socket with the little that remained of the request's deadline.
            self.connection.settimeout(self.timeout)
            self.send_response(outcome.status)
            if outcome.status == 401:
                scheme = "Bearer" if self.relay.settings.bearer_token else 'Basic realm="relay"'
                self.send_header("WWW-Authenticate", scheme)
            if outcome.status == 405:
                self.send_header("Allow", "POST")
            if outcome.close:
                # send_header also marks the connection to be closed once this answer is written.
                self.send_header("Connection", "close")
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError as error:
            # The client hung up first: what was decided (and pushed) still goes in the log, on the same line.
            lost = f" answer=lost ({_reason(error)})"
            self.close_connection = True
        push_host = self.relay.hosts.get(outcome.route, "-") if outcome.route is not None else "-"
        pushed = "yes" if outcome.pushed else "no"
        self._log(
            f"relay: {self.command} {self.path.split('?')[0]} status={outcome.status} push_host={push_host}"
            f" pushed={pushed} attempts={outcome.attempts} msg={json.dumps(outcome.text)}{lost}"
        )

    def _log(self, line: str) -> None:
        write_line(self.server.log, line, self.relay.secrets)

    def do_POST(self) -> None:
        # Two of these would leave the relay and a proxy before it to disagree on which one counts.
        if any(len(self.headers.get_all(name, [])) > 1 for name in _SINGLE_HEADERS):
            self._answer(Outcome(400, "a header appears more than once"))
            return
        headers = {key.lower(): value for key, value in self.headers.items()}
        relay = self.relay
        if authorized(relay.settings, headers.get("authorization")):
            # Checked as soon as the headers are in, before the body: from here on a reserved slot is used.
            self.server.authenticated(self.request)
        path = self.path.split("?")[0]
        self._answer(handle_post(relay.settings, relay.transport, path, headers, self.rfile.read, self.server.wait))

    def do_GET(self) -> None:
        if self.path == "/-/healthy":
            self._answer(Outcome(200, "OK"))
        else:
            self._answer(Outcome(405, "POST Alertmanager's webhook to /push"))

    def _not_allowed(self) -> None:
        self._answer(Outcome(405, "POST Alertmanager's webhook to /push"))

    do_HEAD = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _not_allowed

    def log_error(self, format: str, *args: Any) -> None:
        """What http.server answers or drops by itself (a bad request line, a client too slow): one line too."""
        # A connection dropped for a newer one is counted in the server's summary line, not logged one by one.
        if not self.server.evicted(self.request):
            self._log(f"relay: refused by the HTTP layer: {format % args}")

    def log_message(self, format: str, *args: Any) -> None:
        """One line per request is written by _answer or log_error, with the secrets masked; nothing else."""


class _DeadlineReader(io.RawIOBase):
    """A connection's reads, each given what is left of the request's deadline (and never more than ``per_read``)."""

    def __init__(self, connection: socket.socket, per_read: float, seconds: float) -> None:
        super().__init__()
        self._connection = connection
        self._per_read = per_read
        self._seconds = seconds
        self._deadline = time.monotonic() + seconds

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            # socket.timeout: what http.server catches as a request timed out (TimeoutError from Python 3.10).
            raise socket.timeout(f"the request took longer than {self._seconds:g} s")
        self._connection.settimeout(min(self._per_read, remaining))
        try:
            return self._connection.recv_into(buffer)
        except socket.timeout:
            if self._deadline - time.monotonic() <= 0:
                raise socket.timeout(f"the request took longer than {self._seconds:g} s") from None
            raise


def _reason(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror.lower()
    return type(error).__name__


class RelayServer(ThreadingHTTPServer):
    """The relay's HTTP server: serve_forever() in one thread, shutdown() from another, then server_close().

    Its threads are daemons, so a handler stuck past SHUTDOWN_GRACE_SECONDS cannot keep the process alive;
    server_close() waits that long for the requests in flight instead, so a stop does not cut their answers.

    Against slow clients: each request has REQUEST_DEADLINE_SECONDS in all to arrive; at most MAX_CONNECTIONS are
    held (a 503 beyond); of them at most MAX_UNAUTHENTICATED have not yet sent their headers and credentials, the
    oldest dropped for a newcomer. A thread per connection is kept (no selectors loop): the caps bound the threads
    and descriptors, and the eviction, not the order of arrival, is what keeps real webhooks served in a flood.
    """

    daemon_threads = True
    request_queue_size = LISTEN_BACKLOG

    def __init__(self, relay: Relay, log: IO[str], wait: Callable[[float], None]) -> None:
        self.address_family = socket.AF_INET6 if ":" in relay.settings.host else socket.AF_INET
        self.relay = relay
        self.log = log
        self.wait = wait
        self.client_timeout = CLIENT_TIMEOUT_SECONDS
        self.request_deadline = REQUEST_DEADLINE_SECONDS
        self.max_connections = MAX_CONNECTIONS
        self.max_unauthenticated = min(MAX_UNAUTHENTICATED, MAX_CONNECTIONS)
        self.unfinished = 0
        self._in_flight = 0
        self._idle = threading.Condition()
        # Every connection admitted and not yet closed, and of them those not yet authenticated, oldest first;
        # a connection dropped for a newer one stays in the first until its thread has closed it.
        self._open: set[Any] = set()
        self._unauthenticated: OrderedDict[Any, None] = OrderedDict()
        self._evicted: set[Any] = set()
        self._refused = 0
        self._dropped = 0
        self._last_cap_line = float("-inf")
        super().__init__((relay.settings.host, relay.settings.port), _Handler)

    def verify_request(self, request: Any, client_address: Any) -> bool:
        """Admit a new connection, dropping the oldest unauthenticated one for it, or refuse it at once."""
        with self._idle:
            if len(self._open) >= self.max_connections:
                self._refused += 1
                admitted = False
            else:
                if len(self._unauthenticated) >= self.max_unauthenticated:
                    self._evict(next(iter(self._unauthenticated)))
                self._open.add(request)
                self._unauthenticated[request] = None
                admitted = True
            self._log_caps()
        if not admitted:
            _refuse(request)
        return admitted

    def _evict(self, request: Any) -> None:
        del self._unauthenticated[request]
        self._evicted.add(request)
        self._dropped += 1
        # Its thread's read ends at once; the thread closes the socket, so its descriptor is not reused yet.
        with contextlib.suppress(OSError):
            request.shutdown(socket.SHUT_RDWR)

    def _log_caps(self) -> None:
        now = time.monotonic()
        if (self._refused or self._dropped) and now - self._last_cap_line >= CAP_LOG_INTERVAL_SECONDS:
            write_line(
                self.log,
                f"relay: connection caps reached: {self._refused} refused with a 503 ({self.max_connections} open),"
                f" {self._dropped} unauthenticated dropped for newer ones ({self.max_unauthenticated} at most)",
            )
            self._refused = self._dropped = 0
            self._last_cap_line = now

    def authenticated(self, request: Any) -> None:
        """``request`` has sent its headers and its credentials are right: it can no longer be dropped for another."""
        with self._idle:
            self._unauthenticated.pop(request, None)

    def evicted(self, request: Any) -> bool:
        with self._idle:
            return request in self._evicted

    def shutdown_request(self, request: Any) -> None:
        try:
            super().shutdown_request(request)
        finally:
            # Forgotten only once closed: an eviction never shuts down a descriptor given to a newer connection.
            with self._idle:
                self._open.discard(request)
                self._unauthenticated.pop(request, None)
                self._evicted.discard(request)

    def reload(self, relay: Relay) -> None:
        """Serve every request from now on with ``relay``; those in flight finish with what they started with."""
        self.relay = relay

    def process_request(self, request: Any, client_address: Any) -> None:
        # Counted here, in the serving thread, so a stop right after the accept still waits for this request.
        with self._idle:
            self._in_flight += 1
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._done()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._done()

    def _done(self) -> None:
        with self._idle:
            self._in_flight -= 1
            self._idle.notify_all()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A connection that broke outside an answer (a client hanging up mid-request): one line, no traceback."""
        if self.evicted(request):
            return
        error = sys.exc_info()[1]
        host = client_address[0] if isinstance(client_address, tuple) else "-"
        detail = _reason(error) if isinstance(error, OSError) else f"{type(error).__name__}: {error}"
        write_line(self.log, f"relay: connection from {host} dropped: {detail}", self.relay.secrets)

    def server_close(self) -> None:
        # Listening stops first: nothing new is taken while the last answers go out.
        super().server_close()
        with self._idle:
            self._idle.wait_for(lambda: self._in_flight == 0, timeout=SHUTDOWN_GRACE_SECONDS)
            self.unfinished = self._in_flight


def _refuse(request: socket.socket) -> None:
    """A 503 if it fits in the socket's buffer without waiting, then the connection is closed by the caller."""
    try:
        request.setblocking(False)
        request.send(b"HTTP/1.0 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    except OSError:
        pass


def make_server(
    settings: RelaySettings, transport: Transport, log: IO[str], wait: Callable[[float], None]
) -> RelayServer:
    """A server bound to settings' address; call serve_forever() on it, shutdown() from another thread."""
    return RelayServer(Relay(settings, transport), log, wait)
