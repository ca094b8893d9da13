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
log "ready: venv $venv, Kuma $kuma_server"
