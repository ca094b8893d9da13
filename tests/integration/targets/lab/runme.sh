#!/usr/bin/env bash
# `ansible-test integration lab`: the real-parts tests (real Alertmanager, Prometheus and Uptime Kuma started on
# loopback by the fixtures) through pytest, the suite's runner, as prometheus.prometheus's targets wrap molecule.
# Needs what `make deps` installs (the lab's Kuma and Debian packages, pytest in the controller's Python).
set -euo pipefail
collection_root=$(cd "$(dirname "$0")/../../../.." && pwd)
cd "$collection_root"
exec python -m pytest tests/integration -m "not fleet" -p no:cacheprovider "$@"
