"""Only an active, fresh Watchdog in a healthy Alertmanager is a heartbeat; anything else is down, and says why."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._alertmanager import (
    Observation,
    ObservedAlert,
)
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._text import MAX_MESSAGE_CHARS
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._verdict import (
    DOWN,
    UP,
    decide,
)
from ansible_collections.watchdog.alertmanager_kuma.tests.unit.plugins.module_utils.stubs import make_settings

SERVER_TIME = datetime(2026, 11, 24, 21, 17, 5, tzinfo=UTC)
WATCHDOG = {"alertname": "Watchdog", "severity": "none"}


def alert(
    state: str = "active", age: float | None = 5, silenced_by: tuple = (), inhibited_by: tuple = ()
) -> ObservedAlert:
    updated = None if age is None else SERVER_TIME - timedelta(seconds=age)
    return ObservedAlert(
        labels=WATCHDOG,
        state=state,
        starts_at=SERVER_TIME - timedelta(hours=1),
        updated_at=updated,
        ends_at=SERVER_TIME + timedelta(minutes=4),
        silenced_by=silenced_by,
        inhibited_by=inhibited_by,
    )


def observation(*alerts: ObservedAlert, **fields: object) -> Observation:
    defaults = {
        "version": "0.25.0",
        "cluster_status": "disabled",
        "server_time": SERVER_TIME,
        "latency_ms": 4.2,
    }
    return Observation(alerts=alerts, **{**defaults, **fields})


def test_an_active_fresh_watchdog_turns_the_verdict_up() -> None:
    verdict = decide(observation(alert(age=5)), make_settings())

    assert verdict.status == UP
    assert verdict.msg == (
        '1 active alert matches alertname="Watchdog" in Alertmanager 0.25.0, cluster disabled, updated 5s ago'
    )
    assert verdict.ping == 4


def test_no_watchdog_alert_turns_the_verdict_down() -> None:
    verdict = decide(observation(), make_settings())

    assert verdict.status == DOWN
    assert verdict.msg == 'no active alert matches alertname="Watchdog"'


def test_a_silenced_watchdog_turns_the_verdict_down_and_says_it_is_silenced() -> None:
    verdict = decide(observation(alert(state="suppressed", silenced_by=("5f1c",))), make_settings())

    assert verdict.status == DOWN
    assert verdict.msg == 'no active alert matches alertname="Watchdog": 1 found suppressed (silenced)'


def test_an_inhibited_watchdog_turns_the_verdict_down_and_says_it_is_inhibited() -> None:
    verdict = decide(observation(alert(state="suppressed", inhibited_by=("c0ffee",))), make_settings())

    assert verdict.status == DOWN
    assert "(inhibited)" in verdict.msg


def test_a_watchdog_both_silenced_and_inhibited_says_both() -> None:
    verdict = decide(observation(alert("suppressed", silenced_by=("s",), inhibited_by=("i",))), make_settings())

    assert "(silenced and inhibited)" in verdict.msg


def test_an_unprocessed_watchdog_is_not_a_heartbeat_yet() -> None:
    verdict = decide(observation(alert(state="unprocessed")), make_settings())

    assert verdict.status == DOWN
    assert "1 found unprocessed" in verdict.msg


def test_a_watchdog_prometheus_stopped_updating_turns_the_verdict_down_as_stale() -> None:
    verdict = decide(observation(alert(age=400)), make_settings(max_age=300))

    assert verdict.status == DOWN
    assert verdict.msg == (
        'alert matching alertname="Watchdog" is stale: last updated 400s ago, max_age 300s; is Prometheus sending?'
    )


def test_staleness_is_measured_on_the_alertmanager_clock_so_our_clock_skew_does_not_count() -> None:
    an_hour_behind = SERVER_TIME - timedelta(hours=1)
    fresh_there = ObservedAlert(WATCHDOG, "active", None, an_hour_behind - timedelta(seconds=5), None)

    verdict = decide(observation(fresh_there, server_time=an_hour_behind), make_settings(max_age=60))

    assert verdict.status == UP
    assert "updated 5s ago" in verdict.msg


def test_an_alert_updated_after_the_server_time_counts_as_just_updated() -> None:
    verdict = decide(observation(alert(age=-3)), make_settings())

    assert verdict.status == UP
    assert "updated 0s ago" in verdict.msg


def test_max_age_zero_turns_the_staleness_check_off() -> None:
    verdict = decide(observation(alert(age=86400)), make_settings(max_age=0))

    assert verdict.status == UP


def test_an_alert_without_updated_at_is_down_when_freshness_is_checked() -> None:
    verdict = decide(observation(alert(age=None)), make_settings())

    assert verdict.status == DOWN
    assert (
        verdict.msg
        == 'alert matching alertname="Watchdog" has no valid updatedAt: cannot tell freshness (max_age 300s)'
    )


def test_an_alert_without_updated_at_is_up_when_freshness_is_not_checked() -> None:
    verdict = decide(observation(alert(age=None)), make_settings(max_age=0))

    assert verdict.status == UP
    assert "updated" not in verdict.msg


def test_control_characters_never_reach_the_verdicts_message() -> None:
    verdict = decide(observation(alert(age=1), version="0.25\x1b[31m\r\nX"), make_settings())

    assert verdict.status == UP
    assert "\x1b" not in verdict.msg and "\r" not in verdict.msg and "\n" not in verdict.msg


def test_of_several_active_watchdogs_the_freshest_one_counts() -> None:
    verdict = decide(observation(alert(age=900), alert(age=10)), make_settings(max_age=300))

    assert verdict.status == UP
    assert verdict.msg.startswith('2 active alerts match alertname="Watchdog"')
    assert "updated 10s ago" in verdict.msg


def test_fewer_cluster_peers_than_min_peers_turns_the_verdict_down() -> None:
    lonely = observation(alert(), cluster_status="ready", peers=("01HXAM1",))

    verdict = decide(lonely, make_settings(min_peers=2))

    assert verdict.status == DOWN
    assert verdict.msg == "Alertmanager cluster ready, 1 peer, fewer than min_peers=2"


def test_a_cluster_with_min_peers_members_stays_up() -> None:
    pair = observation(alert(), cluster_status="ready", peers=("01HXAM1", "01HXAM2"))

    verdict = decide(pair, make_settings(min_peers=2))

    assert verdict.status == UP
    assert "cluster ready, 2 peers" in verdict.msg


def test_an_alertmanager_with_clustering_disabled_is_one_member_for_min_peers() -> None:
    single = observation(alert(), cluster_status="disabled", peers=())

    assert decide(single, make_settings(min_peers=1)).status == UP
    verdict = decide(single, make_settings(min_peers=2))
    assert verdict.status == DOWN
    assert verdict.msg == "Alertmanager cluster disabled, fewer than min_peers=2"


@pytest.mark.parametrize(
    "problem",
    [
        "Alertmanager unreachable: connection refused",
        "Alertmanager unreachable: timed out after 3s",
        "Alertmanager API error: /api/v2/status answered HTTP 500",
    ],
)
def test_an_alertmanager_that_cannot_be_read_turns_the_verdict_down_with_the_reason(problem: str) -> None:
    unreadable = Observation(problem=problem, reachable="unreachable" not in problem)

    verdict = decide(unreadable, make_settings())

    assert verdict.status == DOWN
    assert verdict.msg == problem
    assert verdict.ping is None


def test_empty_matchers_check_only_that_the_api_answers() -> None:
    verdict = decide(observation(), make_settings(matchers=[]))

    assert verdict.status == UP
    assert verdict.msg == "Alertmanager 0.25.0, cluster disabled: API answers (no matchers given)"


def test_empty_matchers_still_turn_down_when_the_api_does_not_answer() -> None:
    verdict = decide(Observation(problem="Alertmanager unreachable: connection refused"), make_settings(matchers=[]))

    assert verdict.status == DOWN


def test_a_long_message_is_cut_to_what_kuma_shows_and_ends_in_an_ellipsis() -> None:
    matchers = [f'team=~"{"x" * 60}|{index}"' for index in range(6)]

    verdict = decide(observation(), make_settings(matchers=matchers))

    assert len(verdict.msg) == MAX_MESSAGE_CHARS
    assert verdict.msg.endswith("...")
    assert verdict.msg.startswith("no active alert matches team=~")


def test_a_message_at_the_limit_is_kept_whole() -> None:
    name_length = MAX_MESSAGE_CHARS - len('no active alert matches ="x"')
    verdict = decide(observation(), make_settings(matchers=[f'{"n" * name_length}="x"']))

    assert len(verdict.msg) == MAX_MESSAGE_CHARS
    assert not verdict.msg.endswith("...")


@pytest.mark.parametrize(("latency_ms", "ping"), [(0.2, 1), (12.6, 13), (None, None)])
def test_the_ping_is_the_api_latency_in_whole_milliseconds_and_never_zero(
    latency_ms: float | None, ping: int | None
) -> None:
    assert decide(observation(alert(), latency_ms=latency_ms), make_settings()).ping == ping
