"""The relay as its service runs it, between the real Alertmanager (fed by the real Prometheus Watchdog) and the
real Uptime Kuma: Alertmanager's own notification path, proved end to end."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from lab import AlertmanagerConfig, HeartbeatStatus, Kuma, PushMonitor, pushed
from lab.polling import poll_until
from lab.relay import relay_process
from lab.stack import WATCHDOG_MATCH


@pytest.fixture
def relay_factory(tmp_path: Path) -> Iterator:
    """Call it with a push URL for a relay of the test's own: its URL and its log file; all stopped afterwards."""
    numbers = itertools.count()
    with ExitStack() as started:

        def start(push_url: str) -> tuple[str, Path]:
            relay = started.enter_context(relay_process(tmp_path / f"relay-{next(numbers)}", {"push_url": push_url}))
            return relay.url, relay.log_file

        yield start


@pytest.mark.alerting_versions
def test_alertmanagers_own_webhook_for_the_watchdog_makes_kuma_store_up_and_resolved_pushes_nothing(
    spare_alertmanager, kuma: Kuma, push_monitor: PushMonitor, relay_factory
) -> None:
    relay_url, relay_log = relay_factory(push_monitor.push_url)

    pair = spare_alertmanager(AlertmanagerConfig(webhook_url=f"{relay_url}/push"))

    up = kuma.wait_for_heartbeat(push_monitor.id, pushed(HeartbeatStatus.UP), timeout=30)
    assert up.msg == "Alertmanager webhook: Watchdog firing (1 alert) via receiver webhook"
    # Prometheus gone: Alertmanager resolves the Watchdog and sends that too; the relay pushes nothing for it.
    pair.prometheus.stop()
    pair.alertmanager.wait_for_no_alert(WATCHDOG_MATCH, timeout=60)
    poll_until(
        lambda: "resolved: not a heartbeat" in relay_log.read_text(), timeout=30, describe_failure=relay_log.read_text
    )
    log = relay_log.read_text()
    resolved_line = next(line for line in log.splitlines() if "resolved: not a heartbeat" in line)
    assert "status=200" in resolved_line and "pushed=no" in resolved_line
    # Each push the relay made is one UP row in Kuma, so an equal count means the resolve pushed nothing.
    ups = [row for row in kuma.heartbeats(push_monitor.id) if row.status == HeartbeatStatus.UP and row.from_push]
    assert len(ups) == log.count("pushed=yes")
    assert push_monitor.token not in log
    assert f"push_host={kuma.url.split('//')[1]}" in log


def test_kuma_refusing_the_token_makes_the_relay_answer_502_and_log_the_host_not_the_token(
    spare_alertmanager, kuma: Kuma, push_monitor: PushMonitor, relay_factory
) -> None:
    wrong = push_monitor.push_url.replace(push_monitor.token, "wrongTok3n")
    relay_url, relay_log = relay_factory(wrong)

    spare_alertmanager(AlertmanagerConfig(webhook_url=f"{relay_url}/push"))

    poll_until(lambda: "status=502" in relay_log.read_text(), timeout=30, describe_failure=relay_log.read_text)
    text = relay_log.read_text()
    assert "Monitor not found or not active." in text
    assert f"push_host={kuma.url.split('//')[1]}" in text
    assert "wrongTok3n" not in text
