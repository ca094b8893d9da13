#!/usr/bin/env bash
# Builds a verifiable release into dist/ (see SECURITY.md), or refreshes the changelog before one.
#   bash scripts/release.sh [--out DIR] [--ref COMMIT] [--strict]   build from a commit (default HEAD)
#   bash scripts/release.sh changelog                               fold changelog fragments into CHANGELOG.md
# The tools (pinned in requirements-release.txt) live in their own venv, apart from the project's .venv, so the
# release does not depend on what the test tools happen to pull in.
set -euo pipefail

repo_root=$(cd "$(dirname "$0")/.." && pwd)
tools_venv=${RELEASE_TOOLS_VENV:-$repo_root/.cache/release/tools}
requirements=$repo_root/requirements-release.txt

log() { printf '[release] %s\n' "$*" >&2; }

mkdir -p "$(dirname "$tools_venv")"
# Concurrent builds (a test session and a person) must not both create the venv.
exec 9>"$tools_venv.lock"
flock 9
wanted="$(sha256sum "$requirements" | cut -d' ' -f1) $(python3 -c 'import sys; print(sys.version.split()[0])')"
stamp=$tools_venv/.requirements.sha256
if [[ ! -x "$tools_venv/bin/python" ]] || [[ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]]; then
  log "pip: installing requirements-release.txt into $tools_venv"
  python3 -m venv --clear "$tools_venv"
  # pip's output only when it fails: this machine's pip configuration makes it chatty.
  if ! pip_output=$("$tools_venv/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip 2>&1) ||
    ! pip_output=$("$tools_venv/bin/python" -m pip install -q --disable-pip-version-check -r "$requirements" 2>&1); then
    printf '%s\n' "$pip_output" >&2
    exit 1
  fi
  echo "$wanted" >"$stamp"
fi
exec 9>&-

PATH="$tools_venv/bin:$PATH" exec "$tools_venv/bin/python" "$repo_root/scripts/release.py" "$@"
