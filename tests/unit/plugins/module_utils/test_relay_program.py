"""The relay's program: a settings file in; a refusal naming the problem (on real ports: tests/fault)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils import _relay_program
from ansible_collections.watchdog.alertmanager_kuma.tests.unit.plugins.module_utils.stubs import KUMA_HOST, TOKEN

PUSH_URL = f"http://{KUMA_HOST}/api/push/{TOKEN}"
BEARER = "inB0undBearerXy7"


def run_program(tmp_path: Path, content: str, *flags: str) -> tuple[int, str]:
    settings_file = tmp_path / "relay.json"
    settings_file.write_text(content)
    log = io.StringIO()
    code = _relay_program.main(["--settings", str(settings_file), *flags], log=log)
    return code, log.getvalue()


def test_validate_accepts_good_settings_naming_the_push_host_only(tmp_path: Path) -> None:
    code, logged = run_program(tmp_path, json.dumps({"push_url": PUSH_URL, "auth_bearer_token": BEARER}), "--validate")

    assert code == 0
    assert logged == f"alertmanager-kuma-relay: settings valid, push_host={KUMA_HOST}\n"


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("{not json", "--settings: the file is not valid JSON"),
        (json.dumps([PUSH_URL]), "--settings: the file must hold a JSON object of options"),
        (json.dumps({"push_url": PUSH_URL + "/extra"}), "push_url: must be a Kuma push URL"),
        (json.dumps({"push_url": PUSH_URL, "timeout": -1}), "timeout: must be at least 0"),
        (json.dumps({"push_url": PUSH_URL, "auth_bearer_token": BEARER, "auth_username": "am"}), "auth_password:"),
        (json.dumps({"push_url": PUSH_URL, "ca_path": "/nonexistent/ca.pem"}), "ca_path"),
    ],
)
def test_unusable_settings_exit_2_naming_the_problem_and_no_secret(tmp_path: Path, content: str, problem: str) -> None:
    for flags in ((), ("--validate",)):
        code, logged = run_program(tmp_path, content, *flags)

        assert code == _relay_program.EXIT_SETTINGS
        assert logged.startswith("alertmanager-kuma-relay: invalid settings: ")
        assert problem in logged
        assert TOKEN not in logged and BEARER not in logged


def test_a_missing_settings_file_exits_2(tmp_path: Path) -> None:
    log = io.StringIO()

    code = _relay_program.main(["--settings", str(tmp_path / "absent.json")], log=log)

    assert code == _relay_program.EXIT_SETTINGS
    assert "--settings: cannot read the file: No such file or directory" in log.getvalue()
