"""An in-memory Transport for the core's unit tests, and settings with a push token to look for in every output."""

from __future__ import annotations

import json
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._heartbeat_settings import (
    HeartbeatSettings,
    settings_from_options,
)
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._transport import (
    MAX_BODY_BYTES,
    HttpResponse,
    TransportError,
)
from ansible_collections.watchdog.alertmanager_kuma.tests.payloads import (
    KUMA_HOST,
    KUMA_OK,
    TOKEN,
    am_metrics,
    am_status,
    http_date,
)
from hypothesis import strategies as st

ALERTMANAGER_URL = "http://127.0.0.1:9093"

Answer = HttpResponse | TransportError  # pylint: disable=unsupported-binary-operation  # a 3.10+ union of classes

URL_SAFE = string.ascii_letters + string.digits + "-._~"


def _looks_like_a_token(text: str) -> bool:
    # A real token mixes cases and digits; without that, hypothesis finds words the messages hold anyway
    # ("alertmanager", "Watchdog") and the test would catch a coincidence, not a leak.
    return all(
        any(char in group for char in text) for group in (string.ascii_lowercase, string.ascii_uppercase, string.digits)
    )


any_token = st.text(alphabet=URL_SAFE, min_size=16, max_size=64).filter(_looks_like_a_token)


def response(
    status: int = 200, document: Any = None, body: bytes = b"", headers: Mapping[str, str] = ()
) -> HttpResponse:
    if document is not None:
        body = json.dumps(document).encode("utf-8")
    return HttpResponse(status=status, body=body, headers=dict(headers))


@dataclass(frozen=True)
class StubRequest:
    url: str
    headers: Mapping[str, str]
    timeout: float

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.url).query, keep_blank_values=True)


class StubTransport:
    """Answers GETs by path from a script (an HttpResponse, or a TransportError to raise); the last answer repeats."""

    def __init__(self, script: Mapping[str, Sequence[Answer]]) -> None:
        self._script = {path: list(answers) for path, answers in script.items()}
        self.requests: list[StubRequest] = []

    def get(
        self, url: str, headers: Mapping[str, str], timeout: float, max_bytes: int = MAX_BODY_BYTES
    ) -> HttpResponse:
        self.requests.append(StubRequest(url, dict(headers), timeout))
        answers = self._script.get(urlsplit(url).path)
        if not answers:
            return response(404, body=b"not scripted")
        answer = answers.pop(0) if len(answers) > 1 else answers[0]
        if isinstance(answer, TransportError):
            raise answer
        if len(answer.body) > max_bytes:
            raise TransportError(f"answer larger than {max_bytes} bytes")
        return answer

    def to(self, path: str) -> list[StubRequest]:
        return [request for request in self.requests if request.path == path]


def alertmanager_script(
    alerts: Sequence[Mapping[str, Any]] = (), status: Mapping[str, Any] | None = None, date: datetime | None = None
) -> dict[str, list[Answer]]:
    headers = {"date": http_date(date)} if date else {}
    return {
        "/api/v2/status": [response(document=status or am_status(), headers=headers)],
        "/api/v2/alerts": [response(document=list(alerts), headers=headers)],
        "/metrics": [response(body=am_metrics().encode())],
    }


def kuma_script(*answers: Answer, token: str = TOKEN) -> dict[str, list[Answer]]:
    return {f"/api/push/{token}": list(answers) or [response(document=KUMA_OK)]}


def make_settings(token: str = TOKEN, **options: Any) -> HeartbeatSettings:
    return settings_from_options(
        {"alertmanager_url": ALERTMANAGER_URL, "push_url": f"http://{KUMA_HOST}/api/push/{token}", **options}
    )
