"""The HTTP client against a real loopback socket nothing listens on: why the request got no answer, never the URL."""

from __future__ import annotations

import pytest
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._transport import (
    TlsOptions,
    TransportError,
    UrllibTransport,
)

from tests.fault.fake_http import refused_url
from tests.payloads import TOKEN


def test_a_refused_connection_raises_a_transport_error_without_the_url() -> None:
    transport = UrllibTransport(TlsOptions())
    url = f"{refused_url()}/api/push/{TOKEN}"

    with pytest.raises(TransportError) as failed:
        transport.get(url, {}, 2)

    assert failed.value.reason == "connection refused"
    assert TOKEN not in str(failed.value)


def test_a_timeout_too_large_for_the_clock_is_an_error_not_a_crash() -> None:
    transport = UrllibTransport(TlsOptions())

    with pytest.raises(TransportError) as failed:
        transport.get(f"{refused_url()}/api/push/{TOKEN}", {}, 1e12)

    assert "OverflowError" in failed.value.reason
