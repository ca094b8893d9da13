"""Slow clients flooding the relay: each is dropped at the request deadline, the caps hold, webhooks are answered."""

from __future__ import annotations

import selectors
import socket
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import pytest
import requests
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils import _relay_server

from lab.polling import poll_until
from tests.fault.fake_http import FakeServer
from tests.fault.relay_runner import RunningRelay, running_relay
from tests.fault.serve import serve_kuma
from tests.payloads import webhook

# A request line and the start of a header: what a slow client has sent before it starts dribbling.
SLOW_START = b"POST /push HTTP/1.1\r\nHost: relay\r\nX-Slow: "


@contextmanager
def slow_clients(relay: RunningRelay, count: int) -> Iterator[list[socket.socket]]:
    """``count`` connections that have sent part of their headers and never finish them, closed at the end."""
    with ExitStack() as opened:
        clients = []
        for _client in range(count):
            client = opened.enter_context(socket.create_connection(relay.address, timeout=10))
            client.sendall(SLOW_START)
            clients.append(client)
        yield clients


def dropped(client: socket.socket) -> bool:
    """Whether the relay has closed ``client``: its read ends (or is reset) without an answer."""
    try:
        client.setblocking(False)
        return client.recv(1024) == b""
    except BlockingIOError:
        return False
    except ConnectionResetError:
        return True


def dribble_until_dropped(clients: list[socket.socket], timeout: float) -> None:
    """One more header byte from each client still open, a round every 0.2 s, until the relay has dropped them all."""
    waiting = selectors.DefaultSelector()
    for client in clients:
        waiting.register(client, selectors.EVENT_READ)

    def all_dropped() -> bool:
        for key, _events in waiting.select(timeout=0.2):
            if dropped(key.fileobj):
                waiting.unregister(key.fileobj)
        for key in list(waiting.get_map().values()):
            try:
                key.fileobj.send(b"x")
            except OSError:
                waiting.unregister(key.fileobj)
        return not waiting.get_map()

    poll_until(all_dropped, timeout=timeout, interval=0, describe_failure=lambda: f"{len(waiting.get_map())} open")
    waiting.close()


def test_200_slow_clients_are_dropped_at_the_deadline_with_one_line_each_and_a_webhook_is_answered_meanwhile(
    fake_kuma: FakeServer, token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_relay_server, "REQUEST_DEADLINE_SECONDS", 1)
    push_url = serve_kuma(fake_kuma, token)
    with running_relay(push_url=push_url) as relay, slow_clients(relay, 200) as clients:
        answer = relay.post(webhook())
        dribble_until_dropped(clients, timeout=30)
        poll_until(
            lambda: (
                relay.log.getvalue().count("the request took longer than 1 s") == 200
                and "relay: POST /push status=200" in relay.log.getvalue()
            ),
            timeout=10,
            interval=0.05,
            describe_failure=relay.log.getvalue,
        )

    assert answer.status_code == 200
    lines = relay.log.getvalue().splitlines()
    assert len(lines) == 201
    assert sum(line.startswith("relay: POST /push status=200") for line in lines) == 1
    assert "caps reached" not in relay.log.getvalue()


def test_beyond_the_connection_cap_a_new_connection_gets_a_503_at_once_and_one_summary_line(
    fake_kuma: FakeServer, token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_relay_server, "MAX_CONNECTIONS", 3)
    monkeypatch.setattr(_relay_server, "MAX_UNAUTHENTICATED", 3)
    push_url = serve_kuma(fake_kuma, token)
    with running_relay(push_url=push_url) as relay:
        with slow_clients(relay, 3), socket.create_connection(relay.address, timeout=10) as beyond:
            # Accepted in order: the three slow clients hold every slot when this one arrives.
            refused = beyond.recv(1024)
            webhook_refused = status_or_closed(relay)
        # The slow clients gone, their slots are free again.
        answer = poll_until(_answered(relay), timeout=10, interval=0.05, describe_failure=relay.log.getvalue)

    assert refused.startswith(b"HTTP/1.0 503 ")
    # The 503 is written without waiting; the client may see the close first.
    assert webhook_refused in (503, "closed")
    assert answer.status_code == 200
    (summary,) = [line for line in relay.log.getvalue().splitlines() if "caps reached" in line]
    assert summary == (
        "relay: connection caps reached: 1 refused with a 503 (3 open), 0 unauthenticated dropped for newer ones"
        " (3 at most)"
    )


def status_or_closed(relay: RunningRelay) -> int | str:
    try:
        return relay.post(webhook()).status_code
    except requests.ConnectionError:
        return "closed"


def _answered(relay: RunningRelay):
    def probe() -> requests.Response | None:
        try:
            answer = relay.post(webhook())
        except requests.ConnectionError:
            return None
        return answer if answer.status_code == 200 else None

    return probe


def test_at_the_unauthenticated_cap_the_oldest_slow_client_is_dropped_for_a_webhook_which_is_answered(
    fake_kuma: FakeServer, token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_relay_server, "MAX_CONNECTIONS", 3)
    monkeypatch.setattr(_relay_server, "MAX_UNAUTHENTICATED", 2)
    # Long enough that only the cap, never the deadline, drops a slow client here.
    monkeypatch.setattr(_relay_server, "REQUEST_DEADLINE_SECONDS", 600)
    push_url = serve_kuma(fake_kuma, token)
    with running_relay(push_url=push_url) as relay, slow_clients(relay, 2) as (oldest, newer):
        answer = relay.post(webhook())
        poll_until(lambda: dropped(oldest), timeout=10, interval=0.05, describe_failure=relay.log.getvalue)
        newer_open = not dropped(newer)
        # Read before the newer slow client hangs up, which is a request of its own.
        lines = poll_until(
            lambda: "relay: POST /push" in relay.log.getvalue() and relay.log.getvalue().splitlines(),
            timeout=10,
            interval=0.05,
            describe_failure=relay.log.getvalue,
        )

    assert answer.status_code == 200
    assert newer_open
    assert lines[0] == (
        "relay: connection caps reached: 0 refused with a 503 (3 open), 1 unauthenticated dropped for newer ones"
        " (2 at most)"
    )
    assert lines[1].startswith("relay: POST /push status=200")
    assert len(lines) == 2


def test_wrong_credentials_are_answered_401_as_soon_as_the_headers_are_in_without_waiting_for_the_body(
    fake_kuma: FakeServer, token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Long enough that only the headers, never the deadline, can have ended the request.
    monkeypatch.setattr(_relay_server, "REQUEST_DEADLINE_SECONDS", 600)
    push_url = serve_kuma(fake_kuma, token)
    with running_relay(push_url=push_url, auth_bearer_token="s3cretBearer") as relay:
        with socket.create_connection(relay.address, timeout=10) as client:
            client.sendall(
                b"POST /push HTTP/1.1\r\nHost: relay\r\nAuthorization: Bearer wrong\r\n"
                b"Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
            )
            answer = client.recv(1024)
        (line,) = poll_until(
            # An empty list is an outcome to poll_until: None until the line is there.
            lambda: relay.log.getvalue().splitlines() or None,
            timeout=10,
            interval=0.05,
            describe_failure=relay.log.getvalue,
        )

    assert answer.startswith(b"HTTP/1.0 401 ")
    assert line.startswith("relay: POST /push status=401 ")
    assert fake_kuma.received == []
