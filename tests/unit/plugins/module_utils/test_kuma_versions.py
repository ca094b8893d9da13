"""How the Kuma client tells a Kuma 3 (whose login is HTTP) from 1.23 and 2.x, and what a refused sign-in says."""

from __future__ import annotations

import json
from typing import Any

import pytest
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._kuma_login import (
    Session,
    is_better_auth_ok,
    session_cookie,
    sign_in,
    sign_in_refusal,
    token_refusal,
)
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._kuma_socket import (
    KumaError,
    is_login_answer,
    unsupported_version_message,
)
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._transport import HttpResponse

PASSWORD = "Never-shown-pw-1"
COOKIE = "better-auth.session_token=abc.def"


@pytest.mark.parametrize(
    ("status", "body", "kuma_3"),
    [
        (200, b'{"ok":true}', True),
        (200, b'{"ok": true}\n', True),
        # 1.23 and 2.x serve their web page for any path they do not know.
        (200, b"<!DOCTYPE html>\n<title>Uptime Kuma</title>\n", False),
        (404, b'{"ok":true}', False),
        (200, b'{"ok":false}', False),
        (200, b'{"ok":true,"more":1}', False),
        (200, b"true", False),
        (200, b"\xff\xfe", False),
        (200, b"", False),
    ],
)
def test_only_better_auths_own_ok_answer_marks_a_kuma_3(status: int, body: bytes, kuma_3: bool) -> None:
    assert is_better_auth_ok(status, body) is kuma_3


def test_better_auths_rate_limit_on_its_ok_route_marks_a_kuma_3_too() -> None:
    refusal = b'{"message":"Too many requests. Please try again later."}'
    assert is_better_auth_ok(429, refusal, {"x-retry-after": "12"}) is True
    # A proxy's own 429 says nothing about the Kuma behind it.
    assert is_better_auth_ok(429, b"Too Many Requests", {}) is False


@pytest.mark.parametrize(
    ("answer", "supported"),
    [
        ({"ok": True, "token": "jwt"}, True),
        ({"ok": False, "msg": "authIncorrectCreds", "msgi18n": True}, True),
        ({"tokenRequired": True}, True),
        ({"msg": "Login is HTTP now"}, False),
        ([True], False),
        ("ok", False),
        (None, False),
    ],
)
def test_a_login_answer_of_no_supported_kumas_form_is_told_apart(answer: Any, supported: bool) -> None:
    assert is_login_answer(answer) is supported


def test_the_unsupported_message_names_the_version_and_what_is_supported() -> None:
    assert unsupported_version_message("http://127.0.0.1:3001", "4.0.0", "it logs in another way") == (
        "Uptime Kuma 4.0.0 at http://127.0.0.1:3001 is not supported yet by this collection"
        " (it supports 1.23, 2.x and 3.0): it logs in another way"
    )
    assert unsupported_version_message("http://kuma", "", "why").startswith("This Uptime Kuma at http://kuma is not")


def test_the_session_cookie_sends_back_every_cookie_the_sign_in_set_without_attributes() -> None:
    set_cookies = (
        f"{COOKIE}; Max-Age=604800; Path=/; HttpOnly; SameSite=Lax",
        "better-auth.dont_remember=; Max-Age=0; Path=/",
        "better-auth.session_data=xyz; Path=/",
    )
    assert session_cookie(set_cookies) == f"{COOKIE}; better-auth.session_data=xyz"
    assert session_cookie(()) == ""


def _answer(status: int, body: bytes = b"", **headers: str) -> HttpResponse:
    return HttpResponse(status=status, body=body, headers=headers)


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (
            _answer(401, b'{"code":"INVALID_USERNAME_OR_PASSWORD","message":"Invalid username or password"}'),
            "Kuma refused the login of admin: Incorrect username or password.",
        ),
        (
            _answer(429, b'{"message":"Too many requests. Please try again later."}', **{"x-retry-after": "42"}),
            "Kuma refused the login of admin: too many sign-ins from this address (Kuma 3 limits them); try again in"
            " 42 s",
        ),
        (
            _answer(429),
            "Kuma refused the login of admin: too many sign-ins from this address (Kuma 3 limits them); try again in"
            " a minute",
        ),
        (
            _answer(200, b'{"twoFactorRedirect":true,"twoFactorMethods":["totp"]}'),
            "Kuma asks admin for a two-factor code, which this collection cannot give on Kuma 3 (kuma_token is for"
            " Kuma 1.23 and 2.x): log in as a user without two-factor authentication",
        ),
        (_answer(200, b'{"token":"x"}'), "Kuma refused the login of admin: its answer set no session cookie"),
        (_answer(403, b'{"message":"Invalid origin"}'), "Kuma refused the login of admin: HTTP 403: Invalid origin"),
        (_answer(502, b"<html>Bad gateway</html>"), "Kuma refused the login of admin: HTTP 502"),
    ],
)
def test_a_refused_sign_in_says_why_in_a_persons_words(answer: HttpResponse, message: str) -> None:
    assert sign_in_refusal("admin", answer) == message


def test_a_login_token_on_kuma_3_is_refused_naming_what_to_use() -> None:
    assert token_refusal("http://kuma:3001") == (
        "Uptime Kuma 3 at http://kuma:3001 signs in over HTTP and takes no login token: use kuma_username and"
        " kuma_password instead of kuma_token"
    )


def test_an_answer_never_shows_the_session_cookie_in_its_repr() -> None:
    answer = HttpResponse(
        status=200,
        body=b'{"token":"abc.def"}',
        headers={"set-cookie": COOKIE},
        set_cookies=(COOKIE,),
    )
    assert "abc.def" not in repr(answer)


class SignInStub:
    """Answers each POST with the next scripted answer; records what was sent."""

    def __init__(self, *answers: HttpResponse) -> None:
        self._answers = list(answers)
        self.bodies: list[bytes] = []

    def get(self, url: str, headers: Any, timeout: float, max_bytes: int = 0) -> HttpResponse:
        raise AssertionError(f"no GET expected: {url}")

    def request(
        self, method: str, url: str, headers: Any, timeout: float, max_bytes: int = 0, body: bytes | None = None
    ) -> HttpResponse:
        assert (method, url) == ("POST", "http://kuma:3001/api/auth/sign-in/username")
        self.bodies.append(body or b"")
        return self._answers.pop(0)


SESSION = Session("http://kuma:3001", "admin", PASSWORD, None, validate_certs=True, timeout=30)
SIGNED_IN = HttpResponse(status=200, body=b'{"redirect":false}', headers={}, set_cookies=(f"{COOKIE}; Path=/",))


def test_a_sign_in_gives_the_cookie_of_its_session() -> None:
    stub = SignInStub(SIGNED_IN)
    assert sign_in(SESSION, stub, sleep=pytest.fail) == COOKIE
    assert json.loads(stub.bodies[0]) == {"username": "admin", "password": PASSWORD}


def test_a_rate_limited_sign_in_is_made_once_more_after_the_wait_kuma_names() -> None:
    waits: list[float] = []
    stub = SignInStub(_answer(429, **{"x-retry-after": "7"}), SIGNED_IN)
    assert sign_in(SESSION, stub, sleep=waits.append) == COOKIE
    assert waits == [7.0]


def test_a_rate_limit_longer_than_the_timeout_fails_at_once_saying_so() -> None:
    stub = SignInStub(_answer(429, **{"x-retry-after": "45"}))
    with pytest.raises(KumaError) as refused:
        sign_in(SESSION, stub, sleep=pytest.fail)
    assert "too many sign-ins" in str(refused.value) and "in 45 s" in str(refused.value)
    assert PASSWORD not in str(refused.value)


def test_a_wrong_password_on_kuma_3_is_refused_once_without_showing_it() -> None:
    stub = SignInStub(_answer(401, b'{"message":"Invalid username or password"}'))
    with pytest.raises(KumaError) as refused:
        sign_in(SESSION, stub, sleep=pytest.fail)
    assert str(refused.value) == "Kuma refused the login of admin: Incorrect username or password."
    assert len(stub.bodies) == 1
