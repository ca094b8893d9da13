# Copyright: Contributors to the watchdog.alertmanager_kuma collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Alertmanager's webhook as the relay reads it: who may send it, and what a notification says.

Private to the collection (leading underscore). Standard library only. Pure: no I/O.
"""

from __future__ import annotations

import base64
import hmac
import json
from dataclasses import dataclass

from ._relay_settings import RelaySettings
from ._text import shorten_message

MAX_NAMES_SHOWN = 5


class BadRequest(Exception):
    """A request the relay refuses: ``status`` is the HTTP status, the message says why (no secret in it)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class Notification:
    status: str
    receiver: str
    alertnames: tuple[str, ...]
    firing: int

    @property
    def is_heartbeat(self) -> bool:
        return self.status == "firing" and self.firing > 0

    def message(self) -> str:
        names = ", ".join(self.alertnames[:MAX_NAMES_SHOWN]) or "no alertname"
        if len(self.alertnames) > MAX_NAMES_SHOWN:
            names += f" and {len(self.alertnames) - MAX_NAMES_SHOWN} more"
        count = "1 alert" if self.firing == 1 else f"{self.firing} alerts"
        return shorten_message(f"Alertmanager webhook: {names} firing ({count}) via receiver {self.receiver}")


def parse_notification(body: bytes) -> Notification:
    """Alertmanager's webhook JSON, version 4; anything else is a BadRequest (400)."""
    try:
        document = json.loads(body.decode("utf-8"))
    except ValueError:
        raise BadRequest(400, "the body is not JSON") from None
    except RecursionError:
        # json's parser recurses once per level: a body of "[" * 100000 ends here, not in a dropped connection.
        raise BadRequest(400, "the body is JSON nested too deeply") from None
    if not isinstance(document, dict) or document.get("version") != "4":
        raise BadRequest(400, "not an Alertmanager webhook notification (version 4)")
    alerts = document.get("alerts")
    status = document.get("status")
    if status not in ("firing", "resolved") or not isinstance(alerts, list) or not alerts:
        raise BadRequest(400, "the notification has no status firing/resolved or no alerts")
    # An alert without a status of its own cannot be counted as firing or resolved: refuse the whole body.
    if not all(isinstance(alert, dict) and alert.get("status") in ("firing", "resolved") for alert in alerts):
        raise BadRequest(400, "each alert must be an object with status firing or resolved")
    receiver = document.get("receiver")
    if not isinstance(receiver, str):
        raise BadRequest(400, "the notification names no receiver")
    firing = [alert for alert in alerts if alert["status"] == "firing"]
    names: list[str] = []
    for alert in firing:
        labels = alert.get("labels") if isinstance(alert.get("labels"), dict) else {}
        name = str(labels.get("alertname", ""))
        if name and name not in names:
            names.append(name)
    return Notification(status=status, receiver=receiver, alertnames=tuple(names), firing=len(firing))


def authorized(settings: RelaySettings, header: str | None) -> bool:
    """Whether the Authorization header carries the relay's credentials (compared in constant time)."""
    if not (settings.bearer_token or settings.username):
        return True
    if settings.bearer_token:
        expected = "Bearer " + settings.bearer_token
    else:
        pair = f"{settings.username}:{settings.password}".encode()
        expected = "Basic " + base64.b64encode(pair).decode("ascii")
    try:
        # http.client decodes a header's bytes as latin-1; Alertmanager sends the secret's UTF-8 bytes.
        sent = (header or "").encode("latin-1")
    except UnicodeEncodeError:
        # Text beyond latin-1 never came off the wire as a header, so it is no credential either.
        return False
    return hmac.compare_digest(sent, expected.encode("utf-8"))
