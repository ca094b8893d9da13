# Copyright: Contributors to the watchdog.alertmanager_kuma collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The heartbeat_timer role's checks: each one's timer fields and heartbeat options, read by the core's parser.

Private to the collection (leading underscore). Standard library only. Runs on the controller, in the role's
preflight (the collection's filter plugins), so that bad inventory is refused by name before any host is touched.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ._heartbeat_settings import HEARTBEAT_OPTIONS, settings_from_values
from ._option import Option, SettingsError, read_options

CHECKS_VARIABLE = "heartbeat_timer_checks"
FILE_OPTIONS = ("ca_path", "client_cert", "client_key")
ROLE_PREFIX = "heartbeat_timer_"
# A unit instance name: systemd allows 255 characters for the whole unit name, and a name ends up in file names.
NAME_MAX_CHARS = 64
_NAME_RE = re.compile(r"[A-Za-z0-9_-]+")

TIMER_CHECK_OPTIONS = (
    Option(
        "name",
        "str",
        (f"Unit instance name: letters, digits, C(-) and C(_), at most {NAME_MAX_CHARS} characters; unique per host.",),
        required=True,
    ),
    Option(
        "state",
        "str",
        ("V(absent) stops and removes the check.",),
        default="present",
        choices=("present", "absent"),
    ),
    Option(
        "interval",
        "int",
        ("Seconds between heartbeats; each run may take up to one second less (the unit's start timeout).",),
        default=60,
        minimum=5,
        maximum=86400,
        role_default=True,
    ),
    Option(
        "kuma_monitor",
        "str",
        (
            "The Kuma push monitor's name when the C(watchdog.alertmanager_kuma.onboard) playbook creates it"
            " (a check without O(push_url)); defaults to C(<inventory_hostname>/<name>). Not used otherwise.",
        ),
    ),
    Option(
        "kuma_notifications",
        "list",
        (
            "The Kuma notifications (names) that page for this check's monitor when the"
            " C(watchdog.alertmanager_kuma.onboard) playbook creates it; defaults to C(heartbeat_kuma_notifications)."
            " Not used otherwise.",
        ),
        elements="str",
    ),
    Option(
        "kuma_group",
        "str",
        (
            "The Kuma group the C(watchdog.alertmanager_kuma.onboard) playbook puts this check's monitor in; defaults"
            " to C(heartbeat_kuma_group). Not used otherwise.",
        ),
    ),
)
CHECK_OPTIONS = TIMER_CHECK_OPTIONS + HEARTBEAT_OPTIONS


@dataclass(frozen=True)
class TimerCheck:
    """One check as the role deploys it: ``settings`` is the program's settings file, push token included."""

    name: str
    state: str
    interval: int
    settings: dict[str, Any] = field(repr=False)
    # The files the service reads (TLS), each with the variable that names it, for the role to check on the host.
    files: tuple[tuple[str, str], ...] = ()


def _read_name(value: Any, where: str) -> str:
    if not isinstance(value, str) or not _NAME_RE.fullmatch(value):
        raise SettingsError(where, "must be letters, digits, - and _ only")
    if len(value) > NAME_MAX_CHARS:
        raise SettingsError(where, f"must be at most {NAME_MAX_CHARS} characters, got {len(value)}")
    return value


def read_check(check: Any, index: int, role_defaults: Mapping[str, Any]) -> TimerCheck:
    """One entry of heartbeat_timer_checks, with the role-wide defaults for what it leaves out."""
    prefix = f"{CHECKS_VARIABLE}[{index}]."
    if not isinstance(check, Mapping):
        raise SettingsError(f"{CHECKS_VARIABLE}[{index}]", "must be a mapping of options")
    merged = dict(check)
    for option in CHECK_OPTIONS:
        if option.role_default and merged.get(option.name) is None:
            merged[option.name] = role_defaults.get(ROLE_PREFIX + option.name)
    timer_names = {option.name for option in TIMER_CHECK_OPTIONS}
    timer = read_options(TIMER_CHECK_OPTIONS, {k: v for k, v in merged.items() if k in timer_names}, prefix)
    name = _read_name(timer["name"], prefix + "name")
    heartbeat_options = {k: v for k, v in merged.items() if k not in timer_names}
    start_timeout = timer["interval"] - 1
    if heartbeat_options.get("run_timeout") is None:
        heartbeat_options["run_timeout"] = start_timeout
    written = read_options(HEARTBEAT_OPTIONS, heartbeat_options, prefix)
    if written["run_timeout"] == 0 or written["run_timeout"] > start_timeout:
        raise SettingsError(
            prefix + "run_timeout",
            f"must be above 0 and at most {start_timeout} s, the unit's start timeout (interval less 1 s)",
        )
    settings_from_values(written, prefix)
    return TimerCheck(
        name=name,
        state=timer["state"],
        interval=timer["interval"],
        settings={key: value for key, value in written.items() if value is not None},
        files=tuple((prefix + option, written[option]) for option in FILE_OPTIONS if written[option]),
    )


def read_checks(checks: Any, role_defaults: Mapping[str, Any]) -> tuple[list[TimerCheck], list[str]]:
    """Every check read, and every refusal (one per check at most), each naming the variable."""
    if not isinstance(checks, list):
        return [], [f"{CHECKS_VARIABLE}: must be a list of checks"]
    read: list[TimerCheck] = []
    errors: list[str] = []
    seen: set[str] = set()
    for index, check in enumerate(checks):
        try:
            timer_check = read_check(check, index, role_defaults)
        except SettingsError as error:
            errors.append(str(error))
            continue
        if timer_check.name in seen:
            errors.append(
                f"{CHECKS_VARIABLE}[{index}].name: the name {timer_check.name} is used more than once;"
                " names must be unique"
            )
        seen.add(timer_check.name)
        read.append(timer_check)
    return read, errors
