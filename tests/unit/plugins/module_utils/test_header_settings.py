"""Credentials and names that would break a request header are refused by option name, and never quoted."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._option import SettingsError
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._program import EXIT_SETTINGS, main
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._timer_checks import read_check
from ansible_collections.watchdog.alertmanager_kuma.tests.unit.plugins.module_utils.stubs import make_settings

SECRET = "s3cretValue9Q"
CREDENTIALS = {
    "alertmanager_bearer_token": {},
    "prometheus_bearer_token": {"prometheus_url": "http://127.0.0.1:9090"},
    "alertmanager_password": {"alertmanager_username": "am"},
    "prometheus_password": {"prometheus_url": "http://127.0.0.1:9090", "prometheus_username": "prom"},
}
PARTNERS = {"alertmanager_username": "alertmanager_password", "prometheus_username": "prometheus_password"}
BREAKS = ["\r\n", "\n", "\r", "\x00", "\t", "\x1b", "\x7f", "\x85"]


def _refusal(**options: object) -> SettingsError:
    with pytest.raises(SettingsError) as refused:
        make_settings(**options)
    return refused.value


@pytest.mark.parametrize("mark", BREAKS, ids=[repr(mark) for mark in BREAKS])
@pytest.mark.parametrize("option", CREDENTIALS)
def test_a_control_character_in_a_secret_is_refused_by_name_without_quoting_it(option: str, mark: str) -> None:
    refused = _refusal(**CREDENTIALS[option], **{option: SECRET + mark + "X-Injected: 1"})

    assert str(refused) == f"{option}: must not contain control characters (such as a line break)"
    assert SECRET not in str(refused)


@pytest.mark.parametrize("option", PARTNERS)
def test_a_control_character_in_a_user_name_is_refused_by_name(option: str) -> None:
    extra = {"prometheus_url": "http://127.0.0.1:9090"} if option.startswith("prometheus") else {}

    refused = _refusal(**extra, **{option: "am\r\nX-Injected: 1", PARTNERS[option]: SECRET})

    assert str(refused) == f"{option}: must not contain control characters (such as a line break)"


@pytest.mark.parametrize("option", ["alertmanager_bearer_token", "prometheus_bearer_token"])
def test_a_bearer_token_that_http_cannot_send_is_refused_by_name(option: str) -> None:
    refused = _refusal(**CREDENTIALS[option], **{option: SECRET + "€"})

    assert str(refused) == f"{option}: must be ASCII (an HTTP header cannot carry other characters)"
    assert SECRET not in str(refused)


def test_a_user_name_and_password_of_any_printable_characters_are_accepted() -> None:
    settings = make_settings(alertmanager_username="José", alertmanager_password="pä ss:wörd")

    assert settings.alertmanager_password == "pä ss:wörd"


def test_a_receiver_with_a_line_break_is_refused_by_name() -> None:
    refused = _refusal(receiver="kuma\nother")

    assert str(refused) == "receiver: must not contain control characters (such as a line break)"


def test_the_timer_roles_preflight_refuses_the_same_naming_the_check() -> None:
    check = {
        "name": "am1",
        "alertmanager_url": "http://127.0.0.1:9093",
        "push_url": "http://kuma.example.com/api/push/pU5hT0kEnQx7Zr2m",
        "alertmanager_bearer_token": SECRET + "\r\n",
    }

    with pytest.raises(SettingsError) as refused:
        read_check(check, 1, {})

    assert refused.value.option == "heartbeat_timer_checks[1].alertmanager_bearer_token"
    assert SECRET not in str(refused.value)


def test_the_program_refuses_a_line_break_in_a_token_before_any_request(tmp_path: Path) -> None:
    settings_file = tmp_path / "settings.json"
    settings_file.write_text(
        json.dumps(
            {
                "alertmanager_url": "http://127.0.0.1:9093",
                "push_url": "http://kuma.example.com/api/push/pU5hT0kEnQx7Zr2m",
                "prometheus_url": "http://127.0.0.1:9090",
                "prometheus_bearer_token": SECRET + "\n",
            }
        )
    )
    log = io.StringIO()

    code = main(["--settings", str(settings_file), "--validate"], log=log)

    assert code == EXIT_SETTINGS
    assert log.getvalue() == (
        "alertmanager-kuma-heartbeat: invalid settings:"
        " prometheus_bearer_token: must not contain control characters (such as a line break)\n"
    )
