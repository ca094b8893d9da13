"""The check reads Alertmanager's API v2 as it is, and turns whatever else answers into a problem, not a crash."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._alertmanager import (
    observe,
    parse_timestamp,
)
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._transport import TransportError
from ansible_collections.watchdog.alertmanager_kuma.tests.payloads import am_alert, am_status, utc_now
from ansible_collections.watchdog.alertmanager_kuma.tests.unit.plugins.module_utils.stubs import (
    StubTransport,
    alertmanager_script,
    make_settings,
    response,
)
from hypothesis import given, settings
from hypothesis import strategies as st


def test_the_matchers_go_to_alertmanager_as_filters() -> None:
    transport = StubTransport(alertmanager_script([am_alert()]))

    observe(make_settings(matchers=['alertname="Watchdog"', 'severity=~"none|info"']), transport)

    (alerts_request,) = transport.to("/api/v2/alerts")
    assert alerts_request.query == {"filter": ['alertname="Watchdog"', 'severity=~"none|info"']}
    assert [request.path for request in transport.requests] == ["/api/v2/status", "/api/v2/alerts", "/metrics"]


def test_a_route_prefix_in_the_alertmanager_url_is_kept() -> None:
    script = {"/am/api/v2/status": alertmanager_script()["/api/v2/status"]}
    transport = StubTransport({**script, "/am/api/v2/alerts": alertmanager_script()["/api/v2/alerts"]})

    observation = observe(make_settings(alertmanager_url="http://127.0.0.1:9093/am/"), transport)

    assert observation.problem is None
    assert [request.path for request in transport.requests] == ["/am/api/v2/status", "/am/api/v2/alerts", "/am/metrics"]


def test_without_matchers_only_the_status_is_asked() -> None:
    transport = StubTransport(alertmanager_script())

    observation = observe(make_settings(matchers=[]), transport)

    assert observation.problem is None
    assert [request.path for request in transport.requests] == ["/api/v2/status", "/metrics"]


def test_every_request_carries_the_timeout() -> None:
    transport = StubTransport(alertmanager_script())

    observe(make_settings(timeout=1.5), transport)

    assert {request.timeout for request in transport.requests} == {1.5}


def test_basic_auth_credentials_are_sent_to_alertmanager() -> None:
    transport = StubTransport(alertmanager_script())

    observe(make_settings(alertmanager_username="heartbeat", alertmanager_password="hunter2"), transport)

    expected = "Basic " + base64.b64encode(b"heartbeat:hunter2").decode()
    assert {request.headers["Authorization"] for request in transport.requests} == {expected}


def test_a_bearer_token_is_sent_to_alertmanager() -> None:
    transport = StubTransport(alertmanager_script())

    observe(make_settings(alertmanager_bearer_token="b3arer"), transport)

    assert {request.headers["Authorization"] for request in transport.requests} == {"Bearer b3arer"}


def test_version_cluster_peers_and_alerts_are_read() -> None:
    updated = datetime(2026, 11, 24, 21, 17, 5, 456789, tzinfo=UTC)
    status = am_status(version="0.25.0", cluster="ready", peers=["01HXAM1", "01HXAM2"])
    transport = StubTransport(alertmanager_script([am_alert(updated=updated)], status=status))

    observation = observe(make_settings(), transport)

    assert (observation.version, observation.cluster_status, observation.peers) == (
        "0.25.0",
        "ready",
        ("01HXAM1", "01HXAM2"),
    )
    (watchdog,) = observation.alerts
    assert watchdog.labels == {"alertname": "Watchdog", "severity": "none"}
    assert watchdog.state == "active"
    assert watchdog.updated_at == updated
    assert observation.latency_ms is not None


def test_the_server_date_header_is_the_clock_staleness_is_measured_on() -> None:
    their_clock = utc_now().replace(microsecond=0) + timedelta(hours=2)

    observation = observe(make_settings(), StubTransport(alertmanager_script(date=their_clock)))

    assert observation.server_time == their_clock


def test_without_a_date_header_our_own_clock_is_used() -> None:
    before = utc_now()

    observation = observe(make_settings(), StubTransport(alertmanager_script()))

    assert before <= observation.server_time <= utc_now()


def test_alerts_a_proxy_let_through_despite_the_filters_are_checked_again() -> None:
    other = am_alert(labels={"alertname": "DiskFull"})
    transport = StubTransport(alertmanager_script([other, am_alert()]))

    observation = observe(make_settings(), transport)

    assert [alert.labels["alertname"] for alert in observation.alerts] == ["Watchdog"]


def test_silences_and_inhibitions_are_read() -> None:
    alert = am_alert(state="suppressed", silenced_by=["5f1c"], inhibited_by=["c0ffee"])

    (watchdog,) = observe(make_settings(), StubTransport(alertmanager_script([alert]))).alerts

    assert (watchdog.state, watchdog.silenced_by, watchdog.inhibited_by) == ("suppressed", ("5f1c",), ("c0ffee",))


def test_an_unreachable_alertmanager_is_a_problem_with_the_reason() -> None:
    transport = StubTransport({"/api/v2/status": [TransportError("connection refused")]})

    observation = observe(make_settings(), transport)

    assert observation.problem == "Alertmanager unreachable: connection refused"
    assert observation.reachable is False


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        (response(500, body=b"oops"), "/api/v2/status answered HTTP 500"),
        (response(401), "/api/v2/status refused the credentials (HTTP 401)"),
        (response(403), "/api/v2/status refused the credentials (HTTP 403)"),
        (response(302, headers={"location": "http://elsewhere/"}), "answered with a redirect (HTTP 302)"),
        (response(body=b"<html>Grafana</html>"), "/api/v2/status did not answer JSON"),
        (response(body=b'{"cluster": '), "/api/v2/status did not answer JSON"),
        (response(body=b"\xff\xfe"), "/api/v2/status did not answer JSON"),
        (response(document=[1, 2]), "/api/v2/status has no cluster section"),
        (response(document={"cluster": "ready"}), "/api/v2/status has no cluster section"),
    ],
)
def test_a_status_answer_that_is_not_alertmanagers_is_a_problem(answer: object, problem: str) -> None:
    observation = observe(make_settings(), StubTransport({"/api/v2/status": [answer]}))

    assert observation.problem is not None
    assert observation.problem.startswith("Alertmanager API error: ")
    assert problem in observation.problem
    assert observation.reachable is True


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ({"alerts": []}, "/api/v2/alerts did not answer a list"),
        ([{"status": {"state": "active"}}], "an alert without labels"),
        (["Watchdog"], "an alert without labels"),
    ],
)
def test_an_alerts_answer_of_the_wrong_shape_is_a_problem(document: object, problem: str) -> None:
    script = {**alertmanager_script(), "/api/v2/alerts": [response(document=document)]}

    observation = observe(make_settings(), StubTransport(script))

    assert observation.problem is not None
    assert problem in observation.problem


def test_odd_fields_in_an_alert_do_not_break_the_check() -> None:
    odd = {"labels": {"alertname": "Watchdog", "count": 3}, "status": "active", "updatedAt": 17}
    script = {**alertmanager_script(), "/api/v2/alerts": [response(document=[odd])]}

    (watchdog,) = observe(make_settings(), StubTransport(script)).alerts

    assert watchdog.labels == {"alertname": "Watchdog", "count": "3"}
    assert watchdog.state == "unknown"
    assert watchdog.updated_at is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-24T21:17:05.456789123Z", datetime(2026, 11, 24, 21, 17, 5, 456789, tzinfo=UTC)),
        ("2026-11-24T21:17:05Z", datetime(2026, 11, 24, 21, 17, 5, tzinfo=UTC)),
        ("2026-11-24T22:17:05.5+01:00", datetime(2026, 11, 24, 21, 17, 5, 500000, tzinfo=UTC)),
        ("0001-01-01T00:00:00Z", datetime(1, 1, 1, tzinfo=UTC)),
        ("yesterday", None),
        ("2026-11-24 21:17:05", None),
        (None, None),
        (1764018000, None),
    ],
)
def test_timestamps_are_read_as_go_writes_them(text: object, expected: datetime | None) -> None:
    assert parse_timestamp(text) == expected


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
status_like = st.fixed_dictionaries(
    {"cluster": st.dictionaries(st.sampled_from(["status", "peers", "name"]), json_values)},
    optional={"versionInfo": json_values},
)
alert_like = st.fixed_dictionaries(
    {"labels": st.dictionaries(st.text(max_size=10), json_values, max_size=3)},
    optional={
        "status": st.dictionaries(st.sampled_from(["state", "silencedBy", "inhibitedBy"]), json_values),
        "updatedAt": json_values,
        "startsAt": json_values,
        "endsAt": json_values,
    },
)


@given(status=json_values, alerts=json_values)
def test_whatever_json_an_alertmanager_answers_the_check_turns_it_into_an_observation(
    status: object, alerts: object
) -> None:
    script = {
        "/api/v2/status": [response(body=json.dumps(status).encode())],
        "/api/v2/alerts": [response(document=alerts)],
    }

    observation = observe(make_settings(), StubTransport(script))

    assert observation.problem is None or observation.problem.startswith("Alertmanager API error: ")


@settings(max_examples=300)
@given(status=status_like, alerts=st.lists(alert_like, max_size=3))
def test_whatever_fields_an_alertmanager_fills_oddly_the_check_turns_them_into_an_observation(
    status: object, alerts: object
) -> None:
    script = {"/api/v2/status": [response(document=status)], "/api/v2/alerts": [response(document=alerts)]}

    observation = observe(make_settings(matchers=['alertname!="x"']), StubTransport(script))

    assert observation.problem is None or observation.problem.startswith("Alertmanager API error: ")


@given(body=st.binary(max_size=64))
def test_whatever_bytes_an_alertmanager_answers_the_check_turns_them_into_an_observation(body: bytes) -> None:
    script = {"/api/v2/status": [response(body=body)], "/api/v2/alerts": [response(body=body)]}

    observation = observe(make_settings(), StubTransport(script))

    assert observation.problem is None or observation.problem.startswith("Alertmanager API error: ")
