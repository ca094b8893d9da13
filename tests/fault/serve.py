"""Script a FakeServer as an Alertmanager or a Kuma push endpoint, answering with tests/payloads.py's documents."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from tests.fault.fake_http import FakeServer, Reply, json_reply
from tests.payloads import KUMA_OK, am_metrics, am_status, http_date


def serve_alertmanager(
    server: FakeServer,
    alerts: Sequence[Mapping[str, Any]] = (),
    status: Mapping[str, Any] | None = None,
    date: datetime | None = None,
) -> None:
    """Script ``server`` as an Alertmanager holding ``alerts``; ``date`` sets the clock its Date header shows."""
    headers = {"Date": http_date(date)} if date else {}
    server.reply("/api/v2/status", json_reply(status or am_status(), headers=headers))
    server.reply("/api/v2/alerts", json_reply(list(alerts), headers=headers))
    server.reply("/metrics", Reply(body=am_metrics()))


def serve_kuma(server: FakeServer, token: str, *replies: Reply) -> str:
    """Script ``server`` as a Kuma push endpoint (by default one that takes every push); return the push URL."""
    server.reply(f"/api/push/{token}", *(replies or (json_reply(KUMA_OK),)))
    return f"{server.url}/api/push/{token}"
