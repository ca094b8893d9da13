"""Makes the checkout importable and usable as ansible_collections.watchdog.alertmanager_kuma."""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
COLLECTIONS_ROOT = REPO_ROOT / ".collections"


def link_as_collection(tree: Path, collections_root: Path) -> Path:
    """Link TREE (a checkout, or a worktree of another commit) at
    COLLECTIONS_ROOT/ansible_collections/watchdog/alertmanager_kuma; return COLLECTIONS_ROOT, a directory for
    ANSIBLE_COLLECTIONS_PATH."""
    namespace_dir = collections_root / "ansible_collections" / "watchdog"
    namespace_dir.mkdir(parents=True, exist_ok=True)
    link = namespace_dir / "alertmanager_kuma"
    if not link.is_symlink():
        link.symlink_to(tree, target_is_directory=True)
    return collections_root


def link_checkout_as_collection() -> Path:
    """Link the checkout at .collections/ansible_collections/watchdog/alertmanager_kuma, put .collections on
    sys.path and in ANSIBLE_COLLECTIONS_PATH (for every ansible command started from here); return it."""
    link_as_collection(REPO_ROOT, COLLECTIONS_ROOT)
    if str(COLLECTIONS_ROOT) not in sys.path:
        sys.path.insert(0, str(COLLECTIONS_ROOT))
    os.environ["ANSIBLE_COLLECTIONS_PATH"] = str(COLLECTIONS_ROOT)
    return COLLECTIONS_ROOT
