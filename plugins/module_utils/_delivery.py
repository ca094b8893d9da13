# Copyright: Contributors to the watchdog.alertmanager_kuma collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Whether Alertmanager delivered its notifications since the last run: its counters against the kept ones.

Private to the collection (leading underscore). Standard library only. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ._alertmanager import AlertmanagerMetrics
from ._state import Counts, KeptCounters

# Failed requests, retries included, with none succeeding, that say an integration cannot deliver.
MIN_FAILED_REQUESTS = 2


@dataclass(frozen=True)
class Delivery:
    """Per integration: total, failed, and failed since the last run (None where there is no baseline)."""

    integrations: Mapping[str, Mapping[str, float | None]]
    why_not_judged: str | None
    problem: str | None

    @property
    def judged(self) -> bool:
        return self.why_not_judged is None


def kept_by_delivery(alertmanager_url: str, metrics: AlertmanagerMetrics, now: float) -> KeptCounters:
    """What the next run compares with: counters only, never a secret."""
    return KeptCounters(
        alertmanager_url=alertmanager_url,
        checked_at=now,
        notifications=dict(metrics.notifications),
        requests=dict(metrics.requests),
    )


def _growth(now: tuple[float, float], kept: Counts | None, name: str) -> tuple[float, float] | None:
    """How much (total, failed) grew since the kept counters; None without them or after a reset (a restart)."""
    previous = kept.get(name) if kept is not None else None
    if previous is None or now[0] < previous[0] or now[1] < previous[1]:
        return None
    return now[0] - previous[0], now[1] - previous[1]


def _failing(name: str, notifications: tuple[float, float] | None, requests: tuple[float, float] | None) -> str | None:
    """Why this integration cannot deliver, or None.

    A notification counts as failed only once Alertmanager's retries give up (10 s or more after the first try);
    its requests fail at once. Every request failing, the retries included (two at least, none succeeding), says
    the same sooner; a single failed request that a retry made good does not.
    """
    if notifications and notifications[1]:
        return f"{notifications[1]:g} of {max(notifications[0], notifications[1]):g} {name} notifications"
    if requests and requests[1] >= MIN_FAILED_REQUESTS and requests[1] >= requests[0]:
        return f"{requests[1]:g} of {requests[1]:g} {name} requests (retries included)"
    return None


def judge_delivery(
    metrics: AlertmanagerMetrics,
    alertmanager_url: str,
    kept: KeptCounters,
    why_no_state: str | None,
    ignore: tuple[str, ...],
    now: float,
) -> Delivery:
    """New failures since the kept counters are a problem; a counter that went down (a restart) is a new baseline."""
    same_alertmanager = kept.alertmanager_url == alertmanager_url
    counts = kept.notifications if same_alertmanager else None
    request_counts = kept.requests if same_alertmanager else None
    checked_at = kept.checked_at
    judged = counts is not None and checked_at is not None
    integrations: dict[str, dict[str, float | None]] = {}
    failing = []
    for name, (total, failed) in metrics.notifications.items():
        notifications = _growth((total, failed), counts, name)
        requests = _growth(metrics.requests[name], request_counts, name) if name in metrics.requests else None
        integrations[name] = {
            "total": total,
            "failed": failed,
            "failed_since_last": notifications[1] if notifications else None,
            "requests_failed_since_last": requests[1] if requests else None,
        }
        why = _failing(name, notifications, requests) if judged and name not in ignore else None
        if why:
            failing.append(why)
    problem = None
    if failing:
        ago = max(0.0, now - (checked_at or now))
        problem = (
            f"Alertmanager cannot deliver notifications: {', '.join(failing)} failed since the last check"
            f" ({ago:.0f} s ago)"
        )
    why_not = None if judged else (why_no_state or "no earlier counters to compare: this run sets the baseline")
    return Delivery(integrations=integrations, why_not_judged=why_not, problem=problem)
