"""The relay role without a booted host: it refuses bad inventory by name before touching anything, a check-mode
run with --diff -vvv shows no secret, the unit it writes scores 1.5 or lower, and the launcher it writes runs the
relay program from the package the roles install. (Deployed to booted hosts: test_heartbeat_timer_molecule.py.)"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from lab.ansible import BIN_DIR, Run
from lab.ansible import playbook as run_playbook
from lab.installed import install_core

ROLE_DIR = Path(__file__).resolve().parents[2] / "roles" / "relay"
COMMON_ROLE_DIR = ROLE_DIR.parent / "_common"
TOKEN = "r0leTokenQx7Zr2m"
BEARER = "r0leBearerKp4Wn8"
PASSWORD = "r0lePassw0rdVb3J"
PUSH_URL = f"http://127.0.0.1:9/api/push/{TOKEN}"
# A host as the role's preflight sees a Debian 12 one; the controller itself runs no systemd.
SYSTEMD_HOST = {"service_mgr": "systemd", "systemd": {"version": 252}}


def _play(workdir: Path, variables: dict, facts: dict | None = None) -> Path:
    playbook = workdir / "relay.yml"
    play = {
        "hosts": "localhost",
        "gather_facts": False,
        "vars": {"ansible_facts": facts or SYSTEMD_HOST},
        "roles": [{"role": "watchdog.alertmanager_kuma.relay", "vars": variables}],
    }
    playbook.write_text(yaml.safe_dump([play]))
    return playbook


def _check_run(workdir: Path, variables: dict, *extra: str, facts: dict | None = None) -> Run:
    # Check mode, always: this is the controller, and a refusal that failed to refuse must change nothing.
    return run_playbook(
        _play(workdir, variables, facts),
        "-i",
        "localhost,",
        "-c",
        "local",
        "--check",
        "-e",
        f"ansible_python_interpreter={BIN_DIR / 'python'}",
        *extra,
        timeout=120,
        verbose=False,
    )


BAD_INVENTORY = {
    "no push URL and no routes": ({}, "give relay_push_url or relay_routes"),
    "both a push URL and routes": (
        {"relay_push_url": PUSH_URL, "relay_routes": [{"name": "a", "push_url": PUSH_URL}]},
        "give relay_push_url or relay_routes",
    ),
    "an ftp push URL": (
        {"relay_push_url": f"ftp://127.0.0.1/api/push/{TOKEN}"},
        "relay_push_url: must be an http:// or https:// URL",
    ),
    "a push URL without /api/push": (
        {"relay_push_url": f"http://127.0.0.1/{TOKEN}"},
        "relay_push_url: must be a Kuma push URL",
    ),
    "listen without a port": (
        {"relay_push_url": PUSH_URL, "relay_listen": "127.0.0.1"},
        "relay_listen: must be host:port",
    ),
    "a privileged port": ({"relay_push_url": PUSH_URL, "relay_listen": "0.0.0.0:80"}, "port from 1024 to 65535"),
    "a user without password": ({"relay_push_url": PUSH_URL, "relay_auth_username": "am"}, "go together"),
    "bearer and basic auth": (
        {
            "relay_push_url": PUSH_URL,
            "relay_auth_bearer_token": BEARER,
            "relay_auth_username": "am",
            "relay_auth_password": PASSWORD,
        },
        "relay_auth_bearer_token: use either basic auth or a bearer token, not both",
    ),
    "a route name with a slash": (
        {"relay_routes": [{"name": "a/b", "push_url": PUSH_URL}]},
        "relay_routes[0].name: must be letters, digits, - and _",
    ),
    "a route name twice": (
        {"relay_routes": [{"name": "a", "push_url": PUSH_URL}, {"name": "a", "push_url": PUSH_URL}]},
        "relay_routes[1].name: 'a' is used more than once",
    ),
    "a route to an ftp URL": (
        {"relay_routes": [{"name": "a", "push_url": "ftp://x/api/push/y"}]},
        "relay_routes[0].push_url: must be an http",
    ),
    "retries as words": ({"relay_push_url": PUSH_URL, "relay_retries": "many"}, "relay_retries"),
    "an unknown state": ({"relay_push_url": PUSH_URL, "relay_state": "stopped"}, "relay_state"),
}


@pytest.mark.parametrize("case", sorted(BAD_INVENTORY))
def test_bad_inventory_is_refused_naming_the_variable_before_any_change(tmp_path: Path, case: str) -> None:
    variables, named = BAD_INVENTORY[case]

    result = _check_run(tmp_path, variables)

    assert result.returncode != 0
    assert named in result.output, result.output[-3000:]
    assert "changed=0" in result.output
    assert TOKEN not in result.output and BEARER not in result.output and PASSWORD not in result.output


def test_a_host_without_systemd_is_refused(tmp_path: Path) -> None:
    result = _check_run(tmp_path, {"relay_push_url": PUSH_URL}, facts={"service_mgr": "sysvinit"})

    assert result.returncode != 0
    assert "relay needs systemd; this host runs sysvinit" in result.output


def test_a_systemd_without_credentials_is_refused(tmp_path: Path) -> None:
    result = _check_run(
        tmp_path, {"relay_push_url": PUSH_URL}, facts={"service_mgr": "systemd", "systemd": {"version": 241}}
    )

    assert result.returncode != 0
    assert "relay needs systemd 247 or newer; this host has 241" in result.output


@pytest.mark.parametrize(
    "variables",
    [
        {"relay_push_url": PUSH_URL, "relay_auth_bearer_token": BEARER},
        {
            "relay_routes": [{"name": "prod", "push_url": PUSH_URL}, {"name": "stage", "push_url": PUSH_URL + "2"}],
            "relay_auth_username": "am",
            "relay_auth_password": PASSWORD,
        },
    ],
    ids=["push URL and bearer", "routes and basic auth"],
)
def test_a_check_mode_diff_run_on_a_fresh_host_passes_and_shows_no_secret(tmp_path: Path, variables: dict) -> None:
    result = _check_run(tmp_path, variables, "--diff", "-vvv")

    assert result.returncode == 0, result.output[-3000:]
    for secret in (TOKEN, BEARER, PASSWORD):
        assert secret not in result.output
    assert "Write the relay's launcher, unit and settings" in result.output


def _render(tmp_path: Path, role_dir: Path, template: str, extra_vars: dict) -> Path:
    """Render a role's template with its vars/main.yml, as the role does for a Debian 12 host (systemd 252)."""
    rendered = tmp_path / Path(template).stem
    play = {
        "hosts": "localhost",
        "gather_facts": False,
        "tasks": [
            {"ansible.builtin.include_vars": str(role_dir / "vars" / "main.yml")},
            {"ansible.builtin.template": {"src": str(role_dir / "templates" / template), "dest": str(rendered)}},
        ],
    }
    playbook = tmp_path / "render.yml"
    playbook.write_text(yaml.safe_dump([play]))
    # Extra vars outrank include_vars: the role's own path, which a play outside the role does not have.
    variables = {
        "ansible_python_interpreter": str(BIN_DIR / "python"),
        "role_path": str(role_dir),
        "ansible_facts": {"systemd": {"version": 252}},
        **extra_vars,
    }
    result = run_playbook(playbook, "-i", "localhost,", "-c", "local", "-e", json.dumps(variables), verbose=False)
    assert result.returncode == 0, result.output[-3000:]
    return rendered


def test_removal_takes_the_launcher_and_the_core_when_no_other_launcher_runs_it(tmp_path: Path) -> None:
    result = _check_run(tmp_path, {"relay_state": "absent"})

    assert result.returncode == 0, result.output[-3000:]
    assert "(item=/etc/alertmanager-kuma/relay.json)" in result.stdout
    removals = re.findall(r"TASK \[watchdog\.alertmanager_kuma\._common : (Remove [^\]]*)\][ *]*\n(\w+)", result.stdout)
    # This controller has no launcher of ours: the core goes too (the booted-host test keeps it for the heartbeat).
    assert removals == [
        ("Remove the program's launcher", "ok"),
        ("Remove the core when no program runs it any more", "ok"),
    ]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_the_relay_unit_scores_1_5_or_lower_with_systemd_analyze_security(tmp_path: Path) -> None:
    unit = _render(tmp_path, ROLE_DIR, "alertmanager-kuma-relay.service.j2", {})
    unit = unit.rename(tmp_path / "alertmanager-kuma-relay.service")

    analysis = subprocess.run(
        ["systemd-analyze", "security", "--offline=yes", "--no-pager", str(unit)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    score = re.search(r"Overall exposure level for \S+: ([0-9.]+)", analysis.stdout)
    assert score, analysis.stdout + analysis.stderr
    assert float(score.group(1)) <= 1.5, analysis.stdout
    unit_text = unit.read_text()
    assert "LoadCredential=settings:/etc/alertmanager-kuma/relay.json" in unit_text
    assert "--settings ${CREDENTIALS_DIRECTORY}/settings" in unit_text


def test_the_launcher_runs_the_relay_program_from_the_installed_package(tmp_path: Path) -> None:
    lib_dir = install_core(tmp_path / "root")
    launcher = _render(
        tmp_path,
        COMMON_ROLE_DIR,
        "launcher.j2",
        {
            "__common_lib_dir": str(lib_dir),
            "__common_program": "_relay_program",
            "__common_description": "Relays Alertmanager's webhook to an Uptime Kuma push monitor",
        },
    )
    settings = tmp_path / "relay.json"
    settings.write_text(json.dumps({"push_url": PUSH_URL, "auth_bearer_token": BEARER}))

    assert launcher.read_text().startswith("#!/usr/bin/python3 -I\n")
    launcher.chmod(0o755)
    checked = subprocess.run(
        [str(launcher), "--validate", "--settings", str(settings)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert (checked.returncode, checked.stderr) == (
        0,
        "alertmanager-kuma-relay: settings valid, push_host=127.0.0.1:9\n",
    )
    # The archive's digest is in the launcher: a replaced core changes the launcher (and restarts the relay).
    assert re.search(r"^# [0-9a-f]{64}  alertmanager_kuma\.zip$", launcher.read_text(), re.MULTILINE)
