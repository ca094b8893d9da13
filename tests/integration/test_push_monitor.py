"""The push_monitor module against the real Uptime Kuma in the versions users run and the next: 1.23.17, 2.0.0-dev.0
(from npm), 2.5.3 and 3.0.0-beta.0 (the others than 2.0.0-dev.0 built from ../shared/kuma by the lab, skipped where
that is absent)."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._push_token import derive_push_token

from lab import Alertmanager, HeartbeatStatus, Kuma, pushed
from lab.ansible import Run, adhoc
from lab.pager import Pager
from lab.ports import free_port

PUSH_MONITOR = "watchdog.alertmanager_kuma.push_monitor"
SECRET = "onboarding-secret-for-tests-0123"
UP, DOWN = HeartbeatStatus.UP, HeartbeatStatus.DOWN


def _login(kuma: Kuma) -> dict[str, Any]:
    return {"kuma_url": kuma.url, "kuma_username": kuma.username, "kuma_password": kuma.password}


def _push_monitor(kuma: Kuma, *extra: str, **args: Any) -> Run:
    run = adhoc({**_login(kuma), **args}, *extra, module=PUSH_MONITOR)
    # Kuma 3's session cookie is better-auth.session_token=...: never in the -vvv output.
    assert kuma.password not in run.output and "session_token" not in run.output
    return run


def _push_answer(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def test_a_created_monitor_stores_the_heartbeat_modules_up_and_down_and_reruns_change_nothing(
    any_kuma: Kuma, alertmanager: Alertmanager, pager: Pager
) -> None:
    name = f"am-{any_kuma.version}/watchdog"
    token = derive_push_token(name, SECRET)
    created = _push_monitor(any_kuma, name=name, interval=60, push_token=token, notifications=[pager.name])
    assert created.returncode == 0, created.output
    result = created.result()
    assert (result["changed"], result["monitor"]["action"]) == (True, "create")
    assert result["monitor"]["push_url"] == f"{any_kuma.url}/api/push/********"
    assert token not in created.output
    stored = any_kuma.monitor_named(name)
    assert (stored["id"], stored["pushToken"], stored["type"], stored["maxretries"]) == (
        result["monitor"]["id"],
        token,
        "push",
        0,
    )

    push_url = f"{any_kuma.url}/api/push/{token}"
    up = adhoc({"alertmanager_url": alertmanager.url, "push_url": push_url})
    assert up.returncode == 0, up.output
    any_kuma.wait_for_heartbeat(stored["id"], pushed(UP))
    down = adhoc({"alertmanager_url": alertmanager.url, "push_url": push_url, "matchers": ['alertname="NoSuchAlert"']})
    any_kuma.wait_for_heartbeat(stored["id"], pushed(DOWN))
    assert token not in up.output + down.output

    rerun = _push_monitor(any_kuma, name=name, interval=60, push_token=token, notifications=[pager.name])
    assert rerun.returncode == 0, rerun.output
    assert (rerun.result()["changed"], rerun.result()["monitor"]["action"]) == (False, "none")


def test_a_changed_interval_is_changed_with_a_diff_that_shows_no_token(any_kuma: Kuma, pager: Pager) -> None:
    name = f"am-{any_kuma.version}/interval"
    token = derive_push_token(name, SECRET)
    assert _push_monitor(any_kuma, name=name, interval=60, push_token=token, notifications=[pager.name]).returncode == 0
    checked = _push_monitor(any_kuma, "--check", "--diff", name=name, interval=120, push_token=token)
    assert checked.result()["changed"] is True
    assert any_kuma.monitor_named(name)["interval"] == 60, "check mode changed Kuma"
    changed = _push_monitor(any_kuma, "--diff", name=name, interval=120, push_token=token)
    assert changed.returncode == 0, changed.output
    assert changed.result()["monitor"]["action"] == "update"
    assert '-    "interval": 60,' in changed.stdout and '+    "interval": 120,' in changed.stdout
    assert token not in changed.output
    assert any_kuma.monitor_named(name)["interval"] == 120


def test_twenty_monitors_are_created_in_one_task_with_one_login(any_kuma: Kuma, pager: Pager) -> None:
    names = [f"fleet-{any_kuma.version}/host-{number}/watchdog" for number in range(20)]
    logins_before = any_kuma.logins()
    created = _push_monitor(
        any_kuma,
        interval=120,
        notifications=[pager.name],
        monitors=[{"name": name, "push_token": derive_push_token(name, SECRET)} for name in names],
    )
    assert created.returncode == 0, created.output
    assert [monitor["action"] for monitor in created.result()["monitors"]] == ["create"] * 20
    assert any_kuma.logins() - logins_before == 1
    stored = {monitor["name"]: monitor["pushToken"] for monitor in any_kuma.monitors()}
    assert all(stored[name] == derive_push_token(name, SECRET) for name in names)


def test_a_deleted_monitors_push_url_is_refused_by_kuma(any_kuma: Kuma, pager: Pager) -> None:
    name = f"am-{any_kuma.version}/retired"
    token = derive_push_token(name, SECRET)
    assert _push_monitor(any_kuma, name=name, push_token=token, notifications=[pager.name]).returncode == 0
    push_url = f"{any_kuma.url}/api/push/{token}?status=up&msg=OK"
    assert _push_answer(push_url) == 200
    deleted = _push_monitor(any_kuma, name=name, state="absent")
    assert deleted.returncode == 0, deleted.output
    assert deleted.result()["monitor"]["action"] == "delete"
    assert name not in {monitor["name"] for monitor in any_kuma.monitors()}
    assert _push_answer(push_url) == 404
    again = _push_monitor(any_kuma, name=name, state="absent")
    assert again.result()["changed"] is False


def test_a_wrong_password_fails_with_a_message_a_person_acts_on(any_kuma: Kuma) -> None:
    wrong = "Wrong-password-42"
    run = adhoc({**_login(any_kuma), "kuma_password": wrong, "name": "never"}, module=PUSH_MONITOR)
    assert run.returncode != 0
    assert run.result()["msg"] == f"Kuma refused the login of {any_kuma.username}: Incorrect username or password."
    assert wrong not in run.output and "Traceback" not in run.output


def test_a_stopped_kuma_fails_with_a_message_naming_it(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    run = adhoc(
        {"kuma_url": url, "kuma_username": "admin", "kuma_password": "Secret-pw-1", "name": "x"}, module=PUSH_MONITOR
    )
    assert run.returncode != 0
    assert run.result()["msg"] == f"cannot connect to Kuma at {url}: connection refused"
    assert "Secret-pw-1" not in run.output and "Traceback" not in run.output


def test_a_pushed_down_with_retries_left_is_pending_on_2_5_and_down_at_once_elsewhere(any_kuma: Kuma) -> None:
    # The PENDING point: only 2.x from 2.0.0-beta.0 waits out the retries on an explicit status=down; Kuma 3
    # stores it DOWN at once (an explicit down skips the retries), as 1.23.17 and 2.0.0-dev.0 do.
    name = f"am-{any_kuma.version}/retries"
    token = derive_push_token(name, SECRET)
    created = _push_monitor(any_kuma, name=name, interval=60, retries=1, push_token=token, notifications=[])
    assert created.returncode == 0, created.output
    monitor_id = created.result()["monitor"]["id"]
    push_url = f"{any_kuma.url}/api/push/{token}"
    assert _push_answer(f"{push_url}?status=up&msg=OK") == 200
    up = any_kuma.wait_for_heartbeat(monitor_id, pushed(UP))
    assert _push_answer(f"{push_url}?status=down&msg=gone") == 200
    first_down = any_kuma.wait_for_heartbeat(monitor_id, pushed(msg="gone"), after_id=up.id)
    expected = HeartbeatStatus.PENDING if any_kuma.version == "2.5.3" else DOWN
    assert first_down.status == expected
