# Copyright: Contributors to the watchdog.alertmanager_kuma collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Times as Alertmanager and Prometheus write them (RFC 3339 from Go: nanoseconds, Z or an offset).

Private to the collection (leading underscore). Standard library only. The base layer, beside _text.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

_TIMESTAMP_RE = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$")


def parse_timestamp(text: Any) -> datetime | None:
    """RFC 3339 as Go writes it (nanoseconds, Z); None for anything else."""
    found = _TIMESTAMP_RE.match(text) if isinstance(text, str) else None
    if not found:
        return None
    whole, fraction, zone = found.groups()
    micro = (fraction or "0")[:6].ljust(6, "0")
    zone = "+00:00" if zone == "Z" else zone
    try:
        return datetime.fromisoformat(f"{whole}.{micro}{zone}")
    except ValueError:
        # Well formed but impossible (month 13, hour 25): no time at all, which the verdict treats as unknown.
        return None
