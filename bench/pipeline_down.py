"""Benchmark: how long after a link of the pipeline breaks Kuma stores a DOWN row, ours and the original relay's.

The check runs on a booted host every T = 10 s with every link on (see bench/pipeline_lab.py). Four failures, each
started at a random moment of the cadence: the pager refuses connections (notifications fail), a broken config is
reloaded (Alertmanager keeps the old one), Prometheus is killed, the Watchdog is routed to the default receiver.
Ours is the first DOWN row our check pushed (Kuma's own "No heartbeat" rows skipped). The original relay's is any
DOWN row of its monitor, its only way down being Kuma's own timeout, watched for a bounded window.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from bench.pipeline_lab import BROKEN_CONFIG, INTERVAL_S, KUMA_INTERVAL_S, ROUTED_AWAY_MATCHER, Pipeline
from bench.pipeline_lab import alertmanager_config as render_config
from bench.trials import figures, first_down, last_id, row_time, wait_fresh_up
from lab import Kuma, PushMonitor
from lab.stack import WATCHDOG_MATCH

GOAL_EXTRA_S = 2
OURS_TIMEOUT_S = 6 * INTERVAL_S
ORIGINAL_WINDOW_S = 3 * KUMA_INTERVAL_S
MSG_SHOWN = 90


@dataclass(frozen=True)
class Failure:
    name: str
    start: Callable[[Pipeline], None]
    recover: Callable[[Pipeline], None]


def _refuse_notifications(pipeline: Pipeline) -> None:
    pipeline.stop_pager()


def _accept_notifications(pipeline: Pipeline) -> None:
    pipeline.start_pager()


def _reload_broken(pipeline: Pipeline) -> None:
    if pipeline.pair.alertmanager.reload(BROKEN_CONFIG).status_code != 500:
        raise RuntimeError("Alertmanager accepted the broken configuration")


def _reload_good(pipeline: Pipeline) -> None:
    pipeline.pair.alertmanager.reload(pipeline.good_config).raise_for_status()


def _kill_prometheus(pipeline: Pipeline) -> None:
    pipeline.pair.prometheus.stop()


def _restart_prometheus(pipeline: Pipeline) -> None:
    pipeline.pair.prometheus.process.start()
    pipeline.pair.alertmanager.wait_for_alert(WATCHDOG_MATCH, timeout=60)


def _route_away(pipeline: Pipeline) -> None:
    relay_url = pipeline.relay.url
    away = render_config(relay_url, pipeline.pager_url, watchdog_matcher=ROUTED_AWAY_MATCHER)
    pipeline.pair.alertmanager.reload(away).raise_for_status()


FAILURES = (
    Failure("notifications failing", _refuse_notifications, _accept_notifications),
    Failure("config reload failed", _reload_broken, _reload_good),
    Failure("Prometheus killed", _kill_prometheus, _restart_prometheus),
    Failure("Watchdog routed away", _route_away, _reload_good),
)


def measure(
    pipeline: Pipeline,
    kuma: Kuma,
    ours: PushMonitor,
    original: PushMonitor,
    trials: int,
    original_trials: int,
    seed: int,
    original_window_s: float = ORIGINAL_WINDOW_S,
    only: tuple[str, ...] = (),
) -> dict:
    """`trials` random moments per failure; the original relay is watched for `original_window_s` in the first
    `original_trials` of them (a window that long each time would triple the run)."""
    rng = random.Random(seed)
    scenarios: dict[str, dict] = {}
    for failure in (failure for failure in FAILURES if not only or failure.name in only):
        ours_s: list[float | None] = []
        original_s: list[float | None] = []
        reasons: list[str] = []
        for trial in range(trials):
            wait_fresh_up(kuma, ours)
            wait_fresh_up(kuma, original)
            time.sleep(rng.uniform(0, INTERVAL_S))
            marks = (last_id(kuma, ours), last_id(kuma, original))
            broken_at = time.time()
            failure.start(pipeline)
            down = first_down(kuma, ours, marks[0], OURS_TIMEOUT_S, own_rows=False)
            ours_s.append(None if down is None else row_time(down.time) - broken_at)
            if down is not None:
                reasons.append((down.msg or "")[:MSG_SHOWN])
            if trial < original_trials:
                remaining = broken_at + original_window_s - time.time()
                gone = first_down(kuma, original, marks[1], remaining, own_rows=True)
                original_s.append(None if gone is None else row_time(gone.time) - broken_at)
            failure.recover(pipeline)
        scenarios[failure.name] = {
            **figures(ours_s, INTERVAL_S + GOAL_EXTRA_S, OURS_TIMEOUT_S),
            "reasons": sorted(set(reasons)),
            "original_relay": figures(original_s, None, original_window_s),
        }
    return {
        "interval_s": INTERVAL_S,
        "kuma_interval_s": KUMA_INTERVAL_S,
        "trials": trials,
        "original_trials": original_trials,
        "original_window_s": original_window_s,
        "scenarios": scenarios,
    }
