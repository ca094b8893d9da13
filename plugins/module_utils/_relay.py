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

import base64
import hmac
import json
import re
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import IO, Any, Callable

from ._kuma import PushError, push
from ._redact import redact
from ._settings import PushTarget, SettingsError, TlsOptions, parse_push_url, refuse_unknown
from ._transport import Transport

DEFAULT_ROUTE = ""
MAX_BODY_BYTES = 256 * 1024
# Alertmanager writes its whole body at once: a client slower than this holds a thread for nothing.
CLIENT_TIMEOUT_SECONDS = 10
# The message travels in the push URL's query: a notification of many alerts must not make it too long for Kuma.
MAX_NAMES_SHOWN = 5
MAX_MESSAGE_CHARS = 250
_CONTENT_LENGTH_RE = re.compile(r"^[0-9]{1,12}$")
_SINGLE_HEADERS = ("authorization", "content-length", "content-type", "transfer-encoding")
_ROUTE_NAME_RE = re.compile(r"^[A-Za-z0-9_-]+$")
_LISTEN_RE = re.compile(r"^(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(?P<port>[0-9]{1,5})$")


@dataclass(frozen=True)
class RelaySettings:
    host: str
    port: int
    routes: Mapping[str, PushTarget]
    retries: int = 3
    timeout: float = 3.0
    bearer_token: str | None = field(default=None, repr=False)
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    tls: TlsOptions = field(default_factory=TlsOptions)
    use_proxy: bool = True

    def secrets(self) -> list[str]:
        tokens = [target.token for target in self.routes.values()]
        return [secret for secret in [*tokens, self.bearer_token, self.password] if secret]

    def needs_tls(self) -> bool:
        return any(target.endpoint.startswith("https:") for target in self.routes.values()) or bool(self.tls.ca_path)


class BadRequest(Exception):
    """A request the relay refuses: ``status`` is the HTTP status, the message says why (no secret in it)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class Notification:
    status: str
    receiver: str
    alertnames: tuple[str, ...]
    firing: int
    total: int

    @property
    def is_heartbeat(self) -> bool:
        return self.status == "firing" and self.firing > 0

    def message(self) -> str:
        names = ", ".join(self.alertnames[:MAX_NAMES_SHOWN]) or "no alertname"
        if len(self.alertnames) > MAX_NAMES_SHOWN:
            names += f" and {len(self.alertnames) - MAX_NAMES_SHOWN} more"
        count = "1 alert" if self.firing == 1 else f"{self.firing} alerts"
        message = f"Alertmanager webhook: {names} firing ({count}) via receiver {self.receiver}"
        return message if len(message) <= MAX_MESSAGE_CHARS else message[: MAX_MESSAGE_CHARS - 3] + "..."


def _text(option: str, value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise SettingsError(option, "must be a string")
    return value


def _whole(option: str, value: Any, default: int, minimum: int) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise SettingsError(option, f"must be a whole number of at least {minimum}, got {value!r}")
    return value


def _routes(options: Mapping[str, Any]) -> dict[str, PushTarget]:
    push_url, routes = options.get("push_url"), options.get("routes")
    if bool(push_url) == bool(routes):
        raise SettingsError("push_url", "give either push_url or routes (a list of name and push_url), not both")
    if push_url:
        return {DEFAULT_ROUTE: parse_push_url(push_url)}
    if not isinstance(routes, list):
        raise SettingsError("routes", "must be a list of {name, push_url}")
    parsed: dict[str, PushTarget] = {}
    for index, route in enumerate(routes):
        name = route.get("name") if isinstance(route, dict) else None
        if not isinstance(name, str) or not _ROUTE_NAME_RE.match(name):
            raise SettingsError(f"routes[{index}].name", "must be letters, digits, - and _")
        if name in parsed:
            raise SettingsError(f"routes[{index}].name", f"{name!r} is used more than once")
        try:
            parsed[name] = parse_push_url(route.get("push_url"))
        except SettingsError as error:
            raise SettingsError(f"routes[{index}].push_url", error.problem) from None
    return parsed


def relay_settings_from_options(options: Mapping[str, Any]) -> RelaySettings:
    """Validate the relay's options (its JSON settings file) before anything listens."""
    known = {
        "listen",
        "push_url",
        "routes",
        "retries",
        "timeout",
        "auth_bearer_token",
        "auth_username",
        "auth_password",
        "validate_certs",
        "ca_path",
        "use_proxy",
    }
    refuse_unknown(options, known)
    listen = _LISTEN_RE.match(str(options.get("listen") or "127.0.0.1:8081"))
    if not listen or not 0 <= int(listen.group("port")) < 65536:
        raise SettingsError("listen", "must be host:port, such as 127.0.0.1:8081")
    timeout = options.get("timeout", 3)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout <= 300:
        raise SettingsError("timeout", f"must be a number of seconds above 0, got {timeout!r}")
    bearer = _text("auth_bearer_token", options.get("auth_bearer_token"))
    username = _text("auth_username", options.get("auth_username"))
    password = _text("auth_password", options.get("auth_password"))
    if bool(username) != bool(password):
        raise SettingsError(
            "auth_password" if username else "auth_username", "auth_username and auth_password go together"
        )
    if bearer and username:
        raise SettingsError("auth_bearer_token", "use either basic auth or a bearer token, not both")
    validate_certs = options.get("validate_certs", True)
    use_proxy = options.get("use_proxy", True)
    if not isinstance(validate_certs, bool) or not isinstance(use_proxy, bool):
        raise SettingsError(
            "validate_certs" if not isinstance(validate_certs, bool) else "use_proxy", "must be true or false"
        )
    return RelaySettings(
        host=listen.group("host").strip("[]"),
        port=int(listen.group("port")),
        routes=_routes(options),
        retries=_whole("retries", options.get("retries"), 3, 0),
        timeout=float(timeout),
        bearer_token=bearer,
        username=username,
        password=password,
        tls=TlsOptions(validate_certs=validate_certs, ca_path=_text("ca_path", options.get("ca_path"))),
        use_proxy=use_proxy,
    )


def parse_notification(body: bytes) -> Notification:
    """Alertmanager's webhook JSON, version 4; anything else is a BadRequest (400)."""
    try:
        document = json.loads(body.decode("utf-8"))
    except ValueError:
        raise BadRequest(400, "the body is not JSON") from None
    if not isinstance(document, dict) or document.get("version") != "4":
        raise BadRequest(400, "not an Alertmanager webhook notification (version 4)")
    alerts = document.get("alerts")
    status = document.get("status")
    if status not in ("firing", "resolved") or not isinstance(alerts, list) or not alerts:
        raise BadRequest(400, "the notification has no status firing/resolved or no alerts")
    # An alert without a status of its own cannot be counted as firing or resolved: refuse the whole body.
    if not all(isinstance(alert, dict) and alert.get("status") in ("firing", "resolved") for alert in alerts):
        raise BadRequest(400, "each alert must be an object with status firing or resolved")
    receiver = document.get("receiver")
    if not isinstance(receiver, str):
        raise BadRequest(400, "the notification names no receiver")
    firing = [alert for alert in alerts if alert["status"] == "firing"]
    names: list[str] = []
    for alert in firing:
        labels = alert.get("labels") if isinstance(alert.get("labels"), dict) else {}
        name = str(labels.get("alertname", ""))
        if name and name not in names:
            names.append(name)
    return Notification(
        status=status,
        receiver=receiver,
        alertnames=tuple(names),
        firing=len(firing),
        total=len(alerts),
    )


def _authorized(settings: RelaySettings, header: str | None) -> bool:
    if not (settings.bearer_token or settings.username):
        return True
    if settings.bearer_token:
        expected = "Bearer " + settings.bearer_token
    else:
        pair = f"{settings.username}:{settings.password}".encode()
        expected = "Basic " + base64.b64encode(pair).decode("ascii")
    return hmac.compare_digest((header or "").encode("utf-8"), expected.encode("utf-8"))


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
    if not _authorized(settings, headers.get("authorization")):
        return Outcome(401, "authentication required")
    route = (
        path[len("/push/") :] if path.startswith("/push/") else (DEFAULT_ROUTE if path in ("/push", "/push/") else None)
    )
    target = settings.routes.get(route) if route is not None else None
    if target is None:
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
        result = push(target, "up", notification.message(), None, transport, settings.timeout, settings.retries, wait)
    except PushError as failed:
        return Outcome(502, str(failed), route, attempts=failed.attempts)
    return Outcome(200, "OK", route, pushed=True, attempts=result.attempts)


def make_server(
    settings: RelaySettings, transport: Transport, log: IO[str], wait: Callable[[float], None]
) -> ThreadingHTTPServer:
    """A server bound to settings' address; call serve_forever() on it, shutdown() from another thread."""
    secrets = settings.secrets()
    hosts = {name: target.host for name, target in settings.routes.items()}

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
