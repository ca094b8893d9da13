#!/usr/bin/env bash
# Installs everything the lab, the test suite and the quick start need on a fresh Debian 12 machine:
# Debian's Alertmanager and Prometheus, the tools that boot systemd hosts, Uptime Kuma from npm,
# and a Python venv with the controller-side packages. Safe to run again: each step skips what is done.
set -euo pipefail

repo_root=$(cd "$(dirname "$0")/.." && pwd)
lab_cache=${LAB_CACHE:-/var/tmp/alertmanager-kuma-lab}
kuma_version=2.0.0-dev.0
apt_packages=(prometheus-alertmanager prometheus debootstrap systemd-container openssh-client sqlite3 gnupg make time shellcheck)

log() { printf '[install-deps] %s\n' "$*" >&2; }

missing_apt=()
for package in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing_apt+=("$package")
done
if ((${#missing_apt[@]})); then
  log "apt: installing ${missing_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing_apt[@]}" >/dev/null
fi

kuma_dir="$lab_cache/kuma-$kuma_version"
kuma_server="$kuma_dir/node_modules/uptime-kuma"
if [[ ! -f "$kuma_server/.lab-ready" ]]; then
  log "npm: installing uptime-kuma@$kuma_version into $kuma_dir (a minute or two)"
  mkdir -p "$kuma_dir"
  (cd "$kuma_dir" && npm install --no-audit --no-fund --loglevel=error "uptime-kuma@$kuma_version" >/dev/null)
  # The tarball ships some old migrations only in db/, where the server does not look for them.
  mkdir -p "$kuma_server/db/old_migrations"
  cp -n "$kuma_server"/db/*.sql "$kuma_server/db/old_migrations/"
  touch "$kuma_server/.lab-ready"
fi

venv="$repo_root/.venv"
stamp="$venv/.requirements.sha256"
wanted=$(sha256sum "$repo_root/requirements-dev.txt" | cut -d' ' -f1)
if [[ ! -x "$venv/bin/python" ]] || [[ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]]; then
  log "pip: installing requirements-dev.txt into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --upgrade pip
  "$venv/bin/pip" install -q -r "$repo_root/requirements-dev.txt"
  echo "$wanted" >"$stamp"
fi
# Newer Alertmanager and Prometheus from Debian's trixie and sid, unpacked into the lab cache beside the system's
# (lab/alerting_versions.py; quick when cached). It prints the versions of each suite.
log "alerting: Alertmanager and Prometheus of bookworm, trixie and sid"
(cd "$repo_root" && LAB_CACHE="$lab_cache" "$venv/bin/python" -m lab.alerting_versions)
# Tools with dependencies of their own, each in a venv under .cache (made in parallel, each only when its
# requirements changed): galaxy-importer, the docs site's antsibull-docs and Sphinx, and one ansible-core per version
# that meta/runtime.yml claims (scripts/ansible-core-versions.txt), for `ansible-test sanity` on each.
tool_venv() { # tool_venv DIR REQUIREMENT...: DIR holds exactly those requirements (a file given as -r FILE counts)
  local dir=$1 wanted
  shift
  wanted=$( (printf '%s\n' "$@"; for arg in "$@"; do [[ -f "$arg" ]] && cat "$arg"; done; python3 -V) | sha256sum | cut -d' ' -f1)
  [[ -x "$dir/bin/python" ]] && [[ "$(cat "$dir/.requirements.sha256" 2>/dev/null)" == "$wanted" ]] && return 0
  log "pip: installing $* into $dir"
  python3 -m venv --clear "$dir"
  local output
  if ! output=$("$dir/bin/python" -m pip install -q --disable-pip-version-check "$@" 2>&1); then
    printf '%s\n' "$output" >&2
    return 1
  fi
  echo "$wanted" >"$dir/.requirements.sha256"
}
tools="$repo_root/.cache/tools"
pids=()
tool_venv "$tools/galaxy-importer" -r "$repo_root/requirements-dev-importer.txt" & pids+=($!)
tool_venv "$tools/docs" -r "$repo_root/requirements-dev-docs.txt" & pids+=($!)
while read -r core; do
  [[ "$core" =~ ^[0-9] ]] || continue
  tool_venv "$repo_root/.cache/ansible-core/$core" "ansible-core==$core.*" & pids+=($!)
done <"$repo_root/scripts/ansible-core-versions.txt"
failed=0
for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
((failed == 0)) || { log "a tool venv failed to install"; exit 1; }
log "ready: venv $venv, Kuma $kuma_server, tools in $tools and .cache/ansible-core"
