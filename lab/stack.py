"""Servers brought up together and taken down together, by PID, even when starting one of them fails."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from lab.alertmanager import Alertmanager, AlertmanagerConfig
from lab.kuma import Kuma
from lab.paths import ALERTMANAGER_BINARY, PROMETHEUS_BINARY
from lab.prometheus import Prometheus

if TYPE_CHECKING:
    # Only a type here: `python -m lab.alerting_versions` must not find the module imported already by `lab`.
    from lab.alerting_versions import AlertingBuild

WATCHDOG_MATCH = {"alertname": "Watchdog"}
WATCHDOG_TIMEOUT = 30.0


@dataclass
class AlertingPair:
    """An Alertmanager fed by its own Prometheus, whose Watchdog is already active in it."""

    alertmanager: Alertmanager
    prometheus: Prometheus

    def stop(self) -> None:
        # Prometheus first, so it does not log failed sends to an Alertmanager that is gone.
        self.prometheus.stop()
        self.alertmanager.stop()


class AlertingPairFactory(Protocol):
    """What the `spare_alertmanager` fixture hands a test: call it to start a pair the test owns."""

    def __call__(
        self, config: AlertmanagerConfig | None = None, alertmanager_args: tuple[str, ...] = ()
    ) -> AlertingPair:
        """Start an alerting pair (with this Alertmanager config and flags) that the calling test owns."""


def start_alerting_pair(
    workdir: Path,
    config: AlertmanagerConfig | None = None,
    *,
    build: AlertingBuild | None = None,
    alertmanager_args: tuple[str, ...] = (),
) -> AlertingPair:
    """Start Alertmanager, then Prometheus alerting to it, and wait until the Watchdog is active there.

    `build` (from `lab.alerting_versions.alerting_build`) picks the release; the system's without it.
    `alertmanager_args` are more flags for Alertmanager, such as a feature to enable.
    """
    alertmanager_binary = build.alertmanager_binary if build else ALERTMANAGER_BINARY
    prometheus_binary = build.prometheus_binary if build else PROMETHEUS_BINARY
    with ExitStack() as on_failure:
        alertmanager = Alertmanager(
            workdir / "alertmanager", config, binary=alertmanager_binary, extra_args=alertmanager_args
        )
        on_failure.callback(alertmanager.stop)
        alertmanager.start()
        prometheus = Prometheus(workdir / "prometheus", [alertmanager.url], binary=prometheus_binary)
        on_failure.callback(prometheus.stop)
        prometheus.start()
        alertmanager.wait_for_alert(WATCHDOG_MATCH, timeout=WATCHDOG_TIMEOUT)
        on_failure.pop_all()
    return AlertingPair(alertmanager, prometheus)


@dataclass
class Lab:
    """Prometheus with the Watchdog, Alertmanager and Uptime Kuma, all on loopback ports.

    `with Lab.start(workdir) as lab:` starts them (Kuma boots while the others start) and stops every
    one of them on the way out, errors included.
    """

    prometheus: Prometheus
    alertmanager: Alertmanager
    kuma: Kuma

    @classmethod
    @contextmanager
    def start(cls, workdir: Path, config: AlertmanagerConfig | None = None) -> Iterator[Lab]:
        with ExitStack() as running:
            kuma = Kuma(workdir / "kuma")
            running.callback(kuma.stop)
            kuma.launch()
            pair = start_alerting_pair(workdir, config)
            running.callback(pair.stop)
            kuma.wait_until_ready()
            yield cls(pair.prometheus, pair.alertmanager, kuma)
