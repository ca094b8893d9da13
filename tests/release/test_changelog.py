"""The changelog: fragments antsibull-changelog accepts, a release for galaxy.yml's version, CHANGELOG.md generated."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.release.helpers import REPO_ROOT

pytestmark = pytest.mark.release


def antsibull_changelog(tools: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(tools / "antsibull-changelog"), *args],
        cwd=cwd,
        env={**os.environ, "PATH": f"{tools}{os.pathsep}{os.environ['PATH']}"},
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_fragments_and_the_changelog_pass_antsibull_changelog_lint(release_tools: Path):
    linted = antsibull_changelog(release_tools, "lint", cwd=REPO_ROOT)
    assert linted.returncode == 0, linted.stdout + linted.stderr
    assert linted.stdout == ""


def test_the_changelog_has_a_release_for_the_version_in_galaxy_yml():
    version = yaml.safe_load((REPO_ROOT / "galaxy.yml").read_text())["version"]
    releases = yaml.safe_load((REPO_ROOT / "changelogs" / "changelog.yaml").read_text())["releases"]
    assert version in releases


def test_changelog_md_is_what_antsibull_changelog_generates(release_tools: Path, tmp_path: Path):
    shutil.copy(REPO_ROOT / "galaxy.yml", tmp_path)
    shutil.copytree(REPO_ROOT / "changelogs", tmp_path / "changelogs")
    generated = antsibull_changelog(release_tools, "generate", cwd=tmp_path)
    assert generated.returncode == 0, generated.stdout + generated.stderr
    assert (tmp_path / "CHANGELOG.md").read_text() == (REPO_ROOT / "CHANGELOG.md").read_text(), (
        "CHANGELOG.md is out of date: run `bash scripts/release.sh changelog`"
    )
