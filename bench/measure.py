"""Run a command and read what it cost from the kernel: wall time, CPU time, peak resident memory."""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

GNU_TIME = "/usr/bin/time"


@dataclass(frozen=True)
class Cost:
    wall_s: float
    cpu_s: float
    peak_rss_kib: int
    returncode: int


def run_once(argv: Sequence[str], env: Mapping[str, str] | None = None) -> Cost:
    """Peak memory comes from GNU time, whose small process forks the command: a child forked or spawned by
    this (large) Python process would count this process's pages in its own peak."""
    with tempfile.NamedTemporaryFile("r") as report, open(os.devnull, "wb") as devnull:
        actions = [(os.POSIX_SPAWN_DUP2, devnull.fileno(), 1), (os.POSIX_SPAWN_DUP2, devnull.fileno(), 2)]
        command = [GNU_TIME, "--format=%M", f"--output={report.name}", *argv]
        started = time.perf_counter()
        pid = os.posix_spawn(GNU_TIME, command, dict(env or os.environ), file_actions=actions)
        _pid, status, usage = os.wait4(pid, 0)
        wall = time.perf_counter() - started
        peak_kib = int(report.read().strip().splitlines()[-1])
    return Cost(wall, usage.ru_utime + usage.ru_stime, peak_kib, os.waitstatus_to_exitcode(status))


@dataclass(frozen=True)
class Summary:
    median_wall_s: float
    median_cpu_s: float
    median_peak_rss_kib: float
    runs: int

    def as_dict(self) -> dict[str, float]:
        return {
            "median_wall_s": round(self.median_wall_s, 4),
            "median_cpu_s": round(self.median_cpu_s, 4),
            "median_peak_rss_kib": round(self.median_peak_rss_kib),
            "runs": self.runs,
        }


def summarise(costs: Sequence[Cost], accept: Collection[int] = (0,)) -> Summary:
    """`accept`: the exit codes of a run that did its work (a heartbeat that pushed down exits 1)."""
    failed = [cost for cost in costs if cost.returncode not in accept]
    if failed:
        raise RuntimeError(f"{len(failed)} of {len(costs)} runs failed (exit {failed[0].returncode})")
    return Summary(
        statistics.median(cost.wall_s for cost in costs),
        statistics.median(cost.cpu_s for cost in costs),
        statistics.median(cost.peak_rss_kib for cost in costs),
        len(costs),
    )


def interleaved(
    commands: Mapping[str, Sequence[str]],
    runs: int,
    env: Mapping[str, str] | None = None,
    accept: Collection[int] = (0,),
) -> dict:
    """Run each command `runs` times, alternating, so drift in the machine's load hits all of them alike."""
    costs: dict[str, list[Cost]] = {name: [] for name in commands}
    for _run in range(runs):
        for name, argv in commands.items():
            costs[name].append(run_once(argv, env))
    return {name: summarise(found, accept) for name, found in costs.items()}
