"""Runs the ansible and ansible-playbook commands of the venv the tests run in, as a user would type them."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

BIN_DIR = Path(sys.executable).parent
FQCN = "watchdog.alertmanager_kuma.heartbeat"


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def result(self) -> dict:
        """The module result from `ansible localhost -m ... -o`-less output: the JSON after `=>`."""
        text = self.stdout
        start = text.index("=> {") + 3
        return json.loads(text[start : text.rindex("}") + 1])


def run(command: list[str], timeout: float = 120) -> Run:
    completed = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    return Run(completed.returncode, completed.stdout, completed.stderr)


def adhoc(args: str, *extra: str) -> Run:
    """`ansible localhost -m watchdog.alertmanager_kuma.heartbeat -a ARGS -vvv`."""
    return run([str(BIN_DIR / "ansible"), "localhost", "-m", FQCN, "-a", args, "-vvv", *extra])


def playbook(path: Path, *extra: str) -> Run:
    """`ansible-playbook PATH -vvv` on the implicit localhost (the controller's own Python)."""
    return run([str(BIN_DIR / "ansible-playbook"), str(path), "-vvv", *extra])
