"""Uptime Kuma 3.0.0-beta.0 (the unreleased 3.0.X branch, built from ../shared/kuma by the lab, skipped where that is
absent) logs in over HTTP, not socket.io: both Kuma modules refuse it at once, saying it is not supported yet, where
they used to wait out their timeout for a login answer that never comes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from lab import Kuma
from lab.ansible import Run, adhoc
from lab.kuma_versions import UNSUPPORTED_KUMA_VERSIONS, kuma_unavailable_reason

pytestmark = pytest.mark.lab

# Far above the wait the refusal takes, so a timeout's message, not a timing, tells the two apart.
TIMEOUT = 120
MODULES = ("watchdog.alertmanager_kuma.push_monitor", "watchdog.alertmanager_kuma.monitor_info")


@pytest.fixture(scope="module", params=UNSUPPORTED_KUMA_VERSIONS)
def kuma_3(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Kuma]:
    """The real Kuma 3 with its admin set up over HTTP (the lab holds no session there)."""
    version = request.param
    reason = kuma_unavailable_reason(version)
    if reason:
        pytest.skip(reason)
    server = Kuma(tmp_path_factory.mktemp(f"kuma-{version}"), version=version)
    try:
        server.start()
        yield server
    finally:
        server.stop()


def _run(module: str, kuma: Kuma) -> Run:
    args: dict[str, Any] = {
        "kuma_url": kuma.url,
        "kuma_username": kuma.username,
        "kuma_password": kuma.password,
        "timeout": TIMEOUT,
    }
    if module.endswith(".push_monitor"):
        args["name"] = "never-made"
    return adhoc(args, module=module)


@pytest.mark.parametrize("module", MODULES, ids=lambda module: module.rsplit(".", 1)[-1])
def test_a_kuma_3_is_refused_as_not_supported_yet_instead_of_a_login_timeout(kuma_3: Kuma, module: str) -> None:
    run = _run(module, kuma_3)
    assert run.returncode != 0, run.output
    result = run.result()
    assert result["failed"] is True
    assert result["msg"] == (
        f"Uptime Kuma 3.x at {kuma_3.url} is not supported yet by this collection (it supports 1.23 and 2.x):"
        " it does not answer the socket.io login, and serves Better Auth's login over HTTP, as Kuma 3 does"
    )
    assert "did not answer" not in result["msg"]
    assert kuma_3.password not in run.output
    assert "Traceback" not in run.output
