"""The push: one GET Kuma reads right, retried only when retrying can help, and errors that name the host only."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._kuma import (
    PushError,
    backoff_seconds,
    push,
    request_url,
)
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._transport import TransportError
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._urls import parse_push_url
from ansible_collections.watchdog.alertmanager_kuma.tests.payloads import KUMA_NOT_FOUND, KUMA_OK
from ansible_collections.watchdog.alertmanager_kuma.tests.unit.plugins.module_utils.stubs import (
    KUMA_HOST,
    TOKEN,
    StubTransport,
    any_token,
    kuma_script,
    response,
)
from hypothesis import given
from hypothesis import strategies as st

TARGET = parse_push_url(f"http://{KUMA_HOST}/api/push/{TOKEN}?status=up&msg=OK&ping=")


@dataclass
class Pushed:
    transport: StubTransport
    waits: list[float]
    outcome: Any
    """The attempts push() took, or the PushError it raised."""

    @property
    def attempts(self) -> int:
        return self.outcome.attempts if isinstance(self.outcome, PushError) else self.outcome


def pushed(*answers: object, retries: int = 3, token: str = TOKEN) -> Pushed:
    """Push once through a stub Kuma that gives ``answers`` in turn; backoff waits are recorded, not slept."""
    run = Pushed(StubTransport(kuma_script(*answers, token=token)), [], None)
    target = parse_push_url(f"http://{KUMA_HOST}/api/push/{token}")
    try:
        run.outcome = push(target, "up", "fine", 4, run.transport, 2.0, retries, run.waits.append)
    except PushError as error:
        run.outcome = error
    return run


def test_the_request_url_carries_status_msg_and_ping_and_drops_kumas_own_query() -> None:
    url = request_url(TARGET, "up", "1 active alert matches", 4)

    assert url.startswith(f"http://{KUMA_HOST}/api/push/{TOKEN}?")
    assert parse_qs(urlsplit(url).query) == {"status": ["up"], "msg": ["1 active alert matches"], "ping": ["4"]}


def test_a_push_without_latency_sends_no_ping() -> None:
    url = request_url(TARGET, "down", "Alertmanager unreachable: connection refused", None)

    assert "ping" not in parse_qs(urlsplit(url).query)


def test_characters_that_mean_something_in_a_url_are_encoded_in_msg() -> None:
    url = request_url(TARGET, "down", 'a&b=c #d/e?f+g "h" é', 1)

    query = urlsplit(url).query
    assert "&b=" not in query
    assert "#" not in url
    assert "+" not in query
    assert parse_qs(query)["msg"] == ['a&b=c #d/e?f+g "h" é']


@given(msg=st.text(max_size=300))
def test_any_message_reaches_kuma_exactly_as_written(msg: str) -> None:
    query = parse_qs(urlsplit(request_url(TARGET, "down", msg, 7)).query, keep_blank_values=True)

    assert query["msg"] == [msg]
    assert query["status"] == ["down"]


def test_the_backoff_doubles_from_half_a_second_up_to_four_seconds() -> None:
    assert [backoff_seconds(retry) for retry in range(1, 7)] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]


def test_a_push_kuma_takes_needs_one_attempt_and_no_wait() -> None:
    run = pushed(response(document=KUMA_OK))

    assert run.attempts == 1
    assert run.waits == []
    (request,) = run.transport.requests
    assert request.query == {"status": ["up"], "msg": ["fine"], "ping": ["4"]}
    assert request.timeout == 2.0


def test_a_kuma_error_then_success_is_retried_once_after_half_a_second() -> None:
    run = pushed(response(500, body=b"Internal Server Error"), response(document=KUMA_OK))

    assert run.attempts == 2
    assert run.waits == [0.5]
    assert len(run.transport.requests) == 2


def test_too_many_requests_is_retried() -> None:
    run = pushed(response(429), response(document=KUMA_OK))

    assert run.attempts == 2


def test_an_unreachable_kuma_is_tried_one_time_plus_retries_then_given_up() -> None:
    run = pushed(TransportError("connection refused"), retries=3)

    assert isinstance(run.outcome, PushError)
    assert run.attempts == 4
    assert run.waits == [0.5, 1.0, 2.0]
    assert len(run.transport.requests) == 4
    assert str(run.outcome) == f"Kuma at {KUMA_HOST} unreachable: connection refused; gave up after 4 attempts"


def test_with_no_retries_an_unreachable_kuma_is_tried_once() -> None:
    run = pushed(TransportError("timed out after 2s"), retries=0)

    assert run.attempts == 1
    assert run.waits == []


def test_an_unknown_monitor_is_refused_at_once_with_kumas_message() -> None:
    run = pushed(response(404, document=KUMA_NOT_FOUND))

    assert isinstance(run.outcome, PushError)
    assert run.attempts == 1
    assert run.waits == []
    assert str(run.outcome) == f"Kuma at {KUMA_HOST} refused the heartbeat: Monitor not found or not active. (HTTP 404)"


def test_ok_false_is_a_refusal_even_when_kuma_says_200() -> None:
    run = pushed(response(200, document={"ok": False, "msg": "ok"}))

    assert isinstance(run.outcome, PushError)
    assert "refused the heartbeat: ok (HTTP 200)" in str(run.outcome)


def test_ok_false_without_a_message_says_so() -> None:
    run = pushed(response(400, document={"ok": False}))

    assert "refused the heartbeat: ok is false (HTTP 400)" in str(run.outcome)


@pytest.mark.parametrize(
    "answer",
    [
        response(200, body=b"<html>Uptime Kuma</html>"),
        response(200, document={"status": "up"}),
        response(404, body=b"Cannot GET"),
        response(200, body=b""),
    ],
)
def test_an_answer_without_kumas_json_is_not_retried_and_asks_whether_this_is_kuma(answer: object) -> None:
    run = pushed(answer)

    assert run.attempts == 1
    assert len(run.transport.requests) == 1
    assert "without Kuma's JSON; is push_url a Kuma push URL?" in str(run.outcome)


def test_a_redirect_is_not_followed_nor_retried() -> None:
    run = pushed(response(301, headers={"location": "https://kuma.example.com/"}))

    assert run.attempts == 1
    assert "redirect (HTTP 301)" in str(run.outcome)


_ANSWERS = {
    "unreachable": lambda token: TransportError("connection refused"),
    "5xx": lambda token: response(503, body=f"upstream /api/push/{token} unavailable".encode()),
    "not found": lambda token: response(404, document=KUMA_NOT_FOUND),
    "html": lambda token: response(404, body=f"<pre>Cannot POST /api/push/{token}</pre>".encode()),
    "proxy echoing the path": lambda token: response(404, document={"ok": False, "msg": f"no route /api/push/{token}"}),
    "redirect": lambda token: response(302, headers={"location": f"https://kuma.example.com/api/push/{token}"}),
}


@given(token=any_token, answer=st.sampled_from(sorted(_ANSWERS)))
def test_for_any_token_no_push_error_quotes_it(token: str, answer: str) -> None:
    run = pushed(_ANSWERS[answer](token), retries=1, token=token)

    assert isinstance(run.outcome, PushError)
    assert token not in str(run.outcome)
    assert run.transport.requests[0].path == f"/api/push/{token}"


kuma_like_bodies = st.dictionaries(
    st.sampled_from(["ok", "msg"]), st.none() | st.booleans() | st.text(max_size=8) | st.integers()
).map(lambda document: json.dumps(document).encode())


@given(status=st.integers(100, 599), body=st.binary(max_size=64) | kuma_like_bodies)
def test_whatever_a_kuma_answers_the_push_succeeds_or_raises_a_push_error(status: int, body: bytes) -> None:
    run = pushed(response(status, body=body), retries=1)

    if isinstance(run.outcome, PushError):
        assert str(run.outcome).startswith((f"Kuma at {KUMA_HOST} ", f"{KUMA_HOST} answered"))
    else:
        assert status == 200
        assert json.loads(body)["ok"] is True


def test_a_retry_that_could_end_after_the_runs_time_is_not_made() -> None:
    transport = StubTransport(kuma_script(TransportError("connection refused")))
    left = iter([10.0, 2.0])

    with pytest.raises(PushError) as failed:
        push(TARGET, "down", "why", None, transport, 2.0, 3, lambda _s: None, lambda: next(left))

    assert failed.value.attempts == 2
    assert str(failed.value) == (
        f"Kuma at {KUMA_HOST} unreachable: connection refused; gave up after 2 attempts,"
        " the run's time (run_timeout) being up"
    )
    assert len(transport.to(f"/api/push/{TOKEN}")) == 2
