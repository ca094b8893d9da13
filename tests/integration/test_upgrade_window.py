"""The README's upgrade playbook, wrapped in a maintenance window with block/always, against the real Kuma of each
version: while the upgrade runs (and fails) the heartbeat's DOWN pages nobody, and once the window closed the next
DOWN pages. The play is the README's own, read from it; only its upgrade steps are swapped for the lab's."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from lab import HeartbeatStatus, Kuma
from lab.ansible import playbook
from lab.pager import Pager
from lab.ports import free_port

README = Path(__file__).resolve().parents[2] / "README.md"
MAINTENANCE = "watchdog.alertmanager_kuma.maintenance"
REASON = "Alertmanager unreachable: connection refused"


def _readme_upgrade_play() -> dict[str, Any]:
    blocks = re.findall(r"```yaml\n(.*?)```", README.read_text(), re.DOTALL)
    (play,) = (yaml.safe_load(block)[0] for block in blocks if "Upgrade Alertmanager, one host at a time" in block)
    return play


def _with_lab_upgrade(play: dict[str, Any], push_url: str) -> dict[str, Any]:
    """The README's play with its upgrade steps swapped: a heartbeat run finding Alertmanager down, then a failure."""
    (wrapped,) = play["tasks"]
    opened, *_upgrade = wrapped["block"]
    steps = [
        {
            "name": "The heartbeat runs while Alertmanager is down",
            "watchdog.alertmanager_kuma.heartbeat": {
                "alertmanager_url": f"http://127.0.0.1:{free_port()}",
                "push_url": push_url,
                "retries": 0,
            },
        },
        {"name": "The upgrade fails", "ansible.builtin.fail": {"msg": "the upgrade failed"}},
    ]
    return {**play, "tasks": [{**wrapped, "block": [opened, *steps]}]}


def test_the_readme_upgrade_play_holds_its_window_open_while_it_fails_and_closes_it_after(
    any_kuma: Kuma, pager: Pager, tmp_path: Path
) -> None:
    monitor = any_kuma.create_push_monitor(f"upgrade-{any_kuma.version}/am1/watchdog", notification_ids=[pager.id])
    monitor.push("up", "OK")
    play = _readme_upgrade_play()
    (wrapped,) = play["tasks"]
    assert [next(iter(set(task) & {MAINTENANCE}), None) for task in (wrapped["block"][0], wrapped["always"][0])] == [
        MAINTENANCE,
        MAINTENANCE,
    ], "the README's play opens the window first in its block and closes it in always"
    (tmp_path / "play.yml").write_text(json.dumps([_with_lab_upgrade(play, monitor.push_url)]))
    host = {
        "ansible_connection": "local",
        "ansible_python_interpreter": "{{ ansible_playbook_python }}",
        "ansible_become": False,
        "heartbeat_kuma_url": any_kuma.url,
        "heartbeat_kuma_username": any_kuma.username,
        "heartbeat_kuma_password": any_kuma.password,
        "heartbeat_timer_checks": [{"name": "watchdog", "push_url": monitor.push_url, "kuma_monitor": monitor.name}],
    }
    (tmp_path / "inventory.yml").write_text(json.dumps({"heartbeat_hosts": {"hosts": {"am1": host}}}))

    run = playbook(tmp_path / "play.yml", "-i", str(tmp_path / "inventory.yml"), cwd=tmp_path)

    assert run.returncode != 0 and "the upgrade failed" in run.stdout, run.output[-3000:]
    assert any_kuma.password not in run.output and monitor.token not in run.output
    silenced = any_kuma.wait_for_heartbeat(monitor.id, lambda row: row.status == HeartbeatStatus.MAINTENANCE)
    assert pager.pages(monitor.name, HeartbeatStatus.DOWN) == [], "a page during the window"
    assert "Alertmanager upgrade on am1" not in [row[1] for row in any_kuma.maintenance_rows()], "window left open"

    monitor.push("down", REASON)

    any_kuma.wait_for_heartbeat(
        monitor.id, lambda row: row.status == HeartbeatStatus.DOWN and row.msg == REASON, after_id=silenced.id
    )
    pager.wait_for_page(monitor.name, HeartbeatStatus.DOWN, REASON)
