"""Every link of the pipeline is judged each run: delivery since the last run, the config reload, the routing."""

from __future__ import annotations

import json
from pathlib import Path

from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._heartbeat import run_heartbeat
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._metrics import read_families
from ansible_collections.watchdog.alertmanager_kuma.tests.payloads import am_alert, am_metrics
from ansible_collections.watchdog.alertmanager_kuma.tests.unit.plugins.module_utils.stubs import (
    TOKEN,
    StubTransport,
    alertmanager_script,
    kuma_script,
    make_settings,
    response,
)

AM_URL = "http://127.0.0.1:9093"


def _run(
    state: Path | None, metrics: str, alert: dict | None = None, now: float = 1000.0, send: bool = True, **options
):
    script = {**alertmanager_script([alert or am_alert()]), **kuma_script()}
    script["/metrics"] = [response(body=metrics.encode())]
    settings = make_settings(state_path=str(state) if state else None, **options)
    return run_heartbeat(settings, StubTransport(script), send=send, wait=lambda _s: None, now=lambda: now)


def test_notifications_that_failed_since_the_last_run_turn_the_heartbeat_down(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    first = _run(state, am_metrics({"webhook": (10, 0)}), now=1000.0)
    second = _run(state, am_metrics({"webhook": (14, 4)}), now=1060.0)

    assert (first.verdict.status, first.as_dict()["alertmanager"]["delivery_judged"]) == ("up", False)
    assert second.verdict.status == "down"
    assert second.verdict.msg == (
        "Alertmanager cannot deliver notifications: 4 of 4 webhook notifications failed since the last check (60 s ago)"
    )
    assert second.as_dict()["alertmanager"]["notifications"]["webhook"] == {
        "total": 14,
        "failed": 4,
        "failed_since_last": 4,
        "requests_failed_since_last": None,
        "failed_by_reason": {},
    }


def test_delivery_working_again_turns_the_heartbeat_up(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    _run(state, am_metrics({"webhook": (10, 4)}))

    again = _run(state, am_metrics({"webhook": (12, 4)}), now=1060.0)

    assert again.verdict.status == "up"
    assert again.as_dict()["alertmanager"]["delivery_judged"] is True


def test_a_counter_that_went_down_is_a_new_baseline_not_a_failure(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    _run(state, am_metrics({"webhook": (100, 50)}))

    restarted = _run(state, am_metrics({"webhook": (2, 1)}), now=1060.0)

    assert restarted.verdict.status == "up"
    assert restarted.as_dict()["alertmanager"]["notifications"]["webhook"]["failed_since_last"] is None


def test_ignored_integrations_do_not_count(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    _run(state, am_metrics({"email": (0, 0)}), ignore_integrations=["email"])

    ignored = _run(state, am_metrics({"email": (3, 3)}), now=1060.0, ignore_integrations=["email"])

    assert ignored.verdict.status == "up"


def test_without_state_path_the_counters_are_returned_but_not_judged() -> None:
    result = _run(None, am_metrics({"webhook": (5, 5)}))

    summary = result.as_dict()["alertmanager"]
    assert result.verdict.status == "up"
    assert (summary["delivery_judged"], summary["delivery_not_judged_because"]) == (False, "no state_path given")
    assert summary["notifications"]["webhook"]["failed"] == 5


def test_check_mode_keeps_no_state(tmp_path: Path) -> None:
    state = tmp_path / "state.json"

    _run(state, am_metrics(), send=False)

    assert not state.exists()


def test_the_state_file_is_owner_only_and_holds_no_secret(tmp_path: Path) -> None:
    state = tmp_path / "state.json"

    _run(state, am_metrics({"webhook": (1, 0)}))

    assert state.stat().st_mode & 0o777 == 0o600
    assert TOKEN not in state.read_text()
    assert json.loads(state.read_text())["notifications"] == {"webhook": [1.0, 0.0]}


def test_a_corrupt_state_file_is_left_alone_and_the_run_is_down_saying_to_remove_it(tmp_path: Path) -> None:
    # Not recognisably this heartbeat's: it may be any file of the user's, so it is neither read nor replaced.
    state = tmp_path / "state.json"
    state.write_text("{not json" + "[" * 5000)

    result = _run(state, am_metrics({"webhook": (9, 9)}))

    summary = result.as_dict()["alertmanager"]
    refusal = (
        "state_path holds a file this heartbeat did not write (remove it to start counting again); it is left alone"
    )
    assert (result.verdict.status, result.verdict.msg) == ("down", refusal)
    assert summary["delivery_not_judged_because"] == refusal
    assert state.read_text() == "{not json" + "[" * 5000


def test_a_state_file_that_cannot_be_written_is_down_with_why(tmp_path: Path) -> None:
    result = _run(tmp_path / "missing-dir" / "state.json", am_metrics())

    assert result.verdict.status == "down"
    assert result.verdict.msg == "state_path unwritable: no such file or directory"
    assert result.pushed


def test_a_failed_config_reload_is_down_naming_the_last_good_load() -> None:
    result = _run(None, am_metrics(reload_ok=False, reloaded_at=1_700_000_000))

    assert result.verdict.status == "down"
    assert result.verdict.msg == (
        "Alertmanager config reload failed (last good load at 2023-11-14T22:13:20+00:00);"
        " it runs the previous configuration"
    )
    assert result.as_dict()["alertmanager"]["config"]["reload_ok"] is False


def test_a_watchdog_routed_elsewhere_is_down_naming_both_receivers() -> None:
    alert = {**am_alert(), "receivers": [{"name": "default"}]}

    result = _run(None, am_metrics(), alert=alert, receiver="kuma")

    assert result.verdict.msg == "Watchdog routed to [default], not kuma"
    assert (
        _run(None, am_metrics(), alert={**alert, "receivers": [{"name": "kuma"}]}, receiver="kuma").verdict.status
        == "up"
    )


def test_several_broken_links_are_named_most_upstream_first(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    alert = {**am_alert(), "receivers": [{"name": "default"}]}
    _run(state, am_metrics({"webhook": (0, 0)}), alert=alert, receiver="kuma")

    result = _run(state, am_metrics({"webhook": (1, 1)}, reload_ok=False), alert=alert, receiver="kuma", now=1010.0)

    routed, reload, delivery = result.verdict.msg.split(" | ")
    assert routed.startswith("Watchdog routed to [default]")
    assert reload.startswith("Alertmanager config reload failed")
    assert delivery.startswith("Alertmanager cannot deliver notifications: 1 of 1 webhook")


def test_a_silenced_watchdog_names_the_silence() -> None:
    silence_id = "3f2c1a9e-0000-4000-8000-000000000001"
    script = {
        **alertmanager_script([am_alert(state="suppressed", silenced_by=[silence_id])]),
        **kuma_script(),
        f"/api/v2/silence/{silence_id}": [
            response(
                document={
                    "id": silence_id,
                    "createdBy": "alice",
                    "comment": "maintenance window",
                    "endsAt": "2026-11-25T13:00:00.000Z",
                }
            )
        ],
    }

    result = run_heartbeat(make_settings(), StubTransport(script), wait=lambda _s: None)

    assert result.verdict.msg == (
        'no active alert matches alertname="Watchdog": 1 found suppressed'
        ' (silenced by alice until 2026-11-25 13:00Z "maintenance window" (silence 3f2c1a9e))'
    )


def test_only_the_named_metric_families_are_read_and_garbage_lines_are_passed_over() -> None:
    text = am_metrics({"webhook": (3, 1)}).encode() + b"alertmanager_notifications_total{broken\nx 1\n" * 1000

    families = read_families(text, ["alertmanager_notifications_total", "alertmanager_config_hash"])

    assert set(families) == {"alertmanager_notifications_total", "alertmanager_config_hash"}
    assert families["alertmanager_notifications_total"] == [({"integration": "webhook"}, 3.0)]


def test_every_request_failing_retries_included_turns_the_heartbeat_down_before_alertmanager_gives_up(
    tmp_path: Path,
) -> None:
    state = tmp_path / "state.json"
    _run(state, am_metrics({"webhook": (10, 0)}, requests={"webhook": (10, 0)}), now=1000.0)
    failing = _run(state, am_metrics({"webhook": (10, 0)}, requests={"webhook": (13, 3)}), now=1010.0)

    assert failing.verdict.status == "down"
    assert failing.verdict.msg == (
        "Alertmanager cannot deliver notifications: 3 of 3 webhook requests (retries included) failed since the last"
        " check (10 s ago)"
    )
    assert failing.as_dict()["alertmanager"]["notifications"]["webhook"]["requests_failed_since_last"] == 3


def test_a_failed_request_that_a_retry_made_good_is_not_a_delivery_failure(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    _run(state, am_metrics({"webhook": (10, 0)}, requests={"webhook": (10, 0)}), now=1000.0)
    retried = _run(state, am_metrics({"webhook": (11, 0)}, requests={"webhook": (12, 1)}), now=1010.0)
    single = _run(state, am_metrics({"webhook": (11, 0)}, requests={"webhook": (13, 2)}), now=1020.0)

    assert (retried.verdict.status, single.verdict.status) == ("up", "up")
