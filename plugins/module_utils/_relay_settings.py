# Copyright: Contributors to the watchdog.alertmanager_kuma collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The relay's options, each defined once, and their parser: validated before anything listens.

Private to the collection (leading underscore). Standard library only. The relay role's argument specs and
defaults are made from RELAY_OPTIONS (scripts/generate_docs.py), and its preflight runs this parser.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ._option import Option, SettingsError, read_options
from ._transport import TlsOptions
from ._urls import PushUrl, parse_push_url

DEFAULT_ROUTE = ""
_ROUTE_NAME_RE = re.compile(r"[A-Za-z0-9_-]+")
_LISTEN_RE = re.compile(r"(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(?P<port>[0-9]{1,5})")

ROUTE_OPTIONS = (
    Option("name", "str", ("The route's name, letters, digits, C(-) and C(_).",), required=True),
    Option("push_url", "str", ("The route's Kuma push URL. A secret.",), required=True, secret=True),
)
RELAY_OPTIONS = (
    Option("listen", "str", ("host:port the relay listens on.",), default="127.0.0.1:8081"),
    Option(
        "push_url",
        "str",
        ("The Kuma push URL for C(/push). A secret. Give this or the routes.",),
        secret=True,
    ),
    Option(
        "routes",
        "list",
        ("Routes C(/push/<name>), each to its own Kuma push monitor.",),
        elements="dict",
        suboptions=ROUTE_OPTIONS,
    ),
    Option("retries", "int", ("Push retries after the first, with backoff.",), default=3, minimum=0),
    Option("timeout", "float", ("Seconds per push attempt.",), default=3, minimum=0, above=0, maximum=300),
    Option("validate_certs", "bool", ("Verify Kuma's TLS certificate.",), default=True),
    Option("ca_path", "path", ("CA bundle on the host for Kuma's certificate (empty for the system's).",)),
    Option("use_proxy", "bool", ("Use the proxies from the environment to reach Kuma.",), default=True),
    Option("auth_bearer_token", "str", ("Require this bearer token from Alertmanager. A secret.",), secret=True),
    Option("auth_username", "str", ("Require basic auth with this user from Alertmanager.",)),
    Option("auth_password", "str", ("The basic-auth password. A secret.",), secret=True),
)


@dataclass(frozen=True)
class RelaySettings:
    host: str
    port: int
    routes: Mapping[str, PushUrl]
    retries: int
    timeout: float
    bearer_token: str | None = field(repr=False)
    username: str | None
    password: str | None = field(repr=False)
    tls: TlsOptions
    use_proxy: bool

    def secrets(self) -> list[str]:
        tokens = [push_url.token for push_url in self.routes.values()]
        return [secret for secret in [*tokens, self.bearer_token, self.password] if secret]

    def needs_tls(self) -> bool:
        return any(push_url.url.startswith("https:") for push_url in self.routes.values()) or bool(self.tls.ca_path)


def _routes(push_url: Any, routes: Any, prefix: str) -> dict[str, PushUrl]:
    if bool(push_url) == bool(routes):
        raise SettingsError(
            prefix + "push_url", f"give {prefix}push_url or {prefix}routes (a list of name and push_url), one of them"
        )
    if push_url:
        return {DEFAULT_ROUTE: parse_push_url(push_url, prefix + "push_url")}
    parsed: dict[str, PushUrl] = {}
    for index, route in enumerate(routes):
        where = f"{prefix}routes[{index}]."
        if not isinstance(route, Mapping):
            raise SettingsError(where.rstrip("."), "must be a mapping of name and push_url")
        values = read_options(ROUTE_OPTIONS, route, where)
        name = values["name"]
        if not _ROUTE_NAME_RE.fullmatch(name):
            raise SettingsError(where + "name", "must be letters, digits, - and _")
        if name in parsed:
            raise SettingsError(where + "name", f"{name!r} is used more than once")
        parsed[name] = parse_push_url(values["push_url"], where + "push_url")
    return parsed


def listen_address(listen: str, option: str = "listen") -> tuple[str, int]:
    """host and port of a host:port (an IPv6 host in brackets)."""
    found = _LISTEN_RE.fullmatch(listen)
    if not found or not 0 <= int(found.group("port")) < 65536:
        raise SettingsError(option, "must be host:port, such as 127.0.0.1:8081")
    return found.group("host").strip("[]"), int(found.group("port"))


def relay_settings_from_options(options: Mapping[str, Any], prefix: str = "") -> RelaySettings:
    """Validate the relay's options (its JSON settings file, or the role's variables) before anything listens.

    ``prefix`` goes before the option's name in errors, so the role can name its variables (``relay_``).
    """
    return relay_settings_from_values(read_options(RELAY_OPTIONS, options, prefix), prefix)


def relay_settings_from_values(values: Mapping[str, Any], prefix: str = "") -> RelaySettings:
    """Settings from options already read one by one (read_options): the rules across options, URLs, routes."""
    host, port = listen_address(values["listen"], prefix + "listen")
    if bool(values["auth_username"]) != bool(values["auth_password"]):
        missing = "auth_password" if values["auth_username"] else "auth_username"
        raise SettingsError(prefix + missing, "auth_username and auth_password go together")
    if values["auth_bearer_token"] and values["auth_username"]:
        raise SettingsError(prefix + "auth_bearer_token", "use either basic auth or a bearer token, not both")
    return RelaySettings(
        host=host,
        port=port,
        routes=_routes(values["push_url"], values["routes"], prefix),
        retries=values["retries"],
        timeout=values["timeout"],
        bearer_token=values["auth_bearer_token"],
        username=values["auth_username"],
        password=values["auth_password"],
        tls=TlsOptions(validate_certs=values["validate_certs"], ca_path=values["ca_path"]),
        use_proxy=values["use_proxy"],
    )
