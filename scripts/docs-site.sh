#!/usr/bin/env bash
# Builds the collection's documentation site with antsibull-docs and Sphinx, offline, from the working tree as git
# sees it: the module, the roles (from their argument specs), the filters and docs/docsite/ (the playbooks page,
# the links). Any broken reference fails it: antsibull-docs' lint first, then Sphinx with warnings as errors.
#   bash scripts/docs-site.sh [DEST]     (default .cache/docs-site; the site is DEST/html/index.html)
set -euo pipefail

repo_root=$(cd "$(dirname "$0")/.." && pwd)
tools_bin="${DOCS_TOOLS:-$repo_root/.cache/tools/docs}/bin"
dest=$(realpath -m "${1:-$repo_root/.cache/docs-site}")
[[ -x "$tools_bin/antsibull-docs" ]] || { echo "no antsibull-docs at $tools_bin: run make deps" >&2; exit 2; }
export PATH="$tools_bin:$PATH"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tree="$work/collections/ansible_collections/watchdog/alertmanager_kuma"
bash "$repo_root/scripts/working-tree.sh" "$tree"
export ANSIBLE_COLLECTIONS_PATH="$work/collections"

# Every M(), O(), RV(), L() and :ansplugin: reference, in plugin and role docs and in docs/docsite/.
(cd "$tree" && antsibull-docs lint-collection-docs --plugin-docs --skip-rstcheck .)

site="$work/site"
mkdir -m 0755 "$site" "$site/rst"  # antsibull-docs writes only into directories no one else may write to
antsibull-docs sphinx-init --use-current --squash-hierarchy --fail-on-error --dest-dir "$site" \
  --project watchdog.alertmanager_kuma --copyright "Watchdog maintainers" \
  --title "watchdog.alertmanager_kuma: Uptime Kuma as Alertmanager's dead man's switch" \
  watchdog.alertmanager_kuma >/dev/null
# Offline: the labels of Ansible's own docs that antsibull-docs' pages link to come from this local inventory, not
# from docs.ansible.com; a label missing here is a warning, so an error below (add it, with its page).
"$tools_bin/python" - "$site/ansible.inv" <<'PY'
import sys
import zlib

labels = {
    "ansible_configuration_settings": "reference_appendices/config.html#ansible-configuration-settings",
    "common_return_values": "reference_appendices/common_return_values.html#common-return-values",
    "ansible_collections.ansible.builtin.uri_module": "collections/ansible/builtin/uri_module.html",
}
body = "".join(f"{label} std:label -1 {uri} -\n" for label, uri in sorted(labels.items()))
header = "# Sphinx inventory version 2\n# Project: Ansible\n# Version: devel\n# The remainder of this file is compressed using zlib.\n"
with open(sys.argv[1], "wb") as inventory:
    inventory.write(header.encode() + zlib.compress(body.encode()))
PY
cat >>"$site/conf.py" <<PY
intersphinx_mapping = {"ansible_devel": ("https://docs.ansible.com/projects/ansible/devel/", "$site/ansible.inv")}
PY
antsibull-docs --config-file "$site/antsibull-docs.cfg" collection --cleanup everything --fail-on-error \
  --use-current --squash-hierarchy --dest-dir "$site/rst" watchdog.alertmanager_kuma
sphinx-build -q -W --keep-going -b html -c "$site" "$site/rst" "$work/html"
rm -rf "$dest"
mkdir -p "$dest"
mv "$work/html" "$dest/html"
echo "docs site: $dest/html/index.html"
