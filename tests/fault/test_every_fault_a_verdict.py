"""Servers that drip, nest, lie about dates or send garbage: every case is a verdict Kuma hears, never silence."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.fault.fake_http import FakeServer, Reply, json_reply
from tests.fault.runs import heartbeat
from tests.fault.serve import serve_alertmanager, serve_kuma
from tests.payloads import am_alert, am_status

DRIP = 0.05


def pushed_message(fake_kuma: FakeServer, token: str) -> tuple[str, str]:
    (push,) = fake_kuma.received_at(f"/api/push/{token}")
    return push.query["status"][0], push.query["msg"][0]


def test_an_alertmanager_dripping_one_byte_at_a_time_is_down_at_the_timeout(
    fake_alertmanager: FakeServer, fake_kuma: FakeServer, token: str
) -> None:
    # About 300 bytes at 0.05 s each would take 15 s: only a deadline on the whole request ends it at 0.5 s.
    fake_alertmanager.reply("/api/v2/status", Reply(body=am_status(), drip=DRIP))

    run = heartbeat(fake_alertmanager.url, serve_kuma(fake_kuma, token), timeout=0.5)

    assert pushed_message(fake_kuma, token) == ("down", "Alertmanager unreachable: timed out after 0.5s")
    assert token not in run.shown


def test_a_kuma_dripping_its_answer_fails_the_push_as_timed_out(
    fake_alertmanager: FakeServer, fake_kuma: FakeServer, token: str
) -> None:
    serve_alertmanager(fake_alertmanager, [am_alert()])
    push_url = serve_kuma(fake_kuma, token, json_reply({"ok": True}, drip=DRIP))

    run = heartbeat(fake_alertmanager.url, push_url, timeout=0.5, retries=0)

    assert run.result.pushed is False
    assert (
        run.result.push_error == f"Kuma at {fake_kuma.host} unreachable: timed out after 0.5s; gave up after 1 attempt"
    )
    assert token not in run.shown


def test_json_nested_deeper_than_python_can_parse_is_down_naming_the_problem(
    fake_alertmanager: FakeServer, fake_kuma: FakeServer, token: str
) -> None:
    serve_alertmanager(fake_alertmanager)
    fake_alertmanager.reply("/api/v2/alerts", Reply(body=b"[" * 100_000 + b"]" * 100_000))

    heartbeat(fake_alertmanager.url, serve_kuma(fake_kuma, token))

    assert pushed_message(fake_kuma, token) == (
        "down",
        "Alertmanager API error: /api/v2/alerts answered JSON nested too deeply; is this an Alertmanager?",
    )


def test_kuma_answering_json_nested_too_deeply_is_a_refused_push_not_a_crash(
    fake_alertmanager: FakeServer, fake_kuma: FakeServer, token: str
) -> None:
    serve_alertmanager(fake_alertmanager, [am_alert()])
    push_url = serve_kuma(fake_kuma, token, Reply(status=404, body=b"[" * 100_000))

    run = heartbeat(fake_alertmanager.url, push_url, retries=0)

    assert run.result.push_error == (
        f"{fake_kuma.host} answered HTTP 404 without Kuma's JSON; is push_url a Kuma push URL?"
    )


def test_an_impossible_updated_at_with_max_age_is_down_as_unknown_freshness(
    fake_alertmanager: FakeServer, fake_kuma: FakeServer, token: str
) -> None:
    alert = am_alert()
    alert["updatedAt"] = "2026-13-40T25:61:00.000Z"
    serve_alertmanager(fake_alertmanager, [alert])

    heartbeat(fake_alertmanager.url, serve_kuma(fake_kuma, token))

    status, msg = pushed_message(fake_kuma, token)
    assert status == "down"
    assert msg.startswith('alert matching alertname="Watchdog" has no valid updatedAt: cannot tell freshness')


def test_a_missing_updated_at_with_max_age_is_down_and_without_max_age_up(
    fake_alertmanager: FakeServer, fake_kuma: FakeServer, token: str
) -> None:
    alert = am_alert()
    del alert["updatedAt"]
    serve_alertmanager(fake_alertmanager, [alert])
    push_url = serve_kuma(fake_kuma, token)

    checked = heartbeat(fake_alertmanager.url, push_url)
    unchecked = heartbeat(fake_alertmanager.url, push_url, max_age=0)

    assert checked.result.verdict.status == "down"
    assert "cannot tell freshness" in checked.result.verdict.msg
    assert unchecked.result.verdict.status == "up"


def test_a_date_header_out_of_range_falls_back_to_the_local_clock(
    fake_alertmanager: FakeServer, fake_kuma: FakeServer, token: str
) -> None:
    serve_alertmanager(fake_alertmanager, [am_alert()])
    for path, document in (("/api/v2/status", am_status()), ("/api/v2/alerts", [am_alert()])):
        fake_alertmanager.reply(path, json_reply(document, headers={"Date": "Mon, 01 Jan 99999 00:00:00 GMT"}))

    run = heartbeat(fake_alertmanager.url, serve_kuma(fake_kuma, token))

    assert pushed_message(fake_kuma, token)[0] == "up"
    assert run.result.observation.server_time.year == datetime.now(UTC).year


def test_control_characters_from_the_server_never_reach_kumas_message(
    fake_alertmanager: FakeServer, fake_kuma: FakeServer, token: str
) -> None:
    status = am_status()
    status["versionInfo"]["version"] = "0.25\x1b[31m\x00\r\nX-Injected: 1"
    serve_alertmanager(fake_alertmanager, [am_alert()], status=status)

    run = heartbeat(fake_alertmanager.url, serve_kuma(fake_kuma, token))

    status_pushed, msg = pushed_message(fake_kuma, token)
    assert status_pushed == "up"
    assert not any(ord(char) < 32 or ord(char) == 127 for char in msg)
    assert "0.25" in msg
    assert not any(ord(char) < 32 for char in run.result.verdict.msg)


def test_a_matcher_alertmanager_refuses_is_down_with_alertmanagers_own_reason(
    fake_alertmanager: FakeServer, fake_kuma: FakeServer, token: str
) -> None:
    serve_alertmanager(fake_alertmanager)
    fake_alertmanager.reply(
        "/api/v2/alerts", json_reply({"code": 400, "message": "bad matcher format: job=~\x1b\\pQ"}, status=400)
    )

    heartbeat(fake_alertmanager.url, serve_kuma(fake_kuma, token), matchers=['job=~"\\\\pQ"'])

    assert pushed_message(fake_kuma, token) == (
        "down",
        "Alertmanager API error: /api/v2/alerts refused the request (HTTP 400): bad matcher format: job=~ \\pQ",
    )


def test_a_metrics_answer_of_50_mb_is_down_as_more_than_alertmanager_may_answer_never_loaded_whole(
    fake_alertmanager: FakeServer, fake_kuma: FakeServer, token: str
) -> None:
    serve_alertmanager(fake_alertmanager, [am_alert()])
    fake_alertmanager.reply("/metrics", Reply(body=b"# padding\n" * 5_000_000))

    heartbeat(fake_alertmanager.url, serve_kuma(fake_kuma, token))

    assert pushed_message(fake_kuma, token) == (
        "down",
        "Alertmanager answered more than 1 MiB for /metrics",
    )


def test_garbage_metrics_count_nothing_and_the_heartbeat_stays_up(
    fake_alertmanager: FakeServer, fake_kuma: FakeServer, token: str
) -> None:
    serve_alertmanager(fake_alertmanager, [am_alert()])
    fake_alertmanager.reply(
        "/metrics", Reply(body=b"\x00\xff{{{ alertmanager_notifications_total{integration=\n" * 1000)
    )

    run = heartbeat(fake_alertmanager.url, serve_kuma(fake_kuma, token))

    assert pushed_message(fake_kuma, token)[0] == "up"
    assert run.result.as_dict()["alertmanager"]["notifications"] == {}
