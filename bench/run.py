"""Run the four benchmarks side by side against the real parts, print the table, write bench/results.json,
draw bench/chart.png and refresh the table in BENCHMARKS.md.

    .venv/bin/python bench/run.py [--trials 10] [--only time_to_down,heartbeat_cost,fleet_deploy,adhoc]
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench import adhoc, fleet_deploy, heartbeat_cost, report, time_to_down  # noqa: E402
from lab import Kuma, Lab, start_alerting_pair  # noqa: E402
from lab.collection import link_checkout_as_collection  # noqa: E402
from lab.fleet import Fleet, deploy_checks  # noqa: E402

ALL = ("time_to_down", "heartbeat_cost", "fleet_deploy", "adhoc")
TIME_TO_DOWN_ADDRESS = 31


def machine() -> dict:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory_kib = int(Path("/proc/meminfo").read_text().split()[1])
    return {
        "description": f"{platform.node()}: {cpu}, {len(list(Path('/sys/devices/system/cpu').glob('cpu[0-9]*')))}"
        f" CPUs, {memory_kib / 1024 / 1024:.0f} GiB, Linux {platform.release()}, Python {platform.python_version()}"
    }


def run_time_to_down(kuma: Kuma, workdir: Path, trials: int) -> dict:
    with ExitStack() as running:
        pair = start_alerting_pair(workdir / "pair")
        running.callback(pair.stop)
        ours = kuma.create_push_monitor("bench ours", interval=time_to_down.KUMA_INTERVAL_S)
        original = kuma.create_push_monitor("bench original", interval=time_to_down.KUMA_INTERVAL_S)
        fleet = running.enter_context(Fleet.boot(1, workdir / "fleet", ["bench-down"], TIME_TO_DOWN_ADDRESS))
        checks = time_to_down.checks(pair.alertmanager.url, ours, original)
        deploy_checks(fleet, workdir / "fleet", {host.name: checks for host in fleet.hosts}).check_returncode()
        return time_to_down.measure(pair, kuma, ours, original, trials, seed=20261124)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--only", default=",".join(ALL))
    parser.add_argument(
        "--smoke",
        type=Path,
        metavar="DIR",
        help="the smallest run of each script (1 trial, 1 host, 2 runs), results to DIR, BENCHMARKS.md untouched",
    )
    args = parser.parse_args(argv)
    link_checkout_as_collection()
    trials, counts, runs = (1, (1,), 2) if args.smoke else (args.trials, (1, 2, 4), None)
    wanted = [name for name in args.only.split(",") if name]
    results: dict = {"measured_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "machine": machine()}
    previous = REPO_ROOT / "bench" / "results.json"
    if not args.smoke and set(wanted) != set(ALL) and previous.exists():
        # A partial run refreshes its own figures and keeps the others of the last full run.
        results = {**json.loads(previous.read_text()), **results}
    with tempfile.TemporaryDirectory(prefix="alertmanager-kuma-bench-") as tmp, Lab.start(Path(tmp) / "lab") as lab:
        workdir = Path(tmp)
        if "time_to_down" in wanted:
            print("bench: time to DOWN (real timer on a booted host)...", flush=True)
            results["time_to_down"] = run_time_to_down(lab.kuma, workdir / "down", trials)
        if "heartbeat_cost" in wanted:
            print("bench: cost of one heartbeat run...", flush=True)
            results["heartbeat_cost"] = heartbeat_cost.measure(
                lab, workdir / "cost", **({"runs": runs} if runs else {})
            )
        if "fleet_deploy" in wanted:
            print("bench: fleet deploy on 1, 2, 4 hosts...", flush=True)
            monitor = lab.kuma.create_push_monitor("bench deploy")
            check = {
                "name": "main",
                "alertmanager_url": lab.alertmanager.url,
                "push_url": monitor.push_url,
                "interval": 60,
            }
            results["fleet_deploy"] = fleet_deploy.measure(workdir / "deploy", check, counts)
        if "adhoc" in wanted:
            print("bench: ad hoc module against ad hoc uri...", flush=True)
            results["adhoc"] = adhoc.measure(lab, **({"runs": runs} if runs else {}))
    report.print_table(results)
    out_dir = args.smoke or REPO_ROOT / "bench"
    out_dir.mkdir(parents=True, exist_ok=True)
    report.write_json(results, out_dir / "results.json")
    report.draw_chart(results, out_dir / "chart.png")
    if not args.smoke:
        report.refresh_markdown(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
