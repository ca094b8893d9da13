"""Alertmanager's webhook as the relay reads it: bodies no parser should choke on, credentials beyond ASCII."""

from __future__ import annotations

import base64

import pytest
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._relay_settings import (
    relay_settings_from_options,
)
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._webhook import (
    BadRequest,
    authorized,
    parse_notification,
)
from ansible_collections.watchdog.alertmanager_kuma.tests.unit.plugins.module_utils.stubs import KUMA_HOST, TOKEN

PUSH_URL = f"http://{KUMA_HOST}/api/push/{TOKEN}"
NON_ASCII = "tökenÜ123"


def as_received(header: str) -> str:
    """A header as http.client hands it over: the UTF-8 bytes Alertmanager sent, decoded as latin-1."""
    return header.encode("utf-8").decode("latin-1")


@pytest.mark.parametrize("body", [b"[" * 100_000, b'{"a":' * 100_000], ids=["arrays", "objects"])
def test_json_nested_too_deeply_is_a_400_not_a_recursion_error(body: bytes) -> None:
    with pytest.raises(BadRequest) as refused:
        parse_notification(body)

    assert (refused.value.status, refused.value.reason) == (400, "the body is JSON nested too deeply")


def test_a_body_that_is_not_utf_8_is_a_400() -> None:
    with pytest.raises(BadRequest) as refused:
        parse_notification(b'{"version": "4", "receiver": "\xff"}')

    assert refused.value.status == 400


def test_a_non_ascii_bearer_token_sent_as_utf_8_authenticates() -> None:
    settings = relay_settings_from_options({"push_url": PUSH_URL, "auth_bearer_token": NON_ASCII})

    assert authorized(settings, as_received("Bearer " + NON_ASCII))
    assert not authorized(settings, as_received("Bearer tokenU123"))
    assert not authorized(settings, "Bearer " + NON_ASCII.encode("utf-8").decode("latin-1")[:-1])


def test_a_non_ascii_basic_password_sent_as_utf_8_authenticates() -> None:
    settings = relay_settings_from_options({"push_url": PUSH_URL, "auth_username": "am", "auth_password": NON_ASCII})
    sent = "Basic " + base64.b64encode(f"am:{NON_ASCII}".encode()).decode("ascii")

    assert authorized(settings, as_received(sent))
    assert not authorized(settings, "Basic " + base64.b64encode(b"am:tokenU123").decode("ascii"))


def test_a_header_beyond_latin_1_which_never_came_off_the_wire_does_not_authenticate() -> None:
    settings = relay_settings_from_options({"push_url": PUSH_URL, "auth_bearer_token": NON_ASCII})

    assert not authorized(settings, "Bearer " + NON_ASCII + "\u20ac")
