"""The fault tests' fixtures (tests/fault/fixtures.py): fake servers, named fake_*, and a fresh push token."""

from tests.fault.fixtures import elsewhere, fake_alertmanager, fake_kuma, token

__all__ = ["elsewhere", "fake_alertmanager", "fake_kuma", "token"]
