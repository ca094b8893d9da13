# Copyright: Contributors to the watchdog.alertmanager_kuma collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter onboarded_checks: a host's checks with derived push URLs and the Kuma monitors they need."""

from __future__ import annotations

from typing import Any

from ansible.errors import AnsibleFilterError
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._onboarding import onboarded_checks as _onboard
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._option import SettingsError


def onboarded_checks(
    checks: Any,
    host: str,
    kuma_url: str,
    secret: str | None = None,
    interval: int | None = None,
    notifications: list[str] | None = None,
    group: str | None = None,
) -> dict[str, Any]:
    try:
        return _onboard(checks, host, kuma_url, secret or "", interval, notifications, group)
    except SettingsError as error:
        raise AnsibleFilterError(f"onboarded_checks: heartbeat_token_{error}") from None


class FilterModule:
    def filters(self):
        return {"onboarded_checks": onboarded_checks}
