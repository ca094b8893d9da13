"""The status_page module against the real Uptime Kuma in the three versions users run: 1.23.17, 2.0.0-dev.0 (from
npm) and 2.5.3 (the last two built from ../shared/kuma by the lab, skipped where that is absent).

Kuma allows about 20 logins a minute, server-wide, and each module run is one: each test runs the module a few times.
"""

from __future__ import annotations

import urllib.request
from typing import Any

import requests

from lab import HeartbeatStatus, Kuma, pushed
from lab.ansible import Run, adhoc

STATUS_PAGE = "watchdog.alertmanager_kuma.status_page"


def _status_page(kuma: Kuma, *extra: str, **args: Any) -> Run:
    """One module run, with -vvv (adhoc's default): the password must appear nowhere in what it prints."""
    login = {"kuma_url": kuma.url, "kuma_username": kuma.username, "kuma_password": kuma.password}
    run = adhoc({**login, **args}, *extra, module=STATUS_PAGE)
    assert kuma.password not in run.output
    assert "Traceback" not in run.output
    return run


def _sections(kuma: Kuma, slug: str) -> list[tuple[str, list[str]]]:
    """The sections of the page's public JSON, each with its monitors' names, in Kuma's order."""
    groups = kuma.status_page_json(slug)["publicGroupList"]
    return [(group["name"], [monitor["name"] for monitor in group["monitorList"]]) for group in groups]


def _slugs(kuma: Kuma) -> set[str]:
    return {row[0] for row in kuma.query("SELECT slug FROM status_page")}


def _make_page(kuma: Kuma, slug: str, title: str, monitor_ids: list[int]) -> None:
    """A page with one section, Main, made as Kuma's web page makes it, through the lab's session (no login)."""
    kuma.api.request("create a page", "addStatusPage", title, slug)
    config = kuma.api.request("read the page", "getStatusPage", slug)["config"]
    sections = [{"name": "Main", "monitorList": [{"id": monitor_id} for monitor_id in monitor_ids]}]
    kuma.api.request("fill the page", "saveStatusPage", slug, {**config, "analyticsType": None}, "", sections)


def _diff_lines(run: Run, sign: str) -> list[str]:
    return [line[1:].strip() for line in run.stdout.splitlines() if line.startswith(sign)]


def test_a_created_page_lists_exactly_its_monitors_with_their_heartbeats_and_a_rerun_changes_nothing(
    any_kuma: Kuma,
) -> None:
    group = any_kuma.create_group("status group")
    member_b = any_kuma.create_push_monitor("status member b", parent=group)
    member_a = any_kuma.create_push_monitor("status member a", parent=group)
    pushed_one = any_kuma.create_push_monitor("status pushed")
    quiet = any_kuma.create_push_monitor("status quiet")
    with urllib.request.urlopen(f"{pushed_one.push_url}?status=up&msg=OK", timeout=10) as answer:
        assert answer.status == 200
    any_kuma.wait_for_heartbeat(pushed_one.id, pushed(HeartbeatStatus.UP))
    asked = {
        "slug": "fleet",
        "title": "The fleet",
        "description": "Every dead man's switch",
        "sections": [
            {"name": "Singles", "monitors": [quiet.name, pushed_one.name]},
            {"name": "Grouped", "group": "status group"},
        ],
    }

    created = _status_page(any_kuma, **asked)
    assert created.returncode == 0, created.output
    result = created.result()
    assert (result["changed"], result["action"], result["path"]) == (True, "create", "/status/fleet")
    assert result["url"] == f"{any_kuma.url}/status/fleet"
    assert result["sections"] == [
        {"name": "Singles", "monitors": [quiet.name, pushed_one.name]},
        {"name": "Grouped", "monitors": [member_a.name, member_b.name]},
    ]
    assert _sections(any_kuma, "fleet") == [
        ("Singles", [quiet.name, pushed_one.name]),
        ("Grouped", [member_a.name, member_b.name]),
    ]
    page = any_kuma.status_page_json("fleet")["config"]
    assert (page["title"], page["description"]) == ("The fleet", "Every dead man's switch")
    beats = any_kuma.status_page_heartbeats("fleet")["heartbeatList"]
    assert set(beats) == {str(monitor.id) for monitor in (quiet, pushed_one, member_a, member_b)}
    assert HeartbeatStatus.UP in [beat["status"] for beat in beats[str(pushed_one.id)]]

    rerun = _status_page(any_kuma, **asked)
    assert rerun.returncode == 0, rerun.output
    assert (rerun.result()["changed"], rerun.result()["action"]) == (False, "none")


def test_a_change_shows_its_diff_check_mode_changes_nothing_and_absent_deletes_the_page(any_kuma: Kuma) -> None:
    first = any_kuma.create_push_monitor("diff first")
    second = any_kuma.create_push_monitor("diff second")
    before = {"slug": "team-a", "title": "Team A", "sections": [{"name": "Main", "monitors": [first.name]}]}
    assert _status_page(any_kuma, **before).returncode == 0
    after = {
        **before,
        "title": "Team A renamed",
        "sections": [{"name": "Main", "monitors": [second.name, first.name]}, {"name": "Spare", "monitors": []}],
    }

    checked = _status_page(any_kuma, "--check", "--diff", **after)
    assert checked.returncode == 0, checked.output
    assert (checked.result()["changed"], checked.result()["action"]) == (True, "update")
    assert _sections(any_kuma, "team-a") == [("Main", [first.name])], "check mode changed Kuma"

    changed = _status_page(any_kuma, "--diff", **after)
    assert changed.returncode == 0, changed.output
    assert '"title": "Team A"' in _diff_lines(changed, "-")
    assert '"title": "Team A renamed"' in _diff_lines(changed, "+")
    assert f'"{second.name}",' in _diff_lines(changed, "+")
    assert _sections(any_kuma, "team-a") == [("Main", [second.name, first.name]), ("Spare", [])]
    assert any_kuma.status_page_json("team-a")["config"]["title"] == "Team A renamed"

    deleted = _status_page(any_kuma, slug="team-a", state="absent")
    assert (deleted.returncode, deleted.result()["action"]) == (0, "delete"), deleted.output
    assert "team-a" not in _slugs(any_kuma)
    again = _status_page(any_kuma, slug="team-a", state="absent")
    assert (again.returncode, again.result()["changed"]) == (0, False), again.output


def test_what_kuma_lacks_or_cannot_hold_is_refused_by_name_and_nothing_changes(any_kuma: Kuma) -> None:
    kept = any_kuma.create_push_monitor("refusal kept")
    _make_page(any_kuma, "kept", "Kept", [kept.id])
    refusals = {
        "sections[1].monitors[0]: Kuma has no monitor named nope; the monitors it has: ": [
            {"name": "Main", "monitors": [kept.name]},
            {"name": "Other", "monitors": ["nope"]},
        ],
        "sections[0].group: Kuma has no group named no group; the groups it has: ": [
            {"name": "Main", "group": "no group"}
        ],
        "sections[1].name: Main is the name of two sections (also sections[0].name)": [
            {"name": "Main", "monitors": []},
            {"name": "Main", "monitors": []},
        ],
        "sections[0]: give either monitors (a list of names) or group, not both and not neither": [
            {"name": "Main", "monitors": [kept.name], "group": "status group"}
        ],
    }
    for message, sections in refusals.items():
        refused = _status_page(any_kuma, slug="kept", title="Changed", sections=sections)
        assert refused.returncode != 0
        assert refused.result()["msg"].startswith(message), refused.result()["msg"]
    bad_slug = _status_page(any_kuma, slug="Kept Page", title="Kept")
    assert bad_slug.result()["msg"].startswith("slug: must be lowercase letters and digits")
    assert any_kuma.status_page_json("kept")["config"]["title"] == "Kept"
    assert _sections(any_kuma, "kept") == [("Main", [kept.name])]
    assert _slugs(any_kuma) >= {"kept"} and "Kept Page" not in _slugs(any_kuma)


def test_the_page_is_read_as_kuma_holds_it_not_as_its_cache_last_served_it(any_kuma: Kuma) -> None:
    monitor = any_kuma.create_push_monitor("cache old name")
    _make_page(any_kuma, "cached", "Cached", [monitor.id])
    # A visitor's look: Kuma keeps what it served for 5 minutes, and renaming a monitor does not clear it.
    assert requests.get(f"{any_kuma.url}/api/status-page/cached", timeout=30).status_code == 200
    renamed = {**any_kuma.monitor_named(monitor.name), "name": "cache new name"}
    any_kuma.api.edit(renamed)
    served = requests.get(f"{any_kuma.url}/api/status-page/cached", timeout=30).json()
    assert served["publicGroupList"][0]["monitorList"][0]["name"] == monitor.name, "Kuma served no cached copy"

    run = _status_page(
        any_kuma, slug="cached", title="Cached", sections=[{"name": "Main", "monitors": ["cache new name"]}]
    )
    assert run.returncode == 0, run.output
    assert (run.result()["changed"], run.result()["action"]) == (False, "none")
