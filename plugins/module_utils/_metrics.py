# Copyright: Contributors to the watchdog.alertmanager_kuma collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The few metric families a check needs, read from Prometheus's text format without loading the rest.

Private to the collection (leading underscore). Standard library only. Pure: no I/O (the clock is passed in).
Linear in the page whatever a server writes: each pattern is tried once at a known place and never searched for,
so a hostile line cannot make a regular expression backtrack over it again and again.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping

Sample = tuple[Mapping[str, str], float]

# Alertmanager's page is about 28 KB, Prometheus's a few hundred; a line of a family read is below 200 bytes.
MAX_LINE_BYTES = 64 * 1024
# The deadline is looked at every so many lines: often enough to stop at once, rarely enough to cost nothing.
_LINES_PER_CLOCK_READ = 1024

_NAME_RE = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_BLANK_RE = re.compile(r"[ \t]*")
_LABEL_NAME_RE = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
# Where a label value's plain run ends: its closing quote, or an escape.
_QUOTE_OR_ESCAPE_RE = re.compile(r'["\\]')
_VALUE_RE = re.compile(r"[ \t]+(\S+)")
_ESCAPED = {"n": "\n"}


class MetricsProblem(ValueError):
    """The page cannot be trusted for the families asked for: the message says why and is safe to show."""


class PastDeadline(MetricsProblem):
    """Reading the page went on past its deadline."""


def _label_value(line: str, position: int) -> tuple[str, int] | None:
    """A quoted label value at ``position``, unescaped, and where it ends; None when it is not one.

    Scanned run by run rather than matched by one pattern: a value never closed would make such a pattern
    backtrack over every way of splitting it.
    """
    if not line.startswith('"', position):
        return None
    parts = []
    position += 1
    while True:
        stop = _QUOTE_OR_ESCAPE_RE.search(line, position)
        if not stop:
            return None
        end = stop.start()
        parts.append(line[position:end])
        if stop.group() == '"':
            return "".join(parts), stop.end()
        if stop.end() >= len(line):
            return None
        escaped = line[stop.end()]
        parts.append(_ESCAPED.get(escaped, escaped))
        position = stop.end() + 1


def _labels(line: str, position: int) -> tuple[dict[str, str], int] | None:
    """The labels from just after ``{`` to just after ``}``, or None for a line that does not parse."""
    labels: dict[str, str] = {}
    while True:
        position = _BLANK_RE.match(line, position).end()  # type: ignore[union-attr]  # matches the empty string
        if line.startswith("}", position):
            return labels, position + 1
        name = _LABEL_NAME_RE.match(line, position)
        if not name:
            return None
        position = _BLANK_RE.match(line, name.end()).end()  # type: ignore[union-attr]
        if not line.startswith("=", position):
            return None
        position = _BLANK_RE.match(line, position + 1).end()  # type: ignore[union-attr]
        value = _label_value(line, position)
        if value is None:
            return None
        labels[name.group()] = value[0]
        position = _BLANK_RE.match(line, value[1]).end()  # type: ignore[union-attr]
        if line.startswith(",", position):
            position += 1
        elif not line.startswith("}", position):
            return None


def _sample(line: str) -> tuple[str, dict[str, str], str] | None:
    """(name, labels, value text) of one sample line, or None for a line that does not parse."""
    name = _NAME_RE.match(line)
    if not name:
        return None
    labels: dict[str, str] = {}
    position = name.end()
    if line.startswith("{", position):
        parsed = _labels(line, position + 1)
        if parsed is None:
            return None
        labels, position = parsed
    value = _VALUE_RE.match(line, position)
    if not value:
        return None
    return name.group(), labels, value.group(1)


def read_families(
    text: bytes,
    names: Iterable[str],
    max_line_bytes: int = MAX_LINE_BYTES,
    deadline: float | None = None,
    clock: Callable[[], float] | None = None,
) -> dict[str, list[Sample]]:
    """Samples of the named families only; a line that does not parse is passed over.

    Raises MetricsProblem for a line of a named family longer than ``max_line_bytes``, a sample that is not a finite
    number (a counter of +Inf or NaN would poison every later comparison), or ``clock()`` past ``deadline``.
    """
    wanted = tuple(name.encode("ascii") for name in names)
    found: dict[str, list[Sample]] = {name.decode("ascii"): [] for name in wanted}
    for number, line in enumerate(text.splitlines()):
        if deadline is not None and clock is not None and number % _LINES_PER_CLOCK_READ == 0 and clock() > deadline:
            raise PastDeadline("reading the page went on past its deadline")
        # A cheap test first: most of a page is other families and comments.
        if not line.startswith(wanted):
            continue
        if len(line) > max_line_bytes:
            family = next(name for name in wanted if line.startswith(name)).decode("ascii")
            raise MetricsProblem(f"a line of {family} is longer than {max_line_bytes // 1024} KiB")
        sample = _sample(line.decode("utf-8", "replace"))
        if not sample or sample[0] not in found:
            continue
        family, labels, value_text = sample
        try:
            value = float(value_text)
        except ValueError:
            continue
        if not math.isfinite(value):
            raise MetricsProblem(f"{family} has a sample of {value_text[:20]}, not a finite number")
        found[family].append((labels, value))
    return found


def single(samples: list[Sample]) -> float | None:
    """The value of an unlabelled gauge, or None when it is absent."""
    return samples[0][1] if samples else None
