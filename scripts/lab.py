"""Run the lab by hand: Prometheus with the Watchdog, Alertmanager, and Uptime Kuma with one push monitor.

    .venv/bin/python scripts/lab.py up [--workdir DIR]

Prints the URLs, writes them to DIR/lab.json while it runs, and keeps the servers running until Ctrl-C
or SIGTERM, then stops each by its PID. A throwaway local lab: every `up` starts from empty data.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sys
import threading
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
# First, always: scripts/lab.py sits beside the script that Python puts on sys.path, and `lab` must be the package.
sys.path.insert(0, str(REPO_ROOT))

from lab import Lab  # noqa: E402 - importable only once the repository root is on sys.path
from lab.paths import INSTALL_HINT, lab_cache, missing_alerting_parts, missing_kuma_parts  # noqa: E402

# Only what a previous `up` created is removed, never anything else in the work dir.
RUN_ENTRIES = ("alertmanager", "prometheus", "kuma", "lab.json")


def _clear_previous_run(workdir: Path) -> None:
    for entry in RUN_ENTRIES:
        path = workdir / entry
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def _running_lab_pid(workdir: Path) -> int | None:
    try:
        pid = int(json.loads((workdir / "lab.json").read_text())["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    return pid


def up(workdir: Path) -> int:
    missing = missing_alerting_parts() + missing_kuma_parts()
    if missing:
        print(f"lab: not installed (missing: {', '.join(missing)}): {INSTALL_HINT}", file=sys.stderr)
        return 2
    running = _running_lab_pid(workdir)
    if running is not None:
        print(
            f"lab: a lab is already running from {workdir} (PID {running}); remove its lab.json if it is not",
            file=sys.stderr,
        )
        return 1
    workdir.mkdir(parents=True, exist_ok=True)
    _clear_previous_run(workdir)

    # Signals only raise a flag, so a Ctrl-C during start-up still lets everything started be stopped.
    stop_requested = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop_requested.set())

    print(f"lab: starting in {workdir} (Uptime Kuma takes a few seconds)", flush=True)
    with Lab.start(workdir) as lab:
        monitor = lab.kuma.create_push_monitor("Watchdog")
        lab_info = {
            "pid": os.getpid(),
            "alertmanager_url": lab.alertmanager.url,
            "prometheus_url": lab.prometheus.url,
            "kuma_url": lab.kuma.url,
            "kuma_username": lab.kuma.username,
            "kuma_password": lab.kuma.password,
            "push_monitor_id": monitor.id,
            "push_url": monitor.push_url,
        }
        lab_json = workdir / "lab.json"
        # It holds the Kuma admin password: readable by its owner only.
        lab_json.touch(mode=0o600)
        lab_json.write_text(json.dumps(lab_info, indent=2) + "\n")
        print(f"Alertmanager: {lab.alertmanager.url}")
        print(f"Prometheus:   {lab.prometheus.url}")
        print(f"Uptime Kuma:  {lab.kuma.url} (user {lab.kuma.username}, password in {lab_json})")
        print(f"Push URL:     {monitor.push_url}")
        print("lab: running; Ctrl-C to stop", flush=True)
        stop_requested.wait()
        print("lab: stopping", flush=True)
        # Its URLs die with the servers.
        lab_json.unlink()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    up_command = commands.add_parser("up", help="start the lab and keep it running until Ctrl-C or SIGTERM")
    up_command.add_argument(
        "--workdir", type=Path, default=lab_cache() / "run", help="where the servers keep data and logs"
    )
    args = parser.parse_args(argv)
    return up(args.workdir.resolve())


if __name__ == "__main__":
    sys.exit(main())
