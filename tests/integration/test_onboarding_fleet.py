"""Onboarding a booted fleet with one secret: the onboard playbook creates one Kuma monitor per host and check, bound
to the fleet's notification and in its group, each host's timer pushes UP to its own, a rerun changes nothing, the
check playbook shows the fleet and whom each monitor pages, a host that falls silent pages for its own monitor only,
removal deletes monitors and units; and run through ansible-runner (AWX's engine) no job event or artifact holds a
secret."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import ansible_runner
import pytest
import requests
import yaml
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._push_token import derive_push_token

from lab import Alertmanager, HeartbeatStatus, Kuma, pushed
from lab.ansible import ANSIBLE_PLAYBOOK, Run
from lab.ansible import playbook as run_playbook
from lab.fleet import Fleet, deploy_checks
from lab.kuma import NO_PUSH_MSG
from lab.pager import Pager, kuma_pager, page_heartbeat, page_monitor

pytestmark = pytest.mark.fleet

# Loopback addresses of its own, clear of the molecule (.11, .12), inventory (.21, .22) and pipeline (.31) tests.
FIRST_ADDRESS = 41
HOSTS = ["onboard-a", "onboard-b"]
SECRET = "fleet-token-secret-for-the-onboarding-test"
INTERVAL = 10
RUN_SLACK = 10
ONBOARD = "watchdog.alertmanager_kuma.onboard"
CHECK = "watchdog.alertmanager_kuma.check"
GROUP = "onboarded fleet"
KUMA_INTERVAL = 20  # twice the timer's, at least Kuma's shortest


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fleet]:
    with Fleet.boot(len(HOSTS), tmp_path_factory.mktemp("onboard-fleet"), HOSTS, FIRST_ADDRESS) as booted:
        yield booted


@pytest.fixture(scope="module")
def fleet_pager(kuma: Kuma) -> Iterator[Pager]:
    """The fleet's notification in Kuma, whose pages a recorder on loopback keeps."""
    with kuma_pager(kuma, "onboarded fleet pager") as made:
        yield made


def _checks(alertmanager: Alertmanager, state: str = "present") -> dict[str, list[dict]]:
    main = {"name": "main", "alertmanager_url": alertmanager.url, "interval": INTERVAL, "state": state}
    return {
        "onboard-a": [main],
        "onboard-b": [main, dict(main, name="second", kuma_monitor="onboard-b second watchdog")],
    }


def _monitor_names() -> list[str]:
    return ["onboard-a/main", "onboard-b/main", "onboard-b second watchdog"]


def _write_group_vars(workdir: Path, kuma: Kuma, pager: Pager | None = None) -> None:
    group_vars = workdir / "group_vars"
    group_vars.mkdir(parents=True, exist_ok=True)
    fleet_vars = {
        "heartbeat_kuma_url": kuma.url,
        "heartbeat_kuma_username": kuma.username,
        "heartbeat_kuma_password": kuma.password,
        "heartbeat_token_secret": SECRET,
    }
    if pager is not None:
        fleet_vars.update(heartbeat_kuma_notifications=[pager.name], heartbeat_kuma_group=GROUP)
    (group_vars / "heartbeat_hosts.yml").write_text(yaml.safe_dump(fleet_vars))


def _secrets(kuma: Kuma) -> list[str]:
    tokens = [derive_push_token(name, SECRET) for name in _monitor_names()]
    return [kuma.password, SECRET, *tokens]


def _assert_no_secret(text: str, kuma: Kuma, where: str) -> None:
    leaked = [index for index, secret in enumerate(_secrets(kuma)) if secret in text]
    assert not leaked, f"{where} holds secret(s) #{leaked} (0 password, 1 token secret, then push tokens)"


def _onboard(fleet: Fleet, workdir: Path, kuma: Kuma, pager: Pager | None, checks: dict, *extra: str) -> Run:
    _write_group_vars(workdir, kuma, pager)
    run = deploy_checks(fleet, workdir, checks, *extra, playbook=ONBOARD)
    _assert_no_secret(run.stdout + run.stderr, kuma, "the onboard output")
    return run


def _recap_changed(output: str) -> dict[str, int]:
    recap = output[output.index("PLAY RECAP") :]
    return {
        line.split()[0]: int(line.split("changed=")[1].split()[0]) for line in recap.splitlines() if "changed=" in line
    }


def _run_check_playbook(fleet: Fleet, workdir: Path) -> Run:
    inventory = fleet.write_inventory(workdir / "hosts.ini")
    return run_playbook(CHECK, "-i", str(inventory), cwd=workdir, timeout=300, verbose=False)


def test_onboard_creates_a_monitor_per_host_and_check_that_its_timer_pushes_to_then_removes_them(
    fleet: Fleet, kuma: Kuma, alertmanager: Alertmanager, fleet_pager: Pager, tmp_path: Path
) -> None:
    first = _onboard(fleet, tmp_path, kuma, fleet_pager, _checks(alertmanager), "--diff", "-vvv")
    assert first.returncode == 0, (first.stdout + first.stderr)[-4000:]

    stored = {monitor["name"]: monitor for monitor in kuma.monitors()}
    for name in _monitor_names():
        assert stored[name]["pushToken"] == derive_push_token(name, SECRET), name
        assert (stored[name]["type"], stored[name]["interval"], stored[name]["maxretries"]) == ("push", 20, 0)
        assert kuma.notification_bindings(stored[name]["id"]) == {fleet_pager.id}, name
        assert stored[name]["parent"] == stored[GROUP]["id"], name
        kuma.wait_for_heartbeat(stored[name]["id"], pushed(HeartbeatStatus.UP), timeout=INTERVAL + RUN_SLACK)
    assert stored[GROUP]["type"] == "group"

    again = _onboard(fleet, tmp_path, kuma, fleet_pager, _checks(alertmanager))
    assert again.returncode == 0, again.stdout[-4000:]
    assert _recap_changed(again.stdout) == dict.fromkeys(HOSTS, 0), again.stdout[-2000:]

    checked = _run_check_playbook(fleet, tmp_path)
    assert checked.returncode == 0, checked.stdout[-4000:]
    for host, check in (("onboard-a", "main"), ("onboard-b", "main"), ("onboard-b", "second")):
        assert f'"{host} | {check} | up | ' in checked.stdout, checked.stdout[-3000:]
        row = next(line for line in checked.stdout.splitlines() if f'"{host} | {check} | up | ' in line)
        assert row.rstrip(",").endswith(f' | pages {fleet_pager.name}"'), row
    _assert_no_secret(checked.stdout + checked.stderr, kuma, "the check output")

    removed = _onboard(fleet, tmp_path, kuma, fleet_pager, _checks(alertmanager, state="absent"))
    assert removed.returncode == 0, removed.stdout[-4000:]
    left = {monitor["name"] for monitor in kuma.monitors()} & set(_monitor_names())
    assert left == set(), f"monitors left in Kuma: {left}"
    for host in fleet.hosts:
        units = host.ssh("ls /etc/alertmanager-kuma/heartbeat /etc/systemd/system | grep -E 'json|@(main|second)'")
        assert units.stdout == "", f"{host.name}: {units.stdout}"


def test_a_host_that_falls_silent_pages_for_its_own_monitor_only_and_a_monitor_paging_nobody_fails_the_check(
    fleet: Fleet, kuma: Kuma, alertmanager: Alertmanager, fleet_pager: Pager, tmp_path: Path
) -> None:
    checks = _checks(alertmanager)
    checks["onboard-b"][1]["kuma_notifications"] = []  # paging nobody, on purpose
    onboarded = _onboard(fleet, tmp_path, kuma, fleet_pager, checks)
    assert onboarded.returncode == 0, onboarded.stdout[-4000:]
    try:
        stored = {monitor["name"]: monitor for monitor in kuma.monitors()}
        for name in _monitor_names():
            kuma.wait_for_heartbeat(stored[name]["id"], pushed(HeartbeatStatus.UP), timeout=INTERVAL + RUN_SLACK)

        checked = _run_check_playbook(fleet, tmp_path)
        assert checked.returncode != 0
        assert (
            "1 check(s) whose Kuma monitor would not page: second (monitor onboard-b second watchdog pages nobody)"
            in checked.stdout
        ), checked.stdout[-3000:]
        assert "0 check(s) down" in checked.stdout

        silent = next(host for host in fleet.hosts if host.name == "onboard-a")
        silenced_at = time.time()
        silent.ssh("systemctl stop alertmanager-kuma-heartbeat@main.timer")
        page = fleet_pager.wait_for_page(
            "onboard-a/main", HeartbeatStatus.DOWN, NO_PUSH_MSG, timeout=2 * KUMA_INTERVAL + RUN_SLACK
        )
        assert page.body["msg"].startswith("[onboard-a/main] [")
        pages = fleet_pager.pages(since=silenced_at)
        paged = {page_monitor(sent) for sent in pages}
        assert paged == {"onboard-a/main"}, "pages for monitors that did not fall silent: " + "; ".join(
            f"{page_monitor(sent)} {page_heartbeat(sent).get('time')}: {page_heartbeat(sent).get('msg')}"
            for sent in pages
        )
        _assert_no_secret(b"".join(sent.raw for sent in fleet_pager.pages()).decode(), kuma, "a page")
    finally:
        removed = _onboard(fleet, tmp_path, kuma, fleet_pager, _checks(alertmanager, state="absent"))
        assert removed.returncode == 0, removed.stdout[-4000:]


def test_onboarding_a_fleet_that_would_page_nobody_is_refused_before_any_host_or_monitor_changes(
    fleet: Fleet, kuma: Kuma, alertmanager: Alertmanager, tmp_path: Path
) -> None:
    refused = _onboard(fleet, tmp_path, kuma, None, _checks(alertmanager))
    assert refused.returncode != 0
    assert "notifications: onboard-a/main would page nobody: Kuma has no default notification" in refused.stdout, (
        refused.stdout[-3000:]
    )
    assert set(_monitor_names()) & {monitor["name"] for monitor in kuma.monitors()} == set()
    for host in fleet.hosts:
        units = host.ssh("ls /etc/alertmanager-kuma/heartbeat /etc/systemd/system | grep -E 'json|@(main|second)'")
        assert units.stdout == "", f"{host.name}: {units.stdout}"


def test_the_check_playbook_fails_naming_a_down_check(fleet: Fleet, kuma: Kuma, tmp_path: Path) -> None:
    checks = {
        host: [{"name": "main", "alertmanager_url": "http://127.0.0.1:9", "interval": INTERVAL}] for host in HOSTS
    }
    fleet.write_inventory(tmp_path / "hosts.ini")
    _write_group_vars(tmp_path, kuma)
    for host, host_checks in checks.items():
        (tmp_path / "host_vars").mkdir(exist_ok=True)
        (tmp_path / "host_vars" / f"{host}.yml").write_text(yaml.safe_dump({"heartbeat_timer_checks": host_checks}))
    checked = run_playbook(CHECK, "-i", "hosts.ini", cwd=tmp_path, timeout=300, verbose=False)
    assert checked.returncode != 0
    assert '"onboard-a | main | down | Alertmanager unreachable' in checked.stdout, checked.stdout[-3000:]
    assert "1 check(s) down: main" in checked.stdout, checked.stdout[-3000:]


def test_onboard_through_ansible_runner_leaves_no_secret_in_any_job_event_or_artifact(
    fleet: Fleet,
    kuma: Kuma,
    alertmanager: Alertmanager,
    fleet_pager: Pager,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # ansible-runner starts ansible-playbook from PATH, as an execution environment has it.
    monkeypatch.setenv("PATH", f"{ANSIBLE_PLAYBOOK.parent}{os.pathsep}{os.environ['PATH']}")
    private = tmp_path / "runner"
    inventory_dir = private / "inventory"
    inventory_dir.mkdir(parents=True)
    fleet.write_inventory(inventory_dir / "hosts.ini")
    _write_group_vars(inventory_dir, kuma, fleet_pager)
    (inventory_dir / "host_vars").mkdir()
    for host, checks in _checks(alertmanager).items():
        (inventory_dir / "host_vars" / f"{host}.yml").write_text(yaml.safe_dump({"heartbeat_timer_checks": checks}))

    done = ansible_runner.run(private_data_dir=str(private), playbook=ONBOARD, quiet=True, verbosity=3)
    assert done.status == "successful", done.stdout.read()[-4000:]
    events = list(done.events)
    assert any(event.get("event") == "runner_on_ok" for event in events)
    _assert_no_secret(repr(events), kuma, "a job event")
    artifacts = [path for path in (private / "artifacts").rglob("*") if path.is_file()]
    assert artifacts
    for path in artifacts:
        _assert_no_secret(path.read_text(errors="replace"), kuma, str(path.relative_to(private)))

    for host, checks in _checks(alertmanager, state="absent").items():
        (inventory_dir / "host_vars" / f"{host}.yml").write_text(yaml.safe_dump({"heartbeat_timer_checks": checks}))
    removed = ansible_runner.run(private_data_dir=str(private), playbook=ONBOARD, quiet=True)
    assert removed.status == "successful", removed.stdout.read()[-4000:]


STATUS_PAGE = {"slug": "onboarded-fleet", "title": "Onboarded fleet"}
MAINTENANCE = "watchdog.alertmanager_kuma.maintenance"


def _maintenance(workdir: Path, host: str, *extra: str) -> Run:
    run = run_playbook(MAINTENANCE, "-i", "hosts.ini", "--limit", host, *extra, cwd=workdir, timeout=300)
    assert run.returncode == 0, run.stdout[-4000:]
    return run


def test_a_status_page_lists_the_fleet_and_a_window_on_one_host_silences_its_pages_only_until_it_closes(
    fleet: Fleet, kuma: Kuma, spare_alertmanager, fleet_pager: Pager, tmp_path: Path
) -> None:
    pair = spare_alertmanager()
    with_page = json.dumps({"heartbeat_kuma_status_page": STATUS_PAGE})
    onboarded = _onboard(fleet, tmp_path, kuma, fleet_pager, _checks(pair.alertmanager), "-e", with_page)
    assert onboarded.returncode == 0, onboarded.stdout[-4000:]
    try:
        page = requests.get(f"{kuma.url}/api/status-page/{STATUS_PAGE['slug']}", timeout=10).json()
        sections = [
            (section["name"], [monitor["name"] for monitor in section["monitorList"]])
            for section in page["publicGroupList"]
        ]
        assert sections == [(STATUS_PAGE["title"], _monitor_names())]
        stored = {monitor["name"]: monitor for monitor in kuma.monitors()}
        for name in _monitor_names():
            kuma.wait_for_heartbeat(stored[name]["id"], pushed(HeartbeatStatus.UP), timeout=INTERVAL + RUN_SLACK)

        opened = _maintenance(tmp_path, "onboard-b", "-e", "maintenance_state=present", "-e", "maintenance_minutes=10")
        assert "covers onboard-b second watchdog, onboard-b/main until" in opened.stdout, opened.stdout[-3000:]
        _assert_no_secret(opened.stdout + opened.stderr, kuma, "the maintenance output")
        broken_at = time.time()
        pair.alertmanager.stop()
        # The host outside the window pages, by whichever comes first: its check's DOWN naming the stopped
        # Alertmanager, or Kuma's own "No heartbeat" when a loaded machine delays the check's push (CI saw the latter).
        fleet_pager.wait_for_page(
            "onboard-a/main", HeartbeatStatus.DOWN, timeout=KUMA_INTERVAL + RUN_SLACK, since=broken_at
        )
        for name in ("onboard-b/main", "onboard-b second watchdog"):
            kuma.wait_for_heartbeat(
                stored[name]["id"], pushed(HeartbeatStatus.MAINTENANCE), timeout=INTERVAL + RUN_SLACK
            )
        paged = {page_monitor(sent) for sent in fleet_pager.pages(since=broken_at)}
        assert paged == {"onboard-a/main"}, f"pages during the window for: {paged}"

        closed_at = time.time()
        closed = _maintenance(tmp_path, "onboard-b", "-e", "maintenance_state=absent")
        assert "is closed" in closed.stdout
        # Whichever comes first pages: the check's next DOWN, or Kuma's own "No heartbeat in the time window" (its
        # loop calls any last beat but UP, MAINTENANCE included, a missed push once the window is gone).
        for name in ("onboard-b/main", "onboard-b second watchdog"):
            fleet_pager.wait_for_page(name, HeartbeatStatus.DOWN, timeout=KUMA_INTERVAL + RUN_SLACK, since=closed_at)
    finally:
        removed = _onboard(fleet, tmp_path, kuma, fleet_pager, _checks(pair.alertmanager, state="absent"))
        assert removed.returncode == 0, removed.stdout[-4000:]
