"""Waiting for a condition with a deadline: the only way the lab waits."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def poll_until(
    probe: Callable[[], T | None],
    *,
    timeout: float,
    describe_failure: Callable[[], str],
    interval: float = 0.2,
) -> T:
    """Call `probe` until it returns something other than None (or False) and return that.

    When `timeout` seconds pass first, raise AssertionError with `describe_failure()`, computed at that
    moment so it can show what was seen last.
    """
    deadline = time.monotonic() + timeout
    while True:
        outcome = probe()
        if outcome is not None and outcome is not False:
            return outcome
        if time.monotonic() >= deadline:
            raise AssertionError(f"gave up after {timeout:g} s: {describe_failure()}")
        time.sleep(interval)
