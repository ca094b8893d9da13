# Copyright: Contributors to the watchdog.alertmanager_kuma collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Push tokens derived from one secret: a fleet keeps one vaulted secret instead of one token per monitor.

Private to the collection (leading underscore). Standard library only. Used by the push_token filter on the
controller; Kuma accepts any token its caller chooses at creation, so the monitor and the timer agree on it.
"""

from __future__ import annotations

import hashlib
import hmac
import string

from ._option import SettingsError

TOKEN_ALPHABET = string.ascii_letters + string.digits
TOKEN_CHARS = 32  # what Kuma's own web page makes
# An HMAC key shorter than this is guessable offline from one leaked token; 16 characters of a random string
# (e.g. `openssl rand -base64 24`) are far more than enough.
SECRET_MIN_CHARS = 16


def derive_push_token(name: str, secret: object) -> str:
    """32 letters and digits from HMAC-SHA256(secret, name): the same every run, different for every name."""
    if not isinstance(name, str) or not name:
        raise SettingsError("name", "must be a non-empty string (the monitor's name)")
    if secret is None or secret == "":
        raise SettingsError("secret", "is missing")
    if not isinstance(secret, str):
        # YAML reads an unquoted secret of digits as a number: named by its kind, never by its value.
        kind = "true or false" if isinstance(secret, bool) else "a number" if isinstance(secret, (int, float)) else None
        raise SettingsError("secret", f"must be a string (quote it), got {kind or type(secret).__name__}")
    if not secret.strip():
        raise SettingsError("secret", "must not be blank")
    if len(secret) < SECRET_MIN_CHARS:
        raise SettingsError("secret", f"must be at least {SECRET_MIN_CHARS} characters, got {len(secret)}")
    number = int.from_bytes(hmac.new(secret.encode(), name.encode(), hashlib.sha256).digest(), "big")
    # 32 base-62 digits use 190 of the digest's 256 bits: the leftover keeps the digits uniform.
    digits = []
    while len(digits) < TOKEN_CHARS:
        number, digit = divmod(number, len(TOKEN_ALPHABET))
        digits.append(TOKEN_ALPHABET[digit])
    return "".join(digits)
