# Copyright: Contributors to the watchdog.alertmanager_kuma collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The heartbeat as a command-line program, for the systemd timer on hosts without Ansible.

Private to the collection (leading underscore). Standard library only. Reads its settings (the module's
options) from a JSON file, runs one heartbeat, logs one line that names the push host only, and exits
0 when the verdict is up and Kuma took it, 1 when the verdict is down, 2 for unusable settings,
3 when Kuma did not take the heartbeat, 4 when the check itself failed (it still pushes DOWN with why).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from typing import IO

from ._heartbeat import HeartbeatResult, run_heartbeat
from ._heartbeat_settings import HeartbeatSettings, settings_from_options
from ._option import SettingsError, read_options_file
from ._redact import redact
from ._transport import TransportError, UrllibTransport
from ._verdict import UP

EXIT_UP = 0
EXIT_DOWN = 1
EXIT_SETTINGS = 2
EXIT_PUSH_FAILED = 3
EXIT_NOT_JUDGED = 4
PROGRAM = "alertmanager-kuma-heartbeat"
STATE_FILE = "state.json"


def _load_settings(path: str) -> HeartbeatSettings:
    settings = settings_from_options(read_options_file(path))
    # systemd's StateDirectory= (one per check, owned by the dynamic user) when the settings name no state file.
    state_directory = os.environ.get("STATE_DIRECTORY", "").split(":")[0]
    if settings.state_path is None and state_directory:
        return replace(settings, state_path=os.path.join(state_directory, STATE_FILE))
    return settings


def log_line(result: HeartbeatResult) -> str:
    fields = [
        f"status={result.verdict.status}",
        "pushed={}".format("yes" if result.pushed else "no"),
        f"push_host={result.push_host}",
        f"attempts={result.attempts}",
        "ping={}".format("-" if result.verdict.ping is None else f"{result.verdict.ping}ms"),
        f"msg={json.dumps(result.verdict.msg)}",
    ]
    if result.push_error:
        fields.append(f"push_error={json.dumps(result.push_error)}")
    return " ".join(fields)


def exit_code(result: HeartbeatResult) -> int:
    if not result.judged:
        return EXIT_NOT_JUDGED
    if result.push_error:
        return EXIT_PUSH_FAILED
    return EXIT_UP if result.verdict.status == UP else EXIT_DOWN


def main(argv: Sequence[str] | None = None, log: IO[str] = sys.stderr) -> int:
    parser = argparse.ArgumentParser(prog=PROGRAM, description="Check an Alertmanager and push the verdict to Kuma.")
    parser.add_argument("--settings", required=True, help="JSON file of the heartbeat module's options")
    parser.add_argument("--check", action="store_true", help="check and print the verdict, push nothing")
    parser.add_argument("--validate", action="store_true", help="only validate the settings file, send nothing")
    args = parser.parse_args(argv)
    secrets: list[str] = []
    try:
        settings = _load_settings(args.settings)
        secrets = settings.secrets()
        if args.validate:
            log.write(f"{PROGRAM}: settings valid, push_host={settings.push_url.host}\n")
            return EXIT_UP
        transport = UrllibTransport(
            settings.tls, use_proxy=settings.use_proxy, user_agent=PROGRAM, needs_tls=settings.needs_tls()
        )
        result = run_heartbeat(settings, transport, send=not args.check)
    except SettingsError as error:
        log.write(f"{PROGRAM}: invalid settings: {error}\n")
        return EXIT_SETTINGS
    except TransportError as error:
        log.write(f"{PROGRAM}: {redact(error.reason, secrets)}\n")
        return EXIT_SETTINGS
    log.write(f"{PROGRAM}: {redact(log_line(result), secrets)}\n")
    return exit_code(result)
