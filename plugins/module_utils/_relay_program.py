# Copyright: Contributors to the watchdog.alertmanager_kuma collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The relay as a long-running program, for the relay role's systemd service.

Private to the collection (leading underscore). Standard library only. Reads its settings from a JSON file
(handed over by systemd as a credential), serves until SIGTERM, logs one line per request naming the push
host only. SIGTERM lets the requests in flight finish first; SIGHUP reads the settings file again (unusable
ones are refused and the settings in use kept). Exits 0 when stopped, 1 when it cannot listen, 2 for unusable
settings (named, never quoted).
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
from ._relay_server import SHUTDOWN_GRACE_SECONDS, Relay, RelayServer, make_server, write_line
from ._relay_settings import RelaySettings, relay_settings_from_options
from ._transport import TransportError, UrllibTransport

PROGRAM = "alertmanager-kuma-relay"
EXIT_STOPPED = 0
EXIT_CANNOT_LISTEN = 1
EXIT_SETTINGS = 2


def _load(path: str) -> tuple[RelaySettings, UrllibTransport]:
    """The settings file's relay and its transport; SettingsError or TransportError if they are unusable."""
    settings = relay_settings_from_options(read_options_file(path))
    return settings, UrllibTransport(settings.tls, settings.use_proxy, PROGRAM, needs_tls=settings.needs_tls())


def _refusal(error: SettingsError | TransportError) -> str:
    return f"invalid settings: {error.reason if isinstance(error, TransportError) else error}"


def _push_hosts(settings: RelaySettings) -> str:
    return ", ".join(sorted({push_url.host for push_url in settings.routes.values()}))


def _reload(server: RelayServer, path: str, log: IO[str]) -> None:
    try:
        settings, transport = _load(path)
    except (SettingsError, TransportError) as error:
        write_line(log, f"{PROGRAM}: reload refused, the settings in use are kept: {_refusal(error)}")
        return
    old = server.relay.settings
    server.reload(Relay(settings, transport))
    moved = (settings.host, settings.port) != (old.host, old.port)
    # The listening socket is not given up on a reload: a new address needs a restart.
    kept = f", still listening on {old.host}:{old.port} until a restart" if moved else ""
    write_line(log, f"{PROGRAM}: settings reloaded, pushing to {_push_hosts(settings)}{kept}")


def main(argv: Sequence[str] | None = None, log: IO[str] = sys.stderr) -> int:
    parser = argparse.ArgumentParser(
        prog=PROGRAM, description="Relay Alertmanager's webhook to an Uptime Kuma push monitor."
    )
    parser.add_argument("--settings", required=True, help="JSON file of the relay's options")
    parser.add_argument("--validate", action="store_true", help="only validate the settings file, listen to nothing")
    args = parser.parse_args(argv)
    try:
        settings, transport = _load(args.settings)
    except (SettingsError, TransportError) as error:
        write_line(log, f"{PROGRAM}: {_refusal(error)}")
        return EXIT_SETTINGS
    hosts = _push_hosts(settings)
    if args.validate:
        write_line(log, f"{PROGRAM}: settings valid, push_host={hosts}")
        return EXIT_STOPPED
    try:
        server = make_server(settings, transport, log, time.sleep)
    except OSError as error:
        # Port taken, address not on this host, a name that does not resolve: systemd restarts and logs it.
        reason = (error.strerror or type(error).__name__).lower()
        write_line(log, f"{PROGRAM}: cannot listen on {settings.host}:{settings.port}: {reason}")
        return EXIT_CANNOT_LISTEN

    def stop(*_args: object) -> None:
        # shutdown() waits for serve_forever() to return, so it must come from another thread than the one serving.
        threading.Thread(target=server.shutdown).start()

    def reload(*_args: object) -> None:
        # Without a handler SIGHUP ends the process with a clean status, and Restart=on-failure leaves it down.
        _reload(server, args.settings, log)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGHUP, reload)
    write_line(log, f"{PROGRAM}: listening on {settings.host}:{settings.port}, pushing to {hosts}")
    with server:
        server.serve_forever()
    if server.unfinished:
        write_line(log, f"{PROGRAM}: stopped, {server.unfinished} requests unanswered after {SHUTDOWN_GRACE_SECONDS} s")
    else:
        write_line(log, f"{PROGRAM}: stopped")
    return EXIT_STOPPED
