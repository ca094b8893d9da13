"""state_path: only a file this heartbeat wrote is read or replaced, a FIFO never blocks, only finite counts kept."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

import pytest
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._heartbeat import run_heartbeat
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._state import (
    KEPT_NOTHING,
    KeptCounters,
    load_state,
    save_state,
)
from ansible_collections.watchdog.alertmanager_kuma.tests.payloads import am_alert, am_metrics
from ansible_collections.watchdog.alertmanager_kuma.tests.unit.plugins.module_utils.stubs import (
    StubTransport,
    alertmanager_script,
    kuma_script,
    make_settings,
    response,
)

PASSWD = "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
GUARD_SECONDS = 5


def _run(state: Path, metrics: str = "", now: float = 1000.0):
    script = {**alertmanager_script([am_alert()]), **kuma_script()}
    script["/metrics"] = [response(body=(metrics or am_metrics({"webhook": (1, 0)})).encode())]
    settings = make_settings(state_path=str(state))
    return run_heartbeat(settings, StubTransport(script), wait=lambda _s: None, now=lambda: now)


def _strict_json(text: str) -> Any:
    def refuse(constant: str) -> None:
        raise ValueError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


def test_a_new_state_path_is_written_and_read_back(tmp_path: Path) -> None:
    state = tmp_path / "state.json"

    _run(state)
    again = _run(state, now=1060.0)

    assert again.verdict.status == "up"
    assert again.as_dict()["alertmanager"]["delivery_judged"] is True


@pytest.mark.parametrize(
    "content",
    [PASSWD, '{"users": ["root"]}', "[1, 2]", "{not json" + "[" * 5000],
    ids=["a copy of /etc/passwd", "another program's JSON", "a JSON list", "broken JSON"],
)
def test_a_file_this_heartbeat_did_not_write_is_left_alone_and_the_run_is_down_naming_state_path(
    tmp_path: Path, content: str
) -> None:
    state = tmp_path / "state.json"
    state.write_text(content)

    result = _run(state)

    assert state.read_text() == content
    assert result.verdict.status == "down"
    assert result.verdict.msg == (
        "state_path holds a file this heartbeat did not write (remove it to start counting again); it is left alone"
    )
    assert result.pushed


def test_a_state_file_written_before_the_marker_is_still_recognised(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    earlier = {
        "alertmanager_url": "http://127.0.0.1:9093",
        "checked_at": 940.0,
        "notifications": {"webhook": [1.0, 0.0]},
        "requests": {},
    }
    state.write_text(json.dumps(earlier))

    result = _run(state)

    assert result.verdict.status == "up"
    assert result.as_dict()["alertmanager"]["delivery_judged"] is True
    assert json.loads(state.read_text())["checked_at"] == 1000.0


def test_an_empty_file_made_beforehand_is_taken_as_a_new_state(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    state.touch()

    assert _run(state).verdict.status == "up"
    assert json.loads(state.read_text())["notifications"] == {"webhook": [1.0, 0.0]}


def test_a_fifo_at_state_path_never_blocks_the_run_and_is_left_alone(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    os.mkfifo(state)
    results: list[Any] = []

    worker = threading.Thread(target=lambda: results.append(_run(state)), daemon=True)
    worker.start()
    worker.join(GUARD_SECONDS)

    assert not worker.is_alive(), "the run blocked on the FIFO"
    (result,) = results
    assert result.verdict.msg == "state_path is a FIFO, not a file this heartbeat wrote; it is left alone"
    assert state.is_fifo()


def test_a_directory_or_a_symbolic_link_at_state_path_is_left_alone(tmp_path: Path) -> None:
    target = tmp_path / "passwd"
    target.write_text(PASSWD)
    link = tmp_path / "link.json"
    link.symlink_to(target)
    directory = tmp_path / "directory.json"
    directory.mkdir()

    linked, into_directory = _run(link), _run(directory)

    assert linked.verdict.msg == "state_path is a symbolic link, not a file this heartbeat wrote; it is left alone"
    assert into_directory.verdict.msg == "state_path is a directory, not a file this heartbeat wrote; it is left alone"
    assert link.is_symlink() and target.read_text() == PASSWD


@pytest.mark.parametrize("constant", ["Infinity", "-Infinity", "NaN", "1e999"])
def test_a_kept_state_with_a_count_that_is_not_finite_is_not_used(tmp_path: Path, constant: str) -> None:
    state = tmp_path / "state.json"
    state.write_text(
        '{"alertmanager_url": "http://127.0.0.1:9093", "checked_at": 940.0,'
        f' "notifications": {{"webhook": [{constant}, 0]}}, "requests": {{}}}}'
    )

    assert load_state(str(state)) == (
        KEPT_NOTHING,
        "state_path held a count that is not a finite number; counting starts again",
    )


def test_a_count_that_is_not_finite_is_never_written(tmp_path: Path) -> None:
    state = tmp_path / "state.json"

    problem = save_state(str(state), KeptCounters(checked_at=1.0, notifications={"webhook": (float("inf"), 0.0)}))

    assert problem == "state_path not written: a count is not a finite number"
    assert list(tmp_path.iterdir()) == []


def test_an_infinite_counter_from_alertmanager_is_refused_and_the_state_stays_standard_json(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    _run(state)

    result = _run(state, am_metrics({"webhook": (float("inf"), 0)}), now=1060.0)
    after = _run(state, am_metrics({"webhook": (2, 0)}), now=1120.0)

    assert result.verdict.msg == (
        "Alertmanager answered /metrics oddly:"
        " alertmanager_notifications_total has a sample of inf, not a finite number"
    )
    assert _strict_json(state.read_text())["notifications"] == {"webhook": [2.0, 0.0]}
    assert after.verdict.status == "up"
