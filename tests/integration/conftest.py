"""Fixtures that start the real lab servers (lab/) for the integration tests, and stop them by PID.

Session-wide: `kuma`, and `alertmanager` fed by `prometheus` with the Watchdog already active (both from
`alerting_pair`), of `alerting_build`: Debian 12's Alertmanager and Prometheus, or, for a test marked
`alerting_versions`, each suite of the lab's matrix in turn (the suite and versions in the test's id).
Per test module: `any_kuma`, each Kuma version in turn, and `pager`, a notification in it.
Per test: `push_monitor`, a fresh Kuma push monitor, and `spare_alertmanager`, a factory for an Alertmanager +
Prometheus pair the test may stop or break without touching the shared ones.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from lab import (
    AlertingPair,
    AlertingPairFactory,
    Alertmanager,
    AlertmanagerConfig,
    Kuma,
    Prometheus,
    PushMonitor,
    alerting_versions,
    start_alerting_pair,
)
from lab.alerting_versions import ALERTING_SUITES, SYSTEM_SUITE, AlertingBuild, alerting_unavailable_reason, known_label
from lab.kuma_versions import KUMA_VERSIONS, kuma_signs_in_over_http, kuma_unavailable_reason
from lab.pager import Pager, kuma_pager
from lab.paths import INSTALL_HINT, missing_alerting_parts, missing_kuma_parts

KUMA_NAME_LIMIT = 150
LAB_FIXTURES = frozenset(
    {
        "kuma",
        "any_kuma",
        "pager",
        "alerting_build",
        "alerting_pair",
        "alertmanager",
        "prometheus",
        "push_monitor",
        "spare_alertmanager",
    }
)
# Which builds ran, for the summary at the end: sid's is whatever Debian had that day.
_BUILDS_RUN: dict[str, AlertingBuild] = {}


def _uses_the_lab(item: pytest.Item) -> bool:
    """True when one of the fixtures the test gets is a lab server of this file, by definition as well as by name
    (the fake servers of tests/fault are named fake_alertmanager and fake_kuma)."""
    fixture_info = getattr(item, "_fixtureinfo", None)
    if fixture_info is None:
        return False
    return any(
        name in LAB_FIXTURES and definitions[-1].func.__module__ == __name__
        for name, definitions in fixture_info.name2fixturedefs.items()
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark `lab` every test that starts the real servers, so `-m "not lab"` leaves out exactly those."""
    for item in items:
        if _uses_the_lab(item):
            item.add_marker(pytest.mark.lab)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test marked `alerting_versions` gets each suite of the matrix as its `alerting_build` (session-scoped, so the
    tests of one build share its servers); any other test gets Debian 12's unparametrized, so pytest keeps it in its
    module's order and a module's booted hosts or Kuma are started once."""
    if "alerting_build" in metafunc.fixturenames and metafunc.definition.get_closest_marker("alerting_versions"):
        metafunc.parametrize("alerting_build", ALERTING_SUITES, indirect=True, scope="session", ids=known_label)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for build in _BUILDS_RUN.values():
        terminalreporter.write_line(
            f"alerting build {build.suite}: Alertmanager {build.alertmanager_version}"
            f" ({build.alertmanager_package_version}), Prometheus {build.prometheus_version}"
            f" ({build.prometheus_package_version})"
        )


def _require_installed(missing: list[str]) -> None:
    # Failing, not skipping: a suite that silently skips its real servers proves nothing.
    if missing:
        pytest.fail(f"the lab is not installed (missing: {', '.join(missing)}): {INSTALL_HINT}", pytrace=False)


@pytest.fixture(scope="session")
def kuma(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Kuma]:
    """A real Uptime Kuma with an admin logged in over socket.io."""
    _require_installed(missing_kuma_parts())
    server = Kuma(tmp_path_factory.mktemp("kuma"))
    try:
        server.start()
        yield server
    finally:
        server.stop()


def _kuma_for_module(version: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Kuma]:
    """Kuma VERSION started for a test module and stopped after it, or the module skipped saying why it cannot be."""
    reason = kuma_unavailable_reason(version)
    if reason:
        pytest.skip(reason)
    server = Kuma(tmp_path_factory.mktemp(f"kuma-{version}"), version=version)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module", params=KUMA_VERSIONS)
def any_kuma(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Kuma]:
    """The real Kuma of each version: the suite's own for 2.0.0-dev.0, one started for the test module for the others
    (built from ../shared/kuma by the lab, skipped where that is absent)."""
    if request.param == "2.0.0-dev.0" and not kuma_unavailable_reason(request.param):
        yield request.getfixturevalue("kuma")
        return
    yield from _kuma_for_module(request.param, tmp_path_factory)


@pytest.fixture(scope="module", params=[version for version in KUMA_VERSIONS if kuma_signs_in_over_http(version)])
def kuma_3(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Kuma]:
    """The real Kuma 3 with its admin set up over HTTP (`POST /api/setup`), started for the test module."""
    yield from _kuma_for_module(request.param, tmp_path_factory)


@pytest.fixture(scope="module")
def pager(any_kuma: Kuma, request: pytest.FixtureRequest) -> Iterator[Pager]:
    """A webhook notification in `any_kuma` (not marked default), named after the test module, whose pages a
    recorder on loopback keeps; deleted afterwards."""
    with kuma_pager(any_kuma, f"pager of {request.module.__name__.rsplit('.', 1)[-1]}") as made:
        yield made


@pytest.fixture(scope="session")
def alerting_build(request: pytest.FixtureRequest) -> AlertingBuild:
    """The Alertmanager and Prometheus binaries of one suite (see pytest_generate_tests), fetched if need be."""
    suite = getattr(request, "param", SYSTEM_SUITE)
    if suite == SYSTEM_SUITE:
        _require_installed(missing_alerting_parts())
    reason = alerting_unavailable_reason(suite)
    if reason:
        # CI must run the whole matrix; elsewhere (no network to the mirror) a skip says why.
        (pytest.fail if os.environ.get("CI") else pytest.skip)(reason)
    build = alerting_versions.alerting_build(suite)
    _BUILDS_RUN[suite] = build
    return build


@pytest.fixture(scope="session")
def alerting_pair(tmp_path_factory: pytest.TempPathFactory, alerting_build: AlertingBuild) -> Iterator[AlertingPair]:
    """The shared Alertmanager and the Prometheus feeding it; the Watchdog is active when this returns."""
    pair = start_alerting_pair(tmp_path_factory.mktemp(f"alerting-{alerting_build.suite}"), build=alerting_build)
    try:
        yield pair
    finally:
        pair.stop()


@pytest.fixture(scope="session")
def prometheus(alerting_pair: AlertingPair) -> Prometheus:
    return alerting_pair.prometheus


@pytest.fixture(scope="session")
def alertmanager(alerting_pair: AlertingPair) -> Alertmanager:
    """The shared Alertmanager. Tests that silence or stop something use `spare_alertmanager` instead."""
    return alerting_pair.alertmanager


@pytest.fixture
def push_monitor(kuma: Kuma, request: pytest.FixtureRequest) -> Iterator[PushMonitor]:
    """A fresh push monitor (interval 60 s, no retries) named after the test, deleted afterwards."""
    monitor = kuma.create_push_monitor(f"test {request.node.name}"[:KUMA_NAME_LIMIT])
    try:
        yield monitor
    finally:
        kuma.delete_monitor(monitor.id)


@pytest.fixture
def spare_alertmanager(tmp_path: Path, alerting_build: AlertingBuild) -> Iterator[AlertingPairFactory]:
    """Call it (optionally with an AlertmanagerConfig) for a pair of this test's own, of the test's
    `alerting_build`; all stopped afterwards."""
    started: list[AlertingPair] = []

    def start(config: AlertmanagerConfig | None = None, alertmanager_args: tuple[str, ...] = ()) -> AlertingPair:
        pair = start_alerting_pair(
            tmp_path / f"spare-{len(started)}", config, build=alerting_build, alertmanager_args=alertmanager_args
        )
        started.append(pair)
        return pair

    try:
        yield start
    finally:
        for pair in started:
            pair.stop()
