"""One heartbeat over real HTTP against the fake servers, and all of it a user could see."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._heartbeat import (
    HeartbeatResult,
    run_heartbeat,
)
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._heartbeat_settings import (
    settings_from_options,
)
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._program import log_line
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._transport import UrllibTransport


@dataclass
class HeartbeatRun:
    result: HeartbeatResult
    waits: list[float] = field(default_factory=list)

    @property
    def shown(self) -> str:
        """Everything a user could see of this run: the result, the push error, the program's log line."""
        return json.dumps(self.result.as_dict()) + str(self.result.push_error) + log_line(self.result)


def heartbeat(alertmanager_url: str, push_url: str, send: bool = True, **options: Any) -> HeartbeatRun:
    """One heartbeat over real HTTP; backoff waits are recorded instead of slept."""
    settings = settings_from_options(
        {"alertmanager_url": alertmanager_url, "push_url": push_url, "use_proxy": False, **options}
    )
    waits: list[float] = []
    transport = UrllibTransport(settings.tls, use_proxy=settings.use_proxy)
    return HeartbeatRun(run_heartbeat(settings, transport, send=send, wait=waits.append), waits)
