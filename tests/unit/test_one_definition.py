"""Each option is defined once, in the core: the module spec, the module docs, the roles' argument specs and
defaults are made from that definition, and a difference in any of them fails here, named."""

from __future__ import annotations

import importlib.util
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
