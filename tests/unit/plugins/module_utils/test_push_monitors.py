"""The push_monitor module's plan: what it creates, changes or deletes in Kuma, found by name, and what it refuses."""

from __future__ import annotations

from typing import Any

import pytest
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._kuma_login import (
    read_session,
    url_credentials,
)
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._option import SettingsError
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._push_monitors import (
    KumaObjects,
    Plan,
    WantedMonitor,
    changed_monitor,
    needs_conditions,
    new_monitor,
    plan,
    read_wanted,
)

TOKEN = "T0ken" * 6 + "ab"
OTHER = "0ther" * 6 + "cd"
LOGIN = {"kuma_url": "http://127.0.0.1:3001", "kuma_username": "admin", "kuma_password": "pw"}
TOP = {"state": "present", "interval": 60, "retries": 0}
# Kuma's notificationList rows: one marked "Default enabled", one not.
PAGER = {"id": 3, "name": "on-call pager", "active": True, "isDefault": True}
CHAT = {"id": 5, "name": "team chat", "active": True, "isDefault": False}


def _kuma_monitor(**fields: Any) -> dict[str, Any]:
    monitor = {
        "id": 7,
        "name": "am1/watchdog",
        "type": "push",
        "interval": 120,
        "retryInterval": 120,
        "maxretries": 0,
        "description": "",
        "pushToken": TOKEN,
        "active": True,
        "accepted_statuscodes": ["200-299"],
        "notificationIDList": {"3": True},
        "parent": None,
    }
    monitor.update(fields)
    return monitor


def _group(group_id: int, name: str) -> dict[str, Any]:
    return {"id": group_id, "name": name, "type": "group", "parent": None, "notificationIDList": {}}


def _full_plan(wanted: list[WantedMonitor], monitors: list[dict[str, Any]], notifications: Any = (PAGER, CHAT)) -> Plan:
    return plan(wanted, KumaObjects(monitors, notifications))


def _plan(wanted: list[WantedMonitor], monitors: list[dict[str, Any]], notifications: Any = (PAGER, CHAT)) -> list:
    return _full_plan(wanted, monitors, notifications).changes


def _wanted(**params: Any) -> list:
    return read_wanted({**TOP, **params})


def test_a_monitor_kuma_lacks_is_created_with_the_given_token() -> None:
    (change,) = _plan(_wanted(name="am1/watchdog", interval=120, push_token=TOKEN), [])
    assert (change.action, change.token) == ("create", TOKEN)
    payload = new_monitor(change, with_conditions=False)
    assert payload["pushToken"] == TOKEN
    assert (payload["type"], payload["interval"], payload["maxretries"]) == ("push", 120, 0)
    assert "conditions" not in payload


def test_without_a_token_a_new_monitor_gets_a_random_one_of_32_letters_and_digits() -> None:
    first, second = (_plan(_wanted(name="a/b"), [])[0].token for _attempt in range(2))
    assert first != second
    assert len(first or "") == 32 and (first or "").isalnum()


def test_a_monitor_as_asked_is_left_alone() -> None:
    (change,) = _plan(_wanted(name="am1/watchdog", interval=120, push_token=TOKEN), [_kuma_monitor()])
    assert change.action == "none"


def test_an_existing_monitor_keeps_its_token_when_none_is_given() -> None:
    (change,) = _plan(_wanted(name="am1/watchdog", interval=120), [_kuma_monitor(pushToken=OTHER)])
    assert (change.action, change.token) == ("none", OTHER)


def test_a_changed_interval_is_an_update_whose_diff_shows_no_token() -> None:
    (change,) = _plan(_wanted(name="am1/watchdog", interval=300, push_token=OTHER), [_kuma_monitor()])
    assert change.action == "update"
    assert (change.before or {})["interval"] == 120 and (change.after or {})["interval"] == 300
    assert TOKEN not in repr(change.before) + repr(change.after) and OTHER not in repr(change.after)
    edited = changed_monitor(change)
    assert (edited["interval"], edited["retryInterval"], edited["pushToken"], edited["id"]) == (300, 300, OTHER, 7)


def test_absent_deletes_a_monitor_that_exists_and_does_nothing_otherwise() -> None:
    assert _plan(_wanted(name="am1/watchdog", state="absent"), [_kuma_monitor()])[0].action == "delete"
    assert _plan(_wanted(name="am1/watchdog", state="absent"), [])[0].action == "none"


def test_two_kuma_monitors_of_one_name_are_refused_naming_their_ids() -> None:
    with pytest.raises(SettingsError, match=r"Kuma has 2 monitors named am1/watchdog \(ids 7, 9\)"):
        _plan(_wanted(name="am1/watchdog"), [_kuma_monitor(), _kuma_monitor(id=9)])


def test_a_monitor_of_another_type_is_not_taken_over() -> None:
    with pytest.raises(SettingsError, match="am1/watchdog is a http monitor in Kuma, not a push monitor"):
        _plan(_wanted(name="am1/watchdog"), [_kuma_monitor(type="http")])


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"name": "a", "interval": 10}, "interval: must be at least 20, got 10"),
        ({"name": "a", "push_token": "short"}, "push_token: must be 16 to 64 letters and digits"),
        ({"name": "a\nb"}, "name: must not hold control or formatting characters"),
        ({"name": "n" * 151}, "name: must be at most 150 characters, got 151"),
        ({"monitors": [{"name": "a"}, {"name": "a"}]}, "monitors[1].name: a is listed twice (also monitors[0])"),
        ({"monitors": [{"name": "a", "retries": -1}]}, "monitors[0].retries: must be at least 0, got -1"),
        ({"name": "a "}, "name: must not start or end with white space"),
        ({"name": "am1\u202e/watchdog"}, "name: must not hold control or formatting characters"),
        (
            {"name": "a", "notifications": ["pager", "pager"]},
            "notifications[1]: pager is listed twice (also notifications[0])",
        ),
        ({"name": "a", "notifications": [""]}, "notifications[0]: must not be empty"),
        ({"monitors": [{"name": "a", "group": "g\n"}]}, "monitors[0].group: must not hold control"),
        ({}, "name: give either name or monitors"),
    ],
)
def test_bad_input_is_refused_naming_the_option(params: dict[str, Any], message: str) -> None:
    with pytest.raises(SettingsError) as refused:
        _wanted(**params)
    assert message in str(refused.value)


def test_list_entries_take_the_top_level_options_but_not_a_token() -> None:
    wanted = read_wanted({**TOP, "interval": 300, "push_token": TOKEN, "monitors": [{"name": "a"}, {"name": "b"}]})
    assert [(monitor.interval, monitor.push_token) for monitor in wanted] == [(300, None), (300, None)]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({**LOGIN, "kuma_url": "ftp://kuma"}, "kuma_url: must be an http:// or https:// URL"),
        ({**LOGIN, "kuma_url": "http://u:p@kuma"}, "kuma_url: must hold no credentials"),
        ({**LOGIN, "kuma_url": "http://u@kuma"}, "kuma_url: must hold no credentials"),
        ({"kuma_url": "http://kuma", "kuma_username": "admin"}, "kuma_password: kuma_username and kuma_password"),
    ],
)
def test_bad_login_settings_are_refused_naming_the_option(params: dict[str, Any], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        read_session(params)


@pytest.mark.parametrize(
    ("version", "needed"),
    [("1.23.17", False), ("2.0.0-dev.0", False), ("2.0.0-beta.0", True), ("2.0.0", True), ("2.5.3", True), ("", False)],
)
def test_conditions_are_sent_to_the_kuma_versions_that_require_them(version: str, needed: bool) -> None:
    assert needs_conditions(version) is needed


def test_the_password_a_refused_kuma_url_holds_is_masked() -> None:
    assert set(url_credentials("http://ansible:S3cret:x@kuma:3001/")) == {"ansible:S3cret:x", "S3cret:x"}
    assert url_credentials("http://kuma:3001") == []


def test_a_new_monitor_gets_kumas_default_notifications_as_its_web_page_gives_them() -> None:
    (change,) = _plan(_wanted(name="am1/watchdog"), [])
    payload = new_monitor(change, with_conditions=False)
    assert payload["notificationIDList"] == {"3": True}
    assert (change.after or {})["notifications"] == ["on-call pager"]


def test_named_notifications_are_bound_as_an_object_keyed_by_id_never_a_list() -> None:
    (change,) = _plan(_wanted(name="am1/watchdog", notifications=["team chat", "on-call pager"]), [])
    assert new_monitor(change, with_conditions=False)["notificationIDList"] == {"3": True, "5": True}


def test_an_unknown_notification_is_refused_naming_it_and_the_ones_kuma_has() -> None:
    with pytest.raises(SettingsError) as refused:
        _plan(_wanted(monitors=[{"name": "a"}, {"name": "b", "notifications": ["pagerduty"]}]), [])
    assert str(refused.value) == (
        "monitors[1].notifications[0]: Kuma has no notification named pagerduty;"
        " the names it has: on-call pager, team chat"
    )


def test_two_kuma_notifications_of_one_name_are_refused() -> None:
    with pytest.raises(SettingsError, match=r"Kuma has 2 notifications named on-call pager \(ids 3, 4\)"):
        _plan(_wanted(name="a", notifications=["on-call pager"]), [], [PAGER, dict(PAGER, id=4)])


def test_a_new_monitor_that_would_page_nobody_is_refused_saying_what_to_set() -> None:
    with pytest.raises(SettingsError) as refused:
        _plan(_wanted(name="am1/watchdog"), [], [CHAT])
    assert str(refused.value) == (
        "notifications: am1/watchdog would page nobody: Kuma has no default notification (marked Default enabled);"
        " name the notifications to bind (Kuma has: team chat), or set notifications: [] to keep a monitor that"
        " pages nobody on purpose"
    )


def test_an_existing_monitor_that_pages_nobody_is_refused_unless_asked_for_on_purpose() -> None:
    made_by_1_0_0 = _kuma_monitor(notificationIDList={})
    with pytest.raises(SettingsError, match="notifications: am1/watchdog pages nobody: no notification is bound"):
        _plan(_wanted(name="am1/watchdog", interval=120, push_token=TOKEN), [made_by_1_0_0])
    (change,) = _plan(_wanted(name="am1/watchdog", interval=120, notifications=[]), [made_by_1_0_0])
    assert change.action == "none"


def test_an_existing_monitor_keeps_its_notifications_when_none_are_named() -> None:
    (change,) = _plan(_wanted(name="am1/watchdog", interval=120), [_kuma_monitor(notificationIDList={"5": True})])
    assert change.action == "none"
    assert changed_monitor(change)["notificationIDList"] == {"5": True}


def test_a_changed_set_of_notifications_is_an_update_with_the_names_in_the_diff() -> None:
    (change,) = _plan(_wanted(name="am1/watchdog", interval=120, notifications=["team chat"]), [_kuma_monitor()])
    assert change.action == "update"
    assert ((change.before or {})["notifications"], (change.after or {})["notifications"]) == (
        ["on-call pager"],
        ["team chat"],
    )
    assert changed_monitor(change)["notificationIDList"] == {"5": True}


def test_a_missing_group_is_created_once_for_every_monitor_that_asks_for_it() -> None:
    planned = _full_plan(_wanted(group="fleet", monitors=[{"name": "a"}, {"name": "b"}]), [])
    assert planned.new_groups == ["fleet"]
    assert [change.group for change in planned.changes] == ["fleet", "fleet"]
    assert new_monitor(planned.changes[0], with_conditions=False, parent=12)["parent"] == 12


def test_an_existing_group_is_reused_and_a_monitor_moved_into_it_is_an_update() -> None:
    planned = _full_plan(
        _wanted(name="am1/watchdog", interval=120, group="fleet"), [_kuma_monitor(), _group(4, "fleet")]
    )
    assert planned.new_groups == []
    (change,) = planned.changes
    assert change.action == "update"
    assert ((change.before or {})["group"], (change.after or {})["group"]) == ("", "fleet")
    assert changed_monitor(change, parent=4)["parent"] == 4


def test_a_monitor_already_in_its_group_is_left_alone_and_no_group_keeps_the_parent() -> None:
    monitors = [_kuma_monitor(parent=4), _group(4, "fleet")]
    assert _plan(_wanted(name="am1/watchdog", interval=120, group="fleet"), monitors)[0].action == "none"
    (kept,) = _plan(_wanted(name="am1/watchdog", interval=120), monitors)
    assert (kept.action, (kept.after or {})["group"], changed_monitor(kept)["parent"]) == ("none", "fleet", 4)


def test_a_group_name_held_by_a_monitor_of_another_type_is_refused() -> None:
    with pytest.raises(SettingsError, match=r"monitors\[0\]\.group: fleet is a push monitor in Kuma, not a group"):
        _plan(_wanted(monitors=[{"name": "a", "group": "fleet"}]), [_kuma_monitor(name="fleet")])
