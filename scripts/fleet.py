"""Boot or stop a fleet of real systemd hosts (Debian 12 under systemd-nspawn) reached over SSH on loopback.

    .venv/bin/python scripts/fleet.py up --count 2 --workdir DIR [--names host-a,host-b]
    .venv/bin/python scripts/fleet.py down --workdir DIR

`up` boots the hosts, writes DIR/fleet.json (names, addresses, PIDs) and DIR/inventory.ini, and returns with
the hosts running; `down` stops each by the PID recorded in DIR/fleet.json. Used by the molecule scenario.
"""

from __future__ import annotations

import argparse
import json
import sys
from contextlib import ExitStack
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
# First, always: scripts/lab.py sits beside the script that Python puts on sys.path, and `lab` must be the package.
sys.path.insert(0, str(REPO_ROOT))

from lab.fleet.host import BootedHost, Fleet, boot_host, ensure_identity  # noqa: E402

FIRST_ADDRESS = 11


def up(workdir: Path, count: int, names: list[str]) -> int:
    workdir.mkdir(parents=True, exist_ok=True)
    state_path = workdir / "fleet.json"
    if state_path.exists():
        print(f"fleet: {state_path} exists; run `down` first", file=sys.stderr)
        return 1
    identity = ensure_identity(workdir)
    names = (names or [f"host-{index}" for index in range(count)])[:count]
    with ExitStack() as on_failure:
        hosts = []
        for index, name in enumerate(names):
            host = boot_host(name, f"127.0.0.{FIRST_ADDRESS + index}", workdir, identity)
            on_failure.callback(host.stop)
            hosts.append(host)
        state_path.write_text(json.dumps({"hosts": [host.as_dict() for host in hosts]}, indent=2) + "\n")
        Fleet(hosts, identity).write_inventory(workdir / "inventory.ini")
        on_failure.pop_all()
    for host in hosts:
        print(f"fleet: {host.name} at {host.address} (PID {host.pid})")
    return 0


def down(workdir: Path) -> int:
    state_path = workdir / "fleet.json"
    if not state_path.exists():
        return 0
    for state in json.loads(state_path.read_text())["hosts"]:
        BootedHost.from_dict(state).stop()
    state_path.unlink()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    up_command = commands.add_parser("up")
    up_command.add_argument("--count", type=int, default=2)
    up_command.add_argument("--names", default="", help="comma-separated host names")
    up_command.add_argument("--workdir", type=Path, required=True)
    down_command = commands.add_parser("down")
    down_command.add_argument("--workdir", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.command == "up":
        return up(args.workdir.resolve(), args.count, [name for name in args.names.split(",") if name])
    return down(args.workdir.resolve())


if __name__ == "__main__":
    sys.exit(main())
