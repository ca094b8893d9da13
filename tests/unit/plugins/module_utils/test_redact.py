"""The last guard masks a secret however it was written into a text."""

from __future__ import annotations

from urllib.parse import quote

from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._redact import MASK, redact
from hypothesis import given
from hypothesis import strategies as st


def test_a_secret_in_a_text_is_masked() -> None:
    assert redact("GET /api/push/s3cr3tT0ken failed", ["s3cr3tT0ken"]) == f"GET /api/push/{MASK} failed"


def test_a_url_quoted_secret_is_masked_too() -> None:
    assert redact("token=p%40ss%2Fword here", ["p@ss/word"]) == f"token={MASK} here"


def test_a_percent_encoded_token_is_masked_decoded_too() -> None:
    assert redact("no monitor abc/def here", ["abc%2Fdef"]) == f"no monitor {MASK} here"


def test_a_secret_inside_its_own_quoted_form_leaves_nothing_of_it() -> None:
    assert redact("the key a%25 leaked", ["a%"]) == f"the key {MASK} leaked"


def test_every_secret_is_masked_the_longest_first() -> None:
    text = "abc and abcdef and xyz"

    assert redact(text, ["abc", "abcdef", "xyz"]) == f"{MASK} and {MASK} and {MASK}"


def test_empty_and_missing_secrets_mask_nothing() -> None:
    assert redact("nothing secret", ["", ""]) == "nothing secret"
    assert redact("nothing secret", []) == "nothing secret"


# A secret with the mask character in it could be re-formed by the mask itself; tokens are URL-safe.
@given(secret=st.text(st.characters(exclude_characters=MASK[0]), min_size=1), before=st.text(), after=st.text())
def test_any_secret_written_raw_or_quoted_is_gone_after_redaction(secret: str, before: str, after: str) -> None:
    text = before + secret + after + quote(secret, safe="", errors="surrogatepass")

    assert secret not in redact(text, [secret])


def test_a_secret_with_a_lone_surrogate_is_masked_without_an_error() -> None:
    # JSON can carry one ("\ud800"): the last guard must mask it, never raise.
    assert redact("token \ud800x here", ["\ud800x"]) == f"token {MASK} here"
