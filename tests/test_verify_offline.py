"""`verify` and `record` fetch nothing a certificate points at unless told to.

A client's certificate carries addresses chosen by whoever made it (AIA's
issuer and OCSP URLs, CRL distribution points). Here they point at an HTTP
server this test starts on loopback, which counts what it is asked: by default
nothing is fetched; with `--online` loopback is still refused (and said); only
with `--allow-private-addresses` as well are the requests made, and a server
that never answers cannot hold the command past its per-request timeout.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from test_signing import (
    CLIENT_PASSPHRASE,
    PASSPHRASE,
    PROVIDER_CN,
    _certificate,
    new_project,
    tripod,
)

from conftest import TinyProject


@dataclass
class Server:
    url: str
    requests: list[str]
    hang: threading.Event  # set: answer nothing until released
    release: threading.Event


@pytest.fixture
def server() -> Iterator[Server]:
    seen: list[str] = []
    hang, release = threading.Event(), threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def answer(self) -> None:
            seen.append(f"{self.command} {self.path}")
            if hang.is_set():
                release.wait(60)
                return
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_POST = answer

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield Server(f"http://127.0.0.1:{httpd.server_address[1]}", seen, hang, release)
    finally:
        release.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(10)


@dataclass(frozen=True)
class Signed:
    project: TinyProject
    countersigned: Path


@pytest.fixture
def signed(tmp_path: Path, server: Server) -> Signed:
    """acme v1 issued with the provider's key (its root in provider.yaml), and
    countersigned outside the archive with a client certificate whose addresses
    point at the test's server."""
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import (
        BestAvailableEncryption,
        Encoding,
        pkcs12,
    )

    from generator.agreement import sign

    root_key, provider_key, client_key = (ec.generate_private_key(ec.SECP256R1()) for _ in "abc")
    root = _certificate("Tripod Offline Test Root", root_key, None, root_key, ca=True)
    provider = _certificate(PROVIDER_CN, provider_key, root, root_key)
    client = _certificate("Maria Chen", client_key, root, root_key, addresses=server.url)

    def p12(path: Path, key: Any, cert: Any, passphrase: str) -> Path:
        blob = pkcs12.serialize_key_and_certificates(
            b"key", key, cert, [root], BestAvailableEncryption(passphrase.encode())
        )
        path.write_bytes(blob)
        return path

    project = new_project(tmp_path / "project")
    project.write("certs/provider-root.pem", root.public_bytes(Encoding.PEM))
    provider_p12 = p12(tmp_path / "provider.p12", provider_key, provider, PASSPHRASE)
    run = tripod(project, "issue", "acme", "--key", str(provider_p12))
    assert run.code == 0, run.err
    client_p12 = p12(tmp_path / "client.p12", client_key, client, CLIENT_PASSPHRASE)
    issued = (project.root / "agreements/acme/v1/agreement-signed.pdf").read_bytes()
    out = tmp_path / "countersigned.pdf"
    out.write_bytes(sign.countersign(issued, sign.load_key(client_p12, CLIENT_PASSPHRASE)))
    assert server.requests == []
    return Signed(project, out)


def fresh_copy(signed: Signed, name: str) -> TinyProject:
    root = signed.project.root.parent / name
    shutil.copytree(signed.project.root, root)
    return TinyProject(root)


@pytest.mark.slow
def test_offline_by_default(signed: Signed, server: Server) -> None:
    run = tripod(signed.project, "verify", "--strict", str(signed.countersigned))
    assert run.code == 0, run.out
    assert "not fetched" not in run.out
    assert server.requests == []

    run = tripod(fresh_copy(signed, "recorded"), "record", "acme", str(signed.countersigned))
    assert run.code == 0, run.err
    assert server.requests == []


@pytest.mark.slow
def test_online_refuses_loopback_and_says_so(signed: Signed, server: Server) -> None:
    run = tripod(signed.project, "verify", "--online", str(signed.countersigned))
    assert run.code == 0, run.out
    refused = [line for line in run.out.splitlines() if line.startswith("not fetched: ")]
    assert refused, run.out
    for line in refused:
        assert line.startswith(f"not fetched: {server.url}/"), line
        assert line.endswith(" (a loopback address); --allow-private-addresses fetches it")
    assert server.requests == []

    project = fresh_copy(signed, "recorded")
    run = tripod(project, "record", "acme", "--online", str(signed.countersigned))
    assert run.code == 0, run.err
    assert f"not fetched: {server.url}/" in run.out
    assert server.requests == []


@pytest.mark.slow
def test_online_with_private_addresses_fetches(signed: Signed, server: Server) -> None:
    run = tripod(
        signed.project,
        "verify",
        "--online",
        "--allow-private-addresses",
        str(signed.countersigned),
    )
    assert "Traceback" not in run.out + run.err
    assert "not fetched" not in run.out
    assert server.requests, run.out
    assert all(r.split()[1] in ("/ocsp", "/root.crl", "/issuer.cer") for r in server.requests)
    assert run.code == 0, run.out  # revocation is soft-fail: an answer-less server is no proof


@pytest.mark.slow
@pytest.mark.real_command
def test_a_server_that_never_answers_does_not_hold_verify(signed: Signed, server: Server) -> None:
    # The server takes each request and answers nothing until the test ends; the command
    # still comes back (each request has its timeout), with its outcome.
    server.hang.set()
    run = tripod(
        signed.project,
        "verify",
        "--online",
        "--allow-private-addresses",
        str(signed.countersigned),
    )
    assert server.requests
    assert "Traceback" not in run.out + run.err
    assert run.code == 0, run.out


def test_private_addresses_need_online(signed: Signed, server: Server) -> None:
    run = tripod(signed.project, "verify", "--allow-private-addresses", str(signed.countersigned))
    assert run.code == 2
    assert run.err.strip() == "tripod: --allow-private-addresses needs --online"
    assert server.requests == []
