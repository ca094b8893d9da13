"""The maintenance module's plan: which window it creates, changes or deletes in Kuma, found by title, what it
refuses before anything changes, and the one object every supported Kuma takes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._maintenance import (
    WantedWindow,
    find_window,
    is_open,
    kuma_time,
    parse_time,
    plan,
    read_wanted,
    window_payload,
)
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._option import SettingsError

NOW = datetime(2026, 6, 1, 12, 0, 0, tzinfo=UTC)
MONITORS = [
    {"id": 1, "name": "am1/watchdog", "type": "push", "parent": 3},
    {"id": 2, "name": "am2/watchdog", "type": "push", "parent": None},
    {"id": 3, "name": "alertmanagers", "type": "group", "parent": None},
]


def _params(**fields: Any) -> dict[str, Any]:
    return {"title": "upgrade", "state": "present", "monitors": ["am1/watchdog"], "duration": 30, **fields}


def _window(**fields: Any) -> dict[str, Any]:
    """A window as Kuma's maintenanceList sends it."""
    window = {
        "id": 4,
        "title": "upgrade",
        "description": "",
        "strategy": "single",
        "active": True,
        "dateRange": ["2026-06-01 11:50:00", "2026-06-01 12:20:00"],
        "timezone": "UTC",
        "timezoneOption": "UTC",
        "timezoneOffset": "+00:00",
        "status": "under-maintenance",
    }
    window.update(fields)
    return window


def _refusal(**fields: Any) -> str:
    with pytest.raises(SettingsError) as refused:
        read_wanted(_params(**fields))
    return str(refused.value)


def test_a_duration_is_read_and_the_times_are_left_to_the_plan() -> None:
    wanted = read_wanted(_params(groups=["alertmanagers"]))
    assert wanted == WantedWindow("upgrade", "present", ("am1/watchdog",), ("alertmanagers",), 30)


def test_explicit_times_in_any_timezone_are_read_as_utc_to_the_second() -> None:
    wanted = read_wanted(_params(duration=None, start="2026-06-01T02:00:00.700+02:00", end="2026-06-01T01:00:00Z"))
    assert (wanted.start, wanted.end) == (
        datetime(2026, 6, 1, 0, 0, tzinfo=UTC),
        datetime(2026, 6, 1, 1, 0, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"duration": 0}, "duration: must be at least 1, got 0"),
        ({"duration": -5}, "duration: must be at least 1, got -5"),
        ({"monitors": None}, "monitors: name the monitors or groups the window covers (neither was given)"),
        ({"monitors": [], "groups": []}, "monitors: name the monitors or groups the window covers (neither was given)"),
        ({"duration": None}, "duration: give duration (minutes from now), or start and end"),
        (
            {"start": "2026-06-01T00:00:00Z", "end": "2026-06-01T01:00:00Z"},
            "duration: give either duration (minutes from now) or start and end, not both",
        ),
        ({"duration": None, "start": "2026-06-01T00:00:00Z"}, "end: start and end go together: give both"),
        (
            {"duration": None, "start": "2026-06-01T02:00:00+02:00", "end": "2026-06-01T00:00:00Z"},
            "end: must be after start (2026-06-01T00:00:00+00:00), got 2026-06-01T00:00:00+00:00",
        ),
        (
            {"duration": None, "start": "2026-06-01T02:00:00", "end": "2026-06-01T03:00:00Z"},
            "start: must name its timezone (2026-06-01T02:00:00+02:00, or Z for UTC), got '2026-06-01T02:00:00'",
        ),
        (
            {"duration": None, "start": "tomorrow", "end": "2026-06-01T03:00:00Z"},
            "start: must be an ISO 8601 time such as 2026-06-01T02:00:00+02:00, got 'tomorrow'",
        ),
        ({"monitors": ["a", "a"]}, "monitors[1]: a is listed twice (also monitors[0])"),
        ({"title": " upgrade"}, "title: must not start or end with white space"),
    ],
)
def test_a_window_that_cannot_be_is_refused_naming_the_option(fields: dict[str, Any], message: str) -> None:
    assert _refusal(**fields) == message


def test_closing_a_window_needs_only_its_title() -> None:
    wanted = read_wanted({"title": "upgrade", "state": "absent", "duration": 0, "monitors": None})
    assert wanted == WantedWindow("upgrade", "absent")


def test_kuma_times_are_read_in_the_windows_own_timezone() -> None:
    berlin = _window(timezone="Europe/Berlin", timezoneOffset="+02:00")
    assert kuma_time("2026-06-01 14:00:00", berlin) == datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    assert kuma_time("2026-06-01T14:00", _window()) == datetime(2026, 6, 1, 14, 0, tzinfo=UTC)
    assert kuma_time("2026-06-01T14:00:00+00:00", berlin) == datetime(2026, 6, 1, 14, 0, tzinfo=UTC)
    assert kuma_time(None, berlin) is None


def test_a_window_is_open_while_now_lies_in_its_single_active_range() -> None:
    assert is_open(_window(), NOW)
    assert not is_open(_window(active=False), NOW)
    assert not is_open(_window(strategy="cron"), NOW)
    assert not is_open(_window(dateRange=["2026-06-01 11:00:00", "2026-06-01 12:00:00"]), NOW)


def test_a_new_window_opens_now_for_the_duration_and_covers_monitors_and_groups_by_id() -> None:
    change = plan(
        WantedWindow("upgrade", "present", ("am2/watchdog",), ("alertmanagers",), 30), MONITORS, None, [], NOW
    )
    assert (change.action, change.monitor_ids, change.edit, change.cover) == ("create", (2, 3), True, True)
    assert change.after is not None
    assert (change.after.start, change.after.end) == (NOW, NOW + timedelta(minutes=30))
    assert (change.after.monitors, change.after.groups) == (["am2/watchdog"], ["alertmanagers"])
    assert window_payload(change) == {
        "title": "upgrade",
        "description": "",
        "strategy": "single",
        "active": True,
        "intervalDay": 1,
        "dateRange": ["2026-06-01 12:00:00", "2026-06-01 12:30:00"],
        "timezoneOption": "UTC",
        "weekdays": [],
        "daysOfMonth": [],
        "cron": "",
        "durationMinutes": 0,
    }


def test_an_open_window_asked_again_with_a_duration_is_unchanged_and_keeps_its_end() -> None:
    change = plan(read_wanted(_params(duration=120)), MONITORS, _window(), [1], NOW)
    assert change.action == "none"
    assert change.after is not None and change.after.end == datetime(2026, 6, 1, 12, 20, tzinfo=UTC)


def test_a_window_that_ended_is_opened_again_from_now() -> None:
    ended = _window(dateRange=["2026-06-01 10:00:00", "2026-06-01 11:00:00"], status="ended")
    change = plan(read_wanted(_params()), MONITORS, ended, [1], NOW)
    assert (change.action, change.edit, change.cover) == ("update", True, False)
    assert window_payload(change)["id"] == 4
    assert window_payload(change)["dateRange"] == ["2026-06-01 12:00:00", "2026-06-01 12:30:00"]


def test_explicit_times_that_differ_move_an_open_window_and_equal_ones_do_not() -> None:
    moved = plan(
        read_wanted(_params(duration=None, start="2026-06-01T11:50:00Z", end="2026-06-01T14:00:00+02:00")),
        MONITORS,
        _window(),
        [1],
        NOW,
    )
    assert (moved.action, moved.edit) == ("update", True)
    same = plan(
        read_wanted(_params(duration=None, start="2026-06-01T13:50:00+02:00", end="2026-06-01T12:20:00Z")),
        MONITORS,
        _window(),
        [1],
        NOW,
    )
    assert same.action == "none"


def test_another_set_of_monitors_is_a_change_of_the_cover_only_and_the_diff_names_them() -> None:
    change = plan(read_wanted(_params(monitors=["am2/watchdog"])), MONITORS, _window(), [1], NOW)
    assert (change.action, change.edit, change.cover, change.monitor_ids) == ("update", False, True, (2,))
    assert change.before is not None and change.after is not None
    assert (change.before.diff()["monitors"], change.after.diff()["monitors"]) == (["am1/watchdog"], ["am2/watchdog"])
    assert change.after.diff()["start"] == "2026-06-01T11:50:00+00:00"


def test_a_window_made_in_kumas_page_with_another_strategy_becomes_a_single_window() -> None:
    recurring = _window(strategy="recurring-weekday", dateRange=[None], description="weekly")
    change = plan(read_wanted(_params()), MONITORS, recurring, [1], NOW)
    assert (change.action, change.edit) == ("update", True)
    assert window_payload(change)["description"] == "weekly"
    assert window_payload(change)["strategy"] == "single"


def test_closing_deletes_the_window_of_the_title_and_nothing_when_there_is_none() -> None:
    closing = WantedWindow("upgrade", "absent")
    deleted = plan(closing, MONITORS, _window(), [1, 3], NOW)
    assert (deleted.action, deleted.window_id, deleted.after) == ("delete", 4, None)
    assert deleted.before is not None and (deleted.before.monitors, deleted.before.groups) == (
        ["am1/watchdog"],
        ["alertmanagers"],
    )
    assert plan(closing, MONITORS, None, [], NOW).action == "none"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"monitors": ["am1/watchdog", "am9/watchdog"]},
            "monitors[1]: Kuma has no monitor named am9/watchdog; the monitors it has: am1/watchdog, am2/watchdog",
        ),
        (
            {"groups": ["databases"]},
            "groups[0]: Kuma has no group named databases; the groups it has: alertmanagers",
        ),
        (
            {"monitors": ["alertmanagers"]},
            "monitors[0]: alertmanagers is a group monitor in Kuma: list it under groups",
        ),
        (
            {"monitors": [], "groups": ["am2/watchdog"]},
            "groups[0]: am2/watchdog is a push monitor in Kuma: list it under monitors",
        ),
    ],
)
def test_a_name_kuma_does_not_have_is_refused_by_name_before_anything_changes(
    fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(SettingsError) as refused:
        plan(read_wanted(_params(**fields)), MONITORS, None, [], NOW)
    assert str(refused.value) == message


def test_the_names_kuma_has_are_listed_shortened() -> None:
    many = [{"id": number, "name": f"host-{number:02d}", "type": "push"} for number in range(25)]
    with pytest.raises(SettingsError) as refused:
        plan(read_wanted(_params(monitors=["nope"])), many, None, [], NOW)
    assert str(refused.value).endswith(
        "host-00, host-01, host-02, host-03, host-04, host-05, host-06, host-07, host-08, host-09 and 15 more"
    )


def test_two_windows_of_one_title_are_refused() -> None:
    with pytest.raises(SettingsError) as refused:
        find_window([_window(), _window(id=9)], "upgrade")
    assert str(refused.value) == (
        "title: Kuma has 2 maintenance windows titled upgrade (ids 4, 9); rename or delete all but one"
    )


def test_a_time_without_its_timezone_is_never_guessed() -> None:
    with pytest.raises(SettingsError):
        parse_time("2026-06-01 02:00", "start")
