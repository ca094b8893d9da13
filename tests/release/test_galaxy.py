"""What Galaxy and Automation Hub check on an upload, run on the release tarball, and what the tarball holds."""

from __future__ import annotations

import os
import subprocess
import tarfile
from pathlib import Path

import pytest

from tests.release.helpers import REPO_ROOT, Build

pytestmark = pytest.mark.release

IMPORTER_BIN = REPO_ROOT / ".cache" / "tools" / "galaxy-importer" / "bin"
IMPORTER_CONFIG = Path(__file__).with_name("galaxy-importer.cfg")
# Paths no user needs: the test suite (ansible-test reads only tests/config.yml and tests/sanity/), the molecule
# scenarios, the lab, the benchmarks, changelog fragments (folded into changelogs/changelog.yaml), build, CI and
# editor configuration. The one file of .config/ that ships is the ansible-lint ignore galaxy-importer reads.
NOT_SHIPPED = (
    "tests/",
    "extensions/",
    "lab/",
    "bench/",
    "BENCHMARKS.md",
    "changelogs/fragments/",
    ".config/",
    ".ci/",
    ".github/",
    "scripts/",
    "Makefile",
    "pyproject.toml",
    "requirements-dev",
    "requirements-release.txt",
    ".venv/",
    ".cache/",
    ".collections/",
    ".ansible/",
    ".hypothesis/",
    ".git",
)
SHIPPED_FROM_THOSE = {"tests/config.yml", ".config/ansible-lint-ignore.txt"}
NEEDED = [
    "README.md",
    "COPYING",
    "CHANGELOG.md",
    "SECURITY.md",
    "changelogs/changelog.yaml",
    "meta/runtime.yml",
    "plugins/modules/heartbeat.py",
    "plugins/module_utils/_heartbeat.py",
    "playbooks/deploy.yml",
    "playbooks/relay.yml",
    "roles/heartbeat_timer/README.md",
    "roles/relay/README.md",
    "roles/_common/README.md",
    "roles/heartbeat_timer/meta/argument_specs.yml",
    "docs/docsite/links.yml",
]


def _members(tarball: Path) -> list[str]:
    with tarfile.open(tarball, "r:gz") as archive:
        return [member.name for member in archive.getmembers() if member.isfile()]


def _importer_env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PATH": f"{IMPORTER_BIN}{os.pathsep}{os.environ['PATH']}",
        "GALAXY_IMPORTER_CONFIG": str(IMPORTER_CONFIG),
        "HOME": str(tmp_path),
        "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible-tmp"),
    }


def test_galaxy_importer_accepts_the_release_tarball_without_an_error_or_a_warning(
    release_build: Build, tmp_path: Path
):
    imported = subprocess.run(
        [str(IMPORTER_BIN / "python"), "-m", "galaxy_importer.main", str(release_build.tarball)],
        cwd=tmp_path,
        env=_importer_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    output = imported.stdout + imported.stderr

    assert imported.returncode == 0, output[-8000:]
    assert "Importer processing completed successfully" in output, output[-8000:]
    complaints = [line for line in output.splitlines() if line.startswith(("ERROR", "WARNING"))]
    assert complaints == [], "\n".join(complaints)


def test_flake8_as_automation_hub_runs_it_finds_nothing_in_the_shipped_python(release_build: Build, tmp_path: Path):
    # The importer's own options (galaxy_importer.constants), on every Python file of the tarball.
    constants = subprocess.run(
        [
            str(IMPORTER_BIN / "python"), "-c",
            "from galaxy_importer import constants as c;"
            "print(c.FLAKE8_IGNORE_ERRORS, c.FLAKE8_SELECT_ERRORS, c.FLAKE8_MAX_LINE_LENGTH)",
        ],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    ignore, select, max_line_length = constants
    with tarfile.open(release_build.tarball, "r:gz") as archive:
        archive.extractall(tmp_path, filter="data")
    python_files = sorted(str(path.relative_to(tmp_path)) for path in tmp_path.rglob("*.py"))
    assert python_files

    linted = subprocess.run(
        [
            str(IMPORTER_BIN / "flake8"), "--isolated", "--extend-ignore", ignore, "--select", select,
            "--max-line-length", max_line_length, "--", *python_files,
        ],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip

    assert linted.returncode == 0, linted.stdout + linted.stderr


def test_the_tarball_holds_no_tests_extensions_lab_benchmarks_or_dev_config(release_build: Build):
    members = _members(release_build.tarball)

    unneeded = [name for name in members if name.startswith(NOT_SHIPPED) and name not in SHIPPED_FROM_THOSE]
    assert unneeded == []


def test_the_tarball_keeps_what_users_need(release_build: Build):
    members = set(_members(release_build.tarball))

    assert [name for name in NEEDED if name not in members] == []
