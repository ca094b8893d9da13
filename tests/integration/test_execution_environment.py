"""AWX / Automation Platform: ansible-builder reads the collection's needs from its metadata, with no extra file."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from lab.collection import COLLECTIONS_ROOT, REPO_ROOT

BUILDER = Path(sys.executable).parent / "ansible-builder"


def _builder(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BUILDER), *args], capture_output=True, text=True, cwd=cwd, timeout=300, check=False)


def test_ansible_builder_finds_the_controllers_python_and_system_needs_in_the_collection(tmp_path: Path) -> None:
    found = _builder("introspect", str(COLLECTIONS_ROOT), cwd=tmp_path)
    assert found.returncode == 0, found.stdout + found.stderr
    assert "python-socketio[client]>=5.11  # from collection watchdog.alertmanager_kuma" in found.stdout
    assert "openssh-client [platform:dpkg]  # from collection watchdog.alertmanager_kuma" in found.stdout


def test_ansible_builder_creates_the_build_context_of_the_example_execution_environment(tmp_path: Path) -> None:
    for name in ("execution-environment.yml", "requirements.yml"):
        shutil.copy(REPO_ROOT / "examples" / "awx" / name, tmp_path / name)
    created = _builder("create", "-f", "execution-environment.yml", "--context", "context", cwd=tmp_path)
    assert created.returncode == 0, created.stdout + created.stderr
    containerfile = next((tmp_path / "context").glob("[CD]*file")).read_text()
    # The collections install first; then the introspection above collects their Python and system needs.
    assert "ansible-galaxy collection install" in containerfile
    assert "introspect --write-bindep=/tmp/src/bindep.txt --write-pip=/tmp/src/requirements.txt" in containerfile
    assert "watchdog.alertmanager_kuma" in (tmp_path / "context" / "_build" / "requirements.yml").read_text()
