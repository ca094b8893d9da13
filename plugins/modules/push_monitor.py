#!/usr/bin/python
# Copyright: Contributors to the watchdog.alertmanager_kuma collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: push_monitor
short_description: Create, change or delete Uptime Kuma push monitors by name
version_added: 1.0.0
description:
  - Logs in to Uptime Kuma once, through the socket.io API its web page uses (Kuma has no REST API for monitors),
    and makes Kuma hold the push monitors asked for, found by name.
  - Runs on the controller (C(delegate_to) V(localhost)); the hosts need nothing.
  - O(monitors) creates or deletes many monitors in one login; Kuma 2 allows about 20 logins a minute, Kuma 3
    about 10 sign-ins.
  - Sets a push token chosen by the caller when it creates a monitor, for example one derived from a name and one
    secret by P(watchdog.alertmanager_kuma.push_token#filter), so a fleet keeps one secret, not one token per host.
  - Works with Kuma 1.23, 2.0.0-dev.0, 2.x and 3.0 (tested on 3.0.0-beta.0). Kuma 2.0.0-beta.0 and later require
    a C(conditions) field that older versions refuse; the module sends it by the version Kuma reports. Kuma 3 signs
    in over HTTP, with O(kuma_username) and O(kuma_password) only; the module sees which way Kuma wants.
  - Every monitor it leaves pages someone. O(notifications) binds Kuma notifications by name; without it a new
    monitor gets Kuma's default notifications, as Kuma's web page gives them (Kuma's API binds only what a request
    names). A monitor that would page nobody is refused before anything changes, unless O(notifications) is V([]).
  - O(group) places the monitors in a Kuma group monitor, created once when missing.
  - Changes only C(name), C(interval), C(retries), C(description), the push token, the notifications and the group;
    a monitor's tags and paused state are left as they are in Kuma.
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
  name:
    description:
      - 'The monitor''s name in Kuma, which finds it: two monitors of the same name in Kuma
        are refused.'
    type: str
  state:
    description:
      - V(present) creates or changes the monitor, V(absent) deletes it (and its heartbeats).
    type: str
    default: present
    choices:
      - present
      - absent
  interval:
    description:
      - Seconds Kuma waits for a push before it marks the monitor down; longer than the heartbeat's
        own interval (the onboard playbook gives twice it, at least 20).
    type: int
    default: 60
  retries:
    description:
      - 'Kuma''s retries before it marks the monitor down. With retries above 0, Kuma 2.5 stores
        a pushed C(down) as PENDING first, so the page comes one interval later: keep 0 for
        a dead man''s switch. Kuma 3 stores a pushed C(down) as DOWN at once; its retries still
        delay the DOWN of a missed push.'
    type: int
    default: 0
  push_token:
    description:
      - The push token, 16 to 64 letters and digits (Kuma's page makes 32), for example from
        the P(watchdog.alertmanager_kuma.push_token#filter) filter.
      - Given, it is set at creation and restored when it differs. Omitted, a new monitor gets
        a random one, which Ansible then masks in the returned push URL; an existing monitor
        keeps its own.
    type: str
  description:
    description:
      - The monitor's description in Kuma. Omitted, an existing monitor's description is kept.
    type: str
  notifications:
    description:
      - 'The Kuma notifications that page when the monitor turns down, by name as Kuma''s page
        shows them: exactly this set is bound (a name Kuma does not have is refused, listing
        the names it has).'
      - Omitted, a new monitor gets Kuma's default notifications (those marked C(Default enabled)),
        as Kuma's web page gives them, and an existing monitor keeps its own. A monitor that
        would page nobody is refused, unless this is set to V([]) on purpose.
    type: list
    elements: str
  group:
    description:
      - The name of the Kuma group monitor the monitor sits in, created when Kuma has none of
        that name; a maintenance window on the group covers all its monitors. The group itself
        pages nobody.
      - Omitted, a monitor's group is left as it is.
    type: str
  monitors:
    description:
      - Many monitors in one login (Kuma 2 allows about 20 logins a minute, Kuma 3 about 10
        sign-ins), each with the options above; what an entry leaves out comes from the top-level
        option (but O(name) and O(push_token)). Instead of O(name).
    type: list
    elements: dict
    suboptions:
      name:
        description:
          - 'The monitor''s name in Kuma, which finds it: two monitors of the same name in Kuma
            are refused.'
        type: str
        required: true
      state:
        description:
          - V(present) creates or changes the monitor, V(absent) deletes it (and its heartbeats).
        type: str
        choices:
          - present
          - absent
      interval:
        description:
          - Seconds Kuma waits for a push before it marks the monitor down; longer than the
            heartbeat's own interval (the onboard playbook gives twice it, at least 20).
        type: int
      retries:
        description:
          - 'Kuma''s retries before it marks the monitor down. With retries above 0, Kuma 2.5
            stores a pushed C(down) as PENDING first, so the page comes one interval later:
            keep 0 for a dead man''s switch. Kuma 3 stores a pushed C(down) as DOWN at once;
            its retries still delay the DOWN of a missed push.'
        type: int
      push_token:
        description:
          - The push token, 16 to 64 letters and digits (Kuma's page makes 32), for example
            from the P(watchdog.alertmanager_kuma.push_token#filter) filter.
          - Given, it is set at creation and restored when it differs. Omitted, a new monitor
            gets a random one, which Ansible then masks in the returned push URL; an existing
            monitor keeps its own.
        type: str
      description:
        description:
          - The monitor's description in Kuma. Omitted, an existing monitor's description is
            kept.
        type: str
      notifications:
        description:
          - 'The Kuma notifications that page when the monitor turns down, by name as Kuma''s
            page shows them: exactly this set is bound (a name Kuma does not have is refused,
            listing the names it has).'
          - Omitted, a new monitor gets Kuma's default notifications (those marked C(Default
            enabled)), as Kuma's web page gives them, and an existing monitor keeps its own.
            A monitor that would page nobody is refused, unless this is set to V([]) on purpose.
        type: list
        elements: str
      group:
        description:
          - The name of the Kuma group monitor the monitor sits in, created when Kuma has none
            of that name; a maintenance window on the group covers all its monitors. The group
            itself pages nobody.
          - Omitted, a monitor's group is left as it is.
        type: str
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying Kuma.
    support: full
    details: Logs in and reads the monitors, changes nothing.
  diff_mode:
    description: Will return details on what has changed (or would change in check mode), when in diff mode.
    support: full
    details: Shows each monitor's name, interval, retries, description, notifications and group before and after, and
      the groups to create; never a push token.
seealso:
  - module: watchdog.alertmanager_kuma.heartbeat
  - plugin: watchdog.alertmanager_kuma.push_token
    plugin_type: filter
  - name: Uptime Kuma push monitors
    description: How a push monitor turns down when no push arrives within its interval.
    link: https://github.com/louislam/uptime-kuma/wiki
"""

EXAMPLES = r"""
- name: One push monitor, its token derived from the fleet's secret
  watchdog.alertmanager_kuma.push_monitor:
    kuma_url: https://kuma.example.com
    kuma_username: ansible
    kuma_password: "{{ vault_kuma_password }}"
    name: am1.example.com/watchdog
    interval: 120
    push_token: "{{ 'am1.example.com/watchdog' | watchdog.alertmanager_kuma.push_token(vault_token_secret) }}"
  delegate_to: localhost
  register: monitor

- name: A monitor that pages the on-call, in the fleet's group
  watchdog.alertmanager_kuma.push_monitor:
    kuma_url: https://kuma.example.com
    kuma_username: ansible
    kuma_password: "{{ vault_kuma_password }}"
    name: am2.example.com/watchdog
    push_token: "{{ 'am2.example.com/watchdog' | watchdog.alertmanager_kuma.push_token(vault_token_secret) }}"
    notifications: [on-call pager]
    group: alertmanagers
  delegate_to: localhost

- name: Many monitors in one login; an absent one is deleted
  watchdog.alertmanager_kuma.push_monitor:
    kuma_url: https://kuma.example.com
    kuma_username: ansible
    kuma_password: "{{ vault_kuma_password }}"
    interval: 120
    monitors:
      - name: am1.example.com/watchdog
        push_token: "{{ 'am1.example.com/watchdog' | watchdog.alertmanager_kuma.push_token(vault_token_secret) }}"
      - name: am-retired.example.com/watchdog
        state: absent
  delegate_to: localhost
  run_once: true
"""

RETURN = r"""
monitor:
  description: The monitor of O(name), as in RV(monitors).
  returned: when O(name) is given
  type: dict
  sample:
    name: am1.example.com/watchdog
    state: present
    action: create
    id: 12
    push_url: https://kuma.example.com/api/push/********
    interval: 120
    retries: 0
    active: true
    notifications: [on-call pager]
    group: alertmanagers
monitors:
  description: Every monitor asked for, in the order asked.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The monitor's name.
      type: str
    state:
      description: V(present) or V(absent), as asked.
      type: str
    action:
      description: What was done (or, in check mode, would be done), V(create), V(update), V(delete) or V(none).
      type: str
    id:
      description: Kuma's id of the monitor; null for one deleted, absent, or not yet created in check mode.
      type: int
    push_url:
      description:
        - The URL the heartbeat pushes to, C(<kuma_url>/api/push/<token>); null when absent.
        - The token is a secret and Ansible masks it in every output (C(********)); compute the URL with
          P(watchdog.alertmanager_kuma.push_token#filter) where a playbook needs it whole.
      type: str
    interval:
      description: Seconds Kuma waits for a push.
      type: int
    retries:
      description: Kuma's retries before down.
      type: int
    active:
      description: False for a monitor paused in Kuma, which refuses pushes.
      type: bool
    notifications:
      description: The names of the notifications bound to the monitor (those that page when it turns down), sorted;
        null when absent.
      type: list
      elements: str
    group:
      description: The name of the group the monitor sits in; null for none, or when absent.
      type: str
groups_created:
  description: The groups created (or, in check mode, that would be), by name.
  returned: always
  type: list
  elements: str
  sample: [alertmanagers]
kuma_version:
  description: The version Kuma reported, when it was needed (to create a monitor).
  returned: always
  type: str
  sample: 2.5.3
"""

from typing import Any

from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._kuma_login import Session, logged_in
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._kuma_module import kuma_module, maybe_done
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._kuma_socket import KumaError, KumaSession
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._option import SettingsError
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._push_monitors import (
    PUSH_MONITOR_OPTIONS,
    Change,
    KumaObjects,
    Plan,
    changed_monitor,
    group_payload,
    needs_conditions,
    new_monitor,
    plan,
    read_wanted,
)


def _group_ids(kuma: KumaSession, planned: Plan, version: str) -> dict[str, int]:
    """The id of every group a change asks for: the groups Kuma has, and the new ones, created here once each."""
    ids = {change.group: change.group_id for change in planned.changes if change.group and change.group_id is not None}
    for name in planned.new_groups:
        ids[name] = kuma.add(group_payload(name, needs_conditions(version)))
    return ids


def _apply(kuma: KumaSession, change: Change, version: str, group_ids: dict[str, int]) -> int | None:
    parent = group_ids.get(change.group) if change.group else None
    if change.action == "create":
        return kuma.add(new_monitor(change, needs_conditions(version), parent))
    monitor_id = int((change.existing or {})["id"])
    if change.action == "update":
        kuma.edit(changed_monitor(change, parent))
    elif change.action == "delete":
        kuma.delete(monitor_id, change.wanted.name)
        return None
    return monitor_id


def _outcome(session: Session, change: Change, monitor_id: int | None) -> dict[str, Any]:
    present = change.wanted.state == "present"
    existing = change.existing or {}
    shown = change.after if present else change.before
    return {
        "name": change.wanted.name,
        "state": change.wanted.state,
        "action": change.action,
        "id": monitor_id,
        "push_url": f"{session.kuma_url}/api/push/{change.token}" if present else None,
        "interval": change.wanted.interval if present else existing.get("interval"),
        "retries": change.wanted.retries if present else existing.get("maxretries"),
        "active": bool(existing.get("active", True)) if present else None,
        "notifications": (shown or {}).get("notifications") if present else None,
        "group": ((shown or {}).get("group") or None) if present else None,
    }


def _diff(planned: Plan) -> list[dict[str, Any]]:
    groups = [
        {"before_header": f"group {name}", "after_header": f"group {name}", "before": {}, "after": {"group": name}}
        for name in planned.new_groups
    ]
    return groups + [
        {
            "before_header": change.wanted.name,
            "after_header": change.wanted.name,
            "before": change.before or {},
            "after": change.after or {},
        }
        for change in planned.changes
        if change.action != "none"
    ]


def main() -> None:
    module, session, wanted = kuma_module(
        PUSH_MONITOR_OPTIONS,
        read_wanted,
        mutually_exclusive=[("name", "monitors")],
        required_one_of=[("name", "monitors")],
    )
    outcomes: list[dict[str, Any]] = []
    version = ""
    planned = Plan([], [])
    in_flight: Change | None = None
    try:
        with logged_in(session) as kuma:
            planned = plan(wanted, KumaObjects(kuma.monitors(), kuma.notifications()))
            for change in planned.changes:
                if change.token:
                    module.no_log_values.add(change.token)
            if planned.new_groups or any(change.action == "create" for change in planned.changes):
                version = kuma.version()
            group_ids = {} if module.check_mode else _group_ids(kuma, planned, version)
            for change in planned.changes:
                existing_id = (change.existing or {}).get("id")
                if module.check_mode or change.action == "none":
                    monitor_id = (
                        None if change.action in ("create", "delete") or existing_id is None else int(existing_id)
                    )
                else:
                    in_flight = change
                    monitor_id = _apply(kuma, change, version, group_ids)
                    in_flight = None
                outcomes.append(_outcome(session, change, monitor_id))
    except (KumaError, SettingsError) as error:
        msg = str(error)
        if in_flight is not None:
            # Kuma may have done it before the answer was lost: the result lists it, so it is not forgotten.
            outcomes.append(_outcome(session, in_flight, None))
            msg += maybe_done(in_flight.wanted.name, in_flight.action)
        done = [outcome for outcome in outcomes if outcome["action"] != "none"]
        module.fail_json(msg=msg, changed=bool(done) and not module.check_mode, monitors=outcomes)
    result: dict[str, Any] = {
        "changed": bool(planned.new_groups) or any(outcome["action"] != "none" for outcome in outcomes),
        "monitors": outcomes,
        "groups_created": planned.new_groups,
        "kuma_version": version,
    }
    if module.params["name"] is not None:
        result["monitor"] = outcomes[0]
    if module._diff:
        result["diff"] = _diff(planned)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
