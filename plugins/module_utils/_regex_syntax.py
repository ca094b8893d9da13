# Copyright: Contributors to the watchdog.alertmanager_kuma collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The syntax of a regex matcher's value as Alertmanager (Go, RE2) reads it, checked in one pass.

Private to the collection (leading underscore). Standard library only. Nothing here matches text: a regex is
Alertmanager's to evaluate in linear time. Python's own engine would refuse valid RE2 (\\pL, \\z) and accept what
RE2 refuses (lookarounds, back-references), and matching with it can take exponential time. This refuses only what
RE2 refuses for certain; anything it is unsure of is left to Alertmanager, which answers 400 with its reason.
"""

from __future__ import annotations

import re

_REPEAT_RE = re.compile(r"\{(\d+)(,(\d*))?\}")
_GROUP_FLAGS_RE = re.compile(r"\?(?:[imsU]*(?:-[imsU]+)?[:)]|P<[A-Za-z_][A-Za-z0-9_]*>)")
# RE2's limit on a counted repetition.
MAX_REPEAT = 1000
_QUANTIFIERS = "*+?"


def regex_problem(pattern: str) -> str | None:
    """Why RE2 would refuse ``pattern``, or None. Linear in its length."""
    depth = 0
    # Whether the previous item can take a quantifier, and whether it already has one.
    repeatable = False
    repeated = False
    # Right after a quantifier, one ? makes it lazy.
    lazy_allowed = False
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char != "?":
            lazy_allowed = False
        if char == "\\":
            if index + 1 == len(pattern):
                return "trailing backslash at end of expression"
            escaped = pattern[index + 1]
            if escaped in "123456789" and not (
                escaped in "1234567" and index + 2 < len(pattern) and pattern[index + 2].isdigit()
            ):
                return f"invalid escape sequence: \\{escaped} (back-references are not supported)"
            index, repeatable, repeated = index + 2, True, False
            continue
        if char == "[":
            end = _class_end(pattern, index)
            if end is None:
                return "missing closing ]"
            index, repeatable, repeated = end + 1, True, False
            continue
        if char == "(":
            if pattern.startswith("(?", index) and not _GROUP_FLAGS_RE.match(pattern, index + 1):
                return "invalid or unsupported Perl syntax: lookarounds and this group form are not in RE2"
            depth += 1
            index, repeatable, repeated = index + (2 if pattern.startswith("?", index + 1) else 1), False, False
            continue
        if char == ")":
            if depth == 0:
                return "unexpected )"
            depth -= 1
            index, repeatable, repeated = index + 1, True, False
            continue
        if char == "|":
            index, repeatable, repeated = index + 1, False, False
            continue
        counted = _REPEAT_RE.match(pattern, index) if char == "{" else None
        if char in _QUANTIFIERS or counted:
            if char == "?" and lazy_allowed:
                # A lazy quantifier (*? +? ?? {n}?): still one repetition.
                index, lazy_allowed = index + 1, False
                continue
            if not repeatable:
                return f"missing argument to repetition operator: {char}"
            if repeated:
                return f"bad repetition operator: {pattern[index - 1]}{char}"
            if counted:
                low, high = int(counted.group(1)), counted.group(3)
                if low > MAX_REPEAT or (high and (int(high) > MAX_REPEAT or int(high) < low)):
                    return f"invalid repeat count: {counted.group(0)}"
                index = counted.end()
            else:
                index += 1
            repeated = lazy_allowed = True
            continue
        index, repeatable, repeated = index + 1, True, False
    if depth:
        return "missing closing )"
    return None


def _class_end(pattern: str, start: int) -> int | None:
    """Index of the ] closing the class opened at ``start``; a ] first in the class is a literal."""
    index = start + 1
    if pattern.startswith("^", index):
        index += 1
    if pattern.startswith("]", index):
        index += 1
    while index < len(pattern):
        if pattern[index] == "\\":
            index += 2
            continue
        if pattern.startswith("[:", index):
            named = pattern.find(":]", index + 2)
            if named != -1:
                index = named + 2
                continue
        if pattern[index] == "]":
            return index
        index += 1
    return None
