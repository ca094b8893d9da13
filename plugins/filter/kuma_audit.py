# Copyright: Contributors to the watchdog.alertmanager_kuma collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter kuma_audit: does each of a host's checks have a Kuma monitor that pages someone (see the .yml)."""

from __future__ import annotations

from typing import Any

from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._kuma_audit import audit, audit_targets


def kuma_audit(
    checks: Any, host: str, monitors: list[dict[str, Any]] | None = None, interval: int | None = None
) -> dict[str, Any]:
    return audit(audit_targets(checks, host, interval), monitors)


class FilterModule:
    def filters(self):
        return {"kuma_audit": kuma_audit}
