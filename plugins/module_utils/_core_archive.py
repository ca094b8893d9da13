# Copyright: Contributors to the watchdog.alertmanager_kuma collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The host programs' core as one archive: what the roles send to a host in one transfer.

Private to the collection (leading underscore). Standard library only. Built on the controller from the core files
the programs import (``_core_files``), byte for byte the same for the same collection version on any controller:
members sorted, fixed dates and modes, stored uncompressed (zlib builds differ in what they emit). On the host the
archive installs itself (``python3 -I ARCHIVE TARGET``, see ``_core_install``).
"""

from __future__ import annotations

import io
import zipfile

from ._core_files import CORE_DIR, core_files

# The programs the two roles run on a host; both import from the one installed package.
HOST_PROGRAMS = ("_program", "_relay_program")
PACKAGE = "alertmanager_kuma"
ARCHIVE_NAME = f"{PACKAGE}.zip"
INSTALLER = "_core_install"
_FIXED_DATE = (1980, 1, 1, 0, 0, 0)
_MAIN = (
    '"""Installs the core this archive holds: python3 -I ARCHIVE TARGET [--check]."""\n'
    "import sys\n\n"
    f"from {PACKAGE}.{INSTALLER} import main\n\n"
    "sys.exit(main())\n"
)


def package_members() -> dict[str, bytes]:
    """The installed package's files (name -> content): both programs, all they import, the installer, ``__init__``."""
    members = {name: (CORE_DIR / name).read_bytes() for name in core_files((*HOST_PROGRAMS, INSTALLER))}
    members["__init__.py"] = b""
    return members


def core_archive() -> bytes:
    """The zip application: the package under ``alertmanager_kuma/`` and a ``__main__.py`` that installs it."""
    entries = {f"{PACKAGE}/{name}": data for name, data in package_members().items()}
    entries["__main__.py"] = _MAIN.encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name in sorted(entries):
            member = zipfile.ZipInfo(name, date_time=_FIXED_DATE)
            member.create_system = 3
            member.external_attr = 0o100644 << 16
            archive.writestr(member, entries[name])
    return buffer.getvalue()
