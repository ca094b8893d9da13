"""status_page_sections: a fleet's hosts become one section per name, in the order the names first come."""

from __future__ import annotations

from ansible_collections.watchdog.alertmanager_kuma.plugins.filter.status_page_sections import status_page_sections


def test_hosts_of_one_name_share_a_section_in_the_hosts_order() -> None:
    entries = [
        {"name": "eu", "monitors": ["am1/main", "am1/second"]},
        {"name": "us", "monitors": ["am2/main"]},
        {"name": "eu", "monitors": ["am3/main", "am1/main"]},
    ]

    assert status_page_sections(entries) == [
        {"name": "eu", "monitors": ["am1/main", "am1/second", "am3/main"]},
        {"name": "us", "monitors": ["am2/main"]},
    ]


def test_sections_without_monitors_and_entries_that_are_not_sections_are_left_out() -> None:
    assert status_page_sections([{"name": "empty", "monitors": []}, "x", None]) == []
    assert status_page_sections(None) == []
