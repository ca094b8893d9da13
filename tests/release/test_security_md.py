"""SECURITY.md's commands, run as written against a fresh build, so what it tells users stays true.

Every fenced ```sh block is run, in order, from a checkout of the built commit with the build in dist/, except
blocks marked ```sh forge-only (they need the published release, cosign or slsa-verifier).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.release.helpers import REPO_ROOT, Build

pytestmark = pytest.mark.release

SECURITY_MD = REPO_ROOT / "SECURITY.md"
SERVICE_TEMPLATE = REPO_ROOT / "roles" / "heartbeat_timer" / "templates" / "alertmanager-kuma-heartbeat@.service.j2"
# The unit's sandbox: one block both units pull in (roles/_common).
HARDENING_TEMPLATE = REPO_ROOT / "roles" / "_common" / "templates" / "hardening.conf.j2"
FENCE = re.compile(r"^```(?P<info>[^\n]*)\n(?P<body>.*?)^```$", re.MULTILINE | re.DOTALL)


@dataclass(frozen=True)
class Block:
    language: str
    tags: tuple[str, ...]
    body: str
    line: int

    @property
    def runnable(self) -> bool:
        return self.language == "sh" and "forge-only" not in self.tags


def blocks() -> list[Block]:
    text = SECURITY_MD.read_text()
    found = []
    for match in FENCE.finditer(text):
        language, *tags = match["info"].split() or [""]
        found.append(Block(language, tuple(tags), match["body"], text.count("\n", 0, match.start()) + 1))
    return found


@dataclass(frozen=True)
class Ran:
    block: Block
    output: str


@pytest.fixture(scope="session")
def security_md_run(
    release_build: Build, tmp_path_factory: pytest.TempPathFactory, checking_env: dict[str, str]
) -> list[Ran]:
    """Runs every runnable block in a checkout of the built commit with the build as dist/, stopping at a failure."""
    checkout = tmp_path_factory.mktemp("security-md") / "checkout"
    for command in (
        ["git", "clone", "--quiet", "--shared", "--no-checkout", str(REPO_ROOT), str(checkout)],
        ["git", "-C", str(checkout), "checkout", "--quiet", "--detach", release_build.commit],
    ):
        subprocess.run(command, capture_output=True, check=True)
    shutil.copytree(release_build.out, checkout / "dist")
    ran = []
    for block in (block for block in blocks() if block.runnable):
        script = checkout.parent / f"block-{block.line}.sh"
        script.write_text(block.body)
        completed = subprocess.run(
            ["bash", "-euo", "pipefail", str(script)],
            cwd=checkout,
            env=checking_env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        output = completed.stdout + completed.stderr
        assert completed.returncode == 0, f"SECURITY.md line {block.line}:\n{block.body}\nfailed:\n{output}"
        ran.append(Ran(block, output))
    return ran


def output_of(ran: list[Ran], command: str) -> str:
    return next(step.output for step in ran if command in step.block.body)


def test_security_md_has_commands_for_every_check_and_marks_the_forge_ones():
    runnable = [block for block in blocks() if block.runnable]
    forge_only = "\n".join(block.body for block in blocks() if "forge-only" in block.tags)
    commands = "\n".join(block.body for block in runnable)
    for command in (
        "sha256sum --check",
        "--verify dist/SHA256SUMS.asc",
        "--verify dist/MANIFEST.json.asc",
        "ansible-galaxy collection install",
        "ansible-galaxy collection verify",
        "dist/sbom-controller.cdx.json",
        "scripts/release.sh",
        "systemd-analyze security",
    ):
        assert command in commands, command
    for command in ("cosign verify-blob", "slsa-verifier verify-artifact", "gh release download"):
        assert command in forge_only, command
    assert {block.language for block in blocks()} <= {"sh", "ini"}


def test_every_command_in_security_md_runs_against_a_fresh_build(security_md_run: list[Ran]):
    assert len(security_md_run) == len([block for block in blocks() if block.runnable])


def test_the_checksums_and_both_signatures_check_out_as_security_md_says(
    security_md_run: list[Ran], release_build: Build
):
    assert f"{release_build.tarball.name}: OK" in output_of(security_md_run, "sha256sum --check")
    assert "Good signature" in output_of(security_md_run, "--verify dist/SHA256SUMS.asc")
    assert "Good signature" in output_of(security_md_run, "--verify dist/MANIFEST.json.asc")


def test_ansible_galaxy_verifies_the_installed_collection_as_security_md_says(security_md_run: list[Ran]):
    verified = output_of(security_md_run, "ansible-galaxy collection verify")
    assert "Successfully verified that checksums for 'watchdog.alertmanager_kuma:" in verified


def test_the_sbom_commands_show_ansible_core_for_the_controller(security_md_run: list[Ran]):
    listed = output_of(security_md_run, "sbom-controller")
    assert re.search(r"^  ansible-core \S+  pkg:pypi/ansible-core@", listed, re.MULTILINE), listed


def test_the_rebuild_reproduces_the_published_checksums(security_md_run: list[Ran], release_build: Build):
    rebuilt = output_of(security_md_run, "scripts/release.sh --out rebuild")
    assert f"{release_build.tarball.name}: OK" in rebuilt
    assert "sbom-controller.cdx.json: OK" in rebuilt and "sbom-hosts.cdx.json: OK" in rebuilt


def test_the_installed_service_unit_scores_1_5_or_lower(security_md_run: list[Ran]):
    scored = output_of(security_md_run, "systemd-analyze security")
    score = re.search(r"Overall exposure level for \S+: ([0-9.]+) ", scored)
    assert score and float(score[1]) <= 1.5, scored[-500:]


def test_the_hardening_security_md_lists_is_in_the_service_unit():
    (listed,) = [block for block in blocks() if block.language == "ini"]
    unit_lines = set(SERVICE_TEMPLATE.read_text().splitlines()) | set(HARDENING_TEMPLATE.read_text().splitlines())
    missing = [line for line in listed.body.splitlines() if line not in unit_lines]
    assert not missing


def test_every_shell_block_passes_shellcheck(release_tools: Path):
    for block in blocks():
        if block.language != "sh":
            continue
        checked = subprocess.run(
            [str(release_tools / "shellcheck"), "--shell=bash", "-"],
            input=block.body,
            capture_output=True,
            text=True,
            check=False,
        )
        assert checked.returncode == 0, f"SECURITY.md line {block.line}:\n{checked.stdout}"
