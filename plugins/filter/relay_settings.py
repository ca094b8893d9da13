# Copyright: Contributors to the watchdog.alertmanager_kuma collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter relay_settings: the relay role's variables read by the relay's parser."""

from __future__ import annotations

DOCUMENTATION = r"""
name: relay_settings
short_description: Read the relay role's variables with the relay's own parser
version_added: 0.2.0
description:
  - Validates the relay role's C(relay_<option>) variables by the same parser the relay program runs when it
    starts, and refuses a listen port below 1024 (the service holds no capability to bind one).
  - Returns the refusal, naming the variable (C(relay_routes[0].push_url)), and the relay's settings file.
    Runs on the controller, so bad variables are refused before the host is touched.
  - Private to the collection's roles; no stability promise.
author:
  - Watchdog maintainers (@watchdog-alertmanager-kuma)
options:
  _input:
    description: The role's variables by name.
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Refuse bad relay variables by name
  ansible.builtin.assert:
    that: __read.errors == []
    fail_msg: "{{ __read.errors | join('; ') }}"
  vars:
    __read: "{{ {'relay_push_url': 'http://kuma:3001/api/push/x'} | watchdog.alertmanager_kuma.relay_settings }}"
"""

RETURN = r"""
_value:
  description:
    - C(errors), a list of refusals, each naming the variable.
    - C(settings), the relay's settings file. It holds push URLs and credentials, so write it with C(no_log).
    - C(files), the TLS files the service reads, each with the variable naming it.
  type: dict
"""

from typing import Any

from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._option import SettingsError, read_options
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._relay_settings import (
    RELAY_OPTIONS,
    relay_settings_from_values,
)

ROLE_PREFIX = "relay_"
# The role's unit holds no capability: a port below this cannot be bound by the service.
LOWEST_PORT = 1024


def relay_settings(role_vars: dict[str, Any]) -> dict[str, Any]:
    options = {option.name: role_vars.get(ROLE_PREFIX + option.name) for option in RELAY_OPTIONS}
    try:
        values = read_options(RELAY_OPTIONS, options, ROLE_PREFIX)
        if relay_settings_from_values(values, ROLE_PREFIX).port < LOWEST_PORT:
            raise SettingsError(
                ROLE_PREFIX + "listen",
                f"needs a port from {LOWEST_PORT} to 65535 (the service holds no capability to bind a lower one)",
            )
    except SettingsError as error:
        return {"errors": [str(error)], "settings": {}, "files": []}
    files = [{"variable": ROLE_PREFIX + "ca_path", "path": values["ca_path"]}] if values["ca_path"] else []
    settings = {name: value for name, value in values.items() if value not in (None, [])}
    return {"errors": [], "settings": settings, "files": files}


class FilterModule:
    def filters(self):
        return {"relay_settings": relay_settings}
