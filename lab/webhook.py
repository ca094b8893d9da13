"""A webhook receiver on a loopback port that records what Alertmanager POSTs to it."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any

from lab.http_server import ThreadedServer
from lab.polling import poll_until

Notification = dict[str, Any]


@dataclass(frozen=True)
class Arrival:
    """One POST received: when its body was read (``time.time()``, in the server thread, not when a poll saw it),
    the JSON it held, and its bytes as sent (to look for a secret in exactly what arrived)."""

    received_at: float
    body: Notification
    raw: bytes


class WebhookRecorder(ThreadedServer):
    """`with WebhookRecorder() as webhook:` serves `webhook.url` in a thread and keeps every JSON body posted.

    `port` picks the port: a test can point Alertmanager at a port nobody listens on, then start the receiver there.
    `status` is what it answers: 500 makes a receiver that fails with server errors, and still records each try.
    """

    def __init__(self, port: int = 0, status: int = 200) -> None:
        self._arrivals: list[Arrival] = []
        self._lock = threading.Lock()
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                arrival = Arrival(time.time(), json.loads(raw), raw)
                with recorder._lock:
                    recorder._arrivals.append(arrival)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: the notifications themselves are the record."""

        super().__init__(Handler, port, "webhook-recorder")

    def arrivals(self) -> list[Arrival]:
        with self._lock:
            return list(self._arrivals)

    def received(self) -> list[Notification]:
        return [arrival.body for arrival in self.arrivals()]

    def wait_for(self, predicate: Callable[[Notification], bool], timeout: float = 30.0) -> Notification:
        """Poll until a received notification satisfies `predicate`; AssertionError listing them if none does."""
        return poll_until(
            lambda: next((notification for notification in self.received() if predicate(notification)), None),
            timeout=timeout,
            describe_failure=lambda: f"no matching notification at {self.url}; received: {self.received()}",
        )
