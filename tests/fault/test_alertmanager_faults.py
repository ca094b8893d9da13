"""An Alertmanager that is slow, broken, or not an Alertmanager at all turns the heartbeat down, and Kuma hears why."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.fault.fake_http import FakeServer, Reply, html_reply, json_reply, redirect_reply, refused_url
from tests.fault.runs import heartbeat
from tests.fault.serve import serve_alertmanager, serve_kuma
from tests.payloads import am_alert, am_status, utc_now


def pushed_message(fake_kuma: FakeServer, token: str) -> tuple[str, str]:
    """The status and msg of the one push Kuma received."""
    (push,) = fake_kuma.received_at(f"/api/push/{token}")
    return push.query["status"][0], push.query["msg"][0]


def test_an_active_fresh_watchdog_is_pushed_up_with_the_api_latency_as_ping(
    fake_alertmanager: FakeServer, fake_kuma: FakeServer, token: str
) -> None:
    serve_alertmanager(fake_alertmanager, [am_alert()])
    push_url = serve_kuma(fake_kuma, token)

    run = heartbeat(fake_alertmanager.url, push_url)

    assert (run.result.verdict.status, run.result.pushed, run.result.attempts) == ("up", True, 1)
    assert pushed_message(fake_kuma, token) == ("up", run.result.verdict.msg)
    (push,) = fake_kuma.received_at(f"/api/push/{token}")
    assert int(push.query["ping"][0]) >= 1
    assert run.result.push_host == fake_kuma.host
    assert token not in run.shown


def test_an_alertmanager_slower_than_the_timeout_turns_the_verdict_down_as_timed_out(
    fake_alertmanager: FakeServer, fake_kuma: FakeServer, token: str
) -> None:
    serve_alertmanager(fake_alertmanager, [am_alert()])
    fake_alertmanager.reply("/api/v2/status", Reply(delay=5, body=am_status()))
    push_url = serve_kuma(fake_kuma, token)

    run = heartbeat(fake_alertmanager.url, push_url, timeout=0.3)

    assert run.result.verdict.status == "down"
    assert run.result.verdict.msg == "Alertmanager unreachable: timed out after 0.3s"
    assert pushed_message(fake_kuma, token) == ("down", "Alertmanager unreachable: timed out after 0.3s")
    assert run.result.as_dict()["alertmanager"]["reachable"] is False
    assert token not in run.shown


def test_slow_alerts_after_a_quick_status_also_time_out(
    fake_alertmanager: FakeServer, fake_kuma: FakeServer, token: str
) -> None:
    serve_alertmanager(fake_alertmanager, [am_alert()])
    fake_alertmanager.reply("/api/v2/alerts", Reply(delay=5, body=[am_alert()]))

    run = heartbeat(fake_alertmanager.url, serve_kuma(fake_kuma, token), timeout=0.3)

    assert run.result.verdict.msg == "Alertmanager unreachable: timed out after 0.3s"
    assert token not in run.shown


def test_an_unreachable_alertmanager_turns_the_verdict_down_as_connection_refused(
    fake_kuma: FakeServer, token: str
) -> None:
    run = heartbeat(refused_url(), serve_kuma(fake_kuma, token))

    assert run.result.verdict.msg == "Alertmanager unreachable: connection refused"
    assert run.result.verdict.ping is None
    (push,) = fake_kuma.received_at(f"/api/push/{token}")
    assert "ping" not in push.query
    assert token not in run.shown


@pytest.mark.parametrize(
    ("reply", "problem"),
    [
        (Reply(status=500, body="internal error"), "/api/v2/status answered HTTP 500"),
        (Reply(status=503, body="service unavailable"), "/api/v2/status answered HTTP 503"),
        (Reply(status=401, body="Unauthorized"), "/api/v2/status refused the credentials (HTTP 401)"),
        (html_reply("<html><body>Sign in to Grafana</body></html>"), "/api/v2/status did not answer JSON"),
        (Reply(body=b'{"cluster": {"status": "ready", '), "/api/v2/status did not answer JSON"),
        (json_reply([{"status": "ready"}]), "/api/v2/status has no cluster section"),
        (json_reply({"status": "success", "data": {}}), "/api/v2/status has no cluster section"),
    ],
    ids=["500", "503", "401", "html", "malformed json", "json list", "prometheus-shaped json"],
)
def test_a_status_answer_that_is_not_alertmanagers_turns_the_verdict_down_with_the_reason(
    fake_alertmanager: FakeServer, fake_kuma: FakeServer, token: str, reply: Reply, problem: str
) -> None:
    fake_alertmanager.reply("/api/v2/status", reply)

    run = heartbeat(fake_alertmanager.url, serve_kuma(fake_kuma, token))

    assert run.result.verdict.status == "down"
    assert run.result.verdict.msg.startswith(f"Alertmanager API error: {problem}")
    assert pushed_message(fake_kuma, token) == ("down", run.result.verdict.msg)
    assert fake_alertmanager.received_at("/api/v2/alerts") == []
    assert token not in run.shown


@pytest.mark.parametrize(
    ("reply", "problem"),
    [
        (Reply(status=500), "/api/v2/alerts answered HTTP 500"),
        (html_reply("<html>Not Found</html>"), "/api/v2/alerts did not answer JSON"),
        (Reply(body=b"[{"), "/api/v2/alerts did not answer JSON"),
        (json_reply({"alerts": [am_alert()]}), "/api/v2/alerts did not answer a list"),
        (json_reply([{"status": {"state": "active"}}]), "an alert without labels"),
    ],
    ids=["500", "html", "malformed json", "object instead of list", "alert without labels"],
)
def test_an_alerts_answer_that_is_not_alertmanagers_turns_the_verdict_down_with_the_reason(
    fake_alertmanager: FakeServer, fake_kuma: FakeServer, token: str, reply: Reply, problem: str
) -> None:
    serve_alertmanager(fake_alertmanager)
    fake_alertmanager.reply("/api/v2/alerts", reply)

    run = heartbeat(fake_alertmanager.url, serve_kuma(fake_kuma, token))

    assert run.result.verdict.status == "down"
    assert run.result.verdict.msg.startswith("Alertmanager API error: ")
    assert problem in run.result.verdict.msg
    assert token not in run.shown


def test_an_alertmanager_that_hangs_up_without_answering_turns_the_verdict_down(
    fake_alertmanager: FakeServer, fake_kuma: FakeServer, token: str
) -> None:
    fake_alertmanager.reply("/api/v2/status", Reply(hang_up=True))

    run = heartbeat(fake_alertmanager.url, serve_kuma(fake_kuma, token))

    assert pushed_message(fake_kuma, token) == ("down", "Alertmanager unreachable: connection reset")
    assert token not in run.shown


def test_a_redirecting_alertmanager_is_not_followed(
    fake_alertmanager: FakeServer, fake_kuma: FakeServer, elsewhere: FakeServer, token: str
) -> None:
    serve_alertmanager(elsewhere, [am_alert()])
    fake_alertmanager.reply("/api/v2/status", redirect_reply(f"{elsewhere.url}/api/v2/status"))

    run = heartbeat(fake_alertmanager.url, serve_kuma(fake_kuma, token))

    assert run.result.verdict.msg == (
        "Alertmanager API error: /api/v2/status answered with a redirect (HTTP 302), which is not followed"
    )
    assert elsewhere.received == []
    assert token not in run.shown


def test_a_silenced_watchdog_turns_the_verdict_down_and_kuma_is_told_it_is_silenced(
    fake_alertmanager: FakeServer, fake_kuma: FakeServer, token: str
) -> None:
    serve_alertmanager(fake_alertmanager, [am_alert(state="suppressed", silenced_by=["5f1c0a"])])

    run = heartbeat(fake_alertmanager.url, serve_kuma(fake_kuma, token))

    assert pushed_message(fake_kuma, token) == (
        "down",
        'no active alert matches alertname="Watchdog": 1 found suppressed (silenced)',
    )
    assert token not in run.shown


def test_a_watchdog_stale_on_the_alertmanager_clock_turns_the_verdict_down(
    fake_alertmanager: FakeServer, fake_kuma: FakeServer, token: str
) -> None:
    # Fresh by our clock, ten minutes old by the Alertmanager's Date header: its clock is the one that counts.
    now = utc_now().replace(microsecond=0)
    serve_alertmanager(fake_alertmanager, [am_alert(updated=now)], date=now + timedelta(minutes=10))

    run = heartbeat(fake_alertmanager.url, serve_kuma(fake_kuma, token), max_age=300)

    status, msg = pushed_message(fake_kuma, token)
    assert status == "down"
    assert msg == (
        'alert matching alertname="Watchdog" is stale: last updated 600s ago, max_age 300s; is Prometheus sending?'
    )
    assert token not in run.shown


def test_a_watchdog_fresh_on_a_lagging_alertmanager_clock_stays_up(
    fake_alertmanager: FakeServer, fake_kuma: FakeServer, token: str
) -> None:
    an_hour_ago = utc_now().replace(microsecond=0) - timedelta(hours=1)
    serve_alertmanager(fake_alertmanager, [am_alert(updated=an_hour_ago - timedelta(seconds=5))], date=an_hour_ago)

    run = heartbeat(fake_alertmanager.url, serve_kuma(fake_kuma, token), max_age=300)

    assert pushed_message(fake_kuma, token)[0] == "up"
    assert "updated 5s ago" in run.result.verdict.msg


def test_a_cluster_with_fewer_peers_than_min_peers_turns_the_verdict_down(
    fake_alertmanager: FakeServer, fake_kuma: FakeServer, token: str
) -> None:
    serve_alertmanager(fake_alertmanager, [am_alert()], status=am_status(cluster="ready", peers=["01HXAM1"]))

    run = heartbeat(fake_alertmanager.url, serve_kuma(fake_kuma, token), min_peers=2)

    assert pushed_message(fake_kuma, token) == ("down", "Alertmanager cluster ready, 1 peer, fewer than min_peers=2")
    assert token not in run.shown


def test_with_on_failure_skip_a_broken_alertmanager_leaves_kuma_alone(
    fake_alertmanager: FakeServer, fake_kuma: FakeServer, token: str
) -> None:
    fake_alertmanager.reply("/api/v2/status", Reply(status=500))

    run = heartbeat(fake_alertmanager.url, serve_kuma(fake_kuma, token), on_failure="skip")

    assert (run.result.verdict.status, run.result.pushed, run.result.attempts) == ("down", False, 0)
    assert fake_kuma.received == []


def test_empty_matchers_only_ask_whether_the_api_answers(
    fake_alertmanager: FakeServer, fake_kuma: FakeServer, token: str
) -> None:
    serve_alertmanager(fake_alertmanager)

    run = heartbeat(fake_alertmanager.url, serve_kuma(fake_kuma, token), matchers=[])

    assert pushed_message(fake_kuma, token) == (
        "up",
        "Alertmanager 0.25.0, cluster disabled: API answers (no matchers given)",
    )
    assert fake_alertmanager.received_at("/api/v2/alerts") == []
    assert token not in run.shown


def test_the_matchers_reach_alertmanager_as_filters(
    fake_alertmanager: FakeServer, fake_kuma: FakeServer, token: str
) -> None:
    serve_alertmanager(fake_alertmanager, [am_alert()])

    heartbeat(
        fake_alertmanager.url, serve_kuma(fake_kuma, token), matchers=['alertname="Watchdog"', r'job=~"node\.exporter"']
    )

    (query,) = [request.query for request in fake_alertmanager.received_at("/api/v2/alerts")]
    assert query == {"filter": ['alertname="Watchdog"', 'job=~"node\\\\.exporter"']}
