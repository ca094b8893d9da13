"""Reading a family of a /metrics page in the lab, independently of the collection's own reader."""

from __future__ import annotations

import re
from collections.abc import Mapping

_LABEL = re.compile(r'([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"')


def _samples(text: str, name: str) -> list[tuple[dict[str, str], float]]:
    """(labels, value) of each sample of the family ``name``."""
    found = []
    for line in text.splitlines():
        if not line.startswith(name) or line[len(name) : len(name) + 1] not in ("{", " "):
            continue
        labels = dict(_LABEL.findall(line[: line.rindex("}")])) if line[len(name)] == "{" else {}
        found.append((labels, float(line.split()[-1])))
    return found


def metric_sum(text: str, name: str, labels: Mapping[str, str] | None = None) -> float | None:
    """The samples of ``name`` that carry ``labels`` (and any others: Alertmanager 0.26 adds ``reason``, 0.27 can
    add ``receiver_name``) added up; None when there is none."""
    wanted = (labels or {}).items()
    values = [value for found, value in _samples(text, name) if wanted <= found.items()]
    return sum(values) if values else None
