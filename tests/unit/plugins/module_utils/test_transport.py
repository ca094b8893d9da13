"""The HTTP client says why a request got no answer, and never with the URL, whose path is the Kuma token."""

from __future__ import annotations

import http.client
import socket
import ssl
import urllib.error
from pathlib import Path

import pytest
from ansible_collections.watchdog.alertmanager_kuma.plugins.module_utils._transport import (
    TlsOptions,
    TransportError,
    UrllibTransport,
    _describe_failure,
)
from ansible_collections.watchdog.alertmanager_kuma.tests.unit.plugins.module_utils.stubs import TOKEN

PUSH_URL_TEXT = f"http://kuma.example.com/api/push/{TOKEN}"


@pytest.mark.parametrize(
    ("failure", "reason"),
    [
        (urllib.error.URLError(TimeoutError("timed out")), "timed out after 3s"),
        (TimeoutError("timed out"), "timed out after 3s"),
        (urllib.error.URLError(ConnectionRefusedError(111, "Connection refused")), "connection refused"),
        (ConnectionResetError(104, "Connection reset by peer"), "connection reset"),
        (urllib.error.URLError(socket.gaierror(-2, "Name or service not known")), "host name not resolved"),
        (http.client.RemoteDisconnected("Remote end closed connection"), "connection reset"),
        (http.client.BadStatusLine("HTTP/0.9 nonsense"), "malformed HTTP answer (BadStatusLine)"),
        (urllib.error.URLError(OSError(113, "No route to host")), "no route to host"),
        (ssl.SSLError(1, "[SSL] wrong version number"), "TLS error: SSLError"),
        (ssl.SSLCertVerificationError(1, "certificate verify failed"), "TLS certificate not trusted"),
    ],
)
def test_a_failed_request_is_described_in_words_a_person_acts_on(failure: BaseException, reason: str) -> None:
    assert _describe_failure(failure, 3).startswith(reason)


@pytest.mark.parametrize(
    "failure",
    [
        ValueError(f"URL can't contain control characters. {PUSH_URL_TEXT!r}"),
        http.client.InvalidURL(f"nonnumeric port: {PUSH_URL_TEXT}"),
        urllib.error.URLError(f"unknown url type: {PUSH_URL_TEXT}"),
        RuntimeError(PUSH_URL_TEXT),
    ],
)
def test_a_failure_whose_text_quotes_the_url_is_described_without_it(failure: BaseException) -> None:
    reason = _describe_failure(failure, 3)

    assert TOKEN not in reason
    assert "kuma.example.com" not in reason
    assert reason


def test_a_missing_ca_file_is_a_transport_error_naming_ca_path(tmp_path: Path) -> None:
    with pytest.raises(TransportError) as failed:
        UrllibTransport(TlsOptions(ca_path=str(tmp_path / "missing-ca.pem")))

    assert failed.value.reason == "TLS settings unusable: ca_path: no such file or directory"


def test_a_ca_file_without_certificates_is_a_transport_error_naming_ca_path(tmp_path: Path) -> None:
    not_pem = tmp_path / "ca.pem"
    not_pem.write_text("not a certificate\n")

    with pytest.raises(TransportError) as failed:
        UrllibTransport(TlsOptions(ca_path=str(not_pem)))

    assert failed.value.reason.startswith("TLS settings unusable: ca_path: ")


def test_an_unreadable_client_certificate_is_a_transport_error_naming_both_files(tmp_path: Path) -> None:
    missing = str(tmp_path / "client.pem")

    with pytest.raises(TransportError) as failed:
        UrllibTransport(TlsOptions(client_cert=missing, client_key=missing))

    assert failed.value.reason == "TLS settings unusable: client_cert/client_key: no such file or directory"


def test_a_ca_file_that_holds_no_certificate_is_named_with_openssls_reason(tmp_path: Path) -> None:
    empty = tmp_path / "empty-ca.pem"
    empty.write_text("")

    with pytest.raises(TransportError) as refused:
        UrllibTransport(TlsOptions(ca_path=str(empty)))

    assert refused.value.reason.startswith("TLS settings unusable: ca_path: TLS error: ")
    assert "request failed" not in refused.value.reason
