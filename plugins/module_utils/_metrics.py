# Copyright: Contributors to the watchdog.alertmanager_kuma collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The few metric families a check needs, read from Prometheus's text format without loading the rest.

Private to the collection (leading underscore). Standard library only. Pure: no I/O.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping

Sample = tuple[Mapping[str, str], float]

_SAMPLE_RE = re.compile(r"(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(?P<labels>[^}]*)\})?\s+(?P<value>\S+)")
_LABEL_RE = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?')


def read_families(text: bytes, names: Iterable[str]) -> dict[str, list[Sample]]:
    """Samples of the named families only; any line that does not parse is passed over, never raised."""
    wanted = {name.encode("ascii") for name in names}
    found: dict[str, list[Sample]] = {name.decode("ascii"): [] for name in wanted}
    for line in text.splitlines():
        # A cheap test first: most of the ~28 KB of Alertmanager's metrics are other families and comments.
        if not line.startswith(tuple(wanted)):
            continue
        sample = _SAMPLE_RE.match(line.decode("utf-8", "replace"))
        if not sample or sample.group("name") not in found:
            continue
        try:
            value = float(sample.group("value"))
        except ValueError:
            continue
        if math.isnan(value):
            continue
        labels = dict(_LABEL_RE.findall(sample.group("labels") or ""))
        found[sample.group("name")].append((labels, value))
    return found


def by_label(samples: Iterable[Sample], label: str) -> dict[str, float]:
    """Each sample's value keyed by one of its labels (the last wins where a label repeats)."""
    return {labels[label]: value for labels, value in samples if label in labels}


def single(samples: list[Sample]) -> float | None:
    """The value of an unlabelled gauge, or None when it is absent."""
    return samples[0][1] if samples else None
