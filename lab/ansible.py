"""The one way the tests, the benchmarks and the demo run ansible and ansible-playbook: the venv's commands, as a
user would type them, in a scratch directory unless told where, with colour and localhost warnings off."""

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
ANSIBLE = BIN_DIR / "ansible"
ANSIBLE_PLAYBOOK = BIN_DIR / "ansible-playbook"
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

    def check_returncode(self) -> None:
        """Raise CalledProcessError (with the output) when the command failed, as CompletedProcess does."""
        if self.returncode != 0:
            raise subprocess.CalledProcessError(self.returncode, "ansible", self.stdout, self.stderr)

    def result(self) -> dict[str, Any]:
        """The ad hoc module's result: the JSON after `localhost | STATUS =>`, with ``failed`` from STATUS."""
        start = self.stdout.index("localhost | ")
        document = self.stdout.index("=> {", start) + 3
        result = json.JSONDecoder().raw_decode(self.stdout, document)[0]
        # The ad hoc output drops the failed key and says FAILED! in the header instead.
        result.setdefault("failed", self.stdout[start:document].startswith("localhost | FAILED!"))
        return result


def ansible_env(**extra: str) -> dict[str, str]:
    """The environment every run gets: this process's, with colour and the localhost warnings off."""
    return {
        **os.environ,
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_LOCALHOST_WARNING": "false",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
        **extra,
    }


def run(
    command: list[str], cwd: Path | None = None, timeout: float = TIMEOUT, env: dict[str, str] | None = None
) -> Run:
    """Run ``command`` in ``cwd``, by default a scratch directory, so no ansible.cfg of the checkout or the caller
    changes what is tested."""
    with tempfile.TemporaryDirectory(prefix="ansible-run-") as scratch:
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            cwd=cwd or scratch,
            env=env or ansible_env(),
        )
    return Run(done.returncode, done.stdout, done.stderr)


def adhoc_command(module_args: str | dict[str, Any], *extra: str, module: str = FQCN) -> list[str]:
    """`ansible localhost -m MODULE -a ARGS EXTRA...`; a dict is given as JSON."""
    args = module_args if isinstance(module_args, str) else json.dumps(module_args)
    return [str(ANSIBLE), "localhost", "-m", module, "-a", args, *extra]


def adhoc(module_args: str | dict[str, Any], *extra: str, cwd: Path | None = None, module: str = FQCN) -> Run:
    """`ansible localhost -m MODULE -a ARGS -vvv` (the heartbeat module by default); a dict is given as JSON."""
    return run(adhoc_command(module_args, "-vvv", *extra, module=module), cwd)


def playbook(
    path: Path | str,
    *extra: str,
    cwd: Path | None = None,
    timeout: float = TIMEOUT,
    verbose: bool = True,
    env: dict[str, str] | None = None,
) -> Run:
    """`ansible-playbook PATH EXTRA...` (``-vvv`` unless ``verbose`` is False): a file, or a playbook of the
    collection by name; on the implicit localhost unless EXTRA gives an inventory."""
    return run([str(ANSIBLE_PLAYBOOK), str(path), *(["-vvv"] if verbose else []), *extra], cwd, timeout, env)
