"""Prometheus answering oddly, too much, or infinite counts: a verdict naming Prometheus; Alertmanager's is kept."""

from __future__ import annotations

import json
from typing import Any

import pytest
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._heartbeat import run_heartbeat
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._prometheus import (
    RULES_MAX_BYTES,
    observe_prometheus,
)
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._transport import AnswerTooLarge
from ansible_collections.watchdog.alertmanager_kuma.tests.payloads import am_alert
from ansible_collections.watchdog.alertmanager_kuma.tests.unit.plugins.module_utils.stubs import (
    ALERTMANAGER_URL,
    Answer,
    StubTransport,
    alertmanager_script,
    kuma_script,
    make_settings,
    response,
)
from hypothesis import given, settings
from hypothesis import strategies as st

PROMETHEUS = "http://127.0.0.1:9090"
SENDS_TO = f"{ALERTMANAGER_URL}/api/v2/alerts"
RULE = {"type": "alerting", "name": "Watchdog", "health": "ok", "lastEvaluation": "2026-11-25T11:59:59Z"}


def _alertmanagers(document: Any) -> dict[str, list[Answer]]:
    return {"/api/v1/alertmanagers": [response(document=document)]}


def _rules(document: Any) -> dict[str, list[Answer]]:
    return {"/api/v1/rules": [response(document=document, headers={"date": "Wed, 25 Nov 2026 12:00:00 GMT"})]}


HEALTHY = {
    **_alertmanagers({"data": {"activeAlertmanagers": [{"url": SENDS_TO}]}}),
    **_rules({"data": {"groups": [{"name": "meta", "interval": 60, "rules": [RULE]}]}}),
    "/metrics": [response(body=f'prometheus_notifications_errors_total{{alertmanager="{SENDS_TO}"}} 0\n'.encode())],
}


def _run(prometheus: dict[str, list[Answer]], alerts: tuple[dict[str, Any], ...] = (), **options: Any):
    script = {**alertmanager_script(alerts or [am_alert()]), **HEALTHY, **prometheus, **kuma_script()}
    return run_heartbeat(
        make_settings(prometheus_url=PROMETHEUS, **options), StubTransport(script), wait=lambda _seconds: None
    )


ODD = {
    "alertmanagers data a list": (
        _alertmanagers({"data": []}),
        "Prometheus answered /api/v1/alertmanagers oddly: its data is a list, not an object",
    ),
    "alertmanagers data a string": (
        _alertmanagers({"data": "up"}),
        "Prometheus answered /api/v1/alertmanagers oddly: its data is a string, not an object",
    ),
    "active alertmanagers a number": (
        _alertmanagers({"data": {"activeAlertmanagers": 3}}),
        "Prometheus answered /api/v1/alertmanagers oddly: its activeAlertmanagers is a number, not a list",
    ),
    "rules data a list": (
        _rules({"data": [1, 2]}),
        "Prometheus answered /api/v1/rules oddly: its data is a list, not an object",
    ),
    "rules data a string": (
        _rules({"data": "rules"}),
        "Prometheus answered /api/v1/rules oddly: its data is a string, not an object",
    ),
    "groups an object": (
        _rules({"data": {"groups": {}}}),
        "Prometheus answered /api/v1/rules oddly: its groups is an object, not a list",
    ),
    "rules a number": (
        _rules({"data": {"groups": [{"name": "meta", "rules": 7}]}}),
        "Prometheus answered /api/v1/rules oddly: a group's rules is a number, not a list",
    ),
}


@pytest.mark.parametrize(("prometheus", "message"), ODD.values(), ids=ODD.keys())
def test_an_oddly_shaped_prometheus_answer_is_down_naming_prometheus(
    prometheus: dict[str, list[Answer]], message: str
) -> None:
    result = _run(prometheus)

    assert result.judged
    assert (result.verdict.status, result.verdict.msg) == ("down", message)
    assert result.observation.version == "0.25.0"
    assert result.pushed


def test_alertmanagers_verdict_is_kept_beside_an_odd_prometheus_answer() -> None:
    result = _run(_rules({"data": "rules"}), alerts=(am_alert(state="suppressed", silenced_by=["3f2c1a9e"]),))

    assert result.verdict.msg.split(" | ") == [
        "Prometheus answered /api/v1/rules oddly: its data is a string, not an object",
        'no active alert matches alertname="Watchdog": 1 found suppressed (silenced)',
    ]


@pytest.mark.parametrize("url", ["http://[::1", "http://host:99999/api/v2/alerts", "]"])
def test_an_alertmanager_url_prometheus_lists_that_cannot_be_parsed_is_named_not_a_crash(url: str) -> None:
    result = _run(_alertmanagers({"data": {"activeAlertmanagers": [{"url": url}]}}))

    assert result.judged
    assert result.verdict.msg == f"Prometheus does not send to this Alertmanager; it sends to {url}"


def test_an_unparsable_url_beside_this_alertmanager_does_not_hide_it() -> None:
    result = _run(_alertmanagers({"data": {"activeAlertmanagers": [{"url": "http://[::1"}, {"url": SENDS_TO}]}}))

    assert result.verdict.status == "up"


@pytest.mark.parametrize("interval", [True, "60", 1e999, 10**400, -5], ids=["bool", "text", "inf", "huge", "negative"])
def test_a_group_interval_that_is_no_number_of_seconds_is_not_used(interval: Any) -> None:
    result = _run(_rules({"data": {"groups": [{"name": "meta", "interval": interval, "rules": [RULE]}]}}))

    assert result.judged
    assert result.verdict.status == "up"


def test_rules_answering_more_than_the_cap_say_so_not_unreachable() -> None:
    result = _run({"/api/v1/rules": [AnswerTooLarge(RULES_MAX_BYTES)]})

    assert result.verdict.msg == "Prometheus answered more than 16 MiB for /api/v1/rules"
    assert result.as_dict()["prometheus"]["reachable"] is True


@pytest.mark.parametrize("value", ["+Inf", "NaN"])
def test_an_infinite_error_counter_is_refused_naming_prometheus_and_not_kept(value: str, tmp_path) -> None:
    state_path = tmp_path / "state.json"
    line = f'prometheus_notifications_errors_total{{alertmanager="{SENDS_TO}"}} {value}\n'

    result = _run({"/metrics": [response(body=line.encode())]}, state_path=str(state_path))

    assert result.verdict.msg == (
        "Prometheus answered /metrics oddly:"
        f" prometheus_notifications_errors_total has a sample of {value}, not a finite number"
    )
    assert "prometheus_errors" not in json.loads(state_path.read_text())


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=12,
)
any_data = st.builds(lambda value: {"data": value}, json_values)
near_alertmanagers = any_data | st.builds(lambda value: {"data": {"activeAlertmanagers": value}}, json_values)
near_rules = (
    any_data
    | st.builds(lambda value: {"data": {"groups": value}}, json_values)
    | st.builds(
        lambda key, value: {"data": {"groups": [{"name": "meta", "interval": 1, "rules": [{**RULE, key: value}]}]}},
        st.sampled_from(["name", "type", "health", "lastEvaluation", "lastError"]),
        json_values,
    )
)


@settings(max_examples=300, deadline=None)
@given(
    alertmanagers=json_values | near_alertmanagers,
    rules=json_values | near_rules,
)
def test_any_prometheus_answer_is_judged_and_keeps_alertmanagers_observation(alertmanagers: Any, rules: Any) -> None:
    result = _run({**_alertmanagers(alertmanagers), **_rules(rules)})

    assert result.judged
    assert result.observation.version == "0.25.0"
    assert result.verdict.status in ("up", "down")


def test_decoding_a_huge_rules_answer_counts_against_the_request_timeout() -> None:
    # Two million tiny objects decode in about two seconds: the request's timeout must bound that too.
    groups = {"data": {"groups": [{"a": {}}] * 20_000}}
    script = {**alertmanager_script([am_alert()]), **HEALTHY, **_rules(groups), **kuma_script()}
    transport = StubTransport(script)

    def clock() -> float:
        # A minute passes as the rules arrive.
        return 60.0 if transport.to("/api/v1/rules") else 0.0

    observed = observe_prometheus(make_settings(prometheus_url=PROMETHEUS, timeout=3), transport, clock)

    assert observed is not None
    assert (observed.problem, observed.reachable) == ("Prometheus unreachable: timed out after 3s", False)
    assert transport.to("/metrics") == []
