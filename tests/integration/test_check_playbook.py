"""The check playbook as an operator runs it, on this machine, against each Alertmanager and Prometheus of the lab's
matrix: its table says up for a healthy pipeline, and the play fails naming the check whose Watchdog is silenced."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lab import Kuma, PushMonitor
from lab.ansible import Run, playbook
from lab.stack import WATCHDOG_MATCH

pytestmark = pytest.mark.alerting_versions
CHECK = "watchdog.alertmanager_kuma.check"


def _check(workdir: Path, alertmanager_url: str, prometheus_url: str, push_monitor: PushMonitor) -> Run:
    """The check playbook over one local host with one check; the inventory as JSON, which YAML reads as it is."""
    host = {
        "ansible_connection": "local",
        "ansible_python_interpreter": "{{ ansible_playbook_python }}",
        # The play asks for root; the suite already runs as root, with no sudo on the machine.
        "ansible_become": False,
        "heartbeat_timer_checks": [
            {
                "name": "main",
                "alertmanager_url": alertmanager_url,
                "prometheus_url": prometheus_url,
                "push_url": push_monitor.push_url,
                # Its own state file: the default lives under /var/lib, shared with nothing in the suite.
                "state_path": str(workdir / "state.json"),
            }
        ],
    }
    inventory = workdir / "inventory.yml"
    inventory.write_text(json.dumps({"heartbeat_hosts": {"hosts": {"lab-host": host}}}))
    return playbook(CHECK, "-i", str(inventory), cwd=workdir, timeout=300, verbose=False)


def test_the_table_says_up_for_a_healthy_pipeline_and_nothing_reaches_kuma(
    spare_alertmanager, kuma: Kuma, push_monitor: PushMonitor, tmp_path: Path
) -> None:
    pair = spare_alertmanager()

    run = _check(tmp_path, pair.alertmanager.url, pair.prometheus.url, push_monitor)

    assert run.returncode == 0, run.output[-3000:]
    assert '"lab-host | main | up | ' in run.stdout, run.stdout[-3000:]
    assert kuma.heartbeats(push_monitor.id) == []
    assert push_monitor.token not in run.output


def test_a_silenced_watchdog_fails_the_play_naming_the_check_and_the_silence(
    spare_alertmanager, push_monitor: PushMonitor, tmp_path: Path
) -> None:
    pair = spare_alertmanager()
    pair.alertmanager.silence(WATCHDOG_MATCH, comment="planned work")

    run = _check(tmp_path, pair.alertmanager.url, pair.prometheus.url, push_monitor)

    assert run.returncode != 0
    row = next((line for line in run.stdout.splitlines() if '"lab-host | main | down | ' in line), None)
    assert row is not None, run.stdout[-3000:]
    assert "silenced by lab" in row and "planned work" in row, row
    assert "1 check(s) down" in run.stdout
