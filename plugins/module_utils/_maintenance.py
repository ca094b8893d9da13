# Copyright: Contributors to the watchdog.alertmanager_kuma collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The maintenance module's options, defined once, its plan (which Kuma maintenance window to create, change or
delete, found by title) and the few socket.io calls that carry it out.

Private to the collection (leading underscore). Standard library only; the socket.io session is _kuma_socket.
The plan is pure: Kuma's lists and the clock come in as arguments.

Every window this module makes is a single window (Kuma's strategy ``single``) whose dates are stored in UTC
(``timezoneOption: UTC``, ``dateRange`` as ``YYYY-MM-DD HH:MM:SS``): Kuma 1.23.17, 2.0.0-dev.0 and 2.5.3 take the
same object, and treat a push to a covered monitor (or a member of a covered group) as MAINTENANCE.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any

from ._kuma_login import KUMA_LOGIN_OPTIONS
from ._kuma_names import read_name, read_names, shortened
from ._kuma_socket import KumaSession
from ._option import Option, SettingsError, read_options

MAX_DURATION_MINUTES = 525600  # a year
_KUMA_TIME = "%Y-%m-%d %H:%M:%S"  # the SQL form Kuma's own page stores

MAINTENANCE_OPTIONS = (
    *KUMA_LOGIN_OPTIONS,
    Option(
        "title",
        "str",
        ("The window's title in Kuma, which finds it: two windows of the same title in Kuma are refused.",),
        required=True,
    ),
    Option(
        "state",
        "str",
        (
            "V(present) opens the window (creates or changes it), V(absent) ends and deletes it; O(monitors),"
            " O(groups), O(duration), O(start) and O(end) are not needed then, and not read.",
        ),
        default="present",
        choices=("present", "absent"),
    ),
    Option(
        "monitors",
        "list",
        (
            "The monitors the window covers, by name as Kuma's page shows them: exactly these and the groups of"
            " O(groups) (a name Kuma does not have is refused, listing names it has).",
        ),
        elements="str",
    ),
    Option(
        "groups",
        "list",
        (
            "The Kuma group monitors the window covers, by name: Kuma treats every member of a covered group"
            " (at any depth) as under maintenance.",
        ),
        elements="str",
    ),
    Option(
        "duration",
        "int",
        (
            "Minutes the window stays open, from now: a window of the same title that is open already keeps its"
            " start and end, so a rerun changes nothing; one that ended (or is not yet open) is opened again from now.",
            "Instead of O(start) and O(end).",
        ),
        minimum=1,
        maximum=MAX_DURATION_MINUTES,
    ),
    Option(
        "start",
        "str",
        (
            "When the window opens, ISO 8601 with the timezone (V(2026-06-01T02:00:00+02:00) or"
            " V(2026-06-01T00:00:00Z)), with O(end); stored to the second.",
        ),
    ),
    Option(
        "end",
        "str",
        ("When the window closes, ISO 8601 with the timezone, after O(start).",),
    ),
    Option(
        "description",
        "str",
        ("The window's description in Kuma. Omitted, an existing window's description is kept.",),
    ),
)

_LOGIN_COUNT = len(KUMA_LOGIN_OPTIONS)
_WINDOW_OPTIONS = MAINTENANCE_OPTIONS[_LOGIN_COUNT:]


@dataclass(frozen=True)
class WantedWindow:
    """The window asked for; ``start`` and ``end`` are UTC, whole seconds, or None when ``duration`` is given."""

    title: str
    state: str
    monitors: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    duration: int | None = None
    start: datetime | None = None
    end: datetime | None = None
    description: str | None = None


def parse_time(value: str, where: str) -> datetime:
    """An ISO 8601 time that names its timezone, as UTC to the second."""
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise SettingsError(
            where, f"must be an ISO 8601 time such as 2026-06-01T02:00:00+02:00, got {value!r}"
        ) from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise SettingsError(where, f"must name its timezone (2026-06-01T02:00:00+02:00, or Z for UTC), got {value!r}")
    return parsed.astimezone(timezone.utc).replace(microsecond=0)


def _read_times(values: Mapping[str, Any]) -> tuple[int | None, datetime | None, datetime | None]:
    duration, start, end = values["duration"], values["start"], values["end"]
    if duration is not None and (start is not None or end is not None):
        raise SettingsError("duration", "give either duration (minutes from now) or start and end, not both")
    if duration is None and start is None and end is None:
        raise SettingsError("duration", "give duration (minutes from now), or start and end")
    if duration is not None:
        return duration, None, None
    if start is None or end is None:
        missing = "start" if start is None else "end"
        raise SettingsError(missing, "start and end go together: give both")
    opens, closes = parse_time(start, "start"), parse_time(end, "end")
    if closes <= opens:
        raise SettingsError("end", f"must be after start ({iso(opens)}), got {iso(closes)}")
    return None, opens, closes


def read_wanted(params: Mapping[str, Any]) -> WantedWindow:
    """The window asked for; every refusal names its option, and comes before Kuma is asked anything.

    Closing a window reads only its title: a playbook may pass the same variables to open and to close it."""
    closing = params.get("state") == "absent"
    options = [option for option in _WINDOW_OPTIONS if not closing or option.name in ("title", "state")]
    values = read_options(options, {option.name: params.get(option.name) for option in options})
    title = read_name(values["title"] or "", "title")
    if closing:
        return WantedWindow(title, "absent")
    monitors = read_names(values["monitors"], "monitors") or ()
    groups = read_names(values["groups"], "groups") or ()
    if not monitors and not groups:
        raise SettingsError("monitors", "name the monitors or groups the window covers (neither was given)")
    duration, start, end = _read_times(values)
    return WantedWindow(title, "present", monitors, groups, duration, start, end, values["description"])


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _zone(window: Mapping[str, Any]) -> tzinfo:
    """The timezone a window's naive dates are in: Kuma's resolved ``timezone``, else its current offset."""
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(str(window.get("timezone") or "UTC"))
    except (ImportError, ValueError, KeyError, OSError):
        offset = str(window.get("timezoneOffset") or "+00:00")
        sign = -1 if offset.startswith("-") else 1
        hours, _colon, minutes = offset.lstrip("+-").partition(":")
        try:
            return timezone(sign * timedelta(hours=int(hours), minutes=int(minutes or 0)))
        except ValueError:
            return timezone.utc


def kuma_time(value: Any, window: Mapping[str, Any]) -> datetime | None:
    """One end of a window's ``dateRange`` as UTC; None when Kuma holds none (or one no person could read)."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=_zone(window))
    return parsed.astimezone(timezone.utc).replace(microsecond=0)


def window_times(window: Mapping[str, Any]) -> tuple[datetime | None, datetime | None]:
    date_range = window.get("dateRange") or []
    bounds = [*list(date_range)[:2], None, None]
    return kuma_time(bounds[0], window), kuma_time(bounds[1], window)


def is_open(window: Mapping[str, Any], now: datetime) -> bool:
    """A single window that is active and whose [start, end) holds ``now``."""
    start, end = window_times(window)
    single = window.get("strategy") == "single" and bool(window.get("active"))
    return single and start is not None and end is not None and start <= now < end


def find_window(windows: Sequence[Mapping[str, Any]], title: str) -> dict[str, Any] | None:
    found = [dict(window) for window in windows if window.get("title") == title]
    if len(found) > 1:
        ids = ", ".join(str(window.get("id")) for window in found)
        raise SettingsError(
            "title",
            f"Kuma has {len(found)} maintenance windows titled {title} (ids {ids}); rename or delete all but one",
        )
    return found[0] if found else None


def _monitor_ids(monitors: Sequence[Mapping[str, Any]], names: Sequence[str], option: str) -> list[int]:
    """The ids of the monitors (``option`` "monitors") or groups ("groups") named; a name that is not one refused."""
    want_group = option == "groups"
    kind = "group" if want_group else "monitor"
    known = [str(row.get("name")) for row in monitors if (row.get("type") == "group") == want_group]
    ids: list[int] = []
    for index, name in enumerate(names):
        where = f"{option}[{index}]"
        found = [row for row in monitors if row.get("name") == name]
        if not found:
            raise SettingsError(where, f"Kuma has no {kind} named {name}; the {kind}s it has: {shortened(known)}")
        if len(found) > 1:
            listed = ", ".join(str(row.get("id")) for row in found)
            raise SettingsError(
                where, f"Kuma has {len(found)} monitors named {name} (ids {listed}); rename all but one"
            )
        if (found[0].get("type") == "group") != want_group:
            other = "monitors" if want_group else "groups"
            raise SettingsError(where, f"{name} is a {found[0].get('type')} monitor in Kuma: list it under {other}")
        ids.append(int(found[0]["id"]))
    return ids


def _names(monitors: Sequence[Mapping[str, Any]], ids: Sequence[int]) -> tuple[list[str], list[str]]:
    """The monitor names and the group names of the ids a window covers, sorted; an id Kuma does not list is #id."""
    by_id = {row.get("id"): row for row in monitors}
    plain: list[str] = []
    groups: list[str] = []
    for monitor_id in ids:
        row = by_id.get(monitor_id)
        name = str(row.get("name")) if row else f"#{monitor_id}"
        (groups if row and row.get("type") == "group" else plain).append(name)
    return sorted(plain), sorted(groups)


@dataclass(frozen=True)
class Shown:
    """A window as --diff and the results show it: times in ISO 8601 (UTC), covered monitors by name."""

    title: str
    start: datetime | None
    end: datetime | None
    monitors: list[str]
    groups: list[str]
    description: str
    strategy: str = "single"
    active: bool = True

    def diff(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "strategy": self.strategy,
            "active": self.active,
            "start": iso(self.start) or "",
            "end": iso(self.end) or "",
            "monitors": self.monitors,
            "groups": self.groups,
            "description": self.description,
        }


@dataclass(frozen=True)
class WindowChange:
    """What becomes of the window: ``action`` is create, update, delete or none.

    ``edit`` says the window itself (times, description, strategy) is sent again; ``cover`` that its monitor list is.
    """

    wanted: WantedWindow
    action: str
    existing: dict[str, Any] | None
    before: Shown | None
    after: Shown | None
    monitor_ids: tuple[int, ...] = ()
    edit: bool = False
    cover: bool = False

    @property
    def window_id(self) -> int | None:
        return None if self.existing is None else int(self.existing["id"])


def _shown_existing(window: Mapping[str, Any], covered: Sequence[int], monitors: Sequence[Mapping[str, Any]]) -> Shown:
    start, end = window_times(window)
    plain, groups = _names(monitors, covered)
    return Shown(
        title=str(window.get("title")),
        start=start,
        end=end,
        monitors=plain,
        groups=groups,
        description=str(window.get("description") or ""),
        strategy=str(window.get("strategy")),
        active=bool(window.get("active")),
    )


def _wanted_times(wanted: WantedWindow, existing: Mapping[str, Any] | None, now: datetime) -> tuple[datetime, datetime]:
    """Explicit times as given; a duration keeps an open window's times, else opens one from now."""
    if wanted.start is not None and wanted.end is not None:
        return wanted.start, wanted.end
    if existing is not None and is_open(existing, now):
        start, end = window_times(existing)
        if start is not None and end is not None:
            return start, end
    opens = now.astimezone(timezone.utc).replace(microsecond=0)
    return opens, opens + timedelta(minutes=wanted.duration or 0)


def plan(
    wanted: WantedWindow,
    monitors: Sequence[Mapping[str, Any]],
    existing: Mapping[str, Any] | None,
    covered: Sequence[int],
    now: datetime,
) -> WindowChange:
    """What to do, or a SettingsError before anything is done. ``existing`` is the window of the title (from
    ``find_window``), ``covered`` the monitor ids it covers now, ``monitors`` Kuma's monitor list."""
    found = dict(existing) if existing is not None else None
    before = _shown_existing(found, covered, monitors) if found is not None else None
    if wanted.state == "absent":
        return WindowChange(wanted, "delete" if found else "none", found, before, None)
    ids = _monitor_ids(monitors, wanted.monitors, "monitors") + _monitor_ids(monitors, wanted.groups, "groups")
    start, end = _wanted_times(wanted, found, now)
    plain, groups = _names(monitors, ids)
    description = wanted.description if wanted.description is not None else (before.description if before else "")
    after = Shown(wanted.title, start, end, plain, groups, description)
    if found is None or before is None:
        return WindowChange(wanted, "create", None, None, after, tuple(ids), edit=True, cover=True)
    edit = (before.start, before.end, before.description, before.strategy, before.active) != (
        start,
        end,
        description,
        "single",
        True,
    )
    cover = set(ids) != set(covered)
    action = "update" if edit or cover else "none"
    return WindowChange(wanted, action, found, before, after, tuple(ids), edit, cover)


def window_payload(change: WindowChange) -> dict[str, Any]:
    """The `addMaintenance`/`editMaintenance` object of a single window in UTC, the same on every supported Kuma.

    Kuma copies every field it reads from the object (a description left out is cleared), so all are sent.
    """
    after = change.after
    if after is None or after.start is None or after.end is None:
        raise ValueError("a window to save needs its start and end")
    payload: dict[str, Any] = {
        "title": after.title,
        "description": after.description,
        "strategy": "single",
        "active": True,
        "intervalDay": 1,
        "dateRange": [after.start.strftime(_KUMA_TIME), after.end.strftime(_KUMA_TIME)],
        "timezoneOption": "UTC",
        # Read only by the recurring strategies; sent as Kuma's own page sends them.
        "weekdays": [],
        "daysOfMonth": [],
        "cron": "",
        "durationMinutes": 0,
    }
    if change.window_id is not None:
        payload["id"] = change.window_id
    return payload


def covered_ids(kuma: KumaSession, window_id: int) -> list[int]:
    """The ids of the monitors (groups among them) a window covers."""
    answer = kuma.request("list the monitors of the maintenance window", "getMonitorMaintenance", window_id)
    return [int(row["id"]) for row in answer.get("monitors") or [] if isinstance(row, Mapping) and "id" in row]


def apply(kuma: KumaSession, change: WindowChange) -> int | None:
    """Carry out the change in Kuma; the window's id (None once deleted)."""
    title = change.wanted.title
    window_id = change.window_id
    if change.action == "delete" and window_id is not None:
        kuma.request(f"delete the maintenance window {title}", "deleteMaintenance", window_id)
        return None
    if change.action == "create":
        answer = kuma.request(f"create the maintenance window {title}", "addMaintenance", window_payload(change))
        window_id = int(answer["maintenanceID"])
    elif change.edit:
        kuma.request(f"change the maintenance window {title}", "editMaintenance", window_payload(change))
    if change.cover and window_id is not None:
        monitors = [{"id": monitor_id} for monitor_id in change.monitor_ids]
        kuma.request(
            f"set the monitors of the maintenance window {title}", "addMonitorMaintenance", window_id, monitors
        )
    return window_id
