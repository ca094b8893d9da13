# Copyright: Contributors to the watchdog.alertmanager_kuma collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Pushing a heartbeat to an Uptime Kuma push monitor: GET with status, msg and ping, retried with backoff.

Private to the collection (leading underscore). Standard library only. Shared by the module, the timer
program and the relay. Messages name the push host, never the URL: its path is the monitor's token.
"""

from __future__ import annotations

import json
import time
from typing import Callable
from urllib.parse import quote, urlencode

from ._redact import redact
from ._text import shorten_message
from ._transport import Transport, TransportError
from ._urls import PushUrl

BACKOFF_FIRST_SECONDS = 0.5
BACKOFF_MAX_SECONDS = 4.0


class PushError(Exception):
    """Kuma did not take the heartbeat. The message names the push host only; ``attempts`` counts tries."""

    def __init__(self, message: str, attempts: int) -> None:
        super().__init__(message)
        self.attempts = attempts


class _Retryable(Exception):
    pass


def request_url(push_url: PushUrl, status: str, msg: str, ping: int | None) -> str:
    """The GET that pushes one heartbeat: the push URL with status, msg and ping in its query."""
    query = [("status", status), ("msg", msg)]
    if ping is not None:
        query.append(("ping", str(ping)))
    return push_url.url + "?" + urlencode(query, quote_via=quote)


def backoff_seconds(retry_number: int) -> float:
    """Wait before retry 1, 2, 3...: 0.5 s, 1 s, 2 s, then 4 s at most."""
    return min(BACKOFF_MAX_SECONDS, BACKOFF_FIRST_SECONDS * 2 ** (retry_number - 1))


def _kuma_answer(body: bytes) -> tuple[bool, str] | None:
    """Kuma's JSON as (ok, msg); None when the body is not Kuma's JSON."""
    try:
        answer = json.loads(body.decode("utf-8"))
    except (ValueError, RecursionError):
        return None
    if isinstance(answer, dict) and "ok" in answer:
        return answer["ok"] is True, str(answer.get("msg") or "ok is false")
    return None


def _one_push(push_url: PushUrl, url: str, transport: Transport, timeout: float) -> None:
    try:
        response = transport.get(url, {"Accept": "application/json"}, timeout)
    except TransportError as error:
        raise _Retryable(f"Kuma at {push_url.host} unreachable: {error.reason}") from None
    answer = _kuma_answer(response.body)
    if response.status == 200 and answer is not None and answer[0]:
        return
    if 300 <= response.status < 400:
        raise PushError(
            f"Kuma at {push_url.host} answered with a redirect (HTTP {response.status}); the push follows no redirect",
            0,
        )
    if response.status >= 500 or response.status == 429:
        raise _Retryable(f"Kuma at {push_url.host} answered HTTP {response.status}")
    if answer is None:
        raise PushError(
            f"{push_url.host} answered HTTP {response.status} without Kuma's JSON; is push_url a Kuma push URL?", 0
        )
    # The message is the server's text: a proxy in front of Kuma may quote the request path, which holds the token.
    said = shorten_message(redact(answer[1], [push_url.token]))
    raise PushError(f"Kuma at {push_url.host} refused the heartbeat: {said} (HTTP {response.status})", 0)


def push(
    push_url: PushUrl,
    status: str,
    msg: str,
    ping: int | None,
    transport: Transport,
    timeout: float,
    retries: int,
    wait: Callable[[float], None] = time.sleep,
    time_left: Callable[[], float] | None = None,
) -> int:
    """Push once, then retry up to ``retries`` times on network errors and 5xx; a refusal is not retried.

    ``time_left`` gives the seconds left of the run: a retry that could end later is not made. Returns the
    attempts it took.
    """
    url = request_url(push_url, status, msg, ping)
    for attempt in range(1, retries + 2):
        try:
            _one_push(push_url, url, transport, timeout)
            return attempt
        except PushError as refused:
            raise PushError(str(refused), attempt) from None
        except _Retryable as failure:
            tries = "1 attempt" if attempt == 1 else f"{attempt} attempts"
            if attempt > retries:
                raise PushError(f"{failure}; gave up after {tries}", attempt) from None
            if time_left is not None and time_left() < backoff_seconds(attempt) + timeout:
                out_of_time = f"{failure}; gave up after {tries}, the run's time (run_timeout) being up"
                raise PushError(out_of_time, attempt) from None
            wait(backoff_seconds(attempt))
    raise AssertionError("unreachable")
