# Copyright: Contributors to the watchdog.alertmanager_kuma collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The front door every Kuma-side module (push_monitor, monitor_info, maintenance, status_page) shares: the
AnsibleModule with the login options' rules, the login and the task's own options read (a refusal fails the task
before Kuma is asked anything), python-socketio looked for, and the words for a change Kuma may or may not have made.

Private to the collection (leading underscore). Imports Ansible, so it is for the modules only: the plans and the
login they use stay standard library only, and no host program imports this.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ._kuma_login import LOGIN_MUTUALLY_EXCLUSIVE, LOGIN_REQUIRED_TOGETHER, Session, read_session, url_credentials
from ._kuma_socket import SOCKETIO_REQUIREMENT, has_socketio
from ._option import Option, SettingsError, argument_spec

Wanted = TypeVar("Wanted")

_DONE = {"create": "created", "update": "changed", "delete": "deleted"}


def kuma_module(
    options: Iterable[Option],
    read_wanted: Callable[[Mapping[str, Any]], Wanted],
    mutually_exclusive: Sequence[tuple[str, ...]] = (),
    required_one_of: Sequence[tuple[str, ...]] = (),
) -> tuple[AnsibleModule, Session, Wanted]:
    """The module, its login and what the task asks for (``read_wanted`` of its parameters); a refusal ends the task."""
    module = AnsibleModule(
        argument_spec=argument_spec(options),
        mutually_exclusive=[*mutually_exclusive, *LOGIN_MUTUALLY_EXCLUSIVE],
        required_one_of=list(required_one_of),
        required_together=LOGIN_REQUIRED_TOGETHER,
        supports_check_mode=True,
    )
    # A refused kuma_url is echoed in the results' invocation: what it held after user: must not be.
    module.no_log_values.update(url_credentials(module.params["kuma_url"]))
    try:
        session = read_session(module.params)
        wanted = read_wanted(module.params)
    except SettingsError as error:
        module.fail_json(msg=str(error))
    if not has_socketio():
        module.fail_json(msg=missing_required_lib(SOCKETIO_REQUIREMENT) + " (on the controller, where this runs)")
    return module, session, wanted


def maybe_done(what: str, action: str) -> str:
    """What a failure adds when it came after a create, change or delete was asked of Kuma."""
    return f"; {what} may or may not have been {_DONE[action]} in Kuma: run the task again to see"
