# Copyright: Contributors to the watchdog.alertmanager_kuma collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a check keeps between runs (counters, never a secret), in one JSON file written atomically, owner-only.

Private to the collection (leading underscore). Standard library only. state_path is a user's choice and may name
anything: only a file this heartbeat wrote (its marker, or the layout it had before the marker) or a new path is
read and replaced. Anything else (another file, a FIFO that would block the run, a link, a directory) is left alone.
"""

from __future__ import annotations

import json
import math
import os
import stat
import tempfile
from typing import Any

MAX_STATE_BYTES = 1024 * 1024
MARKER_KEY = "written_by"
MARKER = "watchdog.alertmanager_kuma heartbeat"
# What the heartbeat wrote before it marked its files: recognised, so an upgrade keeps its counters.
_EARLIER_KEYS = frozenset({"alertmanager_url", "checked_at", "notifications", "requests", "prometheus_errors"})
_NOT_OURS = "state_path holds a file this heartbeat did not write (remove it to start counting again); it is left alone"
_NOT_FINITE = "state_path held a count that is not a finite number; counting starts again"
_KINDS = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISLNK, "a symbolic link"),
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
)


class _NotFinite(ValueError):
    pass


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise _NotFinite(text)
    return number


def _refuse_constant(text: str) -> float:
    raise _NotFinite(text)


def _not_a_file(mode: int) -> str | None:
    if stat.S_ISREG(mode):
        return None
    kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
    return f"state_path is {kind}, not a file this heartbeat wrote; it is left alone"


def _oserror(verb: str, error: OSError) -> str:
    return f"state_path {verb}: {(error.strerror or type(error).__name__).lower()}"


def _read(path: str) -> tuple[bytes | None, str | None]:
    """The file's bytes (None when there is none), or why it is left alone. Never opens anything but a regular file,
    and opens that without blocking or following a link, so a FIFO swapped in after the look cannot block either."""
    try:
        if (refusal := _not_a_file(os.lstat(path).st_mode)) is not None:
            return None, refusal
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        return None, None
    except OSError as error:
        return None, _oserror("unreadable", error)
    with os.fdopen(descriptor, "rb") as handle:
        if (refusal := _not_a_file(os.fstat(descriptor).st_mode)) is not None:
            return None, refusal
        try:
            return handle.read(MAX_STATE_BYTES + 1), None
        except OSError as error:
            return None, _oserror("unreadable", error)


def _decode(raw: bytes) -> dict[str, Any] | None:
    """The state a file of this heartbeat holds; None for any other content."""
    try:
        state = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant, parse_float=_finite)
    except _NotFinite:
        raise
    except (ValueError, RecursionError):
        return None
    if not isinstance(state, dict) or len(raw) > MAX_STATE_BYTES:
        return None
    if state.get(MARKER_KEY) == MARKER or (state and set(state) <= _EARLIER_KEYS):
        return state
    return None


def _examine(path: str) -> tuple[dict[str, Any], str | None, bool]:
    """(the kept state, why there is none usable, whether the file may be replaced)."""
    raw, refusal = _read(path)
    if refusal is not None:
        return {}, refusal, False
    # No file, or an empty one made beforehand (to give it an owner or a mode): a new state.
    if not raw:
        return {}, None, True
    try:
        state = _decode(raw)
    except _NotFinite:
        return {}, _NOT_FINITE, True
    if state is None:
        return {}, _NOT_OURS, False
    return {key: value for key, value in state.items() if key != MARKER_KEY}, None, True


def load_state(path: str) -> tuple[dict[str, Any], str | None]:
    """The state kept by the last run, and why there is none usable (None when it was read, or never written)."""
    state, why_not, _replaceable = _examine(path)
    return state, why_not


def save_state(path: str, state: dict[str, Any]) -> str | None:
    """Write the state atomically (a temporary file renamed over the old one), mode 0600; why it failed, or None.

    Only over a file this heartbeat wrote, or none: anything else at state_path is left alone.
    """
    _kept, why_not, replaceable = _examine(path)
    if not replaceable:
        return why_not
    try:
        text = json.dumps({**state, MARKER_KEY: MARKER}, sort_keys=True, allow_nan=False)
    except ValueError:
        return "state_path not written: a count is not a finite number"
    directory = os.path.dirname(os.path.abspath(path))
    try:
        descriptor, temporary = tempfile.mkstemp(prefix=".state-", dir=directory)
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.chmod(temporary, 0o600)
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
    except OSError as error:
        return _oserror("unwritable", error)
    return None
