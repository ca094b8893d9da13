# Copyright: Contributors to the watchdog.alertmanager_kuma collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Which core files a host program needs: its module and every core module it imports, read from the code.

Private to the collection (leading underscore). Standard library only. The core archive the roles send holds what
this lists (``_core_archive``), and so does the lab's layout: one answer, derived, never hand-kept.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

CORE_DIR = Path(__file__).resolve().parent


def _imported_core_modules(module: str) -> set[str]:
    tree = ast.parse((CORE_DIR / f"{module}.py").read_text(encoding="utf-8"))
    return {
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module
    }


def core_files(programs: Iterable[str]) -> list[str]:
    """File names (``_x.py``) of the given program modules (``_program``) and all core modules they import."""
    needed: set[str] = set()
    pending = list(programs)
    while pending:
        module = pending.pop()
        if module not in needed:
            needed.add(module)
            pending.extend(_imported_core_modules(module))
    return sorted(f"{module}.py" for module in needed)
