"""A person's pager, as the suite sees it: a Kuma webhook notification that POSTs each page to a recorder on loopback.

A page is proved by what the recorder received from the real Kuma, not by a heartbeat row alone. Each page is an
`Arrival`: when it came (stamped in the recorder's thread), Kuma's JSON and the bytes as sent.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from lab.kuma import HeartbeatStatus, Kuma
from lab.polling import poll_until
from lab.webhook import Arrival, WebhookRecorder


def page_monitor(page: Arrival) -> Any:
    """The name of the monitor a page is about."""
    return (page.body.get("monitor") or {}).get("name")


def page_heartbeat(page: Arrival) -> dict[str, Any]:
    """The heartbeat a page is about (``status``, ``msg``, ``time``); empty for Kuma's test notification."""
    return page.body.get("heartbeat") or {}


@dataclass(frozen=True)
class Pager:
    """A Kuma notification (``name``, ``id``) and the recorder its pages reach."""

    name: str
    id: int
    recorder: WebhookRecorder

    def pages(
        self,
        monitor_name: str | None = None,
        status: HeartbeatStatus | None = None,
        since: float = -math.inf,
        until: float = math.inf,
    ) -> list[Arrival]:
        """The pages received, oldest first: one monitor's, of one status, arrived within [since, until] if given."""
        return [
            page
            for page in self.recorder.arrivals()
            if monitor_name in (None, page_monitor(page))
            and status in (None, page_heartbeat(page).get("status"))
            and since <= page.received_at <= until
        ]

    def wait_for_page(
        self,
        monitor_name: str,
        status: HeartbeatStatus,
        reason: str | None = None,
        timeout: float = 30.0,
        since: float = -math.inf,
    ) -> Arrival:
        """The first page for ``monitor_name`` whose heartbeat has ``status`` (and holds ``reason``), arrived at or
        after ``since``, polled until ``timeout``; AssertionError listing what was received if none came."""

        def first() -> Arrival | None:
            pages = self.pages(monitor_name, status, since)
            return next(
                (page for page in pages if reason is None or reason in str(page_heartbeat(page).get("msg"))), None
            )

        return poll_until(
            first,
            timeout=max(timeout, 0.0),
            describe_failure=lambda: (
                f"no page for {monitor_name} at {self.recorder.url}; received: {self.recorder.received()}"
            ),
        )


@contextmanager
def kuma_pager(kuma: Kuma, name: str, *, default: bool = False) -> Iterator[Pager]:
    """`with kuma_pager(kuma, "on-call") as pager:` a webhook notification of that name in Kuma, deleted afterwards.

    ``default`` marks it "Default enabled" in Kuma.
    """
    with WebhookRecorder() as recorder:
        notification_id = kuma.add_webhook_notification(name, recorder.url, default=default)
        try:
            yield Pager(name, notification_id, recorder)
        finally:
            kuma.delete_notification(notification_id)
