# Copyright: Contributors to the watchdog.alertmanager_kuma collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Lookup core_archive: the host programs' core as one archive file on the controller."""

from __future__ import annotations

DOCUMENTATION = r"""
name: core_archive
short_description: The host programs' core as one archive, built on the controller
version_added: 2.2.0
description:
  - Builds the zip application the roles send to a host in one transfer, from the collection's
    C(plugins/module_utils) files the heartbeat and relay programs import, and writes it into Ansible's temporary
    directory for this run. The archive is byte for byte the same for the same collection version on any
    controller.
  - On the host, C(python3 -I ARCHIVE TARGET) installs the core into TARGET. It leaves TARGET unchanged when it
    already holds the archive's files, compiled; otherwise it replaces TARGET as a unit.
  - Private to the collection's roles; no stability promise.
author:
  - Watchdog maintainers (@watchdog-alertmanager-kuma)
"""

EXAMPLES = r"""
- name: Send the core to a host in one transfer
  ansible.builtin.copy:
    src: "{{ lookup('watchdog.alertmanager_kuma.core_archive').path }}"
    dest: /usr/local/lib/alertmanager-kuma/alertmanager_kuma.zip
    mode: "0644"
"""

RETURN = r"""
_raw:
  description: The archive.
  type: list
  elements: dict
  contains:
    path:
      description: Where the archive lies on the controller for the rest of this run, named C(alertmanager_kuma.zip).
      type: str
    sha256:
      description: The archive's SHA-256 digest.
      type: str
"""

import functools
import hashlib
import os
import tempfile

from ansible import constants
from ansible.plugins.lookup import LookupBase
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._core_archive import ARCHIVE_NAME, core_archive


# A task names the archive several times (its path, its digest, the launcher's line); building it reads and parses
# every core file (about 30 ms), so each process builds it once.
@functools.lru_cache(maxsize=1)
def _built() -> tuple[bytes, str]:
    archive = core_archive()
    return archive, hashlib.sha256(archive).hexdigest()


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        archive, digest = _built()
        # A directory per digest keeps the file's own name, which the roles' copy gives the file on the host.
        directory = os.path.join(constants.DEFAULT_LOCAL_TMP, f"alertmanager_kuma-core-{digest}")
        path = os.path.join(directory, ARCHIVE_NAME)
        if not os.path.exists(path):
            os.makedirs(directory, exist_ok=True)
            # Forks write the same bytes; each renames its own whole file into place.
            handle, partial = tempfile.mkstemp(dir=directory, suffix=".partial")
            with os.fdopen(handle, "wb") as opened:
                opened.write(archive)
            os.replace(partial, path)
        return [{"path": path, "sha256": digest}]
