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
from collections.abc import Mapping
from dataclasses import dataclass
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
        return Outcome(502, str(failed), route, attempts=failed.attempts)
    return Outcome(200, "OK", route, pushed=True, attempts=attempts)


def make_server(
    settings: RelaySettings, transport: Transport, log: IO[str], wait: Callable[[float], None]
) -> ThreadingHTTPServer:
    """A server bound to settings' address; call serve_forever() on it, shutdown() from another thread."""
    secrets = settings.secrets()
    hosts = {name: push_url.host for name, push_url in settings.routes.items()}

    class Handler(BaseHTTPRequestHandler):
        server_version = "alertmanager-kuma-relay"
        sys_version = ""
        timeout = CLIENT_TIMEOUT_SECONDS
        # http.server's own refusals (bad request line, headers too long) in plain text too, not its HTML page.
        error_message_format = "%(code)d %(message)s\n"
        error_content_type = "text/plain; charset=utf-8"

        def _answer(self, outcome: Outcome) -> None:
            body = (outcome.text + "\n").encode("utf-8")
            self.send_response(outcome.status)
            if outcome.status == 401:
                self.send_header("WWW-Authenticate", "Bearer" if settings.bearer_token else 'Basic realm="relay"')
            if outcome.status == 405:
                self.send_header("Allow", "POST")
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            push_host = hosts.get(outcome.route, "-") if outcome.route is not None else "-"
            pushed = "yes" if outcome.pushed else "no"
            line = (
                f"relay: {self.command} {self.path.split('?')[0]} status={outcome.status} push_host={push_host}"
                f" pushed={pushed} attempts={outcome.attempts} msg={json.dumps(outcome.text)}"
            )
            self._log(line)

        def _log(self, line: str) -> None:
            log.write(redact(line, secrets) + "\n")
            log.flush()

        def do_POST(self) -> None:
            # Two of these would leave the relay and a proxy before it to disagree on which one counts.
            if any(len(self.headers.get_all(name, [])) > 1 for name in _SINGLE_HEADERS):
                self._answer(Outcome(400, "a header appears more than once"))
                return
            headers = {key.lower(): value for key, value in self.headers.items()}
            self._answer(handle_post(settings, transport, self.path.split("?")[0], headers, self.rfile.read, wait))

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

    class Server(ThreadingHTTPServer):
        address_family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET

    return Server((settings.host, settings.port), Handler)
