"""Deploy heartbeat checks to a booted fleet as a user does: an inventory, host_vars beside it, the deploy playbook."""

from __future__ import annotations

from pathlib import Path

import yaml

from lab.ansible import Run
from lab.ansible import playbook as run_playbook
from lab.fleet.host import Fleet

DEPLOY_PLAYBOOK = "watchdog.alertmanager_kuma.deploy"


def deploy_checks(
    fleet: Fleet,
    workdir: Path,
    checks_by_host: dict[str, list[dict]],
    *extra: str,
    playbook: str = DEPLOY_PLAYBOOK,
    timeout: float = 600,
) -> Run:
    """Write WORKDIR/hosts.ini and WORKDIR/host_vars/HOST.yml (each host's `heartbeat_timer_checks`), then run
    `ansible-playbook PLAYBOOK -i hosts.ini EXTRA...` in WORKDIR; return the finished run, whatever its exit code."""
    inventory = fleet.write_inventory(workdir / "hosts.ini")
    host_vars = workdir / "host_vars"
    host_vars.mkdir(exist_ok=True)
    for host, checks in checks_by_host.items():
        (host_vars / f"{host}.yml").write_text(yaml.safe_dump({"heartbeat_timer_checks": checks}))
    # WORKDIR as the working directory: no ansible.cfg of the checkout or the caller changes what is deployed.
    return run_playbook(playbook, "-i", str(inventory), *extra, cwd=workdir, timeout=timeout, verbose=False)
