#!/usr/bin/env bash
# `ansible-test integration fleet`: the tests on booted systemd hosts (the roles deployed over SSH, molecule's
# scenario, the timer pipeline) through pytest, the suite's runner, as prometheus.prometheus's targets wrap molecule.
# Needs root and what `make deps` installs (debootstrap, systemd-container, the lab).
set -euo pipefail
collection_root=$(cd "$(dirname "$0")/../../../.." && pwd)
cd "$collection_root"
exec python -m pytest tests/integration -m fleet -p no:cacheprovider "$@"
