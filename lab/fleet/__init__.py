"""Real systemd hosts for the tests: Debian 12 booted with systemd-nspawn, reached by Ansible over SSH on loopback."""

from lab.fleet.deploy import deploy_checks
from lab.fleet.host import BootedHost, Fleet, boot_host
from lab.fleet.rootfs import cached_rootfs

__all__ = ["BootedHost", "Fleet", "boot_host", "cached_rootfs", "deploy_checks"]
