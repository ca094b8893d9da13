# Copyright: Contributors to the watchdog.alertmanager_kuma collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The status_page module's options, defined once, its plan (the page Kuma is to hold, found by slug) and the few
Kuma calls that read, create, save and delete a status page.

Private to the collection (leading underscore). Standard library only; the socket.io session is _kuma_socket.

Kuma tells a logged-in user a page's settings (``getStatusPage``) but not its sections: those only come in the
public JSON, ``GET /api/status-page/<slug>``, which Kuma caches up to 5 minutes (apicache). It is read with
apicache's own bypass header, so a page changed a moment ago, by this module or by a person, is read as it is.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from ._kuma_login import KUMA_LOGIN_OPTIONS
from ._kuma_names import read_name, read_names, shortened
from ._kuma_socket import KumaError, KumaSession
from ._option import Option, SettingsError, read_options
from ._transport import Transport, TransportError

# Kuma's own slug rule (checkSlug), after addStatusPage lowercased it: a slug with capitals would be stored otherwise.
SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
TEXT_MAX_CHARS = 255  # the status_page.slug and .title and group.name columns
PUBLIC_PAGE_MAX_BYTES = 8 * 1024 * 1024
# apicache (Kuma 1.23 and 2.x alike) serves its cached copy unless the request carries this header.
BYPASS_CACHE = {"X-Apicache-Bypass": "true", "Cache-Control": "no-cache", "Accept": "application/json"}
# getStatusPage's refusal of a slug it has no page for, in 1.23, 2.0.0-dev.0 and 2.x.
NO_PAGE_MSG = "No slug?"

_SECTION_OPTIONS = (
    Option("name", "str", ("The section's heading on the page.",), required=True),
    Option(
        "monitors",
        "list",
        (
            "The monitors the section lists, by name as Kuma's page shows them, in this order."
            " Instead of O(sections[].group).",
        ),
        elements="str",
    ),
    Option(
        "group",
        "str",
        (
            "A Kuma group monitor whose members the section lists, sorted by name, as Kuma has them when the task"
            " runs. Instead of O(sections[].monitors).",
        ),
    ),
)

STATUS_PAGE_OPTIONS = (
    *KUMA_LOGIN_OPTIONS,
    Option(
        "slug",
        "str",
        (
            "The page's slug, which finds it and makes its address C(<kuma_url>/status/<slug>): lowercase letters and"
            " digits, in words joined by single dashes (Kuma's rule).",
        ),
        required=True,
    ),
    Option(
        "state",
        "str",
        ("V(present) creates or changes the page, V(absent) deletes it.",),
        default="present",
        choices=("present", "absent"),
    ),
    Option("title", "str", ("The page's title. Required with O(state=present).",)),
    Option(
        "description",
        "str",
        ("The text under the title. Omitted, an existing page's description is kept (a new page has none).",),
    ),
    Option(
        "sections",
        "list",
        (
            "The page's sections, in this order, each with exactly its monitors in their order; sections the page"
            " has and this does not list are deleted. Each has either O(sections[].monitors) or O(sections[].group).",
            "Omitted, an existing page's sections are kept (a new page has none).",
        ),
        elements="dict",
        suboptions=_SECTION_OPTIONS,
    ),
)


@dataclass(frozen=True)
class WantedSection:
    name: str
    monitors: tuple[str, ...] | None
    group: str | None
    # What prefixes the option names in an error: "sections[1]."
    where: str


@dataclass(frozen=True)
class WantedPage:
    slug: str
    state: str
    title: str | None
    description: str | None
    # None: not given (an existing page keeps its sections).
    sections: tuple[WantedSection, ...] | None


@dataclass(frozen=True)
class Section:
    """A section as Kuma holds it or is to hold it: ``id`` is Kuma's (None for a new one), monitors by id and name.

    ``links`` holds, by monitor id, what Kuma's web page set for a monitor in this section (its clickable link).
    """

    name: str
    monitor_ids: tuple[int, ...]
    monitor_names: tuple[str, ...]
    id: int | None = None
    links: Mapping[int, Mapping[str, Any]] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Page:
    title: str
    description: str
    sections: tuple[Section, ...]
    # What getStatusPage answered (Kuma's settings of the page), sent back whole when saving; {} for a new page.
    config: Mapping[str, Any]


@dataclass(frozen=True)
class PagePlan:
    """``action`` is create, update, delete or none; ``after`` is None when the page is to be absent."""

    wanted: WantedPage
    action: str
    before: Page | None
    after: Page | None


def read_slug(value: Any) -> str:
    if not isinstance(value, str) or not SLUG_RE.fullmatch(value):
        raise SettingsError(
            "slug",
            f"must be lowercase letters and digits, in words joined by single dashes (Kuma's rule), got {value!r}",
        )
    if len(value) > TEXT_MAX_CHARS:
        raise SettingsError("slug", f"must be at most {TEXT_MAX_CHARS} characters, got {len(value)}")
    return value


def _read_section(entry: Any, where: str) -> WantedSection:
    if not isinstance(entry, Mapping):
        raise SettingsError(where.rstrip("."), "must be a mapping with name, and monitors or group")
    values = read_options(_SECTION_OPTIONS, entry, where)
    if (values["monitors"] is None) == (values["group"] is None):
        raise SettingsError(
            where.rstrip("."), "give either monitors (a list of names) or group, not both and not neither"
        )
    group = values["group"]
    return WantedSection(
        name=read_name(values["name"], where + "name", TEXT_MAX_CHARS),
        monitors=read_names(values["monitors"], where + "monitors", TEXT_MAX_CHARS),
        group=None if group is None else read_name(group, where + "group", TEXT_MAX_CHARS),
        where=where,
    )


def _read_sections(entries: list[Any] | None) -> tuple[WantedSection, ...] | None:
    if entries is None:
        return None
    sections: list[WantedSection] = []
    for index, entry in enumerate(entries):
        section = _read_section(entry, f"sections[{index}].")
        earlier = next((other for other in sections if other.name == section.name), None)
        if earlier is not None:
            raise SettingsError(
                section.where + "name", f"{section.name} is the name of two sections (also {earlier.where}name)"
            )
        sections.append(section)
    return tuple(sections)


def read_wanted(params: Mapping[str, Any]) -> WantedPage:
    """The page asked for; errors name the option (``sections[1].monitors[0]``)."""
    state = params.get("state") or "present"
    title = params.get("title")
    if state == "present" and title is None:
        raise SettingsError("title", "is required with state present")
    description = params.get("description")
    if description is not None and any(unicodedata.category(char) in ("Cf", "Zl", "Zp") for char in description):
        raise SettingsError("description", "must not hold formatting characters (a right-to-left override...)")
    return WantedPage(
        slug=read_slug(params.get("slug")),
        state=state,
        title=None if title is None else read_name(title, "title", TEXT_MAX_CHARS),
        description=description,
        sections=_read_sections(params.get("sections")),
    )


def _one_named(monitors: Sequence[Mapping[str, Any]], name: str, where: str, kind: str) -> Mapping[str, Any]:
    found = [monitor for monitor in monitors if monitor.get("name") == name]
    if kind == "group":
        groups = [monitor for monitor in found if monitor.get("type") == "group"]
        if not groups and found:
            raise SettingsError(where, f"{name} is a {found[0].get('type')} monitor in Kuma, not a group")
        found = groups
        known = [str(monitor.get("name")) for monitor in monitors if monitor.get("type") == "group"]
    else:
        known = [str(monitor.get("name")) for monitor in monitors]
    if not found:
        raise SettingsError(where, f"Kuma has no {kind} named {name}; the {kind}s it has: {shortened(known)}")
    if len(found) > 1:
        ids = ", ".join(str(monitor.get("id")) for monitor in found)
        raise SettingsError(where, f"Kuma has {len(found)} {kind}s named {name} (ids {ids}); rename all but one")
    return found[0]


def _members(group: Mapping[str, Any], monitors: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    members = [monitor for monitor in monitors if monitor.get("parent") == group.get("id")]
    return sorted(members, key=lambda monitor: (str(monitor.get("name")), int(monitor["id"])))


def resolve(section: WantedSection, monitors: Sequence[Mapping[str, Any]], kept: Section | None = None) -> Section:
    """A wanted section with Kuma's monitors in it, or a SettingsError naming the monitor or group Kuma lacks.

    ``kept`` is the page's section of the same name: the section stays its row in Kuma, and a monitor that stays in
    it keeps its link.
    """
    if section.group is not None:
        chosen = _members(_one_named(monitors, section.group, section.where + "group", "group"), monitors)
    else:
        chosen = [
            _one_named(monitors, name, f"{section.where}monitors[{index}]", "monitor")
            for index, name in enumerate(section.monitors or ())
        ]
    ids = tuple(int(monitor["id"]) for monitor in chosen)
    links = {id_: link for id_, link in (kept.links if kept else {}).items() if id_ in ids}
    return Section(
        section.name, ids, tuple(str(monitor["name"]) for monitor in chosen), kept.id if kept else None, links
    )


def _kept(name: str, current: Page | None) -> Section | None:
    return next((section for section in (current.sections if current else ()) if section.name == name), None)


def plan(wanted: WantedPage, current: Page | None, monitors: Sequence[Mapping[str, Any]]) -> PagePlan:
    """What becomes of the page, or a SettingsError before anything changes."""
    if wanted.state == "absent":
        return PagePlan(wanted, "delete" if current else "none", current, None)
    if wanted.sections is None:
        sections = current.sections if current else ()
    else:
        sections = tuple(resolve(section, monitors, _kept(section.name, current)) for section in wanted.sections)
    description = wanted.description if wanted.description is not None else (current.description if current else "")
    after = Page(wanted.title or "", description, sections, current.config if current else {})
    if current is None:
        return PagePlan(wanted, "create", None, after)
    return PagePlan(wanted, "none" if _same(after, current) else "update", current, after)


def _same(page: Page, other: Page) -> bool:
    """By names as shown, and by ids: a monitor deleted and made again under its name is another monitor."""
    ids = [section.monitor_ids for section in page.sections]
    return shown(page) == shown(other) and ids == [section.monitor_ids for section in other.sections]


def shown(page: Page | None) -> dict[str, Any]:
    """A page as --diff and the results show it: its title, description and sections with monitor names."""
    if page is None:
        return {}
    return {
        "title": page.title,
        "description": page.description,
        "sections": [{"name": section.name, "monitors": list(section.monitor_names)} for section in page.sections],
    }


def save_arguments(slug: str, page: Page) -> tuple[str, dict[str, Any], str, list[dict[str, Any]]]:
    """saveStatusPage's arguments: the page's settings as Kuma gave them with the title and description changed, its
    logo as it is, and every section (a section left out is deleted)."""
    config = dict(page.config)
    config.update(slug=slug, title=page.title, description=page.description)
    # Kuma 2.x refuses a config without analyticsType ("Invalid analytics type"); null is none. Older ones ignore it.
    config.setdefault("analyticsType", None)
    if not isinstance(config.get("domainNameList"), list):
        config["domainNameList"] = []
    sections = []
    for section in page.sections:
        entry: dict[str, Any] = {
            "name": section.name,
            "monitorList": [{**section.links.get(id_, {}), "id": id_} for id_ in section.monitor_ids],
        }
        if section.id is not None:
            entry["id"] = section.id
        sections.append(entry)
    return slug, config, str(config.get("icon") or ""), sections


def sections_from_public_json(answer: Any) -> tuple[Section, ...]:
    """The sections of Kuma's public page JSON (``publicGroupList``), in its order."""
    groups = answer.get("publicGroupList") if isinstance(answer, Mapping) else None
    if not isinstance(groups, list):
        raise KumaError("Kuma's public status page JSON holds no publicGroupList")
    sections = []
    for group in groups:
        listed = [monitor for monitor in group.get("monitorList") or [] if isinstance(monitor, Mapping)]
        sections.append(
            Section(
                str(group.get("name")),
                tuple(int(monitor["id"]) for monitor in listed),
                tuple(str(monitor.get("name")) for monitor in listed),
                int(group["id"]) if group.get("id") is not None else None,
                {int(monitor["id"]): _link(monitor) for monitor in listed if monitor.get("sendUrl")},
            )
        )
    return tuple(sections)


def _link(monitor: Mapping[str, Any]) -> dict[str, Any]:
    """A monitor's clickable link on the page, as saveStatusPage takes it back."""
    link = {"sendUrl": monitor["sendUrl"]}
    if monitor.get("url") is not None:
        link["url"] = monitor["url"]
    return link


def public_page_path(slug: str) -> str:
    return f"/api/status-page/{quote(slug, safe='')}"


def read_public_page(transport: Transport, kuma_url: str, slug: str, timeout: float) -> Any:
    """The page's public JSON, never Kuma's cached copy."""
    path = public_page_path(slug)
    try:
        answer = transport.get(kuma_url + path, BYPASS_CACHE, timeout, PUBLIC_PAGE_MAX_BYTES)
    except TransportError as error:
        raise KumaError(f"cannot read {path} from Kuma at {kuma_url}: {error.reason}") from None
    if answer.status != 200:
        raise KumaError(f"Kuma at {kuma_url} answered HTTP {answer.status} to GET {path}")
    try:
        return json.loads(answer.body.decode("utf-8"))
    except ValueError:
        raise KumaError(f"Kuma at {kuma_url} answered GET {path} with something other than JSON") from None


def read_page(kuma: KumaSession, transport: Transport, slug: str) -> Page | None:
    """The page as Kuma holds it now, or None when it has none of that slug."""
    answer = kuma.call("getStatusPage", slug)
    if isinstance(answer, Mapping) and not answer.get("ok") and answer.get("msg") == NO_PAGE_MSG:
        return None
    if not isinstance(answer, Mapping) or not answer.get("ok") or not isinstance(answer.get("config"), Mapping):
        reason = answer.get("msg") if isinstance(answer, Mapping) else None
        raise KumaError(f"Kuma refused to read the status page {slug}: {reason or 'an unexpected answer'}")
    config = dict(answer["config"])
    sections = sections_from_public_json(read_public_page(transport, kuma.url, slug, kuma.timeout))
    return Page(str(config.get("title") or ""), str(config.get("description") or ""), sections, config)


def apply(kuma: KumaSession, planned: PagePlan) -> None:
    """Make Kuma hold the planned page: create it (Kuma's own defaults), then save its content; or delete it."""
    slug = planned.wanted.slug
    if planned.action == "delete":
        kuma.request(f"delete the status page {slug}", "deleteStatusPage", slug)
        return
    after = planned.after
    if planned.action == "none" or after is None:
        return
    if planned.action == "create":
        kuma.request(f"create the status page {slug}", "addStatusPage", after.title, slug)
        answer = kuma.request(f"read the new status page {slug}", "getStatusPage", slug)
        after = Page(after.title, after.description, after.sections, dict(answer.get("config") or {}))
    kuma.request(f"save the status page {slug}", "saveStatusPage", *save_arguments(slug, after))
