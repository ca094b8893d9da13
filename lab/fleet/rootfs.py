"""A Debian 12 root file system with systemd, sshd and Python, built once by debootstrap and cached."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from lab.alerting_versions import main_suite_source
from lab.paths import lab_cache

SUITE = "bookworm"
PACKAGES = ("systemd", "systemd-sysv", "python3", "dbus", "ca-certificates", "openssh-server")
COMPLETE_STAMP = ".rootfs-complete"


def _mirror() -> str:
    """The Debian mirror the machine's apt already uses: the project names none of its own."""
    source = main_suite_source(suite=SUITE)
    if source is None or not source.uris:
        raise RuntimeError(f"apt has no source for {SUITE} to debootstrap the hosts' root file system from")
    return source.uris[0]


def cached_rootfs() -> Path:
    """The cached root file system, built on first use (about a minute). Built aside, then renamed into
    place, so an interrupted build never leaves a half cache behind."""
    target = lab_cache() / f"rootfs-{SUITE}"
    if (target / COMPLETE_STAMP).is_file():
        return target
    lab_cache().mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f"rootfs-{SUITE}-", dir=lab_cache()))
    # mkdtemp makes it 0700; as the hosts' "/", that would lock every non-root service (dbus) out.
    building.chmod(0o755)
    try:
        subprocess.run(
            ["debootstrap", "--variant=minbase", f"--include={','.join(PACKAGES)}", SUITE, str(building), _mirror()],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        _prepare_for_containers(building)
        (building / COMPLETE_STAMP).touch()
        if target.exists():
            shutil.rmtree(target)
        building.rename(target)
    finally:
        if building.exists():
            shutil.rmtree(building)
    return target


def _prepare_for_containers(root: Path) -> None:
    # Each host gets its own host keys at boot (see host.py); none are baked into the cache.
    for key in (root / "etc" / "ssh").glob("ssh_host_*"):
        key.unlink()
    # The hosts share the machine's network: nothing may listen on all addresses, and there is no console login.
    for unit in ("getty@tty1.service", "console-getty.service", "systemd-networkd-wait-online.service"):
        (root / "etc" / "systemd" / "system" / unit).unlink(missing_ok=True)
        (root / "etc" / "systemd" / "system" / unit).symlink_to("/dev/null")
    (root / "etc" / "machine-id").write_text("")
