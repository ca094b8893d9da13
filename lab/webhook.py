"""A webhook receiver on a loopback port that records what Alertmanager POSTs to it."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

from lab.polling import poll_until
from lab.ports import LOOPBACK

Notification = dict[str, Any]


class ThreadedServer:
    """A loopback HTTP server that serves in a thread while its `with` block lasts; `url` is where it listens."""

    def __init__(self, handler: type[BaseHTTPRequestHandler], port: int = 0, name: str = "lab-http") -> None:
        self._server = ThreadingHTTPServer((LOOPBACK, port), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, name=name, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


class WebhookRecorder(ThreadedServer):
    """`with WebhookRecorder() as webhook:` serves `webhook.url` in a thread and keeps every JSON body posted.

    `port` picks the port: a test can point Alertmanager at a port nobody listens on, then start the receiver there.
    """

    def __init__(self, port: int = 0) -> None:
        self.notifications: list[Notification] = []
        self._lock = threading.Lock()
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with recorder._lock:
                    recorder.notifications.append(json.loads(body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: the notifications themselves are the record."""

        super().__init__(Handler, port, "webhook-recorder")

    def received(self) -> list[Notification]:
        with self._lock:
            return list(self.notifications)

    def wait_for(self, predicate: Callable[[Notification], bool], timeout: float = 30.0) -> Notification:
        """Poll until a received notification satisfies `predicate`; AssertionError listing them if none does."""
        return poll_until(
            lambda: next((notification for notification in self.received() if predicate(notification)), None),
            timeout=timeout,
            describe_failure=lambda: f"no matching notification at {self.url}; received: {self.received()}",
        )
