# Copyright: Contributors to the watchdog.alertmanager_kuma collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Whether Alertmanager delivered its notifications since the last run: its counters against the kept ones.

Private to the collection (leading underscore). Standard library only. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ._alertmanager import AlertmanagerMetrics


@dataclass(frozen=True)
class Delivery:
    """Per integration: total, failed, and failed since the last run (None where there is no baseline)."""

    integrations: Mapping[str, Mapping[str, float | None]]
    why_not_judged: str | None
    problem: str | None

    @property
    def judged(self) -> bool:
        return self.why_not_judged is None


def state_of(alertmanager_url: str, metrics: AlertmanagerMetrics, now: float) -> dict[str, Any]:
    """What the next run compares with: counters only, never a secret."""
    return {
        "alertmanager_url": alertmanager_url,
        "checked_at": now,
        "notifications": {name: list(counts) for name, counts in metrics.notifications.items()},
    }


def _baseline(state: Mapping[str, Any], alertmanager_url: str) -> Mapping[str, Any] | None:
    counts = state.get("notifications")
    if state.get("alertmanager_url") != alertmanager_url or not isinstance(counts, dict):
        return None
    return counts


def _previous(counts: Mapping[str, Any], name: str) -> tuple[float, float] | None:
    kept = counts.get(name)
    if not (isinstance(kept, list) and len(kept) == 2 and all(isinstance(n, (int, float)) for n in kept)):
        return None
    return float(kept[0]), float(kept[1])


def judge_delivery(
    metrics: AlertmanagerMetrics,
    alertmanager_url: str,
    state: Mapping[str, Any],
    why_no_state: str | None,
    ignore: tuple[str, ...],
    now: float,
) -> Delivery:
    """New failures since the kept counters are a problem; a counter that went down (a restart) is a new baseline."""
    counts = _baseline(state, alertmanager_url)
    checked_at = state.get("checked_at")
    judged = counts is not None and isinstance(checked_at, (int, float))
    integrations: dict[str, dict[str, float | None]] = {}
    failing = []
    for name, (total, failed) in metrics.notifications.items():
        previous = _previous(counts, name) if counts is not None else None
        new_total = new_failed = None
        if previous is not None and total >= previous[0] and failed >= previous[1]:
            new_total, new_failed = total - previous[0], failed - previous[1]
        integrations[name] = {"total": total, "failed": failed, "failed_since_last": new_failed}
        if judged and new_failed and name not in ignore:
            failing.append(f"{new_failed:g} of {max(new_total or 0, new_failed):g} {name}")
    problem = None
    if failing:
        ago = max(0.0, now - float(checked_at))  # type: ignore[arg-type]
        problem = (
            f"Alertmanager cannot deliver notifications: {', '.join(failing)} notifications failed since the last"
            f" check ({ago:.0f} s ago)"
        )
    why_not = None if judged else (why_no_state or "no earlier counters to compare: this run sets the baseline")
    return Delivery(integrations=integrations, why_not_judged=why_not, problem=problem)
