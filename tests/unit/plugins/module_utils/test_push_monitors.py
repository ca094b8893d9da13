"""The push_monitor module's plan: what it creates, changes or deletes in Kuma, found by name, and what it refuses."""

from __future__ import annotations

from typing import Any

import pytest
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._option import SettingsError
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._push_monitors import (
    changed_monitor,
    needs_conditions,
    new_monitor,
    plan,
    read_session,
    read_wanted,
)

TOKEN = "T0ken" * 6 + "ab"
OTHER = "0ther" * 6 + "cd"
LOGIN = {"kuma_url": "http://127.0.0.1:3001", "kuma_username": "admin", "kuma_password": "pw"}
TOP = {"state": "present", "interval": 60, "retries": 0}


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
    }
    monitor.update(fields)
    return monitor


def _wanted(**params: Any) -> list:
    return read_wanted({**TOP, **params})


def test_a_monitor_kuma_lacks_is_created_with_the_given_token() -> None:
    (change,) = plan(_wanted(name="am1/watchdog", interval=120, push_token=TOKEN), [])
    assert (change.action, change.token) == ("create", TOKEN)
    payload = new_monitor(change, with_conditions=False)
    assert payload["pushToken"] == TOKEN
    assert (payload["type"], payload["interval"], payload["maxretries"]) == ("push", 120, 0)
    assert "conditions" not in payload


def test_without_a_token_a_new_monitor_gets_a_random_one_of_32_letters_and_digits() -> None:
    first, second = (plan(_wanted(name="a/b"), [])[0].token for _attempt in range(2))
    assert first != second
    assert len(first or "") == 32 and (first or "").isalnum()


def test_a_monitor_as_asked_is_left_alone() -> None:
    (change,) = plan(_wanted(name="am1/watchdog", interval=120, push_token=TOKEN), [_kuma_monitor()])
    assert change.action == "none"


def test_an_existing_monitor_keeps_its_token_when_none_is_given() -> None:
    (change,) = plan(_wanted(name="am1/watchdog", interval=120), [_kuma_monitor(pushToken=OTHER)])
    assert (change.action, change.token) == ("none", OTHER)


def test_a_changed_interval_is_an_update_whose_diff_shows_no_token() -> None:
    (change,) = plan(_wanted(name="am1/watchdog", interval=300, push_token=OTHER), [_kuma_monitor()])
    assert change.action == "update"
    assert (change.before or {})["interval"] == 120 and (change.after or {})["interval"] == 300
    assert TOKEN not in repr(change.before) + repr(change.after) and OTHER not in repr(change.after)
    edited = changed_monitor(change)
    assert (edited["interval"], edited["retryInterval"], edited["pushToken"], edited["id"]) == (300, 300, OTHER, 7)


def test_absent_deletes_a_monitor_that_exists_and_does_nothing_otherwise() -> None:
    assert plan(_wanted(name="am1/watchdog", state="absent"), [_kuma_monitor()])[0].action == "delete"
    assert plan(_wanted(name="am1/watchdog", state="absent"), [])[0].action == "none"


def test_two_kuma_monitors_of_one_name_are_refused_naming_their_ids() -> None:
    with pytest.raises(SettingsError, match=r"Kuma has 2 monitors named am1/watchdog \(ids 7, 9\)"):
        plan(_wanted(name="am1/watchdog"), [_kuma_monitor(), _kuma_monitor(id=9)])


def test_a_monitor_of_another_type_is_not_taken_over() -> None:
    with pytest.raises(SettingsError, match="am1/watchdog is a http monitor in Kuma, not a push monitor"):
        plan(_wanted(name="am1/watchdog"), [_kuma_monitor(type="http")])


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"name": "a", "interval": 10}, "interval: must be at least 20, got 10"),
        ({"name": "a", "push_token": "short"}, "push_token: must be 16 to 64 letters and digits"),
        ({"name": "a\nb"}, "name: must not hold control characters"),
        ({"name": "n" * 151}, "name: must be at most 150 characters, got 151"),
        ({"monitors": [{"name": "a"}, {"name": "a"}]}, "monitors[1].name: a is listed twice (also monitors[0])"),
        ({"monitors": [{"name": "a", "retries": -1}]}, "monitors[0].retries: must be at least 0, got -1"),
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
