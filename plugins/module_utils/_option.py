# Copyright: Contributors to the watchdog.alertmanager_kuma collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""How an option is defined once and read: the definition the module spec, the docs and the role specs come from.

Private to the collection (leading underscore). Standard library only: the parsers that read options run on
hosts (the timer program, the relay) and on the controller (the module, the roles' preflight filters).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# Names Ansible takes for secrets (and warns about without no_log): an option so named but not secret says so.
_LOOKS_SECRET_RE = re.compile(r"pass|pwd|token|key|secret", re.IGNORECASE)
# Two options of one settings file may not be mixed up; ansible-core's argument spec knows these types.
_TYPES = ("str", "path", "int", "float", "bool", "list", "dict")


class SettingsError(ValueError):
    """An option that cannot be used; ``option`` names it so the user knows what to fix."""

    def __init__(self, option: str, problem: str) -> None:
        super().__init__(f"{option}: {problem}")
        self.option = option
        self.problem = problem


@dataclass(frozen=True)
class Option:
    """One option: everything the module spec, the docs, the role specs and the parser need to know of it.

    ``minimum`` is inclusive, ``above`` exclusive; ``role_default`` gives the timer role a role-wide variable
    (``heartbeat_timer_<name>``) that each check falls back to.
    """

    name: str
    type: str
    description: tuple[str, ...]
    default: Any = None
    required: bool = False
    choices: tuple[str, ...] | None = None
    elements: str | None = None
    secret: bool = False
    minimum: float | None = None
    above: float | None = None
    maximum: float | None = None
    role_default: bool = False
    suboptions: tuple[Option, ...] = ()

    def __post_init__(self) -> None:
        if self.type not in _TYPES:
            raise ValueError(f"{self.name}: unknown type {self.type}")

    def argument_spec(self) -> dict[str, Any]:
        """This option as ansible-core's AnsibleModule argument_spec entry."""
        spec: dict[str, Any] = {"type": self.type}
        if self.required:
            spec["required"] = True
        if self.default is not None:
            spec["default"] = list(self.default) if isinstance(self.default, tuple) else self.default
        if self.choices:
            spec["choices"] = list(self.choices)
        if self.elements:
            spec["elements"] = self.elements
        if self.suboptions:
            spec["options"] = argument_spec(self.suboptions)
        if self.secret:
            spec["no_log"] = True
        elif _LOOKS_SECRET_RE.search(self.name):
            spec["no_log"] = False
        return spec

    def read(self, value: Any, where: str | None = None) -> Any:
        """The value checked against this definition (the default for None); ``where`` names it in errors."""
        name = where or self.name
        if value is None or (value == "" and self.type in ("str", "path")):
            if self.required:
                raise SettingsError(name, "is required")
            return list(self.default) if isinstance(self.default, tuple) else self.default
        if self.type in ("str", "path"):
            return self._read_text(name, value)
        if self.type == "bool":
            # JSON settings files are not typed by Ansible: bool("false") would be True, bool("no") too.
            if not isinstance(value, bool):
                raise SettingsError(name, f"must be true or false, got {value!r}")
            return value
        if self.type in ("int", "float"):
            return self._read_number(name, value)
        if self.type == "list":
            if not isinstance(value, (list, tuple)):
                raise SettingsError(name, "must be a list")
            return list(value)
        if not isinstance(value, Mapping):
            raise SettingsError(name, "must be a mapping")
        return value

    def _read_text(self, name: str, value: Any) -> str:
        if not isinstance(value, str):
            raise SettingsError(name, "must be a string")
        if self.choices and value not in self.choices:
            raise SettingsError(name, f"must be one of {', '.join(self.choices)}, got {value!r}")
        return value

    def _read_number(self, name: str, value: Any) -> float | int:
        if isinstance(value, bool):
            raise SettingsError(name, "must be a number")
        try:
            number = int(value) if self.type == "int" else float(value)
        except (TypeError, ValueError, OverflowError):
            raise SettingsError(name, f"must be a number, got {value!r}") from None
        # NaN compares false with everything, so it would pass every bound and disable a check in silence.
        if not math.isfinite(number):
            raise SettingsError(name, f"must be a finite number, got {value!r}")
        if self.type == "int" and isinstance(value, float) and value != number:
            raise SettingsError(name, "must be a whole number")
        if self.minimum is not None and number < self.minimum:
            raise SettingsError(name, f"must be at least {self.minimum:g}, got {value}")
        if self.above is not None and number <= self.above:
            raise SettingsError(name, f"must be greater than {self.above:g}, got {value}")
        if self.maximum is not None and number > self.maximum:
            raise SettingsError(name, f"must be at most {self.maximum:g}, got {value}")
        return number


def by_name(options: Iterable[Option]) -> dict[str, Option]:
    return {option.name: option for option in options}


def argument_spec(options: Iterable[Option]) -> dict[str, dict[str, Any]]:
    return {option.name: option.argument_spec() for option in options}


def read_options(definitions: Iterable[Option], raw: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Every defined option read from ``raw`` (unknown names refused); errors name ``prefix`` + the option."""
    table = by_name(definitions)
    unknown = sorted(set(raw) - set(table))
    if unknown:
        raise SettingsError(prefix + unknown[0], "is not a known option")
    return {name: option.read(raw.get(name), prefix + name) for name, option in table.items()}


def read_options_file(path: str) -> dict[str, Any]:
    """A program's options from its JSON settings file; errors name --settings and never quote the file."""
    try:
        with open(path, encoding="utf-8") as handle:
            options = json.load(handle)
    except OSError as error:
        raise SettingsError("--settings", f"cannot read the file: {error.strerror}") from None
    except ValueError:
        raise SettingsError("--settings", "the file is not valid JSON") from None
    if not isinstance(options, dict):
        raise SettingsError("--settings", "the file must hold a JSON object of options")
    return options
