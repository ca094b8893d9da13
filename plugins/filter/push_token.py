# Copyright: Contributors to the watchdog.alertmanager_kuma collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter push_token: a Kuma push token derived from a monitor name and one secret."""

from __future__ import annotations

DOCUMENTATION = r"""
name: push_token
short_description: Derive an Uptime Kuma push token from a monitor name and one secret
version_added: 1.0.0
description:
  - Returns 32 letters and digits computed as HMAC-SHA256 of the monitor name keyed with O(secret). The same
    name and secret always give the same token, and every name gets its own.
  - With it a fleet's inventory holds one vaulted secret (and Kuma's login) instead of one push token per host
    and check; M(watchdog.alertmanager_kuma.push_monitor) creates each monitor with its derived token and the
    timers push to the URL computed the same way.
  - Whoever holds the secret can compute every monitor's token. Keep it in Ansible Vault, and rotate it by
    changing it and running the C(watchdog.alertmanager_kuma.onboard) playbook again.
author:
  - Watchdog maintainers (@watchdog-alertmanager-kuma)
options:
  _input:
    description: The Kuma monitor's name, for example C(am1.example.com/watchdog).
    type: str
    required: true
  secret:
    description: The fleet's token secret, at least 16 characters. Refused when missing, blank, not a string, or
      shorter.
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Compute a check's push URL from the fleet's secret
  ansible.builtin.set_fact:
    push_url: >-
      {{ heartbeat_kuma_url }}/api/push/{{ (inventory_hostname ~ '/watchdog')
         | watchdog.alertmanager_kuma.push_token(heartbeat_token_secret) }}
  no_log: true
"""

RETURN = r"""
_value:
  description: The push token, 32 letters and digits. A secret; write what holds it with C(no_log).
  type: str
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._option import SettingsError
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._push_token import derive_push_token


def _plain(secret: object) -> object:
    # Before ansible-core 2.19 an inline-vaulted variable reaches a filter still wrapped (not a str), its text
    # the decrypted secret; by name, as importing the class from 2.19 on is deprecated.
    return str(secret) if type(secret).__name__ == "AnsibleVaultEncryptedUnicode" else secret


def push_token(name: str, secret: object = None) -> str:
    try:
        return derive_push_token(name, _plain(secret))
    except SettingsError as error:
        raise AnsibleFilterError(f"push_token: {error}") from None


class FilterModule:
    def filters(self):
        return {"push_token": push_token}
