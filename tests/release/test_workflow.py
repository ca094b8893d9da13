"""The forge's release workflow: actionlint passes, and it builds and names files as SECURITY.md says."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.release.helpers import REPO_ROOT

pytestmark = pytest.mark.release

WORKFLOW = REPO_ROOT / ".github" / "workflows" / "release.yml"


def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text())


def steps() -> list[dict]:
    return [step for job in workflow()["jobs"].values() for step in job.get("steps", [])]


def test_actionlint_passes_with_shellcheck_on_the_scripts(release_tools: Path):
    tools = release_tools
    linted = subprocess.run(
        [str(tools / "actionlint"), "-no-color", "-verbose", str(WORKFLOW)],
        cwd=REPO_ROOT,
        env={**os.environ, "PATH": f"{tools}{os.pathsep}{os.environ['PATH']}"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert linted.returncode == 0, linted.stdout + linted.stderr
    assert 'Rule "shellcheck" was disabled' not in linted.stderr


def test_every_action_is_pinned_to_a_full_version_tag_or_a_commit():
    uses = [step["uses"] for step in steps() if "uses" in step]
    uses += [job["uses"] for job in workflow()["jobs"].values() if "uses" in job]
    assert uses
    for reference in uses:
        assert re.fullmatch(r"[\w.-]+/[\w./-]+@(v\d+\.\d+\.\d+|[0-9a-f]{40})", reference), reference


def test_the_workflow_builds_with_the_local_command_and_requires_a_real_key():
    runs = "\n".join(step.get("run", "") for step in steps())
    assert "bash scripts/release.sh --strict" in runs
    build_env = next(step["env"] for step in steps() if "scripts/release.sh" in step.get("run", ""))
    assert build_env["RELEASE_GPG_KEY"] == "${{ secrets.RELEASE_GPG_KEY }}"


def test_the_workflow_names_signatures_and_provenance_as_security_md_tells_users_to_find_them():
    security = (REPO_ROOT / "SECURITY.md").read_text()
    runs = "\n".join(step.get("run", "") for step in steps())
    assert 'cosign sign-blob --yes --bundle "$file.cosign.bundle" "$file"' in runs
    assert '--bundle "$file.cosign.bundle"' in security
    provenance = workflow()["jobs"]["provenance"]
    assert provenance["with"]["base64-subjects"] == "${{ needs.build.outputs.hashes }}"
    assert f"--provenance-path dist/{provenance['with']['provenance-name']}" in security
    assert "base64 -w0 dist/SHA256SUMS" in runs
