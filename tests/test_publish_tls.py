"""The generated configuration with TLS, served by real nginx: HTTPS with the
operator's certificate, HSTS, and plain HTTP only redirecting."""

from __future__ import annotations

import base64
import http.client
import socket
import ssl
import subprocess
import warnings
from pathlib import Path

import pytest

from conftest import TinyProject, free_ports, system_tool
from nginx_server import Nginx, nginx_binary

pytestmark = [pytest.mark.real_command, pytest.mark.nginx, pytest.mark.slow]

PASSWORD = "a passphrase long enough"


def _certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, as an operator's CA would issue one."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            system_tool("openssl", "openssl"), "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def test_tls_serves_the_sites_over_https_and_http_only_redirects(
    tiny_site: TinyProject, tmp_path: Path
) -> None:
    binary = nginx_binary()
    tiny_site.client()
    assert tiny_site.tripod("build").code == 0
    cert, key = _certificate(tmp_path)
    target = tmp_path / "srv"
    https, plain_port = free_ports(2)
    run = tiny_site.tripod(
        "publish",
        "--target", str(target),
        "--listen", f"127.0.0.1:{https}",
        "--server-name", "127.0.0.1",
        "--tls-cert", str(cert),
        "--tls-key", str(key),
    )  # fmt: skip
    assert run.code == 0, run.err
    added = tiny_site.tripod(
        "access", "add", "acme", "jane", "--password-stdin", "--target", str(target),
        stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert added.code == 0, added.err
    conf = target / "nginx" / "tripod.conf"
    text = conf.read_text()
    assert "listen 80;" in text and "return 301 https://$host$request_uri;" in text
    # Port 80 belongs to the machine; the redirect server moves to a free port here.
    conf.write_text(text.replace("listen 80;", f"listen 127.0.0.1:{plain_port};"))

    server = Nginx(binary, target, tmp_path / "nginx", https)
    server.start()
    try:
        context = ssl.create_default_context(cafile=str(cert))
        connection = http.client.HTTPSConnection("127.0.0.1", https, context=context, timeout=10)
        token = base64.b64encode(f"jane:{PASSWORD}".encode()).decode()
        connection.request(
            "GET", "/clients/acme/current/", headers={"Authorization": f"Basic {token}"}
        )
        response = connection.getresponse()
        body = response.read()
        assert response.status == 200
        assert b"Acme Dental" in body
        assert response.getheader("Strict-Transport-Security") == "max-age=31536000"
        assert connection.sock is not None
        assert connection.sock.version() in ("TLSv1.2", "TLSv1.3")  # type: ignore[attr-defined]
        connection.close()

        # HTTP/2, offered by ALPN as browsers do.
        h2 = ssl.create_default_context(cafile=str(cert))
        h2.set_alpn_protocols(["h2", "http/1.1"])
        with (
            socket.create_connection(("127.0.0.1", https), timeout=10) as raw,
            h2.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
        ):
            assert tls.selected_alpn_protocol() == "h2"

        # TLS 1.0 and 1.1 refused by the server, TLS 1.2 accepted.
        assert _handshake(https, ssl.TLSVersion.TLSv1) is None
        assert _handshake(https, ssl.TLSVersion.TLSv1_1) is None
        assert _handshake(https, ssl.TLSVersion.TLSv1_2) == "TLSv1.2"

        plain = http.client.HTTPConnection("127.0.0.1", plain_port, timeout=10)
        plain.request("GET", "/clients/acme/current/", headers={"Host": "127.0.0.1"})
        redirect = plain.getresponse()
        redirect.read()
        plain.close()
        assert redirect.status == 301
        assert redirect.getheader("Location") == "https://127.0.0.1/clients/acme/current/"
        assert redirect.getheader("WWW-Authenticate") is None  # no password over plain HTTP
    finally:
        server.stop()

    # The control: the same client gets TLS 1.1 from a server that allows it, so
    # the refusal above is the configuration's, not this machine's OpenSSL's.
    control_port = free_ports(1)[0]
    control = tmp_path / "control.conf"
    control.write_text(
        text.replace("listen 80;", f"listen 127.0.0.1:{plain_port};")
        .replace(f"listen 127.0.0.1:{https} ssl", f"listen 127.0.0.1:{control_port} ssl")
        .replace(
            "ssl_protocols TLSv1.2 TLSv1.3;",
            "ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3; ssl_ciphers ALL:@SECLEVEL=0;",
        )
    )
    allowing = Nginx(binary, target, tmp_path / "control", control_port, conf=control)
    allowing.start()
    try:
        assert _handshake(control_port, ssl.TLSVersion.TLSv1_1) == "TLSv1.1"
    finally:
        allowing.stop()


def _handshake(port: int, highest: ssl.TLSVersion) -> str | None:
    """The TLS version agreed with a client that offers TLS 1.0 up to `highest`;
    None when the server refuses. The client's OpenSSL would not offer TLS 1.0 or
    1.1 at its default security level, so the level is lowered."""
    client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client.check_hostname = False
    client.verify_mode = ssl.CERT_NONE
    client.set_ciphers("ALL:@SECLEVEL=0")
    with warnings.catch_warnings():  # deprecated versions, asked for on purpose
        warnings.simplefilter("ignore", DeprecationWarning)
        client.minimum_version = ssl.TLSVersion.TLSv1
        client.maximum_version = highest
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        try:
            with client.wrap_socket(raw) as tls:
                return tls.version()
        except ssl.SSLError as e:
            # The server's alert, not the client's own refusal to offer the version.
            assert e.reason in ("TLSV1_ALERT_PROTOCOL_VERSION", "UNSUPPORTED_PROTOCOL"), e
            return None
