"""AWX job slicing: the inventory split in two slices, each onboarded and checked by its own ansible-runner run with
a limit (as AWX runs a sliced job), gives the monitors, timers, status page and verdicts of one run over both hosts,
and that one run afterwards changes nothing. slice-a's monitor has a name of its own (kuma_monitor), slice-b's the
derived HOST/CHECK: the second slice lists the first's on the status page from the inventory."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ansible_runner
import pytest
import yaml
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._push_token import derive_push_token

from lab import Alertmanager, HeartbeatStatus, Kuma, pushed
from lab.ansible import ANSIBLE_PLAYBOOK
from lab.fleet import Fleet
from lab.pager import Pager, kuma_pager

pytestmark = pytest.mark.fleet

# Loopback addresses of its own, clear of the other booted-host tests.
FIRST_ADDRESS = 93
HOSTS = ["slice-a", "slice-b"]
SECRET = "fleet-token-secret-for-the-slicing-test"
INTERVAL = 10
RUN_SLACK = 10
ONBOARD = "watchdog.alertmanager_kuma.onboard"
CHECK = "watchdog.alertmanager_kuma.check"
GROUP = "sliced fleet"
STATUS_PAGE = {"slug": "sliced-fleet", "title": "Sliced fleet"}
TIMER = "alertmanager-kuma-heartbeat@{check}.timer"


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fleet]:
    with Fleet.boot(len(HOSTS), tmp_path_factory.mktemp("sliced-fleet"), HOSTS, FIRST_ADDRESS) as booted:
        yield booted


def _checks(alertmanager: Alertmanager) -> dict[str, list[dict[str, Any]]]:
    main = {"name": "main", "alertmanager_url": alertmanager.url, "interval": INTERVAL}
    return {"slice-a": [dict(main, kuma_monitor="slice-a watchdog")], "slice-b": [main]}


MONITORS = {"slice-a": ["slice-a watchdog"], "slice-b": ["slice-b/main"]}
CHECKS = {"slice-a": ["main"], "slice-b": ["main"]}


def _private_data_dir(workdir: Path, fleet: Fleet, kuma: Kuma, pager: Pager) -> Path:
    """An ansible-runner private data dir as AWX gives a job: the whole inventory, its group_vars and host_vars."""
    inventory = workdir / "inventory"
    (inventory / "host_vars").mkdir(parents=True)
    (inventory / "group_vars").mkdir()
    fleet.write_inventory(inventory / "hosts.ini")
    fleet_vars = {
        "heartbeat_kuma_url": kuma.url,
        "heartbeat_kuma_username": kuma.username,
        "heartbeat_kuma_password": kuma.password,
        "heartbeat_token_secret": SECRET,
        "heartbeat_kuma_notifications": [pager.name],
        "heartbeat_kuma_group": GROUP,
        "heartbeat_kuma_status_page": STATUS_PAGE,
        # As the README advises for fleets; here it keeps the five onboard runs within the test's time.
        "ansible_pipelining": True,
    }
    (inventory / "group_vars" / "heartbeat_hosts.yml").write_text(yaml.safe_dump(fleet_vars))
    return workdir


def _write_checks(private: Path, checks: dict[str, list[dict[str, Any]]]) -> None:
    for host, host_checks in checks.items():
        path = private / "inventory" / "host_vars" / f"{host}.yml"
        path.write_text(yaml.safe_dump({"heartbeat_timer_checks": host_checks}))


def _run(private: Path, playbook: str, limit: str | None = None) -> Any:
    """One ansible-runner run, as one AWX job (or one slice of a sliced job, with its limit)."""
    return ansible_runner.run(private_data_dir=str(private), playbook=playbook, limit=limit, quiet=True)


def _changed(run: Any) -> dict[str, int]:
    return {host: run.stats["changed"].get(host, 0) for host in run.stats["processed"]}


def _table(run: Any) -> list[tuple[str, ...]]:
    """The check playbook's table, as the job's event shows it, each row's host, check, verdict and Kuma column (the
    reason carries the Watchdog's age)."""
    shown = next(
        event["event_data"]["res"]["msg"]
        for event in run.events
        if event.get("event") == "runner_on_ok" and event["event_data"].get("task") == "Show the fleet's heartbeats"
    )
    assert shown[0] == "HOST | CHECK | VERDICT | REASON | KUMA"
    rows = [tuple(cell.strip() for cell in line.split(" | ")) for line in shown[1:]]
    return [(host, check, verdict, audit) for host, check, verdict, _reason, audit in rows]


def _expected_rows(pager: Pager, *hosts: str) -> list[tuple[str, ...]]:
    return [(host, check, "up", f"pages {pager.name}") for host in hosts for check in CHECKS[host]]


def _sections(kuma: Kuma) -> list[tuple[str, list[str]]]:
    page = kuma.status_page_json(STATUS_PAGE["slug"])["publicGroupList"]
    return [(section["name"], [monitor["name"] for monitor in section["monitorList"]]) for section in page]


def _assert_no_secret(run: Any, kuma: Kuma) -> None:
    """No password, token secret or push token in the job's events (the sliced run's Kuma read included)."""
    tokens = [derive_push_token(name, SECRET) for names in MONITORS.values() for name in names]
    events = repr(list(run.events))
    leaked = [index for index, secret in enumerate([kuma.password, SECRET, *tokens]) if secret in events]
    assert not leaked, f"the job's events hold secret(s) #{leaked} (0 password, 1 token secret, then push tokens)"


def _delete_from_kuma(kuma: Kuma) -> None:
    """The test's monitors, group and status page, in the lab's one session (the hosts stop with the module)."""
    ours = {name for names in MONITORS.values() for name in names} | {GROUP}
    for monitor in kuma.monitors():
        if monitor["name"] in ours:
            kuma.delete_monitor(monitor["id"])
    kuma.api.request("delete the status page", "deleteStatusPage", STATUS_PAGE["slug"])


def _assert_onboarded(fleet: Fleet, kuma: Kuma, pager: Pager, host: str) -> None:
    stored = {monitor["name"]: monitor for monitor in kuma.monitors()}
    for name in MONITORS[host]:
        assert stored[name]["pushToken"] == derive_push_token(name, SECRET), name
        assert stored[name]["parent"] == stored[GROUP]["id"], name
        assert kuma.notification_bindings(stored[name]["id"]) == {pager.id}, name
        kuma.wait_for_heartbeat(stored[name]["id"], pushed(HeartbeatStatus.UP), timeout=INTERVAL + RUN_SLACK)
    booted = next(booted for booted in fleet.hosts if booted.name == host)
    timers = " ".join(TIMER.format(check=check) for check in CHECKS[host])
    states = booted.ssh(f"systemctl is-enabled {timers}; systemctl is-active {timers}").stdout.split()
    assert states == ["enabled"] * len(CHECKS[host]) + ["active"] * len(CHECKS[host]), f"{host}: {states}"


def test_two_slices_onboard_and_check_the_fleet_as_one_run_does_and_one_run_afterwards_changes_nothing(
    fleet: Fleet, kuma: Kuma, alertmanager: Alertmanager, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # ansible-runner starts ansible-playbook from PATH, as an execution environment has it.
    monkeypatch.setenv("PATH", f"{ANSIBLE_PLAYBOOK.parent}{os.pathsep}{os.environ['PATH']}")
    with kuma_pager(kuma, "sliced fleet pager") as pager:
        private = _private_data_dir(tmp_path / "runner", fleet, kuma, pager)
        _write_checks(private, _checks(alertmanager))
        try:
            first = _run(private, ONBOARD, limit="slice-a")
            assert first.status == "successful", first.stdout.read()[-4000:]
            assert set(first.stats["processed"]) == {"slice-a"}
            _assert_onboarded(fleet, kuma, pager, "slice-a")
            assert not {monitor["name"] for monitor in kuma.monitors()} & set(MONITORS["slice-b"])
            assert _sections(kuma) == [(STATUS_PAGE["title"], MONITORS["slice-a"])]
            untouched = fleet.hosts[1].ssh(f"systemctl list-unit-files '{TIMER.format(check='*')}' --no-legend")
            assert untouched.stdout.strip() == "", untouched.stdout

            second = _run(private, ONBOARD, limit="slice-b")
            assert second.status == "successful", second.stdout.read()[-4000:]
            assert set(second.stats["processed"]) == {"slice-b"}
            _assert_no_secret(second, kuma)
            for host in HOSTS:
                _assert_onboarded(fleet, kuma, pager, host)
            # The second slice keeps the first slice's section: the page lists the fleet, as one run's does.
            assert _sections(kuma) == [(STATUS_PAGE["title"], MONITORS["slice-a"] + MONITORS["slice-b"])]

            tables = {host: _run(private, CHECK, limit=host) for host in HOSTS}
            for host, checked in tables.items():
                assert checked.status == "successful", checked.stdout.read()[-4000:]
                assert _table(checked) == _expected_rows(pager, host)

            monitors = sorted((monitor["name"], monitor["id"]) for monitor in kuma.monitors())
            whole = _run(private, ONBOARD)
            assert whole.status == "successful", whole.stdout.read()[-4000:]
            assert _changed(whole) == dict.fromkeys(HOSTS, 0), whole.stdout.read()[-4000:]
            assert sorted((monitor["name"], monitor["id"]) for monitor in kuma.monitors()) == monitors
            assert _sections(kuma) == [(STATUS_PAGE["title"], MONITORS["slice-a"] + MONITORS["slice-b"])]
            checked = _run(private, CHECK)
            assert checked.status == "successful", checked.stdout.read()[-4000:]
            assert _table(checked) == _table(tables["slice-a"]) + _table(tables["slice-b"])
        finally:
            _delete_from_kuma(kuma)
