"""Fixtures that start the real lab servers (lab/) for the integration tests, and stop them by PID.

Session-wide: `kuma`, and `alertmanager` fed by `prometheus` with the Watchdog already active (both from
`alerting_pair`). Per test module: `any_kuma`, each Kuma version in turn, and `pager`, a notification in it.
Per test: `push_monitor`, a fresh Kuma push monitor, and `spare_alertmanager`, a factory for an Alertmanager +
Prometheus pair the test may stop or break without touching the shared ones.
"""

from __future__ import annotations

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
    start_alerting_pair,
)
from lab.kuma_versions import KUMA_VERSIONS, kuma_unavailable_reason
from lab.pager import Pager, kuma_pager
from lab.paths import INSTALL_HINT, missing_alerting_parts, missing_kuma_parts

KUMA_NAME_LIMIT = 150
LAB_FIXTURES = frozenset(
    {"kuma", "any_kuma", "pager", "alerting_pair", "alertmanager", "prometheus", "push_monitor", "spare_alertmanager"}
)


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


@pytest.fixture(scope="module", params=KUMA_VERSIONS)
def any_kuma(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Kuma]:
    """The real Kuma of each version: the suite's own for 2.0.0-dev.0, one started for the test module for the others
    (built from ../shared/kuma by the lab, skipped where that is absent)."""
    version = request.param
    reason = kuma_unavailable_reason(version)
    if reason:
        pytest.skip(reason)
    if version == "2.0.0-dev.0":
        yield request.getfixturevalue("kuma")
        return
    server = Kuma(tmp_path_factory.mktemp(f"kuma-{version}"), version=version)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def pager(any_kuma: Kuma, request: pytest.FixtureRequest) -> Iterator[Pager]:
    """A webhook notification in `any_kuma` (not marked default), named after the test module, whose pages a
    recorder on loopback keeps; deleted afterwards."""
    with kuma_pager(any_kuma, f"pager of {request.module.__name__.rsplit('.', 1)[-1]}") as made:
        yield made


@pytest.fixture(scope="session")
def alerting_pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AlertingPair]:
    """The shared Alertmanager and the Prometheus feeding it; the Watchdog is active when this returns."""
    _require_installed(missing_alerting_parts())
    pair = start_alerting_pair(tmp_path_factory.mktemp("alerting"))
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
def spare_alertmanager(tmp_path: Path) -> Iterator[AlertingPairFactory]:
    """Call it (optionally with an AlertmanagerConfig) for a pair of this test's own; all stopped afterwards."""
    _require_installed(missing_alerting_parts())
    started: list[AlertingPair] = []

    def start(config: AlertmanagerConfig | None = None) -> AlertingPair:
        pair = start_alerting_pair(tmp_path / f"spare-{len(started)}", config)
        started.append(pair)
        return pair

    try:
        yield start
    finally:
        for pair in started:
            pair.stop()
