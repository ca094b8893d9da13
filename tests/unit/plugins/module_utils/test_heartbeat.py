"""One heartbeat end to end through a stub transport: what is pushed, when nothing is, and what the result says."""

from __future__ import annotations

import json

import pytest
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils import _heartbeat, _program
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._heartbeat import run_heartbeat
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._program import log_line
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._transport import TransportError
from ansible_collections.watchdog.alertmanager_kuma.tests.payloads import KUMA_NOT_FOUND, am_alert
from ansible_collections.watchdog.alertmanager_kuma.tests.unit.plugins.module_utils.stubs import (
    KUMA_HOST,
    TOKEN,
    StubTransport,
    alertmanager_script,
    any_token,
    kuma_script,
    make_settings,
    response,
)
from hypothesis import given
from hypothesis import strategies as st

PUSH_PATH = f"/api/push/{TOKEN}"


def test_an_up_verdict_is_pushed_to_kuma_with_its_message_and_ping() -> None:
    transport = StubTransport({**alertmanager_script([am_alert()]), **kuma_script()})

    result = run_heartbeat(make_settings(), transport, wait=[].append)

    assert (result.verdict.status, result.pushed, result.attempts) == ("up", True, 1)
    (sent,) = transport.to(PUSH_PATH)
    assert sent.query["status"] == ["up"]
    assert sent.query["msg"] == [result.verdict.msg]
    assert sent.query["ping"] == [str(result.verdict.ping)]


def test_a_down_verdict_is_pushed_as_down_with_the_reason() -> None:
    transport = StubTransport({**alertmanager_script([]), **kuma_script()})

    result = run_heartbeat(make_settings(), transport, wait=[].append)

    assert (result.verdict.status, result.pushed) == ("down", True)
    (sent,) = transport.to(PUSH_PATH)
    assert sent.query["status"] == ["down"]
    assert sent.query["msg"] == ['no active alert matches alertname="Watchdog"']


def test_an_unreachable_alertmanager_is_pushed_as_down_without_a_ping() -> None:
    transport = StubTransport({"/api/v2/status": [TransportError("connection refused")], **kuma_script()})

    result = run_heartbeat(make_settings(), transport, wait=[].append)

    (sent,) = transport.to(PUSH_PATH)
    assert sent.query["status"] == ["down"]
    assert "ping" not in sent.query
    assert result.as_dict()["alertmanager"]["reachable"] is False


def test_with_on_failure_skip_a_down_verdict_pushes_nothing() -> None:
    transport = StubTransport({**alertmanager_script([]), **kuma_script()})

    result = run_heartbeat(make_settings(on_failure="skip"), transport, wait=[].append)

    assert (result.verdict.status, result.pushed, result.would_push, result.attempts) == ("down", False, False, 0)
    assert transport.to(PUSH_PATH) == []


def test_with_on_failure_skip_an_up_verdict_is_still_pushed() -> None:
    transport = StubTransport({**alertmanager_script([am_alert()]), **kuma_script()})

    result = run_heartbeat(make_settings(on_failure="skip"), transport, wait=[].append)

    assert result.pushed is True


def test_check_mode_asks_alertmanager_but_pushes_nothing() -> None:
    transport = StubTransport({**alertmanager_script([am_alert()]), **kuma_script()})

    result = run_heartbeat(make_settings(), transport, send=False, wait=[].append)

    assert (result.verdict.status, result.pushed, result.would_push, result.attempts) == ("up", False, True, 0)
    assert transport.to(PUSH_PATH) == []
    assert len(transport.to("/api/v2/alerts")) == 1


def test_a_refused_push_keeps_the_verdict_and_says_why_kuma_refused() -> None:
    transport = StubTransport({**alertmanager_script([am_alert()]), **kuma_script(response(404, KUMA_NOT_FOUND))})

    result = run_heartbeat(make_settings(), transport, wait=[].append)

    assert result.verdict.status == "up"
    assert result.pushed is False
    assert result.attempts == 1
    assert result.push_error == (
        f"Kuma at {KUMA_HOST} refused the heartbeat: Monitor not found or not active. (HTTP 404)"
    )


def test_the_backoff_waits_go_to_the_wait_given() -> None:
    waits: list[float] = []
    failing = kuma_script(TransportError("connection refused"))
    transport = StubTransport({**alertmanager_script([am_alert()]), **failing})

    result = run_heartbeat(make_settings(retries=2), transport, wait=waits.append)

    assert result.attempts == 3
    assert waits == [0.5, 1.0]


def test_the_result_is_plain_data_a_playbook_can_test() -> None:
    transport = StubTransport({**alertmanager_script([am_alert()]), **kuma_script()})

    outcome = run_heartbeat(make_settings(), transport, wait=[].append).as_dict()

    assert set(outcome) == {"status", "msg", "ping", "pushed", "push_host", "attempts", "alertmanager", "prometheus"}
    assert outcome["prometheus"] is None
    assert outcome["push_host"] == KUMA_HOST
    assert set(outcome["alertmanager"]) == {
        "reachable",
        "problem",
        "version",
        "cluster_status",
        "peers",
        "alerts",
        "notifications",
        "delivery_judged",
        "delivery_not_judged_because",
        "config",
    }
    (watchdog,) = outcome["alertmanager"]["alerts"]
    assert watchdog["state"] == "active"
    assert watchdog["updated_at"].endswith("+00:00")
    assert json.loads(json.dumps(outcome)) == outcome


_KUMA_ANSWERS = {
    "takes it": lambda token: response(document={"ok": True}),
    "refuses": lambda token: response(404, document=KUMA_NOT_FOUND),
    "echoes the path": lambda token: response(400, document={"ok": False, "msg": f"bad /api/push/{token}"}),
    "is down": lambda token: TransportError("connection refused"),
}


@given(token=any_token, kuma=st.sampled_from(sorted(_KUMA_ANSWERS)), alerts=st.sampled_from([[], [am_alert()]]))
def test_for_any_token_neither_the_result_nor_the_log_line_holds_it(token: str, kuma: str, alerts: list) -> None:
    transport = StubTransport({**alertmanager_script(alerts), **kuma_script(_KUMA_ANSWERS[kuma](token), token=token)})

    result = run_heartbeat(make_settings(token=token, retries=1), transport, wait=[].append)

    assert transport.to(f"/api/push/{token}")
    shown = json.dumps(result.as_dict()) + str(result.push_error) + result.verdict.msg + log_line(result)
    assert token not in shown


def test_a_check_that_breaks_unexpectedly_still_pushes_down_with_why_and_exits_4(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*_args: object) -> None:
        raise KeyError("a bug in the check")

    monkeypatch.setattr(_heartbeat, "observe", broken)
    transport = StubTransport(kuma_script())

    result = run_heartbeat(make_settings(), transport, wait=lambda _seconds: None)

    assert (result.verdict.status, result.pushed, result.judged) == ("down", True, False)
    assert result.verdict.msg == "heartbeat could not judge: internal error (KeyError)"
    (push,) = transport.to(f"/api/push/{TOKEN}")
    assert push.query["status"] == ["down"]
    assert _program.exit_code(result) == _program.EXIT_NOT_JUDGED != _program.EXIT_DOWN
