"""Builds a verifiable release of the collection into dist/: see SECURITY.md for what it holds and how to check it.

Run it through scripts/release.sh, which puts the pinned tools of requirements-release.txt on PATH.

The build starts from `git archive` of one commit, so its output depends on that commit only: uncommitted changes
are left out (and said so). ansible-galaxy's tarball carries build times; it is re-packed with every time set to the
commit's time (SOURCE_DATE_EPOCH), fixed owners, modes and member order and a gzip header without a time or name,
so two builds of one commit give the same bytes. Signatures are not reproducible (they carry their own time).
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import gzip
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
CACHE_DIR = Path(os.environ.get("RELEASE_CACHE", REPO_ROOT / ".cache" / "release"))
CONTROLLER_REQUIREMENTS = REPO_ROOT / "scripts" / "release-controller.txt"

MANIFEST_SIGNATURE = "MANIFEST.json.asc"
CHECKSUMS = "SHA256SUMS"
CHECKSUMS_SIGNATURE = "SHA256SUMS.asc"
PUBLIC_KEY = "release-signing-key.pub.asc"
CONTROLLER_SBOM = "sbom-controller.cdx.json"
HOSTS_SBOM = "sbom-hosts.cdx.json"
FIXED_ARTIFACTS = (MANIFEST_SIGNATURE, CHECKSUMS, CHECKSUMS_SIGNATURE, PUBLIC_KEY, CONTROLLER_SBOM, HOSTS_SBOM)

THROWAWAY_UID = "watchdog.alertmanager_kuma THROWAWAY release key <throwaway-release-key@invalid>"


class ReleaseError(Exception):
    """A reason the release cannot be built, said so a person can act on it."""


def log(message: str) -> None:
    print(f"[release] {message}", file=sys.stderr, flush=True)


def shout(*lines: str) -> None:
    width = max(len(line) for line in lines) + 4
    banner = "#" * width
    print("\n".join([banner, *(f"# {line.ljust(width - 4)} #" for line in lines), banner]), file=sys.stderr)


def run(command: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None, stdin: str = "") -> str:
    """Runs a tool; on failure raises with its own output (the tools here never print secrets)."""
    completed = subprocess.run(command, cwd=cwd, env=env, input=stdin, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        output = (completed.stdout + completed.stderr).strip()
        raise ReleaseError(f"{command[0]} {command[1]} failed ({completed.returncode}):\n{output}")
    return completed.stdout


def git(*args: str) -> str:
    return run(["git", "-C", str(REPO_ROOT), *args]).strip()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# The source tree --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    commit: str
    epoch: int
    tree: Path


def export_commit(ref: str, workdir: Path) -> Source:
    commit = git("rev-parse", "--verify", f"{ref}^{{commit}}")
    if ref == "HEAD":
        changed = [line for line in git("status", "--porcelain").splitlines() if line]
        if changed:
            shout(
                f"The work tree has {len(changed)} uncommitted change(s): they are NOT in this release.",
                f"It is built from commit {commit[:12]} alone. Commit first to release them.",
            )
    epoch = int(os.environ.get("SOURCE_DATE_EPOCH") or git("log", "-1", "--format=%ct", commit))
    tree = workdir / "source"
    tree.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "archive", "--format=tar", commit], capture_output=True, check=False
    )
    if archive.returncode != 0:
        raise ReleaseError(f"git archive {commit} failed: {archive.stderr.decode(errors='replace').strip()}")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as exported:
        exported.extractall(tree, filter="tar")
    return Source(commit=commit, epoch=epoch, tree=tree)


def check_changelog(tree: Path, version: str, strict: bool) -> None:
    """The changelog must hold this version and every fragment; stale is an error for a published release."""
    run(["antsibull-changelog", "lint"], cwd=tree)
    changelog_file = tree / "changelogs" / "changelog.yaml"
    releases = (yaml.safe_load(changelog_file.read_text()) or {}).get("releases", {}) if changelog_file.exists() else {}
    released_fragments = {name for release in releases.values() for name in release.get("fragments", [])}
    fragments = {path.name for path in (tree / "changelogs" / "fragments").glob("*.y*ml")}
    problems = []
    if version not in releases:
        problems.append(f"changelogs/changelog.yaml has no release {version} (the version in galaxy.yml)")
    if fragments - released_fragments:
        problems.append(f"fragments not yet in the changelog: {', '.join(sorted(fragments - released_fragments))}")
    if not problems:
        return
    advice = "run `bash scripts/release.sh changelog` and commit the result"
    if strict:
        raise ReleaseError("; ".join(problems) + f": {advice}")
    shout("The CHANGELOG is not up to date:", *problems, f"Before publishing, {advice}.")


# The collection tarball -------------------------------------------------------------------------------------------


def build_collection(tree: Path, workdir: Path) -> Path:
    output = workdir / "galaxy-build"
    run(["ansible-galaxy", "collection", "build", "--output-path", str(output)], cwd=tree)
    (built,) = output.glob("*.tar.gz")
    return built


def _member_order(name: str) -> tuple[int, str]:
    # MANIFEST.json and FILES.json first, as ansible-galaxy writes them; then every path in byte order.
    return ({"MANIFEST.json": 0, "FILES.json": 1}.get(name, 2), name)


def repack(built: Path, target: Path, epoch: int) -> bytes:
    """Writes a byte-reproducible copy of a collection tarball; returns its MANIFEST.json."""
    with tarfile.open(built, "r:gz") as source:
        members = {}
        for member in source.getmembers():
            content = source.extractfile(member).read() if member.isfile() else b""
            members[member.name] = (member, content)

    # FILES.json lists files in the build machine's directory order; sort it and keep MANIFEST.json's checksum of it
    # true, so the signed MANIFEST.json is the same on every machine.
    files_manifest = json.loads(members["FILES.json"][1])
    files_manifest["files"].sort(key=lambda entry: (entry["name"] != ".", entry["name"]))
    files_json = json.dumps(files_manifest, indent=True).encode()
    manifest = json.loads(members["MANIFEST.json"][1])
    manifest["file_manifest_file"]["chksum_sha256"] = sha256_hex(files_json)
    manifest_json = json.dumps(manifest, indent=True).encode()
    members["FILES.json"] = (members["FILES.json"][0], files_json)
    members["MANIFEST.json"] = (members["MANIFEST.json"][0], manifest_json)

    for entry in files_manifest["files"]:
        if entry["ftype"] == "file" and sha256_hex(members[entry["name"]][1]) != entry["chksum_sha256"]:
            raise ReleaseError(f"{entry['name']} in the built tarball does not match its FILES.json checksum")

    with (
        open(target, "wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as compressed,
        tarfile.open(fileobj=compressed, mode="w", format=tarfile.PAX_FORMAT) as repacked,
    ):
        for name in sorted(members, key=_member_order):
            member, content = members[name]
            if name.startswith(("./", "/")):
                raise ReleaseError(f"unexpected member name {name!r} in the built tarball")
            info = tarfile.TarInfo(name)
            info.type = member.type
            info.linkname = member.linkname
            info.mtime = epoch
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            if member.issym():
                info.mode = 0o777
            elif member.isdir() or member.mode & 0o100:
                info.mode = 0o755
            else:
                info.mode = 0o644
            info.size = len(content) if member.isfile() else 0
            repacked.addfile(info, io.BytesIO(content) if member.isfile() else None)
    return manifest_json


# Signing ----------------------------------------------------------------------------------------------------------


class Signer:
    """A GnuPG signing key: RELEASE_GPG_KEY (armored secret key), else RELEASE_GPG_KEY_ID in the current GNUPGHOME,
    else a throwaway key made for this build alone. RELEASE_GPG_PASSPHRASE unlocks a protected key."""

    def __init__(self, strict: bool) -> None:
        self.passphrase = os.environ.get("RELEASE_GPG_PASSPHRASE")
        self.throwaway = False
        armored_key = os.environ.get("RELEASE_GPG_KEY", "")
        key_id = os.environ.get("RELEASE_GPG_KEY_ID", "")
        self.env = dict(os.environ)
        self._own_home: Path | None = None
        if armored_key or not key_id:
            if not armored_key and strict:
                raise ReleaseError("--strict needs a signing key: set RELEASE_GPG_KEY or RELEASE_GPG_KEY_ID")
            # A short path: gpg-agent's socket path must fit in a sockaddr.
            self._own_home = Path(tempfile.mkdtemp(prefix="gpg-", dir="/tmp"))
            self.env["GNUPGHOME"] = str(self._own_home)
        if armored_key:
            self._gpg("--import", stdin=armored_key)
        elif not key_id:
            self.throwaway = True
            no_passphrase = ("--pinentry-mode", "loopback", "--passphrase", "")
            self._gpg(*no_passphrase, "--quick-gen-key", THROWAWAY_UID, "ed25519", "sign", "never")
        self.fingerprint = self._secret_key_fingerprint(key_id)

    def _gpg(self, *args: str, stdin: str = "") -> str:
        return run(["gpg", "--batch", "--no-tty", *args], env=self.env, stdin=stdin)

    def _secret_key_fingerprint(self, key_id: str) -> str:
        listing = self._gpg("--with-colons", "--list-secret-keys", *([key_id] if key_id else []))
        fingerprints = [line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr:")]
        if not fingerprints:
            raise ReleaseError(f"no secret key {key_id or 'at all'} in the GnuPG keyring")
        # The first fpr line after a sec line is the primary key's; signing subkeys are picked by gpg itself.
        return fingerprints[0]

    def sign(self, path: Path, signature: Path) -> None:
        # With RELEASE_GPG_PASSPHRASE, gpg reads it from stdin; without, a protected key asks through gpg-agent.
        unlock = ("--pinentry-mode", "loopback", "--passphrase-fd", "0") if self.passphrase is not None else ()
        self._gpg(
            *unlock, "--local-user", self.fingerprint,
            "--armor", "--detach-sign", "--output", str(signature), str(path),
            stdin=self.passphrase or "",
        )  # fmt: skip

    def export_public_key(self, target: Path) -> None:
        target.write_text(self._gpg("--armor", "--export-options", "export-minimal", "--export", self.fingerprint))

    def close(self) -> None:
        if self._own_home is not None:
            # Ends the gpg-agent that this build's own GNUPGHOME started, and only that one.
            subprocess.run(["gpgconf", "--kill", "gpg-agent"], env=self.env, capture_output=True, check=False)
            shutil.rmtree(self._own_home, ignore_errors=True)


# SBOMs ------------------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def cache_lock(name: str) -> Iterator[None]:
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    with open(CACHE_DIR / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def venv_python(name: str, requirements: Path | None) -> Path:
    """A cached venv without pip holding exactly the given requirements (none: an empty environment)."""
    wanted = (requirements.read_bytes() if requirements else b"") + sys.version.encode()
    venv = CACHE_DIR / f"{name}-{sha256_hex(wanted)[:16]}"
    with cache_lock(name):
        if not (venv / ".complete").exists():
            log(f"making the {name} environment the SBOM describes: {venv}")
            shutil.rmtree(venv, ignore_errors=True)
            run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
            if requirements:
                run([
                    sys.executable, "-m", "pip", "--disable-pip-version-check",
                    "--python", str(venv / "bin" / "python"), "install", "--quiet", "-r", str(requirements),
                ])  # fmt: skip
            (venv / ".complete").touch()
    return venv / "bin" / "python"


def write_sbom(python: Path, root_component: str, target: Path, workdir: Path, epoch: int) -> None:
    pyproject = workdir / f"{target.stem}.pyproject.toml"
    pyproject.write_text(root_component)
    run(
        [
            "cyclonedx-py", "environment", "--output-reproducible", "--of", "JSON", "--validate",
            "--pyproject", str(pyproject), "-o", str(target), str(python),
        ],
        env={**os.environ, "SOURCE_DATE_EPOCH": str(epoch)},
    )  # fmt: skip


def root_component(collection: dict, description: str, dependencies: list[str]) -> str:
    # cyclonedx-py takes the SBOM's subject from a PEP 621 pyproject.toml: this one names the collection.
    return "\n".join([
        "[project]",
        f"name = {json.dumps(collection['namespace'] + '.' + collection['name'])}",
        f"version = {json.dumps(collection['version'])}",
        f"description = {json.dumps(description)}",
        f"license = {json.dumps(' OR '.join(collection['license']))}",
        f"dependencies = {json.dumps(dependencies)}",
        "",
    ])  # fmt: skip


def write_sboms(collection: dict, tree: Path, stage: Path, workdir: Path, epoch: int) -> None:
    requires_ansible = yaml.safe_load((tree / "meta" / "runtime.yml").read_text())["requires_ansible"]
    fqcn = f"{collection['namespace']}.{collection['name']}"
    write_sbom(
        venv_python("controller", CONTROLLER_REQUIREMENTS),
        root_component(
            collection,
            f"Ansible collection {fqcn} on the controller: ansible-core and the Python packages it needs",
            [f"ansible-core{requires_ansible}"],
        ),
        stage / CONTROLLER_SBOM,
        workdir,
        epoch,
    )
    write_sbom(
        venv_python("hosts", None),
        root_component(
            collection,
            f"Ansible collection {fqcn} on managed hosts: its heartbeat program and module need Python 3.9 or "
            "newer and its standard library only, no third-party package",
            [],
        ),
        stage / HOSTS_SBOM,
        workdir,
        epoch,
    )


# The release ------------------------------------------------------------------------------------------------------


def write_checksums(stage: Path) -> None:
    lines = [f"{sha256_hex(path.read_bytes())}  {path.name}\n" for path in sorted(stage.iterdir())]
    (stage / CHECKSUMS).write_text("".join(lines))


def publish(stage: Path, out_dir: Path) -> list[Path]:
    """Replaces the previous release's files in out_dir (and nothing else there) with this one's."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in [*out_dir.glob("watchdog-alertmanager_kuma-*.tar.gz"), *(out_dir / name for name in FIXED_ARTIFACTS)]:
        old.unlink(missing_ok=True)
    published = []
    for path in sorted(stage.iterdir()):
        shutil.copyfile(path, out_dir / path.name)
        published.append(out_dir / path.name)
    return published


def build(out_dir: Path, ref: str, strict: bool) -> None:
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="release-") as temp:
        workdir = Path(temp)
        source = export_commit(ref, workdir)
        log(f"building commit {source.commit} (SOURCE_DATE_EPOCH={source.epoch})")
        built = build_collection(source.tree, workdir)
        stage = workdir / "stage"
        stage.mkdir()
        tarball = stage / built.name
        manifest_json = repack(built, tarball, source.epoch)
        collection = json.loads(manifest_json)["collection_info"]
        check_changelog(source.tree, collection["version"], strict)

        signer = Signer(strict)
        try:
            manifest_file = workdir / "MANIFEST.json"
            manifest_file.write_bytes(manifest_json)
            signer.sign(manifest_file, stage / MANIFEST_SIGNATURE)
            signer.export_public_key(stage / PUBLIC_KEY)
            write_sboms(collection, source.tree, stage, workdir, source.epoch)
            write_checksums(stage)
            signer.sign(stage / CHECKSUMS, stage / CHECKSUMS_SIGNATURE)
        finally:
            signer.close()
        published = publish(stage, out_dir)

    for path in published:
        print(f"{path}  ({path.stat().st_size} bytes)")
    log(f"version {collection['version']}, commit {source.commit}, key {signer.fingerprint}")
    log(f"done in {time.monotonic() - started:.1f} s; check it as SECURITY.md says")
    if signer.throwaway:
        shout(
            "WARNING: NO SIGNING KEY WAS GIVEN (RELEASE_GPG_KEY or RELEASE_GPG_KEY_ID).",
            f"This build is signed with a THROWAWAY key made just now ({signer.fingerprint}),",
            "whose secret half is already deleted. Fine for testing the flow; never publish it.",
            f"Its public half is {out_dir / PUBLIC_KEY}.",
        )


def refresh_changelog() -> None:
    """Folds the fragments into changelogs/changelog.yaml and CHANGELOG.md for the version in galaxy.yml."""
    run(["antsibull-changelog", "lint"], cwd=REPO_ROOT)
    run(["antsibull-changelog", "release", "--update-existing"], cwd=REPO_ROOT)
    (REPO_ROOT / "changelogs" / ".plugin-cache.yaml").unlink(missing_ok=True)
    log("updated changelogs/changelog.yaml and CHANGELOG.md: review and commit them")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0], prog="scripts/release.sh")
    parser.add_argument("command", nargs="?", choices=["build", "changelog"], default="build")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "dist", help="where the artifacts go (dist/)")
    parser.add_argument("--ref", default="HEAD", help="the commit or tag to build (HEAD)")
    parser.add_argument(
        "--strict", action="store_true", help="for a published release: require a signing key and a current changelog"
    )
    options = parser.parse_args(argv)
    try:
        if options.command == "changelog":
            refresh_changelog()
        else:
            build(options.out.resolve(), options.ref, options.strict)
    except ReleaseError as error:
        log(f"error: {error}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
