"""Hostile answers over real HTTP (issue #18): a megabyte metrics line, a 17 MB rules answer, odd shapes.

Each is a verdict Kuma hears within the run's time, naming the part that answered so.
"""

from __future__ import annotations

import signal
import time
from typing import Any

from tests.fault.fake_http import FakeServer, Reply, json_reply
from tests.fault.runs import HeartbeatRun, heartbeat
from tests.fault.serve import serve_alertmanager, serve_kuma
from tests.payloads import am_alert, am_metrics

# Before the parser was linear a megabyte line ran for hours: a few seconds is a generous guard.
GUARD_SECONDS = 5


def pushed_message(fake_kuma: FakeServer, token: str) -> tuple[str, str]:
    (push,) = fake_kuma.received_at(f"/api/push/{token}")
    return push.query["status"][0], push.query["msg"][0]


def guarded_heartbeat(*args: Any, **options: Any) -> tuple[HeartbeatRun, float]:
    """One heartbeat, failing the test if it has not ended after GUARD_SECONDS; and how long it took.

    An alarm, not a thread: a regular expression holds the interpreter's lock for as long as it runs, so a watching
    thread would not run either, while the alarm's handler is called from inside the match.
    """

    def expire(_signal: int, _frame: object) -> None:
        raise TimeoutError(f"the heartbeat still ran after {GUARD_SECONDS} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, GUARD_SECONDS)
    started = time.monotonic()
    try:
        return heartbeat(*args, **options), time.monotonic() - started
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def serve_prometheus(server: FakeServer, fake_alertmanager: FakeServer, rules: Reply | None = None) -> None:
    server.reply(
        "/api/v1/alertmanagers",
        json_reply({"data": {"activeAlertmanagers": [{"url": f"{fake_alertmanager.url}/api/v2/alerts"}]}}),
    )
    rule = {"type": "alerting", "name": "Watchdog", "health": "ok", "lastEvaluation": "2026-11-25T11:59:59Z"}
    server.reply("/api/v1/rules", rules or json_reply({"data": {"groups": [{"interval": 60, "rules": [rule]}]}}))
    server.reply("/metrics", Reply(body=b""))


def test_a_megabyte_label_line_in_alertmanagers_metrics_is_down_naming_it_within_the_run(
    fake_alertmanager: FakeServer, fake_kuma: FakeServer, token: str
) -> None:
    serve_alertmanager(fake_alertmanager, [am_alert()])
    line = b"alertmanager_notifications_total{" + b"a" * 1_000_000 + b"} 1\n"
    fake_alertmanager.reply("/metrics", Reply(body=am_metrics().encode() + line))

    run, seconds = guarded_heartbeat(fake_alertmanager.url, serve_kuma(fake_kuma, token), run_timeout=9)

    assert pushed_message(fake_kuma, token) == (
        "down",
        "Alertmanager answered /metrics oddly: a line of alertmanager_notifications_total is longer than 64 KiB",
    )
    assert seconds < GUARD_SECONDS
    assert token not in run.shown


def test_rules_of_17_mb_are_down_saying_prometheus_answered_more_than_16_mib(
    fake_alertmanager: FakeServer, elsewhere: FakeServer, fake_kuma: FakeServer, token: str
) -> None:
    serve_alertmanager(fake_alertmanager, [am_alert()])
    serve_prometheus(elsewhere, fake_alertmanager, Reply(body=b" " * (17 * 1024 * 1024)))

    run = heartbeat(fake_alertmanager.url, serve_kuma(fake_kuma, token), prometheus_url=elsewhere.url)

    assert pushed_message(fake_kuma, token) == ("down", "Prometheus answered more than 16 MiB for /api/v1/rules")
    assert run.result.as_dict()["prometheus"]["reachable"] is True


def test_prometheus_data_of_the_wrong_shape_is_down_naming_prometheus_and_alertmanager_is_still_judged(
    fake_alertmanager: FakeServer, elsewhere: FakeServer, fake_kuma: FakeServer, token: str
) -> None:
    serve_alertmanager(fake_alertmanager, [])
    serve_prometheus(elsewhere, fake_alertmanager, json_reply({"data": [1, 2]}))

    run = heartbeat(fake_alertmanager.url, serve_kuma(fake_kuma, token), prometheus_url=elsewhere.url)

    assert pushed_message(fake_kuma, token) == (
        "down",
        "Prometheus answered /api/v1/rules oddly: its data is a list, not an object"
        ' | no active alert matches alertname="Watchdog"',
    )
    assert run.result.judged
