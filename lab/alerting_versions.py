"""The Alertmanager and Prometheus releases the lab runs: Debian 12's own, trixie's and sid's.

bookworm is the system's /usr/bin binaries (scripts/install-deps.sh installs them). For trixie and sid the `.deb` files
of `prometheus-alertmanager` and `prometheus` are downloaded by package name from the Debian mirror the machine's apt
already uses (its URI is read from /etc/apt, never written into the project), with an apt state of their own in the
lab's cache, and unpacked there with `dpkg-deb -x`: the system's packages, lists and binaries stay as they are.
Debian builds both as static Go programs, so the newer binaries run on Debian 12.

trixie is pinned; sid moves, so a cached sid tree is re-resolved once it is a day old. A tree is trusted only once its
record (the versions, as JSON) is written, which happens last, so an interrupted fetch is redone; a file lock keeps two
processes from fetching the same suite at once.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from lab import paths
from lab.file_lock import exclusive_lock

SYSTEM_SUITE = "bookworm"
ALERTING_SUITES: tuple[str, ...] = (SYSTEM_SUITE, "trixie", "sid")
ALERTMANAGER_PACKAGE = "prometheus-alertmanager"
PROMETHEUS_PACKAGE = "prometheus"
PACKAGES = (ALERTMANAGER_PACKAGE, PROMETHEUS_PACKAGE)
RECEIVER_NAMES_FLAG = "--enable-feature=receiver-name-in-metrics"
PINNED_VERSIONS: Mapping[str, Mapping[str, str]] = {
    "trixie": {ALERTMANAGER_PACKAGE: "0.28.1+ds-1", PROMETHEUS_PACKAGE: "2.53.3+ds1-2"},
}
RESOLVE_AGAIN_AFTER = 24 * 3600.0
APT_ETC = Path("/etc/apt")
OS_RELEASE = Path("/etc/os-release")
RECORD_NAME = "lab-build.json"
COMMAND_TIMEOUT = 600.0
MIRROR_PROBE_TIMEOUT = 5.0
LOG_TAIL_LINES = 40
_UPSTREAM_VERSION = re.compile(r"version (\d+(?:\.\d+)+)")


class AlertingFetchError(RuntimeError):
    """A suite's packages could not be fetched or unpacked; the message carries the tail of the fetch log."""


@dataclass(frozen=True)
class AlertingBuild:
    """One suite's Alertmanager and Prometheus: where the binaries are, and the versions they are."""

    suite: str
    alertmanager_binary: Path
    prometheus_binary: Path
    alertmanager_version: str
    prometheus_version: str
    alertmanager_package_version: str
    prometheus_package_version: str

    @property
    def label(self) -> str:
        """Short enough for a test id: `trixie-am0.28.1-prom2.53.3`."""
        return f"{self.suite}-am{self.alertmanager_version}-prom{self.prometheus_version}"

    @property
    def gives_failure_reasons(self) -> bool:
        """Whether this Alertmanager labels failed notifications with a reason (0.26 and later)."""
        return _release(self.alertmanager_version) >= (0, 26)

    @property
    def names_receivers(self) -> bool:
        """Whether this Alertmanager can name receivers in its metrics, given RECEIVER_NAMES_FLAG (0.27 and later)."""
        return _release(self.alertmanager_version) >= (0, 27)


def _release(version: str) -> tuple[int, int]:
    major, minor = version.split(".")[:2]
    return int(major), int(minor)


@dataclass(frozen=True)
class AptSource:
    """One entry of the machine's apt sources, as deb822 and one-line files both describe it."""

    types: tuple[str, ...]
    uris: tuple[str, ...]
    suites: tuple[str, ...]
    components: tuple[str, ...]
    signed_by: str | None = None

    def for_suite(self, suite: str) -> str:
        """This entry as a deb822 file with only the suite changed; the keyring stays, so the index is verified."""
        fields = {
            "Types": "deb",
            "URIs": " ".join(self.uris),
            "Suites": suite,
            "Components": " ".join(self.components),
        }
        if self.signed_by:
            fields["Signed-By"] = _deb822_value(self.signed_by)
        return "".join(f"{name}: {value}\n" for name, value in fields.items())


def _deb822_value(value: str) -> str:
    first, *rest = value.split("\n")
    return "\n".join([first, *(f" {line}" if line.strip() else " ." for line in rest)])


def _deb822_paragraphs(text: str) -> list[dict[str, str]]:
    paragraphs: list[dict[str, str]] = []
    fields: dict[str, str] = {}
    name = ""
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        if not line.strip():
            if fields:
                paragraphs.append(fields)
            fields = {}
        elif line[0] in " \t" and name:
            # A continuation line (an inline Signed-By key); " ." stands for an empty line.
            fields[name] += "\n" + ("" if line.strip() == "." else line.strip())
        else:
            name, _colon, value = line.partition(":")
            name = name.strip().lower()
            fields[name] = value.strip()
    if fields:
        paragraphs.append(fields)
    return paragraphs


def parse_deb822_sources(text: str) -> list[AptSource]:
    """The enabled entries of a `.sources` file."""
    return [
        AptSource(
            types=tuple(fields.get("types", "").split()),
            uris=tuple(fields.get("uris", "").split()),
            suites=tuple(fields.get("suites", "").split()),
            components=tuple(fields.get("components", "").split()),
            signed_by=fields.get("signed-by") or None,
        )
        for fields in _deb822_paragraphs(text)
        if fields.get("enabled", "yes").lower() != "no"
    ]


def _one_line_options(words: list[str]) -> tuple[dict[str, str], list[str]]:
    if not words or not words[0].startswith("["):
        return {}, words
    end = next(index for index, word in enumerate(words) if word.endswith("]"))
    option_words = " ".join(words[: end + 1]).strip("[]").split()
    options = dict(word.partition("=")[::2] for word in option_words)
    return options, words[end + 1 :]


def parse_one_line_sources(text: str) -> list[AptSource]:
    """The entries of a one-line `sources.list` file (`deb [signed-by=...] URI SUITE COMPONENT...`)."""
    sources = []
    for line in text.splitlines():
        words = shlex.split(line.partition("#")[0])
        if len(words) < 3:
            continue
        options, rest = _one_line_options(words[1:])
        if len(rest) < 2:
            continue
        sources.append(
            AptSource(
                types=(words[0],),
                uris=(rest[0],),
                suites=(rest[1],),
                components=tuple(rest[2:]),
                signed_by=options.get("signed-by"),
            )
        )
    return sources


def configured_sources(apt_etc: Path = APT_ETC) -> list[AptSource]:
    """Every enabled entry of the machine's apt sources: sources.list, sources.list.d/*.list and *.sources."""
    one_line = [apt_etc / "sources.list", *sorted((apt_etc / "sources.list.d").glob("*.list"))]
    sources = [source for path in one_line if path.is_file() for source in parse_one_line_sources(path.read_text())]
    for path in sorted((apt_etc / "sources.list.d").glob("*.sources")):
        sources.extend(parse_deb822_sources(path.read_text()))
    return sources


def configured_mirror_hosts(apt_etc: Path = APT_ETC) -> set[str]:
    """The host names in the machine's apt sources: names the project must never hold."""
    return {host for source in configured_sources(apt_etc) for uri in source.uris if (host := urlsplit(uri).hostname)}


def machine_suite(os_release: Path = OS_RELEASE) -> str:
    """The machine's own Debian codename (VERSION_CODENAME), `bookworm` on Debian 12."""
    for line in os_release.read_text().splitlines():
        name, _equals, value = line.partition("=")
        if name == "VERSION_CODENAME":
            return value.strip().strip('"')
    raise AlertingFetchError(f"{os_release} names no VERSION_CODENAME")


def main_suite_source(apt_etc: Path = APT_ETC, suite: str | None = None) -> AptSource | None:
    """The entry of the machine's own main suite (not -security or -updates), or None when apt has none."""
    wanted = suite or machine_suite()
    return next(
        (source for source in configured_sources(apt_etc) if "deb" in source.types and wanted in source.suites),
        None,
    )


def _check_known(suite: str) -> None:
    if suite not in ALERTING_SUITES:
        raise ValueError(f"unknown suite {suite!r}: the lab has {', '.join(ALERTING_SUITES)}")


def suite_tree(suite: str) -> Path:
    """Where a fetched suite's packages are unpacked (fetched or not); bookworm's are the system's."""
    return paths.lab_cache() / f"alerting-{suite}"


def fetch_log(suite: str) -> Path:
    """The output of apt and dpkg-deb during the last fetch of this suite."""
    return paths.lab_cache() / f"alerting-{suite}.fetch.log"


def _apt_dir(suite: str) -> Path:
    return paths.lab_cache() / f"alerting-{suite}.apt"


def _record_path(suite: str) -> Path:
    return suite_tree(suite) / RECORD_NAME


def _read_record(suite: str) -> dict[str, object] | None:
    try:
        return json.loads(_record_path(suite).read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def _mirror_unreachable(source: AptSource) -> str | None:
    parts = urlsplit(source.uris[0])
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        socket.create_connection((parts.hostname or "", port), timeout=MIRROR_PROBE_TIMEOUT).close()
    except OSError as error:
        return f"the Debian mirror apt is configured with does not answer ({error})"
    return None


def alerting_unavailable_reason(suite: str) -> str | None:
    """None when this suite's Alertmanager and Prometheus can be had here; else a sentence for a skip or a failure."""
    _check_known(suite)
    if suite == SYSTEM_SUITE:
        missing = paths.missing_alerting_parts()
        return (
            f"{suite}'s Alertmanager and Prometheus are not installed ({', '.join(missing)}): {paths.INSTALL_HINT}"
            if missing
            else None
        )
    if _read_record(suite) is not None:
        return None
    tools = [tool for tool in ("apt-get", "apt-cache", "dpkg-deb") if shutil.which(tool) is None]
    if tools:
        return f"fetching {suite}'s packages needs {' and '.join(tools)}, and this machine has none"
    source = main_suite_source()
    if source is None or not source.uris:
        return f"apt here has no source for the machine's own suite in {APT_ETC}: no mirror to fetch {suite} from"
    unreachable = _mirror_unreachable(source)
    return f"{suite}'s packages cannot be fetched: {unreachable}" if unreachable else None


def upstream_version(binary: Path) -> str:
    """The release a binary reports with `--version` (0.28.1 for Debian's `0.28.1+ds`)."""
    result = subprocess.run(
        [str(binary), "--version"], capture_output=True, text=True, timeout=COMMAND_TIMEOUT, check=False
    )
    # Alertmanager 0.25 prints its version on stderr, later ones on stdout.
    match = _UPSTREAM_VERSION.search(result.stdout + result.stderr)
    if result.returncode != 0 or match is None:
        raise AlertingFetchError(f"{binary} --version exited {result.returncode}: {result.stdout}{result.stderr}")
    return match.group(1)


def _installed_package_version(package: str) -> str:
    result = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True, check=False)
    return result.stdout.strip() if result.returncode == 0 else "unknown"


def system_build() -> AlertingBuild:
    """Debian 12's own Alertmanager and Prometheus, the ones every lab server runs by default."""
    return AlertingBuild(
        suite=SYSTEM_SUITE,
        alertmanager_binary=paths.ALERTMANAGER_BINARY,
        prometheus_binary=paths.PROMETHEUS_BINARY,
        alertmanager_version=upstream_version(paths.ALERTMANAGER_BINARY),
        prometheus_version=upstream_version(paths.PROMETHEUS_BINARY),
        alertmanager_package_version=_installed_package_version(ALERTMANAGER_PACKAGE),
        prometheus_package_version=_installed_package_version(PROMETHEUS_PACKAGE),
    )


def _build_from_record(suite: str, record: Mapping[str, object]) -> AlertingBuild:
    tree = suite_tree(suite)
    return AlertingBuild(
        suite=suite,
        alertmanager_binary=tree / paths.ALERTMANAGER_BINARY.relative_to("/"),
        prometheus_binary=tree / paths.PROMETHEUS_BINARY.relative_to("/"),
        alertmanager_version=str(record["alertmanager_version"]),
        prometheus_version=str(record["prometheus_version"]),
        alertmanager_package_version=str(record["alertmanager_package_version"]),
        prometheus_package_version=str(record["prometheus_package_version"]),
    )


def _is_stale(suite: str, record: Mapping[str, object]) -> bool:
    resolved_at = record.get("resolved_at")
    return suite not in PINNED_VERSIONS and (
        not isinstance(resolved_at, int | float) or time.time() - resolved_at > RESOLVE_AGAIN_AFTER
    )


def alerting_build(suite: str) -> AlertingBuild:
    """This suite's Alertmanager and Prometheus; fetches and unpacks them into the lab's cache on first use.

    Raises AlertingFetchError when the suite is unavailable here or its fetch fails. A stale sid tree whose
    re-resolution fails (no network) is still used: it is a real sid release, only perhaps not the newest.
    """
    _check_known(suite)
    if suite == SYSTEM_SUITE:
        return system_build()
    record = _read_record(suite)
    if record is not None and not _is_stale(suite, record):
        return _build_from_record(suite, record)
    with exclusive_lock(paths.lab_cache() / f"alerting-{suite}.lock"):
        # Another process may have fetched it while this one waited for the lock.
        record = _read_record(suite)
        if record is None:
            record = _fetch(suite)
        elif _is_stale(suite, record):
            record = _resolve_again(suite, record)
    return _build_from_record(suite, record)


def known_label(suite: str) -> str:
    """The build's label when it is known without fetching (the system's binaries, a cached record), else the suite.

    For test ids, which are made at collection, before any fetch.
    """
    _check_known(suite)
    if suite == SYSTEM_SUITE:
        return suite if paths.missing_alerting_parts() else system_build().label
    record = _read_record(suite)
    return suite if record is None else _build_from_record(suite, record).label


class _FetchLog:
    """The fetch log, and the commands run with their output in it."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def note(self, text: str) -> None:
        with self.path.open("a") as log:
            log.write(f"--- lab: {text}\n")

    def run(self, argv: Sequence[str], cwd: Path | None = None) -> str:
        """Run a command, its stderr into the log; return its stdout (also logged). AlertingFetchError if it fails."""
        self.note(shlex.join(argv))
        try:
            result = subprocess.run(
                list(argv), cwd=cwd, capture_output=True, text=True, timeout=COMMAND_TIMEOUT, check=False
            )
        except subprocess.TimeoutExpired:
            raise AlertingFetchError(f"{argv[0]} took over {COMMAND_TIMEOUT:g} s\n{self.tail()}") from None
        with self.path.open("a") as log:
            log.write(result.stdout + result.stderr)
        if result.returncode != 0:
            raise AlertingFetchError(f"{shlex.join(argv)} exited {result.returncode}\n{self.tail()}")
        return result.stdout

    def tail(self, lines: int = LOG_TAIL_LINES) -> str:
        text = self.path.read_text(errors="replace") if self.path.exists() else ""
        return f"last {lines} lines of {self.path}:\n" + "\n".join(text.splitlines()[-lines:])


def _apt_options(apt_dir: Path) -> list[str]:
    """apt reads only this suite's sources and keeps its lists and cache here, never in the system's state."""
    return [
        "-o", f"Dir::Etc::SourceList={apt_dir / 'suite.sources'}",
        "-o", "Dir::Etc::SourceParts=/dev/null",
        "-o", f"Dir::State::Lists={apt_dir / 'lists'}",
        "-o", f"Dir::Cache={apt_dir / 'cache'}",
    ]  # fmt: skip


def _update_suite_index(suite: str, log: _FetchLog) -> Path:
    """Write the suite's sources list into its apt directory and download its index there; return that directory."""
    source = main_suite_source()
    if source is None or not source.uris:
        raise AlertingFetchError(f"apt on this machine has no source for its own suite in {APT_ETC}")
    apt_dir = _apt_dir(suite)
    for needed in (apt_dir / "lists" / "partial", apt_dir / "cache" / "archives" / "partial"):
        needed.mkdir(parents=True, exist_ok=True)
    (apt_dir / "suite.sources").write_text(source.for_suite(suite))
    log.run(["apt-get", *_apt_options(apt_dir), "-q", "update"])
    return apt_dir


def _candidate_versions(apt_dir: Path, log: _FetchLog) -> dict[str, str]:
    versions = {}
    for package in PACKAGES:
        shown = log.run(["apt-cache", *_apt_options(apt_dir), "show", "--no-all-versions", package])
        versions[package] = next(
            line.split(":", 1)[1].strip() for line in shown.splitlines() if line.startswith("Version:")
        )
    return versions


def _download_and_unpack(suite: str, apt_dir: Path, log: _FetchLog) -> tuple[Path, dict[str, str]]:
    """The packages unpacked into a staging tree beside the suite's; return it and each package's Debian version."""
    debs = apt_dir / "debs"
    shutil.rmtree(debs, ignore_errors=True)
    debs.mkdir()
    pinned = PINNED_VERSIONS.get(suite, {})
    wanted = [f"{package}={pinned[package]}" if package in pinned else package for package in PACKAGES]
    log.run(["apt-get", *_apt_options(apt_dir), "-q", "download", *wanted], cwd=debs)
    staging = suite_tree(suite).with_name(f"alerting-{suite}.unpacking")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    package_versions = {}
    for package in PACKAGES:
        (deb,) = debs.glob(f"{package}_*.deb")
        package_versions[package] = log.run(["dpkg-deb", "-f", str(deb), "Version"]).strip()
        log.run(["dpkg-deb", "-x", str(deb), str(staging)])
    return staging, package_versions


def _write_record(suite: str, record: Mapping[str, object]) -> None:
    """Written last, by rename, so the record exists only for a complete tree."""
    path = _record_path(suite)
    partial = path.with_name(f"{path.name}.partial")
    partial.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
    partial.replace(path)


def _fetch(suite: str) -> dict[str, object]:
    log = _FetchLog(fetch_log(suite))
    log.path.parent.mkdir(parents=True, exist_ok=True)
    log.path.write_text("")
    started = time.monotonic()
    log.note(f"fetching {', '.join(PACKAGES)} of {suite} into {suite_tree(suite)}")
    apt_dir = _update_suite_index(suite, log)
    staging, package_versions = _download_and_unpack(suite, apt_dir, log)
    record: dict[str, object] = {
        "suite": suite,
        "resolved_at": time.time(),
        "alertmanager_package_version": package_versions[ALERTMANAGER_PACKAGE],
        "prometheus_package_version": package_versions[PROMETHEUS_PACKAGE],
        "alertmanager_version": upstream_version(staging / paths.ALERTMANAGER_BINARY.relative_to("/")),
        "prometheus_version": upstream_version(staging / paths.PROMETHEUS_BINARY.relative_to("/")),
    }
    shutil.rmtree(suite_tree(suite), ignore_errors=True)
    staging.rename(suite_tree(suite))
    shutil.rmtree(apt_dir / "debs")
    _write_record(suite, record)
    log.note(f"fetched in {time.monotonic() - started:.1f} s: {json.dumps(record, sort_keys=True)}")
    return record


def _resolve_again(suite: str, record: dict[str, object]) -> dict[str, object]:
    """A moving suite: fetch again when its packages changed, else only note that the cached ones are still newest."""
    log = _FetchLog(fetch_log(suite))
    try:
        candidates = _candidate_versions(_update_suite_index(suite, log), log)
    except AlertingFetchError as error:
        print(f"lab: keeping the cached {suite} packages, could not resolve them again: {error}", file=sys.stderr)
        return record
    cached = {
        ALERTMANAGER_PACKAGE: record["alertmanager_package_version"],
        PROMETHEUS_PACKAGE: record["prometheus_package_version"],
    }
    if candidates != cached:
        return _fetch(suite)
    refreshed = {**record, "resolved_at": time.time()}
    _write_record(suite, refreshed)
    return refreshed


def _describe(build: AlertingBuild) -> str:
    return (
        f"{build.suite}: {ALERTMANAGER_PACKAGE} {build.alertmanager_package_version} (Alertmanager "
        f"{build.alertmanager_version}), {PROMETHEUS_PACKAGE} {build.prometheus_package_version} (Prometheus "
        f"{build.prometheus_version}), {build.alertmanager_binary.parent}"
    )


def main() -> int:
    """Fetch every suite that is not the system's, and print one line per suite with its versions."""
    failed = False
    for suite in ALERTING_SUITES:
        reason = alerting_unavailable_reason(suite)
        try:
            if reason is not None:
                raise AlertingFetchError(reason)
            print(_describe(alerting_build(suite)))
        except AlertingFetchError as error:
            print(f"{suite}: unavailable: {error}", file=sys.stderr)
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
