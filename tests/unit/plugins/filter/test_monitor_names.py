"""monitor_names: the monitors a maintenance window covers are exactly the ones onboarding made and check audits."""

from __future__ import annotations

from ansible_collections.watchdog.alertmanager_kuma.plugins.filter.monitor_names import monitor_names
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._onboarding import onboarded_checks


def test_onboarded_checks_are_named_as_onboarding_names_their_monitors() -> None:
    checks = [{"name": "main", "alertmanager_url": "http://127.0.0.1:9093"}, {"name": "second"}]

    made = onboarded_checks(checks, "am1", "http://kuma.example", "s3cret-seed-value-long-enough")["monitors"]

    assert monitor_names(checks, "am1") == [monitor["name"] for monitor in made] == ["am1/main", "am1/second"]


def test_absent_checks_and_hand_made_push_urls_without_kuma_monitor_name_nothing() -> None:
    checks = [
        {"name": "gone", "state": "absent"},
        {"name": "manual", "push_url": "https://kuma.example/api/push/x"},
        {"name": "named", "push_url": "https://kuma.example/api/push/y", "kuma_monitor": "am1 by hand"},
        "not a check",
    ]

    assert monitor_names(checks, "am1") == ["am1 by hand"]


def test_no_checks_name_no_monitor() -> None:
    assert monitor_names(None, "am1") == []
