# Copyright: Contributors to the watchdog.alertmanager_kuma collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A session with Uptime Kuma's socket.io API, the one its web page uses: log in, list, add, edit, delete monitors.

Private to the collection (leading underscore). Runs on the controller only (the push_monitor module), so it may
need a package: python-socketio's client, used directly. The PyPI wrappers of Kuma's API each fail on one of the
versions this collection supports (1.23.x, 2.0.0-dev.0, 2.x, 3.0) and cannot set a push token at creation.
Messages never hold the password, the login token, the session cookie or a push token.

Up to 2.x the socket logs in with the `login` event. Kuma 3 (3.0.0-beta.0) has no such event: the socket is logged in
by the session cookie sent in its handshake (``cookie``; `_kuma_login.py` signs in over HTTP to get it), with no
Origin header, which Kuma 3 checks against what it expects.
"""

from __future__ import annotations

import re
import threading
import time
from typing import Any

try:
    import socketio
    from socketio import exceptions as socketio_errors
except ImportError:  # the module reports it with missing_required_lib
    socketio = None
    socketio_errors = None

SOCKETIO_REQUIREMENT = "python-socketio[client]>=5.11"
_LOST_POLL_S = 0.1  # how often a wait for an answer looks whether the connection broke
SUPPORTED_VERSIONS = "1.23, 2.x and 3.0"
# Kuma 2.x answers with translation keys; these are the ones a login or a monitor call can give.
_I18N_MESSAGES = {
    "authIncorrectCreds": "Incorrect username or password.",
    "authInvalidToken": "Invalid login token.",
    "authUserInactiveOrDeleted": "The user is inactive or deleted.",
}


class KumaError(Exception):
    """Kuma could not be reached, refused the login, or refused a change; the message says which."""


def has_socketio() -> bool:
    return socketio is not None


def _reason(error: Exception) -> str:
    """The cause of a failed connection in a person's words, without the HTTP library's wrapping."""
    text = str(error) or "no answer"
    found = re.findall(r"\[Errno -?\d+\] ([^'\")\]]+)", text)
    if found:
        return found[-1].strip().lower()
    if "timed out" in text.lower():
        return "timed out"
    return text


def _message(answer: Any) -> str:
    if not isinstance(answer, dict):
        return f"an unexpected answer ({type(answer).__name__})"
    msg = str(answer.get("msg") or "no reason given")
    return _I18N_MESSAGES.get(msg, msg)


def unsupported_version_message(url: str, version: str, why: str) -> str:
    """What a user reads when Kuma speaks a way this collection does not; ``version`` may be "" when unknown."""
    kuma = f"Uptime Kuma {version}" if version else "This Uptime Kuma"
    return f"{kuma} at {url} is not supported yet by this collection (it supports {SUPPORTED_VERSIONS}): {why}"


def is_login_answer(answer: Any) -> bool:
    """Every supported Kuma answers login and loginByToken with an object holding ``ok`` (true or false), or, for a
    user with two-factor authentication, ``tokenRequired``."""
    return isinstance(answer, dict) and ("ok" in answer or "tokenRequired" in answer)


class KumaSession:
    """One connection and one login. Use as a context manager.

    The connection (handshake and Kuma's first ``info``) and each answer take at most ``timeout`` seconds in all,
    however slowly Kuma trickles them; a connection that breaks ends the wait for an answer at once.
    ``cookie`` (Kuma 3) is the session cookie of a sign-in, sent in the handshake instead of a login event.
    """

    def __init__(
        self, url: str, *, timeout: float = 30.0, validate_certs: bool = True, cookie: str | None = None
    ) -> None:
        if socketio is None:
            raise KumaError(f"the Python package {SOCKETIO_REQUIREMENT} is needed on the controller")
        self.url = url.rstrip("/")
        self.timeout = timeout
        self._validate_certs = validate_certs
        self.info: dict[str, Any] = {}
        self._info_seen = threading.Event()
        self._version_seen = threading.Event()
        self._monitor_list: dict[str, Any] = {}
        self._maintenance_list: dict[str, Any] = {}
        self._notification_list: list[dict[str, Any]] = []
        self._notifications_seen = threading.Event()
        self.cookie = cookie
        # websocket-client adds an Origin header of its own unless told not to; Kuma 3 refuses one it does not expect.
        extra = {"websocket_extra_options": {"suppress_origin": True}} if cookie else {}
        self._client = socketio.Client(reconnection=False, ssl_verify=validate_certs, **extra)
        # Kuma 3 tells a handshake whose cookie it took `session`, any other `loginRequired`.
        self._login_required = threading.Event()
        self._client.on("loginRequired", lambda *_args: self._login_required.set())
        self._client.on("info", self._on_info)
        self._client.on("monitorList", self._on_monitor_list)
        self._client.on("maintenanceList", self._on_maintenance_list)
        self._client.on("notificationList", self._on_notification_list)
        self._lost = threading.Event()
        self._client.on("disconnect", lambda *_reason: self._lost.set())

    def __enter__(self) -> KumaSession:
        self.connect()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _on_info(self, info: Any) -> None:
        if isinstance(info, dict):
            self.info.update({key: value for key, value in info.items() if value is not None})
            if info.get("version"):
                self._version_seen.set()
        self._info_seen.set()

    def _on_monitor_list(self, monitors: Any) -> None:
        if isinstance(monitors, dict):
            self._monitor_list = monitors

    def _on_maintenance_list(self, maintenances: Any) -> None:
        if isinstance(maintenances, dict):
            self._maintenance_list = maintenances

    def _on_notification_list(self, notifications: Any) -> None:
        if isinstance(notifications, list):
            self._notification_list = [row for row in notifications if isinstance(row, dict)]
            self._notifications_seen.set()

    def connect(self) -> None:
        deadline = time.monotonic() + self.timeout
        failures: list[BaseException] = []

        def handshake() -> None:
            try:
                headers = {"Cookie": self.cookie} if self.cookie else {}
                self._client.connect(self.url, headers=headers, wait_timeout=self.timeout)
            except BaseException as error:  # handed to the waiting thread
                failures.append(error)

        # The HTTP library's timeout bounds each read, not the handshake: a Kuma (or a proxy) that trickles one byte
        # a second would hold the task for ever. The thread is left behind, a daemon, when it does.
        worker = threading.Thread(target=handshake, name="kuma-connect", daemon=True)
        worker.start()
        worker.join(self.timeout)
        if worker.is_alive():
            raise KumaError(f"Kuma at {self.url} did not complete the connection within {self.timeout:g} s")
        if failures:
            if isinstance(failures[0], socketio_errors.ConnectionError):
                raise KumaError(f"cannot connect to Kuma at {self.url}: {_reason(failures[0])}") from None
            raise failures[0]
        # Kuma 2 registers its handlers only after it sent `info`: an event sent before can be lost for good.
        if not self._info_seen.wait(max(0.0, deadline - time.monotonic())):
            self.close()
            raise KumaError(f"Kuma at {self.url} connected but sent no info within {self.timeout:g} s")

    def close(self) -> None:
        self._client.disconnect()

    def confirm_cookie_login(self, username: str) -> None:
        """Wait until Kuma 3 took the handshake's session: it then sends its version (after it registered its
        handlers, so calls are safe from then on); a ``loginRequired`` means it did not take the cookie."""
        deadline = time.monotonic() + self.timeout
        while not self._version_seen.wait(_LOST_POLL_S):
            if self._login_required.is_set():
                raise KumaError(f"Kuma at {self.url} did not take the session of {username} it had just signed in")
            if self._lost.is_set():
                raise KumaError(f"the connection to Kuma at {self.url} broke during the login")
            if time.monotonic() >= deadline:
                raise KumaError(f"Kuma at {self.url} did not confirm the login within {self.timeout:g} s")

    def version(self) -> str:
        """Kuma's version, which it tells only once logged in (shortly after the login's answer); "" if never."""
        self._version_seen.wait(self.timeout)
        return str(self.info.get("version") or "")

    def call(self, event: str, *args: Any) -> Any:
        """Send one event and return Kuma's answer; a lost connection or no answer in time is a KumaError."""
        data = args[0] if len(args) == 1 else args
        answered = threading.Event()
        answers: list[tuple[Any, ...]] = []

        def on_answer(*values: Any) -> None:
            answers.append(values)
            answered.set()

        broke = f"the connection to Kuma at {self.url} broke during {event}"
        if self._lost.is_set():
            raise KumaError(f"{broke}: it was already closed")
        try:
            self._client.emit(event, data, callback=on_answer)
        except socketio_errors.SocketIOError as error:
            raise KumaError(f"{broke}: {error}") from None
        deadline = time.monotonic() + self.timeout
        # python-socketio's own call() waits its whole timeout after the connection broke.
        while not answered.wait(min(_LOST_POLL_S, max(0.0, deadline - time.monotonic()))):
            if self._lost.is_set():
                raise KumaError(broke)
            if time.monotonic() >= deadline:
                raise KumaError(f"Kuma at {self.url} did not answer {event} within {self.timeout:g} s")
        values = answers[0]
        return values[0] if len(values) == 1 else (values or None)

    def request(self, doing: str, event: str, *args: Any) -> dict[str, Any]:
        """Send one event; Kuma's answer when it says ok, else a KumaError saying what it refused to ``doing``."""
        answer = self.call(event, *args)
        if not isinstance(answer, dict) or not answer.get("ok"):
            raise KumaError(f"Kuma refused to {doing}: {_message(answer)}")
        return answer

    def _reported_version(self) -> str:
        return str(self.info.get("version") or "")

    def _log_in(self, event: str, data: Any) -> dict[str, Any]:
        """Send a login event: an answer of no supported Kuma's form is an unsupported version."""
        answer = self.call(event, data)
        if not is_login_answer(answer):
            shape = "an object without ok" if isinstance(answer, dict) else _message(answer)
            why = f"it answered the socket.io {event} with {shape}"
            raise KumaError(unsupported_version_message(self.url, self._reported_version(), why))
        return answer

    def login(self, username: str, password: str) -> None:
        answer = self._log_in("login", {"username": username, "password": password, "token": ""})
        if answer.get("tokenRequired"):
            raise KumaError(
                f"Kuma asks {username} for a two-factor code: use kuma_token (a login token) for this user instead"
            )
        if not answer.get("ok"):
            raise KumaError(f"Kuma refused the login of {username}: {_message(answer)}")

    def login_by_token(self, token: str) -> None:
        answer = self._log_in("loginByToken", token)
        if not answer.get("ok"):
            raise KumaError(f"Kuma refused the login token: {_message(answer)}")

    def setup(self, username: str, password: str) -> None:
        """The first admin of a new Kuma up to 2.x (what its web page asks on first start; Kuma 3 asks over HTTP)."""
        self.request(f"set up the admin {username}", "setup", username, password)

    def monitors(self) -> list[dict[str, Any]]:
        """Every monitor of the logged-in user as Kuma sends them to its web page."""
        # Kuma sends the list before it answers, on the same connection, so the answer means the list is here.
        self.request("list the monitors", "getMonitorList")
        return [monitor for monitor in self._monitor_list.values() if isinstance(monitor, dict)]

    def maintenances(self) -> list[dict[str, Any]]:
        """Every maintenance window as Kuma sends them to its web page (``id``, ``title``, ``strategy``, ``active``,
        ``dateRange``, ``timezone``, ``status``...)."""
        # As for monitors: Kuma sends the list before it answers.
        self.request("list the maintenance windows", "getMaintenanceList")
        return [window for window in self._maintenance_list.values() if isinstance(window, dict)]

    def notifications(self) -> list[dict[str, Any]]:
        """The user's notifications (``id``, ``name``, ``active``, ``isDefault``), which Kuma sends after the login
        and again after every change; no event asks for them."""
        if not self._notifications_seen.wait(self.timeout):
            raise KumaError(f"Kuma at {self.url} sent no notification list within {self.timeout:g} s of the login")
        return list(self._notification_list)

    def add_notification(self, notification: dict[str, Any]) -> int:
        self._notifications_seen.clear()
        doing = f"create the notification {notification.get('name')}"
        answer = self.request(doing, "addNotification", notification, None)
        # The new list is sent before the answer, on the same connection.
        self._notifications_seen.wait(self.timeout)
        return int(answer["id"])

    def add(self, monitor: dict[str, Any]) -> int:
        answer = self.request(f"create the monitor {monitor.get('name')}", "add", monitor)
        return int(answer["monitorID"])

    def edit(self, monitor: dict[str, Any]) -> None:
        self.request(f"change the monitor {monitor.get('name')}", "editMonitor", monitor)

    def delete(self, monitor_id: int, name: str) -> None:
        self.request(f"delete the monitor {name}", "deleteMonitor", monitor_id)
