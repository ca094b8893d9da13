"""push_monitor against a Kuma (or a proxy in front of it) that trickles its answer: the task ends within its timeout
with a message naming Kuma, instead of hanging while each byte resets the HTTP library's read timeout."""

from __future__ import annotations

from lab.ansible import adhoc
from tests.fault.fake_http import FakeServer, Reply

PASSWORD = "Trickle-pw-1234"


def test_a_kuma_that_trickles_its_handshake_fails_the_task_within_its_timeout(fake_kuma: FakeServer) -> None:
    # One byte a second of an answer that would take hours: before the fix the task ran past 200 s at timeout 30.
    fake_kuma.reply("/socket.io/", Reply(body=b"0" * 100_000, drip=1.0))

    run = adhoc(
        {"kuma_url": fake_kuma.url, "kuma_username": "admin", "kuma_password": PASSWORD, "name": "x", "timeout": 3},
        module="watchdog.alertmanager_kuma.push_monitor",
    )

    assert run.returncode != 0
    assert run.result()["msg"] == f"Kuma at {fake_kuma.url} did not complete the connection within 3 s"
    assert PASSWORD not in run.output and "Traceback" not in run.output


def test_a_password_in_a_refused_kuma_url_is_never_echoed_in_the_results() -> None:
    # The module's arguments come back in the result's invocation (shown at -vvv and in registered results).
    for module in ("watchdog.alertmanager_kuma.push_monitor", "watchdog.alertmanager_kuma.monitor_info"):
        args = {"kuma_url": f"http://ansible:{PASSWORD}@127.0.0.1:9", "kuma_username": "ansible"}
        run = adhoc(
            {**args, "kuma_password": "other-Secret-1", **({"name": "x"} if "push" in module else {})}, module=module
        )

        assert run.returncode != 0
        assert run.result()["msg"] == "kuma_url: must hold no credentials: use kuma_username and kuma_password"
        assert PASSWORD not in run.output, module
