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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ._option import Option, SettingsError, read_options
from ._push_token import TOKEN_ALPHABET, TOKEN_CHARS

# Kuma's own bounds for a monitor's interval (MIN_INTERVAL_SECOND, MAX_INTERVAL_SECOND in its source).
KUMA_MIN_INTERVAL = 20
KUMA_MAX_INTERVAL = 2073600
NAME_MAX_CHARS = 150  # the monitor.name column
_TOKEN_RE = re.compile(r"[A-Za-z0-9]{16,64}")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")

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
            " C(down) as PENDING first, so the page comes one interval later: keep 0 for a dead man's switch.",
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
)
_ENTRY_FALLBACKS = {"state": "present", "interval": 60, "retries": 0}

PUSH_MONITOR_OPTIONS = (
    Option(
        "kuma_url",
        "str",
        ("Base URL of Uptime Kuma, as its web page is opened, C(http://) or C(https://).",),
        required=True,
    ),
    Option(
        "kuma_username",
        "str",
        ("The Kuma user to log in as, with O(kuma_password).",),
    ),
    Option(
        "kuma_password",
        "str",
        ("The Kuma user's password. A secret: never shown in results or messages.",),
        secret=True,
    ),
    Option(
        "kuma_token",
        "str",
        (
            "A login token Kuma gave at an earlier login (its web page keeps it in the browser's storage), instead"
            " of O(kuma_username) and O(kuma_password); the way in for a user with two-factor authentication.",
            "A secret: never shown in results or messages.",
        ),
        secret=True,
    ),
    Option(
        "validate_certs",
        "bool",
        ("Check Kuma's TLS certificate. Turn off only for a lab with a self-signed certificate.",),
        default=True,
    ),
    Option(
        "timeout",
        "float",
        ("Seconds to wait for Kuma to connect and for each answer.",),
        default=30,
        above=0,
        maximum=300,
    ),
    *(replace(option, default=_ENTRY_FALLBACKS.get(option.name)) for option in _MONITOR_OPTIONS),
    Option(
        "monitors",
        "list",
        (
            "Many monitors in one login (Kuma allows about 20 logins a minute), each with the options above;"
            " what an entry leaves out comes from the top-level option (but O(name) and O(push_token))."
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


@dataclass(frozen=True)
class Session:
    kuma_url: str
    username: str | None
    password: str | None = field(repr=False)
    token: str | None = field(repr=False)
    validate_certs: bool
    timeout: float


def _read_name(value: str, where: str) -> str:
    if not value.strip():
        raise SettingsError(where, "must not be empty")
    if len(value) > NAME_MAX_CHARS:
        raise SettingsError(where, f"must be at most {NAME_MAX_CHARS} characters, got {len(value)}")
    if _CONTROL_RE.search(value):
        raise SettingsError(where, "must not hold control characters (a newline, a tab...)")
    return value


def _read_entry(entry: Mapping[str, Any], fallback: Mapping[str, Any], prefix: str) -> WantedMonitor:
    """One monitor: what the entry leaves out comes from the top-level options."""
    merged = {option.name: fallback.get(option.name) for option in _MONITOR_OPTIONS}
    merged.update({key: value for key, value in entry.items() if value is not None})
    values = read_options(_MONITOR_OPTIONS, merged, prefix)
    token = values["push_token"]
    if token is not None and not _TOKEN_RE.fullmatch(token):
        raise SettingsError(prefix + "push_token", "must be 16 to 64 letters and digits")
    return WantedMonitor(
        name=_read_name(values["name"] or "", prefix + "name"),
        state=values["state"] or _ENTRY_FALLBACKS["state"],
        interval=values["interval"] or _ENTRY_FALLBACKS["interval"],
        retries=values["retries"] or 0,
        push_token=token,
        description=values["description"],
    )


def read_session(params: Mapping[str, Any]) -> Session:
    url = params.get("kuma_url") or ""
    if not re.fullmatch(r"https?://[^/\s?#]+(/[^\s?#]*)?", url):
        raise SettingsError("kuma_url", "must be an http:// or https:// URL without a query")
    if "@" in url.split("/")[2]:
        raise SettingsError("kuma_url", "must hold no credentials: use kuma_username and kuma_password")
    if not params.get("kuma_token") and not (params.get("kuma_username") and params.get("kuma_password")):
        raise SettingsError("kuma_password", "kuma_username and kuma_password (or kuma_token) are needed to log in")
    return Session(
        kuma_url=url.rstrip("/"),
        username=params.get("kuma_username"),
        password=params.get("kuma_password"),
        token=params.get("kuma_token"),
        validate_certs=bool(params.get("validate_certs", True)),
        timeout=float(params.get("timeout") or 30),
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


@dataclass
class Change:
    """What becomes of one asked-for monitor: ``action`` is create, update, delete or none."""

    wanted: WantedMonitor
    action: str
    existing: dict[str, Any] | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    token: str | None = field(default=None, repr=False)


def _shown(monitor: Mapping[str, Any], token_note: str) -> dict[str, Any]:
    """A monitor as --diff shows it: never its token, only whether it changes."""
    return {
        "name": monitor["name"],
        "interval": monitor["interval"],
        "retries": monitor["maxretries"],
        "description": monitor.get("description") or "",
        "push_token": token_note,
    }


def _find(existing: Sequence[Mapping[str, Any]], name: str) -> dict[str, Any] | None:
    found = [monitor for monitor in existing if monitor.get("name") == name]
    if len(found) > 1:
        ids = ", ".join(str(monitor.get("id")) for monitor in found)
        raise SettingsError(
            "name", f"Kuma has {len(found)} monitors named {name} (ids {ids}); rename or delete all but one"
        )
    if found and found[0].get("type") != "push":
        raise SettingsError("name", f"{name} is a {found[0].get('type')} monitor in Kuma, not a push monitor")
    return dict(found[0]) if found else None


def plan(wanted: Sequence[WantedMonitor], existing: Sequence[Mapping[str, Any]]) -> list[Change]:
    changes = []
    for monitor in wanted:
        current = _find(existing, monitor.name)
        if monitor.state == "absent":
            action = "delete" if current else "none"
            before = _shown(current, "(set)") if current else None
            changes.append(Change(monitor, action, current, before, None))
            continue
        desired = {
            "name": monitor.name,
            "interval": monitor.interval,
            "maxretries": monitor.retries,
            "description": monitor.description
            if monitor.description is not None
            else (current or {}).get("description"),
        }
        if current is None:
            token = monitor.push_token or random_push_token()
            after = _shown(desired, "(given)" if monitor.push_token else "(random)")
            changes.append(Change(monitor, "create", None, None, after, token))
            continue
        token_differs = monitor.push_token is not None and monitor.push_token != current.get("pushToken")
        before = _shown(current, "(another token)" if token_differs else "(kept)")
        after = _shown(desired, "(given)" if token_differs else "(kept)")
        action = "update" if before != after else "none"
        token = monitor.push_token if token_differs else current.get("pushToken")
        changes.append(Change(monitor, action, current, before, after, token))
    return changes


def push_monitor_payload(
    name: str, interval: int, retries: int, token: str, description: str, with_conditions: bool
) -> dict[str, Any]:
    """Kuma's `add` payload for a push monitor, active, with no notification bound yet."""
    monitor: dict[str, Any] = {
        "type": "push",
        "name": name,
        "description": description,
        "interval": interval,
        "retryInterval": interval,
        "resendInterval": 0,
        "maxretries": retries,
        "pushToken": token,
        "active": True,
        "accepted_statuscodes": ["200-299"],
        "notificationIDList": {},
    }
    if with_conditions:
        monitor["conditions"] = []
    return monitor


def new_monitor(change: Change, with_conditions: bool) -> dict[str, Any]:
    wanted = change.wanted
    return push_monitor_payload(
        wanted.name, wanted.interval, wanted.retries, change.token or "", wanted.description or "", with_conditions
    )


def changed_monitor(change: Change) -> dict[str, Any]:
    """The `editMonitor` payload: the monitor as Kuma sent it, with what was asked for changed."""
    monitor = dict(change.existing or {})
    wanted = change.wanted
    if monitor.get("interval") != wanted.interval:
        monitor["retryInterval"] = wanted.interval
    monitor.update(interval=wanted.interval, maxretries=wanted.retries, pushToken=change.token)
    if wanted.description is not None:
        monitor["description"] = wanted.description
    return monitor
