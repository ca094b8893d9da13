"""The collection's host-side programs laid out as its roles install them, for tests and benchmarks."""

from __future__ import annotations

import subprocess
from pathlib import Path

from lab.collection import link_checkout_as_collection

link_checkout_as_collection()
# The roles' own archive, so the lab lays out exactly what a host gets, installed by the archive itself.
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._core_archive import (  # noqa: E402
    PACKAGE,
    core_archive,
)


def install_core(root: Path) -> Path:
    """Install the core archive the roles send (both programs) into ROOT/lib/alertmanager_kuma, compiled, as the
    roles do under /usr/local/lib/alertmanager-kuma; return ROOT/lib, the directory a launcher puts on sys.path."""
    lib_dir = root / "lib"
    lib_dir.mkdir(parents=True, exist_ok=True)
    archive = lib_dir / f"{PACKAGE}.zip"
    archive.write_bytes(core_archive())
    subprocess.run(["/usr/bin/python3", "-I", str(archive), str(lib_dir / PACKAGE)], check=True, capture_output=True)
    return lib_dir


_RUN_RELAY = (
    f"import sys; sys.path.insert(0, sys.argv.pop(1)); from {PACKAGE}._relay_program import main; sys.exit(main())"
)


def relay_command(lib_dir: Path, settings: Path) -> list[str]:
    """The relay from an install_core() layout, run as its launcher runs it (python3 -I)."""
    return ["/usr/bin/python3", "-I", "-c", _RUN_RELAY, str(lib_dir), "--settings", str(settings)]
