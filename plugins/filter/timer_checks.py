# Copyright: Contributors to the watchdog.alertmanager_kuma collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter timer_checks: the heartbeat_timer role's checks read by the core's parser (see the .yml beside this)."""

from __future__ import annotations

from typing import Any

from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._timer_checks import read_checks


def timer_checks(checks: Any, role_vars: dict[str, Any] | None = None) -> dict[str, Any]:
    read, errors = read_checks(checks, role_vars or {})
    return {
        "errors": errors,
        "checks": [
            {
                "name": check.name,
                "state": check.state,
                "interval": check.interval,
                "settings": check.settings,
                "files": [{"variable": variable, "path": path} for variable, path in check.files],
            }
            for check in read
        ],
    }


class FilterModule:
    def filters(self):
        return {"timer_checks": timer_checks}
