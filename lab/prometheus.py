"""The real Prometheus (Debian 12's /usr/bin/prometheus unless told another) evaluating a Watchdog rule every second."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

from lab.paths import PROMETHEUS_BINARY
from lab.ports import LOOPBACK, free_port
from lab.process import ManagedProcess

WATCHDOG_RULES = {
    "groups": [
        {
            "name": "watchdog",
            "rules": [
                {
                    "alert": "Watchdog",
                    "expr": "vector(1)",
                    "labels": {"severity": "none"},
                    "annotations": {"summary": "Always firing: proves the alerting pipeline works end to end."},
                }
            ],
        }
    ]
}


def _alertmanager_target(url: str) -> dict[str, object]:
    parts = urlsplit(url)
    return {
        "scheme": parts.scheme or "http",
        "path_prefix": parts.path or "/",
        "static_configs": [{"targets": [parts.netloc]}],
    }


def render_config(rules_path: Path, alertmanager_urls: Sequence[str]) -> str:
    """prometheus.yml as JSON (Prometheus's YAML parser reads it as it is): no scrapes, one rules file."""
    config = {
        "global": {"evaluation_interval": "1s"},
        "rule_files": [str(rules_path)],
        "alerting": {"alertmanagers": [_alertmanager_target(url) for url in alertmanager_urls]},
    }
    return json.dumps(config, indent=2) + "\n"


class Prometheus:
    """Prometheus sending the Watchdog to the given Alertmanagers.

    `--rules.alert.resend-delay=1s` matters: the first send can be lost before the notifier has discovered
    the Alertmanagers, and the default delay before the next one is a minute. Prometheus then sets each
    alert's endsAt about 4 s ahead, so stopping it resolves the Watchdog in Alertmanager within seconds.
    """

    def __init__(
        self,
        workdir: Path,
        alertmanager_urls: Sequence[str],
        *,
        port: int | None = None,
        binary: Path = PROMETHEUS_BINARY,
    ) -> None:
        self.workdir = workdir
        self.alertmanager_urls = tuple(alertmanager_urls)
        self.port = port or free_port()
        self.config_path = workdir / "prometheus.yml"
        self.rules_path = workdir / "watchdog.rules.yml"
        argv = [
            str(binary),
            f"--config.file={self.config_path}",
            f"--storage.tsdb.path={workdir / 'data'}",
            f"--web.listen-address={LOOPBACK}:{self.port}",
            "--rules.alert.resend-delay=1s",
        ]
        self.process = ManagedProcess("prometheus", argv, workdir, ready_url=f"{self.url}/-/ready")

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def start(self) -> Prometheus:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.rules_path.write_text(json.dumps(WATCHDOG_RULES, indent=2) + "\n")
        self.config_path.write_text(render_config(self.rules_path, self.alertmanager_urls))
        self.process.start()
        return self

    def stop(self) -> None:
        self.process.stop()

    def restart(self) -> None:
        self.process.restart()
