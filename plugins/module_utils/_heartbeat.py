# Copyright: Contributors to the watchdog.alertmanager_kuma collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One heartbeat: settings -> Alertmanager check -> verdict -> push -> result. The module and the program call this.

Private to the collection (leading underscore). Standard library only.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Callable

from ._alertmanager import Observation, observe
from ._delivery import Delivery, judge_delivery, kept_by_delivery
from ._heartbeat_settings import HeartbeatSettings
from ._kuma import PushError, push
from ._prometheus import PrometheusObservation, kept_by_prometheus, observe_prometheus, prometheus_problems
from ._state import KEPT_NOTHING, load_state, save_state
from ._transport import Transport
from ._verdict import DOWN, UP, Verdict, decide


@dataclass(frozen=True)
class HeartbeatResult:
    verdict: Verdict
    observation: Observation
    push_host: str
    pushed: bool
    would_push: bool
    attempts: int
    # False when the check itself failed unexpectedly: the verdict is then DOWN with that reason.
    judged: bool = True
    push_error: str | None = None
    delivery: Delivery | None = None
    prometheus: PrometheusObservation | None = None

    def as_dict(self) -> dict[str, Any]:
        """The module's and the program's results: plain data a playbook can test with ``when:``."""
        return {
            "status": self.verdict.status,
            "msg": self.verdict.msg,
            "ping": self.verdict.ping,
            "pushed": self.pushed,
            "push_host": self.push_host,
            "attempts": self.attempts,
            "alertmanager": alertmanager_summary(self.observation, self.delivery),
            "prometheus": prometheus_summary(self.prometheus),
        }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def prometheus_summary(prometheus: PrometheusObservation | None) -> dict[str, Any] | None:
    """What Prometheus said, or None when no prometheus_url was given."""
    if prometheus is None:
        return None
    rule = prometheus.rule
    return {
        "reachable": prometheus.reachable,
        "problem": prometheus.problem,
        "alertmanagers": list(prometheus.alertmanagers),
        "sends_to_this_alertmanager": prometheus.this_alertmanager is not None,
        "watchdog_rule": None
        if rule is None
        else {"name": rule.name, "found": rule.found, "health": rule.health, "age_seconds": rule.age_seconds},
        "notification_errors": prometheus.errors_total,
        "notifications_dropped": prometheus.dropped_total,
        "version": prometheus.version,
    }


def alertmanager_summary(observation: Observation, delivery: Delivery | None = None) -> dict[str, Any]:
    metrics = observation.metrics
    return {
        "reachable": observation.reachable,
        "problem": observation.problem,
        "version": observation.version,
        "cluster_status": observation.cluster_status,
        "peers": list(observation.peers),
        "alerts": [
            {
                "labels": dict(alert.labels),
                "state": alert.state,
                "starts_at": _iso(alert.starts_at),
                "updated_at": _iso(alert.updated_at),
                "ends_at": _iso(alert.ends_at),
                "receivers": list(alert.receivers),
            }
            for alert in observation.alerts
        ],
        "notifications": {name: dict(counts) for name, counts in (delivery.integrations if delivery else {}).items()},
        "delivery_judged": bool(delivery and delivery.judged),
        "delivery_not_judged_because": delivery.why_not_judged if delivery else observation.metrics_problem,
        "config": {
            "reload_ok": metrics.reload_ok if metrics else None,
            "last_reload": _iso(metrics.reload_time) if metrics else None,
            "hash": metrics.config_hash if metrics else None,
        },
    }


@dataclass(frozen=True)
class _Links:
    """What the kept state lets a run judge: delivery, Prometheus's errors, and why the state could not be kept."""

    delivery: Delivery | None
    prometheus_problems: list[str]
    state_problem: str | None


def _judge_with_state(
    settings: HeartbeatSettings,
    observation: Observation,
    prometheus: PrometheusObservation | None,
    save: bool,
    now: float,
) -> _Links:
    """Compare with the counters kept by the last run, and keep the new ones (not in check mode). A state that
    cannot be kept is a problem of its own: without it, failures would go unnoticed."""
    kept, why_no_state = (
        load_state(settings.state_path) if settings.state_path else (KEPT_NOTHING, "no state_path given")
    )
    delivery = None
    new_kept = KEPT_NOTHING
    if observation.metrics is not None:
        delivery = judge_delivery(
            observation.metrics,
            settings.alertmanager_url,
            kept,
            why_no_state,
            settings.ignore_integrations,
            settings.ignore_receivers,
            now,
        )
        new_kept = kept_by_delivery(settings.alertmanager_url, observation.metrics, now)
    problems = prometheus_problems(prometheus, kept) if prometheus else []
    if prometheus:
        new_kept = replace(new_kept, **kept_by_prometheus(prometheus))
    state_problem = None
    if save and settings.state_path and new_kept != KEPT_NOTHING:
        state_problem = save_state(settings.state_path, new_kept)
    return _Links(delivery, problems, state_problem)


def run_heartbeat(
    settings: HeartbeatSettings,
    transport: Transport,
    send: bool = True,
    wait: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    now: Callable[[], float] = time.time,
) -> HeartbeatResult:
    """Check, decide, and push unless ``send`` is false (check mode) or the verdict is down with on_failure=skip."""
    started = clock()
    try:
        prometheus = observe_prometheus(settings, transport)
        observation = observe(settings, transport)
        links = _judge_with_state(settings, observation, prometheus, save=send, now=now())
        delivery = links.delivery
        verdict = decide(observation, settings, delivery, links.prometheus_problems, links.state_problem)
    # Whatever broke in the check, Kuma must hear DOWN with why rather than nothing.
    except Exception as error:  # pylint: disable=broad-exception-caught
        observation = Observation(problem="heartbeat could not judge", reachable=False)
        verdict = Verdict(DOWN, f"heartbeat could not judge: internal error ({type(error).__name__})", None)
        delivery = prometheus = None
        judged = False
    else:
        judged = True
    would_push = verdict.status == UP or settings.on_failure == "down"
    result = HeartbeatResult(
        verdict=verdict,
        observation=observation,
        push_host=settings.push_url.host,
        pushed=False,
        would_push=would_push,
        attempts=0,
        judged=judged,
        delivery=delivery,
        prometheus=prometheus,
    )
    if not (send and would_push):
        return result
    try:
        attempts = push(
            settings.push_url,
            verdict.status,
            verdict.msg,
            verdict.ping,
            transport,
            settings.timeout,
            settings.retries,
            wait,
            (lambda: started + settings.run_timeout - clock()) if settings.run_timeout else None,
        )
    except PushError as error:
        return replace(result, push_error=str(error), attempts=error.attempts)
    return replace(result, pushed=True, attempts=attempts)
