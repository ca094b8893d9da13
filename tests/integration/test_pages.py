"""The page arrives, end to end: the heartbeat module pushes UP, then DOWN with its reason when the pipeline breaks, and
the real Kuma's notification reaches a person's pager (a recorder) carrying that reason, never a push token."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from lab import AlertingPairFactory, HeartbeatStatus, Kuma, PushMonitor, pushed
from lab.ansible import adhoc
from lab.pager import Pager, kuma_pager
from lab.stack import WATCHDOG_MATCH

UP, DOWN = HeartbeatStatus.UP, HeartbeatStatus.DOWN


@pytest.fixture(scope="module")
def on_call(kuma: Kuma) -> Iterator[Pager]:
    with kuma_pager(kuma, "on-call of test_pages") as pager:
        yield pager


@pytest.fixture
def paging_monitor(kuma: Kuma, on_call: Pager, request: pytest.FixtureRequest) -> Iterator[PushMonitor]:
    """A push monitor (no retries) bound to the on-call pager, named after the test, deleted afterwards."""
    monitor = kuma.create_push_monitor(f"page {request.node.name}"[:150], notification_ids=[on_call.id])
    try:
        yield monitor
    finally:
        kuma.delete_monitor(monitor.id)


def _heartbeat(alertmanager_url: str, monitor: PushMonitor) -> str:
    """One run of the module as a user runs it; the reason it pushed."""
    run = adhoc({"alertmanager_url": alertmanager_url, "push_url": monitor.push_url})
    assert run.returncode == 0, run.output[-3000:]
    assert monitor.token not in run.output
    return run.result()["msg"]


def _assert_no_token_in_pages(pager: Pager, monitor: PushMonitor) -> None:
    assert monitor.token.encode() not in b"".join(page.raw for page in pager.pages()), "a page holds the push token"


def test_a_stopped_alertmanager_pages_the_on_call_with_the_heartbeats_reason(
    spare_alertmanager: AlertingPairFactory, kuma: Kuma, on_call: Pager, paging_monitor: PushMonitor
) -> None:
    pair = spare_alertmanager()
    _heartbeat(pair.alertmanager.url, paging_monitor)
    kuma.wait_for_heartbeat(paging_monitor.id, pushed(UP))
    url = pair.alertmanager.url
    pair.alertmanager.stop()

    reason = _heartbeat(url, paging_monitor)

    assert reason == "Alertmanager unreachable: connection refused"
    page = on_call.wait_for_page(paging_monitor.name, DOWN, reason)
    assert page.body["msg"] == f"[{paging_monitor.name}] [🔴 Down] {reason}"
    _assert_no_token_in_pages(on_call, paging_monitor)


def test_a_silenced_watchdog_pages_the_on_call_naming_the_silence(
    spare_alertmanager: AlertingPairFactory, kuma: Kuma, on_call: Pager, paging_monitor: PushMonitor
) -> None:
    pair = spare_alertmanager()
    _heartbeat(pair.alertmanager.url, paging_monitor)
    kuma.wait_for_heartbeat(paging_monitor.id, pushed(UP))
    silence_id = pair.alertmanager.silence(WATCHDOG_MATCH, comment="planned upgrade")
    pair.alertmanager.wait_for_alert(WATCHDOG_MATCH, state="suppressed")

    reason = _heartbeat(pair.alertmanager.url, paging_monitor)

    assert "silenced" in reason and silence_id[:8] in reason and '"planned upgrade"' in reason
    on_call.wait_for_page(paging_monitor.name, DOWN, reason)
    _assert_no_token_in_pages(on_call, paging_monitor)


def test_the_pipeline_coming_back_pages_up_with_the_heartbeats_reason(
    spare_alertmanager: AlertingPairFactory, kuma: Kuma, on_call: Pager, paging_monitor: PushMonitor
) -> None:
    pair = spare_alertmanager()
    silence_id = pair.alertmanager.silence(WATCHDOG_MATCH)
    pair.alertmanager.wait_for_alert(WATCHDOG_MATCH, state="suppressed")
    _heartbeat(pair.alertmanager.url, paging_monitor)
    on_call.wait_for_page(paging_monitor.name, DOWN)
    pair.alertmanager.expire_silence(silence_id)
    pair.alertmanager.wait_for_alert(WATCHDOG_MATCH, state="active")

    reason = _heartbeat(pair.alertmanager.url, paging_monitor)

    assert 'alertname="Watchdog"' in reason
    page = on_call.wait_for_page(paging_monitor.name, UP, reason)
    assert page.body["msg"] == f"[{paging_monitor.name}] [✅ Up] {reason}"
