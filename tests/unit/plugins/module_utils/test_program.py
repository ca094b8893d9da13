"""The timer's program: a settings file in, one log line and an exit code out (runs against servers: tests/fault)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils import _program
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._heartbeat import run_heartbeat
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._transport import TransportError
from ansible_collections.watchdog.alertmanager_kuma.tests.payloads import KUMA_NOT_FOUND, am_alert
from ansible_collections.watchdog.alertmanager_kuma.tests.unit.plugins.module_utils.stubs import (
    KUMA_HOST,
    TOKEN,
    StubTransport,
    alertmanager_script,
    kuma_script,
    make_settings,
    response,
)

PUSH_URL = f"http://{KUMA_HOST}/api/push/{TOKEN}"


def run_program(tmp_path: Path, content: str, *flags: str) -> tuple[int, str]:
    settings_file = tmp_path / "settings.json"
    settings_file.write_text(content)
    log = io.StringIO()
    code = _program.main(["--settings", str(settings_file), *flags], log=log)
    return code, log.getvalue()


def test_validate_accepts_good_settings_naming_the_push_host_only(tmp_path: Path) -> None:
    options = {"alertmanager_url": "http://127.0.0.1:9093", "push_url": PUSH_URL}

    code, logged = run_program(tmp_path, json.dumps(options), "--validate")

    assert code == _program.EXIT_UP
    assert logged == f"alertmanager-kuma-heartbeat: settings valid, push_host={KUMA_HOST}\n"


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("{not json", "--settings: the file is not valid JSON"),
        ('["alertmanager_url"]', "--settings: the file must hold a JSON object of options"),
        (json.dumps({"alertmanager_url": "http://127.0.0.1:9093", "push_url": PUSH_URL, "timeout": -1}), "timeout:"),
        (json.dumps({"alertmanager_url": "http://127.0.0.1:9093", "push_url": PUSH_URL + "/x"}), "push_url:"),
        (json.dumps({"alertmanager_url": "http://127.0.0.1:9093", "push_url": PUSH_URL, "retries": 1e999}), "retries"),
    ],
)
def test_unusable_settings_exit_2_naming_the_problem_and_not_the_token(
    tmp_path: Path, content: str, problem: str
) -> None:
    code, logged = run_program(tmp_path, content, "--validate")

    assert code == _program.EXIT_SETTINGS
    assert logged.startswith("alertmanager-kuma-heartbeat: invalid settings: ")
    assert problem in logged
    assert TOKEN not in logged
    assert logged.count("\n") == 1


def test_a_settings_file_that_cannot_be_read_exits_2(tmp_path: Path) -> None:
    log = io.StringIO()

    code = _program.main(["--settings", str(tmp_path / "absent.json")], log=log)

    assert code == _program.EXIT_SETTINGS
    assert "--settings: cannot read the file: No such file or directory" in log.getvalue()


def test_an_unusable_ca_file_exits_2_naming_ca_path(tmp_path: Path) -> None:
    options = {"alertmanager_url": "https://127.0.0.1:9093", "push_url": PUSH_URL, "ca_path": str(tmp_path / "no.pem")}

    code, logged = run_program(tmp_path, json.dumps(options))

    assert code == _program.EXIT_SETTINGS
    assert logged == "alertmanager-kuma-heartbeat: TLS settings unusable: ca_path: no such file or directory\n"


def heartbeat(alerts: list, *kuma_answers: object):
    transport = StubTransport({**alertmanager_script(alerts), **kuma_script(*kuma_answers)})
    return run_heartbeat(make_settings(retries=0), transport, wait=[].append)


def test_the_log_line_holds_status_pushed_host_attempts_ping_and_message() -> None:
    result = heartbeat([am_alert()])

    line = _program.log_line(result)

    assert line.startswith(f"status=up pushed=yes push_host={KUMA_HOST} attempts=1 ping=")
    assert f"msg={json.dumps(result.verdict.msg)}" in line
    assert "push_error" not in line


def test_the_log_line_of_a_failed_push_adds_the_push_error() -> None:
    result = heartbeat([am_alert()], response(404, document=KUMA_NOT_FOUND))

    assert 'push_error="Kuma at kuma.example.com:3001 refused the heartbeat' in _program.log_line(result)


def test_an_unreachable_alertmanager_logs_no_ping() -> None:
    transport = StubTransport({"/api/v2/status": [TransportError("connection refused")], **kuma_script()})
    result = run_heartbeat(make_settings(), transport, wait=[].append)

    assert " ping=- " in _program.log_line(result)


@pytest.mark.parametrize(
    ("watchdog", "kuma", "code"),
    [
        (True, response(document={"ok": True}), _program.EXIT_UP),
        (False, response(document={"ok": True}), _program.EXIT_DOWN),
        (True, response(404, document=KUMA_NOT_FOUND), _program.EXIT_PUSH_FAILED),
        (False, response(404, document=KUMA_NOT_FOUND), _program.EXIT_PUSH_FAILED),
    ],
)
def test_the_exit_code_says_up_down_or_push_failed(watchdog: bool, kuma: object, code: int) -> None:
    # The alert is made when the test runs: made at collection, it could be stale by then in a long suite.
    alerts = [am_alert()] if watchdog else []

    assert _program.exit_code(heartbeat(alerts, kuma)) == code
