"""The relay program as its role installs and runs it (python3 -I from the installed core), on a loopback port of its
own, its output in a file: the one way the tests and the benchmarks start it as a process."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lab.installed import install_core, relay_command
from lab.polling import poll_until
from lab.ports import LOOPBACK, free_port

START_TIMEOUT = 10.0
STOP_TIMEOUT = 30.0


@dataclass
class RelayProcess:
    """A running relay: ``url`` to post webhooks to, the process (to signal it), its settings file and its log."""

    url: str
    port: int
    process: subprocess.Popen[bytes]
    settings_file: Path
    log_file: Path

    def log(self) -> str:
        return self.log_file.read_text()

    def wait_for_line(self, text: str, timeout: float = START_TIMEOUT) -> None:
        poll_until(lambda: text in self.log(), timeout=timeout, interval=0.02, describe_failure=self.log)

    def lines(self, count: int, timeout: float = START_TIMEOUT) -> list[str]:
        """The log once it has ``count`` lines: a request's line is written just after its answer goes out."""
        poll_until(
            lambda: len(self.log().splitlines()) >= count, timeout=timeout, interval=0.02, describe_failure=self.log
        )
        return self.log().splitlines()

    def stop(self) -> int | None:
        """SIGTERM by its PID (as systemd stops it), SIGKILL if it is still there after STOP_TIMEOUT; its exit code."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=STOP_TIMEOUT)
        return self.process.returncode


@contextmanager
def relay_process(
    workdir: Path,
    options: dict[str, Any],
    *,
    lib_dir: Path | None = None,
    preexec_fn: Callable[[], None] | None = None,
) -> Iterator[RelayProcess]:
    """`with relay_process(workdir, {"push_url": ...}) as relay:` the relay listening on a free loopback port (ready
    when it logged "listening on"), stopped afterwards. ``lib_dir``: an install_core() layout to run instead of a
    fresh one (a bench may put another server module in it)."""
    workdir.mkdir(parents=True, exist_ok=True)
    lib_dir = lib_dir or install_core(workdir)
    port = free_port()
    settings_file = workdir / "relay.json"
    settings_file.write_text(json.dumps({"listen": f"{LOOPBACK}:{port}", **options}))
    log_file = workdir / "relay.log"
    with log_file.open("w") as log:
        process = subprocess.Popen(
            relay_command(lib_dir, settings_file), stdout=log, stderr=subprocess.STDOUT, preexec_fn=preexec_fn
        )
    relay = RelayProcess(f"http://{LOOPBACK}:{port}", port, process, settings_file, log_file)
    try:
        relay.wait_for_line("listening on")
        yield relay
    finally:
        relay.stop()
