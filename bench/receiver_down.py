"""Time to DOWN when one receiver fails beside a healthy one (issue #19), per Alertmanager release.

The Watchdog goes to two webhook receivers on the same integration: `chat`, a recorder answering 200 throughout, and
`pager`, a recorder that is stopped so its port refuses connections (the failure) and started again on the same port
(the recovery). Alertmanager notifies each about every second, as in the pipeline benches (`group_wait`,
`group_interval` and `repeat_interval` 1 s). The check is the heartbeat_timer role's unit on one booted Debian 12
host, T = 10 s, `check_delivery` on, its counters kept in the timer's StateDirectory=, one check per Alertmanager.

Against sid's Alertmanager, started with receiver-name-in-metrics, the check judges delivery per receiver; against
bookworm's 0.25, which cannot name receivers, per integration, where chat's successes hide the pager's failures until
a notification gives up retrying. Each trial starts from a fresh UP row, stops the pager at a random moment of the
cadence and waits for the first DOWN row the check pushed whose message says Alertmanager cannot deliver (Kuma's own
"No heartbeat" rows never count).

    .venv/bin/python bench/receiver_down.py [--trials 10] [--bookworm-trials 10] [--smoke DIR]

Starts its own Kuma and one Alertmanager and Prometheus per suite on free loopback ports, boots one host at
127.0.0.81. Writes bench/receiver_results.json (with --smoke, DIR/receiver_results.json) and prints a markdown table.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench.pipeline_down import GOAL_EXTRA_S, OURS_TIMEOUT_S  # noqa: E402
from bench.pipeline_lab import INTERVAL_S, KUMA_INTERVAL_S, ROUTE_TIMING, SwitchablePager  # noqa: E402
from bench.trials import address_free, figures, last_id, loadavg, machine, row_time, wait_fresh_up  # noqa: E402
from lab import (  # noqa: E402
    AlertingPair,
    AlertmanagerConfig,
    Heartbeat,
    HeartbeatStatus,
    Kuma,
    PushMonitor,
    WebhookRecorder,
    start_alerting_pair,
)
from lab.alerting_versions import RECEIVER_NAMES_FLAG, AlertingBuild, alerting_build  # noqa: E402
from lab.collection import link_checkout_as_collection  # noqa: E402
from lab.fleet import Fleet, deploy_checks  # noqa: E402
from lab.ports import free_port  # noqa: E402

RESULTS = REPO_ROOT / "bench" / "receiver_results.json"
# Clear of the tests (.11, .12, .21, .22, .31, .41, .42), the pipeline benches (.32), the fleet benches (.51+) and
# time_to_page (.71).
HOST_ADDRESS = 81
HOST_NAME = "bench-receivers"
FAILURE_TEXT = "Alertmanager cannot deliver notifications"
MSG_SHOWN = 160
SEED = 20261205


@dataclass(frozen=True)
class Release:
    """One Alertmanager to measure against: its Debian suite and the flags it is started with."""

    suite: str
    alertmanager_args: tuple[str, ...]
    goal_s: float | None


RELEASES = (
    Release("sid", (RECEIVER_NAMES_FLAG,), INTERVAL_S + GOAL_EXTRA_S),
    Release("bookworm", (), None),
)


@dataclass
class Side:
    """One release's pipeline: its pair, the healthy chat receiver, the pager that fails, and the check's monitor."""

    release: Release
    build: AlertingBuild
    pair: AlertingPair
    chat: WebhookRecorder
    pager: SwitchablePager
    monitor: PushMonitor


def _start_side(running: ExitStack, workdir: Path, kuma: Kuma, release: Release) -> Side:
    build = alerting_build(release.suite)
    chat = running.enter_context(WebhookRecorder(status=200))
    pager = SwitchablePager(free_port())
    pager.start()
    running.callback(pager.stop)
    config = AlertmanagerConfig(webhooks=(("chat", chat.url), ("pager", pager.url)), **ROUTE_TIMING)
    pair = start_alerting_pair(
        workdir / release.suite, config, build=build, alertmanager_args=release.alertmanager_args
    )
    running.callback(pair.stop)
    monitor = kuma.create_push_monitor(f"bench receivers {release.suite}", interval=KUMA_INTERVAL_S)
    return Side(release, build, pair, chat, pager, monitor)


def _check(side: Side) -> dict:
    """The check on the booted host; the role keeps its counters in the timer's StateDirectory=."""
    return {
        "name": side.release.suite,
        "alertmanager_url": side.pair.alertmanager.url,
        "push_url": side.monitor.push_url,
        "interval": INTERVAL_S,
        "retries": 0,
        "check_delivery": True,
    }


def _names_failure(row: Heartbeat) -> bool:
    return row.status == HeartbeatStatus.DOWN and row.from_push and FAILURE_TEXT in (row.msg or "")


def _first_failure_row(kuma: Kuma, monitor: PushMonitor, after_id: int) -> Heartbeat | None:
    try:
        return kuma.wait_for_heartbeat(monitor.id, _names_failure, timeout=OURS_TIMEOUT_S, after_id=after_id)
    except AssertionError:
        return None


def _pushed_rows(kuma: Kuma, monitor: PushMonitor, after_id: int, until_id: int, broken_at: float) -> list[dict]:
    """What the check pushed from the failure up to the DOWN row: when (after the failure), status and message."""
    return [
        {
            "after_s": round(row_time(row.time) - broken_at, 2),
            "status": HeartbeatStatus(row.status).name,
            "msg": (row.msg or "")[:MSG_SHOWN],
        }
        for row in kuma.heartbeats(monitor.id, after_id=after_id)
        if row.from_push and row.id <= until_id
    ]


def _trial(kuma: Kuma, side: Side, rng: random.Random) -> dict:
    """From a fresh UP row, a random moment of the cadence, the pager stopped; then the pager back."""
    wait_fresh_up(kuma, side.monitor)
    time.sleep(rng.uniform(0, INTERVAL_S))
    mark = last_id(kuma, side.monitor)
    broken_at = time.time()
    side.pager.stop()
    down = _first_failure_row(kuma, side.monitor, mark)
    chat_during = [arrival for arrival in side.chat.arrivals() if arrival.received_at >= broken_at]
    rows = _pushed_rows(kuma, side.monitor, mark, down.id if down else last_id(kuma, side.monitor), broken_at)
    side.pager.start()
    return {
        "seconds": None if down is None else row_time(down.time) - broken_at,
        "failed_at": datetime.fromtimestamp(broken_at, UTC).strftime("%H:%M:%S.%f")[:-3],
        "rows": rows,
        "chat_notified_meanwhile": len(chat_during),
        "loadavg": loadavg(),
    }


def measure(kuma: Kuma, side: Side, trials: int, rng: random.Random) -> dict:
    done = []
    for number in range(trials):
        done.append(_trial(kuma, side, rng))
        seconds = done[-1]["seconds"]
        shown = "never" if seconds is None else f"{seconds:.1f} s"
        print(f"  {side.release.suite}, trial {number + 1}/{trials}: {shown} (load {done[-1]['loadavg']})", flush=True)
    down_messages = {row["msg"] for trial in done for row in trial["rows"] if row["status"] == "DOWN"}
    return {
        **figures([trial["seconds"] for trial in done], side.release.goal_s, OURS_TIMEOUT_S),
        "goal_met": _goal_met(done, side.release.goal_s),
        "messages": sorted(down_messages),
        "versions": _versions(side.build, side.release),
        "trials_detail": [{key: value for key, value in trial.items() if key != "seconds"} for trial in done],
    }


def _goal_met(done: list[dict], goal_s: float | None) -> bool | None:
    if goal_s is None:
        return None
    return all(trial["seconds"] is not None and trial["seconds"] <= goal_s for trial in done)


def _versions(build: AlertingBuild, release: Release) -> dict:
    return {
        "suite": build.suite,
        "alertmanager": build.alertmanager_version,
        "alertmanager_package": build.alertmanager_package_version,
        "prometheus": build.prometheus_version,
        "prometheus_package": build.prometheus_package_version,
        "alertmanager_args": list(release.alertmanager_args),
        "names_receivers": build.names_receivers and RECEIVER_NAMES_FLAG in release.alertmanager_args,
    }


def _deploy(running: ExitStack, workdir: Path, sides: list[Side]) -> None:
    fleet = running.enter_context(Fleet.boot(1, workdir / "fleet", [HOST_NAME], HOST_ADDRESS))
    deployed = deploy_checks(fleet, workdir / "fleet", {HOST_NAME: [_check(side) for side in sides]})
    if deployed.returncode != 0:
        tail = (deployed.stdout + deployed.stderr)[-3000:]
        for side in sides:
            tail = tail.replace(side.monitor.token, "<push token>")
        raise RuntimeError(f"deploy failed:\n{tail}")


def run(workdir: Path, trials: dict[str, int]) -> dict:
    """Kuma, one pipeline per release, the host with a check on each; the trials, one release after the other."""
    address = f"127.0.0.{HOST_ADDRESS}"
    if not address_free(address):
        raise RuntimeError(f"{address}:22 already answers: another booted host uses it")
    started = time.time()
    with ExitStack() as running:
        kuma = Kuma(workdir / "kuma")
        running.callback(kuma.stop)
        kuma.start()
        sides = [_start_side(running, workdir, kuma, release) for release in RELEASES]
        _deploy(running, workdir, sides)
        started_load = loadavg()
        rng = random.Random(SEED)
        scenarios = {side.release.suite: measure(kuma, side, trials[side.release.suite], rng) for side in sides}
        return {
            "interval_s": INTERVAL_S,
            "kuma_interval_s": KUMA_INTERVAL_S,
            "route_timing": ROUTE_TIMING,
            "scenarios": scenarios,
            "kuma_version": kuma.api.version(),
            "loadavg_at_start": started_load,
            "loadavg_at_end": loadavg(),
            "run_seconds": round(time.time() - started),
            "measured_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": machine(),
        }


def markdown_table(results: dict) -> str:
    lines = [
        "| Alertmanager | time to DOWN | goal | met | the reason Kuma stores |",
        "|---|---|---|---|---|",
    ]
    for scenario in results["scenarios"].values():
        versions = scenario["versions"]
        names = ", receiver-name-in-metrics" if versions["names_receivers"] else ", no receiver names"
        who = f"{versions['alertmanager']} ({versions['suite']}{names})"
        if scenario["median_s"] is None:
            cell = f"never within {scenario['window_s']:.0f} s ({scenario['trials']} trials)"
        else:
            cell = (
                f"median {scenario['median_s']:.1f} s, worst {scenario['worst_s']:.1f} s ({scenario['trials']} trials)"
            )
            if scenario["never"]:
                cell += f"; {scenario['never']} never within {scenario['window_s']:.0f} s"
        goal = "-" if scenario["goal_s"] is None else f"worst <= {scenario['goal_s']:.0f} s"
        met = "-" if scenario["goal_met"] is None else ("yes" if scenario["goal_met"] else "NO")
        messages = "; ".join(f"`{message}`" for message in scenario["messages"])
        lines.append(f"| {who} | {cell} | {goal} | {met} | {messages} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=10, help="trials against sid's Alertmanager (10)")
    parser.add_argument("--bookworm-trials", type=int, default=10, help="trials against bookworm's 0.25 (10)")
    parser.add_argument("--smoke", type=Path, metavar="DIR", help="1 trial per Alertmanager, results to DIR")
    args = parser.parse_args(argv)
    link_checkout_as_collection()
    trials = {"sid": 1, "bookworm": 1} if args.smoke else {"sid": args.trials, "bookworm": args.bookworm_trials}
    with tempfile.TemporaryDirectory(prefix="alertmanager-kuma-receivers-") as tmp:
        results = run(Path(tmp), trials)
    out = (args.smoke / RESULTS.name) if args.smoke else RESULTS
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    print(markdown_table(results))
    print(
        f"Kuma {results['kuma_version']}; run {results['run_seconds']} s; load average {results['loadavg_at_start']}"
        f" at start, {results['loadavg_at_end']} at end."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
