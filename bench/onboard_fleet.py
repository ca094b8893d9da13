"""Onboarding a fleet: the onboard playbook (Kuma monitors created in one login, push URLs derived from one secret,
then the timers) on N booted hosts, first run and rerun, against the deploy playbook installing the same timers with
hand-made push URLs (their monitors made beforehand through the lab's Kuma). Wall time of each run, and the
controller's CPU: user + sys of ansible-playbook and every child it reaped (its forks, ssh), divided by hosts.

    .venv/bin/python bench/onboard_fleet.py [--hosts 8] [--trials 1] [--forks 8] [--pipelining [off|on|both]]
        [--current COMMIT] [--baseline COMMIT] [--no-deploy]

Each trial boots a fresh fleet per playbook (loopback 127.0.0.51 and up, at most 16 hosts). Writes the
"onboard_fleet" part of bench/onboarding_results.json (one variant: the checkout, pipelining off or on) or
"onboard_fleet_install_paths" (several) and prints a markdown table.

--baseline COMMIT runs the same playbooks from COMMIT as well, in the same run: a `git worktree` of COMMIT in the
scratch directory (removed afterwards), linked as the collection and named by ANSIBLE_COLLECTIONS_PATH for those runs
only. --current COMMIT does the same for the side compared against it (default: the checkout as it is, with whatever
is being edited in it). The lab itself (hosts, Kuma) always comes from the checkout.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
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
from lab.collection import link_as_collection  # noqa: E402
from lab.fleet import Fleet, deploy_checks  # noqa: E402
from lab.fleet.deploy import DEPLOY_PLAYBOOK  # noqa: E402

ONBOARD_PLAYBOOK = "watchdog.alertmanager_kuma.onboard"
RESULTS = REPO_ROOT / "bench" / "onboarding_results.json"
# Clear of the tests (.11, .12, .21, .22, .31, .41, .42) and the pipeline benchmark (.32).
FIRST_ADDRESS = 51
LAST_ADDRESS = 66
INTERVAL_S = 60
# Throwaway, made per run: the benchmark never prints it.
TOKEN_SECRET_BYTES = 24
GOALS = {
    "first_ratio": 1.3,
    "rerun_ratio": 1.1,
    "onboard_first_cpu_per_host_s": 2.4,
    "onboard_rerun_cpu_per_host_s": 1.2,
}
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


RECAP = re.compile(r"^(\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=\d+\s+failed=\d+\s+skipped=(\d+)", re.M)


def recap(stdout: str) -> dict:
    """Task results per host from the PLAY RECAP (the most of any host): ok, changed, skipped."""
    hosts = [tuple(map(int, match.groups()[1:])) for match in RECAP.finditer(stdout)]
    ok, changed, skipped = max(hosts, default=(0, 0, 0))
    return {"ok": ok, "changed": changed, "skipped": skipped}


# -vvv without pipelining: each module run on a host is a PUT of its AnsiballZ file ("<127.0.0.51> PUT ... TO
# /root/.ansible/tmp/.../AnsiballZ_copy.py").
MODULE_PUT = re.compile(r"^<([^>]+)> PUT .* TO .*/AnsiballZ_(\w+)\.py", re.M)


def module_runs(stdout: str) -> dict[str, dict[str, int]]:
    """Module runs per host and module, from a -vvv run without pipelining (empty otherwise)."""
    counts: dict[str, dict[str, int]] = {}
    for host, module in MODULE_PUT.findall(stdout):
        per_host = counts.setdefault(host, {})
        per_host[module] = per_host.get(module, 0) + 1
    return {host: dict(sorted(modules.items())) | {"total": sum(modules.values())} for host, modules in counts.items()}


def timed_run(run: Callable[[], object]) -> dict:
    """Wall and CPU of one ansible-playbook run; CPU is what this process's reaped children used meanwhile (the
    booted hosts and the lab's servers are children too, but none of them is reaped during a run)."""
    load_before = load_average()
    cpu_before = children_cpu_s()
    started = time.perf_counter()
    run_result = run()
    wall = time.perf_counter() - started
    return {
        "wall_s": round(wall, 2),
        "cpu_s": round(children_cpu_s() - cpu_before, 2),
        "loadavg_before": load_before,
        "loadavg_after": load_average(),
        **({"tasks_per_host": recap(run_result.stdout)} if hasattr(run_result, "stdout") else {}),
        **(
            {"module_runs": module_runs(run_result.stdout)} if "AnsiballZ_" in getattr(run_result, "stdout", "") else {}
        ),
    }


def _check(run_result):
    if run_result.returncode != 0:
        raise RuntimeError(f"playbook failed (exit {run_result.returncode}):\n{run_result.stdout[-3000:]}")
    return run_result


def resolve(commit: str | None) -> str | None:
    """COMMIT's full hash, resolved once: a branch or HEAD may move while the benchmark runs."""
    if commit is None:
        return None
    return subprocess.run(
        ["git", "-C", str(REPO_ROOT), "rev-parse", "--verify", f"{commit}^{{commit}}"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


@contextmanager
def collection_at(commit: str | None, scratch: Path, pipelining: bool):
    """Every ansible command started meanwhile uses the collection of COMMIT, a full hash (a git worktree of it in
    SCRATCH, removed afterwards; the checkout when None), pipelining on or off; yields the hash or "checkout"."""
    saved = {name: os.environ.get(name) for name in ("ANSIBLE_COLLECTIONS_PATH", "ANSIBLE_PIPELINING")}
    os.environ["ANSIBLE_PIPELINING"] = "true" if pipelining else "false"
    tree = None
    try:
        if commit is None:
            yield "checkout"
            return
        tree = scratch / f"worktree-{commit[:12]}"
        subprocess.run(
            ["git", "-C", str(REPO_ROOT), "worktree", "add", "--detach", str(tree), commit],
            check=True,
            capture_output=True,
        )
        os.environ["ANSIBLE_COLLECTIONS_PATH"] = str(link_as_collection(tree, scratch / f"collections-{commit[:12]}"))
        yield commit
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        if tree is not None:
            subprocess.run(["git", "-C", str(REPO_ROOT), "worktree", "remove", "--force", str(tree)], check=False)


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
    deployed = all("deploy" in trial for trial in trials)
    for run in ("first", "rerun"):
        onboard = _median(trials, "onboard", run, "wall_s")
        row = {
            "onboard_wall_s": onboard,
            "onboard_cpu_per_host_s": round(_median(trials, "onboard", run, "cpu_s") / count, 2),
        }
        if deployed:
            deploy = _median(trials, "deploy", run, "wall_s")
            row.update(
                deploy_wall_s=deploy,
                ratio=round(onboard / deploy, 3),
                goal=GOALS[f"{run}_ratio"],
                deploy_cpu_per_host_s=round(_median(trials, "deploy", run, "cpu_s") / count, 2),
            )
        row["goal_cpu_per_host_s"] = GOALS[f"onboard_{run}_cpu_per_host_s"]
        row["tasks_per_host"] = trials[0]["onboard"][run].get("tasks_per_host")
        summary[run] = row
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


def _met(value: float, goal: float) -> str:
    return "yes" if value <= goal else "NO"


def table(result: dict) -> str:
    count = result["hosts"]
    lines = [
        "| benchmark | figure | goal | met |",
        "|---|---|---|---|",
    ]
    names = {"first": "first run", "rerun": "rerun"}
    loads = []
    for variant in result["variants"]:
        summary = variant["summary"]
        name = f"{variant['label']} ({variant['commit'][:7]}), pipelining {'on' if variant['pipelining'] else 'off'}"
        for run in ("first", "rerun"):
            row = summary[run]
            tasks = row["tasks_per_host"] or {}
            deploy = f"; deploy {row['deploy_cpu_per_host_s']} s" if "deploy_cpu_per_host_s" in row else ""
            lines.append(
                f"| controller CPU per host, onboard {names[run]}, {name} | {row['onboard_cpu_per_host_s']} s"
                f" ({row['onboard_wall_s']} s wall; {tasks.get('ok')} ok, {tasks.get('changed')} changed,"
                f" {tasks.get('skipped')} skipped per host){deploy} | <= {row['goal_cpu_per_host_s']} s |"
                f" {_met(row['onboard_cpu_per_host_s'], row['goal_cpu_per_host_s'])} |"
            )
            if "ratio" in row:
                lines.append(
                    f"| onboard vs deploy, {count} hosts, {names[run]}, {name} | {row['onboard_wall_s']} s vs"
                    f" {row['deploy_wall_s']} s = {row['ratio']:.2f}x | <= {row['goal']}x |"
                    f" {_met(row['ratio'], row['goal'])} |"
                )
        extra = summary["extrapolation"]
        lines.append(
            f"| {extra['hosts']:,} hosts, first onboard, {extra['cores']}-core controller (CPU-bound), {name} |"
            f" {extra['controller_cpu_s']} CPU-s = {extra['cpu_bound_wall_s']} s | <= {extra['window_s']} s |"
            f" {'yes' if extra['fits'] else 'NO'} |"
        )
        loads += [
            f"{name} {playbook} {run} {trial[playbook][run]['loadavg_before']}"
            f" -> {trial[playbook][run]['loadavg_after']}"
            for trial in variant["trials"]
            for playbook in ("deploy", "onboard")
            if playbook in trial
            for run in ("first", "rerun")
        ]
    lines += [
        "",
        f"{count} booted hosts, forks {result['forks']}, {len(result['variants'][0]['trials'])} trial(s),"
        f" {result['cpus']} CPUs, ansible-core {result['ansible_core']};"
        f" load average before -> after: {'; '.join(loads)}.",
        f"The {TARGET_HOSTS:,}-host lines assume the controller is the bottleneck: CPU per host as measured here,"
        f" {TARGET_CORES} cores kept busy (forks >= {TARGET_CORES}), hosts and Kuma not limiting.",
    ]
    return "\n".join(lines)


def write_results(key: str, result: dict) -> None:
    stored = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    stored[key] = result
    RESULTS.write_text(json.dumps(stored, indent=2) + "\n")


def ansible_core_version() -> str:
    from ansible.release import __version__

    return __version__


def save(args: argparse.Namespace, variants: list[dict], planned: int) -> dict:
    """Write the variants measured so far (a run cut short keeps what it measured); return the result."""
    result = {
        "measured_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "hosts": args.hosts,
        "forks": args.forks,
        "cpus": os.cpu_count(),
        "ansible_core": ansible_core_version(),
        "deploy_compared": not args.no_deploy,
        "variants": variants,
    }
    if args.count_modules:
        write_results("onboard_module_runs", result)
    elif planned > 1:
        write_results("onboard_fleet_install_paths", result)
    else:
        key = "onboard_fleet_pipelining" if variants[0]["pipelining"] else "onboard_fleet"
        write_results(key, {**result, "pipelining": variants[0]["pipelining"], **variants[0]})
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hosts", type=int, default=8)
    parser.add_argument("--trials", type=int, default=1)
    parser.add_argument("--forks", type=int, default=8)
    parser.add_argument(
        "--pipelining",
        nargs="?",
        const="on",
        default="off",
        choices=("off", "on", "both"),
        help="ANSIBLE_PIPELINING for every run (both: each variant with it off, then on)",
    )
    parser.add_argument("--current", metavar="COMMIT", help="run the measured side from COMMIT (default: the checkout)")
    parser.add_argument(
        "--baseline", metavar="COMMIT", help="also run the same from COMMIT, e.g. the previous install path"
    )
    parser.add_argument("--no-deploy", action="store_true", help="onboard only, without the deploy comparison")
    parser.add_argument(
        "--count-modules",
        action="store_true",
        help="run with -vvv and pipelining off and count module runs per host (CPU figures then include the -vvv"
        " output; written as onboard_module_runs)",
    )
    args = parser.parse_args(argv)
    if not 1 <= args.hosts <= LAST_ADDRESS - FIRST_ADDRESS + 1:
        parser.error(f"--hosts: 1 to {LAST_ADDRESS - FIRST_ADDRESS + 1} (127.0.0.{FIRST_ADDRESS}-.{LAST_ADDRESS})")
    pipelining = {"off": (False,), "on": (True,), "both": (False, True)}[args.pipelining]
    sides = [("current", resolve(args.current))] + ([("baseline", resolve(args.baseline))] if args.baseline else [])
    if args.count_modules:
        args.pipelining = "off"
    extra = ("--forks", str(args.forks), *(("-vvv",) if args.count_modules else ()))
    variants = []
    with (
        tempfile.TemporaryDirectory(prefix="alertmanager-kuma-onboard-bench-") as tmp,
        Lab.start(Path(tmp) / "lab") as lab,
    ):
        # Every monitor onboard makes pages someone; nothing goes down here, so nothing is sent to it.
        lab.kuma.add_webhook_notification(PAGER_NAME, DISCARD_URL)
        for piped in pipelining:
            for label, commit in sides:
                with collection_at(commit, Path(tmp), piped) as sha:
                    trials = []
                    for trial in range(args.trials):
                        print(
                            f"bench: {label} ({sha[:12]}), pipelining {'on' if piped else 'off'}, trial"
                            f" {trial + 1}/{args.trials}, {args.hosts} hosts, forks {args.forks}",
                            flush=True,
                        )
                        work = Path(tmp) / f"{label}-{'piped' if piped else 'plain'}-{trial}"
                        runs = {}
                        if not args.no_deploy:
                            runs["deploy"] = measure_deploy(lab, args.hosts, work / "deploy", extra)
                        runs["onboard"] = measure_onboard(lab, args.hosts, work / "onboard", extra)
                        trials.append(runs)
                variants.append(
                    {
                        "label": label,
                        "commit": sha,
                        "pipelining": piped,
                        "trials": trials,
                        "summary": summarise(trials, args.hosts),
                    }
                )
                save(args, variants, len(pipelining) * len(sides))
    print(table(save(args, variants, len(pipelining) * len(sides))))


if __name__ == "__main__":
    main()
