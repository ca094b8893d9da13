"""Reading /metrics: linear in the page whatever a hostile server writes, bounded in time, finite samples only."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from typing import Any

import pytest
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._alertmanager import observe
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._heartbeat import run_heartbeat
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._metrics import (
    MAX_LINE_BYTES,
    MetricsProblem,
    read_families,
)
from ansible_collections.watchdog.alertmanager_kuma.tests.payloads import am_alert, am_metrics
from ansible_collections.watchdog.alertmanager_kuma.tests.unit.plugins.module_utils.stubs import (
    StubTransport,
    alertmanager_script,
    kuma_script,
    make_settings,
    response,
)

FAMILY = "alertmanager_notifications_total"
MEGABYTE = 1024 * 1024
# Before the parser was linear a 1 MB line ran for hours (20 KB took 4.5 s): a few seconds is a generous guard.
GUARD_SECONDS = 5


def within(seconds: float, call: Callable[[], Any]) -> Any:
    """What ``call`` returns, failing the test if it takes longer than ``seconds``.

    An alarm, not a thread: a regular expression holds the interpreter's lock for as long as it runs, so a watching
    thread would not run either, while the alarm's handler is called from inside the match.
    """

    def expire(_signal: int, _frame: object) -> None:
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return call()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


HOSTILE_LINES = {
    "a label name of a megabyte": FAMILY.encode() + b"{" + b"a" * MEGABYTE + b"} 1",
    "a label value never closed": FAMILY.encode() + b'{integration="' + b"x" * MEGABYTE + b" 1",
    "a value of backslashes": FAMILY.encode() + b'{integration="' + b"\\" * MEGABYTE + b" 1",
    "a megabyte of spaces": FAMILY.encode() + b"{" + b" " * MEGABYTE + b"} 1",
    "a megabyte of labels": FAMILY.encode() + b"{" + b'a="b",' * (MEGABYTE // 6) + b"} 1",
    "equals signs": FAMILY.encode() + b"{" + b"a=" * (MEGABYTE // 2) + b"} 1",
}


@pytest.mark.parametrize("line", HOSTILE_LINES.values(), ids=HOSTILE_LINES.keys())
def test_a_megabyte_line_is_read_in_linear_time(line: bytes) -> None:
    started = time.monotonic()

    within(GUARD_SECONDS, lambda: read_families(line + b"\n", [FAMILY], max_line_bytes=2 * MEGABYTE))

    assert time.monotonic() - started < GUARD_SECONDS


@pytest.mark.parametrize("line", HOSTILE_LINES.values(), ids=HOSTILE_LINES.keys())
def test_a_line_of_a_family_read_longer_than_the_cap_is_refused_naming_the_family(line: bytes) -> None:
    with pytest.raises(MetricsProblem) as refused:
        within(GUARD_SECONDS, lambda: read_families(line + b"\n", [FAMILY]))

    assert str(refused.value) == f"a line of {FAMILY} is longer than {MAX_LINE_BYTES // 1024} KiB"


def test_a_megabyte_label_line_from_alertmanager_is_a_down_verdict_naming_its_metrics() -> None:
    script = {
        **alertmanager_script([am_alert()]),
        # A million bytes on one line: the whole page stays under the 1 MiB Alertmanager may answer.
        "/metrics": [response(body=am_metrics().encode() + FAMILY.encode() + b"{" + b"a" * 1_000_000 + b"} 1\n")],
        **kuma_script(),
    }

    result = within(GUARD_SECONDS, lambda: run_heartbeat(make_settings(), StubTransport(script), wait=lambda _s: None))

    assert (result.verdict.status, result.verdict.msg) == (
        "down",
        f"Alertmanager answered /metrics oddly: a line of {FAMILY} is longer than 64 KiB",
    )
    assert result.pushed


def test_labels_are_read_with_their_escapes_and_a_brace_inside_a_value() -> None:
    text = (
        b'alertmanager_notifications_total{ integration = "web\\"hook" , note="a}b\\\\c\\nd", } 4 1700000000\n'
        b'alertmanager_notifications_total{integration="email"}\t2\n'
    )

    samples = read_families(text, [FAMILY])[FAMILY]

    assert samples == [({"integration": 'web"hook', "note": "a}b\\c\nd"}, 4.0), ({"integration": "email"}, 2.0)]


@pytest.mark.parametrize("value", ["+Inf", "-Inf", "NaN", "inf", "nan"])
def test_a_sample_that_is_not_finite_is_refused_naming_its_family(value: str) -> None:
    text = f'{FAMILY}{{integration="webhook"}} {value}\n'.encode()

    with pytest.raises(MetricsProblem) as refused:
        read_families(text, [FAMILY])

    assert str(refused.value) == f"{FAMILY} has a sample of {value}, not a finite number"


def test_reading_stops_at_the_deadline() -> None:
    text = am_metrics().encode() * 1000
    clock = iter(range(1000)).__next__

    with pytest.raises(MetricsProblem) as refused:
        read_families(text, [FAMILY], deadline=3, clock=clock)

    assert str(refused.value) == "reading the page went on past its deadline"


def test_a_metrics_page_read_past_the_request_timeout_is_unreadable_as_timed_out() -> None:
    transport = StubTransport(alertmanager_script([am_alert()]))

    def clock() -> float:
        # A minute passes as the page arrives.
        return 60.0 if transport.to("/metrics") else 0.0

    observed = observe(make_settings(timeout=3), transport, clock=clock)

    assert observed.problem is None
    assert observed.metrics_problem == "Alertmanager metrics unreadable: timed out after 3s"
