"""Run the lab by hand: Prometheus with the Watchdog, Alertmanager, and Uptime Kuma with push monitors.

    .venv/bin/python scripts/lab.py up [--workdir DIR] [--monitors a,b] [--webhook URL] [--detach]
    .venv/bin/python scripts/lab.py down [--workdir DIR]

Prints the URLs, writes them to DIR/lab.json while it runs (with each monitor's id and push URL, the
Alertmanager's PID and Kuma's database), and keeps the servers running until Ctrl-C or SIGTERM, then stops
each by its PID. `--detach` returns once the lab is ready and leaves it running; `down` stops it by the PID in
lab.json. `--webhook` routes the Watchdog to a webhook (a relay). A throwaway local lab: every `up` starts from
empty data.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
# First, always: scripts/lab.py sits beside the script that Python puts on sys.path, and `lab` must be the package.
sys.path.insert(0, str(REPO_ROOT))

from lab import AlertmanagerConfig, Lab  # noqa: E402 - importable only once the repository root is on sys.path
from lab.paths import INSTALL_HINT, lab_cache, missing_alerting_parts, missing_kuma_parts  # noqa: E402

# Only what a previous `up` created is removed, never anything else in the work dir.
RUN_ENTRIES = ("alertmanager", "prometheus", "kuma", "lab.json")
READY_SECONDS = 180
STOP_SECONDS = 60


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


def up(workdir: Path, monitors: list[str], webhook: str | None) -> int:
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
    config = AlertmanagerConfig(webhook_url=webhook) if webhook else None
    with Lab.start(workdir, config) as lab:
        created = {name: lab.kuma.create_push_monitor(name) for name in monitors}
        monitor = created[monitors[0]]
        lab_info = {
            "pid": os.getpid(),
            "alertmanager_url": lab.alertmanager.url,
            "alertmanager_pid": lab.alertmanager.process.pid,
            "prometheus_url": lab.prometheus.url,
            "kuma_url": lab.kuma.url,
            "kuma_username": lab.kuma.username,
            "kuma_password": lab.kuma.password,
            "kuma_db": str(lab.kuma.db_path),
            "push_monitor_id": monitor.id,
            "push_url": monitor.push_url,
            "monitors": {name: {"id": made.id, "push_url": made.push_url} for name, made in created.items()},
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


def up_detached(workdir: Path, argv: list[str]) -> int:
    """Start `up` as a process of its own (its log in DIR/lab.log) and return once its lab.json says it is ready."""
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "lab.json").unlink(missing_ok=True)
    with open(workdir / "lab.log", "w") as log:
        started = subprocess.Popen(
            [sys.executable, __file__, *argv], stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if _running_lab_pid(workdir) == started.pid:
            print(f"lab: running in the background (PID {started.pid}); stop it with: scripts/lab.py down")
            return 0
        if started.poll() is not None:
            print(f"lab: did not start (exit {started.returncode}); see {workdir / 'lab.log'}", file=sys.stderr)
            return 1
        time.sleep(0.2)
    print(f"lab: not ready within {READY_SECONDS} s; see {workdir / 'lab.log'}", file=sys.stderr)
    started.terminate()
    return 1


def down(workdir: Path) -> int:
    """Stop the lab started from DIR by the PID in its lab.json, and wait for it to stop its servers."""
    pid = _running_lab_pid(workdir)
    if pid is None:
        print(f"lab: no lab is running from {workdir}")
        return 0
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_SECONDS
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            print(f"lab: stopped (PID {pid})")
            return 0
        time.sleep(0.2)
    print(f"lab: PID {pid} still running after {STOP_SECONDS} s", file=sys.stderr)
    return 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    up_command = commands.add_parser("up", help="start the lab and keep it running until Ctrl-C or SIGTERM")
    down_command = commands.add_parser("down", help="stop a lab started with up --detach")
    for command in (up_command, down_command):
        command.add_argument(
            "--workdir", type=Path, default=lab_cache() / "run", help="where the servers keep data and logs"
        )
    up_command.add_argument("--monitors", default="Watchdog", help="push monitors to create, comma-separated")
    up_command.add_argument("--webhook", help="route the Watchdog to this webhook URL (a relay)")
    up_command.add_argument("--detach", action="store_true", help="return once ready, leaving the lab running")
    args = parser.parse_args(argv)
    workdir = args.workdir.resolve()
    if args.command == "down":
        return down(workdir)
    if args.detach:
        forwarded = ["up", "--workdir", str(workdir), "--monitors", args.monitors]
        return up_detached(workdir, forwarded + (["--webhook", args.webhook] if args.webhook else []))
    return up(workdir, [name for name in args.monitors.split(",") if name], args.webhook)


if __name__ == "__main__":
    sys.exit(main())
