"""Benchmark 1: how long after the pipeline breaks Kuma stores a DOWN heartbeat.

One booted systemd host runs two checks every T seconds against the same Alertmanager: one pushes `down` with the
reason (this collection), the other pushes nothing on failure (`on_failure: skip`), which is what the original relay
does when Alertmanager dies: Kuma then decides on its own, when its monitor's interval runs out. Three failures,
each started at a random moment: Alertmanager killed, Prometheus killed (the Watchdog stops arriving: the check's
max_age on the alert's updatedAt turns it down before Alertmanager expires the alert), and the Watchdog silenced.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from lab import AlertingPair, HeartbeatStatus, Kuma, PushMonitor, pushed
from lab.stack import WATCHDOG_MATCH

INTERVAL_S = 10
KUMA_INTERVAL_S = 20  # Kuma's shortest push-monitor interval
MAX_AGE_S = 5  # the lab's Prometheus re-sends every second (--rules.alert.resend-delay=1s)
GOAL_EXTRA_S = 2


@dataclass(frozen=True)
class Failure:
    name: str
    start: Callable[[AlertingPair], object]
    recover: Callable[[AlertingPair, object], None]


def _kill_alertmanager(pair: AlertingPair) -> None:
    pair.alertmanager.stop()


def _restart_alertmanager(pair: AlertingPair, _token: object) -> None:
    pair.alertmanager.process.start()
    pair.alertmanager.wait_for_alert(WATCHDOG_MATCH, timeout=60)


def _kill_prometheus(pair: AlertingPair) -> None:
    pair.prometheus.stop()


def _restart_prometheus(pair: AlertingPair, _token: object) -> None:
    pair.prometheus.process.start()
    pair.alertmanager.wait_for_alert(WATCHDOG_MATCH, timeout=60)


def _silence(pair: AlertingPair) -> str:
    return pair.alertmanager.silence(WATCHDOG_MATCH)


def _unsilence(pair: AlertingPair, silence_id: object) -> None:
    pair.alertmanager.expire_silence(str(silence_id))
    pair.alertmanager.wait_for_alert(WATCHDOG_MATCH, timeout=60)


FAILURES = (
    Failure("Alertmanager dies", _kill_alertmanager, _restart_alertmanager),
    Failure("Prometheus dies", _kill_prometheus, _restart_prometheus),
    Failure("Watchdog silenced", _silence, _unsilence),
)


def _row_time(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def _first_down_after(kuma: Kuma, monitor: PushMonitor, after_id: int, own_rows: bool, timeout: float):
    """The first DOWN row after `after_id`: a pushed one, or with own_rows Kuma's own "no heartbeat" row."""

    def is_down(row) -> bool:
        return row.status == HeartbeatStatus.DOWN and (own_rows or row.from_push)

    return kuma.wait_for_heartbeat(monitor.id, is_down, timeout=timeout, after_id=after_id)


def _last_id(kuma: Kuma, monitor: PushMonitor) -> int:
    rows = kuma.heartbeats(monitor.id)
    return rows[-1].id if rows else 0


def measure(pair: AlertingPair, kuma: Kuma, ours: PushMonitor, original: PushMonitor, trials: int, seed: int) -> dict:
    """`ours` is fed by the on_failure=down check, `original` by the on_failure=skip one, both every INTERVAL_S."""
    rng = random.Random(seed)
    scenarios: dict[str, dict] = {}
    for failure in FAILURES:
        ours_s: list[float] = []
        original_s: list[float] = []
        for _trial in range(trials):
            # Both monitors UP again, then a random moment inside the cadence.
            kuma.wait_for_heartbeat(
                ours.id, pushed(HeartbeatStatus.UP), timeout=3 * INTERVAL_S, after_id=_last_id(kuma, ours)
            )
            kuma.wait_for_heartbeat(
                original.id, pushed(HeartbeatStatus.UP), timeout=3 * INTERVAL_S, after_id=_last_id(kuma, original)
            )
            time.sleep(rng.uniform(0, INTERVAL_S))
            marks = (_last_id(kuma, ours), _last_id(kuma, original))
            broken_at = time.time()
            token = failure.start(pair)
            down = _first_down_after(kuma, ours, marks[0], own_rows=False, timeout=4 * INTERVAL_S)
            ours_s.append(_row_time(down.time) - broken_at)
            if failure.name == "Alertmanager dies":
                gone = _first_down_after(kuma, original, marks[1], own_rows=True, timeout=4 * KUMA_INTERVAL_S)
                original_s.append(_row_time(gone.time) - broken_at)
            failure.recover(pair, token)
        scenarios[failure.name] = _figures(
            ours_s, INTERVAL_S + GOAL_EXTRA_S if failure.name == "Alertmanager dies" else None
        )
        if original_s:
            scenarios["Alertmanager dies, original relay (Kuma's own timeout)"] = _figures(original_s, None)
    return {"interval_s": INTERVAL_S, "kuma_interval_s": KUMA_INTERVAL_S, "trials": trials, "scenarios": scenarios}


def _figures(seconds: list[float], goal: float | None) -> dict:
    return {
        "median_s": round(statistics.median(seconds), 2),
        "worst_s": round(max(seconds), 2),
        "best_s": round(min(seconds), 2),
        "trials": len(seconds),
        "samples_s": [round(value, 2) for value in seconds],
        "goal_s": goal,
    }


def checks(alertmanager_url: str, ours: PushMonitor, original: PushMonitor) -> list[dict]:
    """The two checks the bench host runs."""
    common = {"alertmanager_url": alertmanager_url, "interval": INTERVAL_S, "max_age": MAX_AGE_S, "retries": 0}
    return [
        dict(common, name="ours", push_url=ours.push_url, on_failure="down"),
        dict(common, name="original", push_url=original.push_url, on_failure="skip"),
    ]
