# Copyright: Contributors to the watchdog.alertmanager_kuma collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The relay as a long-running program, for the relay role's systemd service.

Private to the collection (leading underscore). Standard library only. Reads its settings from a JSON file
(handed over by systemd as a credential), serves until SIGTERM, logs one line per request naming the push
host only. Exits 0 when stopped, 1 when it cannot listen, 2 for unusable settings (named, never quoted).
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from collections.abc import Sequence
from typing import IO

from ._option import SettingsError, read_options_file
from ._relay_server import make_server
from ._relay_settings import RelaySettings, relay_settings_from_options
from ._transport import TransportError, UrllibTransport

PROGRAM = "alertmanager-kuma-relay"
EXIT_STOPPED = 0
EXIT_CANNOT_LISTEN = 1
EXIT_SETTINGS = 2


def _load_settings(path: str) -> RelaySettings:
    return relay_settings_from_options(read_options_file(path))


def main(argv: Sequence[str] | None = None, log: IO[str] = sys.stderr) -> int:
    parser = argparse.ArgumentParser(
        prog=PROGRAM, description="Relay Alertmanager's webhook to an Uptime Kuma push monitor."
    )
    parser.add_argument("--settings", required=True, help="JSON file of the relay's options")
    parser.add_argument("--validate", action="store_true", help="only validate the settings file, listen to nothing")
    args = parser.parse_args(argv)
    try:
        settings = _load_settings(args.settings)
        transport = UrllibTransport(settings.tls, settings.use_proxy, PROGRAM, needs_tls=settings.needs_tls())
    except SettingsError as error:
        log.write(f"{PROGRAM}: invalid settings: {error}\n")
        return EXIT_SETTINGS
    except TransportError as error:
        log.write(f"{PROGRAM}: invalid settings: {error.reason}\n")
        return EXIT_SETTINGS
    hosts = ", ".join(sorted({push_url.host for push_url in settings.routes.values()}))
    if args.validate:
        log.write(f"{PROGRAM}: settings valid, push_host={hosts}\n")
        return EXIT_STOPPED
    try:
        server = make_server(settings, transport, log, time.sleep)
    except OSError as error:
        # Port taken, address not on this host, a name that does not resolve: systemd restarts and logs it.
        reason = (error.strerror or type(error).__name__).lower()
        log.write(f"{PROGRAM}: cannot listen on {settings.host}:{settings.port}: {reason}\n")
        return EXIT_CANNOT_LISTEN

    def stop(*_args: object) -> None:
        # shutdown() waits for serve_forever() to return, so it must come from another thread than the one serving.
        threading.Thread(target=server.shutdown).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.write(f"{PROGRAM}: listening on {settings.host}:{settings.port}, pushing to {hosts}\n")
    log.flush()
    with server:
        server.serve_forever()
    log.write(f"{PROGRAM}: stopped\n")
    return EXIT_STOPPED
