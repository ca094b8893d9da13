"""Benchmark: a healthy pipeline stays UP. The timer runs the check with every link on at T = 10 s for a while
(10 minutes for the committed figure) and every row Kuma stored meanwhile is counted: a DOWN row is a false one.
"""

from __future__ import annotations

import time
from collections import Counter

from bench.pipeline_lab import INTERVAL_S, KUMA_INTERVAL_S
from lab import HeartbeatStatus, Kuma, PushMonitor, pushed

DURATION_S = 600
MSG_SHOWN = 90


def _last_id(kuma: Kuma, monitor: PushMonitor) -> int:
    rows = kuma.heartbeats(monitor.id)
    return rows[-1].id if rows else 0


def _rows(kuma: Kuma, monitor: PushMonitor, after_id: int) -> dict:
    rows = kuma.heartbeats(monitor.id, after_id=after_id)
    kinds = Counter(("pushed " if row.from_push else "Kuma's own ") + HeartbeatStatus(row.status).name for row in rows)
    down_msgs = sorted({(row.msg or "")[:MSG_SHOWN] for row in rows if row.status != HeartbeatStatus.UP})
    return {"rows": len(rows), "by_kind": dict(sorted(kinds.items())), "not_up_messages": down_msgs}


def measure(kuma: Kuma, ours: PushMonitor, original: PushMonitor, duration_s: float = DURATION_S) -> dict:
    """Wait for the check's first UP, then let the timer run `duration_s` untouched and count the rows."""
    for monitor in (ours, original):
        kuma.wait_for_heartbeat(monitor.id, pushed(HeartbeatStatus.UP), timeout=6 * INTERVAL_S)
    marks = (_last_id(kuma, ours), _last_id(kuma, original))
    started = time.monotonic()
    # The soak is the measure: nothing to poll for, the rows are read once it is over.
    time.sleep(duration_s)
    elapsed = time.monotonic() - started
    ours_rows = _rows(kuma, ours, marks[0])
    original_rows = _rows(kuma, original, marks[1])
    return {
        "duration_s": round(elapsed),
        "interval_s": INTERVAL_S,
        "kuma_interval_s": KUMA_INTERVAL_S,
        "expected_runs": int(elapsed // INTERVAL_S),
        "ours": ours_rows,
        "original_relay": original_rows,
        # A false DOWN is one our check pushed; Kuma's own rows (no push in time) are counted apart, as missed pushes.
        "false_down": ours_rows["by_kind"].get(f"pushed {HeartbeatStatus.DOWN.name}", 0),
        "kuma_own_rows": sum(count for kind, count in ours_rows["by_kind"].items() if kind.startswith("Kuma's own")),
        "goal_false_down": 0,
    }
