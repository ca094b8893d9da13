"""push_monitor against a Kuma (or a proxy in front of it) that trickles its answer: the task ends within its timeout
with a message naming Kuma, instead of hanging while each byte resets the HTTP library's read timeout. And against a
Kuma 3 whose sign-in is refused for its rate or for a two-factor code: the message says which, and what to do."""

from __future__ import annotations

from lab.ansible import adhoc
from tests.fault.fake_http import FakeServer, Reply, json_reply

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


def test_a_kuma_3_that_rate_limits_the_sign_in_longer_than_the_timeout_says_so_at_once(fake_kuma: FakeServer) -> None:
    # Better Auth's own answers, as a Kuma 3 run with NODE_ENV=production gives them.
    fake_kuma.reply("/api/auth/ok", json_reply({"ok": True}))
    limited = {"message": "Too many requests. Please try again later."}
    fake_kuma.reply("/api/auth/sign-in/username", json_reply(limited, status=429, headers={"X-Retry-After": "60"}))

    run = adhoc(
        {"kuma_url": fake_kuma.url, "kuma_username": "admin", "kuma_password": PASSWORD, "name": "x", "timeout": 5},
        module="watchdog.alertmanager_kuma.push_monitor",
    )

    assert run.returncode != 0
    assert run.result()["msg"] == (
        "Kuma refused the login of admin: too many sign-ins from this address (Kuma 3 limits them); try again in 60 s"
    )
    assert [request.path for request in fake_kuma.received] == ["/api/auth/ok", "/api/auth/sign-in/username"]
    assert PASSWORD not in run.output and "Traceback" not in run.output


def test_a_kuma_3_sign_in_that_asks_for_a_two_factor_code_says_what_to_do(fake_kuma: FakeServer) -> None:
    fake_kuma.reply("/api/auth/ok", json_reply({"ok": True}))
    fake_kuma.reply("/api/auth/sign-in/username", json_reply({"twoFactorRedirect": True, "twoFactorMethods": ["totp"]}))

    run = adhoc(
        {"kuma_url": fake_kuma.url, "kuma_username": "admin", "kuma_password": PASSWORD, "name": "x", "timeout": 5},
        module="watchdog.alertmanager_kuma.push_monitor",
    )

    assert run.returncode != 0
    assert run.result()["msg"] == (
        "Kuma asks admin for a two-factor code, which this collection cannot give on Kuma 3 (kuma_token is for Kuma"
        " 1.23 and 2.x): log in as a user without two-factor authentication"
    )
    assert PASSWORD not in run.output and "Traceback" not in run.output
