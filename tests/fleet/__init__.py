"""Real systemd hosts for the tests: Debian 12 booted with systemd-nspawn, reached by Ansible over SSH on loopback."""

from tests.fleet.host import BootedHost, Fleet, boot_host
from tests.fleet.rootfs import cached_rootfs

__all__ = ["BootedHost", "Fleet", "boot_host", "cached_rootfs"]
