"""Every option is checked before anything is sent, and no refusal quotes the push token."""

from __future__ import annotations

import pytest
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._heartbeat_settings import (
    settings_from_options,
)
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._option import SettingsError
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._urls import parse_base_url, parse_push_url
from ansible_collections.watchdog.alertmanager_kuma.tests.unit.plugins.module_utils.stubs import (
    TOKEN,
    any_token,
    make_settings,
)
from hypothesis import given
from hypothesis import strategies as st


def refusal(**options: object) -> SettingsError:
    with pytest.raises(SettingsError) as refused:
        make_settings(**options)
    return refused.value


def test_the_push_url_kuma_shows_can_be_pasted_whole_and_its_query_is_dropped() -> None:
    target = parse_push_url(f"http://kuma.example.com:3001/api/push/{TOKEN}?status=up&msg=OK&ping=")

    assert target.url == f"http://kuma.example.com:3001/api/push/{TOKEN}"
    assert target.token == TOKEN
    assert target.host == "kuma.example.com:3001"


def test_a_path_prefix_before_api_push_is_kept() -> None:
    target = parse_push_url(f"https://example.com/status/kuma/api/push/{TOKEN}/")

    assert target.url == f"https://example.com/status/kuma/api/push/{TOKEN}"
    assert target.host == "example.com"


def test_an_ipv6_push_host_is_named_with_brackets() -> None:
    assert parse_push_url(f"http://[::1]:3001/api/push/{TOKEN}").host == "[::1]:3001"


@pytest.mark.parametrize(
    "push_url",
    [
        f"ftp://kuma.example.com/api/push/{TOKEN}",
        f"file:///api/push/{TOKEN}",
        f"kuma.example.com:3001/api/push/{TOKEN}",
        f"//kuma.example.com/api/push/{TOKEN}",
        f"javascript:/api/push/{TOKEN}",
    ],
)
def test_a_push_url_that_is_not_http_or_https_is_refused(push_url: str) -> None:
    error = refusal(push_url=push_url)

    assert error.option == "push_url"
    assert "http:// or https://" in str(error)
    assert TOKEN not in str(error)


@pytest.mark.parametrize(
    "push_url",
    [
        "http://kuma.example.com:3001/",
        "http://kuma.example.com:3001/api/push/",
        "http://kuma.example.com:3001/api/push",
        f"http://kuma.example.com:3001/api/pushes/{TOKEN}",
        f"http://kuma.example.com:3001/api/push/{TOKEN}/extra",
        f"http://kuma.example.com:3001/dashboard?token={TOKEN}",
    ],
)
def test_a_push_url_without_api_push_and_a_token_is_refused(push_url: str) -> None:
    error = refusal(push_url=push_url)

    assert error.option == "push_url"
    assert "/api/push/<token>" in str(error)
    assert TOKEN not in str(error)


@pytest.mark.parametrize("option", ["push_url", "alertmanager_url"])
def test_credentials_embedded_in_a_url_are_refused(option: str) -> None:
    urls = {
        "push_url": f"http://admin:hunter2@kuma.example.com/api/push/{TOKEN}",
        "alertmanager_url": "http://admin:hunter2@127.0.0.1:9093",
    }
    error = refusal(**{option: urls[option]})

    assert error.option == option
    assert "credentials" in str(error)
    assert "hunter2" not in str(error)
    assert TOKEN not in str(error)


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("", "is required"),
        (None, "is required"),
        (9093, "must be a string"),
        ("http:///api/v2", "has no host"),
        ("http://127.0.0.1:99999", "not a valid URL"),
        ("tcp://127.0.0.1:9093", "http:// or https://"),
    ],
)
def test_an_unusable_alertmanager_url_is_refused(url: object, problem: str) -> None:
    error = refusal(alertmanager_url=url)

    assert error.option == "alertmanager_url"
    assert problem in str(error)


@pytest.mark.parametrize("option", ["push_url", "alertmanager_url"])
@pytest.mark.parametrize("mark", [" ", "\t", "\n", "\x00", "\u200b"])
def test_a_url_with_a_space_or_control_character_inside_is_refused(option: str, mark: str) -> None:
    urls = {
        "push_url": f"http://kuma.example.com/api/push/{TOKEN[:6]}{mark}{TOKEN[6:]}",
        "alertmanager_url": f"http://127.0.0.1:9093/a{mark}m",
    }

    error = refusal(**{option: urls[option]})

    assert error.option == option
    assert "spaces or control characters" in error.problem
    assert TOKEN[:6] not in str(error)


def test_spaces_around_a_url_are_trimmed() -> None:
    assert parse_push_url(f"  http://kuma.example.com/api/push/{TOKEN}\n").token == TOKEN


def test_the_alertmanager_route_prefix_is_kept_without_its_trailing_slash() -> None:
    assert parse_base_url("alertmanager_url", "https://example.com/alertmanager/") == "https://example.com/alertmanager"
    assert parse_base_url("alertmanager_url", "http://127.0.0.1:9093/?x=1") == "http://127.0.0.1:9093"


def test_options_left_out_get_the_documented_defaults() -> None:
    settings = make_settings()

    assert (settings.timeout, settings.retries, settings.max_age, settings.min_peers) == (3.0, 3, 300.0, 0)
    assert settings.on_failure == "down"
    assert [matcher.render() for matcher in settings.matchers] == ['alertname="Watchdog"']
    assert settings.tls.validate_certs is True
    assert settings.use_proxy is True


def test_numbers_written_as_strings_are_accepted() -> None:
    settings = make_settings(timeout="2.5", retries="2", max_age="60", min_peers="1")

    assert (settings.timeout, settings.retries, settings.max_age, settings.min_peers) == (2.5, 2, 60.0, 1)


@pytest.mark.parametrize(
    ("option", "value", "problem"),
    [
        ("timeout", -1, "at least 0"),
        ("timeout", 0, "greater than 0"),
        ("timeout", "soon", "must be a number"),
        ("timeout", True, "must be a number"),
        ("timeout", [3], "must be a number"),
        ("timeout", float("nan"), "finite"),
        ("timeout", float("inf"), "finite"),
        ("retries", -1, "at least 0"),
        ("retries", 1.5, "whole number"),
        ("retries", "three", "must be a number"),
        ("retries", float("inf"), "must be a number"),
        ("max_age", -5, "at least 0"),
        ("max_age", "nan", "finite"),
        ("min_peers", -1, "at least 0"),
    ],
)
def test_a_negative_or_non_numeric_number_is_refused_by_name(option: str, value: object, problem: str) -> None:
    error = refusal(**{option: value})

    assert error.option == option
    assert problem in error.problem


@pytest.mark.parametrize("option", ["validate_certs", "use_proxy"])
@pytest.mark.parametrize("value", ["false", "no", 0, 1])
def test_a_switch_that_is_not_true_or_false_is_refused_rather_than_read_as_true(option: str, value: object) -> None:
    error = refusal(**{option: value})

    assert error.option == option
    assert "true or false" in error.problem


def test_switches_turned_off_stay_off() -> None:
    settings = make_settings(validate_certs=False, use_proxy=False)

    assert settings.tls.validate_certs is False
    assert settings.use_proxy is False


def test_an_unknown_on_failure_is_refused_with_the_choices() -> None:
    error = refusal(on_failure="retry")

    assert error.option == "on_failure"
    assert "down, skip" in error.problem


def test_an_unknown_option_is_named() -> None:
    assert refusal(push_token="x").option == "push_token"


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ({"client_cert": "/etc/ssl/client.pem"}, "client_key"),
        ({"client_key": "/etc/ssl/client.key"}, "client_cert"),
        ({"alertmanager_username": "heartbeat"}, "alertmanager_password"),
        ({"alertmanager_password": "hunter2"}, "alertmanager_username"),
        (
            {"alertmanager_username": "u", "alertmanager_password": "p", "alertmanager_bearer_token": "b"},
            "alertmanager_bearer_token",
        ),
    ],
)
def test_options_that_go_together_are_refused_alone(options: dict, named: str) -> None:
    error = refusal(**options)

    assert error.option == named
    assert "hunter2" not in str(error)


def test_the_settings_know_their_secrets_and_do_not_print_them() -> None:
    settings = make_settings(alertmanager_username="heartbeat", alertmanager_password="hunter2")
    bearer = make_settings(alertmanager_bearer_token="b3arer-secret")

    assert set(settings.secrets()) == {TOKEN, "hunter2"}
    assert set(bearer.secrets()) == {TOKEN, "b3arer-secret"}
    for shown in (repr(settings), repr(bearer), str(settings.push_url)):
        assert TOKEN not in shown
        assert "hunter2" not in shown
        assert "b3arer-secret" not in shown


_BREAKAGES = {
    "scheme": lambda token: {"push_url": f"ftp://kuma.example.com/api/push/{token}"},
    "credentials": lambda token: {"push_url": f"http://user:pw@kuma.example.com/api/push/{token}"},
    "extra path": lambda token: {"push_url": f"http://kuma.example.com/api/push/{token}/x"},
    "no scheme": lambda token: {"push_url": f"kuma.example.com:3001/api/push/{token}"},
    "timeout": lambda token: {"push_url": f"http://kuma.example.com/api/push/{token}", "timeout": -1},
    "matchers": lambda token: {"push_url": f"http://kuma.example.com/api/push/{token}", "matchers": ["a=~("]},
    "alertmanager_url": lambda token: {
        "push_url": f"http://kuma.example.com/api/push/{token}",
        "alertmanager_url": "gopher://x",
    },
}


@given(token=any_token, breakage=st.sampled_from(sorted(_BREAKAGES)))
def test_for_any_token_a_refused_setting_never_quotes_it(token: str, breakage: str) -> None:
    options = {"alertmanager_url": "http://127.0.0.1:9093", **_BREAKAGES[breakage](token)}

    with pytest.raises(SettingsError) as refused:
        settings_from_options(options)

    assert token not in str(refused.value)
    assert token not in refused.value.option


@pytest.mark.parametrize("option", ["push_url", "alertmanager_url"])
def test_a_url_with_non_ascii_characters_is_refused_by_name(option: str) -> None:
    error = refusal(**{option: "http://kuma.example.com/api/push/tökenÜ123"})

    assert (error.option, error.problem) == (option, "must be ASCII: percent-encode other characters")
