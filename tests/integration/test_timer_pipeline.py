"""The heartbeat_timer role on a booted systemd host, with an Alertmanager that cannot deliver its notifications.

What the molecule scenario (test_heartbeat_timer_molecule.py) already proves on booted hosts is not repeated here:
UP rows from a healthy pipeline, the state file existing with counters, no token in a healthy run's units and journal,
exposure 1.5 or lower. This test adds what issue #10 asks of the timer: the state kept in the unit's StateDirectory
changes from run to run and is what the next run compares with; a delivery failure reaches Kuma as DOWN within one
interval; UP once the receiver works again; no token in what a failing and recovering timer wrote; exposure 1.1.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lab import AlertmanagerConfig, HeartbeatStatus, Kuma, PushMonitor, WebhookRecorder, pushed
from lab.fleet import BootedHost, Fleet, deploy_checks
from lab.polling import poll_until
from lab.ports import free_port

pytestmark = pytest.mark.fleet

UP, DOWN = HeartbeatStatus.UP, HeartbeatStatus.DOWN
# A loopback address of its own, clear of the molecule scenario's (.11, .12) and the inventory test's (.21, .22).
FIRST_ADDRESS = 31
CHECK = "pipeline"
UNIT = f"alertmanager-kuma-heartbeat@{CHECK}"
# Where a user looks: DynamicUser= keeps the directory under /var/lib/private and links it from here.
STATE_DIR = f"/var/lib/alertmanager-kuma/heartbeat-{CHECK}"
STATE_FILE = f"{STATE_DIR}/state.json"
INTERVAL = 10
# One run of the timer: python starting, two loopback requests, one push; the timer's accuracy is 1 s.
RUN_SLACK = 5
# Alertmanager gives a notification up after its retries, about 10 s after the first attempt.
GIVE_UP_SECONDS = 60
MAX_EXPOSURE = 1.1
DELIVERY_FAILED = "webhook notifications failed since the last check"


@pytest.fixture
def host(tmp_path: Path) -> Iterator[tuple[Fleet, BootedHost]]:
    with Fleet.boot(1, tmp_path / "fleet", ["timer-pipeline"], FIRST_ADDRESS) as fleet:
        yield fleet, fleet.hosts[0]


def _state(host: BootedHost) -> dict[str, Any] | None:
    shown = host.ssh(f"cat {STATE_FILE}")
    return json.loads(shown.stdout) if shown.returncode == 0 else None


def _failed_webhooks(state: dict[str, Any]) -> float:
    """The failed count of the webhook integration in the kept counters ([total, failed])."""
    return float(state["notifications"]["webhook"][1])


def _exposure(host: BootedHost) -> tuple[float, str]:
    analyzed = host.ssh(f"systemd-analyze security --no-pager {UNIT}.service")
    last_line = (analyzed.stdout.strip().splitlines() or [analyzed.stderr])[-1]
    score = re.search(r"Overall exposure level for \S+: ([0-9.]+)", analyzed.stdout)
    assert score, f"systemd-analyze security said: {analyzed.stdout[-2000:]}{analyzed.stderr}"
    return float(score.group(1)), last_line


def test_the_timer_keeps_state_and_turns_kuma_down_within_one_interval_when_alertmanager_cannot_deliver(
    host: tuple[Fleet, BootedHost], spare_alertmanager, kuma: Kuma, push_monitor: PushMonitor, tmp_path: Path
) -> None:
    fleet, booted = host
    port = free_port()
    pair = spare_alertmanager(AlertmanagerConfig(webhook_url=f"http://127.0.0.1:{port}/hook", repeat_interval="1s"))
    check = {
        "name": CHECK,
        "alertmanager_url": pair.alertmanager.url,
        "push_url": push_monitor.push_url,
        "interval": INTERVAL,
    }

    deployed = deploy_checks(fleet, tmp_path, {booted.name: [check]}, timeout=300)

    assert deployed.returncode == 0, (deployed.stdout + deployed.stderr)[-3000:]
    assert push_monitor.token not in deployed.stdout + deployed.stderr
    state_directory = booted.ssh(f"systemctl show --property=StateDirectory {UNIT}.service").stdout.strip()
    assert state_directory == f"StateDirectory=alertmanager-kuma/heartbeat-{CHECK}"

    # The state is kept across runs: each run rewrites it, and the next one compares with it.
    first = poll_until(
        lambda: _state(booted),
        timeout=INTERVAL + RUN_SLACK,
        describe_failure=lambda: f"no {STATE_FILE}; journal:\n{booted.ssh(f'journalctl --no-pager -u {UNIT}').stdout}",
    )
    assert first["alertmanager_url"] == pair.alertmanager.url
    second = poll_until(
        lambda: (state := _state(booted)) and state["checked_at"] > first["checked_at"] and state,
        timeout=INTERVAL + RUN_SLACK,
        describe_failure=lambda: f"{STATE_FILE} unchanged since the first run: {first} / now {_state(booted)}",
    )
    assert second["checked_at"] - first["checked_at"] == pytest.approx(INTERVAL, abs=2), (first, second)
    where, owner, mode = booted.ssh(f"readlink -f {STATE_DIR}; stat -c '%U %a' {STATE_FILE}").stdout.split()
    assert where == f"/var/lib/private/alertmanager-kuma/heartbeat-{CHECK}"
    assert owner != "root" and mode == "600", f"state file owner {owner}, mode {mode} (want the dynamic user, 600)"

    # A webhook notification Alertmanager gives up on after the kept counters reaches Kuma within one interval.
    webhook = {"integration": "webhook"}
    poll_until(
        lambda: (
            (pair.alertmanager.metric("alertmanager_notifications_failed_total", webhook) or 0)
            > _failed_webhooks(second)
        ),
        timeout=GIVE_UP_SECONDS,
        describe_failure=lambda: f"Alertmanager counted no failed webhook notification after {second}",
    )
    down = kuma.wait_for_heartbeat(
        push_monitor.id,
        lambda row: pushed(DOWN)(row) and DELIVERY_FAILED in (row.msg or ""),
        timeout=INTERVAL + RUN_SLACK,
    )
    assert (down.msg or "").startswith("Alertmanager cannot deliver notifications:"), down

    with WebhookRecorder(port) as receiver:
        receiver.wait_for(lambda notification: notification.get("status") == "firing", timeout=GIVE_UP_SECONDS)
        # Only a run after the receiver took a notification counts: an UP in between would prove nothing.
        delivered_after = max(row.id for row in kuma.heartbeats(push_monitor.id))
        kuma.wait_for_heartbeat(
            push_monitor.id, pushed(UP), timeout=GIVE_UP_SECONDS + 2 * INTERVAL, after_id=delivered_after
        )

    # No token in what the failing and recovering timer left: its state, its units, its journal.
    surface = booted.ssh(
        f"cat {STATE_FILE} /etc/systemd/system/{UNIT.split('@', maxsplit=1)[0]}@.* /etc/systemd/system/{UNIT}.*.d/*;"
        f" systemctl show {UNIT}.service {UNIT}.timer; journalctl --no-pager -o verbose"
    ).stdout
    unit_journal = booted.ssh(f"journalctl --no-pager -u {UNIT}.service").stdout
    assert "status=down" in unit_journal and "status=up" in unit_journal, unit_journal[-3000:]
    assert f"push_host=127.0.0.1:{kuma.port}" in unit_journal, unit_journal[-3000:]
    assert "LoadCredential=settings:" in surface and '"checked_at"' in surface, surface[-3000:]
    assert push_monitor.token not in surface, "the push token is in the state file, a unit or the journal"

    exposure, said = _exposure(booted)
    assert exposure <= MAX_EXPOSURE, said
