#!/usr/bin/python
# Copyright: Contributors to the watchdog.alertmanager_kuma collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: monitor_info
short_description: Read Uptime Kuma monitors by name, with the notifications that page for them
version_added: 2.0.0
description:
  - Logs in to Uptime Kuma once, through the socket.io API its web page uses, and returns the monitors asked for by
    name; whether each exists, runs (not paused, nor its group), how long Kuma waits for a push, its group and the
    notifications bound to it. Changes nothing.
  - The C(watchdog.alertmanager_kuma.check) playbook reads it to show, per check, whom its monitor pages.
  - Runs on the controller (C(delegate_to) V(localhost)).
author:
  - Watchdog maintainers (@watchdog-alertmanager-kuma)
requirements:
  - python-socketio[client] >= 5.11, on the controller
options:
  kuma_url:
    description:
      - Base URL of Uptime Kuma, as its web page is opened, C(http://) or C(https://).
    type: str
    required: true
  kuma_username:
    description:
      - The Kuma user to log in as, with O(kuma_password).
    type: str
  kuma_password:
    description:
      - 'The Kuma user''s password. A secret: never shown in results or messages.'
    type: str
  kuma_token:
    description:
      - A login token Kuma gave at an earlier login (its web page keeps it in the browser's
        storage), instead of O(kuma_username) and O(kuma_password); the way in for a user with
        two-factor authentication.
      - 'Kuma 1.23 and 2.x only: Kuma 3 signs in over HTTP and takes no such token (the task
        then fails, asking for O(kuma_username) and O(kuma_password)).'
      - 'A secret: never shown in results or messages.'
    type: str
  validate_certs:
    description:
      - Check Kuma's TLS certificate. Turn off only for a lab with a self-signed certificate.
    type: bool
    default: true
  timeout:
    description:
      - 'Seconds Kuma may take to connect, and to give each answer, in all: a Kuma (or a proxy)
        that trickles its answer slower than that fails the task. A connection that breaks fails
        it at once.'
    type: float
    default: 30
  names:
    description:
      - The monitors to read, by name. Omitted, every monitor of the Kuma user is read.
    type: list
    elements: str
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying Kuma.
    support: full
    details: It only reads; check mode changes nothing in what it does.
  diff_mode:
    description: Will return details on what has changed (or would change in check mode), when in diff mode.
    support: none
seealso:
  - module: watchdog.alertmanager_kuma.push_monitor
"""

EXAMPLES = r"""
- name: Whom does each heartbeat monitor page?
  watchdog.alertmanager_kuma.monitor_info:
    kuma_url: https://kuma.example.com
    kuma_username: ansible
    kuma_password: "{{ vault_kuma_password }}"
    names: [am1.example.com/watchdog, am2.example.com/watchdog]
  delegate_to: localhost
  run_once: true
  register: kuma

- name: Fail when one pages nobody
  ansible.builtin.assert:
    that: kuma.monitors | rejectattr('paging') | list | length == 0
"""

RETURN = r"""
monitors:
  description: The monitors asked for, in the order asked (every monitor, in Kuma's order, without O(names)).
  returned: always
  type: list
  elements: dict
  sample:
    - name: am1.example.com/watchdog
      found: true
      count: 1
      id: 12
      type: push
      active: true
      interval: 120
      retries: 0
      group: alertmanagers
      notifications: [on-call pager]
      paging: [on-call pager]
  contains:
    name:
      description: The name asked for.
      type: str
    found:
      description: Whether Kuma has a monitor of that name; the other keys are null when it has none.
      type: bool
    count:
      description: How many monitors of that name Kuma has; the rest describes the first.
      type: int
    id:
      description: Kuma's id of the monitor.
      type: int
    type:
      description: The monitor's type in Kuma (V(push) for a heartbeat's).
      type: str
    active:
      description: False when the monitor, or a group it sits in, is paused.
      type: bool
    interval:
      description: Seconds Kuma waits for a push before the monitor turns down.
      type: int
    retries:
      description: Kuma's retries before down.
      type: int
    group:
      description: The name of the group the monitor sits in; null for none.
      type: str
    notifications:
      description: The names of the notifications bound to the monitor, sorted.
      type: list
      elements: str
    paging:
      description: The bound notifications that are active, which page when the monitor turns down; empty when it
        pages nobody.
      type: list
      elements: str
kuma_version:
  description: The version Kuma reported.
  returned: always
  type: str
  sample: 2.5.3
"""

from typing import Any

from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._kuma_audit import (
    MONITOR_INFO_OPTIONS,
    monitor_views,
)
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._kuma_login import logged_in
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._kuma_module import kuma_module
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._kuma_socket import KumaError
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._push_monitors import KumaObjects


def main() -> None:
    module, session, names = kuma_module(MONITOR_INFO_OPTIONS, lambda params: params["names"])
    result: dict[str, Any] = {"changed": False}
    try:
        with logged_in(session) as kuma:
            objects = KumaObjects(kuma.monitors(), kuma.notifications())
            result["monitors"] = monitor_views(names, objects)
            result["kuma_version"] = kuma.version()
    except KumaError as error:
        module.fail_json(msg=str(error))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
