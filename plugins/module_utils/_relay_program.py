# Copyright: Contributors to the watchdog.alertmanager_kuma collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The relay as a long-running program, for the relay role's systemd service.

Private to the collection (leading underscore). Standard library only. Reads its settings from a JSON file
(handed over by systemd as a credential), serves until SIGTERM, logs one line per request naming the push
host only. Exit status 2 for unusable settings.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
from collections.abc import Sequence
from typing import IO

from ._relay import make_server, relay_settings_from_options
from ._settings import SettingsError
from ._transport import TransportError, UrllibTransport

PROGRAM = "alertmanager-kuma-relay"
EXIT_SETTINGS = 2


def main(argv: Sequence[str] | None = None, log: IO[str] = sys.stderr) -> int:
    parser = argparse.ArgumentParser(
        prog=PROGRAM, description="Relay Alertmanager's webhook to an Uptime Kuma push monitor."
    )
    parser.add_argument("--settings", required=True, help="JSON file of the relay's options")
    args = parser.parse_args(argv)
    try:
        with open(args.settings, encoding="utf-8") as handle:
            settings = relay_settings_from_options(json.load(handle))
        transport = UrllibTransport(settings.tls, settings.use_proxy, PROGRAM, needs_tls=settings.needs_tls())
        server = make_server(settings, transport, log, time.sleep)
    except (OSError, ValueError) as error:
        reason = error if isinstance(error, SettingsError) else type(error).__name__
        log.write(f"{PROGRAM}: invalid settings: {reason}\n")
        return EXIT_SETTINGS
    except TransportError as error:
        log.write(f"{PROGRAM}: invalid settings: {error.reason}\n")
        return EXIT_SETTINGS
    # shutdown() waits for serve_forever() to return, so it must come from another thread than the one serving.
    signal.signal(signal.SIGTERM, lambda *_args: threading.Thread(target=server.shutdown).start())
    hosts = ", ".join(sorted({target.host for target in settings.routes.values()}))
    log.write(f"{PROGRAM}: listening on {settings.host}:{settings.port}, pushing to {hosts}\n")
    log.flush()
    with server:
        server.serve_forever()
    log.write(f"{PROGRAM}: stopped\n")
    return 0
