# Copyright: Contributors to the watchdog.alertmanager_kuma collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Names in the Kuma-side modules, read once: a name a user gives (a monitor, a group, a notification, a title),
a list of them, and the names Kuma has, shortened for a refusal.

Private to the collection (leading underscore). Standard library only.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any

from ._option import SettingsError

NAME_MAX_CHARS = 150  # the monitor.name column
NAMES_SHOWN = 10  # a refusal lists this many of the names Kuma has, then "and N more"


def read_name(value: str, where: str, max_chars: int = NAME_MAX_CHARS) -> str:
    """A name as Kuma's page shows it: one spelling per name, so "a" and "a " are not two monitors."""
    if not value.strip():
        raise SettingsError(where, "must not be empty")
    if len(value) > max_chars:
        raise SettingsError(where, f"must be at most {max_chars} characters, got {len(value)}")
    if any(unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") for char in value):
        raise SettingsError(
            where, "must not hold control or formatting characters (a newline, a tab, a right-to-left override...)"
        )
    if value != value.strip():
        raise SettingsError(where, "must not start or end with white space")
    return value


def read_names(values: list[Any] | None, where: str, max_chars: int = NAME_MAX_CHARS) -> tuple[str, ...] | None:
    """Each name of a list option (``where`` is its name), each once; None when the option is not given."""
    if values is None:
        return None
    names: list[str] = []
    for index, value in enumerate(values):
        if not isinstance(value, str):
            raise SettingsError(f"{where}[{index}]", "must be a name (a string)")
        name = read_name(value, f"{where}[{index}]", max_chars)
        if name in names:
            raise SettingsError(f"{where}[{index}]", f"{name} is listed twice (also {where}[{names.index(name)}])")
        names.append(name)
    return tuple(names)


def shortened(names: Sequence[str]) -> str:
    """The names Kuma has, for a refusal: sorted, each once, and no more than NAMES_SHOWN (Kuma may hold thousands)."""
    ordered = sorted(set(names))
    if not ordered:
        return "none"
    listed = ", ".join(ordered[:NAMES_SHOWN])
    more = len(ordered) - NAMES_SHOWN
    return f"{listed} and {more} more" if more > 0 else listed
