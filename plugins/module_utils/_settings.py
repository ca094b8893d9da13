# Copyright: Contributors to the watchdog.alertmanager_kuma collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Heartbeat settings: every option validated up front, before anything is sent.

Private to the collection (leading underscore). Standard library only.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ._matchers import Matcher, MatcherError, parse_matcher

DEFAULT_MATCHERS = ('alertname="Watchdog"',)
ON_FAILURE_CHOICES = ("down", "skip")
_PUSH_PATH_RE = re.compile(r"^(?P<prefix>.*)/api/push/(?P<token>[^/]+)/?$")


class SettingsError(ValueError):
    """An option that cannot be used; ``option`` names it so the user knows what to fix."""

    def __init__(self, option: str, problem: str) -> None:
        super().__init__(f"{option}: {problem}")
        self.option = option
        self.problem = problem


@dataclass(frozen=True)
class PushTarget:
    """A Kuma push monitor: the endpoint without its query, the token, and the host that logs may name."""

    # Both hold the token: kept out of repr, which tracebacks and debuggers print.
    endpoint: str = field(repr=False)
    token: str = field(repr=False)
    host: str


@dataclass(frozen=True)
class TlsOptions:
    validate_certs: bool = True
    ca_path: str | None = None
    client_cert: str | None = None
    client_key: str | None = None


@dataclass(frozen=True)
class HeartbeatSettings:
    alertmanager_url: str
    push: PushTarget
    matchers: tuple[Matcher, ...]
    timeout: float = 3.0
    retries: int = 3
    on_failure: str = "down"
    max_age: float = 300.0
    min_peers: int = 0
    tls: TlsOptions = field(default_factory=TlsOptions)
    use_proxy: bool = True
    alertmanager_username: str | None = None
    alertmanager_password: str | None = field(default=None, repr=False)
    alertmanager_bearer_token: str | None = field(default=None, repr=False)

    def needs_tls(self) -> bool:
        """Whether any request will be https, or TLS files were given (which are then checked up front)."""
        urls = (self.alertmanager_url, self.push.endpoint)
        return any(url.startswith("https:") for url in urls) or bool(self.tls.ca_path or self.tls.client_cert)

    def secrets(self) -> list[str]:
        """Every value that must never appear in output: the push token and the Alertmanager credentials."""
        candidates = [self.push.token, self.alertmanager_password, self.alertmanager_bearer_token]
        return [secret for secret in candidates if secret]


def _require_http_url(option: str, url: Any) -> tuple[str, str, str]:
    """Check scheme, host and the absence of credentials; return (scheme, netloc, path)."""
    if not isinstance(url, str) or not url.strip():
        raise SettingsError(option, "is required")
    # urlsplit drops tabs and newlines without a word, and http.client refuses spaces only when sending.
    if any(char.isspace() or not char.isprintable() for char in url.strip()):
        raise SettingsError(option, "must not contain spaces or control characters")
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


def parse_alertmanager_url(url: Any) -> str:
    scheme, netloc, path = _require_http_url("alertmanager_url", url)
    return urlunsplit((scheme, netloc, path.rstrip("/"), "", ""))


def parse_push_url(url: Any) -> PushTarget:
    """Accept the URL as Kuma shows it (its query string is dropped: the heartbeat sets its own)."""
    scheme, netloc, path = _require_http_url("push_url", url)
    found = _PUSH_PATH_RE.match(path)
    if not found:
        raise SettingsError("push_url", "must be a Kuma push URL ending in /api/push/<token>")
    return PushTarget(
        endpoint=urlunsplit((scheme, netloc, path.rstrip("/"), "", "")),
        token=found.group("token"),
        host=netloc,
    )


def parse_matchers(values: Any) -> tuple[Matcher, ...]:
    if values is None:
        values = list(DEFAULT_MATCHERS)
    if not isinstance(values, (list, tuple)):
        raise SettingsError("matchers", "must be a list of matcher strings")
    parsed = []
    for index, text in enumerate(values):
        if not isinstance(text, str):
            raise SettingsError(f"matchers[{index}]", "must be a string")
        try:
            parsed.append(parse_matcher(text))
        except MatcherError as error:
            raise SettingsError(f"matchers[{index}]", f"{text!r} is not a valid matcher: {error}") from None
    return tuple(parsed)


def _number(option: str, value: Any, default: float, minimum: float, integer: bool = False) -> Any:
    if value is None:
        return default
    if isinstance(value, bool):
        raise SettingsError(option, "must be a number")
    try:
        number = int(value) if integer else float(value)
    except (TypeError, ValueError, OverflowError):
        raise SettingsError(option, f"must be a number, got {value!r}") from None
    # NaN compares false with everything, so it would pass the minimum and disable max_age in silence.
    if not math.isfinite(number):
        raise SettingsError(option, f"must be a finite number, got {value!r}")
    if integer and isinstance(value, float) and value != number:
        raise SettingsError(option, "must be a whole number")
    if number < minimum:
        raise SettingsError(option, f"must be at least {minimum:g}, got {value}")
    return number


def _flag(option: str, value: Any, default: bool) -> bool:
    # The program's JSON file is not typed by Ansible: bool("false") would be True, bool("no") too.
    if value is None:
        return default
    if not isinstance(value, bool):
        raise SettingsError(option, f"must be true or false, got {value!r}")
    return value


def _optional_text(option: str, value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise SettingsError(option, "must be a string")
    return value


def refuse_unknown(options: Mapping[str, Any], known: set[str]) -> None:
    unknown = sorted(set(options) - known)
    if unknown:
        raise SettingsError(unknown[0], "is not a known option")


def read_options_file(path: str) -> dict[str, Any]:
    """A program's options from its JSON settings file; errors name --settings and never quote the file."""
    try:
        with open(path, encoding="utf-8") as handle:
            options = json.load(handle)
    except OSError as error:
        raise SettingsError("--settings", f"cannot read the file: {error.strerror}") from None
    except ValueError:
        raise SettingsError("--settings", "the file is not valid JSON") from None
    if not isinstance(options, dict):
        raise SettingsError("--settings", "the file must hold a JSON object of options")
    return options


def settings_from_options(options: Mapping[str, Any]) -> HeartbeatSettings:
    """Validate raw options (module parameters or the program's JSON file) into settings."""
    known = {
        "alertmanager_url",
        "push_url",
        "matchers",
        "timeout",
        "retries",
        "on_failure",
        "max_age",
        "min_peers",
        "validate_certs",
        "ca_path",
        "client_cert",
        "client_key",
        "use_proxy",
        "alertmanager_username",
        "alertmanager_password",
        "alertmanager_bearer_token",
    }
    refuse_unknown(options, known)
    on_failure = options.get("on_failure") or "down"
    if on_failure not in ON_FAILURE_CHOICES:
        raise SettingsError("on_failure", f"must be one of {', '.join(ON_FAILURE_CHOICES)}, got {on_failure!r}")
    timeout = _number("timeout", options.get("timeout"), 3.0, 0.0)
    if timeout == 0:
        raise SettingsError("timeout", "must be greater than 0")
    client_cert = _optional_text("client_cert", options.get("client_cert"))
    client_key = _optional_text("client_key", options.get("client_key"))
    if bool(client_cert) != bool(client_key):
        raise SettingsError("client_cert" if client_key else "client_key", "client_cert and client_key go together")
    username = _optional_text("alertmanager_username", options.get("alertmanager_username"))
    password = _optional_text("alertmanager_password", options.get("alertmanager_password"))
    bearer = _optional_text("alertmanager_bearer_token", options.get("alertmanager_bearer_token"))
    if bool(username) != bool(password):
        raise SettingsError(
            "alertmanager_password" if username else "alertmanager_username",
            "alertmanager_username and alertmanager_password go together",
        )
    if bearer and username:
        raise SettingsError("alertmanager_bearer_token", "use either basic auth or a bearer token, not both")
    return HeartbeatSettings(
        alertmanager_url=parse_alertmanager_url(options.get("alertmanager_url")),
        push=parse_push_url(options.get("push_url")),
        matchers=parse_matchers(options.get("matchers")),
        timeout=timeout,
        retries=_number("retries", options.get("retries"), 3, 0, integer=True),
        on_failure=on_failure,
        max_age=_number("max_age", options.get("max_age"), 300.0, 0.0),
        min_peers=_number("min_peers", options.get("min_peers"), 0, 0, integer=True),
        tls=TlsOptions(
            validate_certs=_flag("validate_certs", options.get("validate_certs"), True),
            ca_path=_optional_text("ca_path", options.get("ca_path")),
            client_cert=client_cert,
            client_key=client_key,
        ),
        use_proxy=_flag("use_proxy", options.get("use_proxy"), True),
        alertmanager_username=username,
        alertmanager_password=password,
        alertmanager_bearer_token=bearer,
    )
