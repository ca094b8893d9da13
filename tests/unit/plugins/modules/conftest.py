"""The module runs against the fault tests' fake servers (tests/fault/fixtures.py)."""

from tests.fault.fixtures import alertmanager, elsewhere, kuma, token

__all__ = ["alertmanager", "elsewhere", "kuma", "token"]
