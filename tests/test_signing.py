"""Signed agreements: issue → countersign → record → verify, tampering, immutability, keys.

Everything runs through the real `tripod` command, with throwaway certificates made
here: a root CA, the provider's and the client's leaf certificates (digital signature
and non-repudiation) and a leaf without non-repudiation, as PKCS#12 files with a
passphrase. The provider's root is listed under `certificates:` in provider.yaml.
Files are inspected with pyHanko and pypdf directly, and checked independently with
pyHanko's own command line.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conftest import CLIENT, PROVIDER, REPO, TODAY, Run, TinyProject, with_change

PASSPHRASE = "Provider-pass 7 Quokka"
CLIENT_PASSPHRASE = "client-pass 3 Wombat"
PROVIDER_CN = "Southern Cross IT Services (test signer)"
CLIENT_CN = "Maria Chen (test signer)"
STRANGER_CN = "Dana Whitlock (test signer)"
PYHANKO = str(Path(sys.executable).with_name("pyhanko"))
PROVIDER_WITH_ROOT = PROVIDER + "certificates: [certs/provider-root.pem]\n"


# ------------------------------------------------------------- a test PKI


@dataclass(frozen=True)
class Pki:
    folder: Path
    root_pem: Path
    provider_cert_pem: Path
    provider_p12: Path
    client_p12: Path
    no_nonrep_p12: Path
    other_root_pem: Path  # a root that issued none of these
    stranger_p12: Path  # issued by the root to someone who is not the named signatory
    impostor_p12: Path  # self-signed, named like the provider


def _name(common_name: str) -> Any:
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Tripod test PKI"),
        ]
    )


def _certificate(
    subject: str,
    key: Any,
    issuer: Any | None,
    issuer_key: Any,
    *,
    ca: bool = False,
    non_repudiation: bool = True,
    addresses: str | None = None,
) -> Any:
    """A certificate; with `addresses`, its AIA (issuer and OCSP) and CRL
    addresses point under that URL."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import AuthorityInformationAccessOID

    now = dt.datetime.now(dt.UTC)
    issuer_name = issuer.subject if issuer is not None else _name(subject)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=non_repudiation and not ca,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=ca,
                crl_sign=ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
    if addresses is not None:
        builder = builder.add_extension(
            x509.AuthorityInformationAccess(
                [
                    x509.AccessDescription(
                        AuthorityInformationAccessOID.OCSP,
                        x509.UniformResourceIdentifier(f"{addresses}/ocsp"),
                    ),
                    x509.AccessDescription(
                        AuthorityInformationAccessOID.CA_ISSUERS,
                        x509.UniformResourceIdentifier(f"{addresses}/issuer.cer"),
                    ),
                ]
            ),
            critical=False,
        ).add_extension(
            x509.CRLDistributionPoints(
                [
                    x509.DistributionPoint(
                        [x509.UniformResourceIdentifier(f"{addresses}/root.crl")], None, None, None
                    )
                ]
            ),
            critical=False,
        )
    return builder.sign(issuer_key, hashes.SHA256())


def _p12(path: Path, name: str, key: Any, cert: Any, chain: list[Any], passphrase: str) -> Path:
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12

    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            name.encode(), key, cert, chain, BestAvailableEncryption(passphrase.encode())
        )
    )
    return path


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import Encoding

    folder = tmp_path_factory.mktemp("pki")
    root_key = ec.generate_private_key(ec.SECP256R1())
    root = _certificate("Tripod Test Root CA", root_key, None, root_key, ca=True)
    other_key = ec.generate_private_key(ec.SECP256R1())
    other = _certificate("Some Other Root CA", other_key, None, other_key, ca=True)
    leaves = {}
    for label, cn, nonrep in (
        ("provider", PROVIDER_CN, True),
        ("client", CLIENT_CN, True),
        ("no-nonrep", "No Non-Repudiation (test signer)", False),
        ("stranger", STRANGER_CN, True),
    ):
        key = ec.generate_private_key(ec.SECP256R1())
        leaves[label] = (key, _certificate(cn, key, root, root_key, non_repudiation=nonrep))
    impostor_key = ec.generate_private_key(ec.SECP256R1())
    impostor = _certificate(PROVIDER_CN, impostor_key, None, impostor_key)
    (folder / "root.pem").write_bytes(root.public_bytes(Encoding.PEM))
    (folder / "other-root.pem").write_bytes(other.public_bytes(Encoding.PEM))
    (folder / "provider.pem").write_bytes(leaves["provider"][1].public_bytes(Encoding.PEM))
    return Pki(
        folder,
        folder / "root.pem",
        folder / "provider.pem",
        _p12(folder / "provider.p12", "provider", *leaves["provider"], [root], PASSPHRASE),
        _p12(folder / "client.p12", "client", *leaves["client"], [root], CLIENT_PASSPHRASE),
        _p12(folder / "no-nonrep.p12", "no-nonrep", *leaves["no-nonrep"], [root], PASSPHRASE),
        folder / "other-root.pem",
        _p12(folder / "stranger.p12", "stranger", *leaves["stranger"], [root], CLIENT_PASSPHRASE),
        _p12(folder / "impostor.p12", "impostor", impostor_key, impostor, [], PASSPHRASE),
    )


# ------------------------------------------------------------------ helpers


def tripod(
    project: TinyProject, *args: str, passphrase: str | None = PASSPHRASE, **env: str
) -> Run:
    """The real command, with the signing passphrase (and nothing else TRIPOD_) set."""
    with pytest.MonkeyPatch.context() as mp:
        for name in list(os.environ):
            if name.startswith("TRIPOD_"):
                mp.delenv(name)
        if passphrase is not None:
            mp.setenv("TRIPOD_SIGNING_PASSPHRASE", passphrase)
        for name, value in env.items():
            mp.setenv(name, value)
        return project.tripod(*args)


def new_project(
    root: Path, provider: str = PROVIDER_WITH_ROOT, pki: Pki | None = None
) -> TinyProject:
    """What the `tiny_site` fixture makes, in a folder of our choosing."""
    root.mkdir(parents=True, exist_ok=True)
    project = TinyProject(root)
    project.write("provider.yaml", provider)
    (root / "clients").mkdir()
    if pki is not None:
        project.write("certs/provider-root.pem", pki.root_pem.read_bytes())
    project.client()
    return project


def copy_project(project: TinyProject, root: Path) -> TinyProject:
    shutil.copytree(project.root, root)
    return TinyProject(root)


def snapshot(root: Path) -> dict[str, str]:
    """Every file under root (but .git) with the SHA-256 of its bytes."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }


def canonical_terms(project: TinyProject, client_id: str = "acme") -> bytes:
    """The client's canonical terms as they are now, computed apart from `issue`."""
    from generator.format.load import load_client, load_provider
    from generator.project.layout import Project
    from generator.terms import canonical as terms

    client = load_client(project.root / f"clients/{client_id}.yaml", client_id, TODAY).model
    provider = load_provider(project.root / "provider.yaml", "provider.yaml", project.root).model
    assert client is not None and provider is not None
    fingerprint = Project.at(project.root).template_fingerprint()
    return terms.canonical(terms.terms_of(client, provider, fingerprint))


def assert_one_line(run: Run, prefix: str = "tripod: ") -> str:
    """Exit 1 with one readable line on stderr, no traceback."""
    assert run.code == 1, (run.out, run.err)
    assert "Traceback" not in run.out + run.err
    lines = run.err.strip().splitlines()
    assert len(lines) == 1, run.err
    assert lines[0].startswith(prefix), run.err
    return lines[0]


def assert_refused(project: TinyProject, file: Path, client: str = "acme") -> str:
    """`tripod record` refuses FILE with one readable line and archives nothing."""
    folder = project.root / "agreements"
    before = snapshot(folder)
    run = tripod(project, "record", client, str(file))
    line = assert_one_line(run, "tripod: refused: ")
    assert run.out == ""
    assert snapshot(folder) == before
    assert not list(folder.rglob("agreement-executed.pdf"))
    return line


def assert_verify_fails(project: TinyProject, file: Path) -> str:
    run = tripod(project, "verify", str(file))
    assert run.code == 1, run.out
    assert "Traceback" not in run.out + run.err
    assert run.out.rstrip().endswith("FAILED"), run.out
    return run.out


def reader(data: bytes) -> Any:
    from pyhanko.pdf_utils.reader import PdfFileReader

    return PdfFileReader(io.BytesIO(data))


def field(data: bytes, name: str) -> Any:
    for ref in reader(data).root["/AcroForm"]["/Fields"]:
        found = ref.get_object()
        if found.get("/T") == name:
            return found
    raise AssertionError(f"no field {name}")


def load_key(path: Path, passphrase: str) -> Any:
    from generator.agreement import sign

    return sign.load_key(path, passphrase)


def countersign(data: bytes, pki: Pki) -> bytes:
    """The client's signature in the prepared field (set-up for tamper cases)."""
    from generator.agreement import sign

    return sign.countersign(data, load_key(pki.client_p12, CLIENT_PASSPHRASE))


# ------------------------------------------------------ the issued project


@dataclass(frozen=True)
class Issued:
    project: TinyProject
    signed: bytes  # agreements/acme/v1/agreement-signed.pdf
    countersigned: bytes  # by `tripod countersign`, not yet recorded
    terms: bytes  # the canonical terms, computed apart from issue
    runs: tuple[Run, ...]


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory, pki: Pki) -> Issued:
    """A project whose acme v1 is issued with the provider's key and countersigned
    (to a file outside the archive) with the client's key, not recorded."""
    project = new_project(tmp_path_factory.mktemp("issued") / "project", pki=pki)
    terms = canonical_terms(project)
    run_issue = tripod(project, "issue", "acme", "--key", str(pki.provider_p12))
    assert run_issue.code == 0, run_issue.err
    out = project.root.parent / "countersigned.pdf"
    signed_path = project.root / "agreements/acme/v1/agreement-signed.pdf"
    run_counter = tripod(
        project,
        "countersign",
        str(signed_path),
        "--key",
        str(pki.client_p12),
        "-o",
        str(out),
        passphrase=None,
        TRIPOD_CLIENT_PASSPHRASE=CLIENT_PASSPHRASE,
    )
    assert run_counter.code == 0, run_counter.err
    return Issued(
        project, signed_path.read_bytes(), out.read_bytes(), terms, (run_issue, run_counter)
    )


@pytest.fixture
def fresh(issued: Issued, tmp_path: Path) -> TinyProject:
    """A copy of the issued project that a test may change."""
    return copy_project(issued.project, tmp_path / "project")


# ------------------------------------------------------------ 1. the flow


@pytest.mark.slow
@pytest.mark.real_command
def test_issue_countersign_record_verify(issued: Issued, fresh: TinyProject) -> None:
    run_issue, run_counter = issued.runs
    assert run_issue.out.startswith("issued agreements/acme/v1/: ")
    assert f"terms fingerprint {hashlib.sha256(issued.terms).hexdigest()[:12]}" in run_issue.out
    assert "development key" not in run_issue.out + run_issue.err
    assert f"signed by {CLIENT_CN}" in run_counter.out
    for run in issued.runs:
        assert PASSPHRASE not in run.out + run.err
        assert CLIENT_PASSPHRASE not in run.out + run.err

    folder = fresh.root / "agreements" / "acme" / "v1"
    assert sorted(p.name for p in folder.iterdir()) == ["agreement-signed.pdf", "terms.json"]
    assert (folder / "terms.json").read_bytes() == issued.terms
    # The SPEC's canonical form: sorted keys, UTF-8, no insignificant whitespace.
    assert issued.terms == json.dumps(
        json.loads(issued.terms), sort_keys=True, ensure_ascii=False, separators=(",", ":")
    ).encode("utf-8")

    # The provider-signed file on its own: intact, trusted, nothing changed after.
    run = tripod(fresh, "verify", str(folder / "agreement-signed.pdf"), "--strict")
    assert run.code == 0, run.out
    assert f"Provider: certification signature by {PROVIDER_CN}" in run.out
    assert "intact: yes" in run.out
    assert "trusted: yes" in run.out
    assert "changes after signing: no changes after signing" in run.out

    countersigned = fresh.root.parent / "countersigned.pdf"
    countersigned.write_bytes(issued.countersigned)
    fresh.client(CLIENT.replace("id: acme", "id: globex"), "globex")
    line = assert_refused(fresh, countersigned, "globex")
    assert "is not an agreement of globex" in line
    run = tripod(fresh, "record", "acme", str(countersigned))
    assert run.code == 0, run.err
    assert run.out.startswith(
        f"recorded agreements/acme/v1/agreement-executed.pdf: countersigned by {CLIENT_CN}\n"
    )
    assert "-----BEGIN CERTIFICATE-----" in run.out
    assert sorted(p.name for p in folder.iterdir()) == [
        "agreement-executed.pdf",
        "agreement-signed.pdf",
        "signer.json",
        "terms.json",
    ]
    assert json.loads((folder / "signer.json").read_text()) == {
        "signer": CLIENT_CN,
        "signatory": "Maria Chen",
        "matches": True,
        "reason": None,
    }
    assert (folder / "agreement-executed.pdf").read_bytes() == issued.countersigned
    assert (folder / "agreement-signed.pdf").read_bytes() == issued.signed
    assert (folder / "terms.json").read_bytes() == issued.terms

    run = tripod(fresh, "verify", "agreements/acme/v1/agreement-executed.pdf")
    assert run.code == 0, run.out
    at = run.out.index("\nClient: ") + 1
    provider_block, client_block = run.out[:at], run.out[at:]
    assert "Client: " not in provider_block and "Provider: " not in client_block
    assert f"Provider: certification signature by {PROVIDER_CN}, " in provider_block
    assert "  intact: yes\n" in provider_block
    assert (
        "  trusted: yes (its certificate chains to one listed in provider.yaml)\n" in provider_block
    )
    assert "  changes after signing: only form filling and signing\n" in provider_block
    assert client_block.startswith(f"Client: approval signature by {CLIENT_CN}, ")
    assert "  intact: yes\n" in client_block
    assert "  changes after signing: no changes after signing\n" in client_block
    fingerprint = hashlib.sha256(issued.terms).hexdigest()
    assert f"terms: acme version 1, fingerprint {fingerprint}\n" in run.out
    assert "terms match the archived terms of that version\n" in run.out
    assert "the client's signer is the named signatory, Maria Chen\n" in run.out
    assert run.out.endswith("verified\n")
    assert "problem" not in run.out

    strict = tripod(fresh, "verify", "--strict", "agreements/acme/v1/agreement-executed.pdf")
    assert strict.code == 0, strict.out

    # Recorded once: a second record is refused and the executed file stays.
    assert "already recorded" in assert_one_line(
        tripod(fresh, "record", "acme", str(countersigned)), "tripod: refused: "
    )


def test_verify_awaiting_the_client_signature(issued: Issued, fresh: TinyProject) -> None:
    signed = "agreements/acme/v1/agreement-signed.pdf"
    for options in ((), ("--strict",)):
        run = tripod(fresh, "verify", *options, signed)
        assert run.code == 0, run.out
        assert run.out.startswith(f"Provider: certification signature by {PROVIDER_CN}, ")
        assert run.out.endswith("awaiting the client's signature\nverified\n")


UNTRUSTED = (
    "not trusted: the provider's signature (by Southern Cross IT Services (test signer)) "
    "is not from a certificate listed in provider.yaml"
)


def assert_untrusted_rows(project: TinyProject, file: str, first: str) -> None:
    """The SPEC's row for an untrusted provider signature, option by option."""
    for options, code, line in (
        ((), 1, first),
        (("--allow-untrusted",), 0, first + " (accepted: --allow-untrusted)"),
        (("--strict",), 1, first),
        (("--strict", "--allow-untrusted"), 1, first),
    ):
        run = tripod(project, "verify", *options, file)
        assert run.code == code, (options, run.out)
        assert "Traceback" not in run.out + run.err
        assert run.out.splitlines()[0] == line, (options, run.out)
        assert run.out.endswith("verified\n" if code == 0 else "FAILED\n"), run.out


def test_untrusted_when_the_provider_certificate_is_not_listed(
    issued: Issued, fresh: TinyProject, pki: Pki
) -> None:
    fresh.write("certs/provider-root.pem", pki.other_root_pem.read_bytes())
    signed = "agreements/acme/v1/agreement-signed.pdf"
    assert_untrusted_rows(fresh, signed, UNTRUSTED)
    assert "  trusted: no\n" in tripod(fresh, "verify", signed).out


@pytest.mark.slow
def test_untrusted_self_signed_certificate_named_like_the_provider(
    tmp_path: Path, pki: Pki
) -> None:
    project = new_project(tmp_path / "project", pki=pki)
    run = tripod(project, "issue", "acme", "--key", str(pki.impostor_p12))
    assert run.code == 0, run.err
    assert_untrusted_rows(project, "agreements/acme/v1/agreement-signed.pdf", UNTRUSTED)


def test_client_signer_not_the_named_signatory(
    issued: Issued, fresh: TinyProject, pki: Pki
) -> None:
    from generator.agreement import sign

    file = fresh.root.parent / "countersigned-by-a-stranger.pdf"
    file.write_bytes(sign.countersign(issued.signed, load_key(pki.stranger_p12, CLIENT_PASSPHRASE)))
    warning = (
        f"warning: the client's signature is by {STRANGER_CN}, not the named signatory "
        "Maria Chen, and no reason was recorded"
    )
    run = tripod(fresh, "verify", str(file))
    assert run.code == 0, run.out
    assert run.out.splitlines()[0] == warning
    assert run.out.endswith("verified\n")
    strict = tripod(fresh, "verify", "--strict", str(file))
    assert strict.code == 1, strict.out
    assert strict.out.splitlines()[0] == warning
    assert strict.out.endswith("FAILED\n")

    line = assert_refused(fresh, file)
    assert line == (
        f"tripod: refused: the client's signature is by {STRANGER_CN}, not the named signatory "
        'Maria Chen: if that is right, record it with --signer-differs "REASON"'
    )
    reason = "Maria was on leave; Dana signs as acting practice manager"
    run = tripod(fresh, "record", "acme", str(file), "--signer-differs", reason)
    assert run.code == 0, run.err
    assert f"reason recorded: {reason}\n" in run.out
    folder = fresh.root / "agreements/acme/v1"
    assert json.loads((folder / "signer.json").read_text()) == {
        "signer": STRANGER_CN,
        "signatory": "Maria Chen",
        "matches": False,
        "reason": reason,
    }
    executed = "agreements/acme/v1/agreement-executed.pdf"
    for options in ((), ("--strict",)):
        run = tripod(fresh, "verify", *options, executed)
        assert run.code == 0, run.out
        assert "warning" not in run.out
        assert (
            "the client's signer is not the named signatory, Maria Chen; "
            f"reason recorded: {reason}\n"
        ) in run.out
    # The reason belongs to the recorded copy, not to another file signed the same way.
    again = fresh.root.parent / "countersigned-again.pdf"
    again.write_bytes(
        sign.countersign(issued.signed, load_key(pki.stranger_p12, CLIENT_PASSPHRASE))
    )
    assert again.read_bytes() != file.read_bytes()
    assert tripod(fresh, "verify", "--strict", str(again)).code == 1


# --------------------------------------------------- 2. what the PDF holds


_BOXES = """
import json, sys
from pathlib import Path
from generator import render
from generator.agreement.document import render_agreement
from generator.format.load import load_provider
from generator.project.layout import Project
from generator.project.record import TermsRecord
root, terms = Path(sys.argv[1]), Path(sys.argv[2])
provider = load_provider(root / "provider.yaml", "provider.yaml", root).model
done = render_agreement(
    render.environment(root / "templates"),
    Project.at(root).template("agreement/agreement.css").parent,
    TermsRecord(terms.read_bytes(), provider), None, draft=False,
)
print(json.dumps({"pages": done.pages, "pdf": done.pdf.hex(),
                  "boxes": {k: [b.page, b.x1, b.y1, b.x2, b.y2] for k, b in done.boxes.items()}}))
"""


@dataclass(frozen=True)
class Boxes:
    """What generator.agreement.render_agreement reports for archived terms."""

    pages: int
    pdf: bytes
    boxes: dict[str, Any]

    @classmethod
    def of(cls, root: Path, terms: Path) -> Boxes:
        from generator.agreement.pdf import Box

        done = subprocess.run(
            [sys.executable, "-c", _BOXES, str(root), str(terms)],
            capture_output=True,
            text=True,
            check=True,
            cwd=REPO,
            timeout=120,
        )
        data = json.loads(done.stdout)
        boxes = {k: Box(v[0], *v[1:]) for k, v in data["boxes"].items()}
        return cls(data["pages"], bytes.fromhex(data["pdf"]), boxes)


def test_certification_prepared_field_and_attachment(issued: Issued) -> None:
    from pyhanko.sign.fields import MDPPerm
    from pyhanko.sign.validation import read_certification_data

    pdf = reader(issued.signed)
    signatures = pdf.embedded_signatures
    assert [s.field_name for s in signatures] == ["Provider"]
    (certification,) = signatures
    reference = certification.sig_object["/Reference"]
    assert [r["/TransformMethod"] for r in reference] == ["/DocMDP"]
    assert reference[0]["/TransformParams"]["/P"] == 2
    info = read_certification_data(pdf)
    assert info is not None and info.permission == MDPPerm.FILL_FORMS
    assert info.author_sig == certification.sig_object
    assert certification.signer_cert.subject.native["common_name"] == PROVIDER_CN

    client = field(issued.signed, "Client")
    assert client["/FT"] == "/Sig"
    assert "/V" not in client  # empty, waiting for the client
    lock = client["/Lock"]
    assert lock["/Action"] == "/All"
    assert lock["/P"] == 1
    provider = field(issued.signed, "Provider")

    # Where WeasyPrint put the signature blocks (rendered in another process: WeasyPrint
    # leaves a colour profile file open, a ResourceWarning that filterwarnings=error
    # would raise in whichever test the garbage collector happens to run in).
    root = issued.project.root
    rendered = Boxes.of(root, root / "agreements/acme/v1/terms.json")
    pages = list(pdf.root["/Pages"]["/Kids"])  # flat page tree (WeasyPrint)
    assert len(pages) == rendered.pages
    for widget, anchor in ((client, "sig-client-box"), (provider, "sig-provider-box")):
        box = rendered.boxes[anchor]
        assert box.page == rendered.pages - 1  # the signature blocks are on the last page
        x1, y1, x2, y2 = (float(v) for v in widget["/Rect"])
        assert x1 < x2 and y1 < y2
        assert box.x1 - 1 <= x1 and x2 <= box.x2 + 1, (widget["/Rect"], box)
        assert box.y1 - 1 <= y1 and y2 <= box.y2 + 1, (widget["/Rect"], box)
        assert (x2 - x1) * (y2 - y1) > 0.5 * (box.x2 - box.x1) * (box.y2 - box.y1)
        last = pages[box.page].get_object()
        annots = [a.get_object() for a in last["/Annots"]]
        assert any(a.get("/T") == widget["/T"] for a in annots)
    assert rendered.boxes["sig-client-box"].x1 > rendered.boxes["sig-provider-box"].x2 - 1
    # The signed file is that very rendering with the signatures appended.
    assert issued.signed.startswith(rendered.pdf)

    # The terms travel inside, byte for byte what was archived.
    from pypdf import PdfReader

    attachments = PdfReader(io.BytesIO(issued.signed)).attachments
    assert list(attachments) == ["terms.json"]
    assert attachments["terms.json"] == [(root / "agreements/acme/v1/terms.json").read_bytes()]
    assert attachments["terms.json"] == [issued.terms]


# ------------------------------------------- 3. pyHanko's own command line


def pyhanko_validate(file: Path, trust: Path, *options: str) -> subprocess.CompletedProcess[str]:
    """`pyhanko sign adesverify` with TRUST as the trust root."""
    return subprocess.run(
        [
            PYHANKO,
            "sign",
            "adesverify",
            "--trust",
            str(trust),
            "--pretty-print",
            *options,
            str(file),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.slow
def test_pyhanko_validates_what_tripod_issued(issued: Issued, pki: Pki, tmp_path: Path) -> None:
    # The provider's own certificate as the trust root; for the countersigned file,
    # the root that issued both parties' certificates (this throwaway CA publishes no
    # revocation information, so AdES revocation checks are off for its leaves).
    for name, data, trust, fields, options in (
        ("signed.pdf", issued.signed, pki.provider_cert_pem, ["Provider"], ()),
        (
            "countersigned.pdf",
            issued.countersigned,
            pki.root_pem,
            ["Provider", "Client"],
            ("--no-revocation-check",),
        ),
    ):
        path = tmp_path / name
        path.write_bytes(data)
        done = pyhanko_validate(path, trust, *options)
        assert done.returncode == 0, done.stdout + done.stderr
        for n, field_name in enumerate(fields, 1):
            assert f"Field {n}: {field_name}\n" in done.stdout
        assert done.stdout.count("The signer's certificate is trusted.") == len(fields)
        assert done.stdout.count("The signature is cryptographically sound.") == len(fields)
        assert done.stdout.count("The signature is judged VALID.") == len(fields)

    # The same file is not trusted under another root, and a flipped byte is caught.
    untrusted = pyhanko_validate(tmp_path / "signed.pdf", pki.other_root_pem)
    assert untrusted.returncode != 0, untrusted.stdout
    assert "The signer's certificate is trusted." not in untrusted.stdout
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(flip_byte(issued.signed))
    done = pyhanko_validate(tampered, pki.provider_cert_pem)
    assert done.returncode != 0, done.stdout
    assert "The signature is judged VALID." not in done.stdout


# ------------------------------------------------------------ 4. tampering


def flip_byte(data: bytes) -> bytes:
    """One byte changed inside the provider's signed range: in the middle of the
    longest stream there, so that the file still parses but no longer matches."""
    byte_range = data[data.index(b"/ByteRange") :].split(b"[", 1)[1].split(b"]", 1)[0]
    signed_end = int(byte_range.split()[1])  # the first signed stretch: [0, signed_end)
    streams = [
        (m.end(), data.index(b"endstream", m.end()))
        for m in re.finditer(rb"(?<!end)stream\r?\n", data[:signed_end])
    ]
    start, end = max(streams, key=lambda s: s[1] - s[0])
    assert end - start > 100 and end < signed_end
    offset = (start + end) // 2
    changed = bytearray(data)
    changed[offset] ^= 0x01
    return bytes(changed)


def _writer(data: bytes) -> Any:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    return IncrementalPdfFileWriter(io.BytesIO(data))


def _written(writer: Any) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def add_page_content(data: bytes) -> bytes:
    """An incremental update that paints over the first page and writes new text."""
    from pyhanko.pdf_utils import generic

    writer = _writer(data)
    font = generic.DictionaryObject(
        {
            generic.pdf_name("/Type"): generic.pdf_name("/Font"),
            generic.pdf_name("/Subtype"): generic.pdf_name("/Type1"),
            generic.pdf_name("/BaseFont"): generic.pdf_name("/Helvetica"),
        }
    )
    resources = generic.DictionaryObject(
        {
            generic.pdf_name("/Font"): generic.DictionaryObject(
                {generic.pdf_name("/FTamper"): writer.add_object(font)}
            )
        }
    )
    stream = generic.StreamObject(
        stream_data=b"q 1 1 1 rg 50 600 500 150 re f Q "
        b"BT /FTamper 14 Tf 60 700 Td (RTO: 1 hour, all systems) Tj ET"
    )
    writer.add_stream_to_page(0, writer.add_object(stream), resources=resources)
    return _written(writer)


def add_text_field(data: bytes) -> bytes:
    """An incremental update that adds a (filled-in) text field on the last page."""
    from pyhanko.pdf_utils import generic

    writer = _writer(data)
    pages = writer.root["/Pages"]["/Kids"]
    page_ref = pages.raw_get(len(pages) - 1)
    n = generic.pdf_name
    widget = generic.DictionaryObject(
        {
            n("/Type"): n("/Annot"),
            n("/Subtype"): n("/Widget"),
            n("/FT"): n("/Tx"),
            n("/T"): generic.pdf_string("Discount"),
            n("/V"): generic.pdf_string("100%"),
            n("/Rect"): generic.ArrayObject([generic.NumberObject(v) for v in (60, 60, 260, 80)]),
            n("/F"): generic.NumberObject(4),
            n("/P"): page_ref,
        }
    )
    widget_ref = writer.add_object(widget)
    form = writer.root["/AcroForm"]
    form["/Fields"].append(widget_ref)
    fields_ref = form.raw_get("/Fields")
    if isinstance(fields_ref, generic.IndirectObject):
        writer.mark_update(fields_ref)
    form_ref = writer.root.raw_get("/AcroForm")
    if isinstance(form_ref, generic.IndirectObject):
        writer.mark_update(form_ref)
    else:
        writer.update_root()
    writer.register_annotation(page_ref, widget_ref)
    return _written(writer)


def add_signature(data: bytes, pki: Pki, visible: bool = True) -> bytes:
    """The client's key signs in a new field "Extra", not the prepared one."""
    from pyhanko.sign import fields, signers

    key = load_key(pki.client_p12, CLIENT_PASSPHRASE)
    writer = _writer(data)
    pages = writer.root["/Pages"]["/Kids"]
    spec = fields.SigFieldSpec(
        "Extra", on_page=len(pages) - 1, box=(60, 40, 260, 90) if visible else None
    )
    signer = signers.PdfSigner(
        signers.PdfSignatureMetadata(field_name="Extra", subfilter=fields.SigSeedSubFilter.PADES),
        key.signer,
        new_field_spec=spec,
    )
    return bytes(signer.sign_pdf(writer).getbuffer())


def add_signature_field(data: bytes) -> bytes:
    """An incremental update that adds an empty (invisible) signature field "Witness"."""
    from pyhanko.sign import fields

    writer = _writer(data)
    fields.append_signature_field(writer, fields.SigFieldSpec("Witness"))
    return _written(writer)


def other_terms(terms: bytes) -> bytes:
    from generator.terms.canonical import canonical

    data = json.loads(terms)
    for objective in data["client"]["disaster_recovery"]["objectives"]:
        objective["rto"] = "1h"
    changed = canonical(data)
    assert changed != terms
    return changed


def swap_attachment(data: bytes, replacement: bytes) -> bytes:
    """An incremental update that points the terms.json attachment at other bytes."""
    from pyhanko.pdf_utils import generic

    writer = _writer(data)
    names = writer.root["/Names"]["/EmbeddedFiles"]["/Names"]
    index = next(i for i in range(0, len(names), 2) if str(names[i]) == "terms.json")
    spec_ref = names.raw_get(index + 1)
    spec = spec_ref.get_object()
    n = generic.pdf_name
    stream = generic.StreamObject(
        {n("/Type"): n("/EmbeddedFile"), n("/Subtype"): n("/application#2Fjson")},
        stream_data=replacement,
    )
    spec["/EF"] = generic.DictionaryObject(
        {n("/F"): writer.add_object(stream), n("/UF"): writer.add_object(stream)}
    )
    if isinstance(spec_ref, generic.IndirectObject):
        writer.mark_update(spec_ref)
    else:
        writer.update_root()
    return _written(writer)


def test_tamper_flipped_byte(issued: Issued, fresh: TinyProject) -> None:
    file = fresh.root.parent / "flipped.pdf"
    file.write_bytes(flip_byte(issued.signed))
    out = assert_verify_fails(fresh, file)
    assert "intact: NO" in out or "problem:" in out
    file.write_bytes(flip_byte(issued.countersigned))
    assert_verify_fails(fresh, file)
    assert_refused(fresh, file)


TAMPERS = (
    "page content",
    "new text field",
    "new empty signature field",
    "extra signature, visible",
    "extra signature, invisible",
    "swapped attachment",
)


def tamper(case: str, data: bytes, issued: Issued, pki: Pki) -> bytes:
    done: bytes = {
        "page content": add_page_content,
        "new text field": add_text_field,
        "new empty signature field": add_signature_field,
        "extra signature, visible": lambda d: add_signature(d, pki, visible=True),
        "extra signature, invisible": lambda d: add_signature(d, pki, visible=False),
        "swapped attachment": lambda d: swap_attachment(d, other_terms(issued.terms)),
    }[case](data)
    assert done.startswith(data) and len(done) > len(data)  # an incremental update
    return done


def tampered(case: str, when: str, issued: Issued, pki: Pki) -> bytes:
    if when == "after the provider signed":
        return tamper(case, issued.signed, issued, pki)
    if when == "then countersigned":  # the client signed a changed copy in good faith
        return countersign(tamper(case, issued.signed, issued, pki), pki)
    assert when == "after the client signed"
    return tamper(case, issued.countersigned, issued, pki)


@pytest.mark.parametrize(
    "when", ["after the provider signed", "then countersigned", "after the client signed"]
)
@pytest.mark.parametrize("case", TAMPERS)
def test_verify_fails_for_an_incremental_update(
    case: str, when: str, issued: Issued, fresh: TinyProject, pki: Pki
) -> None:
    file = fresh.root.parent / "tampered.pdf"
    file.write_bytes(tampered(case, when, issued, pki))
    out = assert_verify_fails(fresh, file)
    if case == "swapped attachment":
        assert "terms DIFFER from the archived terms" in out
    assert "(NOT ALLOWED)" in out or "problem: " in out, out


@pytest.mark.parametrize("when", ["then countersigned", "after the client signed"])
@pytest.mark.parametrize("case", TAMPERS)
def test_record_refuses_an_incremental_update(
    case: str, when: str, issued: Issued, fresh: TinyProject, pki: Pki
) -> None:
    file = fresh.root.parent / "tampered.pdf"
    file.write_bytes(tampered(case, when, issued, pki))
    assert_refused(fresh, file)


def test_tamper_other_first_revision(
    issued: Issued, fresh: TinyProject, pki: Pki, tmp_path: Path
) -> None:
    # The same terms issued again elsewhere: a genuine signature, but not the archived file.
    elsewhere = copy_project(issued.project, tmp_path / "elsewhere")
    shutil.rmtree(elsewhere.root / "agreements")
    run = tripod(elsewhere, "issue", "acme", "--key", str(pki.provider_p12))
    assert run.code == 0, run.err
    again = (elsewhere.root / "agreements/acme/v1/agreement-signed.pdf").read_bytes()
    assert again != issued.signed
    assert (elsewhere.root / "agreements/acme/v1/terms.json").read_bytes() == issued.terms
    file = tmp_path / "countersigned-elsewhere.pdf"
    file.write_bytes(countersign(again, pki))
    line = assert_refused(fresh, file)
    assert "provider-signed revision" in line
    # Every signature in it is genuine and trusted, the terms match: not the archived one.
    assert_first_line(
        fresh,
        file,
        "problem: the provider-signed revision is not the agreement archived as acme v1",
    )


def strip_provider_signature(data: bytes, name: str = "Provider") -> bytes:
    """One incremental update that removes the value (/V) of the provider's signature
    field, leaving its widget and stamp in place, and paints new text over page 1."""
    from pyhanko.pdf_utils import generic

    writer = _writer(add_page_content(data))
    for ref in writer.root["/AcroForm"]["/Fields"]:
        found = ref.get_object()
        if found.get("/T") == name:
            del found["/V"]
            writer.mark_update(ref)
            assert isinstance(ref, generic.IndirectObject)
    return _written(writer)


def assert_first_line(project: TinyProject, file: Path, first: str) -> None:
    for options in ((), ("--strict",), ("--allow-untrusted",)):
        run = tripod(project, "verify", *options, str(file))
        assert run.code == 1, (options, run.out)
        assert "Traceback" not in run.out + run.err
        assert run.out.splitlines()[0] == first, run.out
        assert run.out.endswith("FAILED\n")


def test_stripped_provider_signature_then_countersigned(
    issued: Issued, fresh: TinyProject, pki: Pki
) -> None:
    # The attack: the provider's /V removed and the page overdrawn in one update, then
    # anyone countersigns. Before, verify said "terms match" and "verified", exit 0.
    from generator.agreement import sign

    stripped = strip_provider_signature(issued.signed)
    file = fresh.root.parent / "stripped.pdf"
    for key in (pki.client_p12, pki.stranger_p12):
        file.write_bytes(sign.countersign(stripped, load_key(key, CLIENT_PASSPHRASE)))
        assert_first_line(
            fresh, file, "problem: the signature in field Provider was removed in a later revision"
        )
        assert "removed in a later revision" in assert_refused(fresh, file)
    # Not countersigned: as plainly refused.
    file.write_bytes(stripped)
    assert_first_line(
        fresh, file, "problem: the signature in field Provider was removed in a later revision"
    )
    # The client's signature stripped the same way would pass for "awaiting" otherwise.
    file.write_bytes(strip_provider_signature(issued.countersigned, "Client"))
    assert_first_line(
        fresh, file, "problem: the signature in field Client was removed in a later revision"
    )


def test_no_provider_signature_at_all(issued: Issued, fresh: TinyProject, pki: Pki) -> None:
    # A client's signature on an unsigned rendering of the same terms.
    unsigned = Boxes.of(fresh.root, fresh.root / "agreements/acme/v1/terms.json").pdf
    file = fresh.root.parent / "unsigned.pdf"
    file.write_bytes(add_signature(unsigned, pki))
    run = tripod(fresh, "verify", str(file))
    assert run.code == 1
    assert run.out.splitlines()[0] == "problem: the provider's certification signature is missing"


TRAILERS = {
    "text": b"RTO: 1 hour, all systems\n",
    "an object": b"99 0 obj\n<< /Type /Annot /Subtype /FreeText /Contents (RTO 1h) >>\nendobj\n",
    "a revision without its %%EOF": b"\nxref\n0 1\n0000000000 65535 f \ntrailer\n<< >>\n",
}


@pytest.mark.parametrize("what", sorted(TRAILERS))
def test_trailing_bytes_after_the_last_eof(what: str, issued: Issued, fresh: TinyProject) -> None:
    file = fresh.root.parent / "trailing.pdf"
    extra = TRAILERS[what]
    for data in (issued.signed, issued.countersigned):
        file.write_bytes(data + extra)
        first = (
            f"problem: {len(extra.strip())} bytes follow the end of the file's last revision "
            "(%%EOF): data no signature covers"
        )
        assert_first_line(fresh, file, first)
    assert "bytes follow the end of the file's last revision" in assert_refused(fresh, file)
    # Line ends after %%EOF are part of the format, and accepted.
    file.write_bytes(issued.countersigned + b"\r\n")
    assert tripod(fresh, "verify", str(file)).code == 0


def replace_metadata(data: bytes, title: str) -> bytes:
    """An incremental update that replaces the XMP metadata stream with a new title."""
    from pyhanko.pdf_utils import generic

    writer = _writer(data)
    old = writer.root["/Metadata"].get_object().data.decode()
    new = re.sub(
        r'<rdf:li xml:lang="x-default">[^<]*</rdf:li>',
        f'<rdf:li xml:lang="x-default">{title}</rdf:li>',
        old,
    )
    assert new != old
    n = generic.pdf_name
    stream = generic.StreamObject(
        {n("/Type"): n("/Metadata"), n("/Subtype"): n("/XML")}, stream_data=new.encode()
    )
    writer.root["/Metadata"] = writer.add_object(stream)
    writer.update_root()
    return _written(writer)


def replace_info(data: bytes, title: str) -> bytes:
    """An incremental update that gives the document information a new title."""
    from pyhanko.pdf_utils import generic

    writer = _writer(data)
    info_ref = writer.trailer.raw_get("/Info")
    info = info_ref.get_object()
    info["/Title"] = generic.pdf_string(title)
    writer.mark_update(info_ref)
    return _written(writer)


@pytest.mark.parametrize("how", ["then countersigned", "after the client signed"])
@pytest.mark.parametrize("what", ["XMP metadata", "document information"])
def test_replaced_metadata(
    what: str, how: str, issued: Issued, fresh: TinyProject, pki: Pki
) -> None:
    change = replace_metadata if what == "XMP metadata" else replace_info
    title = "Agreement (superseded: RTO 1 hour for all systems)"
    if how == "then countersigned":
        data = countersign(change(issued.signed, title), pki)
    else:
        data = change(issued.countersigned, title)
    file = fresh.root.parent / "metadata.pdf"
    file.write_bytes(data)
    first = (
        "problem: the XMP metadata was replaced with new content after the provider signed"
        if what == "XMP metadata"
        else "problem: the document information (/Title) changed after the provider signed"
    )
    assert_first_line(fresh, file, first)
    assert assert_refused(fresh, file).endswith(first.removeprefix("problem: "))


def test_not_a_pdf(fresh: TinyProject) -> None:
    file = fresh.root.parent / "agreement.pdf"
    file.write_text("Dear Maria, please find the agreement attached.\n")
    run = tripod(fresh, "verify", str(file))
    assert run.code == 1
    assert "Traceback" not in run.out + run.err
    assert run.out.splitlines()[0].startswith("problem: not a readable PDF")
    assert run.out.endswith("FAILED\n")
    assert_refused(fresh, file)


# --------------------------------------------------------- 5. immutability


@pytest.mark.slow
def test_issued_versions_are_immutable(fresh: TinyProject, pki: Pki) -> None:
    key = ("--key", str(pki.provider_p12))
    v1 = fresh.root / "agreements" / "acme" / "v1"
    before = snapshot(v1)

    again = tripod(fresh, "issue", "acme", *key)
    line = assert_one_line(again)
    assert "version 1 of acme is already issued" in line
    assert snapshot(v1) == before

    # A record (not a term) changes: no warning.
    fresh.client(with_change("plan_reviewed: 2026-06-30", "plan_reviewed: 2026-10-30"))
    run = tripod(fresh, "check", "acme")
    assert run.code == 0 and "terms-changed" not in run.out, run.out

    # A term changes while the file still says version 1.
    changed = with_change("{system: mail, rto: 8h, rpo: 4h}", "{system: mail, rto: 12h, rpo: 4h}")
    fresh.client(changed)
    run = tripod(fresh, "check", "acme")
    assert run.code == 0, run.out
    assert "warning terms-changed" in run.out
    line = assert_one_line(tripod(fresh, "issue", "acme", *key))
    assert "already issued" in line
    assert "set agreement.version to 2" in line
    assert snapshot(v1) == before
    assert not (fresh.root / "agreements/acme/v2").exists()

    # Bumped: version 2 is issued beside version 1, which stays as it was.
    fresh.client(with_change("version: 1", "version: 2", changed))
    run = tripod(fresh, "check", "acme")
    assert "terms-changed" not in run.out
    run = tripod(fresh, "issue", "acme", *key)
    assert run.code == 0, run.err
    assert run.out.startswith("issued agreements/acme/v2/")
    assert snapshot(v1) == before
    v2 = fresh.root / "agreements" / "acme" / "v2"
    assert sorted(p.name for p in v2.iterdir()) == ["agreement-signed.pdf", "terms.json"]
    assert (v2 / "terms.json").read_bytes() == canonical_terms(fresh)
    assert json.loads((v2 / "terms.json").read_bytes())["client"]["agreement"]["version"] == 2
    assert tripod(fresh, "verify", str(v2 / "agreement-signed.pdf")).code == 0
    assert (
        tripod(fresh, "verify", str(v1 / "agreement-signed.pdf")).out.count(
            "terms match the archived"
        )
        == 1
    )


def test_issue_refuses_a_client_with_errors(tmp_path: Path, pki: Pki) -> None:
    project = new_project(tmp_path / "project", pki=pki)
    project.client(with_change("  owner: maria\n", ""))
    check = tripod(project, "check", "acme")
    assert check.code == 1
    assert " error " in check.out
    before = snapshot(project.root)
    run = tripod(project, "issue", "acme", "--key", str(pki.provider_p12))
    line = assert_one_line(run)
    assert "clients/acme.yaml has errors, so no agreement is issued" in line
    assert snapshot(project.root) == before
    assert not (project.root / "agreements").exists()


# ----------------------------------------------------------------- 6. keys


def _appearance_text(data: bytes, field_name: str) -> str:
    """The text drawn in a signature widget's appearance (and the forms it uses)."""
    from pypdf import PdfReader
    from pypdf.generic import ContentStream

    pdf = PdfReader(io.BytesIO(data))
    texts: list[str] = []

    def walk(xobject: Any) -> None:
        for operands, operator in ContentStream(xobject, pdf).operations:
            if operator in (b"Tj", b"'", b'"'):
                texts.append(str(operands[-1]))
            elif operator == b"TJ":
                texts.append("".join(str(o) for o in operands[0] if isinstance(o, str)))
        for inner in xobject.get("/Resources", {}).get("/XObject", {}).values():
            walk(inner.get_object())

    for page in pdf.pages:
        for annot in page.get("/Annots", []):
            annot = annot.get_object()
            if annot.get("/T") == field_name:
                walk(annot["/AP"]["/N"].get_object())
    return "\n".join(texts)


@pytest.mark.slow
def test_development_key_made_once_and_said_everywhere(tmp_path: Path) -> None:
    project = new_project(tmp_path / "project", provider=PROVIDER)
    key = project.root / ".tripod" / "dev-signing.p12"
    run = tripod(project, "issue", "acme", passphrase=None)
    assert run.code == 0, run.err
    assert "development key" in run.err
    assert key.is_file()
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    first = key.read_bytes()

    project.client(with_change("version: 1", "version: 2"))
    run = tripod(project, "issue", "acme", passphrase=None)
    assert run.code == 0, run.err
    assert key.read_bytes() == first
    assert sorted(p.name for p in key.parent.iterdir()) == ["dev-signing.p12"]
    certificates = [
        reader((project.root / f"agreements/acme/v{n}/agreement-signed.pdf").read_bytes())
        .embedded_signatures[0]
        .signer_cert.dump()
        for n in (1, 2)
    ]
    assert certificates[0] == certificates[1]  # the same key signed both

    signed = project.root / "agreements/acme/v2/agreement-signed.pdf"
    assert_untrusted_rows(
        project,
        str(signed),
        "not a valid signature: development key (the provider signed with the key Tripod "
        "makes for trying it out; set --key or TRIPOD_SIGNING_KEY for a real agreement)",
    )
    assert "trusted: no: DEVELOPMENT KEY" in tripod(project, "verify", str(signed)).out
    text = _appearance_text(signed.read_bytes(), "Provider")
    assert "TRIPOD DEVELOPMENT KEY" in text, text


def test_a_key_tracked_by_git_is_refused(tmp_path: Path, pki: Pki) -> None:
    project = new_project(tmp_path / "project", pki=pki)
    shutil.copy(pki.provider_p12, project.root / "provider.p12")
    for command in (["git", "init", "-q"], ["git", "add", "provider.p12"]):
        subprocess.run(command, cwd=project.root, check=True, capture_output=True)
    before = snapshot(project.root)
    for run in (
        tripod(project, "issue", "acme", "--key", "provider.p12"),
        tripod(project, "issue", "acme", TRIPOD_SIGNING_KEY=str(project.root / "provider.p12")),
    ):
        line = assert_one_line(run)
        assert "tracked by git" in line
        assert PASSPHRASE not in run.out + run.err
    assert snapshot(project.root) == before


@pytest.mark.slow
def test_wrong_passphrase_and_passphrase_never_shown(tmp_path: Path, pki: Pki) -> None:
    project = new_project(tmp_path / "project", pki=pki)
    wrong = "Wrong-pass 9 Echidna"
    for passphrase in (wrong, None):
        run = tripod(
            project, "issue", "acme", "--key", str(pki.provider_p12), passphrase=passphrase
        )
        line = assert_one_line(run)
        assert "cannot read the key" in line
        assert wrong not in run.out + run.err
        assert PASSPHRASE not in run.out + run.err
    assert not (project.root / "agreements").exists()
    # With --verbose too, no passphrase in what is printed.
    run = tripod(
        project, "--verbose", "issue", "acme", "--key", str(pki.provider_p12), passphrase=wrong
    )
    assert run.code == 1
    assert wrong not in run.out + run.err

    run = tripod(project, "issue", "acme", "--key", str(pki.provider_p12))
    assert run.code == 0, run.err
    assert PASSPHRASE not in run.out + run.err
    for path in project.root.rglob("*"):
        if path.is_file():
            assert PASSPHRASE.encode() not in path.read_bytes(), path


def test_a_leaf_without_non_repudiation_is_refused(tmp_path: Path, pki: Pki) -> None:
    project = new_project(tmp_path / "project", pki=pki)
    run = tripod(project, "issue", "acme", "--key", str(pki.no_nonrep_p12))
    line = assert_one_line(run)
    assert "non-repudiation" in line
    assert not (project.root / "agreements").exists()


# ----------------------------------------------------------- 7. timestamps


@dataclass(frozen=True)
class Tsa:
    url: str
    root_pem: bytes
    provider_p12: Path


@pytest.fixture(scope="module")
def tsa(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tsa]:
    """certomancer's animator (its aiohttp flavour: werkzeug is not installed) on
    loopback, serving a timestamp authority and the root's CRL."""
    import asyncio

    from aiohttp import web
    from asn1crypto import pem
    from certomancer.integrations.aiohttp_animator import build_animator_app
    from certomancer.registry import ArchLabel, CertLabel, CertomancerConfig
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
    )

    folder = tmp_path_factory.mktemp("tsa")
    for label in ("root", "tsa", "provider"):
        key = ec.generate_private_key(ec.SECP256R1())
        (folder / f"{label}.key.pem").write_bytes(
            key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
        )
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    now = dt.datetime.now(dt.UTC)
    validity = {
        "valid-from": (now - dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%S+0000"),
        "valid-to": (now + dt.timedelta(days=3650)).strftime("%Y-%m-%dT%H:%M:%S+0000"),
    }
    crl = {
        "id": "crl_distribution_points",
        "smart-value": {"schema": "crl-dist-url", "params": {"crl-repo-names": ["root"]}},
    }

    def usage(*names: str) -> dict[str, Any]:
        return {
            "id": "key_usage",
            "critical": True,
            "smart-value": {"schema": "key-usage", "params": list(names)},
        }

    config = {
        "external-url-prefix": base,
        "keysets": {
            "tripod": {
                "keys": {
                    label: {"path": f"{label}.key.pem"} for label in ("root", "tsa", "provider")
                }
            }
        },
        "pki-architectures": {
            "tripod": {
                "keyset": "tripod",
                "entity-defaults": {"country-name": "AU", "organization-name": "Tripod TSA test"},
                "entities": {
                    "root": {"common-name": "Tripod TSA Test Root"},
                    "tsa": {"common-name": "Tripod Test Time Stamping Authority"},
                    "provider": {"common-name": "Southern Cross IT (timestamped test signer)"},
                },
                "certs": {
                    "root": {
                        "subject": "root",
                        "subject-key": "root",
                        "issuer": "root",
                        "authority-key": "root",
                        "validity": validity,
                        "extensions": [
                            {"id": "basic_constraints", "critical": True, "value": {"ca": True}},
                            usage("digital_signature", "key_cert_sign", "crl_sign"),
                        ],
                    },
                    "tsa": {
                        "issuer": "root",
                        "validity": validity,
                        "extensions": [
                            usage("digital_signature"),
                            {
                                "id": "extended_key_usage",
                                "critical": True,
                                "value": ["time_stamping"],
                            },
                            crl,
                        ],
                    },
                    "provider": {
                        "issuer": "root",
                        "validity": validity,
                        "extensions": [usage("digital_signature", "non_repudiation"), crl],
                    },
                },
                "services": {
                    "crl-repo": {
                        "root": {
                            "for-issuer": "root",
                            "signing-key": "root",
                            "simulated-update-schedule": "P30D",
                        }
                    },
                    "time-stamping": {"tsa": {"signing-key": "tsa", "signing-cert": "tsa"}},
                },
            }
        },
    }
    architectures = CertomancerConfig(config, key_search_dir=str(folder)).pki_archs
    arch = architectures[ArchLabel("tripod")]
    root_pem = pem.armor("CERTIFICATE", arch.get_cert(CertLabel("root")).dump())
    p12 = folder / "provider.p12"
    p12.write_bytes(arch.package_pkcs12(CertLabel("provider"), password=PASSPHRASE.encode()))

    app = build_animator_app(architectures, with_web_ui=False)
    loop = asyncio.new_event_loop()
    started = threading.Event()
    runner = web.AppRunner(app)

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(runner.setup())
        loop.run_until_complete(web.SockSite(runner, sock).start())
        started.set()
        loop.run_forever()
        loop.run_until_complete(runner.cleanup())

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert started.wait(10), "the animator did not start"
    try:
        yield Tsa(f"{base}/tripod/tsa/tsa", root_pem, p12)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
        sock.close()


@pytest.mark.slow
def test_timestamps_and_validation_data(tsa: Tsa, pki: Pki, tmp_path: Path) -> None:
    from pyhanko.keys import load_certs_from_pemder_data
    from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
    from pyhanko_certvalidator import ValidationContext

    project = new_project(tmp_path / "project")
    project.write("certs/provider-root.pem", tsa.root_pem)
    run = tripod(project, "issue", "acme", "--key", str(tsa.provider_p12), "--tsa", tsa.url)
    assert run.code == 0, run.err
    assert PASSPHRASE not in run.out + run.err
    signed = project.root / "agreements/acme/v1/agreement-signed.pdf"
    run = tripod(project, "verify", "--strict", str(signed))
    assert run.code == 0, run.out
    assert "  timestamped: yes\n" in run.out
    assert "  intact: yes\n" in run.out
    assert "  trusted: yes" in run.out

    data = signed.read_bytes()
    pdf = reader(data)
    assert "/DSS" in pdf.root  # long-term validation data
    dss = pdf.root["/DSS"]
    assert len(dss["/Certs"]) >= 2
    assert "/CRLs" in dss or "/OCSPs" in dss
    context = ValidationContext(
        trust_roots=list(load_certs_from_pemder_data(tsa.root_pem)), allow_fetching=True
    )
    (provider_sig,) = pdf.embedded_regular_signatures
    status = validate_pdf_signature(provider_sig, context)
    assert status.intact and status.valid and status.trusted
    assert status.timestamp_validity is not None  # the signature's own timestamp
    assert status.timestamp_validity.intact and status.timestamp_validity.trusted
    document_timestamps = pdf.embedded_timestamp_signatures
    assert len(document_timestamps) == 1  # B-LTA
    status = validate_pdf_timestamp(document_timestamps[0], validation_context=context)
    assert status.intact and status.valid and status.trusted

    # pyHanko's own command line, revocation checks included.
    root = tmp_path / "root.pem"
    root.write_bytes(tsa.root_pem)
    done = pyhanko_validate(signed, root)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "The signer's certificate is trusted." in done.stdout
    assert "The signature is judged VALID." in done.stdout

    # The client countersigns with a timestamp too; the file is recorded and verifies.
    out = tmp_path / "countersigned.pdf"
    run = tripod(
        project,
        "countersign",
        str(signed),
        "--key",
        str(pki.client_p12),
        "--tsa",
        tsa.url,
        "-o",
        str(out),
        passphrase=None,
        TRIPOD_CLIENT_PASSPHRASE=CLIENT_PASSPHRASE,
    )
    assert run.code == 0, run.err
    run = tripod(project, "record", "acme", str(out))
    assert run.code == 0, run.err
    run = tripod(project, "verify", "agreements/acme/v1/agreement-executed.pdf")
    assert run.code == 0, run.out
    assert run.out.count("  timestamped: yes\n") == 2, run.out

    # Later, validation data and a document timestamp over the executed copy (B-LTA):
    # what the client's side may add besides its signature.
    from pyhanko.sign import signers
    from pyhanko.sign.timestamps import HTTPTimeStamper

    executed = (project.root / "agreements/acme/v1/agreement-executed.pdf").read_bytes()
    out = io.BytesIO()
    signers.PdfTimeStamper(HTTPTimeStamper(tsa.url)).timestamp_pdf(
        _writer(executed), "sha256", validation_context=context, output=out
    )
    archived = tmp_path / "archived.pdf"
    archived.write_bytes(out.getvalue())
    assert "/DSS" in reader(out.getvalue()).root
    assert len(reader(out.getvalue()).embedded_timestamp_signatures) == 2
    run = tripod(project, "verify", "--strict", str(archived))
    assert run.code == 0, run.out
    assert "problem" not in run.out
