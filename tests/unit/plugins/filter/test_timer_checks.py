"""The timer role's checks are read by the heartbeat's own parser: every refusal names the variable."""

from __future__ import annotations

from typing import Any

import pytest
from ansible_collections.watchdog.alertmanager_kuma.plugins.filter.timer_checks import timer_checks

TOKEN = "filterTok3nQx"
GOOD = {"name": "main", "alertmanager_url": "http://127.0.0.1:9093", "push_url": f"http://k:3001/api/push/{TOKEN}"}


def _errors(*checks: Any, **role_vars: Any) -> list[str]:
    return timer_checks(list(checks), role_vars)["errors"]


BAD = {
    "a zero timeout": ({"timeout": 0}, "heartbeat_timer_checks[1].timeout: must be greater than 0"),
    "a regex that does not compile": (
        {"matchers": ['job=~"("']},
        "heartbeat_timer_checks[1].matchers[0]: 'job=~\"(\"' is not a valid matcher: invalid regular expression",
    ),
    "a matcher with an unclosed quote": ({"matchers": ['alertname="Watchdog']}, "the quoted value is not closed"),
    "negative retries": ({"retries": -1}, "heartbeat_timer_checks[1].retries: must be at least 0"),
    "a port out of range": ({"alertmanager_url": "http://127.0.0.1:99999"}, "[1].alertmanager_url: is not a valid URL"),
    "an over-long name": ({"name": "n" * 65}, "heartbeat_timer_checks[1].name: must be at most 64 characters"),
    "a name ending in a newline": ({"name": "x\n"}, "heartbeat_timer_checks[1].name: must be letters, digits"),
    "a client_cert without client_key": (
        {"client_cert": "/etc/ssl/c.pem"},
        "heartbeat_timer_checks[1].client_key: client_cert and client_key go together",
    ),
    "an interval below 5 s": ({"interval": 4}, "heartbeat_timer_checks[1].interval: must be at least 5"),
    "an unknown option": ({"colour": "red"}, "heartbeat_timer_checks[1].colour: is not a known option"),
    "a push URL without /api/push": ({"push_url": "http://k/push/x"}, "[1].push_url: must be a Kuma push URL"),
    "an unknown on_failure": ({"on_failure": "panic"}, "[1].on_failure: must be one of down, skip"),
    "a million retries": ({"retries": 1_000_000}, "heartbeat_timer_checks[1].retries: must be at most 10"),
    "a timeout of 1e10 s": ({"timeout": 1e10}, "heartbeat_timer_checks[1].timeout: must be at most 60"),
    "an interval of 10**15 s": ({"interval": 10**15}, "heartbeat_timer_checks[1].interval: must be at most 86400"),
    "a timeout too long for the interval": (
        {"interval": 5, "timeout": 3},
        "heartbeat_timer_checks[1].timeout: 3 s is too long for a run of at most 4 s (run_timeout)",
    ),
    "a run_timeout longer than the unit allows": (
        {"interval": 30, "run_timeout": 30},
        "heartbeat_timer_checks[1].run_timeout: must be above 0 and at most 29 s",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_check_is_refused_naming_its_variable(case: str) -> None:
    change, message = BAD[case]

    errors = _errors(GOOD, dict(GOOD, name="second", **change) if "name" not in change else dict(GOOD, **change))

    assert len(errors) == 1
    assert message in errors[0]
    assert TOKEN not in errors[0]


def test_a_check_without_push_url_is_refused_by_name() -> None:
    errors = _errors({key: value for key, value in GOOD.items() if key != "push_url"})

    assert errors == ["heartbeat_timer_checks[0].push_url: is required"]


def test_duplicate_names_are_refused() -> None:
    assert _errors(GOOD, GOOD) == [
        "heartbeat_timer_checks[1].name: the name main is used more than once; names must be unique"
    ]


def test_checks_fall_back_to_the_role_wide_defaults() -> None:
    read = timer_checks(
        [GOOD, dict(GOOD, name="own", interval=30, timeout=1.5)],
        {"heartbeat_timer_interval": 20, "heartbeat_timer_timeout": 5, "heartbeat_timer_ca_path": ""},
    )

    first, second = read["checks"]
    assert (first["interval"], first["settings"]["timeout"]) == (20, 5)
    assert (second["interval"], second["settings"]["timeout"]) == (30, 1.5)
    assert "ca_path" not in first["settings"]
    assert first["settings"]["push_url"] == GOOD["push_url"]


def test_the_role_wide_defaults_are_checked_too() -> None:
    assert _errors(GOOD, heartbeat_timer_retries="many") == [
        "heartbeat_timer_checks[0].retries: must be a number, got 'many'"
    ]


def test_a_check_that_is_not_a_mapping_is_refused() -> None:
    assert _errors("main") == ["heartbeat_timer_checks[0]: must be a mapping of options"]


def test_each_check_runs_within_its_units_start_timeout() -> None:
    (check,) = timer_checks([dict(GOOD, interval=30)], {})["checks"]

    assert check["settings"]["run_timeout"] == 29
