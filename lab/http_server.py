"""The one base of every HTTP server the lab, the fault tests and the benchmarks run: a loopback server that serves
in a thread while its `with` block lasts."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

from lab.ports import LOOPBACK

# shutdown() waits for the serving loop to look, and every test stops its servers: a short look keeps that quick.
POLL_INTERVAL = 0.05


class _Server(ThreadingHTTPServer):
    # A handler that outlives the test (a client that stalled on purpose) must not keep the process alive.
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up, or was cut off, is what a fault test does on purpose, not an error to print."""


class ThreadedServer:
    """`with ThreadedServer(Handler) as server:` serves ``server.url`` from a thread; ``port`` 0 picks a free one."""

    def __init__(
        self, handler: type[BaseHTTPRequestHandler], port: int = 0, name: str = "lab-http", host: str = LOOPBACK
    ) -> None:
        self._server = _Server((host, port), handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": POLL_INTERVAL}, name=name, daemon=True
        )

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    @property
    def url(self) -> str:
        host, port = self.address
        return f"http://{host}:{port}/"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
