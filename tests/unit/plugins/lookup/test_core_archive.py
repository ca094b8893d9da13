"""The core_archive lookup leaves the archive in this run's temporary directory, as the roles' copy task reads it."""

from __future__ import annotations

import hashlib
from pathlib import Path

from ansible import constants
from ansible_collections.watchdog.alertmanager_kuma.plugins.lookup.core_archive import LookupModule
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._core_archive import core_archive


def test_the_lookup_writes_the_archive_once_and_names_it_with_its_digest() -> None:
    (first,) = LookupModule().run([])
    (second,) = LookupModule().run([])

    path = Path(first["path"])
    assert first == second
    assert (path.parent.parent, path.name) == (Path(constants.DEFAULT_LOCAL_TMP), "alertmanager_kuma.zip")
    assert path.read_bytes() == core_archive()
    assert first["sha256"] == hashlib.sha256(core_archive()).hexdigest()
    assert first["sha256"] in path.parent.name
