"""The timer's program against the fake servers: exit codes 0/1/2/3 and one log line that names the host only."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils import _program

from lab.installed import install_core
from tests.fault.fake_http import FakeServer, json_reply
from tests.fault.serve import serve_alertmanager, serve_kuma
from tests.payloads import KUMA_NOT_FOUND, am_alert

PROGRAM = "alertmanager-kuma-heartbeat"


def write_settings(directory: Path, fake_alertmanager: FakeServer, push_url: str, **options: object) -> Path:
    settings_file = directory / "settings.json"
    settings_file.write_text(
        json.dumps({"alertmanager_url": fake_alertmanager.url, "push_url": push_url, "retries": 0, **options})
    )
    return settings_file


def run_main(settings_file: Path, *flags: str) -> tuple[int, str]:
    log = io.StringIO()
    code = _program.main(["--settings", str(settings_file), *flags], log=log)
    return code, log.getvalue()


def test_an_up_verdict_kuma_takes_exits_0_with_one_line_naming_the_push_host(
    tmp_path: Path, fake_alertmanager: FakeServer, fake_kuma: FakeServer, token: str
) -> None:
    serve_alertmanager(fake_alertmanager, [am_alert()])
    settings_file = write_settings(tmp_path, fake_alertmanager, serve_kuma(fake_kuma, token))

    code, logged = run_main(settings_file)

    assert code == 0
    assert logged.count("\n") == 1
    assert logged.startswith(f"{PROGRAM}: status=up pushed=yes push_host={fake_kuma.host} attempts=1 ping=")
    assert token not in logged
    assert len(fake_kuma.received_at(f"/api/push/{token}")) == 1


def test_a_silenced_watchdog_exits_1_after_pushing_down(
    tmp_path: Path, fake_alertmanager: FakeServer, fake_kuma: FakeServer, token: str
) -> None:
    serve_alertmanager(fake_alertmanager, [am_alert(state="suppressed", silenced_by=["5f1c"])])
    settings_file = write_settings(tmp_path, fake_alertmanager, serve_kuma(fake_kuma, token))

    code, logged = run_main(settings_file)

    assert code == 1
    assert f"status=down pushed=yes push_host={fake_kuma.host}" in logged
    assert "(silenced)" in logged
    assert token not in logged


def test_bad_settings_exit_2_and_nothing_is_sent(
    tmp_path: Path, fake_alertmanager: FakeServer, fake_kuma: FakeServer, token: str
) -> None:
    settings_file = write_settings(
        tmp_path, fake_alertmanager, serve_kuma(fake_kuma, token), matchers=['alertname=~"("']
    )

    code, logged = run_main(settings_file)

    assert code == 2
    assert logged.startswith(f"{PROGRAM}: invalid settings: matchers[0]: ")
    assert token not in logged
    assert fake_alertmanager.received == []
    assert fake_kuma.received == []


def test_a_refused_push_exits_3_with_kumas_message(
    tmp_path: Path, fake_alertmanager: FakeServer, fake_kuma: FakeServer, token: str
) -> None:
    serve_alertmanager(fake_alertmanager, [am_alert()])
    push_url = serve_kuma(fake_kuma, token, json_reply(KUMA_NOT_FOUND, status=404))
    settings_file = write_settings(tmp_path, fake_alertmanager, push_url)

    code, logged = run_main(settings_file)

    assert code == 3
    assert "status=up pushed=no" in logged
    assert (
        f'push_error="Kuma at {fake_kuma.host} refused the heartbeat: Monitor not found or not active. (HTTP 404)"'
        in (logged)
    )
    assert token not in logged


def test_check_asks_alertmanager_and_pushes_nothing(
    tmp_path: Path, fake_alertmanager: FakeServer, fake_kuma: FakeServer, token: str
) -> None:
    serve_alertmanager(fake_alertmanager, [am_alert()])
    settings_file = write_settings(tmp_path, fake_alertmanager, serve_kuma(fake_kuma, token))

    code, logged = run_main(settings_file, "--check")

    assert code == 0
    assert "status=up pushed=no" in logged
    assert len(fake_alertmanager.received) == 3
    assert fake_kuma.received == []


def test_the_alertmanager_password_never_reaches_the_log(
    tmp_path: Path, fake_alertmanager: FakeServer, fake_kuma: FakeServer, token: str
) -> None:
    serve_alertmanager(fake_alertmanager, [am_alert()])
    settings_file = write_settings(
        tmp_path,
        fake_alertmanager,
        serve_kuma(fake_kuma, token),
        alertmanager_username="heartbeat",
        alertmanager_password="Hunter2Secret9",
    )

    code, logged = run_main(settings_file)

    assert code == 0
    assert "Hunter2Secret9" not in logged
    assert fake_alertmanager.received[0].headers["Authorization"].startswith("Basic ")


@pytest.fixture
def installed_program(tmp_path: Path) -> Path:
    """The program as the heartbeat_timer role lays it out: the core's files as a package, and a launcher."""
    lib_dir = install_core(tmp_path)
    launcher = tmp_path / PROGRAM
    launcher.write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(lib_dir)!r})\n"
        "from alertmanager_kuma._program import main\n"
        "sys.exit(main())\n"
    )
    return launcher


def run_installed(launcher: Path, settings_file: Path) -> subprocess.CompletedProcess:
    # -I: isolated, as the role's launcher runs, so nothing of this checkout or venv leaks in.
    return subprocess.run(
        [sys.executable, "-I", str(launcher), "--settings", str(settings_file)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("watchdog", "kuma_answers", "code"),
    [
        (True, (), 0),
        (False, (), 1),
        (True, (json_reply(KUMA_NOT_FOUND, status=404),), 3),
    ],
    ids=["up", "down", "push refused"],
)
def test_the_installed_program_exits_with_the_verdict_and_logs_one_line_without_the_token(
    tmp_path: Path,
    installed_program: Path,
    fake_alertmanager: FakeServer,
    fake_kuma: FakeServer,
    token: str,
    watchdog: bool,
    kuma_answers: tuple,
    code: int,
) -> None:
    # Made when the test runs: made at collection, the alert could be stale by then in a long suite.
    serve_alertmanager(fake_alertmanager, [am_alert()] if watchdog else [])
    settings_file = write_settings(tmp_path, fake_alertmanager, serve_kuma(fake_kuma, token, *kuma_answers))

    finished = run_installed(installed_program, settings_file)

    assert finished.returncode == code, finished.stderr
    assert finished.stdout == ""
    assert finished.stderr.count("\n") == 1
    assert f"push_host={fake_kuma.host}" in finished.stderr
    assert token not in finished.stdout + finished.stderr
    assert len(fake_kuma.received_at(f"/api/push/{token}")) == 1


def test_the_installed_program_exits_2_on_bad_settings_and_sends_nothing(
    tmp_path: Path, installed_program: Path, fake_alertmanager: FakeServer, fake_kuma: FakeServer, token: str
) -> None:
    settings_file = write_settings(tmp_path, fake_alertmanager, f"ftp://{fake_kuma.host}/api/push/{token}")

    finished = run_installed(installed_program, settings_file)

    assert finished.returncode == 2
    assert (
        finished.stderr
        == f"{PROGRAM}: invalid settings: push_url: must be an http:// or https:// URL, got scheme 'ftp'\n"
    )
    assert fake_alertmanager.received == []
    assert fake_kuma.received == []
