# Copyright: Contributors to the watchdog.alertmanager_kuma collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Whether Alertmanager delivered its notifications since the last run: its counters against the kept ones.

Private to the collection (leading underscore). Standard library only. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ._alertmanager import AlertmanagerMetrics, series_parts
from ._state import ByReason, Counts, KeptCounters
from ._text import printable

# Failed requests, retries included, with none succeeding, that say an integration cannot deliver.
MIN_FAILED_REQUESTS = 2
# Alertmanager's reasons for a failed notification (0.26: the first three, 0.27: the context ones, 0.34: the rest),
# in a person's words.
REASON_WORDS = {
    "clientError": "rejected as a bad request",
    "serverError": "answered with server errors",
    "authError": "refused the credentials",
    "rateLimited": "rate limited",
    "contextDeadlineExceeded": "timed out",
    "contextCanceled": "cancelled",
    "other": "unreachable or another error",
}
MAX_REASON_CHARS = 40
IGNORE_RECEIVERS_NEEDS = (
    "ignore_receivers needs Alertmanager's receiver-name-in-metrics feature to tell receivers apart"
)


@dataclass(frozen=True)
class Delivery:
    """Per series (an integration, or receiver/integration): total, failed, failed since the last run (None where
    there is no baseline), and the failed by reason where Alertmanager gives one."""

    integrations: Mapping[str, Mapping[str, object]]
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
        failure_reasons={key: dict(reasons) for key, reasons in metrics.failure_reasons.items()},
    )


def _growth(now: tuple[float, float], kept: Counts | None, name: str) -> tuple[float, float] | None:
    """How much (total, failed) grew since the kept counters; None without them or after a reset (a restart)."""
    previous = kept.get(name) if kept is not None else None
    if previous is None or now[0] < previous[0] or now[1] < previous[1]:
        return None
    return now[0] - previous[0], now[1] - previous[1]


def _reasons_grown(now: Mapping[str, float], kept: Mapping[str, float] | None) -> str:
    """The reasons whose failures grew since the kept counts, in a person's words; "" without kept counts."""
    if kept is None:
        return ""
    grown = [reason for reason, count in sorted(now.items()) if count > kept.get(reason, 0.0)]
    return ", ".join(REASON_WORDS.get(reason) or printable(reason)[:MAX_REASON_CHARS] for reason in grown)


def _failing(
    key: str, notifications: tuple[float, float] | None, requests: tuple[float, float] | None, reasons: str
) -> str | None:
    """Why this series cannot deliver, or None.

    A notification counts as failed only once Alertmanager's retries give up (10 s or more after the first try);
    its requests fail at once. Every request failing, the retries included (two at least, none succeeding), says
    the same sooner; a single failed request that a retry made good does not.
    """
    receiver, integration = series_parts(key)
    who = f"receiver {printable(receiver)}: " if receiver is not None else ""
    if notifications and notifications[1]:
        why = f" ({reasons})" if reasons else ""
        total = max(notifications[0], notifications[1])
        return f"{who}{notifications[1]:g} of {total:g} {integration} notifications{why}"
    if requests and requests[1] >= MIN_FAILED_REQUESTS and requests[1] >= requests[0]:
        return f"{who}{requests[1]:g} of {requests[1]:g} {integration} requests (retries included)"
    return None


def _ignored(key: str, ignore_integrations: tuple[str, ...], ignore_receivers: tuple[str, ...]) -> bool:
    receiver, integration = series_parts(key)
    return integration in ignore_integrations or (receiver is not None and receiver in ignore_receivers)


def _kept_reasons(kept: ByReason | None, key: str) -> Mapping[str, float] | None:
    return kept.get(key) if kept is not None else None


def judge_delivery(
    metrics: AlertmanagerMetrics,
    alertmanager_url: str,
    kept: KeptCounters,
    why_no_state: str | None,
    ignore_integrations: tuple[str, ...],
    ignore_receivers: tuple[str, ...],
    now: float,
) -> Delivery:
    """New failures since the kept counters are a problem; a counter that went down (a restart) is a new baseline."""
    same_alertmanager = kept.alertmanager_url == alertmanager_url
    counts = kept.notifications if same_alertmanager else None
    request_counts = kept.requests if same_alertmanager else None
    kept_reasons = kept.failure_reasons if same_alertmanager else None
    checked_at = kept.checked_at
    judged = counts is not None and checked_at is not None
    integrations: dict[str, dict[str, object]] = {}
    failing = []
    unnamed_receivers = False
    for key, (total, failed) in metrics.notifications.items():
        notifications = _growth((total, failed), counts, key)
        requests = _growth(metrics.requests[key], request_counts, key) if key in metrics.requests else None
        reasons_now = metrics.failure_reasons.get(key, {})
        integrations[key] = {
            "total": total,
            "failed": failed,
            "failed_since_last": notifications[1] if notifications else None,
            "requests_failed_since_last": requests[1] if requests else None,
            "failed_by_reason": dict(reasons_now),
        }
        if not judged or _ignored(key, ignore_integrations, ignore_receivers):
            continue
        grown = _reasons_grown(reasons_now, _kept_reasons(kept_reasons, key)) if notifications else ""
        why = _failing(key, notifications, requests, grown)
        if why:
            failing.append(why)
            unnamed_receivers = unnamed_receivers or series_parts(key)[0] is None
    problem = None
    if failing:
        ago = max(0.0, now - (checked_at or now))
        problem = (
            f"Alertmanager cannot deliver notifications: {', '.join(failing)} failed since the last check"
            f" ({ago:.0f} s ago)"
        )
        if unnamed_receivers and ignore_receivers:
            problem += f"; {IGNORE_RECEIVERS_NEEDS}"
    why_not = None if judged else (why_no_state or "no earlier counters to compare: this run sets the baseline")
    return Delivery(integrations=integrations, why_not_judged=why_not, problem=problem)
