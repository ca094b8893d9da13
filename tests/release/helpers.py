"""Running the release build and the tools a user checks it with, for the release tests."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tarfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
TOOLS_VENV = Path(os.environ.get("RELEASE_TOOLS_VENV", REPO_ROOT / ".cache" / "release" / "tools"))
RELEASE_CACHE = Path(os.environ.get("RELEASE_CACHE", REPO_ROOT / ".cache" / "release"))
# The controller's Ansible, as a user would have it: the test venv's, not the release tools' own.
CONTROLLER_BIN = Path(sys.executable).parent
FQCN = "watchdog.alertmanager_kuma"
TARBALL_GLOB = "watchdog-alertmanager_kuma-*.tar.gz"
BUILD_TIMEOUT = 900


@dataclass(frozen=True)
class Build:
    out: Path
    commit: str
    stdout: str
    stderr: str

    @property
    def tarball(self) -> Path:
        (tarball,) = self.out.glob(TARBALL_GLOB)
        return tarball


def user_env(gnupg_home: Path, **extra: str) -> dict[str, str]:
    """The environment of a user checking a release: no release key settings, a GnuPG home of the test's own."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("RELEASE_GPG_", "ANSIBLE_COLLECTIONS_PATH")) and key != "SOURCE_DATE_EPOCH"
    }
    env.update(
        PATH=f"{CONTROLLER_BIN}{os.pathsep}{env.get('PATH', '')}",
        GNUPGHOME=str(gnupg_home),
        RELEASE_TOOLS_VENV=str(TOOLS_VENV),
        RELEASE_CACHE=str(RELEASE_CACHE),
        **extra,
    )
    return env


def release(
    out: Path, ref: str, env: dict[str, str], *args: str, checkout: Path = REPO_ROOT
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(checkout / "scripts" / "release.sh"), "--out", str(out), "--ref", ref, *args],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT,
        check=False,
    )


def build(out: Path, ref: str, env: dict[str, str], *args: str, checkout: Path = REPO_ROOT) -> Build:
    completed = release(out, ref, env, *args, checkout=checkout)
    assert completed.returncode == 0, completed.stderr
    return Build(out=out, commit=ref, stdout=completed.stdout, stderr=completed.stderr)


def run(command: list[str], env: dict[str, str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=300, check=False)


def galaxy_install(tarball: Path, collections: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {**env, "ANSIBLE_COLLECTIONS_PATH": str(collections)}
    return run(["ansible-galaxy", "collection", "install", str(tarball), "-p", str(collections)], env)


def galaxy_verify(
    collections: Path, signature: Path, keyring: Path, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    env = {**env, "ANSIBLE_COLLECTIONS_PATH": str(collections)}
    return run(
        [
            "ansible-galaxy", "collection", "verify", FQCN, "--offline",
            "--signature", f"file://{signature}", "--keyring", str(keyring),
            "--required-valid-signature-count", "+1",
        ],
        env,
    )  # fmt: skip


def gpg(*args: str, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["gpg", "--batch", "--no-tty", *args], env=env, input=stdin, capture_output=True, text=True, check=False
    )


def rewrite_tarball(source: Path, target: Path, changes: dict[str, Callable[[bytes], bytes]]) -> None:
    """Copies a collection tarball, passing the named members' contents through the given changes."""
    with tarfile.open(source, "r:gz") as original, tarfile.open(target, "w:gz") as copy:
        for member in original.getmembers():
            if not member.isfile():
                copy.addfile(member)
                continue
            content = original.extractfile(member).read()
            if member.name in changes:
                content = changes[member.name](content)
                member.size = len(content)
            copy.addfile(member, io.BytesIO(content))


def flip_one_byte(content: bytes, marker: bytes = b"Alertmanager") -> bytes:
    """The same bytes but one: the first letter of the first marker changes case."""
    at = content.index(marker)
    return content[:at] + bytes([content[at] ^ 0x20]) + content[at + 1 :]


def read_member(tarball: Path, name: str) -> bytes:
    with tarfile.open(tarball, "r:gz") as archive:
        return archive.extractfile(name).read()
