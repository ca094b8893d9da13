"""The installed relay program under systemd's signals: SIGTERM lets a request in flight finish, SIGHUP reloads."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from lab.installed import install_core, relay_command
from lab.polling import poll_until
from tests.fault.fake_http import FakeServer, json_reply
from tests.fault.serve import serve_kuma
from tests.payloads import KUMA_OK, webhook


@dataclass
class InstalledRelay:
    url: str
    process: subprocess.Popen
    settings_file: Path
    log_file: Path

    def log(self) -> str:
        return self.log_file.read_text()

    def post(self, headers: dict[str, str] | None = None) -> requests.Response:
        sent = {"Content-Type": "application/json", **(headers or {})}
        return requests.post(self.url + "/push", json=webhook(), headers=sent, timeout=10)

    def wait_for_line(self, text: str) -> None:
        poll_until(lambda: text in self.log(), timeout=10, interval=0.02, describe_failure=self.log)

    def lines(self, count: int) -> list[str]:
        """The log once it has ``count`` lines: a request's line is written just after its answer goes out."""
        poll_until(lambda: len(self.log().splitlines()) >= count, timeout=10, interval=0.02, describe_failure=self.log)
        return self.log().splitlines()


@contextmanager
def installed_relay(tmp_path: Path, options: dict[str, Any]) -> Iterator[InstalledRelay]:
    """The relay as the role installs and runs it, on a free loopback port, its output in a file."""
    lib_dir = install_core(tmp_path)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings_file = tmp_path / "relay.json"
    settings_file.write_text(json.dumps({"listen": f"127.0.0.1:{port}", **options}))
    log_file = tmp_path / "relay.log"
    with log_file.open("w") as log:
        process = subprocess.Popen(relay_command(lib_dir, settings_file), stdout=log, stderr=subprocess.STDOUT)
    relay = InstalledRelay(f"http://127.0.0.1:{port}", process, settings_file, log_file)
    try:
        relay.wait_for_line("listening on")
        yield relay
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def test_sigterm_lets_a_request_in_flight_get_its_whole_answer_then_exits_0(
    tmp_path: Path, fake_kuma: FakeServer, token: str
) -> None:
    push_url = serve_kuma(fake_kuma, token, json_reply(KUMA_OK, delay=1.5))
    with installed_relay(tmp_path, {"push_url": push_url}) as relay, ThreadPoolExecutor(1) as client:
        in_flight = client.submit(relay.post)
        # The push has reached Kuma, which takes 1.5 s to answer: the request is in flight.
        poll_until(lambda: len(fake_kuma.received) == 1, timeout=10, interval=0.02, describe_failure=relay.log)
        relay.process.send_signal(signal.SIGTERM)
        code = relay.process.wait(timeout=30)
        answer = in_flight.result(timeout=10)

    assert (answer.status_code, answer.text) == (200, "OK\n")
    assert code == 0
    lines = relay.log().splitlines()
    assert lines[1].startswith("relay: POST /push status=200") and "pushed=yes" in lines[1]
    assert lines[2:] == ["alertmanager-kuma-relay: stopped"]


def test_sighup_reloads_the_settings_file_and_the_relay_keeps_answering(
    tmp_path: Path, fake_kuma: FakeServer, token: str
) -> None:
    push_url = serve_kuma(fake_kuma, token)
    with installed_relay(tmp_path, {"push_url": push_url}) as relay:
        assert relay.post().status_code == 200
        settings = json.loads(relay.settings_file.read_text())
        relay.settings_file.write_text(json.dumps({**settings, "auth_bearer_token": "s3cretBearer"}))
        relay.process.send_signal(signal.SIGHUP)
        relay.wait_for_line("settings reloaded")
        answers = [relay.post().status_code, relay.post({"Authorization": "Bearer s3cretBearer"}).status_code]
        lines = relay.lines(5)
        running = relay.process.poll()

    assert answers == [401, 200]
    assert running is None
    assert lines[2] == f"alertmanager-kuma-relay: settings reloaded, pushing to {fake_kuma.host}"
    assert [line.split(" status=")[0] for line in lines[3:]] == ["relay: POST /push"] * 2
    assert "s3cretBearer" not in relay.log() and token not in relay.log()


def test_sighup_with_unusable_settings_keeps_the_ones_in_use_and_says_why_in_one_line(
    tmp_path: Path, fake_kuma: FakeServer, token: str
) -> None:
    push_url = serve_kuma(fake_kuma, token)
    with installed_relay(tmp_path, {"push_url": push_url}) as relay:
        settings = json.loads(relay.settings_file.read_text())
        relay.settings_file.write_text(json.dumps({**settings, "retries": -1}))
        relay.process.send_signal(signal.SIGHUP)
        relay.wait_for_line("reload refused")
        answer = relay.post()
        lines = relay.lines(3)
        running = relay.process.poll()

    assert answer.status_code == 200
    assert running is None
    assert lines[1] == (
        "alertmanager-kuma-relay: reload refused, the settings in use are kept: invalid settings: "
        "retries: must be at least 0, got -1"
    )
    assert lines[2].startswith("relay: POST /push status=200")
    assert len(lines) == 3
    assert token not in relay.log()
