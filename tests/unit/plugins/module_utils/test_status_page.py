"""The status_page module's plan: the page Kuma is to hold, found by slug, what it refuses before anything changes, and
what it sends Kuma."""

from __future__ import annotations

from typing import Any

import pytest
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._kuma_socket import KumaError
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._option import SettingsError
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._status_page import (
    BYPASS_CACHE,
    Page,
    Section,
    plan,
    read_public_page,
    read_wanted,
    save_arguments,
    sections_from_public_json,
    shown,
)
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._transport import TransportError

from .stubs import StubTransport, response

KUMA_URL = "http://127.0.0.1:3001"
PATH = "/api/status-page/fleet"
# Kuma's monitorList rows, as many as a plan reads: a group with two members (out of name order) and one outside it.
MONITORS = [
    {"id": 1, "name": "alertmanagers", "type": "group", "parent": None},
    {"id": 2, "name": "am2/watchdog", "type": "push", "parent": 1},
    {"id": 3, "name": "am1/watchdog", "type": "push", "parent": 1},
    {"id": 4, "name": "relay/watchdog", "type": "push", "parent": None},
]
# What getStatusPage answers on 2.x for a page made a moment ago: analyticsType is there, and null.
CONFIG = {"slug": "fleet", "title": "Fleet", "description": None, "icon": "/icon.svg", "analyticsType": None}


def _wanted(**params: Any) -> Any:
    return read_wanted({"slug": "fleet", "state": "present", "title": "Fleet", **params})


def _page(*sections: Section, title: str = "Fleet", description: str = "", config: Any = None) -> Page:
    return Page(title, description, sections, config if config is not None else dict(CONFIG))


def test_a_page_kuma_lacks_is_created_with_its_sections_in_order_and_a_group_listing_its_members() -> None:
    wanted = _wanted(
        description="All of them",
        sections=[
            {"name": "Relay", "monitors": ["relay/watchdog"]},
            {"name": "Alertmanagers", "group": "alertmanagers"},
        ],
    )
    planned = plan(wanted, None, MONITORS)
    assert planned.action == "create"
    assert shown(planned.after) == {
        "title": "Fleet",
        "description": "All of them",
        "sections": [
            {"name": "Relay", "monitors": ["relay/watchdog"]},
            {"name": "Alertmanagers", "monitors": ["am1/watchdog", "am2/watchdog"]},
        ],
    }


def test_a_page_as_asked_is_left_alone() -> None:
    current = _page(Section("Relay", (4, 3), ("relay/watchdog", "am1/watchdog"), id=9))
    wanted = _wanted(sections=[{"name": "Relay", "monitors": ["relay/watchdog", "am1/watchdog"]}])
    assert plan(wanted, current, MONITORS).action == "none"


def test_monitors_in_another_order_are_an_update() -> None:
    current = _page(Section("Relay", (4, 3), ("relay/watchdog", "am1/watchdog"), id=9))
    wanted = _wanted(sections=[{"name": "Relay", "monitors": ["am1/watchdog", "relay/watchdog"]}])
    planned = plan(wanted, current, MONITORS)
    assert planned.action == "update"
    assert shown(planned.before)["sections"] == [{"name": "Relay", "monitors": ["relay/watchdog", "am1/watchdog"]}]


def test_a_monitor_made_again_under_its_old_name_is_an_update() -> None:
    current = _page(Section("Relay", (40,), ("relay/watchdog",), id=9))
    assert plan(_wanted(sections=[{"name": "Relay", "monitors": ["relay/watchdog"]}]), current, MONITORS).action == (
        "update"
    )


def test_omitted_description_and_sections_are_kept() -> None:
    current = _page(Section("Relay", (4,), ("relay/watchdog",), id=9), description="Kept")
    planned = plan(_wanted(title="Renamed"), current, [])
    assert planned.action == "update"
    assert shown(planned.after) == {
        "title": "Renamed",
        "description": "Kept",
        "sections": [{"name": "Relay", "monitors": ["relay/watchdog"]}],
    }


def test_absent_deletes_a_page_that_exists_and_does_nothing_otherwise() -> None:
    absent = read_wanted({"slug": "fleet", "state": "absent"})
    assert plan(absent, _page(), []).action == "delete"
    assert plan(absent, None, []).action == "none"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"slug": "Fleet"}, "slug: must be lowercase letters and digits, in words joined by single dashes"),
        ({"slug": "my--fleet"}, "slug: must be lowercase letters and digits"),
        ({"slug": "fleet-"}, "slug: must be lowercase letters and digits"),
        ({"slug": "the fleet"}, "slug: must be lowercase letters and digits"),
        ({"title": None}, "title: is required with state present"),
        ({"title": " Fleet"}, "title: must not start or end with white space"),
        ({"sections": [{"name": "A", "monitors": ["x"], "group": "g"}]}, "sections[0]: give either monitors"),
        ({"sections": [{"name": "A"}]}, "sections[0]: give either monitors (a list of names) or group"),
        (
            {"sections": [{"name": "A", "monitors": []}, {"name": "A", "group": "g"}]},
            "sections[1].name: A is the name of two sections (also sections[0].name)",
        ),
        (
            {"sections": [{"name": "A", "monitors": ["x", "x"]}]},
            "sections[0].monitors[1]: x is listed twice (also sections[0].monitors[0])",
        ),
        ({"sections": [{"name": "", "monitors": []}]}, "sections[0].name: is required"),
        ({"sections": [{"name": "A", "monitor": []}]}, "sections[0].monitor: is not a known option"),
        ({"sections": ["A"]}, "sections[0]: must be a mapping"),
    ],
)
def test_bad_input_is_refused_naming_the_option(params: dict[str, Any], message: str) -> None:
    with pytest.raises(SettingsError) as refused:
        _wanted(**params)
    assert str(refused.value).startswith(message)


def test_an_unknown_monitor_is_refused_by_its_place_listing_the_monitors_kuma_has() -> None:
    wanted = _wanted(sections=[{"name": "A", "monitors": []}, {"name": "B", "monitors": ["relay/watchdog", "nope"]}])
    with pytest.raises(SettingsError) as refused:
        plan(wanted, None, MONITORS)
    assert str(refused.value) == (
        "sections[1].monitors[1]: Kuma has no monitor named nope; the monitors it has:"
        " alertmanagers, am1/watchdog, am2/watchdog, relay/watchdog"
    )


def test_the_names_listed_in_a_refusal_are_shortened() -> None:
    many = [{"id": number, "name": f"m{number:03}", "type": "push"} for number in range(25)]
    with pytest.raises(SettingsError) as refused:
        plan(_wanted(sections=[{"name": "A", "monitors": ["nope"]}]), None, many)
    assert str(refused.value).endswith("m000, m001, m002, m003, m004, m005, m006, m007, m008, m009 and 15 more")


def test_an_unknown_group_or_a_monitor_that_is_no_group_is_refused_naming_it() -> None:
    with pytest.raises(SettingsError, match=r"^sections\[0\]\.group: Kuma has no group named g; the groups it has:"):
        plan(_wanted(sections=[{"name": "A", "group": "g"}]), None, MONITORS)
    with pytest.raises(SettingsError, match=r"^sections\[0\]\.group: relay/watchdog is a push monitor in Kuma"):
        plan(_wanted(sections=[{"name": "A", "group": "relay/watchdog"}]), None, MONITORS)


def test_two_kuma_monitors_of_one_name_are_refused_naming_their_ids() -> None:
    twins = [*MONITORS, {"id": 5, "name": "relay/watchdog", "type": "push"}]
    with pytest.raises(SettingsError, match=r"Kuma has 2 monitors named relay/watchdog \(ids 4, 5\)"):
        plan(_wanted(sections=[{"name": "A", "monitors": ["relay/watchdog"]}]), None, twins)


def test_the_save_sends_the_page_settings_kuma_gave_with_analytics_type_null_and_every_section() -> None:
    old_config = {"slug": "fleet", "title": "Old", "description": None, "icon": "/icon.svg", "footerText": "kept"}
    current = _page(Section("Relay", (4,), ("relay/watchdog",), id=9, links={4: {"sendUrl": 1}}), config=old_config)
    wanted = _wanted(sections=[{"name": "New", "monitors": ["am1/watchdog"]}, {"name": "Relay", "monitors": []}])
    slug, config, logo, sections = save_arguments("fleet", plan(wanted, current, MONITORS).after)
    assert (slug, logo) == ("fleet", "/icon.svg")
    assert config == {**old_config, "title": "Fleet", "description": "", "analyticsType": None, "domainNameList": []}
    assert sections == [{"name": "New", "monitorList": [{"id": 3}]}, {"name": "Relay", "monitorList": [], "id": 9}]


def test_a_monitor_that_stays_in_its_section_keeps_its_clickable_link() -> None:
    current = _page(Section("Relay", (4,), ("relay/watchdog",), id=9, links={4: {"sendUrl": 1, "url": "https://x"}}))
    wanted = _wanted(sections=[{"name": "Relay", "monitors": ["am1/watchdog", "relay/watchdog"]}])
    sections = save_arguments("fleet", plan(wanted, current, MONITORS).after)[3]
    assert sections[0]["monitorList"] == [{"id": 3}, {"sendUrl": 1, "url": "https://x", "id": 4}]


def test_the_public_json_gives_the_sections_in_order_with_their_links() -> None:
    answer = {
        "config": {},
        "publicGroupList": [
            {"id": 9, "name": "Relay", "monitorList": [{"id": 4, "name": "relay/watchdog", "sendUrl": 0}]},
            {"id": 8, "name": "Empty", "monitorList": []},
        ],
    }
    assert sections_from_public_json(answer) == (
        Section("Relay", (4,), ("relay/watchdog",), 9),
        Section("Empty", (), (), 8),
    )
    with pytest.raises(KumaError, match="no publicGroupList"):
        sections_from_public_json({"ok": False})


def test_the_public_json_is_read_past_kumas_cache() -> None:
    transport = StubTransport({PATH: [response(200, {"publicGroupList": []})]})
    assert read_public_page(transport, KUMA_URL, "fleet", 5.0) == {"publicGroupList": []}
    request = transport.requests[0]
    assert request.url == f"{KUMA_URL}/api/status-page/fleet"
    assert request.headers["X-Apicache-Bypass"] == BYPASS_CACHE["X-Apicache-Bypass"]


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (response(404, {"ok": False}), "Kuma at http://127.0.0.1:3001 answered HTTP 404 to GET /api/status-page/fleet"),
        (response(200, body=b"<html>"), "answered GET /api/status-page/fleet with something other than JSON"),
        (TransportError("connection refused"), "cannot read /api/status-page/fleet from Kuma at"),
    ],
)
def test_a_public_json_kuma_does_not_give_is_a_kuma_error(answer: Any, message: str) -> None:
    with pytest.raises(KumaError, match=message.replace("?", r"\?")):
        read_public_page(StubTransport({PATH: [answer]}), KUMA_URL, "fleet", 5.0)
