"""The check reads every form of the metrics: real /metrics pages of each Alertmanager and Prometheus of the lab's
matrix (tests/unit/metrics_pages, saved by `python -m lab.metrics_pages`), before and after a receiver failed.

Each suite's manifest says what the pages count, read by the lab's own reader: these tests compare the verdicts
with that, not with numbers typed here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._delivery import IGNORE_RECEIVERS_NEEDS
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._heartbeat import run_heartbeat
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._prometheus import (
    kept_by_prometheus,
    observe_prometheus,
    prometheus_problems,
)
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._state import KeptCounters
from ansible_collections.watchdog.alertmanager_kuma.tests.payloads import am_alert
from ansible_collections.watchdog.alertmanager_kuma.tests.unit.plugins.module_utils.stubs import (
    StubTransport,
    alertmanager_script,
    kuma_script,
    make_settings,
    response,
)

PAGES = Path(__file__).resolve().parents[2] / "metrics_pages"
MANIFEST: dict[str, dict[str, Any]] = json.loads((PAGES / "manifest.json").read_text())
SUITES = sorted(MANIFEST)
PROMETHEUS = "http://127.0.0.1:9090"


def _page(suite: str, name: str) -> bytes:
    return (PAGES / suite / f"{name}.prom").read_bytes()


def _check(state: Path, suite: str, page: str, now: float, **options: Any):
    script = {**alertmanager_script([am_alert()]), **kuma_script()}
    script["/metrics"] = [response(body=_page(suite, page))]
    settings = make_settings(state_path=str(state), **options)
    return run_heartbeat(settings, StubTransport(script), send=True, wait=lambda _s: None, now=lambda: now)


def _before_then_after(tmp_path: Path, suite: str, **options: Any):
    tmp_path.mkdir(parents=True, exist_ok=True)
    state = tmp_path / "state.json"
    before = _check(state, suite, "alertmanager-before", 1000.0, **options)
    assert before.verdict.status == "up", before.verdict.msg
    return _check(state, suite, "alertmanager-after", 1060.0, **options)


def _grown(suite: str, count: str) -> float:
    before, after = MANIFEST[suite]["counted"][count]
    return after - before


def test_the_pages_come_from_the_versions_the_manifest_names() -> None:
    for suite in SUITES:
        recorded = MANIFEST[suite]
        assert f'version="{recorded["alertmanager_version"]}' in _page(suite, "alertmanager-after").decode()
        assert f'version="{recorded["prometheus_version"]}' in _page(suite, "prometheus-after").decode()


@pytest.mark.parametrize("suite", [suite for suite in SUITES if MANIFEST[suite]["receiver_names"]])
def test_with_receiver_names_the_failing_receiver_is_named_with_the_reason_beside_a_healthy_one(
    tmp_path: Path, suite: str
) -> None:
    recorded = MANIFEST[suite]

    after = _before_then_after(tmp_path, suite)

    failed, total = _grown(suite, "failed"), _grown(suite, "notifications")
    assert _grown(suite, "failed_serverError") == failed > 0
    assert after.verdict.status == "down"
    assert after.verdict.msg == (
        f"Alertmanager cannot deliver notifications: receiver {recorded['failing_receiver']}:"
        f" {failed:g} of {max(total, failed):g} webhook notifications (answered with server errors)"
        " failed since the last check (60 s ago)"
    )
    notifications = after.as_dict()["alertmanager"]["notifications"]
    assert notifications[f"{recorded['healthy_receiver']}/webhook"]["failed_since_last"] == 0
    assert notifications[f"{recorded['failing_receiver']}/webhook"]["failed_by_reason"]["serverError"] == failed


@pytest.mark.parametrize("suite", [suite for suite in SUITES if MANIFEST[suite]["receiver_names"]])
def test_with_receiver_names_ignoring_the_failing_receiver_is_up_and_ignoring_the_healthy_one_is_not(
    tmp_path: Path, suite: str
) -> None:
    recorded = MANIFEST[suite]

    ignored = _before_then_after(tmp_path / "failing", suite, ignore_receivers=[recorded["failing_receiver"]])
    other = _before_then_after(tmp_path / "healthy", suite, ignore_receivers=[recorded["healthy_receiver"]])

    assert ignored.verdict.status == "up", ignored.verdict.msg
    assert other.verdict.status == "down"
    assert f"receiver {recorded['failing_receiver']}:" in other.verdict.msg


@pytest.mark.parametrize("suite", [suite for suite in SUITES if not MANIFEST[suite]["receiver_names"]])
def test_without_receiver_names_failures_are_judged_per_integration_and_ignore_receivers_says_it_cannot_help(
    tmp_path: Path, suite: str
) -> None:
    recorded = MANIFEST[suite]

    after = _before_then_after(tmp_path, suite, ignore_receivers=[recorded["failing_receiver"]])

    failed, total = _grown(suite, "failed"), _grown(suite, "notifications")
    assert after.verdict.status == "down"
    assert after.verdict.msg == (
        f"Alertmanager cannot deliver notifications: {failed:g} of {max(total, failed):g} webhook notifications"
        f" failed since the last check (60 s ago); {IGNORE_RECEIVERS_NEEDS}"
    )


def _prometheus_script(suite: str, page: str) -> StubTransport:
    sends_to = MANIFEST[suite]["prometheus_sends_to"]
    rule = {
        "name": "Watchdog",
        "type": "alerting",
        "query": "vector(1)",
        "health": "ok",
        "lastEvaluation": "2026-12-04T12:00:00Z",
    }
    return StubTransport(
        {
            "/api/v1/alertmanagers": [response(document={"data": {"activeAlertmanagers": [{"url": sends_to}]}})],
            "/api/v1/rules": [
                response(
                    document={"data": {"groups": [{"name": "watchdog", "interval": 1, "rules": [rule]}]}},
                    headers={"date": "Fri, 04 Dec 2026 12:00:00 GMT"},
                )
            ],
            "/metrics": [response(body=_page(suite, page))],
        }
    )


@pytest.mark.parametrize("suite", SUITES)
def test_prometheus_errors_and_dropped_alerts_are_read_in_this_versions_form(suite: str) -> None:
    recorded = MANIFEST[suite]
    settings = make_settings(
        prometheus_url=PROMETHEUS, prometheus_alertmanager_url=recorded["prometheus_sends_to"].split("/api/")[0]
    )
    before = observe_prometheus(settings, _prometheus_script(suite, "prometheus-before"))
    assert before is not None and prometheus_problems(before, KeptCounters()) == []

    after = observe_prometheus(settings, _prometheus_script(suite, "prometheus-after"))

    errors, dropped = _grown(suite, "prometheus_errors"), _grown(suite, "prometheus_dropped")
    counts_alerts = int(recorded["prometheus_version"].split(".")[0]) >= 3
    sent = (
        f"Prometheus failed to send {errors:g} alerts to this Alertmanager since the last check"
        if counts_alerts
        else f"Prometheus failed {errors:g} sends to this Alertmanager since the last check"
    )
    assert after is not None and after.version is not None
    assert after.version.startswith(recorded["prometheus_version"])
    assert prometheus_problems(after, KeptCounters(**kept_by_prometheus(before))) == [
        sent,
        f"Prometheus dropped {dropped:g} alerts since the last check",
    ]
