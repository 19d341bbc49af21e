"""The generated configuration with TLS, served by real nginx: HTTPS with the
operator's certificate, HSTS, and plain HTTP only redirecting."""

from __future__ import annotations

import base64
import http.client
import ssl
import subprocess
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
