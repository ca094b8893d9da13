"""The core reaches a booted host as one archive: a fresh host gets it, a rerun changes nothing, a new collection
version replaces it as a unit (the relay restarts on it, the next timer run uses it), and the last program removed
takes it away."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from lab.ansible import Run, ansible_env
from lab.ansible import playbook as run_playbook
from lab.collection import REPO_ROOT
from lab.fleet import BootedHost, Fleet

pytestmark = pytest.mark.fleet

# A loopback address of its own, clear of the other booted-host tests.
ADDRESS = 33
TOKEN = "c0reArchiveTok3n"
PUSH_URL = f"http://127.0.0.1:9/api/push/{TOKEN}"
LIB_DIR = "/usr/local/lib/alertmanager-kuma"
RELAY_LAUNCHER = "/usr/local/bin/alertmanager-kuma-relay"
HEARTBEAT_LAUNCHER = "/usr/local/bin/alertmanager-kuma-heartbeat"
# What a later collection version changes in both programs: a line each writes to its journal when it starts.
UPGRADE_MARK = "core-upgrade-mark-7q2"
CHECK = {"name": "main", "alertmanager_url": "http://127.0.0.1:9", "push_url": PUSH_URL, "interval": 30}


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fleet]:
    with Fleet.boot(1, tmp_path_factory.mktemp("core-install"), ["core-install"], ADDRESS) as booted:
        yield booted


def _upgraded_collection(root: Path) -> Path:
    """A copy of the collection whose two program modules differ from this checkout's, as a new version's would."""
    copy = root / "ansible_collections" / "watchdog" / "alertmanager_kuma"
    shutil.copytree(
        REPO_ROOT,
        copy,
        ignore=shutil.ignore_patterns(".git", ".venv", ".cache", ".collections", ".ansible", "tests", "bench"),
    )
    for program in ("_program.py", "_relay_program.py"):
        path = copy / "plugins" / "module_utils" / program
        path.write_text(path.read_text() + f"\nprint({UPGRADE_MARK!r}, file=sys.stderr, flush=True)\n")
        assert "\nimport sys\n" in path.read_text(), program
    return root


def _run(fleet: Fleet, workdir: Path, relay: str, checks: list[dict] | None, collections: Path | None = None) -> Run:
    """The relay playbook, then the deploy playbook unless CHECKS is None, on the host, as a user runs them."""
    workdir.mkdir(parents=True, exist_ok=True)
    inventory = fleet.write_inventory(workdir / "hosts.ini")
    (workdir / "host_vars").mkdir(exist_ok=True)
    host_vars = {
        "relay_state": relay,
        "relay_listen": f"{fleet.hosts[0].address}:8081",
        "relay_push_url": PUSH_URL,
        "heartbeat_timer_checks": checks or [],
    }
    (workdir / "host_vars" / f"{fleet.hosts[0].name}.yml").write_text(yaml.safe_dump(host_vars))
    playbook = workdir / "both.yml"
    plays = [{"name": "Relay", "ansible.builtin.import_playbook": "watchdog.alertmanager_kuma.relay"}]
    if checks is not None:
        plays.append({"name": "Timers", "ansible.builtin.import_playbook": "watchdog.alertmanager_kuma.deploy"})
    playbook.write_text(yaml.safe_dump(plays))
    env = ansible_env(ANSIBLE_COLLECTIONS_PATH=str(collections)) if collections else None
    result = run_playbook(
        playbook,
        "-i",
        str(inventory),
        "-e",
        "relay_group=heartbeat_hosts",
        cwd=workdir,
        timeout=300,
        verbose=False,
        env=env,
    )
    assert result.returncode == 0, result.output[-4000:]
    return result


def _changed(result: Run) -> int:
    return int(re.search(r"changed=(\d+)", result.stdout.rsplit("PLAY RECAP", 1)[1]).group(1))


def _relay_pid(host: BootedHost) -> str:
    return host.ssh("systemctl show -p MainPID --value alertmanager-kuma-relay.service").stdout.strip()


def _tick(host: BootedHost) -> str:
    """Run the check's service once, as its timer does, and return what it wrote to the journal."""
    unit = "alertmanager-kuma-heartbeat@main.service"
    host.ssh(f"systemctl start {unit}")
    invocation = host.ssh(f"systemctl show -p InvocationID --value {unit}").stdout.strip()
    assert invocation, f"{unit} did not run"
    return host.ssh(f"journalctl -o cat _SYSTEMD_INVOCATION_ID={invocation}").stdout


def test_the_core_is_one_file_installed_checked_upgraded_and_removed_as_a_unit(fleet: Fleet, tmp_path: Path) -> None:
    host = fleet.hosts[0]
    _run(fleet, tmp_path / "relay-only", "present", None)
    assert host.ssh(f"ls {LIB_DIR}").stdout.split() == ["alertmanager_kuma", "alertmanager_kuma.zip"]
    assert host.ssh("systemctl is-active alertmanager-kuma-relay").stdout.strip() == "active"

    _run(fleet, tmp_path / "relay-removed", "absent", None)
    assert host.ssh(f"ls -d {LIB_DIR} {RELAY_LAUNCHER} 2>&1 | grep -c 'No such file'").stdout.strip() == "2"

    first = _run(fleet, tmp_path / "both", "present", [CHECK])
    rerun = _run(fleet, tmp_path / "both", "present", [CHECK])
    assert _changed(first) > 0
    assert _changed(rerun) == 0, rerun.stdout[-4000:]
    archive_digest = host.ssh(f"sha256sum {LIB_DIR}/alertmanager_kuma.zip").stdout.split()[0]
    assert f"# {archive_digest}  alertmanager_kuma.zip" in host.ssh(f"cat {RELAY_LAUNCHER}").stdout
    before = _tick(host)
    assert "Traceback" not in before and UPGRADE_MARK not in before, before
    relay_pid = _relay_pid(host)

    collections = _upgraded_collection(tmp_path / "upgraded")
    upgrade = _run(fleet, tmp_path / "upgrade", "present", [CHECK], collections)
    assert "Send this collection's core archive, which installs the core" in upgrade.stdout
    assert host.ssh(f"sha256sum {LIB_DIR}/alertmanager_kuma.zip").stdout.split()[0] != archive_digest
    assert _relay_pid(host) not in {relay_pid, "0"}
    relay_log = host.ssh("journalctl -o cat -u alertmanager-kuma-relay.service").stdout
    assert relay_log.count(UPGRADE_MARK) == 1, relay_log
    assert UPGRADE_MARK in _tick(host)

    _run(fleet, tmp_path / "relay-gone", "absent", [CHECK], collections)
    assert host.ssh(f"ls {RELAY_LAUNCHER} 2>&1").returncode != 0
    assert host.ssh(f"ls {LIB_DIR}").stdout.split() == ["alertmanager_kuma", "alertmanager_kuma.zip"]
    after = _tick(host)
    assert UPGRADE_MARK in after and "Traceback" not in after, after
