"""The relay's program on real loopback ports: a taken port refused by name; serving until SIGTERM, naming the
push host only."""

from __future__ import annotations

import io
import json
import signal
import socket
import threading
from pathlib import Path

import pytest
import requests
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils import _relay_program

from lab.polling import poll_until
from tests.payloads import KUMA_HOST, TOKEN

PUSH_URL = f"http://{KUMA_HOST}/api/push/{TOKEN}"


def run_program(tmp_path: Path, content: str) -> tuple[int, str]:
    settings_file = tmp_path / "relay.json"
    settings_file.write_text(content)
    log = io.StringIO()
    code = _relay_program.main(["--settings", str(settings_file)], log=log)
    return code, log.getvalue()


def test_a_taken_port_exits_1_saying_where_it_could_not_listen(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, logged = run_program(tmp_path, json.dumps({"push_url": PUSH_URL, "listen": f"127.0.0.1:{port}"}))

    assert code == _relay_program.EXIT_CANNOT_LISTEN
    assert logged == f"alertmanager-kuma-relay: cannot listen on 127.0.0.1:{port}: address already in use\n"


def test_the_program_serves_until_sigterm_then_exits_0(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings_file = tmp_path / "relay.json"
    settings_file.write_text(json.dumps({"push_url": PUSH_URL, "listen": f"127.0.0.1:{port}"}))
    handlers: dict[int, object] = {}
    # The handlers are the program's to install; record them instead of replacing pytest's own.
    monkeypatch.setattr(_relay_program.signal, "signal", handlers.setdefault)
    log = io.StringIO()
    codes: list[int] = []
    serving = threading.Thread(
        target=lambda: codes.append(_relay_program.main(["--settings", str(settings_file)], log))
    )
    serving.start()
    try:
        poll_until(lambda: "listening on" in log.getvalue(), timeout=10, describe_failure=log.getvalue)
        assert requests.get(f"http://127.0.0.1:{port}/-/healthy", timeout=5).text == "OK\n"
    finally:
        handlers[signal.SIGTERM](signal.SIGTERM, None)
        serving.join(timeout=10)

    assert codes == [0]
    assert set(handlers) == {signal.SIGTERM, signal.SIGINT, signal.SIGHUP}
    lines = log.getvalue().splitlines()
    assert lines[0] == f"alertmanager-kuma-relay: listening on 127.0.0.1:{port}, pushing to {KUMA_HOST}"
    assert lines[1].startswith("relay: GET /-/healthy status=200")
    assert lines[-1] == "alertmanager-kuma-relay: stopped"
    assert TOKEN not in log.getvalue()
