"""Every role declares each of its defaults in meta/argument_specs.yml, and nothing more, so that bad inventory
is refused by name before a host is touched."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

ROLES_DIR = Path(__file__).resolve().parents[3] / "roles"
ROLES = sorted(path.name for path in ROLES_DIR.iterdir() if (path / "defaults" / "main.yml").exists())


@pytest.mark.parametrize("role", ROLES)
def test_the_argument_specs_declare_exactly_the_defaults(role: str) -> None:
    defaults = yaml.safe_load((ROLES_DIR / role / "defaults" / "main.yml").read_text()) or {}
    specs = yaml.safe_load((ROLES_DIR / role / "meta" / "argument_specs.yml").read_text())
    options = specs["argument_specs"]["main"]["options"]

    assert set(defaults) == set(options)
    for name, value in defaults.items():
        assert options[name].get("default") == value, name
        assert name.startswith(f"{role}_") or name.startswith(role.split("_")[0] + "_"), name
