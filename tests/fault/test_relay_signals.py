"""The installed relay program under systemd's signals: SIGTERM lets a request in flight finish, SIGHUP reloads."""

from __future__ import annotations

import json
import signal
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from lab.polling import poll_until
from lab.relay import RelayProcess, relay_process
from tests.fault.fake_http import FakeServer, json_reply
from tests.fault.serve import serve_kuma
from tests.payloads import KUMA_OK, webhook


def _post(relay: RelayProcess, headers: dict[str, str] | None = None) -> requests.Response:
    sent = {"Content-Type": "application/json", **(headers or {})}
    return requests.post(relay.url + "/push", json=webhook(), headers=sent, timeout=10)


def test_sigterm_lets_a_request_in_flight_get_its_whole_answer_then_exits_0(
    tmp_path: Path, fake_kuma: FakeServer, token: str
) -> None:
    push_url = serve_kuma(fake_kuma, token, json_reply(KUMA_OK, delay=1.5))
    with relay_process(tmp_path, {"push_url": push_url}) as relay, ThreadPoolExecutor(1) as client:
        in_flight = client.submit(_post, relay)
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
    with relay_process(tmp_path, {"push_url": push_url}) as relay:
        assert _post(relay).status_code == 200
        settings = json.loads(relay.settings_file.read_text())
        relay.settings_file.write_text(json.dumps({**settings, "auth_bearer_token": "s3cretBearer"}))
        relay.process.send_signal(signal.SIGHUP)
        relay.wait_for_line("settings reloaded")
        answers = [_post(relay).status_code, _post(relay, {"Authorization": "Bearer s3cretBearer"}).status_code]
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
    with relay_process(tmp_path, {"push_url": push_url}) as relay:
        settings = json.loads(relay.settings_file.read_text())
        relay.settings_file.write_text(json.dumps({**settings, "retries": -1}))
        relay.process.send_signal(signal.SIGHUP)
        relay.wait_for_line("reload refused")
        answer = _post(relay)
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
