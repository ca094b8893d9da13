#!/usr/bin/python
# Copyright: Contributors to the watchdog.alertmanager_kuma collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: maintenance
short_description: Open or close an Uptime Kuma maintenance window by title, so planned work pages nobody
version_added: 2.1.0
description:
  - Logs in to Uptime Kuma once, through the socket.io API its web page uses (Kuma has no REST API), and makes Kuma
    hold the maintenance window asked for, found by its O(title).
  - While a window covers a monitor (or a group the monitor sits in, at any depth), Kuma stores the monitor's pushes
    with status MAINTENANCE and sends no notification. Wrap planned work (an Alertmanager upgrade) in a window, and
    close it with O(state=absent) in an C(always) section, so the window ends even when the work fails.
  - Runs on the controller (C(delegate_to) V(localhost)); the hosts need nothing.
  - The window is a single window (Kuma's strategy C(single)) stored in UTC, from now for O(duration) minutes or from
    O(start) to O(end). A rerun with a O(duration) leaves a window that is open as it is (its end does not move on
    every run); a rerun with O(start) and O(end) sets exactly those. A window of the title made in Kuma's page with
    another strategy (recurring, cron, manual) is turned into a single window.
  - O(monitors) and O(groups) are the window's whole list of covered monitors; a group is covered as the group, so
    members added to it later are covered too.
  - Works with Kuma 1.23, 2.0.0-dev.0, 2.x and 3.0 (tested on 3.0.0-beta.0), which take the same window.
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
  title:
    description:
      - 'The window''s title in Kuma, which finds it: two windows of the same title in Kuma
        are refused.'
    type: str
    required: true
  state:
    description:
      - V(present) opens the window (creates or changes it), V(absent) ends and deletes it;
        O(monitors), O(groups), O(duration), O(start) and O(end) are not needed then, and not
        read.
    type: str
    default: present
    choices:
      - present
      - absent
  monitors:
    description:
      - 'The monitors the window covers, by name as Kuma''s page shows them: exactly these and
        the groups of O(groups) (a name Kuma does not have is refused, listing names it has).'
    type: list
    elements: str
  groups:
    description:
      - 'The Kuma group monitors the window covers, by name: Kuma treats every member of a covered
        group (at any depth) as under maintenance.'
    type: list
    elements: str
  duration:
    description:
      - 'Minutes the window stays open, from now: a window of the same title that is open already
        keeps its start and end, so a rerun changes nothing; one that ended (or is not yet open)
        is opened again from now.'
      - Instead of O(start) and O(end).
    type: int
  start:
    description:
      - When the window opens, ISO 8601 with the timezone (V(2026-06-01T02:00:00+02:00) or V(2026-06-01T00:00:00Z)),
        with O(end); stored to the second.
    type: str
  end:
    description:
      - When the window closes, ISO 8601 with the timezone, after O(start).
    type: str
  description:
    description:
      - The window's description in Kuma. Omitted, an existing window's description is kept.
    type: str
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying Kuma.
    support: full
    details: Logs in and reads the monitors and windows, changes nothing.
  diff_mode:
    description: Will return details on what has changed (or would change in check mode), when in diff mode.
    support: full
    details: Shows the window's title, strategy, start and end, the monitors and groups it covers and its description,
      before and after; never a password or token.
seealso:
  - module: watchdog.alertmanager_kuma.push_monitor
  - name: Uptime Kuma maintenance
    description: How Kuma treats monitors under maintenance.
    link: https://github.com/louislam/uptime-kuma/wiki
"""

EXAMPLES = r"""
- name: An Alertmanager upgrade that pages nobody, and a window that closes even when the upgrade fails
  block:
    - name: Open a 30-minute window for the host's heartbeat monitor
      watchdog.alertmanager_kuma.maintenance:
        kuma_url: https://kuma.example.com
        kuma_username: ansible
        kuma_password: "{{ vault_kuma_password }}"
        title: upgrade of am1.example.com
        monitors: [am1.example.com/watchdog]
        duration: 30
      delegate_to: localhost

    - name: Upgrade Alertmanager
      ansible.builtin.package:
        name: prometheus-alertmanager
        state: latest
  always:
    - name: Close the window
      watchdog.alertmanager_kuma.maintenance:
        kuma_url: https://kuma.example.com
        kuma_username: ansible
        kuma_password: "{{ vault_kuma_password }}"
        title: upgrade of am1.example.com
        state: absent
      delegate_to: localhost

- name: A window on a whole group, at set times
  watchdog.alertmanager_kuma.maintenance:
    kuma_url: https://kuma.example.com
    kuma_username: ansible
    kuma_password: "{{ vault_kuma_password }}"
    title: datacentre move
    groups: [alertmanagers]
    start: "2026-06-01T02:00:00+02:00"
    end: "2026-06-01T04:00:00+02:00"
    description: Network work in the datacentre
  delegate_to: localhost
  run_once: true
"""

RETURN = r"""
maintenance:
  description: The window, as Kuma holds it after the task (or, in check mode, would).
  returned: always
  type: dict
  contains:
    title:
      description: The window's title.
      type: str
      sample: upgrade of am1.example.com
    state:
      description: V(present) or V(absent), as asked.
      type: str
      sample: present
    action:
      description: What was done (or, in check mode, would be done), V(create), V(update), V(delete) or V(none).
      type: str
      sample: create
    id:
      description: Kuma's id of the window; null once deleted, when absent, or not yet created in check mode.
      type: int
      sample: 4
    start:
      description: When the window opens, ISO 8601 in UTC; null when absent.
      type: str
      sample: "2026-06-01T00:00:00+00:00"
    end:
      description: When the window closes, ISO 8601 in UTC; null when absent.
      type: str
      sample: "2026-06-01T00:30:00+00:00"
    monitors:
      description: The names of the monitors the window covers (groups apart), sorted; null when absent.
      type: list
      elements: str
      sample: [am1.example.com/watchdog]
    groups:
      description: The names of the groups the window covers, sorted; null when absent.
      type: list
      elements: str
      sample: []
"""

from datetime import datetime, timezone
from typing import Any

from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._kuma_login import logged_in
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._kuma_module import kuma_module, maybe_done
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._kuma_socket import KumaError
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._maintenance import (
    MAINTENANCE_OPTIONS,
    WindowChange,
    apply,
    covered_ids,
    find_window,
    iso,
    plan,
    read_wanted,
)
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._option import SettingsError


def _outcome(change: WindowChange, window_id: int | None) -> dict[str, Any]:
    after = change.after
    return {
        "title": change.wanted.title,
        "state": change.wanted.state,
        "action": change.action,
        "id": window_id,
        "start": iso(after.start) if after else None,
        "end": iso(after.end) if after else None,
        "monitors": after.monitors if after else None,
        "groups": after.groups if after else None,
    }


def _diff(change: WindowChange) -> dict[str, Any]:
    return {
        "before_header": change.wanted.title,
        "after_header": change.wanted.title,
        "before": change.before.diff() if change.before else {},
        "after": change.after.diff() if change.after else {},
    }


def main() -> None:
    module, session, wanted = kuma_module(MAINTENANCE_OPTIONS, read_wanted)
    change: WindowChange | None = None
    try:
        with logged_in(session) as kuma:
            monitors = kuma.monitors()
            existing = find_window(kuma.maintenances(), wanted.title)
            covered = covered_ids(kuma, int(existing["id"])) if existing else []
            change = plan(wanted, monitors, existing, covered, datetime.now(timezone.utc))
            if module.check_mode or change.action == "none":
                window_id = None if change.action in ("create", "delete") else change.window_id
            else:
                window_id = apply(kuma, change)
    except (KumaError, SettingsError) as error:
        msg = str(error)
        if change is not None and change.action != "none" and not module.check_mode:
            # Kuma may have done part of it before the answer was lost: say so, so it is not forgotten.
            msg += maybe_done(f"the window {wanted.title}", change.action)
        module.fail_json(msg=msg)
    result: dict[str, Any] = {"changed": change.action != "none", "maintenance": _outcome(change, window_id)}
    if module._diff:
        result["diff"] = _diff(change)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
