"""The SBOMs: valid CycloneDX saying what the controller needs (ansible-core and its packages) and the hosts don't."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.release.helpers import REPO_ROOT, Build

pytestmark = pytest.mark.release

# Validation by the CycloneDX library itself, against the 1.6 JSON schema (it lives in the release tools' venv).
VALIDATE = """
import sys
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(open(sys.argv[1]).read())
print(error or "valid")
sys.exit(1 if error else 0)
"""


def load(release_build: Build, name: str) -> dict:
    return json.loads((release_build.out / name).read_text())


@pytest.mark.parametrize("name", ["sbom-controller.cdx.json", "sbom-hosts.cdx.json"])
def test_each_sbom_is_valid_cyclonedx_1_6_json_about_the_collection(
    release_build: Build, release_tools: Path, name: str
):
    checked = subprocess.run(
        [str(release_tools / "python"), "-c", VALIDATE, str(release_build.out / name)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr

    bom = load(release_build, name)
    galaxy = yaml.safe_load((REPO_ROOT / "galaxy.yml").read_text())
    assert (bom["bomFormat"], bom["specVersion"]) == ("CycloneDX", "1.6")
    subject = bom["metadata"]["component"]
    assert (subject["name"], subject["version"]) == (f"{galaxy['namespace']}.{galaxy['name']}", galaxy["version"])
    assert subject["licenses"][0]["license"]["id"] == "GPL-3.0-or-later"


def test_the_controller_sbom_lists_ansible_core_and_what_it_pulls_in(release_build: Build):
    bom = load(release_build, "sbom-controller.cdx.json")
    components = {component["name"]: component for component in bom["components"]}
    pinned = dict(
        line.split("==")
        for line in (REPO_ROOT / "scripts" / "release-controller.txt").read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert {name: component["version"] for name, component in components.items()} == pinned
    ansible_core = components["ansible-core"]
    assert ansible_core["purl"] == f"pkg:pypi/ansible-core@{pinned['ansible-core']}"
    depends = {entry["ref"]: entry.get("dependsOn", []) for entry in bom["dependencies"]}
    assert depends[bom["metadata"]["component"]["bom-ref"]] == [ansible_core["bom-ref"]]


def test_the_hosts_sbom_lists_no_package_and_says_the_standard_library_is_enough(release_build: Build):
    bom = load(release_build, "sbom-hosts.cdx.json")
    assert bom.get("components", []) == []
    assert bom["dependencies"] == [{"ref": bom["metadata"]["component"]["bom-ref"]}]
    assert "standard library only" in bom["metadata"]["component"]["description"]
