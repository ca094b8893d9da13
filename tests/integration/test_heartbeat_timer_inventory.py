"""The heartbeat_timer role refuses bad inventory before touching any host, and never shows a token."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from lab.ansible import Run
from lab.fleet import Fleet, deploy_checks

pytestmark = pytest.mark.fleet

TOKEN = "inventoryTok3n"
PUSH_URL = f"http://127.0.0.1:9/api/push/{TOKEN}"
GOOD_CHECK = {"name": "main", "alertmanager_url": "http://127.0.0.1:9", "push_url": PUSH_URL, "interval": 30}
# Loopback addresses of their own, clear of the molecule scenario's hosts.
FIRST_ADDRESS = 21


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fleet]:
    with Fleet.boot(2, tmp_path_factory.mktemp("fleet"), ["good", "bad"], FIRST_ADDRESS) as booted:
        yield booted


def _deploy(fleet: Fleet, workdir: Path, checks_by_host: dict[str, list], *extra: str):
    deployed = deploy_checks(fleet, workdir, checks_by_host, *extra, timeout=300)
    return Run(deployed.returncode, deployed.stdout, deployed.stderr)


def _touched(fleet: Fleet) -> dict[str, str]:
    """What the role would have left on each host: its directories and units."""
    found = {}
    for host in fleet.hosts:
        listing = host.ssh(
            "ls -d /etc/alertmanager-kuma /usr/local/lib/alertmanager-kuma /usr/local/bin/alertmanager-kuma-heartbeat"
            " /etc/systemd/system/alertmanager-kuma-heartbeat* 2>/dev/null"
        ).stdout.strip()
        if listing:
            found[host.name] = listing
    return found


BAD_CHECKS = {
    "a missing push URL": ({k: v for k, v in GOOD_CHECK.items() if k != "push_url"}, "push_url"),
    "an ftp Alertmanager URL": (dict(GOOD_CHECK, alertmanager_url="ftp://127.0.0.1:9"), "alertmanager_url"),
    "a push URL without /api/push": (dict(GOOD_CHECK, push_url="http://127.0.0.1:9/push/x"), "push_url"),
    "a non-numeric interval": (dict(GOOD_CHECK, interval="often"), "interval"),
    "a name with a space": (dict(GOOD_CHECK, name="my check"), "name"),
    "a bad matcher": (dict(GOOD_CHECK, matchers=["alertname Watchdog"]), "matchers"),
    "an unknown on_failure": (dict(GOOD_CHECK, on_failure="panic"), "on_failure"),
    "a zero timeout": (dict(GOOD_CHECK, timeout=0), "heartbeat_timer_checks[0].timeout: must be greater than 0"),
    "a matcher regex that does not compile": (
        dict(GOOD_CHECK, matchers=['job=~"("']),
        "heartbeat_timer_checks[0].matchers[0]: 'job=~\"(\"' is not a valid matcher: invalid regular expression",
    ),
    "negative retries": (dict(GOOD_CHECK, retries=-1), "heartbeat_timer_checks[0].retries: must be at least 0"),
    "a port out of range": (
        dict(GOOD_CHECK, alertmanager_url="http://127.0.0.1:99999"),
        "heartbeat_timer_checks[0].alertmanager_url: is not a valid URL",
    ),
    "a name of 218 characters": (
        dict(GOOD_CHECK, name="n" * 218),
        "heartbeat_timer_checks[0].name: must be at most 64",
    ),
    "a name ending in a newline": (dict(GOOD_CHECK, name="x\n"), "heartbeat_timer_checks[0].name: must be letters"),
    "a matcher with an unclosed quote": (
        dict(GOOD_CHECK, matchers=['alertname="Watchdog']),
        "heartbeat_timer_checks[0].matchers[0]: 'alertname=\"Watchdog' is not a valid matcher",
    ),
    "a client_cert without client_key": (
        dict(GOOD_CHECK, client_cert="/etc/ssl/client.pem"),
        "heartbeat_timer_checks[0].client_key: client_cert and client_key go together",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_CHECKS))
def test_bad_inventory_is_refused_naming_the_variable_and_no_host_is_changed(
    fleet: Fleet, tmp_path: Path, case: str
) -> None:
    bad_check, variable = BAD_CHECKS[case]

    result = _deploy(fleet, tmp_path, {"good": [GOOD_CHECK], "bad": [bad_check]})

    assert result.returncode != 0, result.output
    assert variable in result.output, result.output[-3000:]
    assert _touched(fleet) == {}
    assert TOKEN not in result.output


UNREADABLE_FILES = {
    "a CA file that does not exist": ({"ca_path": "/etc/ssl/missing-ca.pem"}, "", "ca_path"),
    "a CA file under /root (hidden by ProtectHome)": (
        {"ca_path": "/root/ca.pem"},
        "cp /etc/ssl/certs/ca-certificates.crt /root/ca.pem && chmod 644 /root/ca.pem",
        "ca_path",
    ),
    "a client key only root may read": (
        {"client_cert": "/etc/ssl/test-client.pem", "client_key": "/etc/ssl/test-client.key"},
        "touch /etc/ssl/test-client.pem /etc/ssl/test-client.key && chmod 644 /etc/ssl/test-client.pem"
        " && chmod 600 /etc/ssl/test-client.key",
        "client_key",
    ),
}


@pytest.mark.parametrize("case", sorted(UNREADABLE_FILES))
def test_tls_files_the_sandboxed_service_could_not_read_are_refused_before_any_change(
    fleet: Fleet, tmp_path: Path, case: str
) -> None:
    files, prepare, option = UNREADABLE_FILES[case]
    bad_host = fleet.hosts[1]
    if prepare:
        bad_host.ssh(prepare)
    try:
        result = _deploy(fleet, tmp_path, {"good": [GOOD_CHECK], "bad": [dict(GOOD_CHECK, **files)]})
    finally:
        bad_host.ssh("rm -f /root/ca.pem /etc/ssl/test-client.pem /etc/ssl/test-client.key")

    assert result.returncode != 0
    assert f"heartbeat_timer_checks[0].{option}: {files[option]} cannot be read by the service" in result.output
    assert _touched(fleet) == {}
    assert TOKEN not in result.output


def test_duplicate_check_names_are_refused_and_no_host_is_changed(fleet: Fleet, tmp_path: Path) -> None:
    result = _deploy(fleet, tmp_path, {"good": [GOOD_CHECK], "bad": [GOOD_CHECK, dict(GOOD_CHECK, interval=60)]})

    assert result.returncode != 0
    assert "the name main is used more than once" in result.output
    assert _touched(fleet) == {}


def test_a_verbose_diff_run_never_shows_the_token_and_removal_leaves_nothing(fleet: Fleet, tmp_path: Path) -> None:
    deployed = _deploy(
        fleet, tmp_path, {"good": [GOOD_CHECK], "bad": [dict(GOOD_CHECK, name="other")]}, "--diff", "-vvv"
    )
    assert deployed.returncode == 0, deployed.output[-3000:]
    assert TOKEN not in deployed.output
    settings = fleet.hosts[0].ssh("stat -c '%U %a' /etc/alertmanager-kuma/heartbeat/main.json").stdout.strip()
    assert settings == "root 600"

    removed = _deploy(
        fleet,
        tmp_path,
        {"good": [dict(GOOD_CHECK, state="absent")], "bad": [dict(GOOD_CHECK, name="other", state="absent")]},
        "--diff",
        "-vvv",
    )
    assert removed.returncode == 0, removed.output[-3000:]
    assert TOKEN not in removed.output
    for host in fleet.hosts:
        left = host.ssh("ls /etc/alertmanager-kuma/heartbeat /etc/systemd/system | grep -E 'json|@(main|other)'").stdout
        assert left == "", f"{host.name}: {left}"


def test_the_run_tag_alone_removes_unlisted_checks_too(fleet: Fleet, tmp_path: Path) -> None:
    host = fleet.hosts[0]
    both = _deploy(fleet, tmp_path, {"good": [GOOD_CHECK, dict(GOOD_CHECK, name="other")], "bad": []})
    assert both.returncode == 0, both.output[-3000:]

    run_only = _deploy(
        fleet,
        tmp_path,
        {"good": [GOOD_CHECK], "bad": []},
        "--tags",
        "heartbeat_timer_run",
        "-e",
        "heartbeat_timer_remove_unlisted=true",
    )

    assert run_only.returncode == 0, run_only.output[-3000:]
    assert host.ssh("ls /etc/alertmanager-kuma/heartbeat").stdout.split() == ["main.json"]
    assert host.ssh("systemctl is-enabled alertmanager-kuma-heartbeat@other.timer").stdout.strip() != "enabled"
    assert host.ssh("systemctl is-active alertmanager-kuma-heartbeat@main.timer").stdout.strip() == "active"
    removed = _deploy(fleet, tmp_path, {"good": [dict(GOOD_CHECK, state="absent")], "bad": []})
    assert removed.returncode == 0, removed.output[-3000:]
