"""A scripted HTTP server on loopback for fault injection: per path, the replies to give; every request recorded.

Only for faults a real server will not produce on demand (a slow answer, a 500, HTML, a redirect). What the
real Alertmanager and Kuma do is tested against them in tests/integration.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from lab.http_server import ThreadedServer

LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class Reply:
    """One scripted answer. ``body`` is bytes, text, or anything JSON can encode (sent as JSON).

    ``hang_up`` closes the connection without any answer, as a crashing server or a reset by a proxy does.
    ``drip`` sends the whole answer, status line first, one byte every ``drip`` seconds, as a broken proxy may.
    """

    status: int = 200
    body: Any = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0
    hang_up: bool = False
    drip: float = 0.0

    def encoded(self) -> tuple[bytes, str]:
        if isinstance(self.body, bytes):
            return self.body, "application/octet-stream"
        if isinstance(self.body, str):
            return self.body.encode("utf-8"), "text/plain; charset=utf-8"
        return json.dumps(self.body).encode("utf-8"), "application/json"


def json_reply(document: Any, status: int = 200, **extra: Any) -> Reply:
    return Reply(status=status, body=document, **extra)


def html_reply(text: str, status: int = 200) -> Reply:
    return Reply(status=status, body=text.encode("utf-8"), headers={"Content-Type": "text/html; charset=utf-8"})


def redirect_reply(location: str, status: int = 302) -> Reply:
    return Reply(status=status, body=b"", headers={"Location": location})


@dataclass(frozen=True)
class Received:
    method: str
    target: str
    headers: Mapping[str, str]

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.target).query, keep_blank_values=True)


class FakeServer(ThreadedServer):
    """`with FakeServer() as server:` serves ``server.url`` from a thread until the block ends.

    ``server.reply(path, first, second, ...)`` scripts the answers to a path (its query is ignored); the last
    reply repeats. An unscripted path answers 404. ``server.received`` lists every request, in order.
    """

    def __init__(self, host: str = LOOPBACK) -> None:
        self._script: dict[str, list[Reply]] = {}
        self._received: list[Received] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                fake._answer(self)

            do_POST = do_GET
            do_HEAD = do_GET

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: ``received`` is the record."""

        super().__init__(Handler, name="fake-http", host=host)

    @property
    def host(self) -> str:
        """host:port, as the core's messages name a server."""
        address, port = self.address
        return f"{address}:{port}"

    @property
    def url(self) -> str:
        return f"http://{self.host}"

    def reply(self, path: str, *replies: Reply) -> None:
        with self._lock:
            self._script[path] = list(replies)

    @property
    def received(self) -> list[Received]:
        with self._lock:
            return list(self._received)

    def received_at(self, path: str) -> list[Received]:
        return [request for request in self.received if request.path == path]

    def _next_reply(self, path: str) -> Reply:
        with self._lock:
            replies = self._script.get(path)
            if not replies:
                return Reply(status=404, body=f"{path} is not scripted")
            return replies.pop(0) if len(replies) > 1 else replies[0]

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        with self._lock:
            self._received.append(Received(handler.command, handler.path, dict(handler.headers.items())))
        reply = self._next_reply(urlsplit(handler.path).path)
        if reply.delay:
            # Ends early when the server stops, so no test waits for a delay nobody reads any more.
            self._stopping.wait(reply.delay)
        if reply.hang_up:
            handler.close_connection = True
            return
        body, content_type = reply.encoded()
        headers = {"Content-Type": content_type, "Date": formatdate(usegmt=True), **reply.headers}
        headers["Content-Length"] = str(len(body))
        if reply.drip:
            self._drip(handler, reply, body, headers)
            return
        try:
            handler.send_response_only(reply.status)
            for name, value in headers.items():
                handler.send_header(name, value)
            handler.end_headers()
            if handler.command != "HEAD":
                handler.wfile.write(body)
        except OSError:
            pass

    def _drip(self, handler: BaseHTTPRequestHandler, reply: Reply, body: bytes, headers: dict[str, str]) -> None:
        head = f"HTTP/1.1 {reply.status} Scripted\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        handler.close_connection = True
        for byte in (head + "\r\n").encode("latin-1") + body:
            # Ends when the client gives up (the write fails) or the server stops.
            if self._stopping.wait(reply.drip):
                return
            try:
                handler.wfile.write(bytes([byte]))
                handler.wfile.flush()
            except OSError:
                return

    def __exit__(self, *exc_info: object) -> None:
        # Ends the delays and drips in flight first, so shutdown() does not wait for them.
        self._stopping.set()
        super().__exit__(*exc_info)


def refused_url() -> str:
    """A loopback URL nothing listens on: the port was free a moment ago and is closed again."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        port = probe.getsockname()[1]
    return f"http://{LOOPBACK}:{port}"
