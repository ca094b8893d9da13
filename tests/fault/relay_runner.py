"""A relay served in a thread on a free loopback port, as its program serves it, with its log captured."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import requests
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._relay_server import make_server
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._relay_settings import (
    relay_settings_from_options,
)
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._transport import UrllibTransport


@dataclass
class RunningRelay:
    url: str
    address: tuple[str, int]
    log: io.StringIO
    waits: list[float] = field(default_factory=list)

    def post(self, body: Any, path: str = "/push", headers: Mapping[str, str] | None = None) -> requests.Response:
        data = body if isinstance(body, bytes) else json.dumps(body).encode("utf-8")
        sent = {"Content-Type": "application/json", **(headers or {})}
        return requests.post(self.url + path, data=data, headers=sent, timeout=10)


@contextmanager
def running_relay(**options: Any) -> Iterator[RunningRelay]:
    settings = relay_settings_from_options({"listen": "127.0.0.1:0", **options})
    log = io.StringIO()
    waits: list[float] = []
    server = make_server(settings, UrllibTransport(settings.tls, needs_tls=False), log, waits.append)
    # A short poll interval: shutdown() waits for the next poll, 0.5 s by default, in every test.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield RunningRelay(f"http://{f'[{host}]' if ':' in host else host}:{port}", (host, port), log, waits)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
