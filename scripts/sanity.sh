#!/usr/bin/env bash
# `ansible-test sanity` on the working tree (ANSIBLE_CORE=2.16 ... picks another ansible-core; see ansible-test.sh).
set -euo pipefail
exec bash "$(dirname "$0")/ansible-test.sh" sanity --python 3.11 --requirements --color no "$@"
