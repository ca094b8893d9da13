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

import json
import re
import socket
import sys
import threading
import unicodedata
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


def handle_post(
    settings: RelaySettings,
    transport: Transport,
    path: str,
    headers: Mapping[str, str],
    read_body: Callable[[int], bytes],
    wait: Callable[[float], None],
) -> Outcome:
    """One webhook POST, from path and headers to the answer; the body is read only once it is allowed."""
    # Authentication first: without it, a caller cannot even learn which route names exist.
    if not authorized(settings, headers.get("authorization")):
        return Outcome(401, "authentication required")
    route = (
        path[len("/push/") :] if path.startswith("/push/") else (DEFAULT_ROUTE if path in ("/push", "/push/") else None)
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

    def _answer(self, outcome: Outcome) -> None:
        body = (outcome.text + "\n").encode("utf-8")
        lost = ""
        try:
            self.send_response(outcome.status)
            if outcome.status == 401:
                scheme = "Bearer" if self.relay.settings.bearer_token else 'Basic realm="relay"'
                self.send_header("WWW-Authenticate", scheme)
            if outcome.status == 405:
                self.send_header("Allow", "POST")
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
        self._log(f"relay: refused by the HTTP layer: {format % args}")

    def log_message(self, format: str, *args: Any) -> None:
        """One line per request is written by _answer or log_error, with the secrets masked; nothing else."""


def _reason(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror.lower()
    return type(error).__name__


class RelayServer(ThreadingHTTPServer):
    """The relay's HTTP server: serve_forever() in one thread, shutdown() from another, then server_close().

    Its threads are daemons, so a handler stuck past SHUTDOWN_GRACE_SECONDS cannot keep the process alive;
    server_close() waits that long for the requests in flight instead, so a stop does not cut their answers.
    """

    daemon_threads = True

    def __init__(self, relay: Relay, log: IO[str], wait: Callable[[float], None]) -> None:
        self.address_family = socket.AF_INET6 if ":" in relay.settings.host else socket.AF_INET
        self.relay = relay
        self.log = log
        self.wait = wait
        self.client_timeout = CLIENT_TIMEOUT_SECONDS
        self.unfinished = 0
        self._in_flight = 0
        self._idle = threading.Condition()
        super().__init__((relay.settings.host, relay.settings.port), _Handler)

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


def make_server(
    settings: RelaySettings, transport: Transport, log: IO[str], wait: Callable[[float], None]
) -> RelayServer:
    """A server bound to settings' address; call serve_forever() on it, shutdown() from another thread."""
    return RelayServer(Relay(settings, transport), log, wait)
