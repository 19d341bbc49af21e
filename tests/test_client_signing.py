"""A client without a PKI signs: `tripod client-key`, `tripod countersign`'s passphrase,
and real readers (pyHanko's own command line) on both sides of the signature.

The agreement is issued in a tiny project with the development key; the client's
key is made by `tripod client-key`, through the real command.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import select
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from test_signing import PYHANKO, assert_one_line, new_project, pyhanko_validate, tripod

from conftest import PROVIDER, TRIPOD, Run, TinyProject

CLIENT_PASS = "client-pass 3 Wombat"
SIGNATORY = "Maria Chen"
EMAIL = "maria.chen@acme-dental.example"


def client_tripod(project: TinyProject, *args: str, **env: str) -> Run:
    """The real command with no TRIPOD_ variable but those given."""
    return tripod(project, *args, passphrase=None, **env)


def certificate_of(p12: Path, passphrase: str = CLIENT_PASS) -> Any:
    from cryptography.hazmat.primitives.serialization import pkcs12

    _, cert, _ = pkcs12.load_key_and_certificates(p12.read_bytes(), passphrase.encode())
    assert cert is not None
    return cert


def pem_of(cert: Any) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding

    return bytes(cert.public_bytes(Encoding.PEM))


@dataclass(frozen=True)
class Issued:
    project: TinyProject
    signed: Path  # the provider-signed agreement, signed with the development key
    key: Path  # the client's key, from `tripod client-key`
    key_run: Run
    provider_pem: Path  # the development key's certificate


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory) -> Issued:
    from pyhanko.pdf_utils.reader import PdfFileReader

    root = tmp_path_factory.mktemp("client-signing")
    project = new_project(root / "project", provider=PROVIDER)
    run = client_tripod(project, "issue", "acme")
    assert run.code == 0, run.err
    signed = project.root / "agreements/acme/v1/agreement-signed.pdf"
    key = root / "keys" / "maria.p12"
    key.parent.mkdir()
    key_run = client_tripod(
        project,
        "client-key",
        SIGNATORY,
        "--email",
        EMAIL,
        "--output",
        str(key),
        TRIPOD_CLIENT_PASSPHRASE=CLIENT_PASS,
    )
    assert key_run.code == 0, key_run.err
    reader = PdfFileReader(io.BytesIO(signed.read_bytes()))
    provider_pem = root / "provider.pem"
    from asn1crypto import pem

    provider_pem.write_bytes(
        pem.armor("CERTIFICATE", reader.embedded_signatures[0].signer_cert.dump())
    )
    return Issued(project, signed, key, key_run, provider_pem)


@pytest.fixture
def fresh(issued: Issued, tmp_path: Path) -> TinyProject:
    import shutil

    shutil.copytree(issued.project.root, tmp_path / "project")
    return TinyProject(tmp_path / "project")


# ------------------------------------------------------------ client-key


def test_client_key_makes_what_an_agreement_signature_needs(issued: Issued) -> None:
    from cryptography import x509
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    out = issued.key_run.out
    assert out.startswith(
        f"wrote {issued.key}: a self-signed signing key for {SIGNATORY} <{EMAIL}>, valid until "
    )
    assert "certificate fingerprint (SHA-256): " in out
    assert "What it proves: that everything signed with it was signed with this same key" in out
    assert (
        "What it does not prove: who holds it. Anyone can make a certificate with any name" in out
    )
    assert "your provider's record of whom they sent the agreement to" in out
    assert CLIENT_PASS not in out + issued.key_run.err
    assert CLIENT_PASS.encode() not in issued.key.read_bytes()
    assert issued.key.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in issued.key.parent.iterdir()) == ["maria.p12"]

    cert = certificate_of(issued.key)
    assert cert.subject == cert.issuer  # self-signed
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == SIGNATORY
    assert cert.subject.get_attributes_for_oid(NameOID.EMAIL_ADDRESS)[0].value == EMAIL
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.RFC822Name) == [EMAIL]
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical
    assert usage.value.digital_signature and usage.value.content_commitment
    assert not usage.value.key_cert_sign
    basic = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    assert basic.ca is False
    extended = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.EMAIL_PROTECTION in extended
    assert x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36") in extended
    days = (cert.not_valid_after_utc - dt.datetime.now(dt.UTC)).days
    assert 3648 <= days <= 3650


def test_client_key_days_and_default_output(fresh: TinyProject) -> None:
    run = client_tripod(
        fresh, "client-key", SIGNATORY, "--email", EMAIL, "--days", "30",
        TRIPOD_CLIENT_PASSPHRASE=CLIENT_PASS,
    )  # fmt: skip
    assert run.code == 0, run.err
    cert = certificate_of(fresh.root / "client.p12")
    assert 28 <= (cert.not_valid_after_utc - dt.datetime.now(dt.UTC)).days <= 30


def test_client_key_never_overwrites(issued: Issued, tmp_path: Path) -> None:
    before = issued.key.read_bytes()
    run = client_tripod(
        issued.project, "client-key", "Someone Else", "--email", "eve@example.org",
        "--output", str(issued.key), TRIPOD_CLIENT_PASSPHRASE="other pass",
    )  # fmt: skip
    assert run.code == 2, run.out
    line = run.err.strip()
    assert line == (
        f"tripod: {issued.key} already exists: choose another --output, or remove it first"
    )
    assert issued.key.read_bytes() == before


def test_client_key_without_a_terminal_or_the_variable(fresh: TinyProject) -> None:
    # The provider's variable is not the client's: it is never used for a client's key.
    run = client_tripod(
        fresh, "client-key", SIGNATORY, "--email", EMAIL, TRIPOD_SIGNING_PASSPHRASE=CLIENT_PASS
    )
    assert run.code == 2, run.out
    assert run.err == (
        "tripod: client.p12 needs a passphrase: set TRIPOD_CLIENT_PASSPHRASE, "
        "or run this in a terminal to be asked for it\n"
    )
    assert not (fresh.root / "client.p12").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("", "--email", EMAIL), "NAME is empty"),
        ((SIGNATORY, "--email", "maria at acme"), "'maria at acme' is not an e-mail address"),
        ((SIGNATORY, "--email", EMAIL, "--days", "0"), "Invalid value for '--days'"),
    ],
)
def test_client_key_refuses_bad_input(
    fresh: TinyProject, args: tuple[str, ...], message: str
) -> None:
    run = client_tripod(fresh, "client-key", *args, TRIPOD_CLIENT_PASSPHRASE=CLIENT_PASS)
    assert run.code == 2, run.out
    assert message in run.err
    assert len(run.err.strip().splitlines()) == 1
    assert not (fresh.root / "client.p12").exists()


# ----------------------------------------------------- countersign's passphrase


def test_countersign_with_the_client_variable_then_record(
    issued: Issued, fresh: TinyProject
) -> None:
    out = fresh.root.parent / "countersigned.pdf"
    run = client_tripod(
        fresh, "countersign", str(issued.signed), "--key", str(issued.key), "-o", str(out),
        TRIPOD_CLIENT_PASSPHRASE=CLIENT_PASS,
    )  # fmt: skip
    assert run.code == 0, run.err
    assert run.out == f"wrote {out}: signed by {SIGNATORY}\n"
    run = client_tripod(fresh, "record", "acme", str(out))
    assert run.code == 0, run.err
    assert run.out.startswith(
        f"recorded agreements/acme/v1/agreement-executed.pdf: countersigned by {SIGNATORY}\n"
    )


def test_countersign_never_reads_the_provider_passphrase(
    issued: Issued, fresh: TinyProject
) -> None:
    out = fresh.root.parent / "countersigned.pdf"
    run = client_tripod(
        fresh, "countersign", str(issued.signed), "--key", str(issued.key), "-o", str(out),
        TRIPOD_SIGNING_PASSPHRASE=CLIENT_PASS,
    )  # fmt: skip
    assert run.code == 2, run.out
    assert run.err == (
        f"tripod: the key {issued.key} needs a passphrase: set TRIPOD_CLIENT_PASSPHRASE, "
        "or run this in a terminal to be asked for it\n"
    )
    assert not out.exists()


def test_countersign_wrong_passphrase_and_not_a_key(issued: Issued, fresh: TinyProject) -> None:
    out = fresh.root.parent / "countersigned.pdf"
    wrong = "Wrong-pass 9 Echidna"
    run = client_tripod(
        fresh, "countersign", str(issued.signed), "--key", str(issued.key), "-o", str(out),
        TRIPOD_CLIENT_PASSPHRASE=wrong,
    )  # fmt: skip
    assert assert_one_line(run) == f"tripod: cannot read the key {issued.key}: wrong passphrase"
    assert wrong not in run.out + run.err

    for name, data in (("notes.p12", b"not a key at all\n"), ("agreement.p12", None)):
        bogus = fresh.root.parent / name
        bogus.write_bytes(data if data is not None else issued.signed.read_bytes())
        run = client_tripod(
            fresh, "countersign", str(issued.signed), "--key", str(bogus), "-o", str(out),
            TRIPOD_CLIENT_PASSPHRASE=CLIENT_PASS,
        )  # fmt: skip
        assert assert_one_line(run) == f"tripod: cannot read the key {bogus}: not a PKCS#12 file"
    assert not out.exists()


def _on_a_terminal(args: list[str], cwd: Path, answers: list[str]) -> tuple[int, str, str]:
    """Runs `tripod ARGS` with a pseudo-terminal as its standard input (and no
    TRIPOD_ variable), answering each prompt that appears on its standard error."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRIPOD_")}
    master, slave = os.openpty()
    process = subprocess.Popen(
        [TRIPOD, *args],
        cwd=cwd,
        env=env,
        stdin=slave,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # no controlling terminal: the prompt reads standard input
    )
    os.close(slave)
    assert process.stderr is not None and process.stdout is not None
    err = b""
    deadline = time.monotonic() + 60
    try:
        for asked, answer in enumerate(answers):
            while err.count(b": ") <= asked:
                assert time.monotonic() < deadline, err
                ready, _, _ = select.select([process.stderr], [], [], 1)
                if ready:
                    chunk = os.read(process.stderr.fileno(), 4096)
                    assert chunk, err
                    err += chunk
            os.write(master, answer.encode() + b"\n")
        out, rest = process.communicate(timeout=60)
    finally:
        os.close(master)
        if process.poll() is None:
            process.kill()
    return process.returncode, out.decode(), (err + rest).decode()


@pytest.mark.slow
@pytest.mark.real_command
def test_countersign_and_client_key_ask_on_a_terminal(issued: Issued, fresh: TinyProject) -> None:
    out = fresh.root.parent / "countersigned.pdf"
    code, stdout, stderr = _on_a_terminal(
        ["countersign", str(issued.signed), "--key", str(issued.key), "-o", str(out)],
        fresh.root,
        [CLIENT_PASS],
    )
    assert code == 0, stderr
    assert stderr.startswith(f"Passphrase for the key {issued.key}: ")
    assert CLIENT_PASS not in stdout + stderr
    assert stdout == f"wrote {out}: signed by {SIGNATORY}\n"

    key = fresh.root / "second.p12"
    code, stdout, stderr = _on_a_terminal(
        ["client-key", SIGNATORY, "--email", EMAIL, "-o", str(key)],
        fresh.root,
        ["twice typed", "twice typed"],
    )
    assert code == 0, stderr
    assert "Passphrase for " in stderr and "Repeat the passphrase" in stderr
    assert "twice typed" not in stdout + stderr
    certificate_of(key, "twice typed")


# ------------------------------------------------------------ real readers


def _trust(issued: Issued, tmp_path: Path) -> list[str]:
    client_pem = tmp_path / "client.pem"
    client_pem.write_bytes(pem_of(certificate_of(issued.key)))
    return ["--trust", str(client_pem)]


@pytest.mark.slow
def test_pyhanko_validates_what_tripod_countersign_made(
    issued: Issued, fresh: TinyProject, tmp_path: Path
) -> None:
    out = tmp_path / "countersigned.pdf"
    run = client_tripod(
        fresh, "countersign", str(issued.signed), "--key", str(issued.key), "-o", str(out),
        TRIPOD_CLIENT_PASSPHRASE=CLIENT_PASS,
    )  # fmt: skip
    assert run.code == 0, run.err
    # Both certificates are self-signed (the development key's and the client's): each
    # is its own trust root, and neither publishes revocation information.
    done = pyhanko_validate(
        out, issued.provider_pem, *_trust(issued, tmp_path), "--no-revocation-check"
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Field 1: Provider\n" in done.stdout and "Field 2: Client\n" in done.stdout
    assert done.stdout.count("The signature is cryptographically sound.") == 2
    assert done.stdout.count("The signature is judged VALID.") == 2

    # pyHanko's classic validator says the same of the client's signature.
    done = subprocess.run(
        [PYHANKO, "sign", "validate", "--pretty-print", "--no-revocation-check",
         "--trust", str(issued.provider_pem), *_trust(issued, tmp_path), str(out)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Field 2: Client" in done.stdout
    assert "The signer's certificate is trusted." in done.stdout


@pytest.mark.slow
@pytest.mark.parametrize("source", ["pkcs12", "pemder"])
def test_record_accepts_a_signature_made_by_pyhankos_command_line(
    source: str, issued: Issued, fresh: TinyProject, tmp_path: Path
) -> None:
    from cryptography.hazmat.primitives.serialization import (
        BestAvailableEncryption,
        Encoding,
        PrivateFormat,
        pkcs12,
    )

    out = tmp_path / "countersigned.pdf"
    passfile = tmp_path / "passphrase"
    passfile.write_text(CLIENT_PASS)
    if source == "pkcs12":
        material = [
            "pkcs12",
            "--passfile",
            str(passfile),
            str(issued.signed),
            str(out),
            str(issued.key),
        ]
    else:  # a key and certificate as PEM files, as other tools keep them
        key, cert, _ = pkcs12.load_key_and_certificates(
            issued.key.read_bytes(), CLIENT_PASS.encode()
        )
        assert key is not None and cert is not None
        (tmp_path / "key.pem").write_bytes(
            key.private_bytes(
                Encoding.PEM, PrivateFormat.PKCS8, BestAvailableEncryption(CLIENT_PASS.encode())
            )
        )
        (tmp_path / "cert.pem").write_bytes(pem_of(cert))
        material = [
            "pemder", "--key", str(tmp_path / "key.pem"), "--cert", str(tmp_path / "cert.pem"),
            "--passfile", str(passfile), str(issued.signed), str(out),
        ]  # fmt: skip
    done = subprocess.run(
        [PYHANKO, "sign", "addsig", "--field", "Client", "--existing-only", *material],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr

    run = client_tripod(fresh, "record", "acme", str(out))
    assert run.code == 0, run.err
    assert run.out.startswith(
        f"recorded agreements/acme/v1/agreement-executed.pdf: countersigned by {SIGNATORY}\n"
    )
    run = client_tripod(fresh, "verify", "agreements/acme/v1/agreement-executed.pdf")
    assert f"Client: approval signature by {SIGNATORY}, " in run.out
    assert f"the client's signer is the named signatory, {SIGNATORY}\n" in run.out


# ------------------------------------------------------------ the client's site


@pytest.mark.slow
def test_the_agreement_page_says_how_to_sign_until_the_client_has(
    issued: Issued, fresh: TinyProject, tmp_path: Path
) -> None:
    from conftest import read_page

    page = fresh.root / "site/clients/acme/current/agreement/index.html"
    run = client_tripod(fresh, "build", "acme")
    assert run.code == 0, run.err
    text = read_page(page.read_text("utf-8")).text
    assert "How to sign version 1" in text
    assert "in the box for Acme Dental, as Maria Chen" in text
    assert "Use a certificate › Digitally sign" in text
    assert "Fill & Sign is not a digital signature" in text
    assert "tripod countersign agreement-signed.pdf --key client.p12" in text
    assert "it does not prove who holds it" in text

    out = tmp_path / "countersigned.pdf"
    run = client_tripod(
        fresh, "countersign", str(issued.signed), "--key", str(issued.key), "-o", str(out),
        TRIPOD_CLIENT_PASSPHRASE=CLIENT_PASS,
    )  # fmt: skip
    assert run.code == 0, run.err
    assert client_tripod(fresh, "record", "acme", str(out)).code == 0
    run = client_tripod(fresh, "build", "acme")
    assert run.code == 0, run.err
    assert "How to sign" not in read_page(page.read_text("utf-8")).text
