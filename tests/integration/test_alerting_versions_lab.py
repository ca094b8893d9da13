"""The Alertmanager and Prometheus releases of lab.alerting_versions: fetched aside, run, and fed a Watchdog."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import requests

from lab import WATCHDOG_MATCH, start_alerting_pair
from lab.alerting_versions import (
    ALERTING_SUITES,
    PINNED_VERSIONS,
    SYSTEM_SUITE,
    AlertingBuild,
    alerting_build,
    alerting_unavailable_reason,
    configured_mirror_hosts,
    known_label,
    main_suite_source,
    parse_one_line_sources,
    upstream_version,
)
from lab.polling import poll_until

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FETCHED_SUITES = tuple(suite for suite in ALERTING_SUITES if suite != SYSTEM_SUITE)
SYSTEM_APT_LISTS = Path("/var/lib/apt/lists")
HTTP_TIMEOUT = 5
DEB822_SOURCES = """\
Types: deb
# a comment between fields
URIs: http://mirror.example/debian
Suites: bookworm bookworm-updates
Components: main contrib
Signed-By: -----BEGIN PGP PUBLIC KEY BLOCK-----
 .
 mQINBF
 -----END PGP PUBLIC KEY BLOCK-----

Types: deb
URIs: http://security.example/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://disabled.example/debian
Suites: bookworm
Components: main
Enabled: no
"""


def _build(suite: str) -> AlertingBuild:
    reason = alerting_unavailable_reason(suite)
    if reason is not None:
        # Failing, not skipping, for the system's: every other lab test needs it.
        (pytest.fail if suite == SYSTEM_SUITE else pytest.skip)(reason)
    return alerting_build(suite)


def _hosts_named_in(path: Path, hosts: set[str]) -> list[str]:
    content = path.read_bytes() if path.is_file() else b""
    return sorted(host for host in hosts if host.encode() in content)


@pytest.mark.lab
@pytest.mark.parametrize("suite", ALERTING_SUITES)
def test_each_suites_binaries_report_the_versions_recorded_for_them(suite: str) -> None:
    build = _build(suite)

    assert upstream_version(build.alertmanager_binary) == build.alertmanager_version
    assert upstream_version(build.prometheus_binary) == build.prometheus_version
    assert build.label == f"{suite}-am{build.alertmanager_version}-prom{build.prometheus_version}"
    assert known_label(suite) == build.label


@pytest.mark.lab
def test_trixie_is_the_pinned_alertmanager_0_28_1_and_prometheus_2_53_3() -> None:
    build = _build("trixie")

    assert (build.alertmanager_version, build.prometheus_version) == ("0.28.1", "2.53.3")
    assert build.alertmanager_package_version == PINNED_VERSIONS["trixie"]["prometheus-alertmanager"]
    assert build.prometheus_package_version == PINNED_VERSIONS["trixie"]["prometheus"]


@pytest.mark.lab
def test_fetching_newer_suites_leaves_the_systems_packages_and_apt_lists_alone() -> None:
    fetched = [_build(suite) for suite in FETCHED_SUITES]

    installed = subprocess.run(
        ["dpkg-query", "-W", "-f=${Version}", "prometheus-alertmanager"], capture_output=True, text=True, check=True
    ).stdout
    assert installed not in {build.alertmanager_package_version for build in fetched}
    assert (
        upstream_version(Path("/usr/bin/prometheus-alertmanager")) == alerting_build(SYSTEM_SUITE).alertmanager_version
    )
    foreign_lists = [
        path.name
        for path in SYSTEM_APT_LISTS.iterdir()
        if any(f"_dists_{suite}_" in path.name for suite in FETCHED_SUITES)
    ]
    assert foreign_lists == []


def test_no_tracked_file_names_the_mirror_host_apt_is_configured_with() -> None:
    hosts = configured_mirror_hosts()
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    ).stdout.split("\0")

    naming = [f"{name}: {host}" for name in tracked if name for host in _hosts_named_in(PROJECT_ROOT / name, hosts)]

    assert hosts, "apt on this machine has no mirror configured, so the check would prove nothing"
    assert naming == []


@pytest.mark.lab
@pytest.mark.parametrize("suite", ALERTING_SUITES)
def test_a_pair_of_each_suite_gets_the_watchdog_active(suite: str, tmp_path: Path) -> None:
    build = _build(suite)

    pair = start_alerting_pair(tmp_path, build=build)
    try:
        watchdogs = poll_until(
            lambda: pair.alertmanager.active_alerts(WATCHDOG_MATCH),
            timeout=30,
            describe_failure=lambda: f"no active Watchdog in {build.label}'s Alertmanager",
        )
        alertmanager_version = pair.alertmanager.status()["versionInfo"]["version"]
        prometheus_info = requests.get(f"{pair.prometheus.url}/api/v1/status/buildinfo", timeout=HTTP_TIMEOUT).json()
    finally:
        pair.stop()

    assert [watchdog["labels"]["alertname"] for watchdog in watchdogs] == ["Watchdog"]
    assert alertmanager_version.startswith(build.alertmanager_version)
    assert prometheus_info["data"]["version"].startswith(build.prometheus_version)


def test_the_main_suite_entry_is_the_machines_own_suite_and_keeps_its_inline_key(tmp_path: Path) -> None:
    (tmp_path / "sources.list.d").mkdir()
    (tmp_path / "sources.list.d" / "debian.sources").write_text(DEB822_SOURCES)

    source = main_suite_source(tmp_path, suite="bookworm")

    assert source is not None
    assert source.uris == ("http://mirror.example/debian",)
    assert source.for_suite("trixie") == (
        "Types: deb\n"
        "URIs: http://mirror.example/debian\n"
        "Suites: trixie\n"
        "Components: main contrib\n"
        "Signed-By: -----BEGIN PGP PUBLIC KEY BLOCK-----\n .\n mQINBF\n -----END PGP PUBLIC KEY BLOCK-----\n"
    )
    assert main_suite_source(tmp_path, suite="trixie") is None


def test_a_one_line_entry_gives_its_signed_by_and_security_is_not_the_main_suite(tmp_path: Path) -> None:
    (tmp_path / "sources.list").write_text(
        "deb http://security.example/debian-security bookworm-security main\n"
        "# deb http://commented.example/debian bookworm main\n"
        "deb [arch=amd64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://mirror.example/debian"
        " bookworm main\n"
    )

    source = main_suite_source(tmp_path, suite="bookworm")

    assert source is not None
    assert source.uris == ("http://mirror.example/debian",)
    assert source.signed_by == "/usr/share/keyrings/debian-archive-keyring.gpg"
    assert len(parse_one_line_sources((tmp_path / "sources.list").read_text())) == 2
    assert configured_mirror_hosts(tmp_path) == {"security.example", "mirror.example"}
