"""The relay against a scripted Kuma: what it forwards, what it refuses, what it answers Alertmanager."""

from __future__ import annotations

import base64
import json
import socket
from pathlib import Path

import pytest
import requests
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils import _relay_server
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._option import SettingsError
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._relay_server import MAX_BODY_BYTES
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._relay_settings import (
    relay_settings_from_options,
)

from lab.relay import relay_process
from tests.fault.fake_http import FakeServer, Reply, json_reply, refused_url
from tests.fault.relay_runner import running_relay
from tests.fault.serve import serve_kuma
from tests.payloads import KUMA_NOT_FOUND, watchdog_alert, webhook


def _pushes(fake_kuma: FakeServer, token: str):
    return fake_kuma.received_at(f"/api/push/{token}")


def test_a_firing_watchdog_is_pushed_up_with_a_message_naming_it_and_answered_200(
    fake_kuma: FakeServer, token: str
) -> None:
    push_url = serve_kuma(fake_kuma, token)
    with running_relay(push_url=push_url) as relay:
        answer = relay.post(webhook())

    assert (answer.status_code, answer.text) == (200, "OK\n")
    (pushed,) = _pushes(fake_kuma, token)
    assert pushed.method == "GET"
    assert pushed.query["status"] == ["up"]
    assert pushed.query["msg"] == ["Alertmanager webhook: Watchdog firing (1 alert) via receiver kuma-relay"]
    assert f"push_host={fake_kuma.host}" in relay.log.getvalue()
    assert token not in relay.log.getvalue() + answer.text


@pytest.mark.parametrize(
    "notification",
    [webhook(status="resolved"), webhook(status="firing", alerts=[watchdog_alert("resolved")])],
    ids=["resolved notification", "all alerts resolved"],
)
def test_a_resolved_notification_is_not_a_heartbeat(fake_kuma: FakeServer, token: str, notification: dict) -> None:
    push_url = serve_kuma(fake_kuma, token)
    with running_relay(push_url=push_url) as relay:
        answer = relay.post(notification)

    assert answer.status_code == 200
    assert "nothing pushed" in answer.text
    assert _pushes(fake_kuma, token) == []


def test_kuma_refusing_the_token_makes_the_relay_answer_502_and_log_the_host_only(
    fake_kuma: FakeServer, token: str
) -> None:
    push_url = serve_kuma(fake_kuma, token, json_reply(KUMA_NOT_FOUND, status=404))
    with running_relay(push_url=push_url) as relay:
        answer = relay.post(webhook())

    assert answer.status_code == 502
    assert "Monitor not found or not active." in answer.text
    assert len(_pushes(fake_kuma, token)) == 1
    log = relay.log.getvalue()
    assert f"push_host={fake_kuma.host}" in log and "status=502" in log
    assert token not in log + answer.text


def test_kuma_down_is_retried_with_backoff_then_502(token: str) -> None:
    with running_relay(push_url=f"{refused_url()}/api/push/{token}", retries=2) as relay:
        answer = relay.post(webhook())

    assert answer.status_code == 502
    assert "gave up after 3 attempts" in answer.text
    assert relay.waits == [0.5, 1.0]
    assert token not in relay.log.getvalue() + answer.text


def test_kuma_failing_once_then_taking_it_is_a_200(fake_kuma: FakeServer, token: str) -> None:
    push_url = serve_kuma(fake_kuma, token, Reply(status=500, body="oops"), json_reply({"ok": True}))
    with running_relay(push_url=push_url) as relay:
        answer = relay.post(webhook())

    assert answer.status_code == 200
    assert len(_pushes(fake_kuma, token)) == 2


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        (b"{not json", {}, 400),
        (b'{"version": "3", "status": "firing", "alerts": []}', {}, 400),
        (b'{"version": "4", "status": "firing"}', {}, 400),
        (b"[]", {}, 400),
        (b"{}", {"Content-Type": "text/plain"}, 415),
        (b"x" * (MAX_BODY_BYTES + 1), {}, 413),
    ],
    ids=["malformed JSON", "another version", "no alerts", "not an object", "wrong content type", "oversize"],
)
def test_a_bad_body_gets_a_4xx_and_pushes_nothing(
    fake_kuma: FakeServer, token: str, body: bytes, headers: dict, status: int
) -> None:
    push_url = serve_kuma(fake_kuma, token)
    with running_relay(push_url=push_url) as relay:
        answer = relay.post(body, headers=headers)

    assert answer.status_code == status
    assert _pushes(fake_kuma, token) == []
    assert token not in relay.log.getvalue()


def test_get_and_unknown_routes_are_refused(fake_kuma: FakeServer, token: str) -> None:
    push_url = serve_kuma(fake_kuma, token)
    with running_relay(push_url=push_url) as relay:
        assert requests.get(relay.url + "/push", timeout=5).status_code == 405
        assert requests.get(relay.url + "/-/healthy", timeout=5).status_code == 200
        assert relay.post(webhook(), path="/push/elsewhere").status_code == 404
    assert _pushes(fake_kuma, token) == []


def test_routes_send_each_path_to_its_own_monitor(fake_kuma: FakeServer, token: str) -> None:
    other = token[::-1]
    routes = [
        {"name": "prod", "push_url": serve_kuma(fake_kuma, token)},
        {"name": "stage", "push_url": serve_kuma(fake_kuma, other)},
    ]
    with running_relay(routes=routes) as relay:
        assert relay.post(webhook(), path="/push/stage").status_code == 200
        assert relay.post(webhook(), path="/push").status_code == 404

    assert len(_pushes(fake_kuma, other)) == 1
    assert _pushes(fake_kuma, token) == []


@pytest.mark.parametrize(
    ("auth", "header", "status"),
    [
        ({"auth_bearer_token": "s3cretBearer"}, None, 401),
        ({"auth_bearer_token": "s3cretBearer"}, "Bearer wrong", 401),
        ({"auth_bearer_token": "s3cretBearer"}, "Bearer s3cretBearer", 200),
        ({"auth_username": "am", "auth_password": "pa55word"}, None, 401),
        ({"auth_username": "am", "auth_password": "pa55word"}, "Basic " + base64.b64encode(b"am:wrong").decode(), 401),
        (
            {"auth_username": "am", "auth_password": "pa55word"},
            "Basic " + base64.b64encode(b"am:pa55word").decode(),
            200,
        ),
    ],
    ids=["bearer missing", "bearer wrong", "bearer right", "basic missing", "basic wrong", "basic right"],
)
def test_inbound_auth_is_required_when_configured(
    fake_kuma: FakeServer, token: str, auth: dict, header: str | None, status: int
) -> None:
    push_url = serve_kuma(fake_kuma, token)
    with running_relay(push_url=push_url, **auth) as relay:
        answer = relay.post(webhook(), headers={"Authorization": header} if header else {})

    assert answer.status_code == status
    assert len(_pushes(fake_kuma, token)) == (1 if status == 200 else 0)
    for secret in ("s3cretBearer", "pa55word", token):
        assert secret not in relay.log.getvalue()


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ({"push_url": "ftp://kuma/api/push/x"}, "push_url"),
        ({}, "push_url"),
        (
            {"push_url": "http://kuma/api/push/x", "routes": [{"name": "a", "push_url": "http://kuma/api/push/y"}]},
            "push_url",
        ),
        ({"routes": [{"name": "a b", "push_url": "http://kuma/api/push/y"}]}, "routes[0].name"),
        ({"routes": [{"name": "a", "push_url": "http://kuma/nope"}]}, "routes[0].push_url"),
        ({"push_url": "http://kuma/api/push/x", "listen": "8081"}, "listen"),
        ({"push_url": "http://kuma/api/push/x", "retries": -1}, "retries"),
        ({"push_url": "http://kuma/api/push/x", "auth_username": "am"}, "auth_password"),
    ],
)
def test_bad_relay_settings_are_refused_by_name(options: dict, named: str) -> None:
    with pytest.raises(SettingsError) as refused:
        relay_settings_from_options(options)

    assert refused.value.option == named


def test_with_auth_configured_an_unknown_route_is_a_401_not_a_404(fake_kuma: FakeServer, token: str) -> None:
    push_url = serve_kuma(fake_kuma, token)
    with running_relay(push_url=push_url, auth_bearer_token="s3cretBearer") as relay:
        answer = relay.post(webhook(), path="/push/guess")

    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == "Bearer"
    assert fake_kuma.received == []


def test_a_chunked_body_without_content_length_is_a_411_and_pushes_nothing(fake_kuma: FakeServer, token: str) -> None:
    push_url = serve_kuma(fake_kuma, token)
    with running_relay(push_url=push_url) as relay:
        # A generator body makes requests send Transfer-Encoding: chunked, without Content-Length.
        body = iter([json.dumps(webhook()).encode()])
        answer = requests.post(relay.url + "/push", data=body, headers={"Content-Type": "application/json"}, timeout=10)

    assert answer.status_code == 411
    assert fake_kuma.received == []


def test_the_relay_listens_on_ipv6_loopback(fake_kuma: FakeServer, token: str) -> None:
    push_url = serve_kuma(fake_kuma, token)
    with running_relay(push_url=push_url, listen="[::1]:0") as relay:
        answer = relay.post(webhook())

    assert relay.url.startswith("http://[::1]:")
    assert answer.status_code == 200
    assert len(_pushes(fake_kuma, token)) == 1


def test_a_client_that_stalls_mid_body_is_dropped_and_others_are_served_meanwhile(
    fake_kuma: FakeServer, token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_relay_server, "CLIENT_TIMEOUT_SECONDS", 1)
    push_url = serve_kuma(fake_kuma, token)
    with running_relay(push_url=push_url) as relay, socket.create_connection(relay.address, timeout=10) as stalled:
        body = json.dumps(webhook()).encode()
        head = (
            f"POST /push HTTP/1.1\r\nHost: relay\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        )
        stalled.sendall(head.encode() + b"\r\n" + body[:10])

        assert relay.post(webhook()).status_code == 200
        # Dropped by the relay: the read ends, without an answer, once the client timeout has passed.
        assert stalled.recv(1024) == b""

    assert len(_pushes(fake_kuma, token)) == 1
    assert "relay: refused by the HTTP layer: Request timed out" in relay.log.getvalue()


def test_the_installed_relay_logs_one_line_per_request_without_the_token_and_stops_on_sigterm(
    tmp_path: Path, fake_kuma: FakeServer, token: str
) -> None:
    push_url = serve_kuma(fake_kuma, token, json_reply({"ok": True}), json_reply(KUMA_NOT_FOUND, status=404))
    with relay_process(tmp_path, {"push_url": push_url}) as relay:
        sent = {"Content-Type": "application/json"}
        answers = [
            requests.post(relay.url + "/push", json=webhook(), headers=sent, timeout=10) for _attempt in range(2)
        ]
        answers.append(requests.get(relay.url + "/push", timeout=10))
        code = relay.stop()

    assert [answer.status_code for answer in answers] == [200, 502, 405]
    assert code == 0
    lines = relay.log().splitlines()
    assert lines[0] == f"alertmanager-kuma-relay: listening on 127.0.0.1:{relay.port}, pushing to {fake_kuma.host}"
    assert [line.split(" status=")[0] for line in lines[1:4]] == ["relay: POST /push"] * 2 + ["relay: GET /push"]
    assert all(f"push_host={fake_kuma.host}" in line for line in lines[1:3])
    assert lines[4:] == ["alertmanager-kuma-relay: stopped"]
    assert token not in relay.log()


def test_a_secret_a_client_puts_in_the_request_line_is_masked_in_the_log(fake_kuma: FakeServer, token: str) -> None:
    push_url = serve_kuma(fake_kuma, token)
    with running_relay(push_url=push_url, auth_bearer_token="s3cretBearer") as relay:
        assert requests.get(f"{relay.url}/api/push/{token}", timeout=5).status_code == 405
        assert relay.post(webhook(), path=f"/push/s3cretBearer?token={token}").status_code == 401
        with socket.create_connection(relay.address, timeout=10) as raw:
            raw.sendall(f"BREW /{token} HTCPCP/1.0\r\n\r\n".encode())
            assert b"400" in raw.recv(1024)

    log = relay.log.getvalue()
    assert len(log.splitlines()) == 3
    assert token not in log and "s3cretBearer" not in log
    assert "********" in log


def test_other_methods_are_a_405_naming_post_and_a_doubled_header_is_a_400(fake_kuma: FakeServer, token: str) -> None:
    push_url = serve_kuma(fake_kuma, token)
    with running_relay(push_url=push_url) as relay:
        answers = [requests.request(method, relay.url + "/push", timeout=5) for method in ("PUT", "DELETE", "OPTIONS")]
        with socket.create_connection(relay.address, timeout=10) as raw:
            body = json.dumps(webhook()).encode()
            raw.sendall(
                b"POST /push HTTP/1.1\r\nHost: relay\r\nContent-Type: application/json\r\n"
                + f"Content-Length: {len(body)}\r\nContent-Length: 2\r\n\r\n".encode()
                + body
            )
            doubled = raw.recv(1024)

    assert [answer.status_code for answer in answers] == [405, 405, 405]
    assert all(answer.headers["Allow"] == "POST" for answer in answers)
    assert doubled.startswith(b"HTTP/1.0 400 ")
    assert fake_kuma.received == []
