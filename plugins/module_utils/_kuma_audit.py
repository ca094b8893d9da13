# Copyright: Contributors to the watchdog.alertmanager_kuma collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The check playbook's audit of Kuma: does each check's monitor exist, run, page someone, and wait longer than the
timer between pushes? And the monitor_info module's view of a monitor, which the audit reads.

Private to the collection (leading underscore). Standard library only; runs on the controller.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ._kuma_login import KUMA_LOGIN_OPTIONS
from ._onboarding import DEFAULT_INTERVAL, monitor_name
from ._option import Option
from ._push_monitors import KumaObjects, bound_notifications

NOT_AUDITED = "-"
MONITOR_INFO_OPTIONS = (
    *KUMA_LOGIN_OPTIONS,
    Option(
        "names",
        "list",
        ("The monitors to read, by name. Omitted, every monitor of the Kuma user is read.",),
        elements="str",
    ),
)


def monitor_views(names: Sequence[str] | None, kuma: KumaObjects) -> list[dict[str, Any]]:
    """The monitors asked for, in that order (every monitor by Kuma's order when ``names`` is None)."""
    if names is None:
        names = list(dict.fromkeys(str(monitor.get("name")) for monitor in kuma.monitors))
    return [monitor_view(name, kuma) for name in names]


def monitor_view(name: str, kuma: KumaObjects) -> dict[str, Any]:
    """One monitor as monitor_info returns it, found by name: never its push token."""
    found = [monitor for monitor in kuma.monitors if monitor.get("name") == name]
    if not found:
        return {
            "name": name,
            "found": False,
            "count": 0,
            "id": None,
            "type": None,
            "active": None,
            "interval": None,
            "retries": None,
            "group": None,
            "notifications": None,
            "paging": None,
        }
    monitor = found[0]
    bound = bound_notifications(monitor)
    active = {int(row["id"]) for row in kuma.notifications if row.get("active") is not False}
    return {
        "name": name,
        "found": True,
        "count": len(found),
        "id": monitor.get("id"),
        "type": monitor.get("type"),
        "active": bool(monitor.get("active")),
        "interval": monitor.get("interval"),
        "retries": monitor.get("maxretries"),
        "group": kuma.group_name(monitor.get("parent")),
        "notifications": kuma.notification_names(bound),
        "paging": kuma.notification_names(notification_id for notification_id in bound if notification_id in active),
    }


def audit_targets(checks: Any, host: str, default_interval: int | None = None) -> list[dict[str, Any]]:
    """The host's present checks, each with its Kuma monitor's name: an onboarded check's (no push_url), or the
    kuma_monitor a check sets. A hand-made push URL names no monitor: ``monitor`` is None, and it is not audited."""
    if not isinstance(checks, list):
        return []
    targets = []
    for check in checks:
        if not isinstance(check, Mapping) or not check.get("name") or check.get("state", "present") != "present":
            continue
        nameable = not check.get("push_url") or check.get("kuma_monitor")
        targets.append(
            {
                "check": str(check["name"]),
                "monitor": monitor_name(host, check) if nameable else None,
                "interval": int(check.get("interval") or default_interval or DEFAULT_INTERVAL),
            }
        )
    return targets


def _problems(target: Mapping[str, Any], view: Mapping[str, Any] | None) -> list[str]:
    monitor = target["monitor"]
    if not view or not view.get("found"):
        return [f"monitor {monitor} is missing in Kuma"]
    problems = []
    if view.get("count", 1) > 1:
        problems.append(f"Kuma has {view['count']} monitors named {monitor}")
    if view.get("type") != "push":
        problems.append(f"monitor {monitor} is a {view.get('type')} monitor, not a push monitor")
    if not view.get("active"):
        problems.append(f"monitor {monitor} is paused in Kuma")
    if not view.get("paging"):
        problems.append(f"monitor {monitor} pages nobody")
    if int(view.get("interval") or 0) <= target["interval"]:
        problems.append(
            f"monitor {monitor} times out before the timer pushes"
            f" (Kuma waits {view.get('interval')} s, the timer runs every {target['interval']} s)"
        )
    return problems


def audit(targets: Sequence[Mapping[str, Any]], views: Sequence[Mapping[str, Any]] | None) -> dict[str, dict[str, Any]]:
    """Per check name: ``ok`` and ``kuma``, the table's text: whom the monitor pages, or every problem; C(-) for a
    check not audited (no monitor named, or ``views`` None: Kuma was not read)."""
    by_name = {view.get("name"): view for view in views or []}
    verdicts = {}
    for target in targets:
        if views is None or target["monitor"] is None:
            verdicts[target["check"]] = {"ok": True, "monitor": target["monitor"], "kuma": NOT_AUDITED}
            continue
        view = by_name.get(target["monitor"])
        problems = _problems(target, view)
        text = "; ".join(problems) if problems else "pages " + ", ".join((view or {}).get("paging") or [])
        verdicts[target["check"]] = {"ok": not problems, "monitor": target["monitor"], "kuma": text}
    return verdicts
