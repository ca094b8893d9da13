"""The core reaches a host as one archive: the same bytes from every build, exactly the files the programs import,
and installed by itself (run as the role runs it) into a package that is checked and replaced as a unit."""

from __future__ import annotations

import hashlib
import io
import subprocess
import zipfile
from pathlib import Path

from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._core_archive import (
    HOST_PROGRAMS,
    core_archive,
    package_members,
)
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._core_files import core_files


def _install(archive: Path, target: Path, *extra: str) -> str:
    done = subprocess.run(
        ["/usr/bin/python3", "-I", str(archive), str(target), *extra],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.strip()


def _archive(tmp_path: Path, members: dict[str, bytes] | None = None) -> Path:
    """The real archive, or one whose package holds MEMBERS instead (a later collection version, say)."""
    path = tmp_path / "alertmanager_kuma.zip"
    data = core_archive()
    if members is not None:
        with zipfile.ZipFile(io.BytesIO(data)) as real, zipfile.ZipFile(path, "w") as changed:
            changed.writestr("__main__.py", real.read("__main__.py"))
            for name, content in members.items():
                changed.writestr(f"alertmanager_kuma/{name}", content)
        return path
    path.write_bytes(data)
    return path


def _tree(target: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in target.iterdir() if path.is_file()}


def test_two_builds_give_the_same_bytes_stored_with_fixed_dates_and_modes() -> None:
    first, second = core_archive(), core_archive()

    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        infos = archive.infolist()
    assert [info.filename for info in infos] == sorted(info.filename for info in infos)
    assert {(info.date_time, info.compress_type, info.external_attr >> 16) for info in infos} == {
        ((1980, 1, 1, 0, 0, 0), zipfile.ZIP_STORED, 0o100644)
    }


def test_the_archive_holds_what_both_programs_import_the_installer_and_nothing_else() -> None:
    with zipfile.ZipFile(io.BytesIO(core_archive())) as archive:
        names = set(archive.namelist())

    expected = {f"alertmanager_kuma/{name}" for name in core_files((*HOST_PROGRAMS, "_core_install"))}
    assert names == expected | {"alertmanager_kuma/__init__.py", "__main__.py"}
    assert {"alertmanager_kuma/_program.py", "alertmanager_kuma/_relay_program.py"} <= names


def test_a_fresh_install_unpacks_and_compiles_and_a_rerun_changes_nothing(tmp_path: Path) -> None:
    archive = _archive(tmp_path)
    target = tmp_path / "lib" / "alertmanager_kuma"
    target.parent.mkdir()

    assert _install(archive, target) == "replaced"
    assert _tree(target) == package_members()
    compiled = {path.name.split(".")[0] for path in (target / "__pycache__").iterdir()}
    assert compiled == {name.removesuffix(".py") for name in package_members()}
    before = {path: path.stat().st_mtime_ns for path in target.rglob("*")}

    assert _install(archive, target) == "unchanged"
    assert {path: path.stat().st_mtime_ns for path in target.rglob("*")} == before


def test_a_new_version_replaces_the_whole_package_and_drops_what_it_no_longer_holds(tmp_path: Path) -> None:
    target = tmp_path / "alertmanager_kuma"
    _install(_archive(tmp_path), target)
    upgraded = dict(package_members())
    del upgraded["_webhook.py"]
    upgraded["_program.py"] = upgraded["_program.py"] + b"\nUPGRADED = True\n"

    assert _install(_archive(tmp_path, upgraded), target) == "replaced"

    assert _tree(target) == upgraded
    assert not (target.parent / ".alertmanager_kuma.new").exists()
    assert not (target.parent / ".alertmanager_kuma.old").exists()
    loaded = subprocess.run(
        [
            "/usr/bin/python3",
            "-I",
            "-c",
            "import sys; sys.path.insert(0, sys.argv[1]); import alertmanager_kuma._program as p; print(p.UPGRADED)",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert loaded.stdout == "True\n"


def test_an_edited_stray_or_uncompiled_file_is_found_and_the_package_replaced(tmp_path: Path) -> None:
    archive = _archive(tmp_path)
    target = tmp_path / "alertmanager_kuma"
    damages = {
        "edited": lambda: (target / "_kuma.py").write_text("broken = True\n"),
        "stray": lambda: (target / "_stray.py").write_text(""),
        "uncompiled": lambda: next((target / "__pycache__").glob("_verdict.*.pyc")).unlink(),
    }
    _install(archive, target)
    for damage in damages.values():
        damage()

        assert _install(archive, target) == "replaced"
        assert _tree(target) == package_members()
        assert _install(archive, target) == "unchanged"


def test_check_says_what_it_would_do_and_changes_nothing(tmp_path: Path) -> None:
    archive = _archive(tmp_path)
    target = tmp_path / "alertmanager_kuma"

    assert _install(archive, target, "--check") == "would replace"
    assert not target.exists()

    _install(archive, target)
    assert _install(archive, target, "--check") == "unchanged"


def test_an_archive_of_another_version_says_stale_and_installs_nothing(tmp_path: Path) -> None:
    archive = _archive(tmp_path)
    target = tmp_path / "alertmanager_kuma"
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()

    assert _install(archive, target, "--expect", "0" * 64) == "stale"
    assert not target.exists()
    assert _install(archive, target, "--expect", digest) == "replaced"
    assert _install(archive, target, "--expect", digest) == "unchanged"
