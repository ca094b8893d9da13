"""The real Uptime Kuma server (from npm) on a loopback port: push monitors and the heartbeats they stored."""

from __future__ import annotations

import json
import secrets
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path

import requests

from lab.collection import link_checkout_as_collection
from lab.kuma_versions import kuma_needs_db_config, kuma_node_argv, kuma_server_dir, kuma_signs_in_over_http
from lab.polling import poll_until
from lab.ports import LOOPBACK, free_port
from lab.process import ManagedProcess

link_checkout_as_collection()
# The lab talks to Kuma through the collection's own client: one socket.io client to keep working on every version.
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._kuma_login import (  # noqa: E402
    Session,
    open_session,
)
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._kuma_socket import KumaSession  # noqa: E402
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._push_monitors import (  # noqa: E402
    group_payload,
    needs_conditions,
    push_monitor_payload,
    random_push_token,
)

# Kuma writes this row itself when no push came within the monitor's interval: it is not a push.
NO_PUSH_MSG = "No heartbeat in the time window"


class HeartbeatStatus(IntEnum):
    DOWN = 0
    UP = 1
    PENDING = 2
    MAINTENANCE = 3


@dataclass(frozen=True)
class PushMonitor:
    id: int
    name: str
    token: str
    push_url: str

    def push(self, status: str, msg: str) -> None:
        """One push, as a check makes it: GET with status and msg; Kuma must answer 200."""
        answer = requests.get(self.push_url, params={"status": status, "msg": msg}, timeout=10)
        assert answer.status_code == 200, f"Kuma answered the push {answer.status_code}"


@dataclass(frozen=True)
class Heartbeat:
    """One row of Kuma's `heartbeat` table; `time` is Kuma's UTC text, e.g. "2026-01-31 12:00:00.123"."""

    id: int
    monitor_id: int
    status: HeartbeatStatus
    msg: str | None
    ping: float | None
    time: str

    @property
    def from_push(self) -> bool:
        """False for the rows Kuma writes itself when no push arrived in time."""
        return self.msg != NO_PUSH_MSG


def pushed(status: HeartbeatStatus | None = None, msg: str | None = None) -> Callable[[Heartbeat], bool]:
    """A predicate for `wait_for_heartbeat`: a row made by a push (never Kuma's own "no heartbeat" row),
    with this status and message when given."""

    def matches(heartbeat: Heartbeat) -> bool:
        return (
            heartbeat.from_push
            and (status is None or heartbeat.status == status)
            and (msg is None or heartbeat.msg == msg)
        )

    return matches


class Kuma:
    """Uptime Kuma started with `node server/server.js` in its package directory, data in `<workdir>/data/`.

    After start the lab holds a logged-in socket.io session (`api`) as the admin it set up: over socket.io up to 2.x,
    over HTTP on 3.x (`POST /api/setup`), then logged in by the collection's own login (`open_session`).
    """

    def __init__(
        self,
        workdir: Path,
        *,
        port: int | None = None,
        username: str = "admin",
        password: str | None = None,
        start_timeout: float = 120.0,
        version: str = "2.0.0-dev.0",
    ) -> None:
        self.workdir = workdir
        self.version = version
        self.port = port or free_port()
        self.username = username
        # Kuma refuses weak passwords at setup; letters and digits of this length always pass.
        self.password = password or f"Lab{secrets.token_hex(12)}"
        self.data_dir = workdir / "data"
        self._api: KumaSession | None = None
        self.process = ManagedProcess(
            "kuma",
            [*kuma_node_argv(version), "server/server.js"],
            workdir,
            # Ready is the socket.io handshake, not an open port: Kuma 2.5 first serves a migration page there.
            ready_url=f"{self.url}/socket.io/?EIO=4&transport=polling",
            cwd=kuma_server_dir(version),
            env={
                "UPTIME_KUMA_HOST": LOOPBACK,
                "UPTIME_KUMA_PORT": str(self.port),
                "DATA_DIR": f"{self.data_dir}/",
            },
            start_timeout=start_timeout,
        )

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def db_path(self) -> Path:
        return self.data_dir / "kuma.db"

    @property
    def api(self) -> KumaSession:
        if self._api is None:
            raise RuntimeError("Kuma is not started")
        return self._api

    def start(self) -> Kuma:
        self.launch()
        self.wait_until_ready()
        return self

    def launch(self) -> None:
        """Start the server without waiting (it takes about 15 s to listen)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if kuma_needs_db_config(self.version):
            # Without this file Kuma 2 waits in a browser-only database setup page.
            (self.data_dir / "db-config.json").write_text(json.dumps({"type": "sqlite"}) + "\n")
        self.process.launch()

    def wait_until_ready(self) -> None:
        """Wait until the server answers socket.io, then set up the admin (first start only) and log in."""
        self.process.wait_until_ready()
        if kuma_signs_in_over_http(self.version):
            try:
                self._setup_over_http()
                self._api = open_session(self.login_session())
            except BaseException:
                self.process.stop()
                raise
            return
        api = KumaSession(self.url, timeout=30)
        try:
            api.connect()
            if api.call("needSetup"):
                api.setup(self.username, self.password)
            api.login(self.username, self.password)
        except BaseException:
            api.close()
            self.process.stop()
            raise
        self._api = api

    def logins(self) -> int:
        """How many socket.io logins the server logged so far: `login` events up to 2.x; on 3.x, handshakes it
        looked for a session cookie in (the collection's client signs in once per handshake)."""
        line = (
            "Logged in with httpOnly cookie session"
            if kuma_signs_in_over_http(self.version)
            else "Successfully logged in user"
        )
        return self.process.log_path.read_text().count(line)

    def login_session(self) -> Session:
        """The admin's login as the collection's modules read it from their options."""
        return Session(self.url, self.username, self.password, None, validate_certs=False, timeout=30)

    def _setup_over_http(self) -> None:
        """Kuma 3's first admin: `POST /api/setup`, answered `{"ok": true}`; a restart finds it made already."""
        answer = requests.post(
            f"{self.url}/api/setup", json={"username": self.username, "password": self.password}, timeout=30
        )
        if answer.ok and answer.json().get("ok") is True:
            return
        if "has been initialized" in answer.text:
            return
        raise RuntimeError(f"Kuma {self.version} refused the admin setup: HTTP {answer.status_code} {answer.text}")

    def stop(self) -> None:
        """Close the socket.io client, then stop the server by its PID."""
        if self._api is not None:
            self._api.close()
            self._api = None
        self.process.stop()

    def restart(self) -> None:
        """Stop and start on the same port with the same data: monitors and tokens survive."""
        self.stop()
        self.start()

    def create_push_monitor(
        self, name: str, interval: int = 60, notification_ids: Iterable[int] = (), parent: int | None = None
    ) -> PushMonitor:
        """A push monitor with no retries, so a pushed "down" is stored as DOWN at once, not PENDING; in the group
        ``parent`` when given."""
        token = random_push_token()
        payload = push_monitor_payload(
            name, interval, 0, token, "", needs_conditions(self.api.version()), notification_ids, parent
        )
        monitor_id = self.api.add(payload)
        return PushMonitor(monitor_id, name, token, f"{self.url}/api/push/{token}")

    def create_group(self, name: str) -> int:
        """A group monitor (its members set ``parent`` to it); its id."""
        return self.api.add(group_payload(name, needs_conditions(self.api.version())))

    def status_page_json(self, slug: str) -> dict:
        """A status page's public JSON (``publicGroupList``: the sections and their monitors), never Kuma's copy
        cached for 5 minutes."""
        return self._public_json(f"/api/status-page/{slug}")

    def status_page_heartbeats(self, slug: str) -> dict:
        """The public beats of a status page's monitors (``heartbeatList`` keyed by monitor id), never Kuma's copy
        cached for a minute."""
        return self._public_json(f"/api/status-page/heartbeat/{slug}")

    def _public_json(self, path: str) -> dict:
        answer = requests.get(self.url + path, headers={"X-Apicache-Bypass": "true"}, timeout=30)
        answer.raise_for_status()
        return answer.json()

    def add_webhook_notification(self, name: str, url: str, *, default: bool = False) -> int:
        """A notification that POSTs Kuma's page as JSON to ``url`` (a WebhookRecorder); its id.

        ``default`` marks it "Default enabled": Kuma's web page ticks it on a new monitor's form.
        """
        return self.api.add_notification(
            {
                "name": name,
                "type": "webhook",
                "webhookURL": url,
                "webhookContentType": "json",
                "isDefault": default,
                "applyExisting": False,
                "active": True,
            }
        )

    def delete_notification(self, notification_id: int) -> None:
        self.api.request(f"delete the notification {notification_id}", "deleteNotification", notification_id)

    def notification_bindings(self, monitor_id: int) -> set[int]:
        """The notification ids bound to a monitor, from Kuma's `monitor_notification` table."""
        return {
            row[0]
            for row in self.query("SELECT notification_id FROM monitor_notification WHERE monitor_id = ?", monitor_id)
        }

    def maintenance_rows(self) -> list[tuple]:
        """Kuma's maintenance windows as stored: (id, title, strategy, active, start_date, end_date), by id."""
        return self.query("SELECT id, title, strategy, active, start_date, end_date FROM maintenance ORDER BY id")

    def maintenance_monitors(self, window_id: int) -> set[int]:
        """The ids of the monitors (groups among them) a maintenance window covers, from `monitor_maintenance`."""
        return {
            row[0]
            for row in self.query("SELECT monitor_id FROM monitor_maintenance WHERE maintenance_id = ?", window_id)
        }

    def query(self, sql: str, *params: object) -> list[tuple]:
        """Rows of Kuma's SQLite file, read-only (while the server runs, or after it stopped)."""
        if not self.db_path.exists():
            return []
        connection = sqlite3.connect(f"{self.db_path.as_uri()}?mode=ro", uri=True, timeout=5)
        try:
            return connection.execute(sql, params).fetchall()
        finally:
            connection.close()

    def monitors(self) -> list[dict]:
        """Every monitor as Kuma sends it to its web page (push tokens included)."""
        return self.api.monitors()

    def monitor_named(self, name: str) -> dict | None:
        """The monitor of that name as Kuma sends it (the first, if Kuma holds several), or None."""
        return next((monitor for monitor in self.monitors() if monitor["name"] == name), None)

    def delete_monitor(self, monitor_id: int) -> None:
        self.api.delete(monitor_id, str(monitor_id))

    def pause_monitor(self, monitor_id: int) -> None:
        """A paused push monitor answers pushes with 404."""
        self.api.request(f"pause the monitor {monitor_id}", "pauseMonitor", monitor_id)

    def resume_monitor(self, monitor_id: int) -> None:
        self.api.request(f"resume the monitor {monitor_id}", "resumeMonitor", monitor_id)

    def heartbeats(self, monitor_id: int, *, after_id: int = 0) -> list[Heartbeat]:
        """Rows of the monitor in Kuma's SQLite file, oldest first."""
        rows = self.query(
            "SELECT id, monitor_id, status, msg, ping, time FROM heartbeat WHERE monitor_id = ? AND id > ? ORDER BY id",
            monitor_id,
            after_id,
        )
        return [
            Heartbeat(row_id, row_monitor, HeartbeatStatus(status), msg, ping, time)
            for row_id, row_monitor, status, msg, ping, time in rows
        ]

    def wait_for_heartbeat(
        self,
        monitor_id: int,
        predicate: Callable[[Heartbeat], bool],
        timeout: float = 30.0,
        *,
        after_id: int = 0,
    ) -> Heartbeat:
        """Poll the heartbeat table until a row satisfies `predicate` (see `pushed`) and return it.

        On timeout raise AssertionError listing every row seen, so a failure shows what Kuma did store.
        """
        seen: list[Heartbeat] = []

        def probe() -> Heartbeat | None:
            seen[:] = self.heartbeats(monitor_id, after_id=after_id)
            return next((heartbeat for heartbeat in seen if predicate(heartbeat)), None)

        def describe_failure() -> str:
            rows = "\n".join(f"  {heartbeat}" for heartbeat in seen) or "  (none)"
            return f"no matching heartbeat for monitor {monitor_id} in {self.db_path}; rows seen:\n{rows}"

        return poll_until(probe, timeout=timeout, describe_failure=describe_failure)
