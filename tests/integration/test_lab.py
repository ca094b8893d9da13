"""The lab itself: the real servers behave the way the other integration tests rely on."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import requests

from lab import (
    WATCHDOG_MATCH,
    AlertingPairFactory,
    Alertmanager,
    AlertmanagerConfig,
    HeartbeatStatus,
    Kuma,
    PushMonitor,
    WebhookRecorder,
    pushed,
    start_alertmanager_cluster,
)

HTTP_TIMEOUT = 5


def test_prometheus_watchdog_is_active_in_alertmanager(alertmanager: Alertmanager) -> None:
    watchdogs = alertmanager.active_alerts(WATCHDOG_MATCH)

    assert len(watchdogs) == 1
    assert watchdogs[0]["labels"]["severity"] == "none"
    assert watchdogs[0]["status"]["state"] == "active"


def test_a_get_to_the_push_url_stores_an_up_row_with_its_message(kuma: Kuma, push_monitor: PushMonitor) -> None:
    response = requests.get(
        push_monitor.push_url, params={"status": "up", "msg": "hello", "ping": "5"}, timeout=HTTP_TIMEOUT
    )

    assert response.status_code == 200
    assert response.json() == {"ok": True}
    heartbeat = kuma.wait_for_heartbeat(push_monitor.id, pushed(msg="hello"), timeout=10)
    assert heartbeat.status == HeartbeatStatus.UP
    assert heartbeat.ping == 5


def test_a_post_to_the_push_url_is_refused_and_stores_nothing(kuma: Kuma, push_monitor: PushMonitor) -> None:
    refused = requests.post(push_monitor.push_url, params={"status": "up", "msg": "sent by POST"}, timeout=HTTP_TIMEOUT)
    # A GET after the refused POST: once its row is there, a row from the POST would be there too.
    accepted = requests.get(
        push_monitor.push_url, params={"status": "down", "msg": "sent by GET"}, timeout=HTTP_TIMEOUT
    )

    assert refused.status_code == 404
    assert accepted.status_code == 200
    kuma.wait_for_heartbeat(push_monitor.id, pushed(HeartbeatStatus.DOWN, "sent by GET"), timeout=10)
    assert [heartbeat.msg for heartbeat in kuma.heartbeats(push_monitor.id)] == ["sent by GET"]


def test_a_paused_push_monitor_answers_404(kuma: Kuma, push_monitor: PushMonitor) -> None:
    kuma.pause_monitor(push_monitor.id)

    response = requests.get(push_monitor.push_url, params={"status": "up"}, timeout=HTTP_TIMEOUT)

    assert response.status_code == 404
    assert response.json()["ok"] is False


def test_a_silenced_watchdog_is_suppressed(spare_alertmanager: AlertingPairFactory) -> None:
    alertmanager = spare_alertmanager().alertmanager

    silence_id = alertmanager.silence(WATCHDOG_MATCH, timedelta(minutes=5))

    watchdog = alertmanager.wait_for_alert(WATCHDOG_MATCH, state="suppressed", timeout=10)
    assert watchdog["status"]["silencedBy"] == [silence_id]
    assert alertmanager.active_alerts(WATCHDOG_MATCH) == []
    alertmanager.expire_silence(silence_id)
    alertmanager.wait_for_alert(WATCHDOG_MATCH, state="active", timeout=10)


def test_stopping_prometheus_resolves_the_watchdog(spare_alertmanager: AlertingPairFactory) -> None:
    pair = spare_alertmanager()

    pair.prometheus.stop()

    # Prometheus sends endsAt about four resend delays (4 s) ahead; after that Alertmanager drops the alert.
    alertmanager = pair.alertmanager
    assert alertmanager.alerts(WATCHDOG_MATCH)
    alertmanager.wait_for_no_alert(WATCHDOG_MATCH, timeout=20)


def test_a_restarted_alertmanager_comes_back_on_the_same_port(spare_alertmanager: AlertingPairFactory) -> None:
    alertmanager = spare_alertmanager().alertmanager
    url_before = alertmanager.url

    alertmanager.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url_before}/-/ready", timeout=HTTP_TIMEOUT)
    alertmanager.restart()

    assert alertmanager.url == url_before
    alertmanager.wait_for_alert(WATCHDOG_MATCH, state="active", timeout=20)


def test_alertmanager_sends_the_watchdog_to_a_configured_webhook(spare_alertmanager: AlertingPairFactory) -> None:
    with WebhookRecorder() as webhook:
        spare_alertmanager(AlertmanagerConfig(webhook_url=webhook.url))

        notification = webhook.wait_for(lambda body: body["status"] == "firing", timeout=20)

    assert [alert["labels"]["alertname"] for alert in notification["alerts"]] == ["Watchdog"]


# Starts its own servers, with no fixture to mark it.
@pytest.mark.lab
def test_two_alertmanagers_form_a_cluster_and_share_silences(tmp_path: Path) -> None:
    first, second = start_alertmanager_cluster(tmp_path)
    try:
        silence_id = first.silence({"alertname": "LabTest"}, timedelta(minutes=5))

        assert first.status()["cluster"]["status"] == "ready"
        assert len(second.status()["cluster"]["peers"]) == 2
        second.post_alert({"alertname": "LabTest"})
        on_second = second.wait_for_alert({"alertname": "LabTest"}, state="suppressed", timeout=10)
        assert on_second["status"]["silencedBy"] == [silence_id]
    finally:
        first.stop()
        second.stop()
