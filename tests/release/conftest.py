"""One release build per test session, and the keys and keyrings the release tests check it with."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.release.helpers import REPO_ROOT, TOOLS_VENV, Build, build, gpg, user_env


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "release: builds the release with scripts/release.sh (slow; no lab needed)")


def _gnupg_home(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


def _stop_gpg_agent(home: Path) -> None:
    # Ends the agent of this GnuPG home only (one the test's own gpg calls started, if any).
    subprocess.run(["gpgconf", "--kill", "gpg-agent"], env=user_env(home), capture_output=True, check=False)


@pytest.fixture(scope="session")
def release_tools() -> Path:
    """The release's pinned tools (requirements-release.txt): scripts/release.sh makes their venv on first use."""
    made = subprocess.run(
        ["bash", str(REPO_ROOT / "scripts" / "release.sh"), "--help"], capture_output=True, text=True, check=False
    )
    assert made.returncode == 0, made.stderr
    return TOOLS_VENV / "bin"


@pytest.fixture(scope="session")
def release_commit() -> str:
    # Fixed once: others may commit while the session runs, and every build here must be of the same commit.
    return subprocess.run(
        ["git", "-C", str(REPO_ROOT), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()


@pytest.fixture(scope="session")
def user_gnupg_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    home = _gnupg_home(tmp_path_factory.mktemp("user") / "gnupg")
    yield home
    _stop_gpg_agent(home)


@pytest.fixture(scope="session")
def checking_env(user_gnupg_home: Path) -> dict[str, str]:
    return user_env(user_gnupg_home)


@pytest.fixture(scope="session")
def release_build(tmp_path_factory: pytest.TempPathFactory, release_commit: str, checking_env: dict[str, str]) -> Build:
    """`make release` without a key of ours: the throwaway-key build a fresh machine makes."""
    return build(tmp_path_factory.mktemp("release") / "dist", release_commit, checking_env)


@pytest.fixture(scope="session")
def release_keyring(
    tmp_path_factory: pytest.TempPathFactory, release_build: Build, checking_env: dict[str, str]
) -> Path:
    keyring = tmp_path_factory.mktemp("keyring") / "release-keyring.kbx"
    imported = gpg(
        "--no-default-keyring", "--keyring", str(keyring),
        "--import", str(release_build.out / "release-signing-key.pub.asc"),
        env=checking_env,
    )  # fmt: skip
    assert imported.returncode == 0, imported.stderr
    return keyring


@dataclass(frozen=True)
class Key:
    """A signing key other than the release's: a maintainer's key handed to the build, or an impostor's."""

    fingerprint: str
    passphrase: str
    armored_secret: str
    env: dict[str, str]


@pytest.fixture(scope="session")
def other_key(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Key]:
    home = _gnupg_home(tmp_path_factory.mktemp("other-key") / "gnupg")
    env = user_env(home)
    passphrase = "correct horse battery staple"
    loopback = ["--pinentry-mode", "loopback", "--passphrase", passphrase]
    user_id = "Test maintainer <maintainer@invalid>"
    made = gpg(*loopback, "--quick-gen-key", user_id, "ed25519", "sign", "never", env=env)
    assert made.returncode == 0, made.stderr
    listing = gpg("--with-colons", "--list-secret-keys", env=env).stdout
    fingerprints = [line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr:")]
    assert fingerprints, listing
    fingerprint = fingerprints[0]
    armored = gpg(*loopback, "--armor", "--export-secret-keys", fingerprint, env=env).stdout
    assert "PRIVATE KEY BLOCK" in armored
    yield Key(fingerprint=fingerprint, passphrase=passphrase, armored_secret=armored, env=env)
    _stop_gpg_agent(home)
