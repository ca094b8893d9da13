"""The ecosystem's own entry points: sanity on every ansible-core the collection claims, units, integration targets."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
VERSIONS_FILE = REPO_ROOT / "scripts" / "ansible-core-versions.txt"
CLAIMED = [line for line in VERSIONS_FILE.read_text().splitlines() if line and not line.startswith("#")]


def _controller_core() -> str:
    from ansible.release import __version__

    return ".".join(__version__.split(".")[:2])


def _ansible_test(*args: str, core: str | None = None, timeout: float = 1800) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    if core:
        env["ANSIBLE_CORE"] = core
    return subprocess.run(
        ["bash", str(REPO_ROOT / "scripts" / "ansible-test.sh"), *args],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def test_the_tested_versions_run_from_the_claimed_lower_bound_to_the_controllers_without_a_gap() -> None:
    requires = yaml.safe_load((REPO_ROOT / "meta" / "runtime.yml").read_text())["requires_ansible"]
    lower = re.fullmatch(r">=(\d+)\.(\d+)\.\d+", requires)
    assert lower, requires

    assert _version(CLAIMED[0]) == (int(lower[1]), int(lower[2]))
    assert [_version(version)[1] for version in CLAIMED] == list(
        range(_version(CLAIMED[0])[1], _version(CLAIMED[-1])[1] + 1)
    )
    assert _version(CLAIMED[-1]) >= _version(_controller_core())


@pytest.mark.sanity
@pytest.mark.parametrize("core", CLAIMED)
def test_ansible_test_sanity_passes_on_every_claimed_ansible_core(core: str) -> None:
    if core == _controller_core():
        pytest.skip("tests/quality/test_quality.py runs sanity with the controller's own ansible-core")
    sanity = _ansible_test("sanity", "--python", "3.11", "--requirements", "--color", "no", core=core)
    output = sanity.stdout + sanity.stderr

    assert sanity.returncode == 0, output[-8000:]
    assert 'Running sanity test "validate-modules"' in output


@pytest.mark.sanity
def test_ansible_test_units_runs_the_unit_tests() -> None:
    # --venv: ansible-test installs its pytest plugins into a venv of its own, not into the suite's.
    units = _ansible_test("units", "--venv", "--python", "3.11", "--requirements", "--color", "no")
    output = units.stdout + units.stderr

    assert units.returncode == 0, output[-8000:]
    passed = [int(count) for count in re.findall(r"=+ (\d+) passed", output)]
    assert sum(passed) > 0, output[-8000:]
    assert not re.search(r"\d+ (failed|error)", output), output[-8000:]


def test_ansible_test_integration_lists_a_target_for_the_lab_tests_and_one_for_the_fleet_tests() -> None:
    listed = _ansible_test("integration", "--list-targets", timeout=300)

    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.split() == ["fleet", "lab"]
    for target, marker in (("lab", '-m "not fleet"'), ("fleet", "-m fleet")):
        runme = REPO_ROOT / "tests" / "integration" / "targets" / target / "runme.sh"
        assert os.access(runme, os.X_OK)
        assert f"python -m pytest tests/integration {marker}" in runme.read_text()
