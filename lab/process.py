"""One server process of the lab: started in its own process group, ready when a URL answers, stopped by PID."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

import requests

LOG_TAIL_LINES = 40


class LabStartError(RuntimeError):
    """A lab server did not become ready; the message carries the tail of its log."""


def answers_ok(response: requests.Response) -> bool:
    """Readiness rule for servers with a ready endpoint: any status below 400 (redirects included)."""
    return response.ok


@dataclass
class ManagedProcess:
    """A server started with `subprocess.Popen`, its output in `<workdir>/<name>.log`.

    `argv` carries the listen port, so `restart()` brings the server back on the same port.
    """

    name: str
    argv: Sequence[str]
    workdir: Path
    ready_url: str
    env: Mapping[str, str] = field(default_factory=dict)
    cwd: Path | None = None
    start_timeout: float = 30.0
    stop_timeout: float = 10.0
    is_ready: Callable[[requests.Response], bool] = answers_ok
    _popen: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)

    @property
    def log_path(self) -> Path:
        return self.workdir / f"{self.name}.log"

    @property
    def pid(self) -> int | None:
        return self._popen.pid if self._popen else None

    @property
    def running(self) -> bool:
        return self._popen is not None and self._popen.poll() is None

    def start(self) -> None:
        """Launch the server and wait until it is ready; on failure stop it and raise LabStartError."""
        self.launch()
        self.wait_until_ready()

    def launch(self) -> None:
        """Start the process without waiting, so slow servers can boot while others start."""
        if self.running:
            raise RuntimeError(f"{self.name} is already running as PID {self.pid}")
        self.workdir.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            log.write(f"--- lab: starting {' '.join(self.argv)}\n".encode())
            log.flush()
            # A session of its own keeps Ctrl-C in the terminal away from the server: the lab stops it itself.
            self._popen = subprocess.Popen(
                list(self.argv),
                cwd=self.cwd or self.workdir,
                env={**os.environ, **self.env},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_until_ready(self) -> None:
        """Poll `ready_url` until `is_ready` accepts the answer, the process exits, or the deadline passes."""
        popen = self._require_popen()
        deadline = time.monotonic() + self.start_timeout
        while True:
            if popen.poll() is not None:
                raise LabStartError(
                    f"{self.name} exited with status {popen.returncode} before it was ready\n{self.log_tail()}"
                )
            with suppress(requests.RequestException):
                if self.is_ready(requests.get(self.ready_url, timeout=2, allow_redirects=False)):
                    return
            if time.monotonic() >= deadline:
                self.stop()
                raise LabStartError(
                    f"{self.name} was not ready at {self.ready_url} within {self.start_timeout:g} s\n{self.log_tail()}"
                )
            # Waiting on the process rather than sleeping notices an early exit at once.
            with suppress(subprocess.TimeoutExpired):
                popen.wait(timeout=0.2)

    def stop(self) -> None:
        """SIGTERM to the server's process group (its PID), SIGKILL if it is still there after `stop_timeout`."""
        popen = self._popen
        if popen is None or popen.poll() is not None:
            return
        with suppress(ProcessLookupError):
            os.killpg(popen.pid, signal.SIGTERM)
        try:
            popen.wait(timeout=self.stop_timeout)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(popen.pid, signal.SIGKILL)
            popen.wait(timeout=self.stop_timeout)

    def restart(self) -> None:
        """Stop and start again with the same arguments, so on the same port."""
        self.stop()
        self.start()

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        """The last lines of the server's log, for error messages."""
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return f"(no log at {self.log_path})"
        tail = "\n".join(text.splitlines()[-lines:])
        return f"last {lines} lines of {self.log_path}:\n{tail}"

    def _require_popen(self) -> subprocess.Popen[bytes]:
        if self._popen is None:
            raise RuntimeError(f"{self.name} was never launched")
        return self._popen
