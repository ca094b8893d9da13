"""Onboarding a booted fleet with one secret: the onboard playbook creates one Kuma monitor per host and check, each
host's timer pushes UP to its own, a rerun changes nothing, the check playbook shows the fleet, removal deletes
monitors and units; and run through ansible-runner (AWX's engine) no job event or artifact holds a secret."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import ansible_runner
import pytest
import yaml
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._push_token import derive_push_token

from lab import Alertmanager, HeartbeatStatus, Kuma, pushed
from lab.fleet import Fleet, deploy_checks
from lab.fleet.deploy import ANSIBLE_PLAYBOOK

pytestmark = pytest.mark.fleet

# Loopback addresses of its own, clear of the molecule (.11, .12), inventory (.21, .22) and pipeline (.31) tests.
FIRST_ADDRESS = 41
HOSTS = ["onboard-a", "onboard-b"]
SECRET = "fleet-token-secret-for-the-onboarding-test"
INTERVAL = 10
RUN_SLACK = 10
ONBOARD = "watchdog.alertmanager_kuma.onboard"
CHECK = "watchdog.alertmanager_kuma.check"


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fleet]:
    with Fleet.boot(len(HOSTS), tmp_path_factory.mktemp("onboard-fleet"), HOSTS, FIRST_ADDRESS) as booted:
        yield booted


def _checks(alertmanager: Alertmanager, state: str = "present") -> dict[str, list[dict]]:
    main = {"name": "main", "alertmanager_url": alertmanager.url, "interval": INTERVAL, "state": state}
    return {
        "onboard-a": [main],
        "onboard-b": [main, dict(main, name="second", kuma_monitor="onboard-b second watchdog")],
    }


def _monitor_names() -> list[str]:
    return ["onboard-a/main", "onboard-b/main", "onboard-b second watchdog"]


def _write_group_vars(workdir: Path, kuma: Kuma) -> None:
    group_vars = workdir / "group_vars"
    group_vars.mkdir(parents=True, exist_ok=True)
    (group_vars / "heartbeat_hosts.yml").write_text(
        yaml.safe_dump(
            {
                "heartbeat_kuma_url": kuma.url,
                "heartbeat_kuma_username": kuma.username,
                "heartbeat_kuma_password": kuma.password,
                "heartbeat_token_secret": SECRET,
            }
        )
    )


def _secrets(kuma: Kuma) -> list[str]:
    tokens = [derive_push_token(name, SECRET) for name in _monitor_names()]
    return [kuma.password, SECRET, *tokens]


def _assert_no_secret(text: str, kuma: Kuma, where: str) -> None:
    leaked = [index for index, secret in enumerate(_secrets(kuma)) if secret in text]
    assert not leaked, f"{where} holds secret(s) #{leaked} (0 password, 1 token secret, then push tokens)"


def _onboard(fleet: Fleet, workdir: Path, kuma: Kuma, checks: dict, *extra: str) -> subprocess.CompletedProcess:
    _write_group_vars(workdir, kuma)
    run = deploy_checks(fleet, workdir, checks, *extra, playbook=ONBOARD)
    _assert_no_secret(run.stdout + run.stderr, kuma, "the onboard output")
    return run


def _recap_changed(output: str) -> dict[str, int]:
    recap = output[output.index("PLAY RECAP") :]
    return {
        line.split()[0]: int(line.split("changed=")[1].split()[0]) for line in recap.splitlines() if "changed=" in line
    }


def test_onboard_creates_a_monitor_per_host_and_check_that_its_timer_pushes_to_then_removes_them(
    fleet: Fleet, kuma: Kuma, alertmanager: Alertmanager, tmp_path: Path
) -> None:
    first = _onboard(fleet, tmp_path, kuma, _checks(alertmanager), "--diff", "-vvv")
    assert first.returncode == 0, (first.stdout + first.stderr)[-4000:]

    stored = {monitor["name"]: monitor for monitor in kuma.monitors()}
    for name in _monitor_names():
        assert stored[name]["pushToken"] == derive_push_token(name, SECRET), name
        assert (stored[name]["type"], stored[name]["interval"], stored[name]["maxretries"]) == ("push", 20, 0)
        kuma.wait_for_heartbeat(stored[name]["id"], pushed(HeartbeatStatus.UP), timeout=INTERVAL + RUN_SLACK)

    again = _onboard(fleet, tmp_path, kuma, _checks(alertmanager))
    assert again.returncode == 0, again.stdout[-4000:]
    assert _recap_changed(again.stdout) == dict.fromkeys(HOSTS, 0), again.stdout[-2000:]

    inventory = fleet.write_inventory(tmp_path / "hosts.ini")
    checked = subprocess.run(
        [str(ANSIBLE_PLAYBOOK), "-i", str(inventory), CHECK],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout[-4000:]
    for host, check in (("onboard-a", "main"), ("onboard-b", "main"), ("onboard-b", "second")):
        assert f'"{host} | {check} | up | ' in checked.stdout, checked.stdout[-3000:]
    _assert_no_secret(checked.stdout + checked.stderr, kuma, "the check output")

    removed = _onboard(fleet, tmp_path, kuma, _checks(alertmanager, state="absent"))
    assert removed.returncode == 0, removed.stdout[-4000:]
    left = {monitor["name"] for monitor in kuma.monitors()} & set(_monitor_names())
    assert left == set(), f"monitors left in Kuma: {left}"
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
    checked = subprocess.run(
        [str(ANSIBLE_PLAYBOOK), "-i", "hosts.ini", CHECK],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
        check=False,
    )
    assert checked.returncode != 0
    assert '"onboard-a | main | down | Alertmanager unreachable' in checked.stdout, checked.stdout[-3000:]
    assert "1 check(s) down: main" in checked.stdout, checked.stdout[-3000:]


def test_onboard_through_ansible_runner_leaves_no_secret_in_any_job_event_or_artifact(
    fleet: Fleet, kuma: Kuma, alertmanager: Alertmanager, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # ansible-runner starts ansible-playbook from PATH, as an execution environment has it.
    monkeypatch.setenv("PATH", f"{ANSIBLE_PLAYBOOK.parent}{os.pathsep}{os.environ['PATH']}")
    private = tmp_path / "runner"
    inventory_dir = private / "inventory"
    inventory_dir.mkdir(parents=True)
    fleet.write_inventory(inventory_dir / "hosts.ini")
    _write_group_vars(inventory_dir, kuma)
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
