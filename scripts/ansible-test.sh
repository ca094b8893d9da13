#!/usr/bin/env bash
# Runs `ansible-test` on a copy of the working tree, offline-proof: ansible-test must sit at
# .../ansible_collections/<namespace>/<name>/, and it bootstraps pip into its venvs from a cached get-pip
# script that it would otherwise download (not reachable here), so a stand-in is written at that path.
#   bash scripts/ansible-test.sh sanity|units|integration [options]   with the .venv's ansible-core
#   ANSIBLE_CORE=2.16 bash scripts/ansible-test.sh ...                with .cache/ansible-core/2.16 (make deps makes
#                                                                     one per line of scripts/ansible-core-versions.txt)
set -euo pipefail

repo_root=$(cd "$(dirname "$0")/.." && pwd)
if [[ -n "${ANSIBLE_CORE:-}" ]]; then
  venv_bin="$repo_root/.cache/ansible-core/$ANSIBLE_CORE/bin"
  [[ -x "$venv_bin/ansible-test" ]] || { echo "no ansible-core $ANSIBLE_CORE at $venv_bin: run make deps" >&2; exit 2; }
else
  venv_bin="$repo_root/.venv/bin"
fi
cache_dir="$HOME/.ansible/test/cache"
mkdir -p "$cache_dir"

# ansible-core 2.16 and 2.17 bootstrap pip 23.1.2, 2.18 and later 24.2: a stand-in for each.
for pip_version in 23.1.2 24.2; do
get_pip="$cache_dir/get_pip_${pip_version//./_}.py"
# ansible-test runs this with a scrubbed environment: a CA bundle that pip needs here (PIP_CERT, e.g. behind a
# TLS-inspecting proxy) is written into each new venv's own pip.conf, which pip reads whatever the environment.
cat >"$get_pip" <<PY
# Stand-in for get-pip.py: bootstrap pip from the interpreter's own ensurepip, then pin it.
import ensurepip
import os
import subprocess
import sys

cert = "${PIP_CERT:-}"
if cert and os.path.exists(cert):
    with open(os.path.join(sys.prefix, "pip.conf"), "w") as config:
        config.write("[global]\ncert = " + cert + "\n")
ensurepip.bootstrap(upgrade=True)
# ensurepip points PIP_CONFIG_FILE at /dev/null in this process; pip must read its config again.
os.environ.pop("PIP_CONFIG_FILE", None)
subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", "pip==$pip_version", "setuptools", "wheel"])
PY
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tree="$work/ansible_collections/watchdog/alertmanager_kuma"
bash "$repo_root/scripts/working-tree.sh" "$tree"
cd "$tree"
PATH="$venv_bin:$PATH" "$venv_bin/ansible-test" "$@"
