"""Every link of the pipeline, against the real Alertmanager and Kuma: delivery, config reload, routing, silences."""

from __future__ import annotations

from pathlib import Path

import pytest

from lab import AlertmanagerConfig, HeartbeatStatus, Kuma, PushMonitor, WebhookRecorder, pushed
from lab.alerting_versions import RECEIVER_NAMES_FLAG, AlertingBuild
from lab.ansible import adhoc
from lab.polling import poll_until
from lab.ports import free_port
from lab.stack import WATCHDOG_MATCH

pytestmark = pytest.mark.alerting_versions
UP, DOWN = HeartbeatStatus.UP, HeartbeatStatus.DOWN
# Alertmanager gives a notification up after its retries, about 10 s after the first attempt.
GIVE_UP_SECONDS = 60


def _pushed_starting(status: HeartbeatStatus, prefix: str):
    """A row the heartbeat pushed (never Kuma's own) with this status and a message that starts so."""
    return lambda row: row.from_push and row.status == status and (row.msg or "").startswith(prefix)


def _heartbeat(alertmanager_url: str, push_monitor: PushMonitor, *extra: str) -> dict:
    run = adhoc(" ".join([f"alertmanager_url={alertmanager_url}", f"push_url={push_monitor.push_url}", *extra]))
    assert run.returncode == 0, run.output
    assert push_monitor.token not in run.output
    return run.result()


def test_notifications_alertmanager_cannot_deliver_turn_kuma_down_until_they_can(
    spare_alertmanager, alerting_build: AlertingBuild, kuma: Kuma, push_monitor: PushMonitor, tmp_path: Path
) -> None:
    port = free_port()
    pair = spare_alertmanager(AlertmanagerConfig(webhook_url=f"http://127.0.0.1:{port}/hook", repeat_interval="1s"))
    state = tmp_path / "state.json"
    webhook = {"integration": "webhook"}

    baseline = _heartbeat(pair.alertmanager.url, push_monitor, f"state_path={state}")
    failed_before = pair.alertmanager.metric("alertmanager_notifications_failed_total", webhook) or 0
    poll_until(
        lambda: (pair.alertmanager.metric("alertmanager_notifications_failed_total", webhook) or 0) > failed_before,
        timeout=GIVE_UP_SECONDS,
        describe_failure=lambda: "Alertmanager counted no failed webhook notification",
    )
    failing = _heartbeat(pair.alertmanager.url, push_monitor, f"state_path={state}")

    assert baseline["alertmanager"]["delivery_judged"] is False
    assert failing["status"] == "down"
    assert failing["alertmanager"]["notifications"]["webhook"]["failed_since_last"] >= 1
    stored = kuma.wait_for_heartbeat(
        push_monitor.id, _pushed_starting(DOWN, "Alertmanager cannot deliver notifications:")
    )
    # A refused connection is Alertmanager's reason "other" (0.26 and later).
    why = " (unreachable or another error)" if alerting_build.gives_failure_reasons else ""
    assert f"webhook notifications{why} failed since the last check" in (stored.msg or "")

    with WebhookRecorder(port) as receiver:
        receiver.wait_for(lambda notification: notification.get("status") == "firing", timeout=GIVE_UP_SECONDS)
        recovered = poll_until(
            lambda: _heartbeat(pair.alertmanager.url, push_monitor, f"state_path={state}")["status"] == "up",
            timeout=GIVE_UP_SECONDS,
            describe_failure=lambda: "the heartbeat stayed down after the receiver came back",
        )
    assert recovered
    kuma.wait_for_heartbeat(push_monitor.id, lambda row: pushed(UP)(row) and row.id > stored.id, timeout=5)


def test_failed_requests_turn_kuma_down_before_alertmanager_gives_the_notification_up(
    spare_alertmanager, kuma: Kuma, push_monitor: PushMonitor, tmp_path: Path
) -> None:
    pair = spare_alertmanager(
        AlertmanagerConfig(webhook_url=f"http://127.0.0.1:{free_port()}/hook", repeat_interval="1s")
    )
    state = tmp_path / "state.json"
    webhook = {"integration": "webhook"}

    _heartbeat(pair.alertmanager.url, push_monitor, f"state_path={state}")
    requests_before = pair.alertmanager.metric("alertmanager_notification_requests_failed_total", webhook) or 0
    # Alertmanager retries at once and counts each failed request; it counts the notification failed ~10 s later.
    poll_until(
        lambda: (
            (pair.alertmanager.metric("alertmanager_notification_requests_failed_total", webhook) or 0)
            >= requests_before + 2
        ),
        timeout=GIVE_UP_SECONDS,
        describe_failure=lambda: "Alertmanager counted fewer than two failed webhook requests",
    )
    failing = _heartbeat(pair.alertmanager.url, push_monitor, f"state_path={state}")

    counted = failing["alertmanager"]["notifications"]["webhook"]
    assert failing["status"] == "down", failing["msg"]
    assert counted["requests_failed_since_last"] >= 2
    if not counted["failed_since_last"]:
        assert "webhook requests (retries included) failed since the last check" in failing["msg"]
    kuma.wait_for_heartbeat(push_monitor.id, _pushed_starting(DOWN, "Alertmanager cannot deliver notifications:"))


def test_with_receiver_names_a_failing_receiver_beside_a_healthy_one_is_down_naming_it_and_up_when_ignored(
    spare_alertmanager, alerting_build: AlertingBuild, kuma: Kuma, push_monitor: PushMonitor, tmp_path: Path
) -> None:
    if not alerting_build.names_receivers:
        pytest.skip(f"Alertmanager {alerting_build.alertmanager_version} cannot name receivers (0.27 and later can)")
    pager = {"integration": "webhook", "receiver_name": "pager"}
    with WebhookRecorder() as chat:
        pair = spare_alertmanager(
            AlertmanagerConfig(
                webhooks=(("chat", chat.url), ("pager", f"http://127.0.0.1:{free_port()}/hook")), repeat_interval="1s"
            ),
            alertmanager_args=(RECEIVER_NAMES_FLAG,),
        )
        url = pair.alertmanager.url
        judging, ignoring = f"state_path={tmp_path / 'judging.json'}", f"state_path={tmp_path / 'ignoring.json'}"
        _heartbeat(url, push_monitor, judging)
        _heartbeat(url, push_monitor, ignoring, "ignore_receivers=pager")
        failed_before = pair.alertmanager.metric("alertmanager_notification_requests_failed_total", pager) or 0
        chat.wait_for(lambda notification: notification.get("status") == "firing", timeout=GIVE_UP_SECONDS)
        poll_until(
            lambda: (
                (pair.alertmanager.metric("alertmanager_notification_requests_failed_total", pager) or 0)
                >= failed_before + 2
            ),
            timeout=GIVE_UP_SECONDS,
            describe_failure=lambda: "Alertmanager counted fewer than two failed requests to the pager receiver",
        )
        failing = _heartbeat(url, push_monitor, judging)
        ignored = _heartbeat(url, push_monitor, ignoring, "ignore_receivers=pager")

    assert failing["status"] == "down", failing["msg"]
    assert failing["msg"].startswith("Alertmanager cannot deliver notifications: receiver pager: "), failing["msg"]
    assert "receiver chat" not in failing["msg"]
    assert failing["alertmanager"]["notifications"]["chat/webhook"]["requests_failed_since_last"] == 0
    assert ignored["status"] == "up", ignored["msg"]
    down = kuma.wait_for_heartbeat(
        push_monitor.id, _pushed_starting(DOWN, "Alertmanager cannot deliver notifications: receiver pager: ")
    )
    kuma.wait_for_heartbeat(push_monitor.id, lambda row: pushed(UP)(row) and row.id > down.id, timeout=5)


def test_a_failed_config_reload_turns_kuma_down_until_a_good_one_loads(
    spare_alertmanager, kuma: Kuma, push_monitor: PushMonitor
) -> None:
    pair = spare_alertmanager()
    good = pair.alertmanager.config_path.read_text()

    refused = pair.alertmanager.reload("route:\n  receiver: missing\nreceivers:\n  - name: default\n")
    broken = _heartbeat(pair.alertmanager.url, push_monitor)

    assert refused.status_code == 500
    assert broken["status"] == "down"
    assert broken["alertmanager"]["config"]["reload_ok"] is False
    kuma.wait_for_heartbeat(
        push_monitor.id, _pushed_starting(DOWN, "Alertmanager config reload failed (last good load at 20")
    )
    assert pair.alertmanager.reload(good).status_code == 200
    assert _heartbeat(pair.alertmanager.url, push_monitor)["status"] == "up"


def test_a_watchdog_routed_to_another_receiver_turns_kuma_down_naming_both(
    alertmanager, kuma: Kuma, push_monitor: PushMonitor
) -> None:
    result = _heartbeat(alertmanager.url, push_monitor, "receiver=kuma")

    assert result["status"] == "down"
    assert result["alertmanager"]["alerts"][0]["receivers"] == ["default"]
    kuma.wait_for_heartbeat(push_monitor.id, pushed(DOWN, "Watchdog routed to [default], not kuma"))
    assert _heartbeat(alertmanager.url, push_monitor, "receiver=default")["status"] == "up"


def test_a_silenced_watchdog_names_who_silenced_it_and_why(
    spare_alertmanager, kuma: Kuma, push_monitor: PushMonitor
) -> None:
    pair = spare_alertmanager()
    silence_id = pair.alertmanager.silence(WATCHDOG_MATCH, comment="kernel upgrade")
    pair.alertmanager.wait_for_alert(WATCHDOG_MATCH, state="suppressed")

    result = _heartbeat(pair.alertmanager.url, push_monitor)

    assert result["status"] == "down"
    stored = kuma.wait_for_heartbeat(
        push_monitor.id, _pushed_starting(DOWN, 'no active alert matches alertname="Watchdog": 1 found suppressed')
    )
    assert "(silenced by lab until 20" in (stored.msg or "")
    assert (stored.msg or "").endswith(f'"kernel upgrade" (silence {silence_id[:8]}))')


def test_with_prometheus_url_a_healthy_pipeline_is_up_naming_prometheus(
    alertmanager, prometheus, kuma: Kuma, push_monitor: PushMonitor
) -> None:
    result = _heartbeat(alertmanager.url, push_monitor, f"prometheus_url={prometheus.url}")

    assert result["status"] == "up", result["msg"]
    assert result["prometheus"]["sends_to_this_alertmanager"] is True
    assert result["prometheus"]["watchdog_rule"]["found"] is True
    assert result["prometheus"]["watchdog_rule"]["health"] == "ok"
    stored = kuma.wait_for_heartbeat(push_monitor.id, _pushed_starting(UP, "1 active alert matches"))
    assert (stored.msg or "").endswith("Prometheus sends to it and evaluates the rule")


def test_a_stopped_prometheus_is_down_within_one_run(spare_alertmanager, kuma: Kuma, push_monitor: PushMonitor) -> None:
    pair = spare_alertmanager()
    pair.prometheus.stop()

    result = _heartbeat(pair.alertmanager.url, push_monitor, f"prometheus_url={pair.prometheus.url}")

    assert result["status"] == "down"
    assert result["prometheus"]["reachable"] is False
    kuma.wait_for_heartbeat(push_monitor.id, _pushed_starting(DOWN, "Prometheus unreachable: connection refused"))


def test_a_prometheus_that_sends_to_another_alertmanager_is_down_saying_where_it_sends(
    alertmanager, spare_alertmanager, kuma: Kuma, push_monitor: PushMonitor
) -> None:
    elsewhere = spare_alertmanager()

    result = _heartbeat(alertmanager.url, push_monitor, f"prometheus_url={elsewhere.prometheus.url}")

    assert result["status"] == "down"
    kuma.wait_for_heartbeat(
        push_monitor.id,
        _pushed_starting(
            DOWN,
            f"Prometheus does not send to this Alertmanager; it sends to {elsewhere.alertmanager.url}/api/v2/alerts",
        ),
    )


def test_no_prometheus_rule_for_the_heartbeat_alert_is_down_saying_so(
    alertmanager, prometheus, kuma: Kuma, push_monitor: PushMonitor
) -> None:
    result = _heartbeat(
        alertmanager.url, push_monitor, f"prometheus_url={prometheus.url}", "matchers=alertname=DeadMansSwitch"
    )

    assert result["status"] == "down"
    assert result["prometheus"]["watchdog_rule"] == {
        "name": "DeadMansSwitch",
        "found": False,
        "health": None,
        "age_seconds": None,
    }
    kuma.wait_for_heartbeat(
        push_monitor.id, _pushed_starting(DOWN, "no Prometheus alerting rule named DeadMansSwitch | ")
    )
