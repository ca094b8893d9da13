# Copyright: Contributors to the watchdog.alertmanager_kuma collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The URLs the options hold: a server's base URL, and a Kuma push URL with the token in its path.

Private to the collection (leading underscore). Standard library only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ._option import SettingsError

_PUSH_PATH_RE = re.compile(r"^(?P<prefix>.*)/api/push/(?P<token>[^/]+)/?$")


@dataclass(frozen=True)
class PushUrl:
    """A Kuma push URL: ``url`` without the query Kuma shows, the ``token`` in its path, the ``host`` logs may name."""

    # Both hold the token: kept out of repr, which tracebacks and debuggers print.
    url: str = field(repr=False)
    token: str = field(repr=False)
    host: str


def _split_http_url(option: str, url: Any) -> tuple[str, str, str]:
    """Check scheme, host and the absence of credentials; return (scheme, netloc, path)."""
    if not isinstance(url, str) or not url.strip():
        raise SettingsError(option, "is required")
    # urlsplit drops tabs and newlines without a word, and http.client refuses spaces only when sending.
    if any(char.isspace() or not char.isprintable() for char in url.strip()):
        raise SettingsError(option, "must not contain spaces or control characters")
    # http.client sends the request line as ASCII: anything else would fail every request with no clear reason.
    if not url.strip().isascii():
        raise SettingsError(option, "must be ASCII: percent-encode other characters")
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise SettingsError(option, "is not a valid URL") from None
    if parts.scheme not in ("http", "https"):
        raise SettingsError(option, f"must be an http:// or https:// URL, got scheme {parts.scheme!r}")
    if not parts.hostname:
        raise SettingsError(option, "has no host")
    if parts.username is not None or parts.password is not None:
        raise SettingsError(option, "must not embed credentials (user:password@); use the credential options")
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    netloc = host if port is None else f"{host}:{port}"
    return parts.scheme, netloc, parts.path


def parse_base_url(option: str, url: Any) -> str:
    """A server's base URL (a path prefix is kept), without query, fragment or trailing slash."""
    scheme, netloc, path = _split_http_url(option, url)
    return urlunsplit((scheme, netloc, path.rstrip("/"), "", ""))


def parse_push_url(url: Any, option: str = "push_url") -> PushUrl:
    """Accept the URL as Kuma shows it (its query string is dropped: the heartbeat sets its own)."""
    scheme, netloc, path = _split_http_url(option, url)
    found = _PUSH_PATH_RE.match(path)
    if not found:
        raise SettingsError(option, "must be a Kuma push URL ending in /api/push/<token>")
    return PushUrl(
        url=urlunsplit((scheme, netloc, path.rstrip("/"), "", "")),
        token=found.group("token"),
        host=netloc,
    )
