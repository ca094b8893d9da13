# Copyright: Contributors to the watchdog.alertmanager_kuma collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter core_files: the core files a host program needs, read from its imports (see the .yml beside this)."""

from __future__ import annotations

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
