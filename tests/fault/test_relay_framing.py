"""A request framed two ways (Content-Length and Transfer-Encoding) is refused and its connection closed (RFC 9112)."""

from __future__ import annotations

import json
import socket

import pytest

from tests.fault.fake_http import FakeServer
from tests.fault.relay_runner import running_relay
from tests.fault.serve import serve_kuma
from tests.payloads import webhook


def _read_all(connection: socket.socket) -> bytes:
    answer = b""
    while chunk := connection.recv(65536):
        answer += chunk
    return answer


@pytest.mark.parametrize("encoding", ["chunked", "gzip, chunked", "identity"])
def test_content_length_beside_transfer_encoding_is_a_400_the_connection_closed_and_nothing_pushed(
    fake_kuma: FakeServer, token: str, encoding: str
) -> None:
    push_url = serve_kuma(fake_kuma, token)
    body = json.dumps(webhook()).encode()
    # Read by Content-Length, the first bytes are a whole webhook; read as chunked, something else follows.
    request = (
        b"POST /push HTTP/1.1\r\nHost: relay\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {len(body)}\r\nTransfer-Encoding: {encoding}\r\n\r\n".encode()
        + body
        + b"\r\n0\r\n\r\nPOST /push HTTP/1.1\r\n\r\n"
    )
    with running_relay(push_url=push_url) as relay, socket.create_connection(relay.address, timeout=10) as raw:
        raw.sendall(request)
        answer = _read_all(raw)

    head, _blank_line, text = answer.partition(b"\r\n\r\n")
    assert head.split(b"\r\n")[0].split(b" ")[1] == b"400"
    assert b"connection: close" in head.lower()
    assert text == b"Content-Length and Transfer-Encoding together: the body's length is ambiguous\n"
    assert fake_kuma.received == []
    assert "status=400" in relay.log.getvalue()
