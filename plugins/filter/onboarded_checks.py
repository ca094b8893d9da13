# Copyright: Contributors to the watchdog.alertmanager_kuma collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter onboarded_checks: a host's checks with derived push URLs and the Kuma monitors they need."""

from __future__ import annotations

DOCUMENTATION = r"""
name: onboarded_checks
short_description: A host's heartbeat checks with push URLs derived from one secret, and the Kuma monitors they need
version_added: 1.0.0
description:
  - For each check of C(heartbeat_timer_checks) without a C(push_url), names its Kuma push monitor
    (C(kuma_monitor), or C(<host>/<name>)), derives its token with P(watchdog.alertmanager_kuma.push_token#filter)
    and sets C(push_url) to C(<kuma_url>/api/push/<token>). Checks with a C(push_url) are left as they are.
  - The monitor's interval is twice the check's (at least 20 s, Kuma's shortest), so one late run is not a page.
  - Used by the C(watchdog.alertmanager_kuma.onboard) playbook; private to the collection, no stability promise.
author:
  - Watchdog maintainers (@watchdog-alertmanager-kuma)
options:
  _input:
    description: The host's C(heartbeat_timer_checks).
    type: list
    elements: dict
    required: true
  host:
    description: The host's C(inventory_hostname).
    type: str
    required: true
  kuma_url:
    description: Kuma's base URL, as the hosts reach it.
    type: str
    required: true
  secret:
    description: The fleet's token secret (C(heartbeat_token_secret)), at least 16 characters.
    type: str
    required: true
  interval:
    description: The host's C(heartbeat_timer_interval), for checks that give none.
    type: int
  notifications:
    description:
      - The fleet's Kuma notifications (C(heartbeat_kuma_notifications)), bound to the monitor of each check that
        names no C(kuma_notifications) of its own. Unset, M(watchdog.alertmanager_kuma.push_monitor) gives a new
        monitor Kuma's default notifications.
    type: list
    elements: str
  group:
    description: The fleet's Kuma group (C(heartbeat_kuma_group)), for the checks that name no C(kuma_group).
    type: str
"""

EXAMPLES = r"""
- name: Derive the push URLs of the host's checks
  ansible.builtin.set_fact:
    __onboard: >-
      {{ heartbeat_timer_checks | watchdog.alertmanager_kuma.onboarded_checks(inventory_hostname,
         heartbeat_kuma_url, heartbeat_token_secret) }}
  no_log: true
"""

RETURN = r"""
_value:
  description:
    - C(checks), the checks with C(push_url) set; C(monitors), one entry per onboarded check for
      M(watchdog.alertmanager_kuma.push_monitor)'s O(watchdog.alertmanager_kuma.push_monitor#module:monitors).
    - Both hold push tokens; handle them with C(no_log).
  type: dict
"""

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
