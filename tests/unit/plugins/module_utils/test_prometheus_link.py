"""The Prometheus link judged from what its API says: the rule's health and age, errors sending to Alertmanager."""

from __future__ import annotations

from typing import Any

from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._prometheus import (
    kept_by_prometheus,
    observe_prometheus,
    prometheus_problems,
)
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._state import KEPT_NOTHING, KeptCounters
from ansible_collections.watchdog.alertmanager_kuma.tests.unit.plugins.module_utils.stubs import (
    ALERTMANAGER_URL,
    StubTransport,
    make_settings,
    response,
)

PROMETHEUS = "http://127.0.0.1:9090"
SENDS_TO = f"{ALERTMANAGER_URL}/api/v2/alerts"


def _prometheus(
    rule: dict[str, Any] | None = None,
    errors: float = 0,
    interval: float = 1,
    rules: list[dict[str, Any]] | None = None,
) -> StubTransport:
    rules = rules if rules is not None else [rule] if rule else []
    return StubTransport(
        {
            "/api/v1/alertmanagers": [
                response(document={"status": "success", "data": {"activeAlertmanagers": [{"url": SENDS_TO}]}})
            ],
            "/api/v1/rules": [
                response(
                    document={"data": {"groups": [{"name": "meta", "interval": interval, "rules": rules}]}},
                    headers={"date": "Wed, 25 Nov 2026 12:00:00 GMT"},
                )
            ],
            "/metrics": [
                response(
                    body=(
                        f'prometheus_build_info{{version="2.42.0"}} 1\n'
                        f'prometheus_notifications_errors_total{{alertmanager="{SENDS_TO}"}} {errors}\n'
                    ).encode()
                )
            ],
        }
    )


def _rule(**fields: Any) -> dict[str, Any]:
    return {"type": "alerting", "name": "Watchdog", "health": "ok", "lastEvaluation": "2026-11-25T11:59:59Z", **fields}


def test_a_healthy_rule_evaluated_in_time_is_no_problem() -> None:
    observed = observe_prometheus(make_settings(prometheus_url=PROMETHEUS), _prometheus(_rule()))

    assert observed is not None and observed.this_alertmanager == SENDS_TO
    assert prometheus_problems(observed, KEPT_NOTHING) == []


def test_the_rule_is_asked_for_by_name() -> None:
    transport = _prometheus(_rule())

    observe_prometheus(make_settings(prometheus_url=PROMETHEUS), transport)

    (asked,) = transport.to("/api/v1/rules")
    assert asked.query == {"type": ["alert"], "rule_name[]": ["Watchdog"]}


def test_an_unhealthy_rule_is_a_problem_with_prometheus_own_error() -> None:
    observed = observe_prometheus(
        make_settings(prometheus_url=PROMETHEUS), _prometheus(_rule(health="err", lastError="vector(1 bad"))
    )

    assert prometheus_problems(observed, KEPT_NOTHING) == ["Watchdog rule unhealthy (err): vector(1 bad"]


def test_a_rule_not_evaluated_for_twice_its_interval_is_a_problem() -> None:
    observed = observe_prometheus(
        make_settings(prometheus_url=PROMETHEUS),
        _prometheus(_rule(lastEvaluation="2026-11-25T11:54:48Z"), interval=60),
    )

    assert prometheus_problems(observed, KEPT_NOTHING) == [
        "Watchdog rule not evaluated for 312 s (its group runs every 60 s)"
    ]


def test_errors_sending_to_this_alertmanager_since_the_last_run_are_a_problem() -> None:
    settings = make_settings(prometheus_url=PROMETHEUS)
    before = KeptCounters(**kept_by_prometheus(observe_prometheus(settings, _prometheus(_rule(), errors=2))))

    after = observe_prometheus(settings, _prometheus(_rule(), errors=5))

    assert prometheus_problems(after, before) == ["Prometheus failed 3 sends to this Alertmanager since the last check"]


def test_the_address_prometheus_uses_may_differ_from_alertmanager_url() -> None:
    settings = make_settings(
        prometheus_url=PROMETHEUS,
        alertmanager_url="https://alertmanager.example.com",
        prometheus_alertmanager_url=ALERTMANAGER_URL,
    )

    assert observe_prometheus(settings, _prometheus(_rule())).this_alertmanager == SENDS_TO


def test_a_prometheus_that_ignores_rule_name_and_answers_thousands_of_rules_still_finds_the_watchdog() -> None:
    # Debian 12's Prometheus 2.42 ignores rule_name[]: every alerting rule comes back, here 6,000 (over 1 MiB).
    others = [
        _rule(name=f"Rule{number}", query=f'up{{job="job-{number}"}} == 0', labels={"severity": "page"}, alerts=[])
        for number in range(6_000)
    ]
    watchdog = _rule(query="vector(1)")
    transport = _prometheus()
    document = {
        "data": {"groups": [{"name": "many", "interval": 1, "rules": [*others[:3000], watchdog, *others[3000:]]}]}
    }
    transport._script["/api/v1/rules"] = [
        response(document=document, headers={"date": "Wed, 25 Nov 2026 12:00:00 GMT"})
    ]
    assert len(transport._script["/api/v1/rules"][0].body) > 1024 * 1024

    observed = observe_prometheus(make_settings(prometheus_url=PROMETHEUS), transport)

    assert observed is not None and observed.rule is not None
    assert (observed.rule.found, observed.rule.health) == (True, "ok")
    assert prometheus_problems(observed, KEPT_NOTHING) == []
