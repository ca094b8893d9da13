"""The heartbeat module, run as users run it, against the real Alertmanager, Prometheus and Uptime Kuma."""

from __future__ import annotations

from pathlib import Path

import pytest

from lab import Alertmanager, HeartbeatStatus, Kuma, PushMonitor, pushed
from lab.alerting_versions import AlertingBuild
from lab.ansible import adhoc, playbook
from lab.stack import WATCHDOG_MATCH

UP, DOWN = HeartbeatStatus.UP, HeartbeatStatus.DOWN


def _last_row_id(kuma: Kuma, monitor: PushMonitor) -> int:
    rows = kuma.heartbeats(monitor.id)
    return rows[-1].id if rows else 0


@pytest.mark.alerting_versions
def test_an_active_watchdog_makes_kuma_store_an_up_heartbeat_that_says_why(
    alertmanager: Alertmanager, alerting_build: AlertingBuild, kuma: Kuma, push_monitor: PushMonitor
) -> None:
    run = adhoc(f"alertmanager_url={alertmanager.url} push_url={push_monitor.push_url}")

    assert run.returncode == 0, run.output
    result = run.result()
    assert result["changed"] is True
    assert result["pushed"] is True
    assert result["status"] == "up"
    # Debian's own builds say so: 0.28.1+ds.
    assert result["alertmanager"]["version"].startswith(alerting_build.alertmanager_version)
    assert result["alertmanager"]["alerts"][0]["labels"]["alertname"] == "Watchdog"
    stored = kuma.wait_for_heartbeat(push_monitor.id, pushed(UP))
    assert 'alertname="Watchdog"' in (stored.msg or "")
    assert stored.ping is not None and stored.ping >= 1
    assert push_monitor.token not in run.output


@pytest.mark.alerting_versions
def test_a_stopped_alertmanager_makes_kuma_store_a_down_heartbeat_naming_the_reason(
    spare_alertmanager, kuma: Kuma, push_monitor: PushMonitor
) -> None:
    pair = spare_alertmanager()
    url = pair.alertmanager.url
    pair.alertmanager.stop()

    run = adhoc(f"alertmanager_url={url} push_url={push_monitor.push_url}")

    assert run.returncode == 0, run.output
    assert run.result()["status"] == "down"
    stored = kuma.wait_for_heartbeat(push_monitor.id, pushed(DOWN))
    assert stored.msg == "Alertmanager unreachable: connection refused"
    assert push_monitor.token not in run.output


@pytest.mark.alerting_versions
def test_a_silenced_watchdog_makes_kuma_store_a_down_heartbeat_saying_silenced(
    spare_alertmanager, kuma: Kuma, push_monitor: PushMonitor
) -> None:
    pair = spare_alertmanager()
    pair.alertmanager.silence(WATCHDOG_MATCH)
    pair.alertmanager.wait_for_alert(WATCHDOG_MATCH, state="suppressed")

    run = adhoc(f"alertmanager_url={pair.alertmanager.url} push_url={push_monitor.push_url}")

    assert run.returncode == 0, run.output
    stored = kuma.wait_for_heartbeat(push_monitor.id, pushed(DOWN))
    assert "silenced" in (stored.msg or "")
    assert 'alertname="Watchdog"' in (stored.msg or "")
    assert push_monitor.token not in run.output


def test_a_wrong_token_fails_the_module_with_kumas_message_and_no_token(
    alertmanager: Alertmanager, kuma: Kuma, push_monitor: PushMonitor
) -> None:
    wrong_token = "wrongToken" + push_monitor.token[::-1]
    wrong_url = push_monitor.push_url.replace(push_monitor.token, wrong_token)

    run = adhoc(f"alertmanager_url={alertmanager.url} push_url={wrong_url}")

    assert run.returncode != 0
    assert "Monitor not found or not active." in run.output
    assert kuma.url.split("//")[1] in run.output
    assert wrong_token not in run.output


def test_check_mode_asks_alertmanager_but_stores_nothing_in_kuma(
    alertmanager: Alertmanager, kuma: Kuma, push_monitor: PushMonitor, tmp_path: Path, monkeypatch
) -> None:
    before = _last_row_id(kuma, push_monitor)
    play = tmp_path / "heartbeat.yml"
    play.write_text(
        "- hosts: localhost\n"
        "  gather_facts: false\n"
        "  tasks:\n"
        "    - name: Check the pipeline without pushing\n"
        "      watchdog.alertmanager_kuma.heartbeat:\n"
        f"        alertmanager_url: {alertmanager.url}\n"
        "        push_url: \"{{ lookup('ansible.builtin.env', 'KUMA_PUSH_URL') }}\"\n"
        "      register: heartbeat\n"
        "    - name: Show the verdict\n"
        "      ansible.builtin.assert:\n"
        "        that: [heartbeat.status == 'up', not heartbeat.pushed]\n"
    )

    monkeypatch.setenv("KUMA_PUSH_URL", push_monitor.push_url)

    run = playbook(play, "--check")

    assert run.returncode == 0, run.output
    # The push would have been the row after `before`; a second real push proves Kuma was listening.
    assert kuma.heartbeats(push_monitor.id, after_id=before) == []
    assert adhoc(f"alertmanager_url={alertmanager.url} push_url={push_monitor.push_url}").returncode == 0
    assert kuma.wait_for_heartbeat(push_monitor.id, pushed(UP), after_id=before)
    assert push_monitor.token not in run.output


def test_a_bad_option_is_refused_by_name_and_nothing_reaches_kuma(
    alertmanager: Alertmanager, kuma: Kuma, push_monitor: PushMonitor
) -> None:
    refused = {
        "alertmanager_url=ftp://127.0.0.1:9093": "alertmanager_url",
        'matchers=alertname=~"("': "matchers[0]",
        "timeout=-1": "timeout",
        "retries=-2": "retries",
    }
    for bad, option in refused.items():
        args = f"alertmanager_url={alertmanager.url} push_url={push_monitor.push_url} {bad}"
        run = adhoc(args)
        assert run.returncode != 0, bad
        assert f"Invalid option {option}" in run.output, run.output
        assert push_monitor.token not in run.output
    no_path = push_monitor.push_url.replace("/api/push/", "/api/pull/")
    run = adhoc(f"alertmanager_url={alertmanager.url} push_url={no_path}")
    assert "Invalid option push_url" in run.output
    assert push_monitor.token not in run.output
    assert kuma.heartbeats(push_monitor.id) == []
