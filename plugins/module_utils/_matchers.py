# Copyright: Contributors to the watchdog.alertmanager_kuma collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Alertmanager label matchers: parsing, validation, rendering, matching.

Private to the collection (leading underscore): no stability promise. Standard library only, no Ansible
import, because the same files run on hosts as the heartbeat program.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from ._regex_syntax import regex_problem

# The classic matcher grammar of Alertmanager 0.25 (pkg/labels): name, operator, optionally quoted value.
_MATCHER_RE = re.compile(r"^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$", re.DOTALL)
_OPERATORS = ("=", "!=", "=~", "!~")
_ESCAPES = {"\\": "\\", '"': '"', "n": "\n"}


class MatcherError(ValueError):
    """A matcher string that Alertmanager would not accept."""


@dataclass(frozen=True)
class Matcher:
    name: str
    operator: str
    value: str

    def render(self) -> str:
        """The canonical form, as Alertmanager prints it: name, operator, double-quoted value."""
        escaped = self.value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        return f'{self.name}{self.operator}"{escaped}"'

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether the labels satisfy an equality matcher; regex matchers are left to Alertmanager (True here)."""
        actual = labels.get(self.name, "")
        if self.operator == "=":
            return actual == self.value
        if self.operator == "!=":
            return actual != self.value
        # A regex is Alertmanager's to evaluate (RE2, linear time), which it did when it filtered the alerts.
        return True


def _unquote(raw: str) -> str:
    """Unescape as Alertmanager does: \\\\, \\" and \\n are escapes; any other backslash is a literal one."""
    quoted = raw.startswith('"')
    body = raw[1:] if quoted else raw
    chars = []
    closed = not quoted
    index = 0
    while index < len(body):
        char = body[index]
        if char == "\\" and index + 1 < len(body):
            following = body[index + 1]
            # A regex such as node\.exporter or \d+ keeps its backslash, as in Alertmanager's own parser.
            chars.append(_ESCAPES.get(following, "\\" + following))
            index += 2
            continue
        if char == '"':
            if not quoted:
                raise MatcherError("a value with a double quote must be quoted as a whole")
            if index != len(body) - 1:
                raise MatcherError("an unescaped double quote inside the quoted value")
            closed = True
        else:
            chars.append(char)
        index += 1
    if not closed:
        raise MatcherError("the quoted value is not closed")
    return "".join(chars)


def parse_matcher(text: str) -> Matcher:
    """Parse one matcher such as ``alertname="Watchdog"`` or ``severity=~"none|info"``."""
    found = _MATCHER_RE.match(text)
    if not found:
        raise MatcherError(
            "expected <label><op><value> with op one of {} and a label name of letters, digits, _ or :".format(
                ", ".join(_OPERATORS)
            )
        )
    name, operator, raw_value = found.groups()
    value = _unquote(raw_value)
    problem = regex_problem(value) if operator in ("=~", "!~") else None
    if problem:
        raise MatcherError(f"invalid regular expression: {problem}")
    return Matcher(name=name, operator=operator, value=value)


def describe(matchers: list[Matcher]) -> str:
    """How a message names the matchers: comma-separated canonical forms."""
    return ",".join(matcher.render() for matcher in matchers)
