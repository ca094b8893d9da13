"""Records the real /metrics pages of each Alertmanager and Prometheus of the lab's matrix, for the unit tests.

`python -m lab.metrics_pages` starts each suite's pair and saves, into tests/unit/metrics_pages/SUITE/, the pages a
check reads before and after a failure, with a manifest of the versions and addresses they came from:

- Alertmanager sending the Watchdog to two webhook receivers, `chat` (answers 200) and `pager` (answers 500), with
  `--enable-feature=receiver-name-in-metrics` where the version has it: `alertmanager-before.prom` once `chat` has
  a notification, `alertmanager-after.prom` once `pager`'s retries gave a notification up.
- Prometheus sending to that Alertmanager: `prometheus-before.prom` with the Watchdog delivered,
  `prometheus-after.prom` once sends failed with the Alertmanager stopped.

The pages are saved as the servers wrote them; nothing in them is typed by hand.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import requests

from lab.alerting_versions import ALERTING_SUITES, RECEIVER_NAMES_FLAG, alerting_build
from lab.alertmanager import AlertmanagerConfig
from lab.metrics_text import metric_sum
from lab.polling import poll_until
from lab.stack import WATCHDOG_MATCH, start_alerting_pair
from lab.webhook import WebhookRecorder

PROJECT_ROOT = Path(__file__).resolve().parents[1]
PAGES_DIR = PROJECT_ROOT / "tests" / "unit" / "metrics_pages"
MANIFEST = PAGES_DIR / "manifest.json"
FAILING, HEALTHY = "pager", "chat"
RECORD_TIMEOUT = 120.0


def _page(url: str) -> str:
    response = requests.get(f"{url}/metrics", timeout=10)
    response.raise_for_status()
    return response.text


def _before_after(target: Path, server: str, name: str, labels: dict[str, str]) -> list[float]:
    pages = (target / f"{server}-before.prom", target / f"{server}-after.prom")
    return [metric_sum(page.read_text(), name, labels) or 0.0 for page in pages]


def _failing_counts(target: Path, receiver_names: tuple[str, ...]) -> dict[str, list[float]]:
    """The failing series' notifications, failures and failures by reason, before and after."""
    series = {"integration": "webhook", **({"receiver_name": FAILING} if receiver_names else {})}
    counted = {
        "notifications": _before_after(target, "alertmanager", "alertmanager_notifications_total", series),
        "failed": _before_after(target, "alertmanager", "alertmanager_notifications_failed_total", series),
    }
    for reason in ("serverError", "other"):
        failed = _before_after(
            target, "alertmanager", "alertmanager_notifications_failed_total", {**series, "reason": reason}
        )
        counted[f"failed_{reason}"] = failed
    return counted


def _notifier_counts(target: Path, sends_to: str) -> dict[str, list[float]]:
    return {
        "prometheus_errors": _before_after(
            target, "prometheus", "prometheus_notifications_errors_total", {"alertmanager": sends_to}
        ),
        "prometheus_dropped": _before_after(target, "prometheus", "prometheus_notifications_dropped_total", {}),
    }


def record_suite(suite: str, out_dir: Path = PAGES_DIR) -> dict[str, object]:
    """Start the suite's pair, save its four pages, and say what they came from."""
    build = alerting_build(suite)
    flags = (RECEIVER_NAMES_FLAG,) if build.names_receivers else ()
    target = out_dir / suite
    target.mkdir(parents=True, exist_ok=True)
    with (
        WebhookRecorder() as healthy,
        WebhookRecorder(status=500) as failing,
        tempfile.TemporaryDirectory(prefix=f"metrics-pages-{suite}-") as workdir,
    ):
        config = AlertmanagerConfig(webhooks=((HEALTHY, healthy.url), (FAILING, failing.url)))
        pair = start_alerting_pair(Path(workdir), config, build=build, alertmanager_args=flags)
        try:
            am, prometheus = pair.alertmanager, pair.prometheus
            healthy.wait_for(lambda notification: notification.get("status") == "firing", timeout=RECORD_TIMEOUT)
            (target / "alertmanager-before.prom").write_text(_page(am.url))
            (target / "prometheus-before.prom").write_text(_page(prometheus.url))
            poll_until(
                lambda: (metric_sum(_page(am.url), "alertmanager_notifications_failed_total") or 0) >= 1,
                timeout=RECORD_TIMEOUT,
                describe_failure=lambda: f"{suite}: Alertmanager gave no notification to {FAILING} up",
            )
            (target / "alertmanager-after.prom").write_text(_page(am.url))
            counted = _failing_counts(target, flags)
            sends_to = f"{am.url}/api/v2/alerts"
            am.stop()
            poll_until(
                lambda: (metric_sum(_page(prometheus.url), "prometheus_notifications_errors_total") or 0) >= 2,
                timeout=RECORD_TIMEOUT,
                describe_failure=lambda: f"{suite}: Prometheus counted no failed send to the stopped Alertmanager",
            )
            (target / "prometheus-after.prom").write_text(_page(prometheus.url))
            counted |= _notifier_counts(target, f"{am.url}/api/v2/alerts")
        finally:
            pair.stop()
    return {
        "alertmanager_version": build.alertmanager_version,
        "prometheus_version": build.prometheus_version,
        "alertmanager_package_version": build.alertmanager_package_version,
        "prometheus_package_version": build.prometheus_package_version,
        "receiver_names": bool(flags),
        "failing_receiver": FAILING,
        "healthy_receiver": HEALTHY,
        "prometheus_sends_to": sends_to,
        "watchdog": dict(WATCHDOG_MATCH),
        # What the pages count, read by the lab's own reader: the unit tests' expectations, not the module's.
        "counted": counted,
    }


def main(suites: list[str]) -> int:
    manifest = json.loads(MANIFEST.read_text()) if MANIFEST.is_file() else {}
    for suite in suites or list(ALERTING_SUITES):
        manifest[suite] = record_suite(suite)
        print(
            f"{suite}: recorded Alertmanager {manifest[suite]['alertmanager_version']}, "
            f"Prometheus {manifest[suite]['prometheus_version']}"
        )
    MANIFEST.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
