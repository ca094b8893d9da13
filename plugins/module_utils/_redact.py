# Copyright: Contributors to the watchdog.alertmanager_kuma collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The last guard before text leaves the core: every secret replaced by a mask.

Private to the collection (leading underscore). Standard library only.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote, unquote

MASK = "********"


def redact(text: str, secrets: Iterable[str]) -> str:
    """Mask each secret, raw, URL-quoted and URL-unquoted (a token can reach a message in any of these forms)."""
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        # Longest form first: the raw secret may be part of its own quoted form.
        # surrogatepass: a lone surrogate (JSON's "\ud800") must not make the last guard raise instead of masking.
        quoted = {quote(secret, safe=safe, errors="surrogatepass") for safe in ("", "/")}
        for form in sorted({secret, *quoted, unquote(secret)}, key=len, reverse=True):
            text = text.replace(form, MASK)
    return text
