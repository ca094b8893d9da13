"""The fault tests' fixtures (tests/fault/fixtures.py): fake servers and a fresh push token."""

from tests.fault.fixtures import alertmanager, elsewhere, kuma, token

__all__ = ["alertmanager", "elsewhere", "kuma", "token"]
