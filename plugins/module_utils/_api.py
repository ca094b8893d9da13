# Copyright: Contributors to the watchdog.alertmanager_kuma collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One careful GET to a server's JSON API (Alertmanager, Prometheus): any answer but the JSON asked for is an
ApiProblem that names the endpoint and the server's own reason, never the URL or a credential.

Private to the collection (leading underscore). Standard library only.
"""

from __future__ import annotations

import base64
import itertools
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any

from ._metrics import MetricsProblem, PastDeadline, Sample, read_families
from ._text import printable
from ._transport import MAX_BODY_BYTES, AnswerTooLarge, HttpResponse, Transport, TransportError

REASON_BYTES = 4096
REASON_CHARS = 120
_OBJECTS_PER_CLOCK_READ = 4096


class ApiProblem(Exception):
    """The server answered, but not what was asked: the message is safe to show."""


class OddAnswer(ApiProblem):
    """The server answered, but too much or in a shape no such server gives. The message starts with "answered",
    to follow the server's name ("Prometheus answered more than 16 MiB for /api/v1/rules")."""


def size_text(max_bytes: int) -> str:
    return f"{max_bytes // 1048576} MiB" if max_bytes % 1048576 == 0 else f"{max_bytes} bytes"


class _PastDeadline(Exception):
    pass


def auth_headers(username: str | None, password: str | None, bearer_token: str | None) -> dict[str, str]:
    headers = {"Accept": "application/json"}
    if bearer_token:
        headers["Authorization"] = "Bearer " + bearer_token
    elif username:
        pair = f"{username}:{password}"
        headers["Authorization"] = "Basic " + base64.b64encode(pair.encode("utf-8")).decode("ascii")
    return headers


def reason(body: bytes) -> str:
    """The server's own words for a refusal (a matcher it cannot parse), short and printable."""
    text = body[:REASON_BYTES].decode("utf-8", "replace").strip()
    try:
        said = json.loads(text)
    except (ValueError, RecursionError):
        said = text
    if isinstance(said, dict):
        said = said.get("message") or said.get("error") or text
    return printable(str(said))[:REASON_CHARS] or "no reason given"


def server_time(response: HttpResponse) -> datetime:
    """The server's clock from its Date header, or ours when it has none that makes sense."""
    try:
        return parsedate_to_datetime(response.headers["date"]).astimezone(timezone.utc)
    except (KeyError, TypeError, ValueError, OverflowError):
        return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Api:
    """A server's base URL with its credentials; ``kind`` names it in messages ("is this an Alertmanager?")."""

    base_url: str
    kind: str
    timeout: float
    headers: Mapping[str, str] = field(repr=False)
    # Decoding an answer counts against the request's timeout too: each request, decoding included, ends within it.
    clock: Callable[[], float] = field(default=time.monotonic, repr=False, compare=False)

    def _timed_out(self) -> TransportError:
        return TransportError(f"timed out after {self.timeout:g}s")

    def get(self, transport: Transport, path: str, max_bytes: int = MAX_BODY_BYTES) -> HttpResponse:
        endpoint = path.split("?")[0]
        try:
            response = transport.get(self.base_url + path, self.headers, self.timeout, max_bytes)
        except AnswerTooLarge as error:
            raise OddAnswer(f"answered more than {size_text(error.max_bytes)} for {endpoint}") from None
        if 300 <= response.status < 400:
            raise ApiProblem(f"{endpoint} answered with a redirect (HTTP {response.status}), which is not followed")
        if response.status in (401, 403):
            raise ApiProblem(f"{endpoint} refused the credentials (HTTP {response.status})")
        if response.status == 400:
            raise ApiProblem(f"{endpoint} refused the request (HTTP 400): {reason(response.body)}")
        if response.status != 200:
            raise ApiProblem(f"{endpoint} answered HTTP {response.status}")
        return response

    def get_json(
        self,
        transport: Transport,
        path: str,
        max_bytes: int = MAX_BODY_BYTES,
        object_hook: Callable[[dict[str, Any]], Any] | None = None,
    ) -> tuple[Any, HttpResponse]:
        """The answer's JSON; ``object_hook`` may drop objects as they are decoded, to keep a large answer small."""
        deadline = self.clock() + self.timeout
        response = self.get(transport, path, max_bytes)
        endpoint = path.split("?")[0]
        decoded = itertools.count()

        def hook(value: dict[str, Any]) -> Any:
            # Millions of small objects take seconds to decode: the clock is looked at every few thousand.
            if next(decoded) % _OBJECTS_PER_CLOCK_READ == 0 and self.clock() > deadline:
                raise _PastDeadline
            return object_hook(value) if object_hook else value

        try:
            return json.loads(response.body.decode("utf-8"), object_hook=hook), response
        except _PastDeadline:
            raise self._timed_out() from None
        except ValueError:
            raise ApiProblem(f"{endpoint} did not answer JSON; is this {self.kind}?") from None
        except RecursionError:
            raise ApiProblem(f"{endpoint} answered JSON nested too deeply; is this {self.kind}?") from None

    def get_metrics(
        self, transport: Transport, names: tuple[str, ...], max_bytes: int = MAX_BODY_BYTES
    ) -> dict[str, list[Sample]]:
        """The named families of the server's /metrics, read within the request's timeout."""
        deadline = self.clock() + self.timeout
        body = self.get(transport, "/metrics", max_bytes).body
        try:
            return read_families(body, names, deadline=deadline, clock=self.clock)
        except PastDeadline:
            raise self._timed_out() from None
        except MetricsProblem as problem:
            raise OddAnswer(f"answered /metrics oddly: {problem}") from None
