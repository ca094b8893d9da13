"""Run the four benchmarks side by side against the real parts, print the table, write bench/results.json,
draw bench/chart.png and refresh the table in BENCHMARKS.md.

    .venv/bin/python bench/run.py [--trials 10] [--soak-seconds 600]
        [--only time_to_down,heartbeat_cost,fleet_deploy,adhoc,pipeline_down,pipeline_tick,pipeline_soak]
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench import (  # noqa: E402
    adhoc,
    fleet_deploy,
    heartbeat_cost,
    pipeline_down,
    pipeline_soak,
    pipeline_tick,
    report,
    time_to_down,
)
from bench.pipeline_lab import checked_pipelines  # noqa: E402
from lab import Kuma, Lab, start_alerting_pair  # noqa: E402
from lab.collection import link_checkout_as_collection  # noqa: E402
from lab.fleet import Fleet, deploy_checks  # noqa: E402

ALL = ("time_to_down", "heartbeat_cost", "fleet_deploy", "adhoc", "pipeline_down", "pipeline_tick", "pipeline_soak")
TIME_TO_DOWN_ADDRESS = 31
# The pipeline benches' host: .31 is also taken by tests/integration/test_timer_pipeline.py, run at any time.
PIPELINE_ADDRESS = 32
SMOKE_ORIGINAL_WINDOW_S = 5.0


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


def stamped(figures: dict) -> dict:
    """A figure's own time and load: partial runs keep the figures of other runs, measured at other times."""
    loadavg = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    return {
        **figures,
        "measured_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "loadavg_at_end": loadavg,
        "machine": machine()["description"],
    }


def run_pipelines(
    kuma: Kuma,
    workdir: Path,
    wanted: list[str],
    trials: int,
    original_trials: int,
    window_s: float,
    soak_s: float,
    failures: tuple[str, ...] = (),
) -> dict:
    """Time to DOWN and the soak on one booted host, two checks, each against its own pipeline, side by side: the
    soak's pipeline stays healthy while the other is broken again and again."""
    labels = [label for label, name in (("links", "pipeline_down"), ("soak", "pipeline_soak")) if name in wanted]
    results: dict = {}
    with (
        checked_pipelines(kuma, workdir, "bench-links", PIPELINE_ADDRESS, labels) as checked,
        ThreadPoolExecutor(max_workers=1) as beside,
    ):
        soak = checked.get("soak")
        soaking = beside.submit(pipeline_soak.measure, kuma, soak.ours, soak.original, soak_s) if soak else None
        links = checked.get("links")
        if links:
            results["pipeline_down"] = stamped(
                pipeline_down.measure(
                    links.pipeline,
                    kuma,
                    links.ours,
                    links.original,
                    trials,
                    original_trials,
                    seed=20261125,
                    original_window_s=window_s,
                    only=failures,
                )
            )
        if soaking:
            results["pipeline_soak"] = stamped(soaking.result())
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--only", default=",".join(ALL))
    parser.add_argument(
        "--original-trials",
        type=int,
        default=3,
        help="trials per failure in which the original relay is watched for its whole window (default 3)",
    )
    parser.add_argument(
        "--failures",
        default="",
        help="pipeline_down: only these failures, comma-separated (e.g. 'notifications failing'); the others' figures"
        " are kept",
    )
    parser.add_argument(
        "--soak-seconds", type=float, default=pipeline_soak.DURATION_S, help="length of the healthy soak (600)"
    )
    parser.add_argument(
        "--smoke",
        type=Path,
        metavar="DIR",
        help="the smallest run of each script (1 trial, 1 host, 2 runs), results to DIR, BENCHMARKS.md untouched",
    )
    args = parser.parse_args(argv)
    link_checkout_as_collection()
    trials, counts, runs = (1, (1,), 2) if args.smoke else (args.trials, (1, 2, 4), None)
    original_trials = 1 if args.smoke else min(args.original_trials, trials)
    # The smoke run exercises the original relay's path, not its figure: a short window, not Kuma's interval twice.
    window_s = SMOKE_ORIGINAL_WINDOW_S if args.smoke else pipeline_down.ORIGINAL_WINDOW_S
    soak_s = 30.0 if args.smoke else args.soak_seconds
    wanted = [name for name in args.only.split(",") if name]
    failures = tuple(name.strip() for name in args.failures.split(",") if name.strip())
    results: dict = {"measured_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "machine": machine()}
    previous = REPO_ROOT / "bench" / "results.json"
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
        if "pipeline_tick" in wanted:
            print(f"bench: one tick with every link on (and {pipeline_tick.RULES} rules)...", flush=True)
            results["pipeline_tick"] = stamped(
                pipeline_tick.measure(lab, workdir / "tick", **({"runs": runs} if runs else {}))
            )
        if "pipeline_down" in wanted or "pipeline_soak" in wanted:
            print(
                f"bench: time to DOWN per broken link, and a healthy pipeline for {soak_s:.0f} s beside it"
                " (real timer on a booted host)...",
                flush=True,
            )
            results.update(
                run_pipelines(lab.kuma, workdir / "links", wanted, trials, original_trials, window_s, soak_s, failures)
            )
    for name in wanted:
        if name in results and "measured_at" not in results[name]:
            results[name] = stamped(results[name])
    if not args.smoke and set(wanted) != set(ALL) and previous.exists():
        # A partial run refreshes its own figures (each stamped with its time) and keeps the others and the stamp
        # of the last full run, read as it ends, so two partial runs side by side both land.
        kept = json.loads(previous.read_text())
        if failures and "pipeline_down" in results and "pipeline_down" in kept:
            scenarios = {**kept["pipeline_down"]["scenarios"], **results["pipeline_down"]["scenarios"]}
            results["pipeline_down"]["scenarios"] = scenarios
        # The machine line is the full run's; a partial run on another machine says so in its own stamp.
        results = {
            **kept,
            **results,
            "measured_at": kept.get("measured_at", results["measured_at"]),
            "machine": kept.get("machine", results["machine"]),
        }
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
