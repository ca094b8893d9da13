"""Each option is defined once, in the core: the module spec, the module docs, the roles' argument specs and
defaults are made from that definition, and a difference in any of them fails here, named."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import yaml
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._heartbeat_settings import HEARTBEAT_OPTIONS
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._relay_settings import RELAY_OPTIONS
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._timer_checks import CHECK_OPTIONS
from ansible_collections.watchdog.alertmanager_kuma.plugins.modules import heartbeat

REPO_ROOT = Path(__file__).resolve().parents[2]


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location("generate_docs", REPO_ROOT / "scripts" / "generate_docs.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _role_options(role: str) -> dict[str, Any]:
    specs = yaml.safe_load((REPO_ROOT / "roles" / role / "meta" / "argument_specs.yml").read_text())
    return specs["argument_specs"]["main"]["options"]


def test_every_generated_file_matches_the_option_definitions() -> None:
    differences = _generator().differences()

    assert differences == [], "run `make docs`:\n" + "\n\n".join(differences)


def test_the_module_spec_is_built_from_the_definitions() -> None:
    assert list(heartbeat.ARGUMENT_SPEC) == [option.name for option in HEARTBEAT_OPTIONS]
    for option in HEARTBEAT_OPTIONS:
        assert heartbeat.ARGUMENT_SPEC[option.name] == option.argument_spec(), option.name


def test_the_module_docs_state_each_option_as_defined() -> None:
    documented = yaml.safe_load(heartbeat.DOCUMENTATION)["options"]

    differences = []
    for option in HEARTBEAT_OPTIONS:
        spec, doc = option.argument_spec(), documented.get(option.name, {})
        for key in ("type", "default", "choices", "elements", "required"):
            if spec.get(key) != doc.get(key):
                differences.append(f"{option.name}.{key}: defined {spec.get(key)!r}, documented {doc.get(key)!r}")
    assert set(documented) == {option.name for option in HEARTBEAT_OPTIONS}
    assert differences == []


def test_the_timer_role_offers_every_check_option_and_its_role_wide_defaults() -> None:
    options = _role_options("heartbeat_timer")
    defaults = yaml.safe_load((REPO_ROOT / "roles" / "heartbeat_timer" / "defaults" / "main.yml").read_text())
    per_check = options["heartbeat_timer_checks"]["options"]

    assert list(per_check) == [option.name for option in CHECK_OPTIONS]
    for option in CHECK_OPTIONS:
        assert per_check[option.name]["type"] == option.type, option.name
        assert per_check[option.name].get("no_log", False) == option.secret, option.name
        if option.role_default:
            assert defaults[f"heartbeat_timer_{option.name}"] == options[f"heartbeat_timer_{option.name}"]["default"]


def test_the_relay_role_offers_every_relay_option_with_its_default() -> None:
    options = _role_options("relay")
    defaults = yaml.safe_load((REPO_ROOT / "roles" / "relay" / "defaults" / "main.yml").read_text())

    for option in RELAY_OPTIONS:
        variable = f"relay_{option.name}"
        assert options[variable]["type"] == option.type, variable
        assert options[variable].get("no_log", False) == option.secret, variable
        if option.default is not None:
            assert defaults[variable] == option.default, variable


# A valid value other than the default, for options whose type alone does not give one (URLs, pairs, bounds).
_OTHER_VALUES: dict[str, Any] = {
    "alertmanager_url": "http://other.example:9093",
    "push_url": "https://kuma.example/api/push/" + "Other0Token1" * 3,
    "matchers": ['alertname="Other"'],
    "run_timeout": 60,
    "prometheus_url": "http://prometheus.example:9090",
    "prometheus_alertmanager_url": "http://other.example:9093",
}
_BASE_VALUES = {"alertmanager_url": "http://alertmanager.example:9093", "push_url": "http://kuma/api/push/" + "a" * 32}


def _other_value(option: Any) -> Any:
    if option.name in _OTHER_VALUES:
        return _OTHER_VALUES[option.name]
    if option.choices:
        return next(choice for choice in option.choices if choice != option.default)
    if option.type == "bool":
        return not option.default
    if option.type in ("int", "float"):
        return (option.default or option.minimum or 0) + 1
    if option.type == "list":
        return ["other"]
    return "/etc/other" if option.type == "path" else "other"


def test_every_heartbeat_option_reaches_the_settings_the_core_reads() -> None:
    """An option added to the table but left out of HeartbeatSettings or settings_from_values would be documented,
    accepted, then silently ignored: here each option, given another value, must change the settings."""
    from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._heartbeat_settings import (
        REQUIRED_TOGETHER,
        settings_from_options,
    )

    partners = dict(REQUIRED_TOGETHER) | {second: first for first, second in REQUIRED_TOGETHER}
    baseline = settings_from_options(_BASE_VALUES)
    ignored = []
    for option in HEARTBEAT_OPTIONS:
        changed = {**_BASE_VALUES, option.name: _other_value(option)}
        if option.name in partners:
            changed[partners[option.name]] = _other_value(
                next(o for o in HEARTBEAT_OPTIONS if o.name == partners[option.name])
            )
        if settings_from_options(changed) == baseline:
            ignored.append(option.name)
    assert ignored == [], f"options the settings do not carry: {ignored}"


def test_every_heartbeat_setting_is_read_by_the_core() -> None:
    """A settings field nobody reads is an option accepted and ignored: each is read somewhere in the core."""
    from dataclasses import fields

    from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._heartbeat_settings import (
        HeartbeatSettings,
    )
    from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._transport import TlsOptions

    core = REPO_ROOT / "plugins" / "module_utils"
    sources = (
        "\n".join(path.read_text() for path in core.glob("*.py") if path.name != "_heartbeat_settings.py")
        + (core / "_heartbeat_settings.py")
        .read_text()
        .split("class HeartbeatSettings", 1)[1]
        .split("def parse_matchers")[0]
    )
    unread = [
        field.name for field in (*fields(HeartbeatSettings), *fields(TlsOptions)) if f".{field.name}" not in sources
    ]
    assert unread == [], f"settings no part of the core reads: {unread}"


def _readme_default(option: Any) -> str:
    """An option's default as the README's table writes it."""
    if option.required:
        return "required"
    default = option.argument_spec().get("default")
    if default is None:
        return "-"
    if isinstance(default, bool):
        return f"`{str(default).lower()}`"
    if isinstance(default, (int, float)):
        return f"`{default:g}`"
    return f"`{default}`"


def test_the_readmes_option_table_names_every_module_option_with_its_default() -> None:
    import re

    readme = (REPO_ROOT / "README.md").read_text()
    table = readme.split("| option | default | what it does |", 1)[1].split("\n\n", 1)[0]
    documented: dict[str, str] = {}
    for row in table.strip().splitlines()[1:]:
        names_cell, defaults_cell = (cell.strip() for cell in row.strip("|").split("|")[:2])
        names = re.findall(r"`(\w+)`", names_cell)
        defaults = [value.strip() for value in defaults_cell.split(", ")] if len(names) > 1 else [defaults_cell]
        if len(defaults) != len(names):
            defaults = [defaults_cell] * len(names)
        for name, default in zip(names, defaults, strict=True):
            documented[name] = "required" if default.startswith("required") else default
    expected = {option.name: _readme_default(option) for option in HEARTBEAT_OPTIONS}
    assert sorted(documented) == sorted(expected), "the README's table and the module's options differ"
    wrong = {name: (documented[name], expected[name]) for name in expected if documented[name] != expected[name]}
    assert wrong == {}, f"README default vs defined default: {wrong}"


def test_the_recorded_metrics_pages_cover_every_suite_of_the_lab_and_trixies_pinned_versions() -> None:
    generate_docs = _generator()
    from lab.alerting_versions import ALERTING_SUITES, PINNED_VERSIONS

    manifest = json.loads(generate_docs.METRICS_MANIFEST.read_text())

    assert sorted(manifest) == sorted(ALERTING_SUITES), "run python -m lab.metrics_pages for the suites it lacks"
    assert sorted(generate_docs.SUITE_NAMES) == sorted(ALERTING_SUITES), "the README names each suite"
    for suite, packages in PINNED_VERSIONS.items():
        recorded = manifest[suite]
        assert recorded["alertmanager_package_version"] == packages["prometheus-alertmanager"]
        assert recorded["prometheus_package_version"] == packages["prometheus"]
