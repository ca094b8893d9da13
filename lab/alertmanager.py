"""The real Alertmanager (Debian 12's unless told another) on a loopback port, and its v2 API."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests

from lab.metrics_text import metric_sum
from lab.paths import ALERTMANAGER_BINARY
from lab.polling import poll_until
from lab.ports import LOOPBACK, free_port, free_ports
from lab.process import ManagedProcess

Alert = dict[str, Any]
API_TIMEOUT = 5.0


@dataclass(frozen=True)
class AlertmanagerConfig:
    """What the lab's alertmanager.yml says: a default receiver that sends nothing, and optionally a webhook.

    With `webhook_url`, alerts matching `webhook_matchers` (the Watchdog by default) go to that webhook.
    `webhooks` are more receivers by (name, URL), each sent the same alerts too (`continue`), in that order.
    The intervals are short so tests see notifications in seconds.
    """

    webhook_url: str | None = None
    webhooks: tuple[tuple[str, str], ...] = ()
    webhook_matchers: tuple[str, ...] = ('alertname="Watchdog"',)
    group_wait: str = "1s"
    group_interval: str = "1s"
    repeat_interval: str = "5s"

    def render(self) -> str:
        """The configuration as JSON, which Alertmanager's YAML parser reads as it is."""
        route: dict[str, Any] = {
            "receiver": "default",
            "group_by": ["alertname"],
            "group_wait": self.group_wait,
            "group_interval": self.group_interval,
            "repeat_interval": self.repeat_interval,
        }
        receivers: list[dict[str, Any]] = [{"name": "default"}]
        webhooks = ((("webhook", self.webhook_url),) if self.webhook_url is not None else ()) + self.webhooks
        routes = [
            {"receiver": name, "matchers": list(self.webhook_matchers), "continue": True} for name, _url in webhooks
        ]
        if routes:
            # The last route matched ends the search, as one route alone always did.
            route["routes"] = [*routes[:-1], {key: value for key, value in routes[-1].items() if key != "continue"}]
        receivers.extend(
            {"name": name, "webhook_configs": [{"url": url, "send_resolved": True}]} for name, url in webhooks
        )
        return json.dumps({"route": route, "receivers": receivers}, indent=2) + "\n"


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _label_filters(labels: Mapping[str, str] | None) -> list[str]:
    return [f"{name}={json.dumps(value)}" for name, value in (labels or {}).items()]


class Alertmanager:
    """One Alertmanager node. Single node unless `cluster_port` is given (see `start_alertmanager_cluster`).

    `binary` is the system's by default; `lab.alerting_versions` has newer Debian releases.
    """

    def __init__(
        self,
        workdir: Path,
        config: AlertmanagerConfig | None = None,
        *,
        port: int | None = None,
        cluster_port: int | None = None,
        peers: tuple[str, ...] = (),
        extra_args: tuple[str, ...] = (),
        binary: Path = ALERTMANAGER_BINARY,
    ) -> None:
        self.workdir = workdir
        self.config = config or AlertmanagerConfig()
        self.port = port or free_port()
        self.cluster_port = cluster_port
        self.peers = peers
        self.config_path = workdir / "alertmanager.yml"
        cluster_listen = f"{LOOPBACK}:{cluster_port}" if cluster_port else ""
        argv = [
            str(binary),
            f"--config.file={self.config_path}",
            f"--storage.path={workdir / 'data'}",
            f"--web.listen-address={LOOPBACK}:{self.port}",
            f"--cluster.listen-address={cluster_listen}",
            *(f"--cluster.peer={peer}" for peer in peers),
            *extra_args,
        ]
        self.process = ManagedProcess("alertmanager", argv, workdir, ready_url=f"{self.url}/-/ready")

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def start(self) -> Alertmanager:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.config_path.write_text(self.config.render())
        self.process.start()
        return self

    def stop(self) -> None:
        self.process.stop()

    def restart(self) -> None:
        """Stop and start on the same port; silences and alerts survive in the storage directory."""
        self.process.restart()

    def reload(self, config_text: str) -> requests.Response:
        """Write a new configuration and ask Alertmanager to load it (POST /-/reload); its answer, 200 or 500."""
        self.config_path.write_text(config_text)
        return requests.post(f"{self.url}/-/reload", timeout=API_TIMEOUT)

    def metrics_page(self) -> str:
        """/metrics as Prometheus would scrape it."""
        response = requests.get(f"{self.url}/metrics", timeout=API_TIMEOUT)
        response.raise_for_status()
        return response.text

    def metric(self, name: str, labels: Mapping[str, str] | None = None) -> float | None:
        """The samples of /metrics that carry these labels, added up; None when absent."""
        return metric_sum(self.metrics_page(), name, labels)

    def status(self) -> dict[str, Any]:
        response = requests.get(f"{self.url}/api/v2/status", timeout=API_TIMEOUT)
        response.raise_for_status()
        return response.json()

    def post_alert(
        self,
        labels: Mapping[str, str],
        starts_at: datetime | None = None,
        ends_at: datetime | None = None,
        annotations: Mapping[str, str] | None = None,
    ) -> None:
        """POST one alert to /api/v2/alerts, as Prometheus would."""
        alert: dict[str, Any] = {"labels": dict(labels), "annotations": dict(annotations or {})}
        if starts_at is not None:
            alert["startsAt"] = _rfc3339(starts_at)
        if ends_at is not None:
            alert["endsAt"] = _rfc3339(ends_at)
        requests.post(f"{self.url}/api/v2/alerts", json=[alert], timeout=API_TIMEOUT).raise_for_status()

    def alerts(self, labels: Mapping[str, str] | None = None) -> list[Alert]:
        """Every alert whose labels equal `labels`, whatever its state (active, suppressed, unprocessed)."""
        return self._get_alerts(labels, {})

    def active_alerts(self, labels: Mapping[str, str] | None = None) -> list[Alert]:
        """Alerts whose labels equal `labels` and whose state is active: not silenced, inhibited or unprocessed."""
        return self._get_alerts(labels, {"silenced": "false", "inhibited": "false", "unprocessed": "false"})

    def wait_for_alert(self, labels: Mapping[str, str], *, state: str = "active", timeout: float = 30.0) -> Alert:
        """Poll until an alert with these labels is in `state`; AssertionError listing what was seen if not."""
        seen: list[Alert] = []

        def probe() -> Alert | None:
            seen[:] = self.alerts(labels)
            return next((alert for alert in seen if alert["status"]["state"] == state), None)

        return poll_until(
            probe,
            timeout=timeout,
            describe_failure=lambda: f"no {state} alert {dict(labels)} in {self.url}; last seen: {seen}",
        )

    def wait_for_no_alert(self, labels: Mapping[str, str], *, timeout: float = 30.0) -> None:
        """Poll until no alert with these labels is listed (resolved ones drop out of the list)."""
        poll_until(
            lambda: self.alerts(labels) == [],
            timeout=timeout,
            describe_failure=lambda: f"alerts {dict(labels)} still in {self.url}: {self.alerts(labels)}",
        )

    def silence(
        self,
        labels: Mapping[str, str],
        duration: timedelta = timedelta(hours=1),
        comment: str = "lab test",
    ) -> str:
        """Silence alerts whose labels equal `labels` for `duration`; return the silence ID."""
        now = datetime.now(UTC)
        silence = {
            "matchers": [
                {"name": name, "value": value, "isRegex": False, "isEqual": True} for name, value in labels.items()
            ],
            "startsAt": _rfc3339(now),
            "endsAt": _rfc3339(now + duration),
            "createdBy": "lab",
            "comment": comment,
        }
        response = requests.post(f"{self.url}/api/v2/silences", json=silence, timeout=API_TIMEOUT)
        response.raise_for_status()
        return str(response.json()["silenceID"])

    def expire_silence(self, silence_id: str) -> None:
        requests.delete(f"{self.url}/api/v2/silence/{silence_id}", timeout=API_TIMEOUT).raise_for_status()

    def _get_alerts(self, labels: Mapping[str, str] | None, states: Mapping[str, str]) -> list[Alert]:
        params = {"filter": _label_filters(labels), **states}
        response = requests.get(f"{self.url}/api/v2/alerts", params=params, timeout=API_TIMEOUT)
        response.raise_for_status()
        return response.json()


def _cluster_settled(cluster: Mapping[str, Any], size: int) -> bool:
    return cluster.get("status") == "ready" and len(cluster.get("peers") or []) == size


def start_alertmanager_cluster(
    workdir: Path,
    config: AlertmanagerConfig | None = None,
    *,
    settle_timeout: float = 30.0,
    binary: Path = ALERTMANAGER_BINARY,
) -> tuple[Alertmanager, Alertmanager]:
    """Start a cluster of two Alertmanagers gossiping on loopback (an HA pair); return once it is ready."""
    first_cluster, second_cluster = free_ports(2, also_udp=True)
    # A node settles after a few stable checks at ten gossip intervals each: 100 ms keeps that to seconds.
    fast_gossip = ("--cluster.gossip-interval=100ms",)
    pair = (
        Alertmanager(
            workdir / "am-1",
            config,
            cluster_port=first_cluster,
            peers=(f"{LOOPBACK}:{second_cluster}",),
            extra_args=fast_gossip,
            binary=binary,
        ),
        Alertmanager(
            workdir / "am-2",
            config,
            cluster_port=second_cluster,
            peers=(f"{LOOPBACK}:{first_cluster}",),
            extra_args=fast_gossip,
            binary=binary,
        ),
    )
    try:
        for node in pair:
            node.start()
        for node in pair:
            poll_until(
                lambda node=node: _cluster_settled(node.status()["cluster"], size=len(pair)),
                timeout=settle_timeout,
                describe_failure=lambda node=node: f"{node.url} cluster status: {node.status()['cluster']}",
            )
    except BaseException:
        for node in pair:
            node.stop()
        raise
    return pair
