"""push_monitor binds the notifications that page and places monitors in groups, on every Kuma version the lab has:
what Kuma stored is read back from its own database, and a page is what the real Kuma delivered to a recorder."""

from __future__ import annotations

import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._push_token import derive_push_token

from lab import HeartbeatStatus, Kuma
from lab.ansible import Run, adhoc
from lab.pager import Pager, kuma_pager

PUSH_MONITOR = "watchdog.alertmanager_kuma.push_monitor"
SECRET = "notifications-secret-for-tests-0123"


def _push_monitor(kuma: Kuma, *extra: str, **args: Any) -> Run:
    """The module run as a user runs it, at -vvv; neither the password, a token of the names nor Kuma 3's session
    cookie is ever printed."""
    run = adhoc(
        {"kuma_url": kuma.url, "kuma_username": kuma.username, "kuma_password": kuma.password, **args},
        *extra,
        module=PUSH_MONITOR,
    )
    names = [args["name"]] if "name" in args else [entry["name"] for entry in args.get("monitors", [])]
    leaked = [
        secret for secret in (kuma.password, *(derive_push_token(n, SECRET) for n in names)) if secret in run.output
    ]
    assert not leaked, "the output holds the password or a push token"
    assert "session_token" not in run.output, "the output holds Kuma 3's session cookie"
    return run


def _tokened(name: str) -> dict[str, str]:
    return {"name": name, "push_token": derive_push_token(name, SECRET)}


def _push(kuma: Kuma, name: str, status: str, msg: str) -> None:
    query = urllib.parse.urlencode({"status": status, "msg": msg})
    with urllib.request.urlopen(f"{kuma.url}/api/push/{derive_push_token(name, SECRET)}?{query}", timeout=10) as answer:
        assert answer.status == 200


@pytest.fixture
def default_pager(any_kuma: Kuma) -> Iterator[Pager]:
    """A notification marked "Default enabled", deleted after the test: other tests see a Kuma with no default."""
    with kuma_pager(any_kuma, "default pager", default=True) as made:
        yield made


def test_a_monitor_is_bound_to_the_notification_named_and_its_down_pages_it(any_kuma: Kuma, pager: Pager) -> None:
    name = f"pages-{any_kuma.version}/named"
    created = _push_monitor(any_kuma, name=name, notifications=[pager.name], push_token=_tokened(name)["push_token"])
    assert created.returncode == 0, created.output[-3000:]
    assert created.result()["monitor"]["notifications"] == [pager.name]
    monitor_id = created.result()["monitor"]["id"]
    assert any_kuma.notification_bindings(monitor_id) == {pager.id}

    _push(any_kuma, name, "up", "OK")
    _push(any_kuma, name, "down", "Alertmanager unreachable: connection refused")
    page = pager.wait_for_page(name, HeartbeatStatus.DOWN, "Alertmanager unreachable: connection refused")
    assert page.body["msg"].startswith(f"[{name}] [")
    sent = b"".join(page.raw for page in pager.pages()).decode()
    assert derive_push_token(name, SECRET) not in sent, "a page holds a push token"
    assert any_kuma.password not in sent


def test_without_notifications_a_new_monitor_gets_kumas_default_ones_and_a_rerun_changes_nothing(
    any_kuma: Kuma, pager: Pager, default_pager: Pager
) -> None:
    name = f"pages-{any_kuma.version}/default"
    created = _push_monitor(any_kuma, **_tokened(name))
    assert created.returncode == 0, created.output[-3000:]
    monitor_id = created.result()["monitor"]["id"]
    assert any_kuma.notification_bindings(monitor_id) == {default_pager.id}

    rerun = _push_monitor(any_kuma, **_tokened(name))
    assert (rerun.returncode, rerun.result()["changed"]) == (0, False), rerun.output[-3000:]


def test_a_changed_set_of_notifications_is_a_change_whose_diff_names_them(any_kuma: Kuma, pager: Pager) -> None:
    name = f"pages-{any_kuma.version}/changed"
    with kuma_pager(any_kuma, "second pager") as second:
        assert _push_monitor(any_kuma, **_tokened(name), notifications=[pager.name]).returncode == 0
        changed = _push_monitor(any_kuma, "--diff", **_tokened(name), notifications=[pager.name, second.name])
        assert changed.returncode == 0, changed.output[-3000:]
        assert (changed.result()["changed"], changed.result()["monitor"]["action"]) == (True, "update")
        assert f'+        "{second.name}"' in changed.stdout, changed.stdout[-3000:]
        monitor_id = changed.result()["monitor"]["id"]
        assert any_kuma.notification_bindings(monitor_id) == {pager.id, second.id}

        again = _push_monitor(any_kuma, **_tokened(name), notifications=[second.name, pager.name])
        assert again.result()["changed"] is False


def test_an_unknown_notification_is_refused_with_the_names_kuma_has_and_nothing_is_created(
    any_kuma: Kuma, pager: Pager
) -> None:
    first, second = (f"pages-{any_kuma.version}/unknown-{number}" for number in (1, 2))
    refused = _push_monitor(
        any_kuma,
        notifications=[pager.name],
        monitors=[_tokened(first), {**_tokened(second), "notifications": ["pagerduty"]}],
    )
    assert refused.returncode != 0
    assert refused.result()["msg"] == (
        f"monitors[1].notifications[0]: Kuma has no notification named pagerduty; the names it has: {pager.name}"
    )
    assert (any_kuma.monitor_named(first), any_kuma.monitor_named(second)) == (None, None)


def test_a_monitor_that_would_page_nobody_is_refused_unless_asked_for_on_purpose(any_kuma: Kuma, pager: Pager) -> None:
    name = f"pages-{any_kuma.version}/nobody"
    refused = _push_monitor(any_kuma, **_tokened(name))
    assert refused.returncode != 0
    assert refused.result()["msg"].startswith(
        f"notifications: {name} would page nobody: Kuma has no default notification (marked Default enabled);"
    )
    assert pager.name in refused.result()["msg"]
    assert any_kuma.monitor_named(name) is None

    on_purpose = _push_monitor(any_kuma, **_tokened(name), notifications=[])
    assert on_purpose.returncode == 0, on_purpose.output[-3000:]
    assert any_kuma.notification_bindings(on_purpose.result()["monitor"]["id"]) == set()

    # Made so by 1.0.0 or by hand: a monitor that pages nobody is refused until it is given a notification.
    kept = _push_monitor(any_kuma, **_tokened(name))
    assert kept.returncode != 0
    assert kept.result()["msg"].startswith(f"notifications: {name} pages nobody: no notification is bound to it")


def test_a_group_is_created_once_and_reused_and_its_members_sit_in_it(any_kuma: Kuma, pager: Pager) -> None:
    group = f"fleet {any_kuma.version}"
    names = [f"pages-{any_kuma.version}/grouped-{number}" for number in range(3)]
    created = _push_monitor(
        any_kuma, "--diff", notifications=[pager.name], group=group, monitors=[_tokened(n) for n in names[:2]]
    )
    assert created.returncode == 0, created.output[-3000:]
    assert created.result()["groups_created"] == [group]
    groups = [monitor for monitor in any_kuma.monitors() if monitor["name"] == group]
    assert [monitor["type"] for monitor in groups] == ["group"]
    assert [any_kuma.monitor_named(name)["parent"] for name in names[:2]] == [groups[0]["id"]] * 2  # type: ignore[index]

    rerun = _push_monitor(any_kuma, notifications=[pager.name], group=group, monitors=[_tokened(n) for n in names[:2]])
    assert (rerun.result()["changed"], rerun.result()["groups_created"]) == (False, [])

    joined = _push_monitor(any_kuma, notifications=[pager.name], group=group, **_tokened(names[2]))
    assert (joined.returncode, joined.result()["groups_created"]) == (0, []), joined.output[-3000:]
    assert any_kuma.monitor_named(names[2])["parent"] == groups[0]["id"]  # type: ignore[index]
    assert [monitor["name"] for monitor in any_kuma.monitors()].count(group) == 1
