"""The check playbook's audit of Kuma, and onboarding's notifications and group: what a person reads in the KUMA
column for each check, from the monitors monitor_info read."""

from __future__ import annotations

from typing import Any

from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._kuma_audit import (
    audit,
    audit_targets,
    monitor_views,
)
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._onboarding import onboarded_checks
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._push_monitors import KumaObjects

PAGER = {"id": 3, "name": "on-call pager", "active": True, "isDefault": False}
OFF = {"id": 4, "name": "switched off", "active": False, "isDefault": False}
SECRET = "audit-secret-for-unit-tests-0123"


def _monitor(name: str, **fields: Any) -> dict[str, Any]:
    monitor = {"id": 7, "name": name, "type": "push", "active": True, "interval": 120, "maxretries": 0}
    monitor.update({"notificationIDList": {"3": True}, "parent": None, "pushToken": "T0ken" * 6 + "ab"})
    monitor.update(fields)
    return monitor


def _audit(checks: list[dict[str, Any]], *monitors: dict[str, Any]) -> dict[str, Any]:
    views = monitor_views(None, KumaObjects(list(monitors), [PAGER, OFF]))
    return audit(audit_targets(checks, "am1", 60), views)


def test_a_monitor_that_pages_in_time_is_ok_and_names_whom_it_pages() -> None:
    verdicts = _audit([{"name": "main"}], _monitor("am1/main"))
    assert verdicts == {"main": {"ok": True, "monitor": "am1/main", "kuma": "pages on-call pager"}}


def test_every_problem_of_a_monitor_is_named() -> None:
    verdicts = _audit(
        [{"name": "main", "interval": 120}, {"name": "gone"}],
        _monitor("am1/main", active=False, notificationIDList={"4": True}),
    )
    assert verdicts["main"] == {
        "ok": False,
        "monitor": "am1/main",
        "kuma": "monitor am1/main is paused in Kuma; monitor am1/main pages nobody;"
        " monitor am1/main times out before the timer pushes (Kuma waits 120 s, the timer runs every 120 s)",
    }
    assert verdicts["gone"] == {"ok": False, "monitor": "am1/gone", "kuma": "monitor am1/gone is missing in Kuma"}


def test_a_hand_made_push_url_is_not_audited_unless_kuma_monitor_names_it_and_absent_checks_are_left_out() -> None:
    checks = [
        {"name": "own", "push_url": "http://kuma/api/push/x"},
        {"name": "named", "push_url": "http://kuma/api/push/y", "kuma_monitor": "shared watchdog"},
        {"name": "retired", "state": "absent"},
    ]
    verdicts = _audit(checks, _monitor("shared watchdog", notificationIDList={}))
    assert verdicts == {
        "own": {"ok": True, "monitor": None, "kuma": "-"},
        "named": {"ok": False, "monitor": "shared watchdog", "kuma": "monitor shared watchdog pages nobody"},
    }


def test_without_a_read_of_kuma_nothing_is_audited() -> None:
    assert audit(audit_targets([{"name": "main"}], "am1"), None) == {
        "main": {"ok": True, "monitor": "am1/main", "kuma": "-"}
    }


def test_monitor_info_never_returns_a_push_token_and_names_the_group() -> None:
    kuma = KumaObjects([_monitor("am1/main", parent=9), {"id": 9, "name": "fleet", "type": "group"}], [PAGER])
    (view, missing) = monitor_views(["am1/main", "nope"], kuma)
    assert (view["group"], view["paging"], view["found"]) == ("fleet", ["on-call pager"], True)
    assert "T0ken" not in repr(view)
    assert (missing["found"], missing["paging"]) == (False, None)


def test_onboarding_gives_the_fleets_notifications_and_group_unless_a_check_names_its_own() -> None:
    checks = [
        {"name": "main"},
        {"name": "quiet", "kuma_notifications": [], "kuma_group": "lab"},
        {"name": "own", "push_url": "http://kuma/api/push/z"},
    ]
    monitors = onboarded_checks(checks, "am1", "http://kuma", SECRET, 30, ["on-call pager"], "fleet")["monitors"]
    assert [(m["name"], m["notifications"], m["group"]) for m in monitors] == [
        ("am1/main", ["on-call pager"], "fleet"),
        ("am1/quiet", [], "lab"),
    ]
    unset = onboarded_checks([{"name": "main"}], "am1", "http://kuma", SECRET, None, None, "")["monitors"]
    assert "notifications" not in unset[0] and "group" not in unset[0]
