"""Onboarding a fleet: the onboard playbook (Kuma monitors created in one login, push URLs derived from one secret,
then the timers) on N booted hosts, first run and rerun, against the deploy playbook installing the same timers with
hand-made push URLs (their monitors made beforehand through the lab's Kuma). Wall time of each run, and the
controller's CPU: user + sys of ansible-playbook and every child it reaped (its forks, ssh), divided by hosts.

    .venv/bin/python bench/onboard_fleet.py [--hosts 8] [--trials 1] [--forks 8] [--pipelining]

Each trial boots a fresh fleet per playbook (loopback 127.0.0.51 and up). Writes the "onboard_fleet" part of
bench/onboarding_results.json and prints a markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import yaml  # noqa: E402

from lab import Lab  # noqa: E402
from lab.fleet import Fleet, deploy_checks  # noqa: E402
from lab.fleet.deploy import DEPLOY_PLAYBOOK  # noqa: E402

ONBOARD_PLAYBOOK = "watchdog.alertmanager_kuma.onboard"
RESULTS = REPO_ROOT / "bench" / "onboarding_results.json"
# Clear of the tests (.11, .12, .21, .22, .31, .41, .42) and the pipeline benchmark (.32).
FIRST_ADDRESS = 51
INTERVAL_S = 60
# Throwaway, made per run: the benchmark never prints it.
TOKEN_SECRET_BYTES = 24
GOALS = {"first_ratio": 1.3, "rerun_ratio": 1.1, "onboard_cpu_per_host_s": 2.4}
PAGER_NAME = "bench pager"
DISCARD_URL = "http://127.0.0.1:9/"
# The extrapolation of issue 11: 1,000 hosts within 5 minutes of an 8-core controller.
TARGET_HOSTS = 1000
TARGET_CORES = 8
TARGET_WINDOW_S = 300


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_run(run: Callable[[], object]) -> dict:
    """Wall and CPU of one ansible-playbook run; CPU is what this process's reaped children used meanwhile (the
    booted hosts and the lab's servers are children too, but none of them is reaped during a run)."""
    load_before = load_average()
    cpu_before = children_cpu_s()
    started = time.perf_counter()
    run()
    wall = time.perf_counter() - started
    return {
        "wall_s": round(wall, 2),
        "cpu_s": round(children_cpu_s() - cpu_before, 2),
        "loadavg_before": load_before,
        "loadavg_after": load_average(),
    }


def _check(run_result) -> None:
    if run_result.returncode != 0:
        raise RuntimeError(f"playbook failed (exit {run_result.returncode}):\n{run_result.stdout[-3000:]}")


@contextmanager
def _fleet(count: int, workdir: Path):
    names = [f"onb-{index}" for index in range(count)]
    with Fleet.boot(count, workdir, names, FIRST_ADDRESS) as fleet:
        yield fleet


def _two_runs(fleet: Fleet, workdir: Path, playbook: str, checks: dict, extra: tuple[str, ...]) -> dict:
    runs = {}
    for label in ("first", "rerun"):
        runs[label] = timed_run(lambda: _check(deploy_checks(fleet, workdir, checks, *extra, playbook=playbook)))
        print(f"  {playbook.rsplit('.', 1)[-1]} {label}: {runs[label]}", flush=True)
    return runs


def measure_deploy(lab: Lab, count: int, workdir: Path, extra: tuple[str, ...]) -> dict:
    with _fleet(count, workdir / "fleet") as fleet:
        checks = {}
        for host in fleet.hosts:
            monitor = lab.kuma.create_push_monitor(f"bench-deploy {host.name} {workdir.name}", interval=2 * INTERVAL_S)
            checks[host.name] = [
                {
                    "name": "main",
                    "alertmanager_url": lab.alertmanager.url,
                    "push_url": monitor.push_url,
                    "interval": INTERVAL_S,
                }
            ]
        return _two_runs(fleet, workdir, DEPLOY_PLAYBOOK, checks, extra)


def measure_onboard(lab: Lab, count: int, workdir: Path, extra: tuple[str, ...]) -> dict:
    with _fleet(count, workdir / "fleet") as fleet:
        group_vars = workdir / "group_vars"
        group_vars.mkdir(parents=True, exist_ok=True)
        (group_vars / "heartbeat_hosts.yml").write_text(
            yaml.safe_dump(
                {
                    "heartbeat_kuma_url": lab.kuma.url,
                    "heartbeat_kuma_username": lab.kuma.username,
                    "heartbeat_kuma_password": lab.kuma.password,
                    "heartbeat_token_secret": os.urandom(TOKEN_SECRET_BYTES).hex(),
                    "heartbeat_kuma_notifications": [PAGER_NAME],
                }
            )
        )
        group_vars.joinpath("heartbeat_hosts.yml").chmod(0o600)
        checks = {
            host.name: [{"name": "main", "alertmanager_url": lab.alertmanager.url, "interval": INTERVAL_S}]
            for host in fleet.hosts
        }
        runs = _two_runs(fleet, workdir, ONBOARD_PLAYBOOK, checks, extra)
        # Leave the lab's Kuma as it was found: the onboard playbook deletes what it created.
        absent = {host: [dict(check[0], state="absent")] for host, check in checks.items()}
        _check(deploy_checks(fleet, workdir, absent, *extra, playbook=ONBOARD_PLAYBOOK))
        return runs


def _median(trials: list[dict], playbook: str, run: str, key: str) -> float:
    return round(statistics.median(trial[playbook][run][key] for trial in trials), 2)


def summarise(trials: list[dict], count: int) -> dict:
    summary: dict = {}
    for run in ("first", "rerun"):
        onboard = _median(trials, "onboard", run, "wall_s")
        deploy = _median(trials, "deploy", run, "wall_s")
        summary[run] = {
            "onboard_wall_s": onboard,
            "deploy_wall_s": deploy,
            "ratio": round(onboard / deploy, 3),
            "goal": GOALS[f"{run}_ratio"],
            "onboard_cpu_per_host_s": round(_median(trials, "onboard", run, "cpu_s") / count, 2),
            "deploy_cpu_per_host_s": round(_median(trials, "deploy", run, "cpu_s") / count, 2),
        }
    per_host = summary["first"]["onboard_cpu_per_host_s"]
    # CPU-bound on the controller: all cores busy, nothing else running, CPU per host constant in the fleet size.
    cpu_bound_s = TARGET_HOSTS * per_host / TARGET_CORES
    summary["extrapolation"] = {
        "hosts": TARGET_HOSTS,
        "cores": TARGET_CORES,
        "cpu_per_host_s": per_host,
        "controller_cpu_s": round(TARGET_HOSTS * per_host, 1),
        "cpu_bound_wall_s": round(cpu_bound_s, 1),
        "window_s": TARGET_WINDOW_S,
        "fits": cpu_bound_s <= TARGET_WINDOW_S,
        "forks_needed_at_least": TARGET_CORES,
    }
    return summary


def table(result: dict) -> str:
    summary = result["summary"]
    count = result["hosts"]
    lines = [
        "| benchmark | figure | goal | met |",
        "|---|---|---|---|",
    ]
    names = {"first": "first run", "rerun": "rerun"}
    for run in ("first", "rerun"):
        row = summary[run]
        lines.append(
            f"| onboard vs deploy, {count} hosts, {names[run]} | {row['onboard_wall_s']} s vs {row['deploy_wall_s']} s"
            f" = {row['ratio']:.2f}x | <= {row['goal']}x | {'yes' if row['ratio'] <= row['goal'] else 'NO'} |"
        )
    for run in ("first", "rerun"):
        row = summary[run]
        goal = GOALS["onboard_cpu_per_host_s"] if run == "first" else None
        met = "-" if goal is None else ("yes" if row["onboard_cpu_per_host_s"] <= goal else "NO")
        lines.append(
            f"| controller CPU per host, {names[run]} | onboard {row['onboard_cpu_per_host_s']} s,"
            f" deploy {row['deploy_cpu_per_host_s']} s | {f'<= {goal} s' if goal else '-'} | {met} |"
        )
    extra = summary["extrapolation"]
    lines.append(
        f"| {extra['hosts']:,} hosts, first onboard, {extra['cores']}-core controller (CPU-bound) |"
        f" {extra['controller_cpu_s']} CPU-s = {extra['cpu_bound_wall_s']} s | <= {extra['window_s']} s |"
        f" {'yes' if extra['fits'] else 'NO'} |"
    )
    loads = "; ".join(
        f"{playbook} {run} {trial[playbook][run]['loadavg_before']} -> {trial[playbook][run]['loadavg_after']}"
        for trial in result["trials"]
        for playbook in ("deploy", "onboard")
        for run in ("first", "rerun")
    )
    lines += [
        "",
        f"{count} booted hosts, forks {result['forks']}, pipelining {'on' if result['pipelining'] else 'off'},"
        f" {len(result['trials'])} trial(s), {result['cpus']} CPUs; load average before -> after: {loads}.",
        f"The {extra['hosts']:,}-host line assumes the controller is the bottleneck: CPU per host as measured here,"
        f" {extra['cores']} cores kept busy (forks >= {extra['forks_needed_at_least']}), hosts and Kuma not limiting.",
    ]
    return "\n".join(lines)


def write_results(key: str, result: dict) -> None:
    stored = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    stored[key] = result
    RESULTS.write_text(json.dumps(stored, indent=2) + "\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hosts", type=int, default=8)
    parser.add_argument("--trials", type=int, default=1)
    parser.add_argument("--forks", type=int, default=8)
    parser.add_argument("--pipelining", action="store_true", help="ANSIBLE_PIPELINING=true for every run")
    args = parser.parse_args(argv)
    if args.pipelining:
        os.environ["ANSIBLE_PIPELINING"] = "true"
    else:
        os.environ.pop("ANSIBLE_PIPELINING", None)
    extra = ("--forks", str(args.forks))
    trials = []
    with (
        tempfile.TemporaryDirectory(prefix="alertmanager-kuma-onboard-bench-") as tmp,
        Lab.start(Path(tmp) / "lab") as lab,
    ):
        # Every monitor onboard makes pages someone; nothing goes down here, so nothing is sent to it.
        lab.kuma.add_webhook_notification(PAGER_NAME, DISCARD_URL)
        for trial in range(args.trials):
            print(f"bench: trial {trial + 1}/{args.trials}, {args.hosts} hosts, forks {args.forks}", flush=True)
            trials.append(
                {
                    "deploy": measure_deploy(lab, args.hosts, Path(tmp) / f"deploy-{trial}", extra),
                    "onboard": measure_onboard(lab, args.hosts, Path(tmp) / f"onboard-{trial}", extra),
                }
            )
    result = {
        "measured_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "hosts": args.hosts,
        "forks": args.forks,
        "pipelining": args.pipelining,
        "cpus": os.cpu_count(),
        "trials": trials,
        "summary": summarise(trials, args.hosts),
    }
    write_results("onboard_fleet_pipelining" if args.pipelining else "onboard_fleet", result)
    print(table(result))


if __name__ == "__main__":
    main()
