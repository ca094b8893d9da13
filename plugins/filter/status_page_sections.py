# Copyright: Contributors to the watchdog.alertmanager_kuma collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter status_page_sections: the hosts' sections of a fleet's status page, one per name."""

from __future__ import annotations

DOCUMENTATION = r"""
name: status_page_sections
short_description: Merge hosts' status page sections that share a name
version_added: 2.1.0
description:
  - Each host of the onboard playbook puts its monitors in a section, C({name, monitors}). This merges the sections
    of the same name, in the order their names first come, each with every monitor in the hosts' order, and leaves
    out sections with no monitor, as M(watchdog.alertmanager_kuma.status_page) takes them.
  - Used by the C(watchdog.alertmanager_kuma.onboard) playbook; private to the collection, no stability promise.
author:
  - Watchdog maintainers (@watchdog-alertmanager-kuma)
options:
  _input:
    description: One C({name, monitors}) per host.
    type: list
    elements: dict
    required: true
"""

EXAMPLES = r"""
- name: One section per inventory group
  ansible.builtin.debug:
    msg: "{{ [{'name': 'eu', 'monitors': ['am1/main']}, {'name': 'eu', 'monitors': ['am2/main']}]
             | watchdog.alertmanager_kuma.status_page_sections }}"
"""

RETURN = r"""
_value:
  description: "The merged sections, such as C([{name: eu, monitors: [am1/main, am2/main]}])."
  type: list
  elements: dict
"""

from typing import Any


def status_page_sections(entries: Any) -> list[dict[str, Any]]:
    merged: dict[str, list[str]] = {}
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict):
            continue
        monitors = merged.setdefault(str(entry.get("name")), [])
        monitors.extend(str(name) for name in entry.get("monitors") or [] if str(name) not in monitors)
    return [{"name": name, "monitors": monitors} for name, monitors in merged.items() if monitors]


class FilterModule:
    def filters(self):
        return {"status_page_sections": status_page_sections}
