# Copyright: Contributors to the watchdog.alertmanager_kuma collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The heartbeat's options, each defined once, and their parser: every option validated before anything is sent.

Private to the collection (leading underscore). Standard library only. The module's argument_spec and
DOCUMENTATION, the timer role's argument specs and defaults are made from HEARTBEAT_OPTIONS
(scripts/generate_docs.py; a test fails when they disagree), and the role's preflight runs this parser.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ._matchers import Matcher, MatcherError, parse_matcher
from ._option import Option, SettingsError, argument_spec, read_options
from ._transport import TlsOptions
from ._urls import PushUrl, parse_base_url, parse_push_url

HEARTBEAT_OPTIONS = (
    Option(
        "alertmanager_url",
        "str",
        (
            "Base URL of the Alertmanager, C(http://) or C(https://), without credentials"
            " (use O(alertmanager_username) or O(alertmanager_bearer_token)).",
            "A path prefix (Alertmanager's C(--web.route-prefix)) is kept.",
        ),
        required=True,
    ),
    Option(
        "push_url",
        "str",
        (
            "The push URL of the Uptime Kuma push monitor, ending in C(/api/push/<token>).",
            "The URL as Kuma shows it may be pasted whole; its query string is dropped.",
            "A secret. Never shown in results or messages.",
        ),
        required=True,
        secret=True,
    ),
    Option(
        "matchers",
        "list",
        (
            "Alertmanager matchers the heartbeat alert must satisfy, each in Alertmanager's syntax"
            ' (C(name="value"), C(name!="value"), C(name=~"regex"), C(name!~"regex")).',
            "All must match. An empty list checks Alertmanager's API alone.",
        ),
        default=('alertname="Watchdog"',),
        elements="str",
        role_default=True,
    ),
    Option(
        "max_age",
        "float",
        (
            "Seconds since Alertmanager last received the matched alert (its C(updatedAt)) after which the alert"
            " counts as stale, so the verdict is down. Prometheus re-sends a firing alert every"
            " C(--rules.alert.resend-delay) (one minute by default), so an old C(updatedAt) means Prometheus"
            " stopped sending.",
            "Measured against the Alertmanager's own clock (its C(Date) header), so clock skew does not count.",
            "C(0) disables the check.",
        ),
        default=300,
        minimum=0,
        role_default=True,
    ),
    Option(
        "min_peers",
        "int",
        (
            "The fewest cluster members (itself included) for an up verdict. An Alertmanager with clustering"
            " disabled counts as one member.",
            "C(0) does not check.",
        ),
        default=0,
        minimum=0,
        role_default=True,
    ),
    Option(
        "timeout",
        "float",
        (
            "Seconds each HTTP request may take, to Alertmanager and to Kuma, from connecting to the last byte of the"
            " answer, however slowly the server sends it.",
        ),
        default=3,
        minimum=0,
        above=0,
        maximum=60,
        role_default=True,
    ),
    Option(
        "retries",
        "int",
        (
            "Push attempts after the first when Kuma is unreachable or answers 5xx, with backoff"
            " (0.5 s, 1 s, 2 s, 4 s...).",
            "A refusal by Kuma (an unknown or paused monitor) is not retried.",
        ),
        default=3,
        minimum=0,
        maximum=10,
        role_default=True,
    ),
    Option(
        "run_timeout",
        "float",
        (
            "Seconds the whole run (the Alertmanager check, the push and its retries) may take; a retry that could"
            " end later is not made. Each run still makes its Alertmanager requests and one push, so three times"
            " O(timeout) must fit.",
            "C(0) does not bound the run. The timer role sets it to the unit's start timeout (its check's"
            " C(interval) less one second) for each check that does not set it, so a DOWN goes out before systemd"
            " would stop the run.",
        ),
        default=0,
        minimum=0,
        maximum=86400,
    ),
    Option(
        "check_delivery",
        "bool",
        (
            "Whether to read Alertmanager's C(/metrics) (with the same TLS options and credentials as its API): a"
            " notification that failed since the last run, or a failed configuration reload, is then down.",
            "Judging new failures needs O(state_path) (the timer role sets one for each check); without it the counters"
            " are returned but not judged.",
        ),
        default=True,
        role_default=True,
    ),
    Option(
        "ignore_integrations",
        "list",
        ("Integrations whose failed notifications do not count (such as C(email) when mail is best effort).",),
        default=(),
        elements="str",
        role_default=True,
    ),
    Option(
        "ignore_receivers",
        "list",
        (
            "Receivers whose failed notifications do not count (such as a team's chat that may be down)."
            " Alertmanager names receivers in its metrics from 0.27 on, when started with its feature flag"
            " C(receiver-name-in-metrics). Without that, failures are judged per integration and this has no effect"
            " (a failing integration's reason says so).",
        ),
        default=(),
        elements="str",
        role_default=True,
    ),
    Option(
        "state_path",
        "path",
        (
            "A file where the check keeps, between runs, the counters it compares (no secret), written atomically,"
            " owner-only. The timer role uses each check's systemd C(StateDirectory=) when this is not set.",
            "Only a file the heartbeat wrote, an empty file, or a new path is read or replaced; anything else there"
            " (another file, a FIFO, a link) is left alone and the verdict is down.",
        ),
    ),
    Option(
        "receiver",
        "str",
        (
            "The receiver the heartbeat alert must be routed to (its C(receivers) in Alertmanager's API): routed only"
            " elsewhere, the verdict is down.",
        ),
    ),
    Option(
        "prometheus_url",
        "str",
        (
            "Base URL of the Prometheus that sends the heartbeat alert. When set, each run also proves that Prometheus"
            " answers, sends to this Alertmanager, evaluates the heartbeat rule (named by the C(alertname) matcher)"
            " within twice its group's interval, and sent to this Alertmanager without errors since the last run.",
            "TLS options are shared with Alertmanager; credentials are its own (O(prometheus_username),"
            " O(prometheus_bearer_token)).",
        ),
    ),
    Option(
        "prometheus_alertmanager_url",
        "str",
        (
            "The address Prometheus uses for this Alertmanager, when it differs from O(alertmanager_url) (another"
            " host name or port); compared by scheme, host and port.",
        ),
    ),
    Option(
        "prometheus_username",
        "str",
        ("User name for HTTP basic authentication to Prometheus. Requires O(prometheus_password).",),
    ),
    Option(
        "prometheus_password", "str", ("Password for HTTP basic authentication to Prometheus. A secret.",), secret=True
    ),
    Option(
        "prometheus_bearer_token",
        "str",
        ("Bearer token for Prometheus. A secret. Excludes basic authentication.",),
        secret=True,
    ),
    Option(
        "on_failure",
        "str",
        (
            "What to do when the verdict is down.",
            "V(down) pushes C(status=down) with the reason, so Kuma raises the alarm at once and shows why.",
            "V(skip) pushes nothing and lets the monitor's own heartbeat interval run out.",
        ),
        default="down",
        choices=("down", "skip"),
        role_default=True,
    ),
    Option(
        "validate_certs",
        "bool",
        ("Whether to verify TLS certificates of Alertmanager and Kuma.",),
        default=True,
        role_default=True,
    ),
    Option(
        "ca_path",
        "path",
        ("A PEM file of CA certificates to trust instead of the system's.",),
        role_default=True,
    ),
    Option(
        "client_cert",
        "path",
        ("A PEM client certificate for TLS client authentication. Requires O(client_key).",),
    ),
    Option("client_key", "path", ("The PEM private key of O(client_cert).",)),
    Option(
        "use_proxy",
        "bool",
        ("Whether to use the proxies from the environment (C(https_proxy), C(no_proxy), ...).",),
        default=True,
    ),
    Option(
        "alertmanager_username",
        "str",
        ("User name for HTTP basic authentication to Alertmanager. Requires O(alertmanager_password).",),
    ),
    Option(
        "alertmanager_password",
        "str",
        ("Password for HTTP basic authentication to Alertmanager. A secret.",),
        secret=True,
    ),
    Option(
        "alertmanager_bearer_token",
        "str",
        ("Bearer token for Alertmanager. A secret. Excludes basic authentication.",),
        secret=True,
    ),
)
# The rules across options, in the form AnsibleModule takes them; the parser below enforces the same.
REQUIRED_TOGETHER = (
    ("client_cert", "client_key"),
    ("alertmanager_username", "alertmanager_password"),
    ("prometheus_username", "prometheus_password"),
)
MUTUALLY_EXCLUSIVE = (
    ("alertmanager_bearer_token", "alertmanager_username"),
    ("prometheus_bearer_token", "prometheus_username"),
)
# Sent in request headers, where a control character fails every request with no clear reason (http.client refuses
# a line break), or compared with what a server sends (the receiver): refused up front, by name, never quoted.
HEADER_OPTIONS = (
    "alertmanager_username",
    "alertmanager_password",
    "alertmanager_bearer_token",
    "prometheus_username",
    "prometheus_password",
    "prometheus_bearer_token",
)
BEARER_OPTIONS = ("alertmanager_bearer_token", "prometheus_bearer_token")
NAME_OPTIONS = ("receiver",)
# The requests every run makes before it can give up: Alertmanager's status and alerts, then one push.
REQUESTS_PER_RUN = 3


def heartbeat_argument_spec() -> dict[str, dict[str, Any]]:
    """The heartbeat module's argument_spec, as ansible-core's url_argument_spec() is for its URL modules."""
    return argument_spec(HEARTBEAT_OPTIONS)


@dataclass(frozen=True)
class HeartbeatSettings:
    alertmanager_url: str
    push_url: PushUrl
    matchers: tuple[Matcher, ...]
    timeout: float
    retries: int
    run_timeout: float
    on_failure: str
    max_age: float
    min_peers: int
    tls: TlsOptions
    use_proxy: bool
    check_delivery: bool
    ignore_integrations: tuple[str, ...]
    ignore_receivers: tuple[str, ...]
    state_path: str | None
    receiver: str | None
    prometheus_url: str | None
    prometheus_alertmanager_url: str | None
    prometheus_username: str | None
    prometheus_password: str | None = field(repr=False)
    prometheus_bearer_token: str | None = field(repr=False)
    alertmanager_username: str | None
    alertmanager_password: str | None = field(repr=False)
    alertmanager_bearer_token: str | None = field(repr=False)

    def needs_tls(self) -> bool:
        """Whether any request will be https, or TLS files were given (which are then checked up front)."""
        urls = (self.alertmanager_url, self.push_url.url, self.prometheus_url or "")
        return any(url.startswith("https:") for url in urls) or bool(self.tls.ca_path or self.tls.client_cert)

    def secrets(self) -> list[str]:
        """Every value that must never appear in output: the push token and the Alertmanager credentials."""
        candidates = [
            self.push_url.token,
            self.alertmanager_password,
            self.alertmanager_bearer_token,
            self.prometheus_password,
            self.prometheus_bearer_token,
        ]
        return [secret for secret in candidates if secret]


def parse_matchers(values: list[Any], option: str = "matchers") -> tuple[Matcher, ...]:
    parsed = []
    for index, text in enumerate(values):
        if not isinstance(text, str):
            raise SettingsError(f"{option}[{index}]", "must be a string")
        try:
            parsed.append(parse_matcher(text))
        except MatcherError as error:
            raise SettingsError(f"{option}[{index}]", f"{text!r} is not a valid matcher: {error}") from None
    return tuple(parsed)


def _go_together(values: Mapping[str, Any], first: str, second: str, prefix: str) -> None:
    if bool(values[first]) != bool(values[second]):
        missing = second if values[first] else first
        raise SettingsError(prefix + missing, f"{first} and {second} go together")


def _refuse_unsendable(values: Mapping[str, Any], prefix: str) -> None:
    """Refuse text a request header cannot carry; the message names the option and never holds its value."""
    for option in (*HEADER_OPTIONS, *NAME_OPTIONS):
        text = values[option]
        if isinstance(text, str) and any(unicodedata.category(char) == "Cc" for char in text):
            raise SettingsError(prefix + option, "must not contain control characters (such as a line break)")
    # Basic credentials travel base64-encoded; a bearer token as it is, and a token is ASCII (RFC 6750's b64token).
    for option in BEARER_OPTIONS:
        if isinstance(values[option], str) and not values[option].isascii():
            raise SettingsError(prefix + option, "must be ASCII (an HTTP header cannot carry other characters)")


def settings_from_options(options: Mapping[str, Any], prefix: str = "") -> HeartbeatSettings:
    """Validate raw options (module parameters, the program's JSON file, a role's check) into settings.

    ``prefix`` goes before the option's name in errors, so a role can name its variable
    (``heartbeat_timer_checks[1].``).
    """
    return settings_from_values(read_options(HEARTBEAT_OPTIONS, options, prefix), prefix)


def settings_from_values(values: Mapping[str, Any], prefix: str = "") -> HeartbeatSettings:
    """Settings from options already read one by one (read_options): the rules across options, URLs, matchers."""
    _refuse_unsendable(values, prefix)
    for first, second in REQUIRED_TOGETHER:
        _go_together(values, first, second, prefix)
    if values["run_timeout"] and values["timeout"] * REQUESTS_PER_RUN > values["run_timeout"]:
        raise SettingsError(
            prefix + "timeout",
            f"{values['timeout']:g} s is too long for a run of at most {values['run_timeout']:g} s (run_timeout):"
            f" {REQUESTS_PER_RUN} requests (Alertmanager's status and alerts, one push) must fit",
        )
    for bearer, username in MUTUALLY_EXCLUSIVE:
        if values[bearer] and values[username]:
            raise SettingsError(prefix + bearer, "use either basic auth or a bearer token, not both")
    for option in ("prometheus_url", "prometheus_alertmanager_url"):
        if values[option]:
            values = {**values, option: parse_base_url(prefix + option, values[option])}
    return HeartbeatSettings(
        alertmanager_url=parse_base_url(prefix + "alertmanager_url", values["alertmanager_url"]),
        push_url=parse_push_url(values["push_url"], prefix + "push_url"),
        matchers=parse_matchers(values["matchers"], prefix + "matchers"),
        timeout=values["timeout"],
        retries=values["retries"],
        run_timeout=values["run_timeout"],
        on_failure=values["on_failure"],
        max_age=values["max_age"],
        min_peers=values["min_peers"],
        tls=TlsOptions(
            validate_certs=values["validate_certs"],
            ca_path=values["ca_path"],
            client_cert=values["client_cert"],
            client_key=values["client_key"],
        ),
        use_proxy=values["use_proxy"],
        check_delivery=values["check_delivery"],
        ignore_integrations=tuple(str(name) for name in values["ignore_integrations"]),
        ignore_receivers=tuple(str(name) for name in values["ignore_receivers"]),
        state_path=values["state_path"],
        receiver=values["receiver"],
        prometheus_url=values["prometheus_url"],
        prometheus_alertmanager_url=values["prometheus_alertmanager_url"],
        prometheus_username=values["prometheus_username"],
        prometheus_password=values["prometheus_password"],
        prometheus_bearer_token=values["prometheus_bearer_token"],
        alertmanager_username=values["alertmanager_username"],
        alertmanager_password=values["alertmanager_password"],
        alertmanager_bearer_token=values["alertmanager_bearer_token"],
    )
