"""The roles install exactly the core files each program imports, read from the code, never a hand-kept list."""

from __future__ import annotations

from ansible_collections.watchdog.alertmanager_kuma.plugins.filter.core_files import _core_files


def test_the_heartbeat_program_needs_its_check_and_push_but_not_the_relay() -> None:
    files = _core_files("_program")

    assert {"_program.py", "_heartbeat.py", "_alertmanager.py", "_kuma.py", "_transport.py"} <= set(files)
    assert not any("relay" in name or "webhook" in name for name in files)
    assert "_timer_checks.py" not in files


def test_the_relay_needs_its_server_and_the_push_but_not_the_alertmanager_check() -> None:
    files = _core_files(["_relay_program"])

    assert {"_relay_program.py", "_relay_server.py", "_webhook.py", "_kuma.py"} <= set(files)
    assert "_alertmanager.py" not in files
