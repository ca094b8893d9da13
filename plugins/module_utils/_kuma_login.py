# Copyright: Contributors to the watchdog.alertmanager_kuma collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""How every Kuma-side module logs in: the login options, defined once, read into a Session, and the logged-in
socket.io session they open.

Private to the collection (leading underscore). Runs on the controller only.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from ._kuma_socket import KumaSession
from ._option import Option, SettingsError

KUMA_LOGIN_OPTIONS = (
    Option(
        "kuma_url",
        "str",
        ("Base URL of Uptime Kuma, as its web page is opened, C(http://) or C(https://).",),
        required=True,
    ),
    Option(
        "kuma_username",
        "str",
        ("The Kuma user to log in as, with O(kuma_password).",),
    ),
    Option(
        "kuma_password",
        "str",
        ("The Kuma user's password. A secret: never shown in results or messages.",),
        secret=True,
    ),
    Option(
        "kuma_token",
        "str",
        (
            "A login token Kuma gave at an earlier login (its web page keeps it in the browser's storage), instead"
            " of O(kuma_username) and O(kuma_password); the way in for a user with two-factor authentication.",
            "A secret: never shown in results or messages.",
        ),
        secret=True,
    ),
    Option(
        "validate_certs",
        "bool",
        ("Check Kuma's TLS certificate. Turn off only for a lab with a self-signed certificate.",),
        default=True,
    ),
    Option(
        "timeout",
        "float",
        (
            "Seconds Kuma may take to connect, and to give each answer, in all: a Kuma (or a proxy) that trickles"
            " its answer slower than that fails the task. A connection that breaks fails it at once.",
        ),
        default=30,
        above=0,
        maximum=300,
    ),
)
# The AnsibleModule constraints that go with the login options, for every module that takes them.
LOGIN_MUTUALLY_EXCLUSIVE = [("kuma_token", "kuma_password")]
LOGIN_REQUIRED_TOGETHER = [("kuma_username", "kuma_password")]


@dataclass(frozen=True)
class Session:
    kuma_url: str
    username: str | None
    password: str | None = field(repr=False)
    token: str | None = field(repr=False)
    validate_certs: bool
    timeout: float


def read_session(params: Mapping[str, Any]) -> Session:
    url = params.get("kuma_url") or ""
    if not re.fullmatch(r"https?://[^/\s?#]+(/[^\s?#]*)?", url):
        raise SettingsError("kuma_url", "must be an http:// or https:// URL without a query")
    if "@" in url.split("/")[2]:
        raise SettingsError("kuma_url", "must hold no credentials: use kuma_username and kuma_password")
    if not params.get("kuma_token") and not (params.get("kuma_username") and params.get("kuma_password")):
        raise SettingsError("kuma_password", "kuma_username and kuma_password (or kuma_token) are needed to log in")
    return Session(
        kuma_url=url.rstrip("/"),
        username=params.get("kuma_username"),
        password=params.get("kuma_password"),
        token=params.get("kuma_token"),
        validate_certs=bool(params.get("validate_certs", True)),
        timeout=float(params.get("timeout") or 30),
    )


def url_credentials(kuma_url: Any) -> list[str]:
    """What a refused ``user:pass@`` in kuma_url holds, for the module to mask before it echoes its arguments."""
    if not isinstance(kuma_url, str):
        return []
    authority = kuma_url.split("/")[2] if kuma_url.count("/") >= 2 else ""
    if "@" not in authority:
        return []
    userinfo = authority.rsplit("@", 1)[0]
    return [part for part in (userinfo, *userinfo.split(":", 1)[1:]) if part]


@contextmanager
def logged_in(session: Session) -> Iterator[KumaSession]:
    """`with logged_in(session) as kuma:` one connection and one login, closed at the end of the block."""
    with KumaSession(session.kuma_url, timeout=session.timeout, validate_certs=session.validate_certs) as kuma:
        if session.token:
            kuma.login_by_token(session.token)
        else:
            kuma.login(session.username or "", session.password or "")
        yield kuma
