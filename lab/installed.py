"""The collection's host-side programs laid out as its roles install them, for tests and benchmarks."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from lab.collection import link_checkout_as_collection

link_checkout_as_collection()
# The roles' own answer to which files a program needs, so the lab lays out exactly what a host gets.
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._core_files import (  # noqa: E402
    CORE_DIR,
    core_files,
)

PACKAGE = "alertmanager_kuma"
# The programs the two roles install into one package directory on a host.
PROGRAMS = ("_program", "_relay_program")


def install_core(root: Path, compile_bytecode: bool = False) -> Path:
    """Copy the core files both programs need (the roles' own list) into ROOT/lib/alertmanager_kuma as a package,
    as the roles do under /usr/local/lib/alertmanager-kuma; return ROOT/lib, the directory a launcher puts on
    sys.path."""
    package = root / "lib" / PACKAGE
    package.mkdir(parents=True, exist_ok=True)
    for name in core_files(PROGRAMS):
        shutil.copy2(CORE_DIR / name, package / name)
    (package / "__init__.py").write_text("")
    if compile_bytecode:
        subprocess.run(["/usr/bin/python3", "-m", "compileall", "-q", str(package)], check=True)
    return package.parent


_RUN_RELAY = (
    f"import sys; sys.path.insert(0, sys.argv.pop(1)); from {PACKAGE}._relay_program import main; sys.exit(main())"
)


def relay_command(lib_dir: Path, settings: Path) -> list[str]:
    """The relay from an install_core() layout, run as its launcher runs it (python3 -I)."""
    return ["/usr/bin/python3", "-I", "-c", _RUN_RELAY, str(lib_dir), "--settings", str(settings)]
