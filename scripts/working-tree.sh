#!/usr/bin/env bash
# Copies the working tree as git sees it (tracked and new files, nothing ignored, deleted files left out) into DEST,
# so that ansible-test and the docs site check uncommitted work too.
#   bash scripts/working-tree.sh DEST
set -euo pipefail
repo_root=$(cd "$(dirname "$0")/.." && pwd)
dest=$1
mkdir -p "$dest"
(
  cd "$repo_root"
  git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' path; do
    if [[ -e "$path" ]]; then printf '%s\0' "$path"; fi
  done | tar --null -T - -cf -
) | tar -xf - -C "$dest"
