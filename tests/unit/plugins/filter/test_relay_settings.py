"""The relay role's variables are read by the relay's own parser: every refusal names the variable."""

from __future__ import annotations

import pytest
from ansible_collections.watchdog.alertmanager_kuma.plugins.filter.relay_settings import relay_settings

TOKEN = "relayTok3nQx"
GOOD = {"relay_listen": "127.0.0.1:8081", "relay_push_url": f"http://k:3001/api/push/{TOKEN}", "relay_state": "present"}

BAD = {
    "a privileged port": ({"relay_listen": "127.0.0.1:80"}, "relay_listen: needs a port from 1024 to 65535"),
    "no host:port": ({"relay_listen": "8081"}, "relay_listen: must be host:port"),
    "both push_url and routes": (
        {"relay_routes": [{"name": "a", "push_url": f"http://k/api/push/{TOKEN}"}]},
        "relay_push_url: give relay_push_url or relay_routes (a list of name and push_url), one of them",
    ),
    "a route with a bad push URL": (
        {"relay_push_url": "", "relay_routes": [{"name": "a", "push_url": "http://k/x"}]},
        "relay_routes[0].push_url: must be a Kuma push URL",
    ),
    "negative retries": ({"relay_retries": -1}, "relay_retries: must be at least 0"),
    "a zero timeout": ({"relay_timeout": 0}, "relay_timeout: must be greater than 0"),
    "a user without password": ({"relay_auth_username": "am"}, "relay_auth_password: auth_username and auth_password"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_relay_variables_are_refused_naming_the_variable(case: str) -> None:
    change, message = BAD[case]

    read = relay_settings(dict(GOOD, **change))

    assert len(read["errors"]) == 1
    assert message in read["errors"][0]
    assert TOKEN not in read["errors"][0]


def test_good_variables_give_the_relays_settings_file() -> None:
    read = relay_settings(dict(GOOD, relay_ca_path="", relay_routes=[]))

    assert read["errors"] == []
    assert read["settings"] == {
        "listen": "127.0.0.1:8081",
        "push_url": GOOD["relay_push_url"],
        "retries": 3,
        "timeout": 3,
        "use_proxy": True,
        "validate_certs": True,
    }
