"""push_monitor when the real Kuma goes away in the middle of a batch: the task fails at once saying so, and its
result lists every monitor Kuma holds, the one whose answer was lost included, so nothing made is forgotten."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._push_token import derive_push_token

from lab import Kuma
from lab.ansible import adhoc_command, ansible_env
from lab.polling import poll_until

SECRET = "connection-lost-secret-for-tests-01"
MONITORS = 150


@pytest.fixture
def doomed_kuma(tmp_path: Path) -> Iterator[Kuma]:
    """A Kuma of this test's own, which the test stops (the session's Kuma serves the other tests)."""
    server = Kuma(tmp_path / "kuma")
    try:
        server.start()
        yield server
    finally:
        server.stop()


def _names_in_kuma_db(kuma: Kuma) -> set[str]:
    return {row[0] for row in kuma.query("SELECT name FROM monitor")}


def test_kuma_stopping_mid_batch_fails_the_task_at_once_and_the_result_lists_what_kuma_holds(
    doomed_kuma: Kuma, tmp_path: Path
) -> None:
    names = [f"lost/host-{number:03d}" for number in range(MONITORS)]
    args = {
        "kuma_url": doomed_kuma.url,
        "kuma_username": doomed_kuma.username,
        "kuma_password": doomed_kuma.password,
        "notifications": [],
        # Longer than the test waits: only noticing the broken connection ends the task in time.
        "timeout": 300,
        "monitors": [{"name": name, "push_token": derive_push_token(name, SECRET)} for name in names],
    }
    task = subprocess.Popen(
        adhoc_command(args, module="watchdog.alertmanager_kuma.push_monitor"),
        env=ansible_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    try:
        poll_until(
            lambda: len(_names_in_kuma_db(doomed_kuma)) >= 10,
            timeout=120,
            describe_failure=lambda: f"Kuma holds {len(_names_in_kuma_db(doomed_kuma))} monitors",
        )
        doomed_kuma.process.stop()
        stdout, stderr = task.communicate(timeout=120)
    finally:
        task.kill()

    assert task.returncode != 0, stdout[-3000:]
    document = stdout[stdout.index("=> {") + 3 :]
    result = json.JSONDecoder().raw_decode(document)[0]
    assert result["msg"].startswith(f"the connection to Kuma at {doomed_kuma.url} broke during add"), result["msg"]
    assert "may or may not have been created in Kuma: run the task again to see" in result["msg"]
    held = _names_in_kuma_db(doomed_kuma)
    listed = {monitor["name"] for monitor in result["monitors"]}
    assert 10 <= len(held) < MONITORS
    assert held <= listed, f"Kuma holds monitors the result does not list: {sorted(held - listed)}"
    assert len(listed - held) <= 1, "more than the one unanswered monitor is listed without being in Kuma"
    assert doomed_kuma.password not in stdout + stderr
    assert all(derive_push_token(name, SECRET) not in stdout + stderr for name in names)
