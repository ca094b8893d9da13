"""Benchmark 4: `ansible localhost -m watchdog.alertmanager_kuma.heartbeat` against `-m ansible.builtin.uri`."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from bench.measure import interleaved
from lab import Lab

ANSIBLE = str(Path(sys.executable).parent / "ansible")
GOAL_RATIO = 1.2


def measure(lab: Lab, runs: int = 10) -> dict:
    monitor = lab.kuma.create_push_monitor("bench adhoc")
    env = dict(os.environ, KUMA_PUSH_URL=monitor.push_url, ANSIBLE_PYTHON_INTERPRETER=sys.executable)
    push_arg = "push_url={{ lookup('ansible.builtin.env', 'KUMA_PUSH_URL') }}"
    commands = {
        "heartbeat": [
            ANSIBLE,
            "localhost",
            "-m",
            "watchdog.alertmanager_kuma.heartbeat",
            "-a",
            f"alertmanager_url={lab.alertmanager.url} {push_arg}",
        ],
        "uri": [ANSIBLE, "localhost", "-m", "ansible.builtin.uri", "-a", f"url={lab.alertmanager.url}/api/v2/status"],
    }
    summaries = interleaved(commands, runs, env)
    ratio = summaries["heartbeat"].median_wall_s / summaries["uri"].median_wall_s
    return {
        "heartbeat": summaries["heartbeat"].as_dict(),
        "uri_floor": summaries["uri"].as_dict(),
        "ratio_wall": round(ratio, 3),
        "goal_ratio": GOAL_RATIO,
        "goal_met": ratio <= GOAL_RATIO,
    }
