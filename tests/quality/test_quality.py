"""The quality gates a contributor must pass: ruff, ansible-lint (production), ansible-test sanity, ansible-doc."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
BIN_DIR = Path(sys.executable).parent
FQCN = "watchdog.alertmanager_kuma.heartbeat"


def _run(command: list[str], timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout, check=False)


def test_the_python_is_ruff_clean() -> None:
    checked = _run([str(BIN_DIR / "ruff"), "check", "."])
    formatted = _run([str(BIN_DIR / "ruff"), "format", "--check", "."])

    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert formatted.returncode == 0, formatted.stdout + formatted.stderr


def test_the_yaml_passes_ansible_lint_production_profile() -> None:
    env_path = f"PATH={BIN_DIR}:/usr/bin:/bin"
    linted = _run(["env", env_path, str(BIN_DIR / "ansible-lint"), "--profile", "production", "--nocolor"])

    assert linted.returncode == 0, linted.stdout[-5000:] + linted.stderr[-5000:]
    assert "Profile 'production' was required, and it passed" in linted.stdout + linted.stderr


@pytest.mark.sanity
def test_ansible_test_sanity_passes() -> None:
    sanity = _run(["bash", str(REPO_ROOT / "scripts" / "sanity.sh")], timeout=1800)

    assert sanity.returncode == 0, sanity.stdout[-8000:] + sanity.stderr[-8000:]
    assert 'Running sanity test "validate-modules"' in sanity.stdout + sanity.stderr


def test_ansible_doc_renders_every_option_of_the_module() -> None:
    from ansible_collections.watchdog.alertmanager_kuma.plugins.modules.heartbeat import ARGUMENT_SPEC

    shown = _run([str(BIN_DIR / "ansible-doc"), FQCN])

    assert shown.returncode == 0, shown.stderr
    for option in ARGUMENT_SPEC:
        assert option in shown.stdout, option


@pytest.mark.parametrize("plugin", sorted(path.stem for path in (REPO_ROOT / "plugins" / "filter").glob("*.py")))
def test_ansible_doc_renders_every_filter(plugin: str) -> None:
    shown = _run([str(BIN_DIR / "ansible-doc"), "-t", "filter", f"watchdog.alertmanager_kuma.{plugin}"])

    assert shown.returncode == 0, shown.stderr
    assert "ERROR" not in shown.stderr, shown.stderr
    assert "_input" in shown.stdout
