"""`make release`: what it builds, that a commit always gives the same bytes, and how it signs."""

from __future__ import annotations

import hashlib
import json
import subprocess
import tarfile
from pathlib import Path

import pytest
import yaml

from tests.release.conftest import Key
from tests.release.helpers import REPO_ROOT, TARBALL_GLOB, Build, build, gpg, read_member, release, user_env

pytestmark = pytest.mark.release

REPRODUCIBLE = ["sbom-controller.cdx.json", "sbom-hosts.cdx.json"]


def galaxy_version() -> str:
    return yaml.safe_load((REPO_ROOT / "galaxy.yml").read_text())["version"]


def commit_time(commit: str) -> int:
    return int(git("log", "-1", "--format=%ct", commit))


def git(*args: str, cwd: Path = REPO_ROOT) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout.strip()


def test_a_release_holds_the_tarball_both_signatures_the_sboms_the_sums_and_the_public_key(release_build: Build):
    assert sorted(path.name for path in release_build.out.iterdir()) == [
        "MANIFEST.json.asc",
        "SHA256SUMS",
        "SHA256SUMS.asc",
        "release-signing-key.pub.asc",
        "sbom-controller.cdx.json",
        "sbom-hosts.cdx.json",
        f"watchdog-alertmanager_kuma-{galaxy_version()}.tar.gz",
    ]
    summed = [line.split("  ")[1] for line in (release_build.out / "SHA256SUMS").read_text().splitlines()]
    assert summed == sorted(path.name for path in release_build.out.iterdir() if not path.name.startswith("SHA256"))


def test_the_tarball_is_packed_the_same_way_whatever_the_machine(release_build: Build):
    raw = release_build.tarball.read_bytes()
    # gzip header: no file name flag, no time, "unknown" OS.
    assert raw[3] == 0 and raw[4:8] == b"\0\0\0\0"
    with tarfile.open(release_build.tarball, "r:gz") as archive:
        members = archive.getmembers()
    names = [member.name for member in members]
    assert names[:2] == ["MANIFEST.json", "FILES.json"]
    assert names[2:] == sorted(names[2:])
    assert not [name for name in names if name.startswith(("./", "/"))]
    assert {(member.uid, member.gid, member.uname, member.gname) for member in members} == {(0, 0, "", "")}
    assert {member.mtime for member in members} == {commit_time(release_build.commit)}
    assert {member.mode for member in members if member.isfile()} <= {0o644, 0o755}
    assert {member.mode for member in members if member.isdir()} == {0o755}


def test_files_json_is_sorted_and_manifest_json_still_holds_its_checksum(release_build: Build):
    files_json = read_member(release_build.tarball, "FILES.json")
    manifest = json.loads(read_member(release_build.tarball, "MANIFEST.json"))
    names = [entry["name"] for entry in json.loads(files_json)["files"]]
    assert names[0] == "." and names[1:] == sorted(names[1:])
    assert manifest["file_manifest_file"]["chksum_sha256"] == hashlib.sha256(files_json).hexdigest()
    assert manifest["collection_info"]["version"] == galaxy_version()


def test_a_second_build_from_another_dirty_checkout_of_the_commit_gives_the_same_bytes(
    release_build: Build, tmp_path: Path, checking_env: dict[str, str]
):
    checkout = tmp_path / "checkout"
    git("clone", "--quiet", "--shared", "--no-checkout", str(REPO_ROOT), str(checkout))
    git("checkout", "--quiet", "--detach", release_build.commit, cwd=checkout)
    readme = checkout / "README.md"
    readme.write_text(readme.read_text() + "\nAn uncommitted line.\n")
    (checkout / "plugins" / "modules" / "uncommitted.py").write_text("# not in git\n")

    second = build(tmp_path / "dist", "HEAD", checking_env, checkout=checkout)

    assert "uncommitted change(s): they are NOT in this release" in second.stderr
    assert second.tarball.name == release_build.tarball.name
    assert second.tarball.read_bytes() == release_build.tarball.read_bytes()
    for name in REPRODUCIBLE:
        assert (second.out / name).read_bytes() == (release_build.out / name).read_bytes(), name
    with tarfile.open(second.tarball, "r:gz") as archive:
        assert "plugins/modules/uncommitted.py" not in archive.getnames()


def test_without_a_key_the_build_signs_with_a_throwaway_key_and_says_so_loudly(release_build: Build):
    assert "NO SIGNING KEY WAS GIVEN" in release_build.stderr
    assert "THROWAWAY key" in release_build.stderr
    public_key = (release_build.out / "release-signing-key.pub.asc").read_text()
    assert public_key.startswith("-----BEGIN PGP PUBLIC KEY BLOCK-----")
    assert "PRIVATE KEY" not in public_key


@pytest.mark.parametrize("given_as", ["armored secret key in RELEASE_GPG_KEY", "RELEASE_GPG_KEY_ID in GNUPGHOME"])
def test_a_key_from_the_environment_signs_the_release_and_stays_secret(
    release_build: Build, other_key: Key, tmp_path: Path, checking_env: dict[str, str], given_as: str
):
    if given_as.startswith("armored"):
        env = {**checking_env, "RELEASE_GPG_KEY": other_key.armored_secret}
    else:
        env = {**other_key.env, "RELEASE_GPG_KEY_ID": other_key.fingerprint}
    env["RELEASE_GPG_PASSPHRASE"] = other_key.passphrase
    signed = build(tmp_path / "dist", release_build.commit, env, "--strict")

    assert "THROWAWAY" not in signed.stderr
    output = signed.stdout + signed.stderr
    assert other_key.passphrase not in output
    assert "PRIVATE KEY" not in output
    shown = gpg("--with-colons", "--show-keys", str(signed.out / "release-signing-key.pub.asc"), env=checking_env)
    assert f"fpr:::::::::{other_key.fingerprint}:" in shown.stdout
    verified = gpg("--verify", str(signed.out / "SHA256SUMS.asc"), str(signed.out / "SHA256SUMS"), env=other_key.env)
    assert verified.returncode == 0, verified.stderr
    assert signed.tarball.read_bytes() == release_build.tarball.read_bytes()


def test_strict_mode_refuses_to_sign_with_a_throwaway_key(release_commit: str, tmp_path: Path):
    env = user_env(tmp_path / "gnupg")
    refused = release(tmp_path / "dist", release_commit, env, "--strict")
    assert refused.returncode == 1
    assert "--strict needs a signing key: set RELEASE_GPG_KEY or RELEASE_GPG_KEY_ID" in refused.stderr
    assert not list((tmp_path / "dist").glob(TARBALL_GLOB))
