"""Issuing, recording and verifying agreements: the flow around the signed PDFs.

`issue` freezes version N of a client's terms: it renders the agreement,
signs it as the provider and archives the signed PDF and the canonical terms
under `agreements/<id>/v<N>/`, never to be re-rendered or re-signed.
`record` accepts the client's countersigned copy only when the provider's
signed revision is untouched and the only change is the client's signature.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from generator import files, render
from generator.agreement import sign
from generator.agreement.document import render_agreement
from generator.errors import TripodError
from generator.format.model import Provider
from generator.project.layout import Project
from generator.project.record import check_project
from generator.terms import archive
from generator.terms import canonical as terms

DEV_KEY = "dev-signing.p12"


class AgreementError(TripodError):
    """The request cannot be carried out; the message says why, for a person."""


def _tracked(project: Project, path: Path) -> bool:
    try:
        done = subprocess.run(
            ["git", "ls-files", "--error-unmatch", str(path)],
            cwd=project.root,
            capture_output=True,
            check=False,
        )
    except OSError:
        return False
    return done.returncode == 0


def provider_key(project: Project, key: Path | None, provider_name: str) -> sign.Key:
    """The provider's key: --key, TRIPOD_SIGNING_KEY, or the development key (made once)."""
    named = key or (
        Path(os.environ["TRIPOD_SIGNING_KEY"]) if os.environ.get("TRIPOD_SIGNING_KEY") else None
    )
    if named is not None:
        if not named.is_file():
            raise AgreementError(f"the signing key {named} does not exist")
        if _tracked(project, named.resolve()):
            raise AgreementError(
                f"the signing key {named} is tracked by git: a private key is never committed; "
                "remove it from the repository and keep it elsewhere"
            )
        return sign.load_key(named, os.environ.get("TRIPOD_SIGNING_PASSPHRASE"))
    path = project.state_dir / DEV_KEY
    if not path.is_file():
        sign.create_dev_key(path, provider_name)
    return sign.load_key(path, None)


def trusted_certificates(project: Project) -> list[bytes]:
    from generator.format.load import load_provider

    provider = load_provider(project.provider_file, "provider.yaml", project.root).model
    if provider is None:
        return []
    return [(project.root / c).read_bytes() for c in provider.certificates]


@dataclass(frozen=True)
class Issued:
    folder: Path
    fingerprint: str
    pages: int
    development: bool


def issue(
    project: Project,
    client_id: str,
    today: dt.date,
    key: Callable[[Provider], sign.Key],
    tsa: str | None = None,
) -> Issued:
    """Issues the version the client file names. `key` gives the signing key, asked for
    only once the client passed every check (so a refused issue creates no key)."""
    report = check_project(project, (client_id,), today)
    entry = report.clients[0]
    provider = report.provider.model
    if provider is None:
        raise AgreementError("provider.yaml cannot be loaded: run tripod check")
    client = entry.client
    if client is None:
        raise AgreementError(f"{entry.file} cannot be loaded: run tripod check")
    errors = [f for f in entry.findings if f.severity == "error"]
    if errors:
        listing = "; ".join(f"{f.code}: {f.message}" for f in errors[:3])
        more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
        raise AgreementError(f"{entry.file} has errors, so no agreement is issued: {listing}{more}")
    number = client.agreement.version
    folder = project.agreements_dir / client.id / f"v{number}"
    if folder.exists():
        changed = any(f.code == "terms-changed" for f in entry.findings)
        why = (
            "the terms have changed since: set agreement.version to "
            f"{number + 1} to prepare the next agreement"
            if changed
            else "issued versions are never re-rendered or re-signed"
        )
        raise AgreementError(f"version {number} of {client.id} is already issued; {why}")
    if any(v.number > number for v in entry.issued):
        raise AgreementError(f"a later version than {number} of {client.id} is already issued")
    version = entry.terms
    earlier = entry.before(number)
    rendered = render_agreement(
        render.environment(project.templates_dir),
        project.template("agreement/agreement.css").parent,
        version,
        earlier.terms if earlier else None,
        draft=False,
    )
    signatory = client.agreement.signatories.provider or provider.signatory
    signing = key(provider)
    signed = sign.certify(
        rendered.pdf,
        signing,
        rendered.boxes["sig-provider-box"],
        rendered.boxes["sig-client-box"],
        f"Signed for {provider.name} by {signatory.name}, {signatory.title}",
        tsa,
        trusted_certificates(project),
    )
    with files.creating(folder) as staging:
        (staging / archive.TERMS).write_bytes(version.canonical)
        (staging / archive.SIGNED).write_bytes(signed)
    return Issued(folder, version.fingerprint, rendered.pages, signing.development)


@dataclass(frozen=True)
class Recorded:
    path: Path
    signer: str
    certificate: str


def _terms_of(pdf: sign.Verification) -> dict[str, object]:
    if pdf.attachment is None:
        raise AgreementError(
            "the file carries no agreement terms: it is not an agreement Tripod issued"
        )
    try:
        data: dict[str, object] = json.loads(pdf.attachment)
        return data
    except ValueError:
        raise AgreementError("the attached terms cannot be read") from None


def record(project: Project, client_id: str, file: Path) -> Recorded:
    try:
        data = file.read_bytes()
    except OSError as e:
        raise AgreementError(f"cannot read {file}: {e.strerror}") from None
    result = sign.verify(data, trusted_certificates(project))
    found = _terms_of(result)
    client = found.get("client")
    if not isinstance(client, dict) or client.get("id") != client_id:
        raise AgreementError(f"{file} is not an agreement of {client_id}")
    number = client["agreement"]["version"]
    folder = project.agreements_dir / client_id / f"v{number}"
    signed_path = folder / archive.SIGNED
    if not signed_path.is_file():
        raise AgreementError(f"version {number} of {client_id} was never issued")
    if (folder / archive.EXECUTED).exists():
        raise AgreementError(
            f"version {number} of {client_id} is already recorded as countersigned"
        )
    signed = signed_path.read_bytes()
    if not data.startswith(signed):
        raise AgreementError(
            f"{file} is not the issued agreement with a signature added: the provider-signed "
            "revision was changed"
        )
    if result.problems:
        raise AgreementError(f"{file}: {result.problems[0]}")
    fields = [s.field for s in result.signatures]
    if fields != [sign.PROVIDER_FIELD, sign.CLIENT_FIELD]:
        raise AgreementError(
            f"{file} should carry the provider's signature and the client's, in that order; "
            f"it carries: {', '.join(fields) or 'none'}"
        )
    for report in result.signatures:
        if not report.intact:
            raise AgreementError(f"the signature in field {report.field} is not intact")
        if not report.changes_allowed:
            raise AgreementError(
                f"the file was changed after the signature in field {report.field}: {report.changes}"
            )
    target = folder / archive.EXECUTED
    files.write_bytes(target, data)
    client_sig = result.signatures[1]
    return Recorded(target, client_sig.signer, client_sig.certificate_pem.decode())


@dataclass(frozen=True)
class Checked:
    verification: sign.Verification
    client: str | None
    version: int | None
    fingerprint: str | None
    archived: bool | None  # the attached terms equal the archived ones (None: no archive)

    @property
    def ok(self) -> bool:
        return self.verification.intact and self.archived is not False


def check_file(project: Project | None, file: Path) -> Checked:
    try:
        data = file.read_bytes()
    except OSError as e:
        raise AgreementError(f"cannot read {file}: {e.strerror}") from None
    result = sign.verify(data, trusted_certificates(project) if project else [])
    client_id = version = fingerprint = None
    archived = None
    if result.attachment is not None:
        fingerprint = terms.fingerprint(result.attachment)
        try:
            found = json.loads(result.attachment)
            client_id = found["client"]["id"]
            version = int(found["client"]["agreement"]["version"])
        except (ValueError, KeyError, TypeError):
            pass
        if project is not None and client_id and version:
            path = project.agreements_dir / client_id / f"v{version}" / archive.TERMS
            if path.is_file():
                archived = terms.canonical(json.loads(path.read_bytes())) == result.attachment
    return Checked(result, client_id, version, fingerprint, archived)
