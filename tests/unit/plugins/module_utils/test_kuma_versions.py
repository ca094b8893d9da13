"""How KumaSession tells a Kuma it does not support (3.x, whose login is HTTP) from the versions it does."""

from __future__ import annotations

from typing import Any

import pytest
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._kuma_socket import (
    is_better_auth_ok,
    is_login_answer,
    unsupported_version_message,
)


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
    assert unsupported_version_message("http://127.0.0.1:3001", "3.0.0-beta.0", "it logs in over HTTP") == (
        "Uptime Kuma 3.0.0-beta.0 at http://127.0.0.1:3001 is not supported yet by this collection"
        " (it supports 1.23 and 2.x): it logs in over HTTP"
    )
    assert unsupported_version_message("http://kuma", "", "why").startswith("This Uptime Kuma at http://kuma is not")
