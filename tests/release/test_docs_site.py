"""The documentation site (`make docs-site`): it builds offline, a broken reference fails it, and the addresses in
galaxy.yml and in the units agree with it."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.release.helpers import REPO_ROOT

pytestmark = pytest.mark.release

DOCS_TOOLS = REPO_ROOT / ".cache" / "tools" / "docs"
GALAXY = yaml.safe_load((REPO_ROOT / "galaxy.yml").read_text())
UNIT_TEMPLATES = sorted(REPO_ROOT.glob("roles/*/templates/*.service.j2"))


def _build(checkout: Path, dest: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(checkout / "scripts" / "docs-site.sh"), str(dest)],
        cwd=checkout, env={**os.environ, "DOCS_TOOLS": str(DOCS_TOOLS)},
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("docs-site")
    built = _build(REPO_ROOT, dest)
    assert built.returncode == 0, built.stdout[-5000:] + built.stderr[-5000:]
    return dest / "html"


def test_the_site_has_a_page_for_the_module_each_public_role_each_filter_and_the_playbooks(site: Path):
    pages = {path.relative_to(site).as_posix() for path in site.rglob("*.html")}
    modules = {f"{path.stem}_module.html" for path in (REPO_ROOT / "plugins" / "modules").glob("*.py")}
    filters = {f"{path.stem}_filter.html" for path in (REPO_ROOT / "plugins" / "filter").glob("*.py")}
    roles = {f"{path.name}_role.html" for path in (REPO_ROOT / "roles").iterdir() if not path.name.startswith("_")}

    assert modules | filters | roles | {"index.html", "docsite/playbooks.html"} <= pages


@pytest.mark.parametrize(
    ("path", "broken"),
    [
        ("docs/docsite/rst/playbooks.rst", "\nSee :ansplugin:`watchdog.alertmanager_kuma.no_such_role#role`.\n"),
        ("docs/docsite/rst/playbooks.rst", "\nSee :ref:`no_such_label`.\n"),
        ("roles/relay/meta/argument_specs.yml", None),
    ],
    ids=["plugin-reference-in-a-page", "label-in-a-page", "option-reference-in-a-role"],
)
def test_a_broken_reference_fails_the_site(tmp_path: Path, path: str, broken: str | None):
    checkout = tmp_path / "checkout"
    subprocess.run(["git", "clone", "--quiet", "--shared", str(REPO_ROOT), str(checkout)], check=True)
    target = checkout / path
    if broken is None:  # a role option's description names an option the role does not have
        text = target.read_text()
        target.write_text(
            text.replace("    description:\n", "    description:\n      - See O(relay_no_such_option).\n", 1)
        )
    else:
        target.write_text(target.read_text() + broken)

    built = _build(checkout, tmp_path / "site")

    assert built.returncode != 0, built.stdout[-3000:]
    assert re.search(r"no_such|relay_no_such_option", built.stdout + built.stderr)


def test_galaxy_yml_and_every_unit_point_at_the_same_source_issues_and_docs_site(site: Path):
    assert GALAXY["homepage"] == GALAXY["repository"]
    assert GALAXY["issues"] == GALAXY["repository"] + "/issues"
    documentation = GALAXY["documentation"]
    assert documentation.startswith("https://") and documentation.endswith("/")
    assert UNIT_TEMPLATES
    for template in UNIT_TEMPLATES:
        (line,) = [line for line in template.read_text().splitlines() if line.startswith("Documentation=")]
        for url in line.removeprefix("Documentation=").split():
            assert url.startswith(documentation), (template.name, url)
            assert (site / url.removeprefix(documentation)).is_file(), (template.name, url)
