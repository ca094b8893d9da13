"""What Alertmanager 0.25 and Uptime Kuma answer, in the shapes of the lab's real servers, for fakes and stubs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

from tests.fault.fake_http import FakeServer, Reply, json_reply

KUMA_OK = {"ok": True}
KUMA_NOT_FOUND = {"ok": False, "msg": "Monitor not found or not active."}
WATCHDOG_ALERT_LABELS = {"alertname": "Watchdog", "severity": "none"}


def utc_now() -> datetime:
    return datetime.now(UTC)


def go_time(moment: datetime) -> str:
    """RFC 3339 as Alertmanager (Go) writes it: nanoseconds and Z."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}123Z"


def http_date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def am_status(version: str = "0.25.0", cluster: str = "disabled", peers: Sequence[str] = ()) -> dict[str, Any]:
    return {
        "cluster": {
            "status": cluster,
            "name": peers[0] if peers else "",
            "peers": [{"name": name, "address": f"127.0.0.1:{9094 + index}"} for index, name in enumerate(peers)],
        },
        "versionInfo": {"version": version, "branch": "debian/sid", "goVersion": "go1.19.8"},
        "config": {"original": "route:\n  receiver: default\n"},
        "uptime": go_time(utc_now() - timedelta(hours=1)),
    }


def am_alert(
    state: str = "active",
    updated: datetime | None = None,
    labels: Mapping[str, str] | None = None,
    silenced_by: Sequence[str] = (),
    inhibited_by: Sequence[str] = (),
) -> dict[str, Any]:
    updated = updated or utc_now()
    return {
        "labels": dict(WATCHDOG_ALERT_LABELS if labels is None else labels),
        "annotations": {"summary": "An alert that should always be firing"},
        "startsAt": go_time(updated - timedelta(minutes=30)),
        "updatedAt": go_time(updated),
        "endsAt": go_time(updated + timedelta(minutes=4)),
        "fingerprint": "e2a2f7c8b1e0a5c3",
        "receivers": [{"name": "default"}],
        "status": {"state": state, "silencedBy": list(silenced_by), "inhibitedBy": list(inhibited_by)},
        "generatorURL": "http://127.0.0.1:9090/graph",
    }


def serve_alertmanager(
    server: FakeServer,
    alerts: Sequence[Mapping[str, Any]] = (),
    status: Mapping[str, Any] | None = None,
    date: datetime | None = None,
) -> None:
    """Script ``server`` as an Alertmanager holding ``alerts``; ``date`` sets the clock its Date header shows."""
    headers = {"Date": http_date(date)} if date else {}
    server.reply("/api/v2/status", json_reply(status or am_status(), headers=headers))
    server.reply("/api/v2/alerts", json_reply(list(alerts), headers=headers))


def serve_kuma(server: FakeServer, token: str, *replies: Reply) -> str:
    """Script ``server`` as a Kuma push endpoint (by default one that takes every push); return the push URL."""
    server.reply(f"/api/push/{token}", *(replies or (json_reply(KUMA_OK),)))
    return f"{server.url}/api/push/{token}"
