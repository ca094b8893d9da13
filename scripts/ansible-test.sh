#!/usr/bin/env bash
# Runs `ansible-test sanity` on the working tree, offline-proof: ansible-test must sit at
# .../ansible_collections/<namespace>/<name>/, and it bootstraps pip into its venvs from a cached get-pip
# script that it would otherwise download (not reachable here), so a stand-in is written at that path.
set -euo pipefail

repo_root=$(cd "$(dirname "$0")/.." && pwd)
venv_bin="$repo_root/.venv/bin"
pip_version=24.2
cache_dir="$HOME/.ansible/test/cache"
get_pip="$cache_dir/get_pip_${pip_version//./_}.py"

mkdir -p "$cache_dir"
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

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tree="$work/ansible_collections/watchdog/alertmanager_kuma"
mkdir -p "$tree"
# The working tree as git sees it (tracked and new files, nothing ignored), so uncommitted work is checked too.
(cd "$repo_root" && git ls-files -z --cached --others --exclude-standard | xargs -0 -I{} sh -c '[ -e "{}" ] && printf "%s\0" "{}"' \
  | tar --null -T - -cf -) | tar -xf - -C "$tree"
cd "$tree"
PATH="$venv_bin:$PATH" "$venv_bin/ansible-test" sanity --python 3.11 --requirements --color no "$@"
