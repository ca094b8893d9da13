"""What the time-to-DOWN benches share: Kuma's rows read and waited for, their figures, the booted host's address
checked free, the machine described and its load read."""

from __future__ import annotations

import platform
import socket
import statistics
from datetime import UTC, datetime
from pathlib import Path

from lab import Heartbeat, HeartbeatStatus, Kuma, PushMonitor, pushed

RECOVERY_TIMEOUT_S = 120


def row_time(text: str) -> float:
    """Kuma's heartbeat time, UTC text such as "2026-12-04 20:30:00.123"."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def last_id(kuma: Kuma, monitor: PushMonitor) -> int:
    rows = kuma.heartbeats(monitor.id)
    return rows[-1].id if rows else 0


def wait_fresh_up(kuma: Kuma, monitor: PushMonitor) -> None:
    """A new pushed UP row: Kuma holds UP, and the cadence has a known phase."""
    kuma.wait_for_heartbeat(
        monitor.id, pushed(HeartbeatStatus.UP), timeout=RECOVERY_TIMEOUT_S, after_id=last_id(kuma, monitor)
    )


def first_down(kuma: Kuma, monitor: PushMonitor, after_id: int, timeout: float, own_rows: bool) -> Heartbeat | None:
    """The first DOWN row after `after_id` within `timeout` (Kuma's own rows only with `own_rows`), or None."""

    def is_down(row: Heartbeat) -> bool:
        return row.status == HeartbeatStatus.DOWN and (own_rows or row.from_push)

    try:
        return kuma.wait_for_heartbeat(monitor.id, is_down, timeout=max(timeout, 0.0), after_id=after_id)
    except AssertionError:
        return None


def address_free(address: str) -> bool:
    """Nothing answers SSH there: no other booted host holds the address."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(1)
        return probe.connect_ex((address, 22)) != 0


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def machine() -> str:
    cpus = len(list(Path("/sys/devices/system/cpu").glob("cpu[0-9]*")))
    return f"{platform.node()}: {cpus} CPUs, Linux {platform.release()}, Python {platform.python_version()}"


def figures(seconds: list[float | None], goal: float | None, window_s: float) -> dict:
    """Median and worst over the trials that turned DOWN; `never` counts those that did not within `window_s`."""
    seen = [value for value in seconds if value is not None]
    return {
        "median_s": round(statistics.median(seen), 2) if seen else None,
        "worst_s": round(max(seen), 2) if seen else None,
        "best_s": round(min(seen), 2) if seen else None,
        "never": len(seconds) - len(seen),
        "window_s": window_s,
        "trials": len(seconds),
        "samples_s": [None if value is None else round(value, 2) for value in seconds],
        "goal_s": goal,
    }
