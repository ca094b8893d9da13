# Copyright: Contributors to the watchdog.alertmanager_kuma collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter core_files: the core files a host program needs, read from its imports."""

from __future__ import annotations

DOCUMENTATION = r"""
name: core_files
short_description: The core files a host-side program of this collection needs
version_added: 0.2.0
description:
  - Reads the given program modules of the collection's C(plugins/module_utils) and every core module they
    import, and returns their file names. The roles install exactly these on hosts.
  - Private to the collection's roles; no stability promise.
author:
  - Watchdog maintainers (@watchdog-alertmanager-kuma)
options:
  _input:
    description: Program module names, such as C(_program) or C(_relay_program).
    type: list
    elements: str
    required: true
"""

EXAMPLES = r"""
- name: List what the heartbeat program needs
  ansible.builtin.debug:
    msg: "{{ ['_program'] | watchdog.alertmanager_kuma.core_files }}"
"""

RETURN = r"""
_value:
  description: File names such as C(_program.py), sorted.
  type: list
  elements: str
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._core_files import core_files


def _core_files(programs: list[str] | str) -> list[str]:
    names = [programs] if isinstance(programs, str) else list(programs)
    try:
        return core_files(names)
    except OSError as error:
        raise AnsibleFilterError(f"core_files: no such core module: {error.filename}") from None


class FilterModule:
    def filters(self):
        return {"core_files": _core_files}
