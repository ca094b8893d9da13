"""The maintenance module against the real Uptime Kuma of every version the lab has: planned work pages nobody while
a window the module opened covers the monitor (or its group), and pages again once the module closed it. What Kuma
stored is read back from its own database; a page is what the real Kuma delivered to a recorder.

Kuma allows about 20 logins a minute: each test keeps its module runs few, and runs related steps in one playbook.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lab import HeartbeatStatus, Kuma, PushMonitor, pushed
from lab.ansible import Run, adhoc, playbook
from lab.pager import Pager

MAINTENANCE = "watchdog.alertmanager_kuma.maintenance"
UP, DOWN, IN_MAINTENANCE = HeartbeatStatus.UP, HeartbeatStatus.DOWN, HeartbeatStatus.MAINTENANCE
REASON = "Alertmanager unreachable: connection refused"


def _login(kuma: Kuma) -> dict[str, Any]:
    return {"kuma_url": kuma.url, "kuma_username": kuma.username, "kuma_password": kuma.password}


def _maintenance(kuma: Kuma, *extra: str, **args: Any) -> Run:
    """The module run as a user runs it, at -vvv; the password is never printed."""
    run = adhoc({**_login(kuma), **args}, *extra, module=MAINTENANCE)
    assert kuma.password not in run.output, "the output holds the password"
    return run


def _tasks(kuma: Kuma, tmp_path: Path, tasks: list[dict[str, Any]]) -> tuple[Run, dict[str, Any]]:
    """The module's tasks in one playbook at -vvv (each registers its result), and the registered results."""
    out = tmp_path / "results.json"
    registered = ", ".join(f"'{task['register']}': {task['register']}" for task in tasks)
    play = {
        "hosts": "localhost",
        "gather_facts": False,
        "module_defaults": {MAINTENANCE: {key: f"{{{{ {key} }}}}" for key in _login(kuma)}},
        "tasks": [
            *({**task, "ignore_errors": True} for task in tasks),
            {
                "name": "Keep the results",
                "ansible.builtin.copy": {"content": f"{{{{ {{{registered}}} | to_json }}}}", "dest": str(out)},
            },
        ],
    }
    (tmp_path / "play.yml").write_text(json.dumps([play]))
    (tmp_path / "login.json").write_text(json.dumps(_login(kuma)))
    run = playbook(tmp_path / "play.yml", "-e", f"@{tmp_path / 'login.json'}")
    assert kuma.password not in run.output, "the output holds the password"
    assert run.returncode == 0, run.output[-3000:]
    return run, json.loads(out.read_text())


def _task(register: str, **args: Any) -> dict[str, Any]:
    return {"name": register, MAINTENANCE: args, "register": register}


def _last_row(kuma: Kuma, monitor: PushMonitor) -> int:
    rows = kuma.heartbeats(monitor.id)
    return rows[-1].id if rows else 0


def _a_down_is_silenced(kuma: Kuma, pager: Pager, monitor: PushMonitor) -> None:
    """A DOWN pushed now is stored as MAINTENANCE, and no page for the monitor reached the recorder."""
    before = _last_row(kuma, monitor)
    monitor.push("down", REASON)
    kuma.wait_for_heartbeat(monitor.id, pushed(IN_MAINTENANCE), after_id=before)
    # Kuma sends a notification before it stores the beat: once the row is there, a page would have come.
    assert pager.pages(monitor.name) == [], pager.recorder.received()


def test_a_window_opened_by_the_module_silences_a_down_and_once_closed_the_next_down_pages(
    any_kuma: Kuma, pager: Pager
) -> None:
    monitor = any_kuma.create_push_monitor(f"mw-{any_kuma.version}/am1/watchdog", notification_ids=[pager.id])
    monitor.push("up", "OK")
    any_kuma.wait_for_heartbeat(monitor.id, pushed(UP))

    opened = _maintenance(any_kuma, title=f"upgrade of {monitor.name}", monitors=[monitor.name], duration=30)
    assert opened.returncode == 0, opened.output[-3000:]
    window = opened.result()["maintenance"]
    assert (opened.result()["changed"], window["action"], window["monitors"]) == (True, "create", [monitor.name])
    assert any_kuma.maintenance_monitors(window["id"]) == {monitor.id}
    _a_down_is_silenced(any_kuma, pager, monitor)

    closed = _maintenance(any_kuma, title=f"upgrade of {monitor.name}", state="absent")
    assert (closed.returncode, closed.result()["maintenance"]["action"]) == (0, "delete"), closed.output[-3000:]
    assert [row[0] for row in any_kuma.maintenance_rows()].count(window["id"]) == 0
    before = _last_row(any_kuma, monitor)
    monitor.push("down", REASON)
    any_kuma.wait_for_heartbeat(monitor.id, pushed(DOWN, REASON), after_id=before)
    pager.wait_for_page(monitor.name, DOWN, REASON)


def test_a_window_on_a_group_covers_a_monitor_of_that_group(any_kuma: Kuma, pager: Pager) -> None:
    group = f"mw-{any_kuma.version} alertmanagers"
    group_id = any_kuma.create_group(group)
    monitor = any_kuma.create_push_monitor(
        f"mw-{any_kuma.version}/am2/watchdog", notification_ids=[pager.id], parent=group_id
    )
    monitor.push("up", "OK")
    any_kuma.wait_for_heartbeat(monitor.id, pushed(UP))

    opened = _maintenance(any_kuma, title=f"work on {group}", groups=[group], duration=30)
    assert opened.returncode == 0, opened.output[-3000:]
    window = opened.result()["maintenance"]
    assert (window["monitors"], window["groups"]) == ([], [group])
    assert any_kuma.maintenance_monitors(window["id"]) == {group_id}, "the group is covered, not its members"
    _a_down_is_silenced(any_kuma, pager, monitor)

    assert _maintenance(any_kuma, title=f"work on {group}", state="absent").returncode == 0


def test_a_window_is_created_rerun_unchanged_changed_with_a_diff_and_deleted(any_kuma: Kuma, tmp_path: Path) -> None:
    first, second = (any_kuma.create_push_monitor(f"mw-{any_kuma.version}/cycle-{n}") for n in (1, 2))
    title = f"cycle {any_kuma.version}"
    both = [first.name, second.name]
    run, results = _tasks(
        any_kuma,
        tmp_path,
        [
            _task("opened", title=title, monitors=[first.name], duration=30),
            {**_task("checked", title=title, monitors=both, duration=30), "check_mode": True},
            _task("rerun", title=title, monitors=[first.name], duration=45),
            {**_task("changed", title=title, monitors=both, duration=30), "diff": True},
            _task("closed", title=title, state="absent"),
            _task("closed_again", title=title, state="absent"),
        ],
    )
    opened = results["opened"]
    assert (opened["changed"], opened["maintenance"]["action"]) == (True, "create"), opened
    window_id = opened["maintenance"]["id"]
    assert (results["checked"]["changed"], results["checked"]["maintenance"]["action"]) == (True, "update")
    # An open window asked again with a duration keeps its end: the rerun is no change.
    rerun = results["rerun"]
    assert (rerun["changed"], rerun["maintenance"]["end"]) == (False, opened["maintenance"]["end"]), rerun
    changed = results["changed"]
    assert (changed["changed"], changed["maintenance"]["id"], changed["maintenance"]["monitors"]) == (
        True,
        window_id,
        sorted(both),
    )
    assert (changed["diff"]["before"]["monitors"], changed["diff"]["after"]["monitors"]) == ([first.name], sorted(both))
    assert f'+        "{second.name}"' in run.stdout, run.stdout[-3000:]
    assert (results["closed"]["changed"], results["closed"]["maintenance"]["action"]) == (True, "delete")
    assert results["closed_again"]["changed"] is False
    assert title not in [row[1] for row in any_kuma.maintenance_rows()]


def test_refusals_name_the_option_and_change_nothing_in_kuma(any_kuma: Kuma, tmp_path: Path) -> None:
    monitor = any_kuma.create_push_monitor(f"mw-{any_kuma.version}/refused")
    title = f"refusals {any_kuma.version}"
    assert _maintenance(any_kuma, title=title, monitors=[monitor.name], duration=30).returncode == 0
    stored = any_kuma.maintenance_rows()
    window_id = next(row[0] for row in stored if row[1] == title)
    _run, results = _tasks(
        any_kuma,
        tmp_path,
        [
            _task("unknown_monitor", title=title, monitors=[monitor.name, "no such monitor"], duration=30),
            _task("unknown_group", title=title, monitors=[monitor.name], groups=["no such group"], duration=30),
            _task("zero", title=title, monitors=[monitor.name], duration=0),
            _task("neither", title=title, duration=30),
            _task(
                "backwards",
                title=title,
                monitors=[monitor.name],
                start="2030-01-01T02:00:00+02:00",
                end="2029-12-31T23:30:00Z",
            ),
            _task(
                "both",
                title=title,
                monitors=[monitor.name],
                duration=30,
                start="2030-01-01T00:00:00Z",
                end="2030-01-01T01:00:00Z",
            ),
        ],
    )
    messages = {name: (result.get("failed"), result.get("msg")) for name, result in results.items()}
    assert all(failed for failed, _msg in messages.values()), results
    # The suite's other tests share this Kuma: it lists its first 10 names, sorted, then how many more it has.
    names = sorted({row[0] for row in any_kuma.query("SELECT name FROM monitor WHERE type != 'group'")})
    assert monitor.name in names
    listed = ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10 else "")
    assert messages["unknown_monitor"] == (
        True,
        f"monitors[1]: Kuma has no monitor named no such monitor; the monitors it has: {listed}",
    )
    assert messages["unknown_group"][1].startswith(
        "groups[0]: Kuma has no group named no such group; the groups it has: "
    )
    assert messages["zero"] == (True, "duration: must be at least 1, got 0")
    assert messages["neither"] == (True, "monitors: name the monitors or groups the window covers (neither was given)")
    assert messages["backwards"] == (
        True,
        "end: must be after start (2030-01-01T00:00:00+00:00), got 2029-12-31T23:30:00+00:00",
    )
    assert messages["both"] == (True, "duration: give either duration (minutes from now) or start and end, not both")
    assert any_kuma.maintenance_rows() == stored
    assert any_kuma.maintenance_monitors(window_id) == {monitor.id}
    assert _maintenance(any_kuma, title=title, state="absent").returncode == 0
