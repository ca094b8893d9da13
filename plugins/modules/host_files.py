#!/usr/bin/python
# Copyright: Contributors to the watchdog.alertmanager_kuma collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: host_files
short_description: Write a set of small files on a host in one module run, secrets among them
version_added: 2.2.0
description:
  - Creates the given directories and writes the given files on the managed host in one module run, each only
    when its content or mode differs, through a temporary file in the same directory renamed over the old one.
  - The roles C(watchdog.alertmanager_kuma.heartbeat_timer) and C(watchdog.alertmanager_kuma.relay) write their
    launcher, units, drop-ins and settings with it, so a host with several checks costs one module run instead of
    two per file (a C(copy) or C(template) task runs a stat and a file module even when nothing changed).
  - Files in O(secrets) are written readable by their owner only (mode C(0600)), are never shown in a diff, and
    their contents are masked in every result; each is checked with O(secrets_validate) before it replaces a file.
author:
  - Watchdog maintainers (@watchdog-alertmanager-kuma)
options:
  directories:
    description:
      - Directories to create (with their parents) before any file is written, as a mapping of path to mode (octal,
        such as V('0700')); an existing one keeps the mode given.
    type: dict
    default: {}
  files:
    description:
      - Files to write, as a mapping of path to content; shown in a diff when they change. Each file's directory
        must exist or be in O(directories).
    type: dict
    default: {}
  modes:
    description:
      - The mode of each file of O(files) that is not V('0644'), as a mapping of path to mode.
    type: dict
    default: {}
  secrets:
    description:
      - Files that hold secrets, as a mapping of path to content, written with mode C(0600). Their contents never
        appear in results, diffs or messages.
    type: dict
    default: {}
  secrets_validate:
    description:
      - A command that checks each secret file before it replaces the old one, with V(%s) where the new file's path
        goes, as in the C(validate) option of C(ansible.builtin.copy). A file it refuses (a non-zero exit) is not
        written and fails the task, with what the command said.
    type: str
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: Reads every file and says which would change; writes nothing and runs no validation.
  diff_mode:
    description: Will return details on what has changed (or would change) in diff mode.
    support: partial
    details: Files in O(files) only; never a secret.
"""

EXAMPLES = r"""
- name: Write a unit and its settings in one run
  watchdog.alertmanager_kuma.host_files:
    directories:
      /etc/example: "0700"
    files:
      /etc/systemd/system/example.service: "{{ lookup('ansible.builtin.template', 'example.service.j2') }}"
      /usr/local/bin/example: "{{ lookup('ansible.builtin.template', 'example.j2') }}"
    modes:
      /usr/local/bin/example: "0755"
    secrets:
      /etc/example/settings.json: "{{ example_settings | to_json }}"
    secrets_validate: /usr/local/bin/example --validate --settings %s
"""

RETURN = r"""
changed_paths:
  description: The directories and files created or changed (or, in check mode, that would be), sorted.
  returned: always
  type: list
  elements: str
  sample: [/etc/systemd/system/alertmanager-kuma-heartbeat@main.timer.d/interval.conf]
"""

import os
import stat
import tempfile

from ansible.module_utils.basic import AnsibleModule

SECRET_MODE = 0o600


def _mode(module: AnsibleModule, text: str, option: str) -> int:
    try:
        return int(str(text), 8)
    except ValueError:
        module.fail_json(msg=f"{option}: {text!r} is not an octal mode such as '0644'")


def _current(path: str) -> tuple[bytes | None, int | None]:
    try:
        with open(path, "rb") as opened:
            return opened.read(), stat.S_IMODE(os.fstat(opened.fileno()).st_mode)
    except FileNotFoundError:
        return None, None


def _write(module: AnsibleModule, path: str, content: bytes, mode: int, validate: str | None) -> None:
    handle, partial = tempfile.mkstemp(dir=os.path.dirname(path), prefix=f".{os.path.basename(path)}.")
    try:
        with os.fdopen(handle, "wb") as opened:
            opened.write(content)
        os.chmod(partial, mode)
        if validate:
            rc, stdout, stderr = module.run_command(validate % partial)
            if rc != 0:
                module.fail_json(msg=f"{path}: refused by {validate!r}: {(stderr or stdout).strip()}")
        os.replace(partial, path)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "directories": {"type": "dict", "default": {}},
            "files": {"type": "dict", "default": {}},
            "modes": {"type": "dict", "default": {}},
            "secrets": {"type": "dict", "default": {}, "no_log": True},
            "secrets_validate": {"type": "str", "no_log": False},
        },
        supports_check_mode=True,
    )
    params = module.params
    changed_paths: list[str] = []
    diffs: list[dict[str, str]] = []

    # Every mode is read before anything is written: a refused one changes nothing.
    unknown = sorted(set(params["modes"]) - set(params["files"]))
    if unknown:
        module.fail_json(msg=f"modes: {', '.join(unknown)} not in files")
    directories = [
        (path, _mode(module, text, f"directories[{path}]")) for path, text in sorted(params["directories"].items())
    ]
    wanted = [
        (path, str(text), _mode(module, params["modes"].get(path, "0644"), f"modes[{path}]"), False)
        for path, text in sorted(params["files"].items())
    ]
    wanted += [(path, str(text), SECRET_MODE, True) for path, text in sorted(params["secrets"].items())]

    for path, mode in directories:
        if not os.path.isdir(path):
            changed_paths.append(path)
            if not module.check_mode:
                os.makedirs(path, mode=mode)
                os.chmod(path, mode)
        elif stat.S_IMODE(os.stat(path).st_mode) != mode:
            changed_paths.append(path)
            if not module.check_mode:
                os.chmod(path, mode)

    for path, text, mode, secret in wanted:
        content = text.encode("utf-8")
        before, before_mode = _current(path)
        if (before, before_mode) == (content, mode):
            continue
        changed_paths.append(path)
        if not secret and before != content:
            diffs.append(
                {
                    "before_header": path,
                    "after_header": path,
                    "before": "" if before is None else before.decode("utf-8", "replace"),
                    "after": text,
                }
            )
        if module.check_mode:
            continue
        if before == content:
            os.chmod(path, mode)
        else:
            _write(module, path, content, mode, params["secrets_validate"] if secret else None)

    module.exit_json(changed=bool(changed_paths), changed_paths=sorted(changed_paths), diff=diffs)


if __name__ == "__main__":
    main()
