"""A Kuma down, slow, failing or refusing: retried when that helps, never followed elsewhere, the token unsaid."""

from __future__ import annotations

from tests.fault.fake_http import FakeServer, Reply, html_reply, json_reply, redirect_reply, refused_url
from tests.fault.runs import heartbeat
from tests.fault.serve import serve_alertmanager, serve_kuma
from tests.payloads import KUMA_NOT_FOUND, KUMA_OK, am_alert


def test_a_kuma_that_is_down_is_tried_one_time_plus_retries_with_growing_waits(
    fake_alertmanager: FakeServer, token: str
) -> None:
    serve_alertmanager(fake_alertmanager, [am_alert()])
    kuma_url = refused_url()

    run = heartbeat(fake_alertmanager.url, f"{kuma_url}/api/push/{token}", retries=2)

    kuma_host = kuma_url.removeprefix("http://")
    assert (run.result.pushed, run.result.attempts) == (False, 3)
    assert run.waits == [0.5, 1.0]
    assert run.result.push_error == f"Kuma at {kuma_host} unreachable: connection refused; gave up after 3 attempts"
    assert run.result.verdict.status == "up"
    assert token not in run.shown


def test_a_kuma_slower_than_the_timeout_is_retried_then_given_up(
    fake_alertmanager: FakeServer, fake_kuma: FakeServer, token: str
) -> None:
    serve_alertmanager(fake_alertmanager, [am_alert()])
    push_url = serve_kuma(fake_kuma, token, Reply(delay=5, body=KUMA_OK))

    run = heartbeat(fake_alertmanager.url, push_url, timeout=0.3, retries=1)

    assert (run.result.pushed, run.result.attempts) == (False, 2)
    assert run.waits == [0.5]
    assert (
        run.result.push_error == f"Kuma at {fake_kuma.host} unreachable: timed out after 0.3s; gave up after 2 attempts"
    )
    assert len(fake_kuma.received_at(f"/api/push/{token}")) == 2
    assert token not in run.shown


def test_a_kuma_error_then_success_is_pushed_on_the_second_attempt(
    fake_alertmanager: FakeServer, fake_kuma: FakeServer, token: str
) -> None:
    serve_alertmanager(fake_alertmanager, [am_alert()])
    push_url = serve_kuma(fake_kuma, token, Reply(status=500, body="Internal Server Error"), json_reply(KUMA_OK))

    run = heartbeat(fake_alertmanager.url, push_url, retries=3)

    assert (run.result.pushed, run.result.attempts, run.result.push_error) == (True, 2, None)
    assert run.waits == [0.5]
    first, second = fake_kuma.received_at(f"/api/push/{token}")
    assert first.query == second.query
    assert token not in run.shown


def test_a_kuma_that_hangs_up_without_answering_is_retried(
    fake_alertmanager: FakeServer, fake_kuma: FakeServer, token: str
) -> None:
    serve_alertmanager(fake_alertmanager, [am_alert()])
    push_url = serve_kuma(fake_kuma, token, Reply(hang_up=True), json_reply(KUMA_OK))

    run = heartbeat(fake_alertmanager.url, push_url, retries=1)

    assert (run.result.pushed, run.result.attempts) == (True, 2)
    assert run.waits == [0.5]
    assert token not in run.shown


def test_a_kuma_that_always_hangs_up_is_reported_as_a_reset_connection(
    fake_alertmanager: FakeServer, fake_kuma: FakeServer, token: str
) -> None:
    serve_alertmanager(fake_alertmanager, [am_alert()])

    run = heartbeat(fake_alertmanager.url, serve_kuma(fake_kuma, token, Reply(hang_up=True)), retries=0)

    assert run.result.push_error == f"Kuma at {fake_kuma.host} unreachable: connection reset; gave up after 1 attempt"
    assert token not in run.shown


def test_an_unknown_or_paused_monitor_is_refused_at_once_naming_kumas_message_and_the_host(
    fake_alertmanager: FakeServer, fake_kuma: FakeServer, token: str
) -> None:
    serve_alertmanager(fake_alertmanager, [am_alert()])
    push_url = serve_kuma(fake_kuma, token, json_reply(KUMA_NOT_FOUND, status=404))

    run = heartbeat(fake_alertmanager.url, push_url, retries=3)

    assert (run.result.pushed, run.result.attempts) == (False, 1)
    assert run.waits == []
    assert len(fake_kuma.received) == 1
    assert run.result.push_error == (
        f"Kuma at {fake_kuma.host} refused the heartbeat: Monitor not found or not active. (HTTP 404)"
    )
    assert token not in run.shown


def test_a_200_without_kumas_json_is_a_failed_push_not_a_success(
    fake_alertmanager: FakeServer, fake_kuma: FakeServer, token: str
) -> None:
    serve_alertmanager(fake_alertmanager, [am_alert()])
    push_url = serve_kuma(fake_kuma, token, html_reply("<html><title>Uptime Kuma</title></html>"))

    run = heartbeat(fake_alertmanager.url, push_url)

    assert (run.result.pushed, run.result.attempts) == (False, 1)
    assert run.result.push_error == (
        f"{fake_kuma.host} answered HTTP 200 without Kuma's JSON; is push_url a Kuma push URL?"
    )
    assert token not in run.shown


def test_a_redirect_to_another_host_is_not_followed_and_that_host_hears_nothing(
    fake_alertmanager: FakeServer, fake_kuma: FakeServer, elsewhere: FakeServer, token: str
) -> None:
    serve_alertmanager(fake_alertmanager, [am_alert()])
    serve_kuma(elsewhere, token)
    push_url = serve_kuma(fake_kuma, token, redirect_reply(f"{elsewhere.url}/api/push/{token}?status=up"))

    run = heartbeat(fake_alertmanager.url, push_url)

    assert (run.result.pushed, run.result.attempts) == (False, 1)
    assert run.result.push_error == (
        f"Kuma at {fake_kuma.host} answered with a redirect (HTTP 302); the push follows no redirect"
    )
    assert elsewhere.received == []
    assert token not in run.shown


def test_a_proxy_that_quotes_the_push_path_in_its_refusal_does_not_leak_the_token(
    fake_alertmanager: FakeServer, fake_kuma: FakeServer, token: str
) -> None:
    serve_alertmanager(fake_alertmanager, [am_alert()])
    echo = json_reply({"ok": False, "msg": f"Cannot GET /api/push/{token}?status=up"}, status=404)
    push_url = serve_kuma(fake_kuma, token, echo)

    run = heartbeat(fake_alertmanager.url, push_url)

    assert run.result.push_error.startswith(f"Kuma at {fake_kuma.host} refused the heartbeat: Cannot GET /api/push/")
    assert token not in run.shown


def test_kumas_copy_paste_url_pushes_to_the_endpoint_with_our_own_query(
    fake_alertmanager: FakeServer, fake_kuma: FakeServer, token: str
) -> None:
    serve_alertmanager(fake_alertmanager, [])
    push_url = serve_kuma(fake_kuma, token) + "?status=up&msg=OK&ping="

    run = heartbeat(fake_alertmanager.url, push_url)

    (push,) = fake_kuma.received
    assert push.method == "GET"
    assert push.path == f"/api/push/{token}"
    assert push.query["status"] == ["down"]
    assert push.query["msg"] == ['no active alert matches alertname="Watchdog"']
    assert set(push.query) == {"status", "msg", "ping"}
    assert push.query["ping"][0] != ""
    assert token not in run.shown


def test_a_push_url_under_a_path_prefix_reaches_that_path(
    fake_alertmanager: FakeServer, fake_kuma: FakeServer, token: str
) -> None:
    serve_alertmanager(fake_alertmanager, [am_alert()])
    fake_kuma.reply(f"/status/api/push/{token}", json_reply(KUMA_OK))

    run = heartbeat(fake_alertmanager.url, f"{fake_kuma.url}/status/api/push/{token}")

    assert run.result.pushed is True
    assert [request.path for request in fake_kuma.received] == [f"/status/api/push/{token}"]


def test_check_mode_asks_alertmanager_and_sends_kuma_nothing(
    fake_alertmanager: FakeServer, fake_kuma: FakeServer, token: str
) -> None:
    serve_alertmanager(fake_alertmanager, [am_alert()])

    run = heartbeat(fake_alertmanager.url, serve_kuma(fake_kuma, token), send=False)

    assert (run.result.verdict.status, run.result.pushed, run.result.attempts) == ("up", False, 0)
    assert [request.path for request in fake_alertmanager.received] == ["/api/v2/status", "/api/v2/alerts", "/metrics"]
    assert fake_kuma.received == []
