# Copyright: Contributors to the watchdog.alertmanager_kuma collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Onboarding: every check without a push URL gets a Kuma monitor and a push URL derived from one secret.

Private to the collection (leading underscore). Standard library only. Runs on the controller, in the onboard
playbook (the onboarded_checks filter), before the heartbeat_timer role reads the checks with its own parser.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._option import by_name
from ._push_monitors import KUMA_MIN_INTERVAL
from ._push_token import derive_push_token
from ._timer_checks import TIMER_CHECK_OPTIONS

DEFAULT_INTERVAL = by_name(TIMER_CHECK_OPTIONS)["interval"].default
# Kuma marks a monitor down when no push came within its interval: twice the timer's lets one run be late.
KUMA_INTERVAL_FACTOR = 2


def _first_given(*values: Any) -> Any:
    """The first value set: an empty list given on purpose counts, an empty string (an unset variable) does not."""
    return next((value for value in values if value is not None and value != ""), None)


def monitor_name(host: str, check: Mapping[str, Any]) -> str:
    return str(check.get("kuma_monitor") or f"{host}/{check.get('name')}")


def onboarded_checks(
    checks: Any,
    host: str,
    kuma_url: str,
    secret: str,
    default_interval: int | None = None,
    notifications: list[str] | None = None,
    group: str | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """The host's checks with derived push URLs, and the Kuma monitors they need (tokens included: no_log).

    A check that has a push URL is the user's own and is left alone; what is not a check is passed on untouched
    for the role's parser to refuse by name. ``notifications`` and ``group`` are the fleet's, for the checks that
    name none of their own; left None, push_monitor decides (Kuma's default notifications, the group kept).
    """
    if not isinstance(checks, list):
        return {"checks": checks, "monitors": []}
    base = kuma_url.rstrip("/")
    out_checks: list[Any] = []
    monitors: list[dict[str, Any]] = []
    for check in checks:
        if not isinstance(check, Mapping) or check.get("push_url") or not check.get("name"):
            out_checks.append(check)
            continue
        name = monitor_name(host, check)
        token = derive_push_token(name, secret)
        interval = check.get("interval") or default_interval or DEFAULT_INTERVAL
        monitor = {
            "name": name,
            "state": check.get("state") or "present",
            "interval": max(KUMA_MIN_INTERVAL, KUMA_INTERVAL_FACTOR * int(interval)),
            "push_token": token,
            "notifications": _first_given(check.get("kuma_notifications"), notifications),
            "group": _first_given(check.get("kuma_group"), group),
        }
        monitors.append({key: value for key, value in monitor.items() if value is not None})
        out_checks.append({**check, "push_url": f"{base}/api/push/{token}"})
    return {"checks": out_checks, "monitors": monitors}
