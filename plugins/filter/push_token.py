# Copyright: Contributors to the watchdog.alertmanager_kuma collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter push_token: a Kuma push token derived from a monitor name and one secret (see the .yml beside this)."""

from __future__ import annotations

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
