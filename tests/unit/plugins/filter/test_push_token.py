"""One secret gives every monitor its own push token, the same every run; a missing or short secret is refused."""

from __future__ import annotations

import re

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.watchdog.alertmanager_kuma.plugins.filter.push_token import push_token

SECRET = "fleet-secret-0123456789"


def test_the_same_name_and_secret_give_the_same_token_every_time() -> None:
    assert push_token("am1/watchdog", SECRET) == push_token("am1/watchdog", SECRET)


def test_another_secret_gives_another_token() -> None:
    assert push_token("am1/watchdog", SECRET) != push_token("am1/watchdog", SECRET + "x")


def test_ten_thousand_names_give_ten_thousand_distinct_tokens_of_32_letters_and_digits() -> None:
    tokens = {push_token(f"am{number}.example.com/watchdog", SECRET) for number in range(10_000)}
    assert len(tokens) == 10_000
    assert all(re.fullmatch(r"[A-Za-z0-9]{32}", token) for token in tokens)


@pytest.mark.parametrize(
    ("secret", "message"),
    [
        (None, "push_token: secret: is missing"),
        ("", "push_token: secret: is missing"),
        ("short-secret", "push_token: secret: must be at least 16 characters, got 12"),
        (1234567890123456789, "push_token: secret: must be a string (quote it), got a number"),
        (True, "push_token: secret: must be a string (quote it), got true or false"),
        (" " * 16, "push_token: secret: must not be blank"),
        ("\t \n" * 8, "push_token: secret: must not be blank"),
    ],
    ids=["none", "empty", "short", "a number", "a boolean", "16 spaces", "whitespace"],
)
def test_a_missing_short_blank_or_non_text_secret_is_refused_by_name_without_showing_it(
    secret: object, message: str
) -> None:
    with pytest.raises(AnsibleFilterError) as refused:
        push_token("am1/watchdog", secret)
    assert str(refused.value) == message


def test_an_empty_name_is_refused() -> None:
    with pytest.raises(AnsibleFilterError, match="push_token: name: must be a non-empty string"):
        push_token("", SECRET)


class AnsibleVaultEncryptedUnicode:
    """As ansible-core before 2.19 hands a filter an inline-vaulted variable: not a str, its text the secret."""

    def __init__(self, plaintext: str) -> None:
        self._plaintext = plaintext

    def __str__(self) -> str:
        return self._plaintext


def test_an_inline_vaulted_secret_gives_the_same_token_as_the_plain_secret() -> None:
    assert push_token("am1/watchdog", AnsibleVaultEncryptedUnicode(SECRET)) == push_token("am1/watchdog", SECRET)
