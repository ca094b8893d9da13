"""The one way the tests run ansible and ansible-playbook: the venv's commands, as a user would type them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BIN_DIR = Path(sys.executable).parent
FQCN = "watchdog.alertmanager_kuma.heartbeat"
TIMEOUT = 180


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def result(self) -> dict[str, Any]:
        """The ad hoc module's result: the JSON after `localhost | STATUS =>`, with ``failed`` from STATUS."""
        start = self.stdout.index("localhost | ")
        document = self.stdout.index("=> {", start) + 3
        result = json.JSONDecoder().raw_decode(self.stdout, document)[0]
        # The ad hoc output drops the failed key and says FAILED! in the header instead.
        result.setdefault("failed", self.stdout[start:document].startswith("localhost | FAILED!"))
        return result


def run(command: list[str], cwd: Path | None = None, timeout: float = TIMEOUT) -> Run:
    """Run ``command`` in ``cwd``, by default a scratch directory, so no ansible.cfg of the checkout or the caller
    changes what is tested."""
    env = {
        **os.environ,
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_LOCALHOST_WARNING": "false",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
    }
    with tempfile.TemporaryDirectory(prefix="ansible-run-") as scratch:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, check=False, cwd=cwd or scratch, env=env
        )
    return Run(done.returncode, done.stdout, done.stderr)


def adhoc(module_args: str | dict[str, Any], *extra: str, cwd: Path | None = None, module: str = FQCN) -> Run:
    """`ansible localhost -m MODULE -a ARGS -vvv` (the heartbeat module by default); a dict is given as JSON."""
    args = module_args if isinstance(module_args, str) else json.dumps(module_args)
    return run([str(BIN_DIR / "ansible"), "localhost", "-m", module, "-a", args, "-vvv", *extra], cwd)


def playbook(path: Path, *extra: str, cwd: Path | None = None) -> Run:
    """`ansible-playbook PATH -vvv` on the implicit localhost (the controller's own Python)."""
    return run([str(BIN_DIR / "ansible-playbook"), str(path), "-vvv", *extra], cwd)
