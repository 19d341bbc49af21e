"""Who signs: each signature against the signatory the terms name, and the
development key said everywhere.

Margaret Quill (margaret@quill.example) is the client's named signatory; Eve
Mallory countersigns with a home-made (self-signed) certificate. Everything runs
through the real `tripod` command; the sites are read as a person reads them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import dashboard_table
from test_signing import (
    CLIENT_PASSPHRASE,
    PROVIDER_CN,
    Pki,
    _certificate,
    _p12,
    assert_refused,
    new_project,
    pki,  # noqa: F401 (the fixture, shared)
    tripod,
)

from conftest import PROVIDER, TinyProject, read_page, with_change

QUILL = with_change(
    "{id: maria, name: Maria Chen, role: Practice Manager,",
    "{id: maria, name: Margaret Quill, role: Managing Partner, email: margaret@quill.example,",
)
REASON = "signed by her deputy, authority letter of 2026-11-20"
DEVELOPMENT = (
    "not a valid signature: development key (the provider signed with the key Tripod "
    "makes for trying it out; set --key or TRIPOD_SIGNING_KEY for a real agreement)"
)
CLIENT_UNTRUSTED = (
    "  trusted: no (clients have no trust list, and a home-made certificate can carry any "
    "name: the name check catches the wrong person signing by mistake, not an impostor)"
)


def home_made_key(folder: Path, name: str) -> Path:
    """A self-signed PKCS#12 for NAME, as anyone can make one."""
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    cert = _certificate(name, key, None, key)
    return _p12(folder / f"{name.split()[0].lower()}.p12", name, key, cert, [], CLIENT_PASSPHRASE)


def countersign(project: TinyProject, key: Path, version: int = 1) -> Path:
    signed = project.root / f"agreements/acme/v{version}/agreement-signed.pdf"
    out = project.root.parent / f"countersigned-v{version}.pdf"
    run = tripod(
        project, "countersign", str(signed), "--key", str(key), "-o", str(out),
        TRIPOD_CLIENT_PASSPHRASE=CLIENT_PASSPHRASE,
    )  # fmt: skip
    assert run.code == 0, run.err
    return out


def agreement_page(project: TinyProject, version: str = "current") -> str:
    run = tripod(project, "build", "acme")
    assert run.code == 0, run.out + run.err
    page = project.root / "site/clients/acme" / version / "agreement/index.html"
    return str(read_page(page.read_text("utf-8")).text)


@pytest.fixture(scope="module")
def quill(tmp_path_factory: pytest.TempPathFactory, pki: Pki) -> tuple[TinyProject, Path]:  # noqa: F811
    """acme v1, whose client signatory is Margaret Quill, countersigned by Eve Mallory."""
    root = tmp_path_factory.mktemp("quill")
    project = new_project(root / "project", pki=pki)
    project.client(QUILL)
    run = tripod(project, "issue", "acme", "--key", str(pki.provider_p12))
    assert run.code == 0, run.err
    return project, countersign(project, home_made_key(root, "Eve Mallory"))


@pytest.mark.slow
def test_a_mismatched_countersignature_is_refused_then_recorded_with_a_reason(
    quill: tuple[TinyProject, Path],
) -> None:
    project, file = quill
    # Not recorded: verify warns (exit 0), --strict fails, each signature says whom it is meant to be.
    run = tripod(project, "verify", str(file))
    assert run.code == 0, run.out
    lines = run.out.splitlines()
    assert lines[0] == (
        "warning: the client's signature is by Eve Mallory, not the named signatory "
        "Margaret Quill, and no reason was recorded"
    )
    assert (
        "  meant to be: Tom Baker, Service Delivery Manager, for the provider: matches "
        "(the provider is known by its certificate, not by name)"
    ) in lines
    client = run.out[run.out.index("\nClient: ") + 1 :]
    assert client.startswith("Client: approval signature by Eve Mallory, ")
    assert f"{CLIENT_UNTRUSTED}\n" in client
    assert "  meant to be: Margaret Quill (margaret@quill.example): does not match\n" in client
    assert tripod(project, "verify", "--strict", str(file)).code == 1

    line = assert_refused(project, file)
    assert line == (
        "tripod: refused: the client's signature is by Eve Mallory, not the named signatory "
        'Margaret Quill: if that is right, record it with --signer-differs "REASON"'
    )

    run = tripod(project, "record", "acme", str(file), "--signer-differs", REASON)
    assert run.code == 0, run.err
    assert f"reason recorded: {REASON}\n" in run.out
    folder = project.root / "agreements/acme/v1"
    assert json.loads((folder / "signer.json").read_text()) == {
        "signer": "Eve Mallory",
        "signatory": "Margaret Quill",
        "matches": False,
        "reason": REASON,
    }
    executed = str(folder / "agreement-executed.pdf")
    for options in ((), ("--strict",)):
        run = tripod(project, "verify", *options, executed)
        assert run.code == 0, run.out
        assert "warning" not in run.out
        assert (
            f"  meant to be: Margaret Quill (margaret@quill.example): does not match; "
            f"reason recorded: {REASON}\n"
        ) in run.out

    sentence = f"Countersigned by Eve Mallory, not the named signatory Margaret Quill: {REASON}"
    assert sentence in agreement_page(project)
    assert sentence in agreement_page(project, "v1")  # signer.json is part of the archive


def test_a_matching_countersignature_says_so_on_the_site(tmp_path: Path, pki: Pki) -> None:  # noqa: F811
    project = new_project(tmp_path / "project", pki=pki)
    project.client(QUILL)
    assert tripod(project, "issue", "acme", "--key", str(pki.provider_p12)).code == 0
    file = countersign(project, home_made_key(tmp_path, "Margaret Quill"))
    run = tripod(project, "record", "acme", str(file))
    assert run.code == 0, run.err
    run = tripod(project, "verify", str(project.root / "agreements/acme/v1/agreement-executed.pdf"))
    assert run.code == 0, run.out
    assert "  meant to be: Margaret Quill (margaret@quill.example): matches\n" in run.out
    assert f"{CLIENT_UNTRUSTED}\n" in run.out
    assert "Countersigned by Margaret Quill, the named signatory Margaret Quill" in agreement_page(
        project
    )


@pytest.mark.slow
def test_the_development_key_is_not_a_valid_signature_in_every_state(tmp_path: Path) -> None:
    project = new_project(tmp_path / "project", provider=PROVIDER)
    project.client(QUILL)
    run = tripod(project, "issue", "acme", passphrase=None)
    assert run.code == 0, run.err
    signed = str(project.root / "agreements/acme/v1/agreement-signed.pdf")

    # Awaiting the client: verify's first line, and the agreement page.
    for options in ((), ("--strict",)):
        run = tripod(project, "verify", *options, signed)
        assert run.code == 1, run.out
        assert run.out.splitlines()[0] == DEVELOPMENT
        assert (
            "  meant to be: Tom Baker, Service Delivery Manager, for the provider: "
            "not established: development key\n"
        ) in run.out
        assert (
            "Client: not signed yet\n  meant to be: Margaret Quill (margaret@quill.example)\n"
        ) in run.out
    run = tripod(project, "verify", "--allow-untrusted", signed)
    assert run.code == 0, run.out
    assert run.out.splitlines()[0] == DEVELOPMENT + " (accepted: --allow-untrusted)"
    page = agreement_page(project)
    # On the current site the version's state is just that: never in force.
    assert "1 2026-11-01 not a valid signature: development key " in page
    assert "development key awaiting" not in page
    assert "Version 1: not a valid signature: development key." in page

    # A draft of the next version beside it: the issued one still says so.
    project.client(with_change("version: 1", "version: 2", QUILL))
    page = agreement_page(project)
    assert "Version 2 (draft)" in page
    assert "Version 1: not a valid signature: development key." in page

    # Executed: said first all the same, on the page and in verify.
    file = countersign(project, home_made_key(tmp_path, "Margaret Quill"))
    assert tripod(project, "record", "acme", str(file)).code == 0
    executed = str(project.root / "agreements/acme/v1/agreement-executed.pdf")
    run = tripod(project, "verify", executed)
    assert run.code == 1, run.out
    assert run.out.splitlines()[0] == DEVELOPMENT
    # The current site: not in force, however countersigned; the frozen v1 says what
    # was signed, as issued.
    for version, state in (("current", ""), ("v1", " signed by both parties")):
        page = agreement_page(project, version)
        assert f"1 2026-11-01 not a valid signature: development key{state} " in page
        assert "Version 1: not a valid signature: development key." in page
    banner = str(
        read_page((project.root / "site/clients/acme/current/index.html").read_text()).text
    )
    assert (
        "No version of the agreement is in force: none is signed by both parties. Version 1 is "
        "signed with Tripod's development key: not a valid signature, not an agreement."
    ) in banner
    details = project.root / "site/internal/findings/index.html"
    assert (
        "Version 1 is signed with Tripod's development key" in read_page(details.read_text()).text
    )
    table = dashboard_table((project.root / "site/internal/index.html").read_text())
    assert table["Acme Dental"]["Signature"] == "dev key"


def test_a_trusted_provider_signature_is_not_called_a_development_key(
    quill: tuple[TinyProject, Path],
) -> None:
    project, _ = quill
    signed = project.root / "agreements/acme/v1/agreement-signed.pdf"
    run = tripod(project, "verify", str(signed))
    assert "development key" not in run.out
    assert f"Provider: certification signature by {PROVIDER_CN}, " in run.out


def test_the_example_site_says_who_countersigned(tmp_path: Path) -> None:
    """Harbour Dental's v2 keeps the signer.json that `record` writes beside it."""
    import shutil

    from conftest import REPO

    root = tmp_path / "examples"
    root.mkdir()
    shutil.copy(REPO / "provider.yaml", root / "provider.yaml")
    for name in ("clients", "certs", "evidence", "agreements"):
        shutil.copytree(REPO / name, root / name)
    project = TinyProject(root)
    run = tripod(project, "build", "harbour-dental")
    assert run.code == 0, run.err
    sentence = (
        "Countersigned by Maria Chen (example signing certificate), the named signatory Maria Chen"
    )
    for version in ("current", "v2"):
        page = root / "site/clients/harbour-dental" / version / "agreement/index.html"
        text = str(read_page(page.read_text("utf-8")).text)
        assert sentence in text, version
        assert "development key" not in text
