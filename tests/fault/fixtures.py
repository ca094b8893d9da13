"""Fixtures of fake servers: an Alertmanager, a Kuma, another host a redirect may point at; and a fresh push token."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest

from tests.fault.fake_http import FakeServer

OTHER_LOOPBACK = "127.0.0.2"


@pytest.fixture
def fake_alertmanager() -> Iterator[FakeServer]:
    with FakeServer() as server:
        yield server


@pytest.fixture
def fake_kuma() -> Iterator[FakeServer]:
    with FakeServer() as server:
        yield server


@pytest.fixture
def elsewhere() -> Iterator[FakeServer]:
    """A server on another loopback address: the host a redirect points at."""
    with FakeServer(OTHER_LOOPBACK) as server:
        yield server


@pytest.fixture
def token() -> str:
    """A fresh push token per test, of Kuma's kind (letters and digits), to look for in every output."""
    return "Tk9" + secrets.token_hex(12) + "Zq"
