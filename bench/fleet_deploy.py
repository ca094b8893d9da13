"""Benchmark 3: the deploy playbook on 1, 2 and 4 booted hosts, first and second run, against a floor playbook
(bench/floor_deploy.yml) that only copies the same files and enables the timers."""

from __future__ import annotations

import time
from pathlib import Path

from lab.fleet import Fleet, deploy_checks
from lab.fleet.deploy import DEPLOY_PLAYBOOK

REPO_ROOT = Path(__file__).resolve().parent.parent
FLOOR = REPO_ROOT / "bench" / "floor_deploy.yml"
FIRST_ADDRESS = 41
GOALS = {"first": 1.5, "second": 1.3}


def _timed(fleet: Fleet, workdir: Path, playbook: str, check: dict) -> float:
    started = time.perf_counter()
    deploy_checks(fleet, workdir, {host.name: [check] for host in fleet.hosts}, playbook=playbook).check_returncode()
    return time.perf_counter() - started


def _two_runs(playbook: str, count: int, workdir: Path, check: dict) -> tuple[float, float]:
    with Fleet.boot(count, workdir, [f"bench-{index}" for index in range(count)], FIRST_ADDRESS) as fleet:
        return _timed(fleet, workdir, playbook, check), _timed(fleet, workdir, playbook, check)


def measure(workdir: Path, check: dict, counts: tuple[int, ...] = (1, 2, 4)) -> dict:
    by_hosts = {}
    for count in counts:
        floor_first, floor_second = _two_runs(str(FLOOR), count, workdir / f"floor-{count}", check)
        role_first, role_second = _two_runs(DEPLOY_PLAYBOOK, count, workdir / f"role-{count}", check)
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
