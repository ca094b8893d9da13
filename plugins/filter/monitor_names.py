# Copyright: Contributors to the watchdog.alertmanager_kuma collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter monitor_names: the Kuma monitors of a host's heartbeat checks, by name."""

from __future__ import annotations

DOCUMENTATION = r"""
name: monitor_names
short_description: The Kuma push monitors of a host's heartbeat checks, by name
version_added: 2.1.0
description:
  - The name of each present check's Kuma monitor in C(heartbeat_timer_checks) - an onboarded check's (without
    C(push_url), named C(HOST/CHECK)) or the C(kuma_monitor) a check sets - in the checks' order. A check with a
    hand-made C(push_url) and no C(kuma_monitor) names no monitor and is left out.
  - For M(watchdog.alertmanager_kuma.maintenance), to cover exactly the monitors of the hosts a play touches.
author:
  - Watchdog maintainers (@watchdog-alertmanager-kuma)
options:
  _input:
    description: The host's C(heartbeat_timer_checks).
    type: list
    elements: dict
    required: true
  host:
    description: The host's C(inventory_hostname), which names its onboarded monitors.
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Open a maintenance window for this host's heartbeats
  watchdog.alertmanager_kuma.maintenance:
    title: "Upgrade of {{ inventory_hostname }}"
    monitors: "{{ heartbeat_timer_checks | watchdog.alertmanager_kuma.monitor_names(inventory_hostname) }}"
    duration: 30
  delegate_to: localhost
"""

RETURN = r"""
_value:
  description: The monitor names, such as C([am1.example.com/main]).
  type: list
  elements: str
"""

from typing import Any

from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._kuma_audit import audit_targets


def monitor_names(checks: Any, host: str) -> list[str]:
    return [target["monitor"] for target in audit_targets(checks, host) if target["monitor"]]


class FilterModule:
    def filters(self):
        return {"monitor_names": monitor_names}
