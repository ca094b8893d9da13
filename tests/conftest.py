"""Makes the checkout importable as ansible_collections.watchdog.alertmanager_kuma for every test."""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
COLLECTIONS_ROOT = REPO_ROOT / ".collections"


def _link_checkout_as_collection() -> None:
    namespace_dir = COLLECTIONS_ROOT / "ansible_collections" / "watchdog"
    namespace_dir.mkdir(parents=True, exist_ok=True)
    link = namespace_dir / "alertmanager_kuma"
    if not link.is_symlink():
        link.symlink_to(REPO_ROOT, target_is_directory=True)


_link_checkout_as_collection()
sys.path.insert(0, str(COLLECTIONS_ROOT))
os.environ["ANSIBLE_COLLECTIONS_PATH"] = str(COLLECTIONS_ROOT)
