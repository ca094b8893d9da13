#!/usr/bin/python
# Copyright: Contributors to the watchdog.alertmanager_kuma collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: status_page
short_description: Create, change or delete an Uptime Kuma status page by its slug
version_added: 2.1.0
description:
  - Logs in to Uptime Kuma once, through the socket.io API its web page uses, and makes Kuma hold the status page
    asked for, found by its O(slug), with exactly its title, description and sections, each section with exactly
    its monitors, in the order given.
  - Runs on the controller (C(delegate_to) V(localhost)); the hosts need nothing.
  - A section lists monitors by name, or the members of a Kuma group monitor, as Kuma has them when the task runs
    (run the task again after the group changes).
  - A monitor or group Kuma does not have, two sections of one name, or a section with both or neither of
    O(sections[].monitors) and O(sections[].group) are refused, naming the option, before anything changes.
  - Reads the page's sections from Kuma's public page JSON, past Kuma's 5-minute cache of it, so a page changed
    a moment ago (here or in Kuma's web page) is read as it is.
  - Changes only the title, the description and the sections; the page's other settings (theme, footer, logo,
    custom CSS, domain names, published) are kept as they are in Kuma, and so is a monitor's clickable link while it
    stays in its section.
  - Works with Kuma 1.23, 2.0.0-dev.0, 2.x and 3.0 (tested on 3.0.0-beta.0).
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
  slug:
    description:
      - 'The page''s slug, which finds it and makes its address C(<kuma_url>/status/<slug>):
        lowercase letters and digits, in words joined by single dashes (Kuma''s rule).'
    type: str
    required: true
  state:
    description:
      - V(present) creates or changes the page, V(absent) deletes it.
    type: str
    default: present
    choices:
      - present
      - absent
  title:
    description:
      - The page's title. Required with O(state=present).
    type: str
  description:
    description:
      - The text under the title. Omitted, an existing page's description is kept (a new page
        has none).
    type: str
  sections:
    description:
      - The page's sections, in this order, each with exactly its monitors in their order; sections
        the page has and this does not list are deleted. Each has either O(sections[].monitors)
        or O(sections[].group).
      - Omitted, an existing page's sections are kept (a new page has none).
    type: list
    elements: dict
    suboptions:
      name:
        description:
          - The section's heading on the page.
        type: str
        required: true
      monitors:
        description:
          - The monitors the section lists, by name as Kuma's page shows them, in this order.
            Instead of O(sections[].group).
        type: list
        elements: str
      group:
        description:
          - A Kuma group monitor whose members the section lists, sorted by name, as Kuma has
            them when the task runs. Instead of O(sections[].monitors).
        type: str
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying Kuma.
    support: full
    details: Logs in and reads the page and the monitors, changes nothing.
  diff_mode:
    description: Will return details on what has changed (or would change in check mode), when in diff mode.
    support: full
    details: Shows the page's title, description and sections with their monitors' names before and after.
seealso:
  - module: watchdog.alertmanager_kuma.push_monitor
  - name: Uptime Kuma status pages
    description: What a status page shows, and where.
    link: https://github.com/louislam/uptime-kuma/wiki/Status-Page
"""

EXAMPLES = r"""
- name: The fleet's status page, one section per site
  watchdog.alertmanager_kuma.status_page:
    kuma_url: https://kuma.example.com
    kuma_username: ansible
    kuma_password: "{{ vault_kuma_password }}"
    slug: fleet
    title: Alertmanager fleet
    description: The dead man's switch of every Alertmanager.
    sections:
      - name: Europe
        monitors: [am1.example.com/watchdog, am2.example.com/watchdog]
      - name: Everything in the alertmanagers group
        group: alertmanagers
  delegate_to: localhost
  run_once: true
  register: page

- name: The page is gone
  watchdog.alertmanager_kuma.status_page:
    kuma_url: https://kuma.example.com
    kuma_username: ansible
    kuma_password: "{{ vault_kuma_password }}"
    slug: fleet
    state: absent
  delegate_to: localhost
  run_once: true
"""

RETURN = r"""
slug:
  description: The page's slug, as given.
  returned: always
  type: str
  sample: fleet
action:
  description: What was done (or, in check mode, would be done), V(create), V(update), V(delete) or V(none).
  returned: always
  type: str
  sample: create
path:
  description: The page's path in Kuma's web page, C(/status/<slug>); null when absent.
  returned: always
  type: str
  sample: /status/fleet
url:
  description: The page's address, O(kuma_url) followed by RV(path); null when absent.
  returned: always
  type: str
  sample: https://kuma.example.com/status/fleet
title:
  description: The page's title; null when absent.
  returned: always
  type: str
  sample: Alertmanager fleet
description:
  description: The page's description; null when absent.
  returned: always
  type: str
  sample: The dead man's switch of every Alertmanager.
sections:
  description: The page's sections in their order, each with its monitors' names in their order; null when absent.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The section's heading.
      type: str
    monitors:
      description: The names of the monitors it lists.
      type: list
      elements: str
  sample:
    - name: Europe
      monitors: [am1.example.com/watchdog, am2.example.com/watchdog]
"""

from typing import Any

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._kuma_login import Session, logged_in
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._kuma_module import kuma_module, maybe_done
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._kuma_socket import KumaError
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._option import SettingsError
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._status_page import (
    STATUS_PAGE_OPTIONS,
    PagePlan,
    WantedPage,
    apply,
    plan,
    read_page,
    read_wanted,
    shown,
)
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._transport import TlsOptions, UrllibTransport


def _result(session: Session, planned: PagePlan) -> dict[str, Any]:
    slug = planned.wanted.slug
    page = shown(planned.after)
    path = f"/status/{slug}" if planned.after else None
    return {
        "changed": planned.action != "none",
        "slug": slug,
        "action": planned.action,
        "path": path,
        "url": session.kuma_url + path if path else None,
        "title": page.get("title"),
        "description": page.get("description"),
        "sections": page.get("sections"),
    }


def _diff(planned: PagePlan) -> dict[str, Any]:
    header = f"status page {planned.wanted.slug}"
    return {
        "before_header": header,
        "after_header": header,
        "before": shown(planned.before),
        "after": shown(planned.after),
    }


def _run(module: AnsibleModule, session: Session, wanted: WantedPage) -> PagePlan:
    """One login: read the page and the monitors, plan, and (but in check mode) apply; a failure ends the task."""
    transport = UrllibTransport(
        TlsOptions(validate_certs=session.validate_certs), needs_tls=session.kuma_url.startswith("https:")
    )
    planned: PagePlan | None = None
    try:
        with logged_in(session) as kuma:
            current = read_page(kuma, transport, wanted.slug)
            monitors = kuma.monitors() if wanted.state == "present" and wanted.sections else []
            planned = plan(wanted, current, monitors)
            if not module.check_mode:
                apply(kuma, planned)
    except (KumaError, SettingsError) as error:
        msg = str(error)
        if planned is not None and planned.action != "none" and not module.check_mode:
            # Kuma may have done part of it before it refused, or before the answer was lost.
            msg += maybe_done(f"the status page {wanted.slug}", planned.action)
        module.fail_json(msg=msg, changed=False)
    return planned


def main() -> None:
    module, session, wanted = kuma_module(STATUS_PAGE_OPTIONS, read_wanted)
    planned = _run(module, session, wanted)
    result = _result(session, planned)
    if module._diff:
        result["diff"] = _diff(planned)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
