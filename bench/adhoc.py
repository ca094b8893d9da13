"""Benchmark 4: `ansible localhost -m watchdog.alertmanager_kuma.heartbeat` against `-m ansible.builtin.uri`."""

from __future__ import annotations

import os
import sys

from bench.measure import interleaved
from lab import Lab
from lab.ansible import adhoc_command

GOAL_RATIO = 1.2


def measure(lab: Lab, runs: int = 10) -> dict:
    monitor = lab.kuma.create_push_monitor("bench adhoc")
    env = dict(os.environ, KUMA_PUSH_URL=monitor.push_url, ANSIBLE_PYTHON_INTERPRETER=sys.executable)
    push_arg = "push_url={{ lookup('ansible.builtin.env', 'KUMA_PUSH_URL') }}"
    commands = {
        "heartbeat": adhoc_command(f"alertmanager_url={lab.alertmanager.url} {push_arg}"),
        "uri": adhoc_command(f"url={lab.alertmanager.url}/api/v2/status", module="ansible.builtin.uri"),
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
