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
from ._delivery import Delivery, judge_delivery, state_of
from ._heartbeat_settings import HeartbeatSettings
from ._kuma import PushError, push, shorten_message
from ._state import load_state, save_state
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
        }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


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


def _delivery(
    settings: HeartbeatSettings, observation: Observation, save: bool, now: float
) -> tuple[Delivery | None, str | None]:
    """Judge delivery against the kept counters and keep the new ones (not in check mode); a state that cannot
    be kept is a problem of its own: without it, failures would go unnoticed."""
    if observation.metrics is None:
        return None, None
    state, why_no_state = load_state(settings.state_path) if settings.state_path else ({}, "no state_path given")
    delivery = judge_delivery(
        observation.metrics, settings.alertmanager_url, state, why_no_state, settings.ignore_integrations, now
    )
    if not (save and settings.state_path):
        return delivery, None
    return delivery, save_state(settings.state_path, state_of(settings.alertmanager_url, observation.metrics, now))


def _with_problem(verdict: Verdict, problem: str) -> Verdict:
    msg = f"{verdict.msg} | {problem}" if verdict.status == DOWN else problem
    return Verdict(DOWN, shorten_message(msg), verdict.ping)


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
        observation = observe(settings, transport)
        delivery, state_problem = _delivery(settings, observation, save=send, now=now())
        verdict = decide(observation, settings, delivery)
        if state_problem:
            verdict = _with_problem(verdict, state_problem)
    # Whatever broke in the check, Kuma must hear DOWN with why rather than nothing.
    except Exception as error:  # pylint: disable=broad-exception-caught
        observation = Observation(problem="heartbeat could not judge", reachable=False)
        verdict = Verdict(DOWN, f"heartbeat could not judge: internal error ({type(error).__name__})", None)
        delivery = None
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
