# Copyright: Contributors to the watchdog.alertmanager_kuma collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The push_monitor module's options, defined once, and its plan: which Kuma push monitors to create, change
or delete so that Kuma holds what was asked, found by name.

Private to the collection (leading underscore). Standard library only; the socket.io session is _kuma_socket.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ._kuma_login import KUMA_LOGIN_OPTIONS
from ._kuma_names import read_name, read_names
from ._option import Option, SettingsError, read_options
from ._push_token import TOKEN_ALPHABET, TOKEN_CHARS

# Kuma's own bounds for a monitor's interval (MIN_INTERVAL_SECOND, MAX_INTERVAL_SECOND in its source).
KUMA_MIN_INTERVAL = 20
KUMA_MAX_INTERVAL = 2073600
_TOKEN_RE = re.compile(r"[A-Za-z0-9]{16,64}")

_MONITOR_OPTIONS = (
    Option(
        "name",
        "str",
        ("The monitor's name in Kuma, which finds it: two monitors of the same name in Kuma are refused.",),
    ),
    Option(
        "state",
        "str",
        ("V(present) creates or changes the monitor, V(absent) deletes it (and its heartbeats).",),
        choices=("present", "absent"),
    ),
    Option(
        "interval",
        "int",
        (
            "Seconds Kuma waits for a push before it marks the monitor down; longer than the heartbeat's own"
            " interval (the onboard playbook gives twice it, at least 20).",
        ),
        minimum=KUMA_MIN_INTERVAL,
        maximum=KUMA_MAX_INTERVAL,
    ),
    Option(
        "retries",
        "int",
        (
            "Kuma's retries before it marks the monitor down. With retries above 0, Kuma 2.5 stores a pushed"
            " C(down) as PENDING first, so the page comes one interval later: keep 0 for a dead man's switch."
            " Kuma 3 stores a pushed C(down) as DOWN at once; its retries still delay the DOWN of a missed push.",
        ),
        minimum=0,
        maximum=100,
    ),
    Option(
        "push_token",
        "str",
        (
            "The push token, 16 to 64 letters and digits (Kuma's page makes 32), for example from the"
            " P(watchdog.alertmanager_kuma.push_token#filter) filter.",
            "Given, it is set at creation and restored when it differs. Omitted, a new monitor gets a random"
            " one, which Ansible then masks in the returned push URL; an existing monitor keeps its own.",
        ),
        secret=True,
    ),
    Option(
        "description",
        "str",
        ("The monitor's description in Kuma. Omitted, an existing monitor's description is kept.",),
    ),
    Option(
        "notifications",
        "list",
        (
            "The Kuma notifications that page when the monitor turns down, by name as Kuma's page shows them:"
            " exactly this set is bound (a name Kuma does not have is refused, listing the names it has).",
            "Omitted, a new monitor gets Kuma's default notifications (those marked C(Default enabled)), as Kuma's"
            " web page gives them, and an existing monitor keeps its own. A monitor that would page nobody is"
            " refused, unless this is set to V([]) on purpose.",
        ),
        elements="str",
    ),
    Option(
        "group",
        "str",
        (
            "The name of the Kuma group monitor the monitor sits in, created when Kuma has none of that name; a"
            " maintenance window on the group covers all its monitors. The group itself pages nobody.",
            "Omitted, a monitor's group is left as it is.",
        ),
    ),
)
_ENTRY_FALLBACKS = {"state": "present", "interval": 60, "retries": 0}

PUSH_MONITOR_OPTIONS = (
    *KUMA_LOGIN_OPTIONS,
    *(replace(option, default=_ENTRY_FALLBACKS.get(option.name)) for option in _MONITOR_OPTIONS),
    Option(
        "monitors",
        "list",
        (
            "Many monitors in one login (Kuma 2 allows about 20 logins a minute, Kuma 3 about 10 sign-ins),"
            " each with the options above; what an entry leaves out comes from the top-level option"
            " (but O(name) and O(push_token))."
            " Instead of O(name).",
        ),
        elements="dict",
        suboptions=tuple(replace(option, required=option.name == "name") for option in _MONITOR_OPTIONS),
    ),
)


@dataclass(frozen=True)
class WantedMonitor:
    name: str
    state: str
    interval: int
    retries: int
    push_token: str | None = field(default=None, repr=False)
    description: str | None = None
    # None: not given (Kuma's defaults for a new monitor, the set it has for an existing one); () on purpose.
    notifications: tuple[str, ...] | None = None
    group: str | None = None
    # What prefixes the option names in an error: "" or "monitors[2]."
    where: str = ""


def _read_entry(entry: Mapping[str, Any], fallback: Mapping[str, Any], prefix: str) -> WantedMonitor:
    """One monitor: what the entry leaves out comes from the top-level options."""
    merged = {option.name: fallback.get(option.name) for option in _MONITOR_OPTIONS}
    merged.update({key: value for key, value in entry.items() if value is not None})
    values = read_options(_MONITOR_OPTIONS, merged, prefix)
    token = values["push_token"]
    if token is not None and not _TOKEN_RE.fullmatch(token):
        raise SettingsError(prefix + "push_token", "must be 16 to 64 letters and digits")
    group = values["group"]
    return WantedMonitor(
        name=read_name(values["name"] or "", prefix + "name"),
        state=values["state"] or _ENTRY_FALLBACKS["state"],
        interval=values["interval"] or _ENTRY_FALLBACKS["interval"],
        retries=values["retries"] or 0,
        push_token=token,
        description=values["description"],
        notifications=read_names(values["notifications"], prefix + "notifications"),
        group=None if group is None else read_name(group, prefix + "group"),
        where=prefix,
    )


def read_wanted(params: Mapping[str, Any]) -> list[WantedMonitor]:
    """The monitors asked for, from O(name) or O(monitors); errors name the option (``monitors[2].interval``)."""
    entries = params.get("monitors")
    if (entries is None) == (params.get("name") is None):
        raise SettingsError("name", "give either name or monitors (a list), not both and not neither")
    if entries is None:
        return [_read_entry({}, params, "")]
    # Each entry names its own monitor; one token for many monitors would make them one.
    fallback = {key: value for key, value in params.items() if key not in ("name", "push_token")}
    wanted: list[WantedMonitor] = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(entries):
        prefix = f"monitors[{index}]."
        if not isinstance(entry, Mapping):
            raise SettingsError(f"monitors[{index}]", "must be a mapping of options")
        monitor = _read_entry(entry, fallback, prefix)
        if monitor.name in seen:
            raise SettingsError(
                prefix + "name", f"{monitor.name} is listed twice (also monitors[{seen[monitor.name]}])"
            )
        seen[monitor.name] = index
        wanted.append(monitor)
    return wanted


def random_push_token() -> str:
    return "".join(secrets.choice(TOKEN_ALPHABET) for _position in range(TOKEN_CHARS))


def needs_conditions(kuma_version: str) -> bool:
    """Kuma 2.0.0-beta.0 and later refuse a monitor without C(conditions); older ones refuse one with it.

    The npm registry's 2.0.0-dev.0 predates the column although semver would order it after beta.
    """
    match = re.match(r"(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?", kuma_version)
    if not match:
        return False
    release = tuple(int(part) for part in match.group(1, 2, 3))
    prerelease = match.group(4) or ""
    if release != (2, 0, 0):
        return release > (2, 0, 0)
    return not prerelease.startswith("dev")


class KumaObjects:
    """What Kuma holds that a plan reads: the user's monitors (groups among them) and notifications."""

    def __init__(self, monitors: Sequence[Mapping[str, Any]], notifications: Sequence[Mapping[str, Any]]) -> None:
        self.monitors = [dict(monitor) for monitor in monitors]
        self.notifications = [dict(notification) for notification in notifications]
        self._notification_names = {int(row["id"]): str(row.get("name")) for row in self.notifications}

    def notification_names(self, ids: Iterable[int]) -> list[str]:
        """Names sorted as a person reads them; an id Kuma does not list (never seen) shows as #id."""
        return sorted(self._notification_names.get(notification_id, f"#{notification_id}") for notification_id in ids)

    def known_notification_names(self) -> list[str]:
        """Every notification name Kuma has, sorted, for a message that says what could be named."""
        return sorted({str(row.get("name")) for row in self.notifications})

    def default_notifications(self) -> tuple[int, ...]:
        return tuple(sorted(int(row["id"]) for row in self.notifications if row.get("isDefault")))

    def notification_ids(self, names: Sequence[str], where: str) -> tuple[int, ...]:
        ids: list[int] = []
        for index, name in enumerate(names):
            found = [int(row["id"]) for row in self.notifications if row.get("name") == name]
            if not found:
                known = ", ".join(self.known_notification_names()) or "none"
                raise SettingsError(
                    f"{where}[{index}]", f"Kuma has no notification named {name}; the names it has: {known}"
                )
            if len(found) > 1:
                raise SettingsError(
                    f"{where}[{index}]",
                    f"Kuma has {len(found)} notifications named {name} (ids {', '.join(map(str, found))});"
                    " rename all but one",
                )
            ids.append(found[0])
        return tuple(sorted(ids))

    def group_name(self, group_id: Any) -> str | None:
        if group_id in (None, ""):
            return None
        found = next((monitor for monitor in self.monitors if monitor.get("id") == group_id), None)
        return str(found["name"]) if found else f"#{group_id}"

    def group(self, name: str, where: str) -> dict[str, Any] | None:
        found = [monitor for monitor in self.monitors if monitor.get("name") == name]
        groups = [monitor for monitor in found if monitor.get("type") == "group"]
        if len(groups) > 1:
            ids = ", ".join(str(monitor.get("id")) for monitor in groups)
            raise SettingsError(where, f"Kuma has {len(groups)} groups named {name} (ids {ids}); rename all but one")
        if not groups and found:
            raise SettingsError(where, f"{name} is a {found[0].get('type')} monitor in Kuma, not a group")
        return groups[0] if groups else None


@dataclass
class Change:
    """What becomes of one asked-for monitor: ``action`` is create, update, delete or none.

    ``group`` is the group it is to sit in (None: left as it is); ``group_id`` its id in Kuma, None for a group
    to be created first.
    """

    wanted: WantedMonitor
    action: str
    existing: dict[str, Any] | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    token: str | None = field(default=None, repr=False)
    notification_ids: tuple[int, ...] = ()
    group: str | None = None
    group_id: int | None = None


@dataclass
class Plan:
    """The changes, in the order asked, and the groups to create before them (each once)."""

    changes: list[Change]
    new_groups: list[str]


def _shown(monitor: Mapping[str, Any], token_note: str, notifications: list[str], group: str | None) -> dict[str, Any]:
    """A monitor as --diff shows it: never its token, only whether it changes."""
    return {
        "name": monitor["name"],
        "interval": monitor["interval"],
        "retries": monitor["maxretries"],
        "description": monitor.get("description") or "",
        "notifications": notifications,
        "group": group or "",
        "push_token": token_note,
    }


def _shown_current(current: Mapping[str, Any], token_note: str, kuma: KumaObjects) -> dict[str, Any]:
    """A monitor as Kuma holds it, as --diff shows it."""
    return _shown(
        current,
        token_note,
        kuma.notification_names(bound_notifications(current)),
        kuma.group_name(current.get("parent")),
    )


def _find(existing: Sequence[Mapping[str, Any]], wanted: WantedMonitor) -> dict[str, Any] | None:
    name = wanted.name
    found = [monitor for monitor in existing if monitor.get("name") == name]
    where = wanted.where + "name"
    if len(found) > 1:
        ids = ", ".join(str(monitor.get("id")) for monitor in found)
        raise SettingsError(
            where, f"Kuma has {len(found)} monitors named {name} (ids {ids}); rename or delete all but one"
        )
    if found and found[0].get("type") != "push":
        raise SettingsError(where, f"{name} is a {found[0].get('type')} monitor in Kuma, not a push monitor")
    return dict(found[0]) if found else None


def bound_notifications(monitor: Mapping[str, Any]) -> tuple[int, ...]:
    """The notifications bound to a monitor as Kuma lists it: ``notificationIDList`` is keyed by id."""
    bound = monitor.get("notificationIDList") or {}
    return tuple(sorted(int(key) for key, on in bound.items() if on)) if isinstance(bound, Mapping) else ()


def _refuse_paging_nobody(monitor: WantedMonitor, current: Mapping[str, Any] | None, kuma: KumaObjects) -> None:
    where = monitor.where + "notifications"
    known = ", ".join(kuma.known_notification_names()) or "none yet"
    if current is None:
        problem = f"{monitor.name} would page nobody: Kuma has no default notification (marked Default enabled)"
    else:
        problem = f"{monitor.name} pages nobody: no notification is bound to it in Kuma"
    raise SettingsError(
        where,
        f"{problem}; name the notifications to bind (Kuma has: {known}), or set notifications: [] to keep a monitor"
        " that pages nobody on purpose",
    )


def _plan_present(monitor: WantedMonitor, current: dict[str, Any] | None, kuma: KumaObjects) -> Change:
    if monitor.notifications is not None:
        notification_ids = kuma.notification_ids(monitor.notifications, monitor.where + "notifications")
    elif current is None:
        notification_ids = kuma.default_notifications()
    else:
        notification_ids = bound_notifications(current)
    if not notification_ids and monitor.notifications is None:
        _refuse_paging_nobody(monitor, current, kuma)
    group_id = None
    if monitor.group is not None:
        group_id = (kuma.group(monitor.group, monitor.where + "group") or {}).get("id")
    group = monitor.group if monitor.group is not None else kuma.group_name((current or {}).get("parent"))
    desired = {
        "name": monitor.name,
        "interval": monitor.interval,
        "maxretries": monitor.retries,
        "description": monitor.description if monitor.description is not None else (current or {}).get("description"),
    }
    names = kuma.notification_names(notification_ids)
    if current is None:
        token = monitor.push_token or random_push_token()
        after = _shown(desired, "(given)" if monitor.push_token else "(random)", names, group)
        return Change(monitor, "create", None, None, after, token, notification_ids, monitor.group, group_id)
    token_differs = monitor.push_token is not None and monitor.push_token != current.get("pushToken")
    before = _shown_current(current, "(another token)" if token_differs else "(kept)", kuma)
    after = _shown(desired, "(given)" if token_differs else "(kept)", names, group)
    action = "update" if before != after else "none"
    token = monitor.push_token if token_differs else current.get("pushToken")
    return Change(monitor, action, current, before, after, token, notification_ids, monitor.group, group_id)


def plan(wanted: Sequence[WantedMonitor], kuma: KumaObjects) -> Plan:
    """Every change, or a SettingsError before any: a plan that is refused changes nothing in Kuma."""
    changes = []
    for monitor in wanted:
        current = _find(kuma.monitors, monitor)
        if monitor.state == "absent":
            action = "delete" if current else "none"
            before = _shown_current(current, "(set)", kuma) if current else None
            changes.append(Change(monitor, action, current, before, None))
            continue
        changes.append(_plan_present(monitor, current, kuma))
    new_groups = [change.group for change in changes if change.group and change.group_id is None]
    return Plan(changes, list(dict.fromkeys(new_groups)))


def _monitor_payload(monitor_type: str, name: str, interval: int, with_conditions: bool) -> dict[str, Any]:
    monitor: dict[str, Any] = {
        "type": monitor_type,
        "name": name,
        "description": "",
        "interval": interval,
        "retryInterval": interval,
        "resendInterval": 0,
        "maxretries": 0,
        "active": True,
        "accepted_statuscodes": ["200-299"],
        # Kuma reads this as an object keyed by notification id: a JSON list would bind the ids 0, 1...
        "notificationIDList": {},
    }
    if with_conditions:
        monitor["conditions"] = []
    return monitor


def push_monitor_payload(
    name: str,
    interval: int,
    retries: int,
    token: str,
    description: str,
    with_conditions: bool,
    notification_ids: Iterable[int] = (),
    parent: int | None = None,
) -> dict[str, Any]:
    """Kuma's `add` payload for an active push monitor."""
    monitor = _monitor_payload("push", name, interval, with_conditions)
    monitor.update(
        description=description,
        maxretries=retries,
        pushToken=token,
        notificationIDList={str(notification_id): True for notification_id in notification_ids},
    )
    if parent is not None:
        monitor["parent"] = parent
    return monitor


def group_payload(name: str, with_conditions: bool) -> dict[str, Any]:
    """Kuma's `add` payload for a group: its status is the worst of its members'; it pages nobody itself."""
    return _monitor_payload("group", name, 60, with_conditions)


def new_monitor(change: Change, with_conditions: bool, parent: int | None = None) -> dict[str, Any]:
    wanted = change.wanted
    return push_monitor_payload(
        wanted.name,
        wanted.interval,
        wanted.retries,
        change.token or "",
        wanted.description or "",
        with_conditions,
        change.notification_ids,
        parent,
    )


def changed_monitor(change: Change, parent: int | None = None) -> dict[str, Any]:
    """The `editMonitor` payload: the monitor as Kuma sent it, with what was asked for changed.

    ``parent`` is the id of the group asked for (None: the monitor's group is kept).
    """
    monitor = dict(change.existing or {})
    wanted = change.wanted
    if monitor.get("interval") != wanted.interval:
        monitor["retryInterval"] = wanted.interval
    monitor.update(
        interval=wanted.interval,
        maxretries=wanted.retries,
        pushToken=change.token,
        notificationIDList={str(notification_id): True for notification_id in change.notification_ids},
    )
    if wanted.description is not None:
        monitor["description"] = wanted.description
    if parent is not None:
        monitor["parent"] = parent
    return monitor
