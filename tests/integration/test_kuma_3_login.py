"""Uptime Kuma 3.0.0-beta.0 (the unreleased 3.0.X branch, built from ../shared/kuma by the lab, skipped where that or
Node 26 is absent) logs in over HTTP, not socket.io: both Kuma modules sign in there with the username and password
and send the session cookie in the socket.io handshake, say so plainly when the password is wrong, and refuse a
kuma_token (Kuma 2's login token), naming what to use instead. No password or session cookie in any output, and no
session left behind."""

from __future__ import annotations

from typing import Any

import pytest

from lab import Kuma
from lab.ansible import Run, adhoc

pytestmark = pytest.mark.lab

MODULES = ("watchdog.alertmanager_kuma.push_monitor", "watchdog.alertmanager_kuma.monitor_info")
# Better Auth's cookie name: a session cookie shown anywhere would carry it.
COOKIE_NAME = "session_token"


def _run(module: str, kuma: Kuma, *extra: str, **login: Any) -> Run:
    args: dict[str, Any] = {"kuma_url": kuma.url, **login}
    if module.endswith(".push_monitor"):
        args.update(name="kuma-3/login", notifications=[])
    return adhoc(args, *extra, module=module)


@pytest.mark.parametrize("module", MODULES, ids=lambda module: module.rsplit(".", 1)[-1])
def test_a_kuma_3_is_logged_in_with_the_username_and_password(kuma_3: Kuma, module: str) -> None:
    sessions_before = kuma_3.query("SELECT count(*) FROM better_auth_session")
    run = _run(module, kuma_3, kuma_username=kuma_3.username, kuma_password=kuma_3.password)
    assert run.returncode == 0, run.output
    # The module signs out at the end: no session is left behind for a week by each run.
    assert kuma_3.query("SELECT count(*) FROM better_auth_session") == sessions_before
    assert run.result()["failed"] is False
    if module.endswith(".push_monitor"):
        assert run.result()["monitor"]["action"] in ("create", "none")
        assert kuma_3.monitor_named("kuma-3/login") is not None
    else:
        assert isinstance(run.result()["monitors"], list)
    assert kuma_3.password not in run.output
    assert COOKIE_NAME not in run.output and "Traceback" not in run.output


@pytest.mark.parametrize("module", MODULES, ids=lambda module: module.rsplit(".", 1)[-1])
def test_a_wrong_password_on_kuma_3_says_so(kuma_3: Kuma, module: str) -> None:
    wrong = "Wrong-password-42"
    run = _run(module, kuma_3, kuma_username=kuma_3.username, kuma_password=wrong)
    assert run.returncode != 0
    assert run.result()["msg"] == f"Kuma refused the login of {kuma_3.username}: Incorrect username or password."
    assert wrong not in run.output and kuma_3.password not in run.output and "Traceback" not in run.output


@pytest.mark.parametrize("module", MODULES, ids=lambda module: module.rsplit(".", 1)[-1])
def test_a_login_token_on_kuma_3_is_refused_naming_what_to_use(kuma_3: Kuma, module: str) -> None:
    token = "eyJhbGciOiJIUzI1NiJ9.kuma-2-token.signature"
    run = _run(module, kuma_3, kuma_token=token)
    assert run.returncode != 0
    assert run.result()["msg"] == (
        f"Uptime Kuma 3 at {kuma_3.url} signs in over HTTP and takes no login token: use kuma_username and"
        " kuma_password instead of kuma_token"
    )
    assert token not in run.output and "Traceback" not in run.output
