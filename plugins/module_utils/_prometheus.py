# Copyright: Contributors to the watchdog.alertmanager_kuma collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The link before Alertmanager: Prometheus answers, sends to this Alertmanager, evaluates the heartbeat rule, and
delivered to this Alertmanager without errors since the last run.

Private to the collection (leading underscore). Standard library only. Asks only for what it needs: the alerting
rule by name (Prometheus 2.45 and later filter on the server; older ones send every rule) and one metric family.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from ._api import Api, ApiProblem, OddAnswer, auth_headers, server_time
from ._heartbeat_settings import HeartbeatSettings
from ._state import KeptCounters
from ._text import printable
from ._timestamps import parse_timestamp
from ._transport import Transport, TransportError

ERRORS_FAMILY = "prometheus_notifications_errors_total"
# Per Alertmanager from 3.10 on; before, one count for every Alertmanager.
DROPPED_FAMILY = "prometheus_notifications_dropped_total"
BUILD_INFO_FAMILY = "prometheus_build_info"
# From 3.1 on the error counter counts alerts that failed to reach an Alertmanager, before it counted batches.
COUNTS_ALERTS_SINCE = (3, 1)
MAX_NAMED_ALERTMANAGERS = 3
# About 60,000 alerting rules of a Prometheus that does not filter them by name.
RULES_MAX_BYTES = 16 * 1024 * 1024
# Prometheus's own /metrics grows with its scrape pools and rule groups: a few hundred KB is usual, 8 MiB generous.
METRICS_MAX_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class WatchdogRule:
    name: str
    found: bool
    health: str | None = None
    last_error: str | None = None
    age_seconds: float | None = None
    interval_seconds: float | None = None


@dataclass(frozen=True)
class PrometheusObservation:
    problem: str | None = None
    reachable: bool = True
    alertmanagers: tuple[str, ...] = ()
    this_alertmanager: str | None = None
    rule: WatchdogRule | None = None
    errors_total: float | None = None
    dropped_total: float | None = None
    dropped_for_every_alertmanager: bool = False
    version: str | None = None


def _origin(url: str) -> tuple[str, str, int | None] | None:
    """Scheme, host and port; None for a URL that cannot be parsed (Prometheus may list one), which is no match."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), port or default


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, (int, float)):
        return "a number"
    return {str: "a string", list: "a list", dict: "an object", type(None): "null"}.get(type(value), "something else")


def _field(document: Any, endpoint: str, name: str, kind: type, missing: str) -> Any:
    """``document[name]`` of the type a Prometheus gives it; a missing one is ``missing``, a mistyped one odd."""
    value = document.get(name) if isinstance(document, dict) else None
    if value is None:
        raise ApiProblem(f"{endpoint} {missing}; is this a Prometheus?")
    if not isinstance(value, kind):
        what = "an object" if kind is dict else "a list"
        raise OddAnswer(f"answered {endpoint} oddly: its {name} is {_kind(value)}, not {what}")
    return value


def _seconds(value: Any) -> float | None:
    """A group's interval, when it is a positive finite number of seconds."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        seconds = float(value)
    except OverflowError:
        return None
    return seconds if math.isfinite(seconds) and seconds > 0 else None


def _watchdog_name(settings: HeartbeatSettings) -> str | None:
    """The alertname the matchers ask for exactly, the name of the rule to look for."""
    return next((m.value for m in settings.matchers if m.name == "alertname" and m.operator == "="), None)


def _keep_only(name: str) -> Callable[[dict[str, Any]], Any]:
    """A JSON object hook that drops every rule but the one named, as the answer is decoded."""

    def hook(decoded: dict[str, Any]) -> Any:
        if "query" in decoded and "health" in decoded and decoded.get("name") != name:
            return None
        return decoded

    return hook


def _read_rule(api: Api, transport: Transport, name: str) -> WatchdogRule:
    # An older Prometheus (Debian 12's 2.42) ignores rule_name[] and answers every alerting rule, about 260 bytes
    # each: read more of this answer than of the others, and keep only the rule named while decoding it.
    query = urlencode([("type", "alert"), ("rule_name[]", name)])
    document, response = api.get_json(
        transport, f"/api/v1/rules?{query}", max_bytes=RULES_MAX_BYTES, object_hook=_keep_only(name)
    )
    data = _field(document, "/api/v1/rules", "data", dict, "has no rule groups")
    groups = _field(data, "/api/v1/rules", "groups", list, "has no rule groups")
    for group in (group for group in groups if isinstance(group, dict)):
        rules = group.get("rules") or []
        if not isinstance(rules, list):
            raise OddAnswer(f"answered /api/v1/rules oddly: a group's rules is {_kind(rules)}, not a list")
        for rule in rules:
            if isinstance(rule, dict) and rule.get("type") == "alerting" and rule.get("name") == name:
                evaluated = parse_timestamp(rule.get("lastEvaluation"))
                return WatchdogRule(
                    name=name,
                    found=True,
                    health=printable(str(rule.get("health"))),
                    last_error=printable(str(rule.get("lastError") or ""))[:100] or None,
                    age_seconds=_age(server_time(response), evaluated),
                    interval_seconds=_seconds(group.get("interval")),
                )
    return WatchdogRule(name=name, found=False)


def _age(now: datetime, then: datetime | None) -> float | None:
    # Prometheus writes the zero time for a rule never evaluated.
    if then is None or then.year < 2000:
        return None
    return max(0.0, (now - then).total_seconds())


@dataclass(frozen=True)
class _Notifier:
    errors: float | None = None
    dropped: float | None = None
    dropped_for_every_alertmanager: bool = False
    version: str | None = None


def _read_notifier(api: Api, transport: Transport, this: str) -> _Notifier:
    """This Alertmanager's error and dropped counts, in the 2.x and the 3.x forms of Prometheus's notifier metrics."""
    families = api.get_metrics(transport, (ERRORS_FAMILY, DROPPED_FAMILY, BUILD_INFO_FAMILY), METRICS_MAX_BYTES)
    errors = next((value for labels, value in families[ERRORS_FAMILY] if labels.get("alertmanager") == this), 0.0)
    dropped_samples = families[DROPPED_FAMILY]
    labelled = any("alertmanager" in labels for labels, _value in dropped_samples)
    if labelled:
        dropped = next((value for labels, value in dropped_samples if labels.get("alertmanager") == this), 0.0)
    else:
        dropped = sum(value for _labels, value in dropped_samples) if dropped_samples else None
    version = next((labels.get("version") for labels, _value in families[BUILD_INFO_FAMILY]), None)
    return _Notifier(
        errors=errors,
        dropped=dropped,
        dropped_for_every_alertmanager=not labelled,
        version=printable(version)[:40] if version else None,
    )


def _release(version: str | None) -> tuple[int, int] | None:
    """(major, minor) of a version such as 3.5.3 or 3.5.3+ds; None when it is not one."""
    parts = (version or "").split(".")
    if len(parts) < 2 or not parts[0].isdigit() or not parts[1].isdigit():
        return None
    return int(parts[0]), int(parts[1])


def _errors_problem(grown: float, version: str | None) -> str:
    release = _release(version)
    if release is None:
        return f"Prometheus counted {grown:g} errors sending to this Alertmanager since the last check"
    if release >= COUNTS_ALERTS_SINCE:
        return f"Prometheus failed to send {grown:g} alerts to this Alertmanager since the last check"
    return f"Prometheus failed {grown:g} sends to this Alertmanager since the last check"


def _grown(now: float | None, kept: tuple[str, float] | None, this: str | None) -> float | None:
    """How much a count kept for this Alertmanager grew; None without a count, a baseline or after a restart."""
    if now is None or kept is None or kept[0] != this or now <= kept[1]:
        return None
    return now - kept[1]


def observe_prometheus(
    settings: HeartbeatSettings, transport: Transport, clock: Callable[[], float] = time.monotonic
) -> PrometheusObservation | None:
    """What Prometheus says of this pipeline, or None when no prometheus_url is set. Never raises for its faults."""
    if not settings.prometheus_url:
        return None
    headers = auth_headers(settings.prometheus_username, settings.prometheus_password, settings.prometheus_bearer_token)
    api = Api(settings.prometheus_url, "a Prometheus", settings.timeout, headers, clock)
    target = _origin(settings.prometheus_alertmanager_url or settings.alertmanager_url)
    try:
        document, _response = api.get_json(transport, "/api/v1/alertmanagers")
        data = _field(document, "/api/v1/alertmanagers", "data", dict, "has no active list")
        active = _field(data, "/api/v1/alertmanagers", "activeAlertmanagers", list, "has no active list")
        urls = tuple(str(entry.get("url")) for entry in active if isinstance(entry, dict))
        this = next((url for url in urls if _origin(url) == target), None)
        name = _watchdog_name(settings)
        rule = _read_rule(api, transport, name) if name else None
        notifier = _read_notifier(api, transport, this) if this else _Notifier()
    except TransportError as error:
        return PrometheusObservation(problem=f"Prometheus unreachable: {error.reason}", reachable=False)
    except OddAnswer as problem:
        return PrometheusObservation(problem=f"Prometheus {problem}")
    except ApiProblem as problem:
        return PrometheusObservation(problem=f"Prometheus API error: {problem}")
    return PrometheusObservation(
        alertmanagers=urls,
        this_alertmanager=this,
        rule=rule,
        errors_total=notifier.errors,
        dropped_total=notifier.dropped,
        dropped_for_every_alertmanager=notifier.dropped_for_every_alertmanager,
        version=notifier.version,
    )


def prometheus_problems(observation: PrometheusObservation, kept: KeptCounters) -> list[str]:
    """Each broken part of the Prometheus link, in the order the alert travels."""
    if observation.problem:
        return [observation.problem]
    problems = []
    if observation.this_alertmanager is None:
        named = ", ".join(printable(url) for url in observation.alertmanagers[:MAX_NAMED_ALERTMANAGERS])
        problems.append(
            f"Prometheus does not send to this Alertmanager; it sends to {named}"
            if named
            else "Prometheus does not send to this Alertmanager; it sends to no Alertmanager"
        )
    rule = observation.rule
    if rule and not rule.found:
        problems.append(f"no Prometheus alerting rule named {rule.name}")
    elif rule and rule.health not in ("ok", None):
        problems.append(f"{rule.name} rule unhealthy ({rule.health}): {rule.last_error or 'no error given'}")
    elif rule and rule.age_seconds is None:
        problems.append(f"{rule.name} rule never evaluated")
    elif (
        rule and rule.interval_seconds and rule.age_seconds is not None and rule.age_seconds > 2 * rule.interval_seconds
    ):
        every = f"its group runs every {rule.interval_seconds:g} s"
        problems.append(f"{rule.name} rule not evaluated for {rule.age_seconds:.0f} s ({every})")
    this = observation.this_alertmanager
    errors = _grown(observation.errors_total, kept.prometheus_errors, this)
    if errors:
        problems.append(_errors_problem(errors, observation.version))
    dropped = _grown(observation.dropped_total, kept.prometheus_dropped, this)
    if dropped:
        meant = "" if observation.dropped_for_every_alertmanager else " meant for this Alertmanager"
        problems.append(f"Prometheus dropped {dropped:g} alerts{meant} since the last check")
    return problems


def kept_by_prometheus(observation: PrometheusObservation) -> dict[str, tuple[str, float] | None]:
    """What the next run compares with, as KeptCounters fields: this Alertmanager's error and dropped counts."""
    this = observation.this_alertmanager or ""
    return {
        "prometheus_errors": None if observation.errors_total is None else (this, observation.errors_total),
        "prometheus_dropped": None if observation.dropped_total is None else (this, observation.dropped_total),
    }
