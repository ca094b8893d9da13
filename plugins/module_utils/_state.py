# Copyright: Contributors to the watchdog.alertmanager_kuma collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a check keeps between runs (counters, never a secret), in one JSON file written atomically, owner-only.

Private to the collection (leading underscore). Standard library only.
"""

from __future__ import annotations

import json
import os
import tempfile
from typing import Any

MAX_STATE_BYTES = 1024 * 1024


def load_state(path: str) -> tuple[dict[str, Any], str | None]:
    """The state kept by the last run, and why there is none usable (None when it was read, or never written)."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_STATE_BYTES + 1)
    except FileNotFoundError:
        return {}, None
    except OSError as error:
        return {}, f"state_path unreadable: {(error.strerror or type(error).__name__).lower()}"
    try:
        state = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError):
        return {}, "state_path held no valid state; counting starts again"
    if not isinstance(state, dict) or len(raw) > MAX_STATE_BYTES:
        return {}, "state_path held no valid state; counting starts again"
    return state, None


def save_state(path: str, state: dict[str, Any]) -> str | None:
    """Write the state atomically (a temporary file renamed over the old one), mode 0600; why it failed, or None."""
    directory = os.path.dirname(os.path.abspath(path))
    try:
        descriptor, temporary = tempfile.mkstemp(prefix=".state-", dir=directory)
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                json.dump(state, handle, sort_keys=True)
            os.chmod(temporary, 0o600)
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
    except OSError as error:
        return f"state_path unwritable: {(error.strerror or type(error).__name__).lower()}"
    return None
