"""The names the Kuma-side modules read (monitors, groups, notifications, titles) and the names Kuma has, as a
refusal lists them: one reader and one shortener for push_monitor, maintenance and status_page alike."""

from __future__ import annotations

import pytest
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._kuma_names import (
    NAMES_SHOWN,
    read_names,
    shortened,
)
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._option import SettingsError


def test_a_name_list_not_given_is_none_and_one_given_keeps_its_order() -> None:
    assert read_names(None, "monitors") is None
    assert read_names(["b", "a"], "monitors") == ("b", "a")


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (["a", 3], "monitors[1]: must be a name (a string)"),
        (["a", "b", "a"], "monitors[2]: a is listed twice (also monitors[0])"),
        (["a", " b"], "monitors[1]: must not start or end with white space"),
        (["a\tb"], "monitors[0]: must not hold control or formatting characters"),
        (["x" * 151], "monitors[0]: must be at most 150 characters, got 151"),
    ],
)
def test_a_bad_name_is_refused_by_its_place_in_the_list(values: list[object], message: str) -> None:
    with pytest.raises(SettingsError) as refused:
        read_names(values, "monitors")
    assert str(refused.value).startswith(message)


def test_a_longer_limit_is_the_callers_to_give() -> None:
    assert read_names(["x" * 200], "sections[0].monitors", 255) == ("x" * 200,)


def test_the_names_kuma_has_are_sorted_once_each_and_shortened() -> None:
    assert shortened([]) == "none"
    assert shortened(["b", "a", "b"]) == "a, b"
    many = [f"m{number:02}" for number in range(NAMES_SHOWN + 3)]
    assert shortened(many) == ", ".join(many[:NAMES_SHOWN]) + " and 3 more"
