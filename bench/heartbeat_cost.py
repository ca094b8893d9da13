"""Benchmark 2: what one check-and-push run of the installed heartbeat program costs a host.

The program is installed as the heartbeat_timer role installs it (the core's files as a package, compiled, and
the same launcher), and run against the floor: a bare `python3 -c` one-liner making the same three requests
with the same library (urllib). Memory held between runs is zero by construction for a oneshot; the resident
relay process (this collection's relay, started as its role starts it) is measured beside it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bench.measure import interleaved
from lab import Lab
from lab.installed import install_core
from lab.relay import relay_process

LAUNCHER = """#!/usr/bin/python3 -I
import sys

sys.path.insert(0, "{lib_dir}")
from alertmanager_kuma._program import main

sys.exit(main())
"""
FLOOR = (
    "import urllib.request as u,json;o=u.build_opener();"
    "json.load(o.open('{am}/api/v2/status',timeout=3));"
    "json.load(o.open('{am}/api/v2/alerts?filter=alertname%3D%22Watchdog%22',timeout=3));"
    "json.load(o.open('{push}?status=up&msg=floor&ping=1',timeout=3))"
)
GOAL_RATIO = 1.15


def install_program(workdir: Path) -> Path:
    """Lay the program out as the role does: /usr/local/lib/alertmanager-kuma/alertmanager_kuma + launcher."""
    lib_dir = install_core(workdir)
    launcher = workdir / "alertmanager-kuma-heartbeat"
    launcher.write_text(LAUNCHER.format(lib_dir=lib_dir))
    launcher.chmod(0o755)
    return launcher


def relay_resident_kib(lib_dir: Path, workdir: Path, push_url: str) -> int:
    """What a resident relay (this collection's, idle after start) holds in memory all the time: VmRSS."""
    with relay_process(workdir / "relay", {"push_url": push_url}, lib_dir=lib_dir) as relay:
        status = Path(f"/proc/{relay.process.pid}/status").read_text()
        return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:")))


def measure(lab: Lab, workdir: Path, runs: int = 20) -> dict:
    monitor = lab.kuma.create_push_monitor("bench cost")
    launcher = install_program(workdir)
    settings = workdir / "settings.json"
    settings.write_text(json.dumps({"alertmanager_url": lab.alertmanager.url, "push_url": monitor.push_url}))
    settings.chmod(0o600)
    floor = FLOOR.format(am=lab.alertmanager.url, push=monitor.push_url)
    summaries = interleaved(
        {"program": [str(launcher), "--settings", str(settings)], "floor": ["/usr/bin/python3", "-c", floor]}, runs
    )
    program, bare = summaries["program"], summaries["floor"]
    return {
        "program": program.as_dict(),
        "floor": bare.as_dict(),
        "ratio_wall": round(program.median_wall_s / bare.median_wall_s, 3),
        "ratio_cpu": round(program.median_cpu_s / bare.median_cpu_s, 3),
        "memory_held_between_runs_kib": 0,
        "relay_resident_kib": relay_resident_kib(workdir / "lib", workdir, monitor.push_url),
        "goal_ratio": GOAL_RATIO,
        "goal_met": program.median_wall_s / bare.median_wall_s <= GOAL_RATIO,
        "python": sys.version.split()[0],
    }
