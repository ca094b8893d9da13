"""Checking a release as a user does: what passes, and that one changed byte anywhere is caught."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.release.conftest import Key
from tests.release.helpers import (
    Build,
    flip_one_byte,
    galaxy_install,
    galaxy_verify,
    gpg,
    read_member,
    rewrite_tarball,
)

pytestmark = pytest.mark.release


def sha256sum_check(directory: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sha256sum", "--check", "--strict", "SHA256SUMS"], cwd=directory, capture_output=True, text=True, check=False
    )


def test_the_installed_tarball_verifies_with_its_signature(
    release_build: Build, release_keyring: Path, tmp_path: Path, checking_env: dict[str, str]
):
    installed = galaxy_install(release_build.tarball, tmp_path, checking_env)
    assert installed.returncode == 0, installed.stdout + installed.stderr

    verified = galaxy_verify(tmp_path, release_build.out / "MANIFEST.json.asc", release_keyring, checking_env)

    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "Successfully verified that checksums for 'watchdog.alertmanager_kuma:" in verified.stdout


def test_a_tarball_with_one_byte_changed_in_one_file_is_refused_at_install(
    release_build: Build, tmp_path: Path, checking_env: dict[str, str]
):
    tampered = tmp_path / release_build.tarball.name
    rewrite_tarball(release_build.tarball, tampered, {"README.md": flip_one_byte})

    installed = galaxy_install(tampered, tmp_path / "collections", checking_env)

    assert installed.returncode != 0
    assert "Checksum mismatch for 'README.md' inside collection" in installed.stdout + installed.stderr


def test_an_installed_file_changed_by_one_byte_fails_verify_as_modified_content(
    release_build: Build, release_keyring: Path, tmp_path: Path, checking_env: dict[str, str]
):
    assert galaxy_install(release_build.tarball, tmp_path, checking_env).returncode == 0
    module = tmp_path / "ansible_collections" / "watchdog" / "alertmanager_kuma" / "plugins/modules/heartbeat.py"
    module.write_bytes(flip_one_byte(module.read_bytes()))

    verified = galaxy_verify(tmp_path, release_build.out / "MANIFEST.json.asc", release_keyring, checking_env)

    assert verified.returncode != 0
    assert "contains modified content in the following files:\n    plugins/modules/heartbeat.py" in verified.stdout


def test_a_changed_file_with_every_checksum_rewritten_to_match_installs_but_fails_the_signature(
    release_build: Build, release_keyring: Path, tmp_path: Path, checking_env: dict[str, str]
):
    """What the signature is for: a forger who fixes FILES.json and MANIFEST.json up still cannot sign them."""
    readme = flip_one_byte(read_member(release_build.tarball, "README.md"))
    files = json.loads(read_member(release_build.tarball, "FILES.json"))
    for entry in files["files"]:
        if entry["name"] == "README.md":
            entry["chksum_sha256"] = hashlib.sha256(readme).hexdigest()
    files_json = json.dumps(files, indent=True).encode()
    manifest = json.loads(read_member(release_build.tarball, "MANIFEST.json"))
    manifest["file_manifest_file"]["chksum_sha256"] = hashlib.sha256(files_json).hexdigest()
    forged = tmp_path / release_build.tarball.name
    rewrite_tarball(
        release_build.tarball,
        forged,
        {
            "README.md": lambda _: readme,
            "FILES.json": lambda _: files_json,
            "MANIFEST.json": lambda _: json.dumps(manifest, indent=True).encode(),
        },
    )
    collections = tmp_path / "collections"
    assert galaxy_install(forged, collections, checking_env).returncode == 0

    verified = galaxy_verify(collections, release_build.out / "MANIFEST.json.asc", release_keyring, checking_env)

    assert verified.returncode != 0
    assert "Signature verification failed for 'watchdog.alertmanager_kuma': no successful signatures" in (
        verified.stdout + verified.stderr
    )


def test_a_manifest_changed_by_one_byte_fails_the_signature_check(
    release_build: Build, release_keyring: Path, tmp_path: Path, checking_env: dict[str, str]
):
    tampered = tmp_path / release_build.tarball.name
    rewrite_tarball(release_build.tarball, tampered, {"MANIFEST.json": flip_one_byte})
    collections = tmp_path / "collections"
    assert galaxy_install(tampered, collections, checking_env).returncode == 0

    verified = galaxy_verify(collections, release_build.out / "MANIFEST.json.asc", release_keyring, checking_env)
    assert verified.returncode != 0
    assert "no successful signatures" in verified.stdout + verified.stderr

    manifest = tmp_path / "MANIFEST.json"
    manifest.write_bytes(read_member(tampered, "MANIFEST.json"))
    by_hand = gpg(
        "--no-default-keyring", "--keyring", str(release_keyring),
        "--verify", str(release_build.out / "MANIFEST.json.asc"), str(manifest),
        env=checking_env,
    )  # fmt: skip
    assert by_hand.returncode != 0
    assert "BAD signature" in by_hand.stderr


def test_a_signature_by_another_key_is_rejected(
    release_build: Build, release_keyring: Path, other_key: Key, tmp_path: Path, checking_env: dict[str, str]
):
    manifest = tmp_path / "MANIFEST.json"
    manifest.write_bytes(read_member(release_build.tarball, "MANIFEST.json"))
    impostor_signature = tmp_path / "MANIFEST.json.asc"
    signed = gpg(
        "--pinentry-mode", "loopback", "--passphrase", other_key.passphrase,
        "--armor", "--detach-sign", "--output", str(impostor_signature), str(manifest),
        env=other_key.env,
    )  # fmt: skip
    assert signed.returncode == 0, signed.stderr
    collections = tmp_path / "collections"
    assert galaxy_install(release_build.tarball, collections, checking_env).returncode == 0

    verified = galaxy_verify(collections, impostor_signature, release_keyring, checking_env)

    assert verified.returncode != 0
    assert "no successful signatures" in verified.stdout + verified.stderr


def test_sha256sums_pass_for_the_release_and_name_a_changed_file(release_build: Build, tmp_path: Path):
    copy = tmp_path / "dist"
    shutil.copytree(release_build.out, copy)
    passed = sha256sum_check(copy)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert f"{release_build.tarball.name}: OK" in passed.stdout

    sbom = copy / "sbom-hosts.cdx.json"
    sbom.write_bytes(flip_one_byte(sbom.read_bytes(), b"Ansible"))
    failed = sha256sum_check(copy)
    assert failed.returncode != 0
    assert "sbom-hosts.cdx.json: FAILED" in failed.stdout


def test_the_signature_of_sha256sums_is_good_and_a_changed_sums_file_is_not(
    release_build: Build, release_keyring: Path, tmp_path: Path, checking_env: dict[str, str]
):
    def verify(sums: Path) -> subprocess.CompletedProcess[str]:
        return gpg(
            "--no-default-keyring", "--keyring", str(release_keyring),
            "--verify", str(release_build.out / "SHA256SUMS.asc"), str(sums),
            env=checking_env,
        )  # fmt: skip

    good = verify(release_build.out / "SHA256SUMS")
    assert good.returncode == 0, good.stderr
    assert "Good signature" in good.stderr

    changed = tmp_path / "SHA256SUMS"
    sums = (release_build.out / "SHA256SUMS").read_bytes()
    changed.write_bytes(bytes([sums[0] ^ 0x01]) + sums[1:])
    bad = verify(changed)
    assert bad.returncode != 0
    assert "BAD signature" in bad.stderr
