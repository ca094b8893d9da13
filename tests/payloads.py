"""What Alertmanager 0.25 and Uptime Kuma answer and send, in the shapes of the lab's real servers: pure data for
the unit tests' StubTransport and the fault tests' FakeServer alike."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

# A push token of Kuma's kind (mixed case and digits), to look for in every output.
TOKEN = "pU5hT0kEnQx7Zr2m"
# The Kuma host such push URLs name where nothing is sent to it.
KUMA_HOST = "kuma.example.com:3001"
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


def webhook(status: str = "firing", alerts: list[dict] | None = None, receiver: str = "kuma-relay") -> dict:
    """An Alertmanager webhook notification (version 4) as Alertmanager 0.25 sends it."""
    alerts = alerts if alerts is not None else [watchdog_alert(status)]
    return {
        "version": "4",
        "groupKey": '{}/{alertname="Watchdog"}:{alertname="Watchdog"}',
        "truncatedAlerts": 0,
        "status": status,
        "receiver": receiver,
        "groupLabels": {"alertname": "Watchdog"},
        "commonLabels": {"alertname": "Watchdog", "severity": "none"},
        "commonAnnotations": {},
        "externalURL": "http://127.0.0.1:9093",
        "alerts": alerts,
    }


def watchdog_alert(status: str = "firing", name: str = "Watchdog") -> dict:
    return {
        "status": status,
        "labels": {"alertname": name, "severity": "none"},
        "annotations": {},
        "startsAt": "2026-11-24T21:00:00.000Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://127.0.0.1:9090/graph",
        "fingerprint": "1b2f3e4d5c6a7b8c",
    }


def am_metrics(
    notifications: dict[str, tuple[float, float]] | None = None,
    reload_ok: bool = True,
    reloaded_at: float = 1.7e9,
    requests: dict[str, tuple[float, float]] | None = None,
) -> str:
    """Alertmanager 0.25's /metrics, the families the check reads: per integration (total, failed) of notifications
    and, when given, of their requests."""
    counts = notifications if notifications is not None else {"webhook": (0, 0), "email": (0, 0)}
    lines = [
        "# HELP alertmanager_config_hash Hash of the currently loaded alertmanager configuration.",
        "# TYPE alertmanager_config_hash gauge",
        "alertmanager_config_hash 2.76342286353962e+14",
        f"alertmanager_config_last_reload_success_timestamp_seconds {reloaded_at:e}",
        f"alertmanager_config_last_reload_successful {1 if reload_ok else 0}",
        'alertmanager_notification_latency_seconds_bucket{integration="webhook",le="1"} 10',
    ]
    for name, (total, failed) in counts.items():
        lines.append(f'alertmanager_notifications_failed_total{{integration="{name}"}} {failed:g}')
        lines.append(f'alertmanager_notifications_total{{integration="{name}"}} {total:g}')
    for name, (total, failed) in (requests or {}).items():
        lines.append(f'alertmanager_notification_requests_failed_total{{integration="{name}"}} {failed:g}')
        lines.append(f'alertmanager_notification_requests_total{{integration="{name}"}} {total:g}')
    return "\n".join(lines) + "\n"
