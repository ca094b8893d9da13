"""The relay's decisions without a socket: a webhook's headers and body in, the answer and the push out."""

from __future__ import annotations

import base64
import json
import unicodedata
from typing import Any

import pytest
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._option import SettingsError
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._relay_server import (
    MAX_BODY_BYTES,
    Outcome,
    handle_post,
    log_safe,
)
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._relay_settings import (
    RelaySettings,
    relay_settings_from_options,
)
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._text import MAX_MESSAGE_CHARS
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._transport import HttpResponse, TransportError
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._webhook import BadRequest, parse_notification
from ansible_collections.watchdog.alertmanager_kuma.tests.payloads import KUMA_NOT_FOUND, watchdog_alert, webhook
from ansible_collections.watchdog.alertmanager_kuma.tests.unit.plugins.module_utils.stubs import (
    KUMA_HOST,
    TOKEN,
    StubTransport,
    any_token,
    kuma_script,
    response,
)
from hypothesis import given, settings
from hypothesis import strategies as st

PUSH_URL = f"http://{KUMA_HOST}/api/push/{TOKEN}"
BEARER = "inB0undBearerXy7"
PASSWORD = "inB0undPassw0rdQ"


def relay_settings(**options: Any) -> RelaySettings:
    return relay_settings_from_options({"push_url": PUSH_URL, **options} if "routes" not in options else options)


def encoded(notification: Any) -> bytes:
    return notification if isinstance(notification, bytes) else json.dumps(notification).encode("utf-8")


def post(
    settings: RelaySettings,
    transport: StubTransport,
    notification: Any = None,
    path: str = "/push",
    **headers: str,
) -> tuple[Outcome, list[int]]:
    """POST as Alertmanager does; return the outcome and how many bytes the relay read of the body."""
    body = encoded(webhook() if notification is None else notification)
    sent = {"content-type": "application/json", "content-length": str(len(body))}
    sent.update({key.replace("_", "-"): value for key, value in headers.items()})
    reads: list[int] = []

    def read_body(size: int) -> bytes:
        reads.append(size)
        return body[:size]

    outcome = handle_post(settings, transport, path, sent, read_body, lambda _seconds: None)
    return outcome, reads


def basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode("ascii")


# The notification


def test_a_firing_watchdog_is_a_heartbeat_naming_the_alert_the_count_and_the_receiver() -> None:
    notification = parse_notification(encoded(webhook()))

    assert notification.is_heartbeat
    assert notification.message() == "Alertmanager webhook: Watchdog firing (1 alert) via receiver kuma-relay"


def test_the_message_counts_only_firing_alerts_and_names_each_alert_once() -> None:
    alerts = [watchdog_alert(), watchdog_alert(), watchdog_alert(name="Other"), watchdog_alert("resolved", "Gone")]

    notification = parse_notification(encoded(webhook(alerts=alerts, receiver="am")))

    assert notification.message() == "Alertmanager webhook: Watchdog, Other firing (3 alerts) via receiver am"


def test_a_notification_of_many_alerts_keeps_its_message_short_enough_for_a_url() -> None:
    alerts = [watchdog_alert(name=f"Alert{index:03d}" + "x" * 60) for index in range(200)]

    message = parse_notification(encoded(webhook(alerts=alerts))).message()

    assert len(message) <= MAX_MESSAGE_CHARS
    assert message.startswith("Alertmanager webhook: Alert000")
    assert "and 195 more" in message or message.endswith("...")


@pytest.mark.parametrize(
    "notification",
    [webhook(status="resolved"), webhook(alerts=[watchdog_alert("resolved")])],
    ids=["resolved notification", "every alert resolved"],
)
def test_a_resolved_notification_is_no_heartbeat(notification: dict) -> None:
    assert not parse_notification(encoded(notification)).is_heartbeat


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"\xff\xfe",
        b"{not json",
        b"[]",
        b'"4"',
        encoded({**webhook(), "version": "3"}),
        encoded({**webhook(), "version": 4}),
        encoded({**webhook(), "status": "pending"}),
        encoded({key: value for key, value in webhook().items() if key != "alerts"}),
        encoded(webhook(alerts=[])),
        encoded(webhook(alerts=[{"labels": {"alertname": "Watchdog"}}])),
        encoded(webhook(alerts=["Watchdog"])),
        encoded({**webhook(), "receiver": None}),
    ],
    ids=[
        "empty",
        "not UTF-8",
        "malformed JSON",
        "a list",
        "a string",
        "version 3",
        "version as a number",
        "unknown status",
        "no alerts",
        "empty alerts",
        "an alert without status",
        "an alert that is no object",
        "no receiver",
    ],
)
def test_anything_but_an_alertmanager_version_4_notification_is_a_400(body: bytes) -> None:
    with pytest.raises(BadRequest) as refused:
        parse_notification(body)

    assert refused.value.status == 400


# Answering a POST


def test_kuma_taking_the_heartbeat_is_a_200_after_one_up_push_with_the_message() -> None:
    transport = StubTransport(kuma_script())

    outcome, _reads = post(relay_settings(), transport)

    assert (outcome.status, outcome.text, outcome.pushed, outcome.attempts) == (200, "OK", True, 1)
    (request,) = transport.requests
    assert request.query == {
        "status": ["up"],
        "msg": ["Alertmanager webhook: Watchdog firing (1 alert) via receiver kuma-relay"],
    }
    assert request.timeout == 3.0


def test_a_resolved_notification_is_a_200_with_a_note_and_pushes_nothing() -> None:
    transport = StubTransport(kuma_script())

    outcome, _reads = post(relay_settings(), transport, webhook(status="resolved"))

    assert outcome.status == 200
    assert outcome.text == "resolved: not a heartbeat, nothing pushed"
    assert not outcome.pushed
    assert transport.requests == []


def test_kuma_refusing_is_a_502_with_kumas_words_and_no_retry() -> None:
    transport = StubTransport(kuma_script(response(404, document=KUMA_NOT_FOUND)))

    outcome, _reads = post(relay_settings(retries=3), transport)

    assert outcome.status == 502
    assert outcome.text == f"Kuma at {KUMA_HOST} refused the heartbeat: Monitor not found or not active. (HTTP 404)"
    assert len(transport.requests) == 1


def test_kuma_ok_false_with_200_is_a_502_not_a_success() -> None:
    transport = StubTransport(kuma_script(response(200, document={"ok": False, "msg": "Monitor is paused"})))

    outcome, _reads = post(relay_settings(), transport)

    assert outcome.status == 502
    assert "Monitor is paused" in outcome.text


def test_kuma_unreachable_is_retried_then_a_502_counting_the_attempts() -> None:
    transport = StubTransport(kuma_script(TransportError("connection refused")))

    outcome, _reads = post(relay_settings(retries=2), transport)

    assert (outcome.status, outcome.attempts) == (502, 3)
    assert outcome.text == f"Kuma at {KUMA_HOST} unreachable: connection refused; gave up after 3 attempts"
    assert len(transport.requests) == 3


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"content_type": "text/plain"}, 415),
        ({"content_type": "application/x-www-form-urlencoded"}, 415),
        ({"content_length": ""}, 411),
        ({"content_length": "-1"}, 411),
        ({"content_length": "1_0"}, 411),
        ({"content_length": str(MAX_BODY_BYTES + 1)}, 413),
    ],
    ids=["text", "form", "no length", "negative length", "odd length", "oversize"],
)
def test_a_refused_body_is_a_4xx_and_is_never_read(headers: dict, status: int) -> None:
    transport = StubTransport(kuma_script())

    outcome, reads = post(relay_settings(), transport, **headers)

    assert outcome.status == status
    assert reads == []
    assert transport.requests == []


def test_json_with_a_charset_is_accepted() -> None:
    outcome, _reads = post(
        relay_settings(), StubTransport(kuma_script()), content_type="application/json; charset=utf-8"
    )

    assert outcome.status == 200


def test_the_body_is_read_exactly_as_long_as_content_length_says() -> None:
    body = encoded(webhook())

    _outcome, reads = post(relay_settings(), StubTransport(kuma_script()), body)

    assert reads == [len(body)]


@pytest.mark.parametrize(
    ("path", "status", "pushed_to"),
    [
        ("/push/prod", 200, "prod"),
        ("/push/stage", 200, "stage"),
        ("/push", 404, None),
        ("/push/", 404, None),
        ("/push/other", 404, None),
        ("/push/prod/extra", 404, None),
        ("/", 404, None),
    ],
)
def test_routes_pick_the_monitor_by_path(path: str, status: int, pushed_to: str | None) -> None:
    tokens = {"prod": "pr0dTokenAbCdEf1", "stage": "st4geTokenAbCdE2"}
    routes = [{"name": name, "push_url": f"http://{KUMA_HOST}/api/push/{tok}"} for name, tok in tokens.items()]
    transport = StubTransport({f"/api/push/{tok}": [response(document={"ok": True})] for tok in tokens.values()})

    outcome, _reads = post(relay_settings_from_options({"routes": routes}), transport, path=path)

    assert outcome.status == status
    assert [request.path for request in transport.requests] == ([f"/api/push/{tokens[pushed_to]}"] if pushed_to else [])


@pytest.mark.parametrize(
    ("auth", "authorization", "status"),
    [
        ({"auth_bearer_token": BEARER}, None, 401),
        ({"auth_bearer_token": BEARER}, "Bearer " + BEARER[:-1], 401),
        ({"auth_bearer_token": BEARER}, "Bearer " + BEARER + "x", 401),
        ({"auth_bearer_token": BEARER}, basic("am", BEARER), 401),
        ({"auth_bearer_token": BEARER}, "Bearer " + BEARER, 200),
        ({"auth_username": "am", "auth_password": PASSWORD}, None, 401),
        ({"auth_username": "am", "auth_password": PASSWORD}, basic("am", "wrong"), 401),
        ({"auth_username": "am", "auth_password": PASSWORD}, basic("other", PASSWORD), 401),
        ({"auth_username": "am", "auth_password": PASSWORD}, "Bearer " + PASSWORD, 401),
        ({"auth_username": "am", "auth_password": PASSWORD}, basic("am", PASSWORD), 200),
        ({}, None, 200),
        ({}, "Bearer anything", 200),
    ],
    ids=[
        "bearer missing",
        "bearer short",
        "bearer long",
        "bearer expected, basic given",
        "bearer right",
        "basic missing",
        "basic wrong password",
        "basic wrong user",
        "basic expected, bearer given",
        "basic right",
        "no auth configured",
        "no auth configured, header ignored",
    ],
)
def test_inbound_auth_guards_the_push(auth: dict, authorization: str | None, status: int) -> None:
    transport = StubTransport(kuma_script())
    headers = {"authorization": authorization} if authorization else {}

    outcome, reads = post(relay_settings(**auth), transport, **headers)

    assert outcome.status == status
    assert len(transport.requests) == (1 if status == 200 else 0)
    assert reads != [] if status == 200 else reads == []


def test_without_credentials_an_unknown_route_is_a_401_too_so_route_names_stay_unknown() -> None:
    outcome, _reads = post(relay_settings(auth_bearer_token=BEARER), StubTransport(kuma_script()), path="/push/guess")

    assert outcome.status == 401


# Settings


def test_defaults_listen_on_loopback_8081_with_3_retries_of_3_seconds() -> None:
    relay = relay_settings()

    assert (relay.host, relay.port, relay.retries, relay.timeout) == ("127.0.0.1", 8081, 3, 3.0)
    assert relay.routes[""].host == KUMA_HOST


def test_an_ipv6_listen_address_is_taken_without_its_brackets() -> None:
    assert relay_settings(listen="[::1]:9000").host == "::1"


def test_settings_keep_their_secrets_out_of_repr_and_list_them_for_redaction() -> None:
    relay = relay_settings(auth_username="am", auth_password=PASSWORD)

    assert TOKEN not in repr(relay) and PASSWORD not in repr(relay)
    assert set(relay.secrets()) == {TOKEN, PASSWORD}
    assert set(relay_settings(auth_bearer_token=BEARER).secrets()) == {TOKEN, BEARER}


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ({"push_url": PUSH_URL, "listen": "127.0.0.1"}, "listen"),
        ({"push_url": PUSH_URL, "listen": "127.0.0.1:99999"}, "listen"),
        ({"push_url": PUSH_URL, "timeout": 0}, "timeout"),
        ({"push_url": PUSH_URL, "timeout": True}, "timeout"),
        ({"push_url": PUSH_URL, "retries": 1.5}, "retries"),
        ({"push_url": PUSH_URL, "auth_password": PASSWORD}, "auth_username"),
        (
            {"push_url": PUSH_URL, "auth_bearer_token": BEARER, "auth_username": "a", "auth_password": "b"},
            "auth_bearer_token",
        ),
        ({"push_url": PUSH_URL, "auth_bearer_token": 42}, "auth_bearer_token"),
        ({"push_url": PUSH_URL, "validate_certs": "yes"}, "validate_certs"),
        ({"push_url": PUSH_URL, "use_proxy": 1}, "use_proxy"),
        ({"push_url": PUSH_URL, "pushurl": PUSH_URL}, "pushurl"),
        ({"routes": "prod"}, "routes"),
        ({"routes": ["prod"]}, "routes[0]"),
        ({"routes": [{"name": "a", "push_url": PUSH_URL}, {"name": "a", "push_url": PUSH_URL}]}, "routes[1].name"),
        ({"routes": [{"name": "a/b", "push_url": PUSH_URL}]}, "routes[0].name"),
        ({"routes": [{"name": "a", "push_url": "http://user:pw@kuma/api/push/x"}]}, "routes[0].push_url"),
    ],
)
def test_unusable_settings_are_refused_by_name_without_quoting_a_secret(options: dict, named: str) -> None:
    with pytest.raises(SettingsError) as refused:
        relay_settings_from_options(options)

    assert refused.value.option == named
    for secret in (TOKEN, BEARER, PASSWORD):
        assert secret not in str(refused.value)


# No secret in any answer


def kuma_quoting(kind: str, status: int, text: str, push_token: str) -> HttpResponse | TransportError:
    """What Kuma, or a proxy before it, may answer, quoting the request path (token included) in its words."""
    quoted = f"{text} GET /api/push/{push_token}"
    if kind == "json":
        return response(status, document={"ok": False, "msg": quoted})
    if kind == "text":
        return response(status, body=quoted.encode("utf-8"))
    return TransportError("timed out after 3s")


@settings(max_examples=60, deadline=None)
@given(
    push_token=any_token,
    inbound=any_token,
    kind=st.sampled_from(["json", "text", "unreachable"]),
    status=st.sampled_from([200, 302, 400, 404, 429, 500, 503]),
    text=st.text(max_size=40),
    authorization=st.sampled_from(["right", "wrong", "none"]),
    body=st.sampled_from([encoded(webhook()), encoded(webhook(status="resolved")), b"{", b"x" * 10]),
)
def test_no_answer_ever_holds_the_push_token_or_the_inbound_secret(
    push_token: str, inbound: str, kind: str, status: int, text: str, authorization: str, body: bytes
) -> None:
    relay = relay_settings_from_options(
        {"push_url": f"http://{KUMA_HOST}/api/push/{push_token}", "auth_bearer_token": inbound}
    )
    transport = StubTransport(kuma_script(kuma_quoting(kind, status, text, push_token), token=push_token))
    headers = {"right": {"authorization": f"Bearer {inbound}"}, "wrong": {"authorization": "Bearer x"}, "none": {}}

    outcome, _reads = post(relay, transport, body, **headers[authorization])

    assert push_token not in outcome.text
    assert inbound not in outcome.text


# The log


@settings(max_examples=200, deadline=None)
@given(text=st.text())
def test_no_text_reaches_the_log_with_a_control_character_or_a_line_break(text: str) -> None:
    safe = log_safe(text)

    assert len(safe.splitlines()) <= 1
    assert not any(unicodedata.category(char) in ("Cc", "Cf", "Cs", "Zl", "Zp") for char in safe)


def test_an_escape_code_reaches_the_log_as_the_text_of_its_escape_and_other_text_as_it_is() -> None:
    assert log_safe("relay: GET /push\x1b[31m\u202e\u2028 tökenÜ") == "relay: GET /push\\x1b[31m\\u202e\\u2028 tökenÜ"


def test_a_body_framed_by_content_length_and_transfer_encoding_is_a_400_closing_before_anything_is_read() -> None:
    transport = StubTransport(kuma_script())

    outcome, reads = post(relay_settings(auth_bearer_token=BEARER), transport, transfer_encoding="chunked")

    assert (outcome.status, outcome.close) == (400, True)
    assert outcome.text == "Content-Length and Transfer-Encoding together: the body's length is ambiguous"
    assert reads == [] and transport.requests == []
