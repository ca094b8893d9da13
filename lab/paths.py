"""Where the lab's servers are installed (by scripts/install-deps.sh) and what is missing."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

ALERTMANAGER_BINARY = Path("/usr/bin/prometheus-alertmanager")
PROMETHEUS_BINARY = Path("/usr/bin/prometheus")
KUMA_VERSION = "2.0.0-dev.0"
INSTALL_HINT = "run scripts/install-deps.sh (as root) to install the lab's servers"


def lab_cache() -> Path:
    """The directory install-deps.sh fills; LAB_CACHE overrides it as in the script."""
    return Path(os.environ.get("LAB_CACHE", "/var/tmp/alertmanager-kuma-lab"))


def kuma_server_dir() -> Path:
    """The installed uptime-kuma package, the working directory its server needs."""
    return lab_cache() / f"kuma-{KUMA_VERSION}" / "node_modules" / "uptime-kuma"


def missing_alerting_parts() -> list[str]:
    """Names of the Alertmanager and Prometheus parts that are not installed."""
    return [str(binary) for binary in (ALERTMANAGER_BINARY, PROMETHEUS_BINARY) if not os.access(binary, os.X_OK)]


def missing_kuma_parts() -> list[str]:
    """Names of the Uptime Kuma parts that are not installed (Node, the server, its migrations copy)."""
    missing = [] if shutil.which("node") else ["node"]
    # install-deps.sh touches this marker only after copying the old migrations the server needs.
    if not (kuma_server_dir() / ".lab-ready").is_file():
        missing.append(str(kuma_server_dir()))
    return missing
