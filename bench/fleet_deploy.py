"""Benchmark 3: the deploy playbook on 1, 2 and 4 booted hosts, first and second run, against a floor playbook
(bench/floor_deploy.yml) that only copies the same files and enables the timers."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import yaml

from lab.fleet import Fleet

REPO_ROOT = Path(__file__).resolve().parent.parent
ANSIBLE_PLAYBOOK = str(Path(sys.executable).parent / "ansible-playbook")
FLOOR = REPO_ROOT / "bench" / "floor_deploy.yml"
FIRST_ADDRESS = 41
GOALS = {"first": 1.5, "second": 1.3}


def _timed(playbook: str, inventory: Path) -> float:
    started = time.perf_counter()
    subprocess.run([ANSIBLE_PLAYBOOK, "-i", str(inventory), playbook], check=True, capture_output=True, timeout=600)
    return time.perf_counter() - started


def _two_runs(playbook: str, count: int, workdir: Path, check: dict) -> tuple[float, float]:
    with Fleet.boot(count, workdir, [f"bench-{index}" for index in range(count)], FIRST_ADDRESS) as fleet:
        inventory = fleet.write_inventory(workdir / "hosts.ini")
        (workdir / "group_vars").mkdir(exist_ok=True)
        (workdir / "group_vars" / "heartbeat_hosts.yml").write_text(yaml.safe_dump({"heartbeat_timer_checks": [check]}))
        return _timed(playbook, inventory), _timed(playbook, inventory)


def measure(workdir: Path, check: dict, counts: tuple[int, ...] = (1, 2, 4)) -> dict:
    by_hosts = {}
    for count in counts:
        floor_first, floor_second = _two_runs(str(FLOOR), count, workdir / f"floor-{count}", check)
        role_first, role_second = _two_runs(
            "watchdog.alertmanager_kuma.deploy", count, workdir / f"role-{count}", check
        )
        by_hosts[str(count)] = {
            "first_s": round(role_first, 2),
            "second_s": round(role_second, 2),
            "first_floor_s": round(floor_first, 2),
            "second_floor_s": round(floor_second, 2),
            "first_ratio": round(role_first / floor_first, 3),
            "second_ratio": round(role_second / floor_second, 3),
            "first_goal": GOALS["first"],
            "second_goal": GOALS["second"],
        }
    return {"by_hosts": by_hosts}
