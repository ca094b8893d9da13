"""Whatever a server answers, headers and body, the heartbeat reaches a verdict and the relay a clean refusal."""

from __future__ import annotations

import json

from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._heartbeat import run_heartbeat
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._webhook import (
    BadRequest,
    Notification,
    parse_notification,
)
from ansible_collections.watchdog.alertmanager_kuma.tests.payloads import am_alert, am_status
from ansible_collections.watchdog.alertmanager_kuma.tests.unit.plugins.module_utils.stubs import (
    TOKEN,
    StubTransport,
    kuma_script,
    make_settings,
    response,
)
from hypothesis import given, settings
from hypothesis import strategies as st

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)
# Shapes near Alertmanager's, where a parser is most tempted to trust a field.
alert_like = st.builds(
    lambda alert, key, value: {**alert, key: value},
    st.just(am_alert()),
    st.sampled_from(["labels", "status", "startsAt", "updatedAt", "endsAt"]),
    json_values | st.sampled_from(["2026-13-40T25:61:00Z", "0000-00-00T00:00:00Z", "9999-12-31T23:59:59.999999999Z"]),
)
bodies = (
    st.binary(max_size=300)
    | json_values.map(lambda value: json.dumps(value).encode())
    | st.lists(alert_like, max_size=3).map(lambda alerts: json.dumps(alerts).encode())
    | st.integers(1, 5000).map(lambda depth: b"[" * depth + b"]" * depth)
)
headers = st.dictionaries(st.sampled_from(["date", "content-type", "x-other"]), st.text(max_size=40), max_size=3)
statuses = st.sampled_from([200, 200, 200, 204, 301, 400, 401, 404, 500, 503])


@settings(max_examples=300, deadline=None)
@given(status_body=bodies, alerts_body=bodies, status=statuses, answer_headers=headers)
def test_any_alertmanager_answer_gives_a_verdict_pushed_with_its_reason(
    status_body: bytes, alerts_body: bytes, status: int, answer_headers: dict[str, str]
) -> None:
    transport = StubTransport(
        {
            "/api/v2/status": [response(status, body=status_body, headers=answer_headers)],
            "/api/v2/alerts": [response(status, body=alerts_body, headers=answer_headers)],
            **kuma_script(),
        }
    )

    result = run_heartbeat(make_settings(), transport, wait=lambda _seconds: None)

    assert result.judged
    assert result.verdict.status in ("up", "down")
    assert result.pushed
    assert not any(ord(char) < 32 for char in result.verdict.msg)


@settings(max_examples=200, deadline=None)
@given(body=bodies, status=statuses, answer_headers=headers)
def test_any_kuma_answer_is_a_push_taken_or_a_push_error_never_an_exception(
    body: bytes, status: int, answer_headers: dict[str, str]
) -> None:
    alertmanager = {"/api/v2/status": [response(document=am_status())], "/api/v2/alerts": [response(document=[])]}
    transport = StubTransport(
        {**alertmanager, f"/api/push/{TOKEN}": [response(status, body=body, headers=answer_headers)]}
    )

    result = run_heartbeat(make_settings(retries=1), transport, wait=lambda _seconds: None)

    assert result.pushed or result.push_error
    assert TOKEN not in (result.push_error or "")


@settings(max_examples=300, deadline=None)
@given(body=bodies)
def test_any_webhook_body_is_a_notification_or_a_clean_refusal(body: bytes) -> None:
    try:
        assert isinstance(parse_notification(body), Notification)
    except BadRequest as refused:
        assert refused.status == 400
