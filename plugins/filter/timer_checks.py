# Copyright: Contributors to the watchdog.alertmanager_kuma collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter timer_checks: the heartbeat_timer role's checks read by the core's parser."""

from __future__ import annotations

DOCUMENTATION = r"""
name: timer_checks
short_description: Read the heartbeat_timer role's checks with the heartbeat module's own parser
version_added: 0.2.0
description:
  - Validates each entry of C(heartbeat_timer_checks), with the role-wide C(heartbeat_timer_<option>) defaults
    for what it leaves out, by the same parser the heartbeat module and the timer program use.
  - Returns every refusal, each naming the variable (C(heartbeat_timer_checks[1].push_url)), and the checks as
    the role deploys them. Runs on the controller, so bad inventory is refused before any host is touched.
  - Private to the collection's roles; no stability promise.
author:
  - Watchdog maintainers (@watchdog-alertmanager-kuma)
options:
  _input:
    description: The role's C(heartbeat_timer_checks).
    type: list
    elements: dict
    required: true
  role_vars:
    description: The role's variables by name; C(heartbeat_timer_<option>) gives a check's default for C(<option>).
    type: dict
"""

EXAMPLES = r"""
- name: Refuse bad checks by name
  ansible.builtin.assert:
    that: __read.errors == []
    fail_msg: "{{ __read.errors | join('; ') }}"
  vars:
    __read: "{{ heartbeat_timer_checks | watchdog.alertmanager_kuma.timer_checks({'heartbeat_timer_interval': 30}) }}"
"""

RETURN = r"""
_value:
  description:
    - C(errors), a list of refusals, each naming the variable.
    - C(checks), each with C(name), C(state), C(interval) and C(settings), the timer program's settings file.
      The settings hold the push URL, so write them with C(no_log).
    - C(files), the TLS files the service reads, each with the variable naming it.
  type: dict
"""

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
