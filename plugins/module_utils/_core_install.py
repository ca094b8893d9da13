# Copyright: Contributors to the watchdog.alertmanager_kuma collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Installs the core on a host from the archive it runs from: checked, and replaced as a unit.

Private to the collection (leading underscore). Standard library only, Python 3.9+: it runs on the host, as
``python3 -I ARCHIVE TARGET [--check]``, with the interpreter the launchers use, so the bytecode it compiles is the
one they load. The installed package matches the archive when it holds exactly the archive's files, byte for byte,
each compiled for this interpreter; otherwise a fresh copy is unpacked and compiled beside it and swapped in, so a
program never imports half of two versions. Prints ``unchanged``, ``replaced`` or, with ``--check``, ``would replace``;
with ``--expect DIGEST``, ``stale`` and nothing else when the archive is not the one whose SHA-256 is DIGEST (the
roles then send theirs).
"""

from __future__ import annotations

import argparse
import compileall
import hashlib
import importlib.util
import os
import shutil
import sys
import zipfile
from pathlib import Path

_CACHE = "__pycache__"


def archived_package(archive: Path, package: str) -> dict[str, bytes]:
    """The package's files in the archive, by file name."""
    prefix = f"{package}/"
    with zipfile.ZipFile(archive) as opened:
        return {
            name.removeprefix(prefix): opened.read(name)
            for name in opened.namelist()
            if name.startswith(prefix) and not name.endswith("/")
        }


def matches(target: Path, wanted: dict[str, bytes]) -> bool:
    """Whether TARGET holds exactly WANTED, each source with its bytecode for this interpreter."""
    if not target.is_dir():
        return False
    if {path.name for path in target.iterdir() if path.name != _CACHE} != set(wanted):
        return False
    for name, content in wanted.items():
        path = target / name
        if not path.is_file() or path.read_bytes() != content:
            return False
        if name.endswith(".py") and not Path(importlib.util.cache_from_source(str(path))).is_file():
            return False
    return True


def replace(target: Path, wanted: dict[str, bytes]) -> None:
    """Unpack and compile WANTED beside TARGET, then swap it in."""
    target.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.new")
    retired = target.with_name(f".{target.name}.old")
    for leftover in (staging, retired):
        shutil.rmtree(leftover, ignore_errors=True)
    staging.mkdir(mode=0o755)
    for name, content in wanted.items():
        (staging / name).write_bytes(content)
    # ddir: tracebacks name the installed path, not the staging one.
    if not compileall.compile_dir(str(staging), quiet=1, ddir=str(target)):
        raise SystemExit(f"cannot compile the core unpacked in {staging}")
    if target.exists():
        os.rename(target, retired)
    os.rename(staging, target)
    shutil.rmtree(retired, ignore_errors=True)


def main(argv: list[str] | None = None, archive: Path | None = None) -> int:
    """Install from ARCHIVE, by default the zip application this runs from."""
    parser = argparse.ArgumentParser(description="Install the core this archive holds into TARGET.")
    parser.add_argument("target", type=Path, help="the package directory, such as .../alertmanager_kuma")
    parser.add_argument("--check", action="store_true", help="only say whether TARGET would be replaced")
    parser.add_argument("--expect", metavar="DIGEST", help="install only if this archive's SHA-256 is DIGEST")
    options = parser.parse_args(argv)
    os.umask(0o022)
    archive = archive or Path(sys.argv[0])
    wanted = archived_package(archive, options.target.name)
    if options.expect and hashlib.sha256(archive.read_bytes()).hexdigest() != options.expect:
        outcome = "stale"
    elif matches(options.target, wanted):
        outcome = "unchanged"
    elif options.check:
        outcome = "would replace"
    else:
        replace(options.target, wanted)
        outcome = "replaced"
    sys.stdout.write(f"{outcome}\n")
    return 0
