# Copyright: Contributors to the watchdog.alertmanager_kuma collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter kuma_audit: does each of a host's checks have a Kuma monitor that pages someone."""

from __future__ import annotations

DOCUMENTATION = r"""
name: kuma_audit
short_description: Whether each heartbeat check of a host has a Kuma monitor that pages someone in time
version_added: 2.0.0
description:
  - For each present check of C(heartbeat_timer_checks) whose Kuma monitor can be named (an onboarded check, without
    C(push_url), or one that sets C(kuma_monitor)), finds the monitor in the output of
    M(watchdog.alertmanager_kuma.monitor_info) and says whether it exists, is not paused, has at least one active
    notification bound, and waits longer than the check's timer interval between pushes.
  - Used by the C(watchdog.alertmanager_kuma.check) playbook; private to the collection, no stability promise.
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
  monitors:
    description: The RV(watchdog.alertmanager_kuma.monitor_info#module:monitors) of a read of Kuma; null when Kuma
      was not read (every check is then C(-), not audited).
    type: list
    elements: dict
  interval:
    description: The host's C(heartbeat_timer_interval), for checks that give none.
    type: int
"""

EXAMPLES = r"""
- name: Audit the host's monitors
  ansible.builtin.set_fact:
    __audit: >-
      {{ heartbeat_timer_checks | watchdog.alertmanager_kuma.kuma_audit(inventory_hostname, kuma.monitors) }}
"""

RETURN = r"""
_value:
  description:
    - Per present check name, C(ok) (a boolean), C(monitor) (its name) and C(kuma), the text the check table shows
      (C(pages on-call pager), or every problem, such as C(monitor am1/main pages nobody)). A check whose monitor
      cannot be named (a hand-made C(push_url) and no C(kuma_monitor)) shows C(-) and is C(ok).
  type: dict
"""

from typing import Any

from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._kuma_audit import audit, audit_targets


def kuma_audit(
    checks: Any, host: str, monitors: list[dict[str, Any]] | None = None, interval: int | None = None
) -> dict[str, Any]:
    return audit(audit_targets(checks, host, interval), monitors)


class FilterModule:
    def filters(self):
        return {"kuma_audit": kuma_audit}
