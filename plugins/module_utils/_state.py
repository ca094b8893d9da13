# Copyright: Contributors to the watchdog.alertmanager_kuma collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a check keeps between runs (counters, never a secret), in one JSON file written atomically, owner-only.

The file's layout is defined here only (KeptCounters): the readers of Alertmanager's and Prometheus's counters say
what they keep by filling its fields, and read the last run's from them.

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
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

MAX_STATE_BYTES = 1024 * 1024
MARKER_KEY = "written_by"
MARKER = "watchdog.alertmanager_kuma heartbeat"
Counts = Mapping[str, "tuple[float, float]"]
ByReason = Mapping[str, "Mapping[str, float]"]


@dataclass(frozen=True)
class KeptCounters:
    """The state file's layout: one field a top-level key. ``notifications`` and ``requests`` are per delivery series
    (total, failed) of the Alertmanager at ``alertmanager_url``, and ``failure_reasons`` per series the failed
    notifications by reason; ``prometheus_errors`` and ``prometheus_dropped`` are (the Alertmanager URL Prometheus
    sends to, its count). A part the last run did not keep, or kept in another shape, is None."""

    alertmanager_url: str | None = None
    checked_at: float | None = None
    notifications: Counts | None = None
    requests: Counts | None = None
    prometheus_errors: tuple[str, float] | None = None
    failure_reasons: ByReason | None = None
    prometheus_dropped: tuple[str, float] | None = None

    def document(self) -> dict[str, Any]:
        """The JSON object written: the parts kept, pairs as lists."""
        document: dict[str, Any] = {}
        for part in fields(self):
            value = getattr(self, part.name)
            if value is None:
                continue
            if part.name in ("prometheus_errors", "prometheus_dropped"):
                value = {"alertmanager": value[0], "count": value[1]}
            elif part.name == "failure_reasons":
                value = {name: dict(reasons) for name, reasons in value.items()}
            elif isinstance(value, Mapping):
                value = {name: list(pair) for name, pair in value.items()}
            document[part.name] = value
        return document


KEPT_NOTHING = KeptCounters()


def _pair(value: Any) -> tuple[float, float] | None:
    numbers = isinstance(value, list) and len(value) == 2 and all(isinstance(n, (int, float)) for n in value)
    return (float(value[0]), float(value[1])) if numbers else None


def _counts(value: Any) -> Counts | None:
    if not isinstance(value, dict):
        return None
    return {str(name): pair for name, pair in ((name, _pair(kept)) for name, kept in value.items()) if pair}


def _by_reason(value: Any) -> ByReason | None:
    if not isinstance(value, dict):
        return None
    return {
        str(name): {str(reason): float(count) for reason, count in reasons.items() if _number(count)}
        for name, reasons in value.items()
        if isinstance(reasons, dict)
    }


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _prometheus_count(value: Any) -> tuple[str, float] | None:
    if isinstance(value, dict) and _number(value.get("count")):
        return (str(value.get("alertmanager")), float(value["count"]))
    return None


def read_kept(document: Mapping[str, Any]) -> KeptCounters:
    """The parts of a kept document in the layout's shapes; a part in any other shape is None (not compared)."""
    url, checked_at = document.get("alertmanager_url"), document.get("checked_at")
    return KeptCounters(
        alertmanager_url=url if isinstance(url, str) else None,
        checked_at=float(checked_at) if isinstance(checked_at, (int, float)) else None,
        notifications=_counts(document.get("notifications")),
        requests=_counts(document.get("requests")),
        prometheus_errors=_prometheus_count(document.get("prometheus_errors")),
        failure_reasons=_by_reason(document.get("failure_reasons")),
        prometheus_dropped=_prometheus_count(document.get("prometheus_dropped")),
    )


# What the heartbeat wrote before it marked its files: recognised, so an upgrade keeps its counters.
_EARLIER_KEYS = frozenset(part.name for part in fields(KeptCounters))
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


def load_state(path: str) -> tuple[KeptCounters, str | None]:
    """The counters kept by the last run, and why there are none usable (None when read, or never written)."""
    state, why_not, _replaceable = _examine(path)
    return read_kept(state), why_not


def save_state(path: str, kept: KeptCounters) -> str | None:
    """Write the state atomically (a temporary file renamed over the old one), mode 0600; why it failed, or None.

    Only over a file this heartbeat wrote, or none: anything else at state_path is left alone.
    """
    _kept, why_not, replaceable = _examine(path)
    if not replaceable:
        return why_not
    try:
        text = json.dumps({**kept.document(), MARKER_KEY: MARKER}, sort_keys=True, allow_nan=False)
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
