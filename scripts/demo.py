"""Quick start: bring up a local lab and send one heartbeat through the module, as a user would.

    .venv/bin/python scripts/demo.py        (or: make demo)

Starts the real Prometheus (with an always-firing Watchdog), Alertmanager and Uptime Kuma on loopback,
creates a Kuma push monitor, runs `ansible localhost -m watchdog.alertmanager_kuma.heartbeat`, shows the
heartbeat Kuma stored, then silences the Watchdog and shows the DOWN heartbeat with its reason.
Everything it started is stopped by PID on the way out.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
# First, always: scripts/lab.py sits beside the script that Python puts on sys.path, and `lab` must be the package.
sys.path.insert(0, str(REPO_ROOT))

from lab import Heartbeat, HeartbeatStatus, Lab, pushed  # noqa: E402
from lab.ansible import adhoc_command  # noqa: E402
from lab.collection import link_checkout_as_collection  # noqa: E402
from lab.stack import WATCHDOG_MATCH  # noqa: E402


def heartbeat(alertmanager_url: str) -> None:
    # The push URL travels in the environment, so the token is not on the command line shown here.
    args = f"alertmanager_url={alertmanager_url} push_url={{{{ lookup('ansible.builtin.env', 'KUMA_PUSH_URL') }}}}"
    print(f'\n$ ansible localhost -m watchdog.alertmanager_kuma.heartbeat -a "{args}"', flush=True)
    subprocess.run(adhoc_command(args), check=False)


def show(row: Heartbeat) -> None:
    print(f"Kuma stored: status={HeartbeatStatus(row.status).name} ping={row.ping} msg={row.msg!r}\n", flush=True)


def main() -> int:
    link_checkout_as_collection()
    with tempfile.TemporaryDirectory(prefix="alertmanager-kuma-demo-") as workdir:
        print("Starting Prometheus, Alertmanager and Uptime Kuma on loopback...", flush=True)
        with Lab.start(Path(workdir)) as lab:
            monitor = lab.kuma.create_push_monitor("Alertmanager Watchdog")
            os.environ["KUMA_PUSH_URL"] = monitor.push_url
            print(f"Alertmanager {lab.alertmanager.url}, Uptime Kuma {lab.kuma.url}, push monitor #{monitor.id}")

            heartbeat(lab.alertmanager.url)
            up = lab.kuma.wait_for_heartbeat(monitor.id, pushed(HeartbeatStatus.UP))
            show(up)

            print("Silencing the Watchdog in Alertmanager...", flush=True)
            lab.alertmanager.silence(WATCHDOG_MATCH)
            lab.alertmanager.wait_for_alert(WATCHDOG_MATCH, state="suppressed")
            heartbeat(lab.alertmanager.url)
            show(lab.kuma.wait_for_heartbeat(monitor.id, pushed(HeartbeatStatus.DOWN), after_id=up.id))
        print("Lab stopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
