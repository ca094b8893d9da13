"""A person's pager, as the suite sees it: a Kuma webhook notification that POSTs each page to a recorder on loopback.

A page is proved by what the recorder received from the real Kuma, not by a heartbeat row alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from lab.kuma import HeartbeatStatus, Kuma
from lab.webhook import Notification, WebhookRecorder


@dataclass(frozen=True)
class Pager:
    """A Kuma notification (``name``, ``id``) and the recorder its pages reach."""

    name: str
    id: int
    recorder: WebhookRecorder

    def pages(self, monitor_name: str | None = None) -> list[Notification]:
        """Every page received, oldest first; only one monitor's when a name is given."""
        return [page for page in self.recorder.received() if monitor_name in (None, page_monitor(page))]

    def wait_for_page(
        self, monitor_name: str, status: HeartbeatStatus, reason: str | None = None, timeout: float = 30.0
    ) -> Notification:
        """The first page for ``monitor_name`` whose heartbeat has ``status`` (and holds ``reason``), polled until
        ``timeout``; AssertionError listing what was received if none came."""

        def matches(page: Notification) -> bool:
            heartbeat = page.get("heartbeat") or {}
            return (
                page_monitor(page) == monitor_name
                and heartbeat.get("status") == status
                and (reason is None or reason in str(heartbeat.get("msg")))
            )

        return self.recorder.wait_for(matches, timeout)


def page_monitor(page: Notification) -> Any:
    return (page.get("monitor") or {}).get("name")


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
