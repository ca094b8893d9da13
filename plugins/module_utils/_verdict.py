# Copyright: Contributors to the watchdog.alertmanager_kuma collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""From what Alertmanager said to the verdict Kuma stores: up or down, with a message a person acts on.

Private to the collection (leading underscore). Standard library only. Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

from ._alertmanager import Observation, ObservedAlert, Silence
from ._delivery import Delivery
from ._heartbeat_settings import HeartbeatSettings
from ._matchers import describe
from ._text import shorten_message

UP = "up"
DOWN = "down"


@dataclass(frozen=True)
class Verdict:
    status: str
    msg: str
    ping: int | None


def _ping(observation: Observation) -> int | None:
    # Kuma stores 0 as "no ping": a reply faster than a millisecond still counts as 1 ms.
    if observation.latency_ms is None:
        return None
    return max(1, round(observation.latency_ms))


def _age_seconds(alert: ObservedAlert, observation: Observation) -> float | None:
    if alert.updated_at is None:
        return None
    return max(0.0, (observation.server_time - alert.updated_at).total_seconds())


def _cluster_text(observation: Observation) -> str:
    if observation.cluster_status == "disabled":
        return "cluster disabled"
    return "cluster {}, {} peer{}".format(
        observation.cluster_status, len(observation.peers), "" if len(observation.peers) == 1 else "s"
    )


def _silence_text(silence: Silence) -> str:
    until = f" until {silence.ends_at:%Y-%m-%d %H:%M}Z" if silence.ends_at else ""
    comment = f' "{silence.comment}"' if silence.comment else ""
    return f"by {silence.created_by or 'unknown'}{until}{comment} (silence {silence.id[:8]})"


def _why_not_active(observation: Observation, wanted: str) -> str:
    alerts = observation.alerts
    if not alerts:
        return f"no active alert matches {wanted}"
    states = sorted({alert.state for alert in alerts})
    reasons = []
    if any(alert.silenced_by for alert in alerts):
        named = [_silence_text(silence) for silence in observation.silences]
        reasons.append("silenced " + ", ".join(named) if named else "silenced")
    if any(alert.inhibited_by for alert in alerts):
        reasons.append("inhibited")
    detail = " ({})".format(" and ".join(reasons)) if reasons else ""
    return f"no active alert matches {wanted}: {len(alerts)} found {'/'.join(states)}{detail}"


def _watchdog_link(observation: Observation, settings: HeartbeatSettings) -> tuple[str | None, str]:
    """Whether Alertmanager holds the heartbeat alert active and fresh: (what is broken, or None; the up summary)."""
    # Alertmanager lists itself among its peers; with clustering disabled it is a single member all the same.
    members = 1 if observation.cluster_status == "disabled" else len(observation.peers)
    if members < settings.min_peers:
        return f"Alertmanager {_cluster_text(observation)}, fewer than min_peers={settings.min_peers}", ""
    where = f"Alertmanager {observation.version}, {_cluster_text(observation)}"
    if not settings.matchers:
        return None, f"{where}: API answers (no matchers given)"
    wanted = describe(list(settings.matchers))
    active = [alert for alert in observation.alerts if alert.state == "active"]
    if not active:
        return _why_not_active(observation, wanted), ""
    ages = [age for age in (_age_seconds(alert, observation) for alert in active) if age is not None]
    freshest = min(ages) if ages else None
    if settings.max_age and freshest is None:
        return (
            f"alert matching {wanted} has no valid updatedAt: cannot tell freshness (max_age {settings.max_age:g}s)",
            "",
        )
    if settings.max_age and freshest is not None and freshest > settings.max_age:
        return (
            f"alert matching {wanted} is stale: last updated {freshest:.0f}s ago, max_age {settings.max_age:g}s;"
            " is Prometheus sending?",
            "",
        )
    updated = "" if freshest is None else f", updated {freshest:.0f}s ago"
    count = "1 active alert matches" if len(active) == 1 else f"{len(active)} active alerts match"
    return None, f"{count} {wanted} in {where}{updated}"


def _routing_problem(observation: Observation, settings: HeartbeatSettings) -> str | None:
    active = [alert for alert in observation.alerts if alert.state == "active"]
    if not settings.receiver or not active:
        return None
    if any(settings.receiver in alert.receivers for alert in active):
        return None
    routed = sorted({receiver for alert in active for receiver in alert.receivers})
    return f"Watchdog routed to [{', '.join(routed)}], not {settings.receiver}"


def _reload_problem(observation: Observation) -> str | None:
    metrics = observation.metrics
    if metrics is None or metrics.reload_ok is not False:
        return None
    last_good = metrics.reload_time.isoformat() if metrics.reload_time else "an unknown time"
    return f"Alertmanager config reload failed (last good load at {last_good}); it runs the previous configuration"


def decide(
    observation: Observation,
    settings: HeartbeatSettings,
    delivery: Delivery | None = None,
    prometheus_problems: list[str] | None = None,
    state_problem: str | None = None,
) -> Verdict:
    """Up when every link holds; down naming each broken link, most upstream first (Prometheus, then Alertmanager),
    and last a state file that could not be kept (without it, failed deliveries would go unnoticed)."""
    ping = _ping(observation)
    upstream = list(prometheus_problems or [])
    downstream = [state_problem] if state_problem else []
    if observation.problem:
        return _verdict(DOWN, " | ".join([*upstream, observation.problem, *downstream]), ping)
    watchdog_problem, summary = _watchdog_link(observation, settings)
    linked = (
        watchdog_problem,
        _routing_problem(observation, settings),
        _reload_problem(observation),
        observation.metrics_problem,
        delivery.problem if delivery else None,
    )
    problems = [*upstream, *(problem for problem in linked if problem), *downstream]
    if problems:
        return _verdict(DOWN, " | ".join(problems), ping)
    if settings.prometheus_url:
        summary += "; Prometheus sends to it and evaluates the rule"
    return _verdict(UP, summary, ping)


def _verdict(status: str, msg: str, ping: int | None) -> Verdict:
    return Verdict(status=status, msg=shorten_message(msg), ping=ping)
