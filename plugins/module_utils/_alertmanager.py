# Copyright: Contributors to the watchdog.alertmanager_kuma collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What an Alertmanager says through its API v2: version, cluster, and the alerts the matchers select.

Private to the collection (leading underscore). Standard library only. Read-only: safe in check mode.
/-/healthy and /-/ready are not asked: they answer OK whatever the state of the alerts.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable
from urllib.parse import quote, urlencode

from ._api import Api, ApiProblem, OddAnswer, auth_headers, server_time
from ._heartbeat_settings import HeartbeatSettings
from ._metrics import Sample, single
from ._text import printable
from ._timestamps import parse_timestamp
from ._transport import Transport, TransportError

MAX_SILENCES_READ = 3
METRIC_FAMILIES = (
    "alertmanager_notifications_total",
    "alertmanager_notifications_failed_total",
    "alertmanager_notification_requests_total",
    "alertmanager_notification_requests_failed_total",
    "alertmanager_config_last_reload_successful",
    "alertmanager_config_last_reload_success_timestamp_seconds",
    "alertmanager_config_hash",
)


@dataclass(frozen=True)
class ObservedAlert:
    labels: Mapping[str, str]
    state: str
    starts_at: datetime | None
    updated_at: datetime | None
    ends_at: datetime | None
    silenced_by: tuple[str, ...] = ()
    inhibited_by: tuple[str, ...] = ()
    receivers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Silence:
    id: str
    created_by: str
    comment: str
    ends_at: datetime | None


# Alertmanager 0.27 and later label the notification counters with the receiver behind this feature flag.
RECEIVER_LABEL = "receiver_name"
# Alertmanager 0.26 and later say why a notification failed on alertmanager_notifications_failed_total.
REASON_LABEL = "reason"


def series_key(integration: str, receiver: str | None) -> str:
    """How a delivery series is named in results and the state file: the integration, or receiver/integration."""
    return integration if receiver is None else f"{receiver}/{integration}"


def series_parts(key: str) -> tuple[str | None, str]:
    """(receiver or None, integration) of a series key; integration names never hold a slash, receivers may."""
    receiver, slash, integration = key.rpartition("/")
    return (receiver if slash else None), integration


@dataclass(frozen=True)
class AlertmanagerMetrics:
    """What Alertmanager's /metrics says of delivery and configuration: per series (an integration, or a receiver's
    integration where Alertmanager names receivers) (total, failed) of notifications, and of the requests that
    carry them (each retry is a request); and per series the failed notifications by reason, where it gives one."""

    notifications: Mapping[str, tuple[float, float]]
    reload_ok: bool | None
    reload_time: datetime | None
    config_hash: str | None
    requests: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    failure_reasons: Mapping[str, Mapping[str, float]] = field(default_factory=dict)


@dataclass(frozen=True)
class Observation:
    """The answer of one Alertmanager, or why there was none (``problem``)."""

    problem: str | None = None
    reachable: bool = True
    version: str | None = None
    cluster_status: str | None = None
    peers: tuple[str, ...] = ()
    alerts: tuple[ObservedAlert, ...] = ()
    server_time: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    latency_ms: float | None = None
    silences: tuple[Silence, ...] = ()
    metrics: AlertmanagerMetrics | None = None
    metrics_problem: str | None = None


def _api(settings: HeartbeatSettings, clock: Callable[[], float]) -> Api:
    headers = auth_headers(
        settings.alertmanager_username, settings.alertmanager_password, settings.alertmanager_bearer_token
    )
    return Api(settings.alertmanager_url, "an Alertmanager", settings.timeout, headers, clock)


def _as_list(value: Any) -> list[Any]:
    # A field of the wrong type (a number where a list belongs) is read as empty, not iterated into a TypeError.
    return value if isinstance(value, list) else []


def _parse_alert(raw: Any) -> ObservedAlert:
    if not isinstance(raw, dict) or not isinstance(raw.get("labels"), dict):
        raise ApiProblem("/api/v2/alerts answered an alert without labels; is this an Alertmanager?")
    status = raw.get("status") if isinstance(raw.get("status"), dict) else {}
    return ObservedAlert(
        labels={str(key): str(value) for key, value in raw["labels"].items()},
        state=str(status.get("state", "unknown")),
        starts_at=parse_timestamp(raw.get("startsAt")),
        updated_at=parse_timestamp(raw.get("updatedAt")),
        ends_at=parse_timestamp(raw.get("endsAt")),
        silenced_by=tuple(str(silence) for silence in _as_list(status.get("silencedBy"))),
        inhibited_by=tuple(str(inhibitor) for inhibitor in _as_list(status.get("inhibitedBy"))),
        receivers=tuple(
            str(receiver.get("name")) for receiver in _as_list(raw.get("receivers")) if isinstance(receiver, dict)
        ),
    )


def _read_status(api: Api, transport: Transport) -> tuple[str, str, tuple[str, ...], datetime]:
    status, response = api.get_json(transport, "/api/v2/status")
    if not isinstance(status, dict) or not isinstance(status.get("cluster"), dict):
        raise ApiProblem("/api/v2/status has no cluster section; is this an Alertmanager?")
    version_info = status.get("versionInfo") if isinstance(status.get("versionInfo"), dict) else {}
    cluster = status["cluster"]
    peers = tuple(
        str(peer.get("name") or peer.get("address"))
        for peer in _as_list(cluster.get("peers"))
        if isinstance(peer, dict)
    )
    return (
        str(version_info.get("version", "unknown")),
        str(cluster.get("status", "unknown")),
        peers,
        server_time(response),
    )


def _read_alerts(api: Api, transport: Transport, settings: HeartbeatSettings) -> tuple[ObservedAlert, ...]:
    if not settings.matchers:
        return ()
    query = urlencode([("filter", matcher.render()) for matcher in settings.matchers])
    alerts, _response = api.get_json(transport, "/api/v2/alerts?" + query)
    if not isinstance(alerts, list):
        raise ApiProblem("/api/v2/alerts did not answer a list; is this an Alertmanager?")
    observed = (_parse_alert(raw) for raw in alerts)
    # Alertmanager filters already; checking again keeps a proxy or an old server that ignores filters honest.
    return tuple(alert for alert in observed if all(m.matches(alert.labels) for m in settings.matchers))


def _read_silences(api: Api, transport: Transport, alerts: tuple[ObservedAlert, ...]) -> tuple[Silence, ...]:
    """The silences behind silenced alerts (the first of each, a few at most), for a reason that names them.

    A silence that cannot be read is left out: the alert is still reported as silenced.
    """
    ids = list(dict.fromkeys(alert.silenced_by[0] for alert in alerts if alert.silenced_by))[:MAX_SILENCES_READ]
    silences = []
    for silence_id in ids:
        try:
            raw, _response = api.get_json(transport, f"/api/v2/silence/{quote(silence_id, safe='')}")
        except (TransportError, ApiProblem):
            continue
        if isinstance(raw, dict):
            silences.append(
                Silence(
                    id=silence_id,
                    created_by=printable(str(raw.get("createdBy", "")))[:60],
                    comment=printable(str(raw.get("comment", "")))[:80],
                    ends_at=parse_timestamp(raw.get("endsAt")),
                )
            )
    return tuple(silences)


def _key(labels: Mapping[str, str]) -> str | None:
    integration = labels.get("integration")
    return None if integration is None else series_key(integration, labels.get(RECEIVER_LABEL))


def _summed(samples: list[Sample]) -> dict[str, float]:
    """Each series' value; the samples of one series that differ only by reason are added up."""
    summed: dict[str, float] = {}
    for labels, value in samples:
        key = _key(labels)
        if key is not None:
            summed[key] = summed.get(key, 0.0) + value
    return summed


def _by_reason(samples: list[Sample]) -> dict[str, dict[str, float]]:
    reasons: dict[str, dict[str, float]] = {}
    for labels, value in samples:
        key, reason = _key(labels), labels.get(REASON_LABEL)
        if key is not None and reason is not None:
            kept = reasons.setdefault(key, {})
            kept[reason] = kept.get(reason, 0.0) + value
    return reasons


def _pairs(totals: dict[str, float], failures: dict[str, float]) -> dict[str, tuple[float, float]]:
    return {key: (total, failures.get(key, 0.0)) for key, total in sorted(totals.items())}


def _read_metrics(api: Api, transport: Transport) -> AlertmanagerMetrics:
    families = api.get_metrics(transport, METRIC_FAMILIES)
    failed = families["alertmanager_notifications_failed_total"]
    reload_ok = single(families["alertmanager_config_last_reload_successful"])
    reload_time = single(families["alertmanager_config_last_reload_success_timestamp_seconds"])
    config_hash = single(families["alertmanager_config_hash"])
    try:
        reloaded = datetime.fromtimestamp(reload_time, timezone.utc) if reload_time else None
    except (OverflowError, OSError, ValueError):
        reloaded = None
    return AlertmanagerMetrics(
        notifications=_pairs(_summed(families["alertmanager_notifications_total"]), _summed(failed)),
        reload_ok=None if reload_ok is None else reload_ok == 1,
        reload_time=reloaded,
        config_hash=None if config_hash is None else f"{config_hash:.0f}",
        requests=_pairs(
            _summed(families["alertmanager_notification_requests_total"]),
            _summed(families["alertmanager_notification_requests_failed_total"]),
        ),
        failure_reasons=_by_reason(failed),
    )


def observe(settings: HeartbeatSettings, transport: Transport, clock: Callable[[], float] | None = None) -> Observation:
    """Ask /api/v2/status, then /api/v2/alerts with the matchers as filters. Never raises for the server's faults."""
    monotonic = clock or time.monotonic
    api = _api(settings, monotonic)
    started = monotonic()
    try:
        version, cluster_status, peers, server_time = _read_status(api, transport)
        alerts = _read_alerts(api, transport, settings)
    except TransportError as error:
        return Observation(problem=f"Alertmanager unreachable: {error.reason}", reachable=False)
    except OddAnswer as problem:
        return Observation(problem=f"Alertmanager {problem}")
    except ApiProblem as problem:
        return Observation(problem=f"Alertmanager API error: {problem}")
    latency_ms = (monotonic() - started) * 1000
    metrics, metrics_problem = None, None
    if settings.check_delivery:
        try:
            metrics = _read_metrics(api, transport)
        except TransportError as error:
            metrics_problem = f"Alertmanager metrics unreadable: {error.reason}"
        except OddAnswer as problem:
            metrics_problem = f"Alertmanager {problem}"
        except ApiProblem as problem:
            metrics_problem = f"Alertmanager metrics unreadable: {problem}"
    return Observation(
        version=version,
        cluster_status=cluster_status,
        peers=peers,
        alerts=alerts,
        server_time=server_time,
        latency_ms=latency_ms,
        silences=_read_silences(api, transport, alerts),
        metrics=metrics,
        metrics_problem=metrics_problem,
    )
