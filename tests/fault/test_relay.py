"""The relay against a scripted Kuma: what it forwards, what it refuses, what it answers Alertmanager."""

from __future__ import annotations

import base64

import pytest
import requests
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._relay import (
    MAX_BODY_BYTES,
    relay_settings_from_options,
)
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._settings import SettingsError

from tests.fault.fake_http import FakeServer, Reply, json_reply, refused_url
from tests.fault.payloads import KUMA_NOT_FOUND, serve_kuma
from tests.fault.relay_runner import running_relay, watchdog_alert, webhook


def _pushes(kuma: FakeServer, token: str):
    return kuma.received_at(f"/api/push/{token}")


def test_a_firing_watchdog_is_pushed_up_with_a_message_naming_it_and_answered_200(kuma: FakeServer, token: str) -> None:
    push_url = serve_kuma(kuma, token)
    with running_relay(push_url=push_url) as relay:
        answer = relay.post(webhook())

    assert (answer.status_code, answer.text) == (200, "OK\n")
    (pushed,) = _pushes(kuma, token)
    assert pushed.method == "GET"
    assert pushed.query["status"] == ["up"]
    assert pushed.query["msg"] == ["Alertmanager webhook: Watchdog firing (1 alert) via receiver kuma-relay"]
    assert f"push_host={kuma.host}" in relay.log.getvalue()
    assert token not in relay.log.getvalue() + answer.text


@pytest.mark.parametrize(
    "notification",
    [webhook(status="resolved"), webhook(status="firing", alerts=[watchdog_alert("resolved")])],
    ids=["resolved notification", "all alerts resolved"],
)
def test_a_resolved_notification_is_not_a_heartbeat(kuma: FakeServer, token: str, notification: dict) -> None:
    push_url = serve_kuma(kuma, token)
    with running_relay(push_url=push_url) as relay:
        answer = relay.post(notification)

    assert answer.status_code == 200
    assert "nothing pushed" in answer.text
    assert _pushes(kuma, token) == []


def test_kuma_refusing_the_token_makes_the_relay_answer_502_and_log_the_host_only(kuma: FakeServer, token: str) -> None:
    push_url = serve_kuma(kuma, token, json_reply(KUMA_NOT_FOUND, status=404))
    with running_relay(push_url=push_url) as relay:
        answer = relay.post(webhook())

    assert answer.status_code == 502
    assert "Monitor not found or not active." in answer.text
    assert len(_pushes(kuma, token)) == 1
    log = relay.log.getvalue()
    assert f"push_host={kuma.host}" in log and "status=502" in log
    assert token not in log + answer.text


def test_kuma_down_is_retried_with_backoff_then_502(token: str) -> None:
    with running_relay(push_url=f"{refused_url()}/api/push/{token}", retries=2) as relay:
        answer = relay.post(webhook())

    assert answer.status_code == 502
    assert "gave up after 3 attempts" in answer.text
    assert relay.waits == [0.5, 1.0]
    assert token not in relay.log.getvalue() + answer.text


def test_kuma_failing_once_then_taking_it_is_a_200(kuma: FakeServer, token: str) -> None:
    push_url = serve_kuma(kuma, token, Reply(status=500, body="oops"), json_reply({"ok": True}))
    with running_relay(push_url=push_url) as relay:
        answer = relay.post(webhook())

    assert answer.status_code == 200
    assert len(_pushes(kuma, token)) == 2


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
    kuma: FakeServer, token: str, body: bytes, headers: dict, status: int
) -> None:
    push_url = serve_kuma(kuma, token)
    with running_relay(push_url=push_url) as relay:
        answer = relay.post(body, headers=headers)

    assert answer.status_code == status
    assert _pushes(kuma, token) == []
    assert token not in relay.log.getvalue()


def test_get_and_unknown_routes_are_refused(kuma: FakeServer, token: str) -> None:
    push_url = serve_kuma(kuma, token)
    with running_relay(push_url=push_url) as relay:
        assert requests.get(relay.url + "/push", timeout=5).status_code == 405
        assert requests.get(relay.url + "/-/healthy", timeout=5).status_code == 200
        assert relay.post(webhook(), path="/push/elsewhere").status_code == 404
    assert _pushes(kuma, token) == []


def test_routes_send_each_path_to_its_own_monitor(kuma: FakeServer, token: str) -> None:
    other = token[::-1]
    routes = [
        {"name": "prod", "push_url": serve_kuma(kuma, token)},
        {"name": "stage", "push_url": serve_kuma(kuma, other)},
    ]
    with running_relay(routes=routes) as relay:
        assert relay.post(webhook(), path="/push/stage").status_code == 200
        assert relay.post(webhook(), path="/push").status_code == 404

    assert len(_pushes(kuma, other)) == 1
    assert _pushes(kuma, token) == []


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
    kuma: FakeServer, token: str, auth: dict, header: str | None, status: int
) -> None:
    push_url = serve_kuma(kuma, token)
    with running_relay(push_url=push_url, **auth) as relay:
        answer = relay.post(webhook(), headers={"Authorization": header} if header else {})

    assert answer.status_code == status
    assert len(_pushes(kuma, token)) == (1 if status == 200 else 0)
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
