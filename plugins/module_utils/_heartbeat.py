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
from ._heartbeat_settings import HeartbeatSettings
from ._kuma import PushError, push
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

    def as_dict(self) -> dict[str, Any]:
        """The module's and the program's results: plain data a playbook can test with ``when:``."""
        return {
            "status": self.verdict.status,
            "msg": self.verdict.msg,
            "ping": self.verdict.ping,
            "pushed": self.pushed,
            "push_host": self.push_host,
            "attempts": self.attempts,
            "alertmanager": alertmanager_summary(self.observation),
        }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def alertmanager_summary(observation: Observation) -> dict[str, Any]:
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
            }
            for alert in observation.alerts
        ],
    }


def run_heartbeat(
    settings: HeartbeatSettings,
    transport: Transport,
    send: bool = True,
    wait: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> HeartbeatResult:
    """Check, decide, and push unless ``send`` is false (check mode) or the verdict is down with on_failure=skip."""
    started = clock()
    try:
        observation = observe(settings, transport)
        verdict = decide(observation, settings)
    # Whatever broke in the check, Kuma must hear DOWN with why rather than nothing.
    except Exception as error:  # pylint: disable=broad-exception-caught
        observation = Observation(problem="heartbeat could not judge", reachable=False)
        verdict = Verdict(DOWN, f"heartbeat could not judge: internal error ({type(error).__name__})", None)
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
