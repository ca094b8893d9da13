#!/usr/bin/python
# Copyright: Contributors to the watchdog.alertmanager_kuma collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: heartbeat
short_description: Check an Alertmanager's Watchdog alert and push the verdict to an Uptime Kuma push monitor
version_added: 0.1.0
description:
  - Asks an Alertmanager through its API v2 (C(/api/v2/status) for version and cluster, C(/api/v2/alerts)
    filtered by O(matchers)) whether the always-firing heartbeat alert (the Watchdog) is active and fresh.
  - Pushes the verdict to an Uptime Kuma push monitor with C(GET <push_url>?status=up|down&msg=...&ping=...),
    where C(msg) says why and C(ping) is the Alertmanager API latency in milliseconds.
  - A silenced, inhibited or unprocessed alert is not a heartbeat; nor is one that Prometheus stopped updating
    (see O(max_age)). C(/-/healthy) and C(/-/ready) are not used, since they answer OK whatever the alerts say.
  - The push URL carries the monitor's token. It is never returned, logged or put in an error message; results
    and messages name the push host only. The push follows no redirect.
  - The same check runs without Ansible on hosts as a systemd timer, installed by the
    C(watchdog.alertmanager_kuma.heartbeat_timer) role.
author:
  - Watchdog maintainers (@watchdog-alertmanager-kuma)
options:
  alertmanager_url:
    description:
      - Base URL of the Alertmanager, C(http://) or C(https://), without credentials (use O(alertmanager_username)
        or O(alertmanager_bearer_token)).
      - A path prefix (Alertmanager's C(--web.route-prefix)) is kept.
    type: str
    required: true
  push_url:
    description:
      - The push URL of the Uptime Kuma push monitor, ending in C(/api/push/<token>).
      - The URL as Kuma shows it may be pasted whole; its query string is dropped.
      - A secret. Never shown in results or messages.
    type: str
    required: true
  matchers:
    description:
      - Alertmanager matchers the heartbeat alert must satisfy, each in Alertmanager's syntax
        (C(name="value"), C(name!="value"), C(name=~"regex"), C(name!~"regex")).
      - All must match. An empty list checks Alertmanager's API alone.
    type: list
    default:
      - alertname="Watchdog"
    elements: str
  max_age:
    description:
      - Seconds since Alertmanager last received the matched alert (its C(updatedAt)) after
        which the alert counts as stale, so the verdict is down. Prometheus re-sends a firing
        alert every C(--rules.alert.resend-delay) (one minute by default), so an old C(updatedAt)
        means Prometheus stopped sending.
      - Measured against the Alertmanager's own clock (its C(Date) header), so clock skew does
        not count.
      - C(0) disables the check.
    type: float
    default: 300
  min_peers:
    description:
      - The fewest cluster members (itself included) for an up verdict. An Alertmanager with
        clustering disabled counts as one member.
      - C(0) does not check.
    type: int
    default: 0
  timeout:
    description:
      - Seconds each HTTP request may take, to Alertmanager and to Kuma, from connecting to
        the last byte of the answer, however slowly the server sends it.
    type: float
    default: 3
  retries:
    description:
      - Push attempts after the first when Kuma is unreachable or answers 5xx, with backoff
        (0.5 s, 1 s, 2 s, 4 s...).
      - A refusal by Kuma (an unknown or paused monitor) is not retried.
    type: int
    default: 3
  run_timeout:
    description:
      - Seconds the whole run (the Alertmanager check, the push and its retries) may take; a
        retry that could end later is not made. Each run still makes its Alertmanager requests
        and one push, so three times O(timeout) must fit.
      - C(0) does not bound the run. The timer role sets it to the unit's start timeout (its
        check's C(interval) less one second) for each check that does not set it, so a DOWN
        goes out before systemd would stop the run.
    type: float
    default: 0
  check_delivery:
    description:
      - 'Whether to read Alertmanager''s C(/metrics) (with the same TLS options and credentials
        as its API): a notification that failed since the last run, or a failed configuration
        reload, is then down.'
      - Judging new failures needs O(state_path) (the timer role sets one for each check); without
        it the counters are returned but not judged.
    type: bool
    default: true
  ignore_integrations:
    description:
      - Integrations whose failed notifications do not count (such as C(email) when mail is
        best effort).
    type: list
    default: []
    elements: str
  ignore_receivers:
    description:
      - Receivers whose failed notifications do not count (such as a team's chat that may be
        down). Alertmanager names receivers in its metrics from 0.27 on, when started with its
        feature flag C(receiver-name-in-metrics). Without that, failures are judged per integration
        and this has no effect (a failing integration's reason says so).
    type: list
    default: []
    elements: str
  state_path:
    description:
      - A file where the check keeps, between runs, the counters it compares (no secret), written
        atomically, owner-only. The timer role uses each check's systemd C(StateDirectory=)
        when this is not set.
      - Only a file the heartbeat wrote, an empty file, or a new path is read or replaced; anything
        else there (another file, a FIFO, a link) is left alone and the verdict is down.
    type: path
  receiver:
    description:
      - 'The receiver the heartbeat alert must be routed to (its C(receivers) in Alertmanager''s
        API): routed only elsewhere, the verdict is down.'
    type: str
  prometheus_url:
    description:
      - Base URL of the Prometheus that sends the heartbeat alert. When set, each run also proves
        that Prometheus answers, sends to this Alertmanager, evaluates the heartbeat rule (named
        by the C(alertname) matcher) within twice its group's interval, and sent to this Alertmanager
        without errors since the last run.
      - TLS options are shared with Alertmanager; credentials are its own (O(prometheus_username),
        O(prometheus_bearer_token)).
    type: str
  prometheus_alertmanager_url:
    description:
      - The address Prometheus uses for this Alertmanager, when it differs from O(alertmanager_url)
        (another host name or port); compared by scheme, host and port.
    type: str
  prometheus_username:
    description:
      - User name for HTTP basic authentication to Prometheus. Requires O(prometheus_password).
    type: str
  prometheus_password:
    description:
      - Password for HTTP basic authentication to Prometheus. A secret.
    type: str
  prometheus_bearer_token:
    description:
      - Bearer token for Prometheus. A secret. Excludes basic authentication.
    type: str
  on_failure:
    description:
      - What to do when the verdict is down.
      - V(down) pushes C(status=down) with the reason, so Kuma raises the alarm at once and
        shows why.
      - V(skip) pushes nothing and lets the monitor's own heartbeat interval run out.
    type: str
    default: down
    choices:
      - down
      - skip
  validate_certs:
    description:
      - Whether to verify TLS certificates of Alertmanager and Kuma.
    type: bool
    default: true
  ca_path:
    description:
      - A PEM file of CA certificates to trust instead of the system's.
    type: path
  client_cert:
    description:
      - A PEM client certificate for TLS client authentication. Requires O(client_key).
    type: path
  client_key:
    description:
      - The PEM private key of O(client_cert).
    type: path
  use_proxy:
    description:
      - Whether to use the proxies from the environment (C(https_proxy), C(no_proxy), ...).
    type: bool
    default: true
  alertmanager_username:
    description:
      - User name for HTTP basic authentication to Alertmanager. Requires O(alertmanager_password).
    type: str
  alertmanager_password:
    description:
      - Password for HTTP basic authentication to Alertmanager. A secret.
    type: str
  alertmanager_bearer_token:
    description:
      - Bearer token for Alertmanager. A secret. Excludes basic authentication.
    type: str
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details:
      - In check mode the read-only Alertmanager check runs and the verdict is returned, but nothing is pushed.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
notes:
  - A push is not idempotent. Every run that pushes stores a new heartbeat in Kuma and reports C(changed).
  - Give Kuma's push monitor C(Retries) 0 if a pushed down should alert at once;
    with retries Kuma marks it pending first.
  - Runs on the target host; needs only Python's standard library there.
  - When an ad hoc task fails, ansible-core shows the start of its C(-a) arguments in the error whatever C(no_log)
    says, so a short push URL typed into C(-a) can appear there. Give it as a variable instead
    (C(-e @vaulted.yml -a 'push_url={{ kuma_push_url }}')).
seealso:
  - name: Alertmanager API v2
    description: The OpenAPI definition of the API the check reads.
    link: https://github.com/prometheus/alertmanager/blob/main/api/v2/openapi.yaml
  - name: Uptime Kuma push monitors
    description: How push monitors and their URLs work.
    link: https://github.com/louislam/uptime-kuma/wiki/Monitor-Types
  - module: ansible.builtin.uri
"""

EXAMPLES = r"""
- name: Tell Kuma whether Alertmanager holds the Watchdog
  watchdog.alertmanager_kuma.heartbeat:
    alertmanager_url: http://localhost:9093
    push_url: "{{ kuma_push_url }}"

- name: Check an HA pair over TLS with its own CA and basic auth, and require both peers
  watchdog.alertmanager_kuma.heartbeat:
    alertmanager_url: https://alertmanager.example.com
    push_url: "{{ vault_kuma_push_url }}"
    matchers:
      - alertname="Watchdog"
      - severity="none"
    min_peers: 2
    ca_path: /etc/ssl/private-ca.pem
    alertmanager_username: heartbeat
    alertmanager_password: "{{ vault_alertmanager_password }}"

- name: Look without pushing, and fail the play when the pipeline is down
  watchdog.alertmanager_kuma.heartbeat:
    alertmanager_url: http://localhost:9093
    push_url: "{{ kuma_push_url }}"
  check_mode: true
  register: heartbeat
  failed_when: heartbeat.status != 'up'
"""

RETURN = r"""
status:
  description: The verdict pushed (or, in check mode or with O(on_failure=skip), the one that was not).
  returned: always
  type: str
  sample: up
msg:
  description: Why; the message sent to Kuma.
  returned: always
  type: str
  sample: 1 active alert matches alertname="Watchdog" in Alertmanager 0.25.0, cluster disabled, updated 2s ago
ping:
  description: Alertmanager API latency in milliseconds, sent to Kuma as C(ping); null when Alertmanager did not answer.
  returned: always
  type: int
  sample: 4
heartbeat_msg:
  description: The verdict's message, when the push failed (C(msg) then says why the push failed).
  returned: failure
  type: str
  sample: 1 active alert matches alertname="Watchdog" in Alertmanager 0.25.0, cluster disabled, updated 2s ago
pushed:
  description: Whether Kuma took a heartbeat.
  returned: always
  type: bool
  sample: true
push_host:
  description: The host (and port) of the push URL. The token is never returned.
  returned: always
  type: str
  sample: kuma.example.com:3001
attempts:
  description: Push attempts made (0 when nothing was pushed).
  returned: always
  type: int
  sample: 1
alertmanager:
  description: What the Alertmanager said.
  returned: always
  type: dict
  contains:
    reachable:
      description: Whether the Alertmanager answered at all.
      type: bool
      sample: true
    problem:
      description: Why the check could not read the Alertmanager, or null.
      type: str
      sample: null
    version:
      description: Alertmanager's version, from C(/api/v2/status).
      type: str
      sample: 0.25.0
    cluster_status:
      description: C(ready), C(settling) or C(disabled).
      type: str
      sample: disabled
    peers:
      description: Names of the cluster peers.
      type: list
      elements: str
      sample: []
    alerts:
      description: The alerts the matchers selected, in any state.
      type: list
      elements: dict
      sample:
        - labels: {alertname: Watchdog, severity: none}
          state: active
          starts_at: "2026-11-24T21:00:00.123000+00:00"
          updated_at: "2026-11-24T21:17:05.456000+00:00"
          ends_at: "2026-11-24T21:21:05.456000+00:00"
          receivers: [kuma]
    notifications:
      description:
        - Per integration, from Alertmanager's C(/metrics) (empty with O(check_delivery=false)) - C(total) and C(failed)
          notifications, C(failed_since_last) and C(requests_failed_since_last) (null without a baseline to compare
          with), and C(failed_by_reason) (Alertmanager 0.26 and later; empty before).
        - Keyed C(RECEIVER/INTEGRATION) instead when Alertmanager names receivers in its metrics
          (C(--enable-feature=receiver-name-in-metrics), 0.27 and later).
      type: dict
      sample:
        pager/webhook:
          total: 14
          failed: 4
          failed_since_last: 4
          requests_failed_since_last: 9
          failed_by_reason: {other: 4, serverError: 0}
    delivery_judged:
      description: Whether new failures could be judged (a O(state_path) with counters of an earlier run).
      type: bool
      sample: true
    delivery_not_judged_because:
      description: Why delivery was not judged, or null.
      type: str
      sample: no state_path given
    config:
      description: C(reload_ok), C(last_reload) (the last good load) and C(hash) of Alertmanager's configuration.
      type: dict
      sample: {reload_ok: true, last_reload: "2026-11-25T11:55:54.694253+00:00", hash: "276342286353962"}
prometheus:
  description: What Prometheus said; null without O(prometheus_url).
  returned: always
  type: dict
  contains:
    reachable:
      description: Whether Prometheus answered.
      type: bool
      sample: true
    problem:
      description: Why Prometheus could not be read, or null.
      type: str
      sample: null
    alertmanagers:
      description: The Alertmanagers Prometheus sends to.
      type: list
      elements: str
      sample: [http://127.0.0.1:9093/api/v2/alerts]
    sends_to_this_alertmanager:
      description: Whether this Alertmanager is among them.
      type: bool
      sample: true
    watchdog_rule:
      description: The alerting rule named like the heartbeat alert - C(name), C(found), C(health), C(age_seconds).
      type: dict
      sample: {name: Watchdog, found: true, health: ok, age_seconds: 0.4}
    notification_errors:
      description:
        - Prometheus's errors sending to this Alertmanager (its counter), in batches before Prometheus 3.1, in alerts
          from 3.1 on.
      type: float
      sample: 0
    notifications_dropped:
      description:
        - Alerts Prometheus dropped (its counter) - for this Alertmanager from Prometheus 3.10 on, for every
          Alertmanager before; null when Prometheus does not send to this Alertmanager.
      type: float
      sample: 0
    version:
      description: Prometheus's version, from its C(prometheus_build_info); null when not read.
      type: str
      sample: 3.5.3+ds
"""

import contextlib
from urllib.parse import unquote, urlsplit

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._heartbeat import run_heartbeat
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._heartbeat_settings import (
    MUTUALLY_EXCLUSIVE,
    REQUIRED_TOGETHER,
    heartbeat_argument_spec,
    settings_from_options,
)
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._option import SettingsError
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._transport import (
    TransportError,
    UrllibTransport,
)
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._urls import parse_push_url

# Built from the core's one definition of each option, as ansible-core's URL modules share url_argument_spec().
ARGUMENT_SPEC = heartbeat_argument_spec()


def _hide_secrets(module: AnsibleModule) -> None:
    """Mask what no_log does not know: the push token on its own, and a password typed into a URL (refused, but
    echoed in the module's arguments and registered results unless masked)."""
    with contextlib.suppress(SettingsError):
        module.no_log_values.add(parse_push_url(module.params["push_url"]).token)
    for option in ("alertmanager_url", "push_url", "prometheus_url"):
        with contextlib.suppress(ValueError, TypeError):
            password = urlsplit(module.params[option]).password
            if password:
                module.no_log_values.update({password, unquote(password)})


def main() -> None:
    module = AnsibleModule(
        argument_spec=ARGUMENT_SPEC,
        supports_check_mode=True,
        required_together=[list(pair) for pair in REQUIRED_TOGETHER],
        mutually_exclusive=[list(pair) for pair in MUTUALLY_EXCLUSIVE],
    )
    _hide_secrets(module)
    try:
        settings = settings_from_options(module.params)
        transport = UrllibTransport(
            settings.tls, use_proxy=settings.use_proxy, user_agent="ansible-heartbeat", needs_tls=settings.needs_tls()
        )
    except SettingsError as error:
        module.fail_json(msg=f"Invalid option {error}", option=error.option)
    except TransportError as error:
        module.fail_json(msg=error.reason)

    result = run_heartbeat(settings, transport, send=not module.check_mode)
    outcome = result.as_dict()
    if result.push_error:
        outcome["heartbeat_msg"] = outcome["msg"]
        outcome["msg"] = result.push_error
        module.fail_json(**outcome)
    module.exit_json(changed=result.pushed or (module.check_mode and result.would_push), **outcome)


if __name__ == "__main__":
    main()
