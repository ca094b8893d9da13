"""Benchmark: real webhooks answered by the installed relay while N slow clients flood it.

The relay runs as its role runs it (the core installed as a package, `python3 -I`, 1,024 descriptors as systemd
gives it) against a scripted fake Kuma that takes every push. N slow clients each send a request line and part
of a header, then one more byte every 3 s; a client the relay drops or refuses connects again 1 s later, as a
slowloris tool keeps its count up. Meanwhile one client POSTs Alertmanager's webhook, one after another, for a
fixed time. Printed and returned: webhooks answered, how many with 200, their p50/p99 latency, and the relay's
CPU time.

    .venv/bin/python bench/relay_flood.py [--slow 2000] [--seconds 20] [--server-from REV]
    .venv/bin/python bench/relay_flood.py --smoke      # 100 slow clients for 3 s

--server-from REV runs the relay with _relay_server.py as it was at git revision REV, for a before and after.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import http.client
import json
import os
import resource
import selectors
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from lab.http_server import ThreadedServer  # noqa: E402
from lab.installed import PACKAGE, install_core  # noqa: E402
from lab.ports import LOOPBACK  # noqa: E402
from lab.relay import relay_process  # noqa: E402

SYSTEMD_NOFILE = 1024
DRIBBLE_EVERY_S = 3.0
RECONNECT_AFTER_S = 1.0
CONNECT_TIMEOUT_S = 10.0
TICK_S = 0.02
# 500 new connections a second at most.
CONNECTS_PER_TICK = 10
WEBHOOK_TIMEOUT_S = 10.0
# Webhooks per second: Alertmanager sends far fewer; enough for percentiles without the bench being the load.
WEBHOOKS_PER_S = 20
MAX_WEBHOOKS = 100_000
SLOW_START = b"POST /push HTTP/1.1\r\nHost: relay\r\nX-Slow: "
TOKEN = "BenchFlood0123456789ab"
WEBHOOK = json.dumps(
    {
        "version": "4",
        "status": "firing",
        "receiver": "kuma-relay",
        "alerts": [{"status": "firing", "labels": {"alertname": "Watchdog"}}],
    }
).encode()


class _FakeKuma(BaseHTTPRequestHandler):
    """Kuma's push endpoint: every push is taken."""

    def do_GET(self) -> None:
        body = b'{"ok":true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the bench prints its figures only."""


class SlowFlood:
    """``count`` slow clients kept connected from one thread until stop(); each loop bounded by count and time."""

    def __init__(self, address: tuple[str, int], count: int) -> None:
        self.address = address
        self.count = count
        self.connects = 0
        self.drops = 0
        self.held = 0
        self.most_held = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _connect(self, selector: selectors.BaseSelector, now: float) -> None:
        client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        client.setblocking(False)
        self.connects += 1
        if client.connect_ex(self.address) not in (0, errno.EINPROGRESS):
            client.close()
            return
        # Connecting: writable once the relay's kernel has taken it (or it failed); slow from then on.
        selector.register(client, selectors.EVENT_WRITE, now + CONNECT_TIMEOUT_S)

    def _drop(self, selector: selectors.BaseSelector, client: socket.socket, now: float, retries: list[float]) -> None:
        selector.unregister(client)
        client.close()
        self.drops += 1
        retries.append(now + RECONNECT_AFTER_S)

    def _ready(
        self, selector: selectors.BaseSelector, key: selectors.SelectorKey, now: float, retries: list[float]
    ) -> None:
        client = key.fileobj
        if key.events == selectors.EVENT_WRITE:
            try:
                if client.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                    client.send(SLOW_START)
                    selector.modify(client, selectors.EVENT_READ, now + DRIBBLE_EVERY_S)
                    self.held += 1
                    return
            except OSError:
                pass
        else:
            # Any answer (a 503, an error page) or the close ends this client: it is no longer slow.
            with contextlib.suppress(OSError):
                client.recv(4096)
            self.held -= 1
        self._drop(selector, client, now, retries)

    def _run(self) -> None:
        selector = selectors.DefaultSelector()
        retries = [0.0] * self.count
        while not self._stop.is_set():
            now = time.monotonic()
            # A ramp, not one burst: a burst overflows the relay's listen queue, and the kernel then drops the
            # handshakes it cannot queue, so those clients would count as held without the relay ever seeing them.
            ready = sorted(moment for moment in retries if moment <= now)
            due, retries = ready[:CONNECTS_PER_TICK], [moment for moment in retries if moment > now]
            retries += ready[CONNECTS_PER_TICK:]
            for _client in due:
                self._connect(selector, now)
            retries.extend([now + RECONNECT_AFTER_S] * (self.count - len(selector.get_map()) - len(retries)))
            for key, _events in selector.select(timeout=TICK_S):
                self._ready(selector, key, now, retries)
            self.most_held = max(self.most_held, self.held)
            for key in list(selector.get_map().values()):
                if key.data > now:
                    continue
                if key.events == selectors.EVENT_WRITE:
                    self._drop(selector, key.fileobj, now, retries)
                    continue
                try:
                    key.fileobj.send(b"x")
                    selector.modify(key.fileobj, selectors.EVENT_READ, now + DRIBBLE_EVERY_S)
                except OSError:
                    self.held -= 1
                    self._drop(selector, key.fileobj, now, retries)
        for key in list(selector.get_map().values()):
            key.fileobj.close()
        selector.close()


def post_webhooks(port: int, seconds: float) -> list[tuple[int | str, float]]:
    """Webhooks POSTed one after another, WEBHOOKS_PER_S at most, for ``seconds``: each one's status and latency."""
    answers: list[tuple[int | str, float]] = []
    first = time.monotonic()
    end = first + seconds
    while time.monotonic() < end and len(answers) < MAX_WEBHOOKS:
        due = first + len(answers) / WEBHOOKS_PER_S
        time.sleep(max(0.0, due - time.monotonic()))
        started = time.monotonic()
        connection = http.client.HTTPConnection(LOOPBACK, port, timeout=WEBHOOK_TIMEOUT_S)
        try:
            connection.request("POST", "/push", WEBHOOK, {"Content-Type": "application/json"})
            status: int | str = connection.getresponse().status
        except (OSError, http.client.HTTPException) as error:
            status = type(error).__name__
        finally:
            connection.close()
        answers.append((status, time.monotonic() - started))
    return answers


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _systemd_nofile() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (SYSTEMD_NOFILE, SYSTEMD_NOFILE))


def _percentile(values: list[float], fraction: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def measure(workdir: Path, slow: int, seconds: float, server_from: str | None = None) -> dict:
    lib_dir = install_core(workdir)
    if server_from:
        old = subprocess.run(
            ["git", "show", f"{server_from}:plugins/module_utils/_relay_server.py"],
            cwd=REPO_ROOT,
            capture_output=True,
            check=True,
        ).stdout
        (lib_dir / PACKAGE / "_relay_server.py").write_bytes(old)
    with ThreadedServer(_FakeKuma, name="fake-kuma") as kuma:
        push_url = f"{kuma.url}api/push/{TOKEN}"
        with relay_process(workdir, {"push_url": push_url}, lib_dir=lib_dir, preexec_fn=_systemd_nofile) as relay:
            flood = SlowFlood((LOOPBACK, relay.port), slow)
            flood.start()
            try:
                # The flood ramps up before the first webhook, then a second more; nothing is asserted on time here.
                time.sleep(slow / (CONNECTS_PER_TICK / TICK_S) + 1)
                cpu_before, started = _cpu_seconds(relay.process.pid), time.monotonic()
                answers = post_webhooks(relay.port, seconds)
                cpu, elapsed = _cpu_seconds(relay.process.pid) - cpu_before, time.monotonic() - started
            finally:
                flood.stop()
            lines = relay.log().splitlines()
    latencies_ms = [latency * 1000 for _status, latency in answers]
    answered = [status for status, _latency in answers if isinstance(status, int)]
    return {
        "relay_server": server_from or "working tree",
        "slow_clients": slow,
        "seconds": seconds,
        "webhooks_sent": len(answers),
        "webhooks_answered": len(answered),
        "webhooks_200": sum(status == 200 for status in answered),
        "webhook_failures": sorted({str(status) for status, _latency in answers if status != 200}),
        "p50_ms": round(statistics.median(latencies_ms), 1) if latencies_ms else None,
        "p99_ms": round(_percentile(latencies_ms, 0.99), 1) if latencies_ms else None,
        "relay_cpu_percent": round(100 * cpu / elapsed, 1),
        "slow_connects": flood.connects,
        "slow_drops": flood.drops,
        "slow_most_held_at_once": flood.most_held,
        "relay_log_lines": len(lines),
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slow", type=int, default=2000, help="slow clients held (default 2000)")
    parser.add_argument("--seconds", type=float, default=20.0, help="how long webhooks are sent (default 20)")
    parser.add_argument("--server-from", metavar="REV", help="run _relay_server.py as it was at this git revision")
    parser.add_argument("--smoke", action="store_true", help="100 slow clients for 3 s")
    args = parser.parse_args(argv)
    slow, seconds = (100, 3.0) if args.smoke else (args.slow, args.seconds)
    with tempfile.TemporaryDirectory(prefix="relay-flood-") as workdir:
        figures = measure(Path(workdir), slow, seconds, args.server_from)
    print(json.dumps(figures, indent=2))
    return figures


if __name__ == "__main__":
    main()
