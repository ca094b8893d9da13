"""Connections that go wrong, as a user reads them: one log line each, escaped and masked, and the relay answers on."""

from __future__ import annotations

import json
import socket
import struct

import pytest

from lab.polling import poll_until
from tests.fault.fake_http import FakeServer, json_reply
from tests.fault.relay_runner import RunningRelay, running_relay
from tests.fault.serve import serve_kuma
from tests.payloads import KUMA_OK, webhook


def log_lines(relay: RunningRelay) -> list[str]:
    return relay.log.getvalue().splitlines()


def wait_for_lines(relay: RunningRelay, count: int) -> list[str]:
    poll_until(lambda: len(log_lines(relay)) >= count, timeout=10, interval=0.02, describe_failure=relay.log.getvalue)
    return log_lines(relay)


def hang_up(connection: socket.socket) -> None:
    """Close with a reset, as a client that gives up does: the relay's next read or write fails."""
    connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    connection.close()


def post_head(body: bytes, path: str = "/push") -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: relay\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()


def test_a_client_hanging_up_mid_request_leaves_one_line_no_traceback_and_the_relay_answers_on(
    fake_kuma: FakeServer, token: str, capsys: pytest.CaptureFixture[str]
) -> None:
    push_url = serve_kuma(fake_kuma, token)
    with running_relay(push_url=push_url) as relay:
        connection = socket.create_connection(relay.address, timeout=10)
        connection.sendall(b"POST /push HTTP/1.1\r\nHost: relay\r\nContent-Type: appl")
        hang_up(connection)
        (dropped,) = wait_for_lines(relay, 1)
        answer = relay.post(webhook())

    assert answer.status_code == 200
    assert dropped.startswith("relay: ")
    logged = relay.log.getvalue() + capsys.readouterr().err
    assert "Traceback" not in logged
    assert len(log_lines(relay)) == 2
    assert token not in logged


def test_a_client_hanging_up_before_its_answer_leaves_one_line_saying_the_push_happened_and_the_answer_was_lost(
    fake_kuma: FakeServer, token: str, capsys: pytest.CaptureFixture[str]
) -> None:
    push_url = serve_kuma(fake_kuma, token, json_reply(KUMA_OK, delay=0.5), json_reply(KUMA_OK))
    with running_relay(push_url=push_url) as relay:
        body = json.dumps(webhook()).encode()
        connection = socket.create_connection(relay.address, timeout=10)
        connection.sendall(post_head(body) + body)
        poll_until(lambda: len(fake_kuma.received) == 1, timeout=10, interval=0.02, describe_failure=relay.log.getvalue)
        hang_up(connection)
        (lost,) = wait_for_lines(relay, 1)
        answer = relay.post(webhook())

    assert answer.status_code == 200
    assert lost.startswith("relay: POST /push status=200") and "pushed=yes" in lost and " answer=lost (" in lost
    logged = relay.log.getvalue() + capsys.readouterr().err
    assert "Traceback" not in logged
    assert len(log_lines(relay)) == 2
    assert token not in logged


@pytest.mark.parametrize(
    "path",
    # Without a space, nor a character str.split() takes for one: the request line stays three words.
    ["/push\x1b[31mred\x1b[0m", "/push\x08\x08\x08\x08\x08/ok", "/push\x9b2J"],
    ids=["escape code", "backspaces", "C1 control sequence"],
)
def test_control_characters_in_the_request_path_reach_the_log_escaped(
    fake_kuma: FakeServer, token: str, path: str
) -> None:
    push_url = serve_kuma(fake_kuma, token)
    with running_relay(push_url=push_url) as relay, socket.create_connection(relay.address, timeout=10) as raw:
        raw.sendall(f"GET {path} HTTP/1.0\r\n\r\n".encode("latin-1"))
        answer = raw.recv(1024)
        (line,) = wait_for_lines(relay, 1)

    assert answer.startswith(b"HTTP/1.0 405 ")
    assert line.startswith("relay: GET /push\\x")
    assert all(char.isprintable() for char in line)


def test_json_nested_too_deeply_is_a_400_with_one_log_line(fake_kuma: FakeServer, token: str) -> None:
    push_url = serve_kuma(fake_kuma, token)
    with running_relay(push_url=push_url) as relay:
        answer = relay.post(b"[" * 100_000)

    assert (answer.status_code, answer.text) == (400, "the body is JSON nested too deeply\n")
    (line,) = log_lines(relay)
    assert line.startswith("relay: POST /push status=400 ")
    assert fake_kuma.received == []
