"""The heartbeat_timer role's molecule scenario: two booted systemd hosts, the real Alertmanager and Uptime Kuma.

The scenario (extensions/molecule/default) boots the hosts, checks the role in check mode on them fresh,
converges, proves idempotence, and verifies what a user would check: each host's timer made Kuma store UP
heartbeats, the hardening systemd applied and its security score, no token in units, `systemctl show` or the
journal, DOWN with the reason once Alertmanager stops, and nothing left after removal. This test gives it the
servers and then reads Kuma's table itself too.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lab import AlertmanagerConfig, HeartbeatStatus, Kuma, pushed

REPO_ROOT = Path(__file__).resolve().parents[2]
HOSTS = ("host-a", "host-b")
# host-a runs the relay on its own loopback address (extensions/molecule/default/molecule.yml).
RELAY_WEBHOOK = "http://127.0.0.11:8081/push"
MOLECULE_TIMEOUT = 900


@pytest.mark.fleet
def test_the_molecule_scenario_proves_the_timers_on_two_booted_hosts(
    spare_alertmanager, kuma: Kuma, tmp_path: Path
) -> None:
    pair = spare_alertmanager(AlertmanagerConfig(webhook_url=RELAY_WEBHOOK))
    monitors = {host: kuma.create_push_monitor(f"fleet {host}") for host in HOSTS}
    relay_monitor = kuma.create_push_monitor("fleet relay")
    bin_dir = Path(sys.executable).parent
    # The scenario's lab description, as scripts/lab.py writes it when the scenario starts a lab of its own.
    lab_json = tmp_path / "lab.json"
    lab_json.write_text(
        json.dumps(
            {
                "alertmanager_url": pair.alertmanager.url,
                "alertmanager_pid": pair.alertmanager.process.pid,
                "kuma_db": str(kuma.db_path),
                "monitors": {
                    name: {"id": monitor.id, "push_url": monitor.push_url}
                    for name, monitor in [*monitors.items(), ("relay", relay_monitor)]
                },
            }
        )
    )
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}", MOLECULE_LAB_JSON=str(lab_json))
    try:
        run = subprocess.run(
            [str(bin_dir / "molecule"), "test", "--scenario-name", "default"],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=MOLECULE_TIMEOUT,
            check=False,
        )
        output = run.stdout + run.stderr
        log = tmp_path / "molecule.log"
        log.write_text(output)
        assert run.returncode == 0, f"molecule failed; whole output in {log}; its end:\n{output[-6000:]}"
        for host, monitor in monitors.items():
            up = kuma.wait_for_heartbeat(monitor.id, pushed(HeartbeatStatus.UP), timeout=1)
            assert 'alertname="Watchdog"' in (up.msg or ""), host
            down = kuma.wait_for_heartbeat(
                monitor.id, pushed(HeartbeatStatus.DOWN, "Alertmanager unreachable: connection refused"), timeout=1
            )
            assert down.id > up.id, host
            assert monitor.token not in output, host
        relayed = kuma.wait_for_heartbeat(relay_monitor.id, pushed(HeartbeatStatus.UP), timeout=1)
        assert relayed.msg == "Alertmanager webhook: Watchdog firing (1 alert) via receiver webhook"
        assert relay_monitor.token not in output
    finally:
        for monitor in [*monitors.values(), relay_monitor]:
            kuma.delete_monitor(monitor.id)
