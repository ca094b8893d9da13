"""Boot a host: copy the cached root file system, give sshd its own loopback address, boot systemd as PID 1."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from lab.fleet.rootfs import cached_rootfs
from lab.polling import poll_until

BOOT_TIMEOUT = 90.0
STOP_TIMEOUT = 30.0
FIRST_ADDRESS = 11  # 127.0.0.11, 127.0.0.12, ...
SSH_OPTIONS = (
    "-o",
    "StrictHostKeyChecking=no",
    "-o",
    "UserKnownHostsFile=/dev/null",
    "-o",
    "LogLevel=ERROR",
    "-o",
    "BatchMode=yes",
    "-o",
    "ConnectTimeout=3",
)


@dataclass
class BootedHost:
    """A booted host, known by the PID of its systemd-nspawn (which may outlive the Python that started it)."""

    name: str
    address: str
    root: Path
    identity_file: Path
    pid: int

    def as_dict(self) -> dict[str, str | int]:
        return {
            "name": self.name,
            "address": self.address,
            "root": str(self.root),
            "identity_file": str(self.identity_file),
            "pid": self.pid,
        }

    @classmethod
    def from_dict(cls, state: dict) -> BootedHost:
        return cls(state["name"], state["address"], Path(state["root"]), Path(state["identity_file"]), state["pid"])

    def ssh(self, command: str, timeout: float = 30.0) -> subprocess.CompletedProcess[str]:
        argv = ["ssh", *SSH_OPTIONS, "-i", str(self.identity_file), f"root@{self.address}", command]
        return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)

    def running(self) -> bool:
        return _alive(self.pid)

    def stop(self) -> None:
        """End the host by the PID of the systemd-nspawn we started: SIGTERM asks it to shut down cleanly."""
        if _alive(self.pid):
            os.kill(self.pid, signal.SIGTERM)
            try:
                poll_until(lambda: not _alive(self.pid), timeout=STOP_TIMEOUT, describe_failure=lambda: "")
            except AssertionError:
                os.kill(self.pid, signal.SIGKILL)
                poll_until(
                    lambda: not _alive(self.pid),
                    timeout=STOP_TIMEOUT,
                    describe_failure=lambda: f"{self.name} (PID {self.pid}) did not stop",
                )
        shutil.rmtree(self.root, ignore_errors=True)


def _configure(root: Path, name: str, address: str, public_key: str) -> None:
    (root / "etc" / "hostname").write_text(f"{name}\n")
    sshd_dir = root / "etc" / "ssh" / "sshd_config.d"
    sshd_dir.mkdir(parents=True, exist_ok=True)
    (sshd_dir / "10-fleet.conf").write_text(
        f"ListenAddress {address}\nPermitRootLogin prohibit-password\nPasswordAuthentication no\nUseDNS no\n"
    )
    ssh_dir = root / "root" / ".ssh"
    ssh_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    (ssh_dir / "authorized_keys").write_text(public_key)
    (ssh_dir / "authorized_keys").chmod(0o600)
    subprocess.run(["ssh-keygen", "-A", "-f", str(root)], check=True, capture_output=True)


def boot_host(name: str, address: str, workdir: Path, identity_file: Path) -> BootedHost:
    """Copy the cache, configure, boot, and wait until SSH answers and systemd says the system is running."""
    root = workdir / name
    if root.exists():
        shutil.rmtree(root)
    subprocess.run(["cp", "-a", "--reflink=auto", str(cached_rootfs()), str(root)], check=True)
    _configure(root, name, address, Path(f"{identity_file}.pub").read_text())
    log = (workdir / f"{name}.log").open("wb")
    process = subprocess.Popen(
        [
            "systemd-nspawn",
            "--register=no",
            "--keep-unit",
            "--quiet",
            "--console=passive",
            f"--machine={name}",
            "-D",
            str(root),
            "--boot",
        ],
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    host = BootedHost(name, address, root, identity_file, process.pid)
    try:
        _wait_until_running(host, workdir / f"{name}.log")
    except BaseException:
        host.stop()
        raise
    return host


def _wait_until_running(host: BootedHost, log: Path) -> None:
    def running() -> str | None:
        if not host.running():
            raise RuntimeError(f"{host.name} exited during boot; see {log}:\n{log.read_text()[-2000:]}")
        state = host.ssh("systemctl is-system-running --wait", timeout=BOOT_TIMEOUT).stdout.strip()
        return state if state in ("running", "degraded") else None

    state = poll_until(running, timeout=BOOT_TIMEOUT, describe_failure=lambda: f"{host.name} did not boot; see {log}")
    if state == "degraded":
        failed = host.ssh("systemctl --failed --no-legend --plain").stdout
        raise RuntimeError(f"{host.name} booted degraded; failed units:\n{failed}")


def ensure_identity(workdir: Path) -> Path:
    """The fleet's SSH key pair (ed25519, no passphrase), made once per work dir."""
    identity = workdir / "id_ed25519"
    if not identity.exists():
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(identity)], check=True)
    return identity


@dataclass
class Fleet:
    hosts: list[BootedHost]
    identity_file: Path

    @classmethod
    @contextmanager
    def boot(
        cls, count: int, workdir: Path, names: Sequence[str] | None = None, first_address: int = FIRST_ADDRESS
    ) -> Iterator[Fleet]:
        """Boot `count` hosts at 127.0.0.11, .12, ... with one generated key; all stopped on the way out."""
        workdir.mkdir(parents=True, exist_ok=True)
        identity = ensure_identity(workdir)
        names = list(names or [f"host-{index}" for index in range(count)])
        with ExitStack() as running:
            hosts = []
            for index, name in enumerate(names[:count]):
                host = boot_host(name, f"127.0.0.{first_address + index}", workdir, identity)
                running.callback(host.stop)
                hosts.append(host)
            yield cls(hosts, identity)

    def write_inventory(self, path: Path, group: str = "heartbeat_hosts") -> Path:
        """An INI inventory: every host in `group`, reached as root over SSH on its loopback address."""
        lines = [f"[{group}]"]
        lines += [f"{host.name} ansible_host={host.address}" for host in self.hosts]
        lines += [
            f"\n[{group}:vars]",
            "ansible_user=root",
            f"ansible_ssh_private_key_file={self.identity_file}",
            "ansible_ssh_common_args='-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null'",
            "ansible_python_interpreter=/usr/bin/python3",
        ]
        path.write_text("\n".join(lines) + "\n")
        return path


def _alive(pid: int) -> bool:
    """True while the process runs; reaps it first when it is our own exited child."""
    try:
        if os.waitpid(pid, os.WNOHANG) != (0, 0):
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
