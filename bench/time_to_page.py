"""Time to page (issue #17): from the failure to the moment a real Kuma notification reaches the person's pager.

A page is what Kuma's webhook notification POSTs to a recorder on loopback, stamped as it arrives. The check runs on
a booted Debian 12 host from the heartbeat_timer role every T = 10 s against an Alertmanager; its Kuma push monitor
(interval 20 s, no retries) is bound to the pager. Beside it the original relay (Alertmanager's webhook -> Kuma push,
status up) feeds a monitor of its own, bound to the same pager. Three failures, each started at a random moment of
the cadence, each trial from UP (Kuma pages only on a change: a DOWN pushed while it holds DOWN sends nothing):

1. Alertmanager killed: SIGKILL to the Alertmanager both watch;
2. Watchdog silenced: a silence on alertname=Watchdog;
3. the host falls silent: its timer and service stopped, so only Kuma's own timeout can see it.

The original relay is measured for 1 and 2; it can only page by Kuma's timeout. Every page body is checked for the
push tokens: none may hold one.

    .venv/bin/python bench/time_to_page.py [--trials 10] [--smoke DIR]

Starts its own Kuma, Alertmanager and Prometheus on free loopback ports and boots one host at 127.0.0.71. Writes
bench/page_results.json (with --smoke, DIR/page_results.json) and prints a markdown table for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench.pipeline_lab import OriginalRelay  # noqa: E402
from bench.trials import RECOVERY_TIMEOUT_S, address_free, loadavg, machine, row_time, wait_fresh_up  # noqa: E402
from lab import (  # noqa: E402
    NO_PUSH_MSG,
    AlertingPair,
    AlertmanagerConfig,
    HeartbeatStatus,
    Kuma,
    PushMonitor,
    start_alerting_pair,
)
from lab.collection import link_checkout_as_collection  # noqa: E402
from lab.fleet import BootedHost, Fleet, deploy_checks  # noqa: E402
from lab.pager import Pager, kuma_pager, page_heartbeat, page_monitor  # noqa: E402
from lab.stack import WATCHDOG_MATCH  # noqa: E402
from lab.webhook import Arrival  # noqa: E402

RESULTS = REPO_ROOT / "bench" / "page_results.json"
INTERVAL_S = 10
KUMA_INTERVAL_S = 20  # Kuma's shortest push-monitor interval
GOAL_EXTRA_S = 3
# Clear of the tests (.11, .12, .21, .22, .31, .41, .42), the pipeline benches (.32) and the fleet benches (.51+).
HOST_ADDRESS = 71
HOST_NAME = "bench-page"
CHECK_NAME = "page"
UNIT = f"alertmanager-kuma-heartbeat@{CHECK_NAME}"
# Bounded waits: a page later than this counts as "never" in its trial.
PAGE_WINDOW_S = 3 * KUMA_INTERVAL_S
SEED = 20261204


@dataclass
class Bench:
    """What the trials act on: the alerting pair both sides watch, the host, Kuma, its pager and the two monitors."""

    pair: AlertingPair
    host: BootedHost
    kuma: Kuma
    pager: Pager
    ours: PushMonitor
    original: PushMonitor
    silence_id: str = ""


@dataclass(frozen=True)
class Failure:
    name: str
    # Breaks the pipeline; returns the moment of the failure (time.time()).
    start: Callable[[Bench], float]
    recover: Callable[[Bench], None]
    goal_s: float
    with_original: bool


def _kill_alertmanager(bench: Bench) -> float:
    process = bench.pair.alertmanager.process
    if process.pid is None:
        raise RuntimeError("Alertmanager is not running")
    broken_at = time.time()
    os.kill(process.pid, signal.SIGKILL)
    # Reaps the killed process (nothing else is signalled once it has exited).
    process.stop()
    return broken_at


def _restart_alertmanager(bench: Bench) -> None:
    bench.pair.alertmanager.process.start()
    bench.pair.alertmanager.wait_for_alert(WATCHDOG_MATCH, timeout=RECOVERY_TIMEOUT_S)


def _silence_watchdog(bench: Bench) -> float:
    broken_at = time.time()
    bench.silence_id = bench.pair.alertmanager.silence(WATCHDOG_MATCH, comment="time to page bench")
    return broken_at


def _expire_silence(bench: Bench) -> None:
    bench.pair.alertmanager.expire_silence(bench.silence_id)
    bench.pair.alertmanager.wait_for_alert(WATCHDOG_MATCH, timeout=RECOVERY_TIMEOUT_S)


def _silence_host(bench: Bench) -> float:
    """Stop the check's timer and any run in flight; the moment is the host's clock (the machine's own kernel clock)
    right after systemctl returned, so no push can follow it."""
    stopped = bench.host.ssh(f"systemctl stop {UNIT}.timer {UNIT}.service && date +%s.%N")
    if stopped.returncode != 0:
        raise RuntimeError(f"could not stop {UNIT}.timer: {stopped.stderr.strip()}")
    return float(stopped.stdout.strip())


def _restart_host_timer(bench: Bench) -> None:
    started = bench.host.ssh(f"systemctl start {UNIT}.timer")
    if started.returncode != 0:
        raise RuntimeError(f"could not start {UNIT}.timer: {started.stderr.strip()}")


FAILURES = (
    Failure("Alertmanager killed", _kill_alertmanager, _restart_alertmanager, INTERVAL_S + GOAL_EXTRA_S, True),
    Failure("Watchdog silenced", _silence_watchdog, _expire_silence, INTERVAL_S + GOAL_EXTRA_S, True),
    Failure("host falls silent", _silence_host, _restart_host_timer, KUMA_INTERVAL_S + GOAL_EXTRA_S, False),
)


def _last_push_before(kuma: Kuma, monitor: PushMonitor, moment: float) -> float | None:
    """The time of the monitor's last pushed row stored before ``moment``."""
    times = [row_time(row.time) for row in kuma.heartbeats(monitor.id) if row.from_push]
    earlier = [stamp for stamp in times if stamp <= moment]
    return earlier[-1] if earlier else None


@dataclass
class Side:
    """One monitor's samples over the trials of one failure."""

    page_s: list[float | None] = field(default_factory=list)
    row_s: list[float] = field(default_factory=list)
    delivery_s: list[float] = field(default_factory=list)
    kuma_timeout_s: list[float] = field(default_factory=list)
    down_pages: list[int] = field(default_factory=list)
    reasons: set[str] = field(default_factory=set)


def _observe(bench: Bench, monitor: PushMonitor, side: Side, broken_at: float, last_push: float | None) -> None:
    """Wait for the monitor's DOWN page; note when it came, when Kuma stored the beat it is about, and why."""
    try:
        page = bench.pager.wait_for_page(
            monitor.name, HeartbeatStatus.DOWN, since=broken_at, timeout=broken_at + PAGE_WINDOW_S - time.time()
        )
    except AssertionError:  # no page within the window: "never" in this trial
        side.page_s.append(None)
        return
    row_at = row_time(page_heartbeat(page)["time"])
    side.page_s.append(page.received_at - broken_at)
    side.row_s.append(row_at - broken_at)
    side.delivery_s.append(page.received_at - row_at)
    msg = str(page_heartbeat(page).get("msg"))
    side.reasons.add(msg[:90])
    if msg == NO_PUSH_MSG and last_push is not None:
        side.kuma_timeout_s.append(row_at - last_push)


def _count_pages(bench: Bench, monitor: PushMonitor, side: Side, broken_at: float) -> None:
    """After recovery: wait for the UP page (DOWN -> UP is a change); count the DOWN pages the trial sent."""
    up = bench.pager.wait_for_page(monitor.name, HeartbeatStatus.UP, since=broken_at, timeout=RECOVERY_TIMEOUT_S)
    side.down_pages.append(len(bench.pager.pages(monitor.name, HeartbeatStatus.DOWN, broken_at, up.received_at)))


def page_sequence(pages: list[Arrival], monitor: PushMonitor) -> dict:
    """A monitor's pages over the whole run: how many of each, and how many repeated the status of the one before
    (Kuma pages on a change, so a repeat is a duplicate or a change the bench did not make)."""
    own = [page for page in pages if page_monitor(page) == monitor.name]
    statuses = [page_heartbeat(page).get("status") for page in own]
    return {
        "down": statuses.count(HeartbeatStatus.DOWN),
        "up": statuses.count(HeartbeatStatus.UP),
        "repeats": sum(1 for before, after in itertools.pairwise(statuses) if before == after),
        "timeline": [
            {
                "received": _clock(page.received_at),
                "status": page_heartbeat(page).get("status"),
                "msg": str(page_heartbeat(page).get("msg"))[:90],
            }
            for page in own
        ],
    }


def _clock(moment: float | None = None) -> str:
    return datetime.fromtimestamp(time.time() if moment is None else moment, UTC).strftime("%H:%M:%S.%f")[:-3]


def measure(bench: Bench, trials: int, seed: int = SEED) -> dict:
    rng = random.Random(seed)
    scenarios: dict[str, dict] = {}
    for failure in FAILURES:
        ours, original = Side(), Side()
        loads = [loadavg()]
        moments: list[str] = []
        for trial in range(trials):
            wait_fresh_up(bench.kuma, bench.ours)
            if failure.with_original:
                wait_fresh_up(bench.kuma, bench.original)
            time.sleep(rng.uniform(0, INTERVAL_S))
            broken_at = failure.start(bench)
            moments.append(_clock(broken_at))
            last_pushes = {
                monitor.name: _last_push_before(bench.kuma, monitor, broken_at)
                for monitor in (bench.ours, bench.original)
            }
            sides = [(bench.ours, ours)] + ([(bench.original, original)] if failure.with_original else [])
            for monitor, side in sides:
                _observe(bench, monitor, side, broken_at, last_pushes[monitor.name])
            failure.recover(bench)
            for monitor, side in sides:
                _count_pages(bench, monitor, side, broken_at)
            loads.append(loadavg())
            shown = ", ".join(
                f"{monitor.name}: {'never' if side.page_s[-1] is None else f'{side.page_s[-1]:.1f} s'}"
                for monitor, side in sides
            )
            print(f"  {failure.name}, trial {trial + 1}/{trials}: {shown} (load {loads[-1]})", flush=True)
        scenarios[failure.name] = {
            "ours": _figures(ours, failure.goal_s),
            "loadavg": loads,
            "failed_at": moments,
            **({"original_relay": _figures(original, None)} if failure.with_original else {}),
        }
    return {
        "interval_s": INTERVAL_S,
        "kuma_interval_s": KUMA_INTERVAL_S,
        "page_window_s": PAGE_WINDOW_S,
        "trials": trials,
        "scenarios": scenarios,
    }


def _spread(values: list[float]) -> dict | None:
    if not values:
        return None
    return {
        "median_s": round(statistics.median(values), 2),
        "worst_s": round(max(values), 2),
        "best_s": round(min(values), 2),
    }


def _figures(side: Side, goal: float | None) -> dict:
    seen = [value for value in side.page_s if value is not None]
    never = len(side.page_s) - len(seen)
    spread = _spread(seen) or {"median_s": None, "worst_s": None, "best_s": None}
    return {
        **spread,
        "trials": len(side.page_s),
        "never": never,
        "samples_s": [None if value is None else round(value, 2) for value in side.page_s],
        "goal_s": goal,
        "goal_met": None if goal is None else (never == 0 and bool(seen) and max(seen) <= goal),
        # Where the time goes: until Kuma stored the DOWN beat, then until the pager had it.
        "kuma_row": _spread(side.row_s),
        "delivery": _spread(side.delivery_s),
        # Kuma's own timeout: its "No heartbeat" row after the last push (interval 20 s + its check loop).
        "kuma_timeout_after_last_push": _spread(side.kuma_timeout_s),
        "down_pages_per_trial": side.down_pages,
        "reasons": sorted(side.reasons),
    }


def assert_no_token(pages: list[Arrival], monitors: list[PushMonitor]) -> int:
    """No page body holds a push token (Kuma sends its monitor without sensitive data); the number checked."""
    for page in pages:
        text = page.raw.decode("utf-8", errors="replace")
        for monitor in monitors:
            if monitor.token in text:
                raise AssertionError(f"a page for {page_monitor(page)!r} holds the push token of {monitor.name!r}")
    return len(pages)


def run(workdir: Path, trials: int) -> dict:
    """Start the lab servers, boot and deploy the host, run the trials; the results as page_results.json holds them."""
    address = f"127.0.0.{HOST_ADDRESS}"
    if not address_free(address):
        raise RuntimeError(f"{address}:22 already answers: another booted host uses it")
    with ExitStack() as running:
        kuma = Kuma(workdir / "kuma")
        running.callback(kuma.stop)
        kuma.start()
        pager = running.enter_context(kuma_pager(kuma, "bench on-call"))
        created_at = _clock()
        ours = kuma.create_push_monitor("bench page ours", KUMA_INTERVAL_S, notification_ids=(pager.id,))
        original = kuma.create_push_monitor("bench page original relay", KUMA_INTERVAL_S, notification_ids=(pager.id,))
        relay = running.enter_context(OriginalRelay(original.push_url))
        # As the pipeline benches: the Watchdog's receiver is notified about every second.
        config = AlertmanagerConfig(webhook_url=relay.url, repeat_interval="1s")
        pair = start_alerting_pair(workdir / "pair", config)
        running.callback(pair.stop)
        fleet = running.enter_context(Fleet.boot(1, workdir / "fleet", [HOST_NAME], HOST_ADDRESS))
        check = {
            "name": CHECK_NAME,
            "alertmanager_url": pair.alertmanager.url,
            "push_url": ours.push_url,
            "interval": INTERVAL_S,
            "retries": 0,
        }
        deployed = deploy_checks(fleet, workdir / "fleet", {HOST_NAME: [check]})
        if deployed.returncode != 0:
            tail = (deployed.stdout + deployed.stderr)[-3000:]
            for monitor in (ours, original):
                tail = tail.replace(monitor.token, "<push token>")
            raise RuntimeError(f"deploy failed:\n{tail}")
        deployed_at = _clock()
        bench = Bench(pair, fleet.hosts[0], kuma, pager, ours, original)
        started_load = loadavg()
        results = measure(bench, trials)
        pages = pager.pages()
        checked = assert_no_token(pages, [ours, original])
        return {
            **results,
            "pages": {monitor.name: page_sequence(pages, monitor) for monitor in (ours, original)},
            "kuma_version": kuma.api.version(),
            "pages_checked_for_tokens": checked,
            # A new push monitor's first check comes one interval after it is made: no push by then is a DOWN page.
            "monitors_created_at": created_at,
            "host_deployed_at": deployed_at,
            "loadavg_at_start": started_load,
            "loadavg_at_end": loadavg(),
            "measured_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": machine(),
        }


def _cell(figures: dict) -> str:
    if figures["median_s"] is None:
        return f"never within {PAGE_WINDOW_S} s ({figures['trials']} trials)"
    text = f"median {figures['median_s']:.1f} s, worst {figures['worst_s']:.1f} s ({figures['trials']} trials)"
    if figures["never"]:
        text += f"; {figures['never']} never within {PAGE_WINDOW_S} s"
    return text


def markdown_table(results: dict) -> str:
    lines = ["| failure | time to page | goal | met | Kuma's DOWN row | page delivery |", "|---|---|---|---|---|---|"]
    for name, scenario in results["scenarios"].items():
        for label, figures in (("", scenario["ours"]), (", original relay", scenario.get("original_relay"))):
            if figures is None:
                continue
            goal = figures["goal_s"]
            goal_text = "-" if goal is None else f"worst <= {goal:.0f} s"
            met = "-" if goal is None else ("yes" if figures["goal_met"] else "NO")
            row, delivery = figures["kuma_row"], figures["delivery"]
            row_text = "-" if row is None else f"median {row['median_s']:.1f} s, worst {row['worst_s']:.1f} s"
            delivery_text = "-" if delivery is None else f"worst {delivery['worst_s'] * 1000:.0f} ms"
            lines.append(f"| {name}{label} | {_cell(figures)} | {goal_text} | {met} | {row_text} | {delivery_text} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--smoke", type=Path, metavar="DIR", help="1 trial per failure, results to DIR")
    args = parser.parse_args(argv)
    link_checkout_as_collection()
    trials = 1 if args.smoke else args.trials
    with tempfile.TemporaryDirectory(prefix="alertmanager-kuma-page-") as tmp:
        results = run(Path(tmp), trials)
    out = (args.smoke / RESULTS.name) if args.smoke else RESULTS
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    print(markdown_table(results))
    print(
        f"Kuma {results['kuma_version']}; {results['pages_checked_for_tokens']} pages, none with a push token;"
        f" load average {results['loadavg_at_start']} at start, {results['loadavg_at_end']} at end."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
