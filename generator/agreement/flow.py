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
import re
import subprocess
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator import files, render
from generator.agreement import sign
from generator.agreement.document import render_agreement
from generator.errors import TripodError
from generator.format.model import Provider
from generator.project.layout import Project
from generator.project.record import check_project
from generator.rules.registry import operational
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
    now: dt.datetime | None = None,
) -> Issued:
    """Issues the version the client file names. `key` gives the signing key, asked for
    only once the client passed every check (so a refused issue creates no key). Only
    errors about the terms refuse it, never operational ones (evidence, dates)."""
    report = check_project(project, (client_id,), today, now)
    entry = report.clients[0]
    provider = report.provider.model
    if provider is None:
        raise AgreementError("provider.yaml cannot be loaded: run tripod check")
    client = entry.client
    if client is None:
        raise AgreementError(f"{entry.file} cannot be loaded: run tripod check")
    # What happened (evidence, dates) is no reason to refuse terms: only errors in them are.
    errors = [f for f in entry.findings if f.severity == "error" and not operational(f.code)]
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
    reason: str | None  # why the signer differs from the named signatory, if it does


SIGNER = archive.SIGNER  # beside the executed copy: who signed for the client, and why
_ID = re.compile(r"[a-z0-9][a-z0-9-]*")


def _words(name: str) -> set[str]:
    text = unicodedata.normalize("NFKC", name).casefold()
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return set("".join(c if c.isalnum() else " " for c in text).split())


def names_match(a: str, b: str) -> bool:
    """Every word of the shorter name appears in the other (after NFKC, case folding,
    and with diacritics and punctuation removed)."""
    shorter, longer = sorted((_words(a), _words(b)), key=len)
    return bool(shorter) and shorter <= longer


@dataclass(frozen=True)
class Signatory:
    name: str
    email: str | None


def named_signatory(found: dict[str, Any], email: str | None = None) -> Signatory | None:
    """The client's signatory that the terms name (a contact's id), with its name."""
    try:
        client = found["client"]
        who = client["agreement"]["signatories"]["client"]
        people = [*client.get("contacts", []), *client.get("third_parties", [])]
        name = next(p["name"] for p in people if p.get("id") == who)
    except (KeyError, TypeError, StopIteration):
        return None
    return Signatory(str(name), email)


def provider_signatory(found: dict[str, Any]) -> str | None:
    """Who the terms say signs for the provider, as "name, title"."""
    try:
        who = found["provider"]["signatory"]
        return f"{who['name']}, {who['title']}"
    except (KeyError, TypeError):
        return None


def signer_matches(report: sign.SignatureReport, signatory: Signatory) -> bool:
    if report.email and signatory.email and report.email.casefold() == signatory.email.casefold():
        return True
    return names_match(report.signer, signatory.name)


def _contact_email(project: Project, client_id: str, found: dict[str, Any]) -> str | None:
    """The named signatory's e-mail from the client file (a record, not in the terms)."""
    from generator.format.load import load_client

    try:
        who = found["client"]["agreement"]["signatories"]["client"]
        path = project.client_file(client_id)
        client = load_client(path, project.display(path), dt.date.today()).model
        contact = next(c for c in client.contacts if c.id == who) if client else None
    except Exception:  # the e-mail is a second way to match; the name is the first
        return None
    return contact.email if contact else None


def _terms_of(pdf: sign.Verification) -> dict[str, Any]:
    if pdf.attachment is None:
        raise AgreementError(
            "the file carries no agreement terms: it is not an agreement Tripod issued"
        )
    try:
        data = json.loads(pdf.attachment)
    except ValueError:
        raise AgreementError("the attached terms cannot be read") from None
    if not isinstance(data, dict):
        raise AgreementError("the attached terms cannot be read")
    return data


def record(
    project: Project,
    client_id: str,
    file: Path,
    signer_differs: str | None = None,
    fetching: sign.Fetching | None = None,
) -> Recorded:
    try:
        data = file.read_bytes()
    except OSError as e:
        raise AgreementError(f"cannot read {file}: {e.strerror}") from None
    result = sign.verify(data, trusted_certificates(project), fetching)
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
    client_sig = result.signatures[1]
    signatory = named_signatory(found, _contact_email(project, client_id, found))
    matches = signatory is not None and signer_matches(client_sig, signatory)
    if not matches and not signer_differs:
        named = signatory.name if signatory else "no one (the terms name no client signatory)"
        raise AgreementError(
            f"the client's signature is by {client_sig.signer}, not the named signatory "
            f'{named}: if that is right, record it with --signer-differs "REASON"'
        )
    reason = None if matches else signer_differs
    note = {
        "signer": client_sig.signer,
        "signatory": signatory.name if signatory else None,
        "matches": matches,
        "reason": reason,
    }
    files.write_bytes(
        folder / SIGNER, (json.dumps(note, ensure_ascii=False, indent=2) + "\n").encode()
    )
    target = folder / archive.EXECUTED
    files.write_bytes(target, data)
    return Recorded(target, client_sig.signer, client_sig.certificate_pem.decode(), reason)


DEVELOPMENT = (
    "not a valid signature: development key (the provider signed with the key Tripod "
    "makes for trying it out; set --key or TRIPOD_SIGNING_KEY for a real agreement)"
)


@dataclass(frozen=True)
class Checked:
    verification: sign.Verification
    client: str | None
    version: int | None
    fingerprint: str | None
    archived: bool | None  # the attached terms equal the archived ones (None: no archive)
    revision: bool | None  # the provider-signed revision is the archived file (None: none)
    signatory: str | None  # the client's signatory the terms name
    signer_matches: bool | None  # None: the client has not signed (or no one is named)
    reason: str | None  # recorded with the executed copy when the signer differs
    signatory_email: str | None = None  # the named signatory's, from the client file
    provider_signatory: str | None = None  # "name, title", as the terms give it

    @property
    def problems(self) -> list[str]:
        """Why the file is not a verified agreement, most telling first."""
        found = list(self.verification.problems)
        for s in self.verification.signatures:
            if not s.intact:
                found.append(
                    f"the signature in field {s.field} is not intact: the signed content was altered"
                )
            elif not s.changes_allowed:
                found.append(
                    f"the file was changed after the signature in field {s.field} in a way "
                    f"it does not allow: {s.changes}"
                )
        if self.revision is False:
            found.append(
                f"the provider-signed revision is not the agreement archived as "
                f"{self.client} v{self.version}"
            )
        if self.archived is False:
            found.append("the terms in the file differ from the archived terms of that version")
        return found

    @property
    def untrusted(self) -> str | None:
        """Why the provider's signature is not trusted, or None when it is."""
        provider = self.verification.provider
        if provider is None:
            return None  # missing: a problem, said as one
        if provider.development:
            return DEVELOPMENT
        if not provider.trusted:
            return (
                f"the provider's signature (by {provider.signer}) is not from a certificate "
                "listed in provider.yaml"
            )
        return None

    @property
    def awaiting(self) -> bool:
        return self.verification.client is None

    def verdict(self, *, strict: bool, allow_untrusted: bool) -> tuple[bool, list[str]]:
        """Whether the file verifies (the SPEC's table), and the lines to say first."""
        lines = [f"problem: {p}" for p in self.problems]
        ok = not lines and bool(self.verification.signatures)
        if self.untrusted:
            allowed = allow_untrusted and not strict
            accepted = " (accepted: --allow-untrusted)" if allowed else ""
            if self.untrusted == DEVELOPMENT:  # said before anything else, even a problem
                lines.insert(0, DEVELOPMENT + accepted)
            else:
                lines.append(f"not trusted: {self.untrusted}{accepted}")
            ok = ok and allowed
        client = self.verification.client
        if client is not None and self.signer_matches is False and not self.reason:
            lines.append(
                f"warning: the client's signature is by {client.signer}, not the named "
                f"signatory {self.signatory}, and no reason was recorded"
            )
            ok = ok and not strict
        return ok, lines


def check_file(
    project: Project | None, file: Path, fetching: sign.Fetching | None = None
) -> Checked:
    try:
        data = file.read_bytes()
    except OSError as e:
        raise AgreementError(f"cannot read {file}: {e.strerror}") from None
    result = sign.verify(data, trusted_certificates(project) if project else [], fetching)
    client_id = version = fingerprint = None
    archived = revision = None
    found: dict[str, Any] = {}
    if result.attachment is not None:
        fingerprint = terms.fingerprint(result.attachment)
        try:
            found = json.loads(result.attachment)
            client_id = str(found["client"]["id"])
            version = int(found["client"]["agreement"]["version"])
        except (ValueError, KeyError, TypeError):
            found = {}
    folder = None
    # The id comes from the file: only a plain one names a folder of the archive.
    if project is not None and client_id and _ID.fullmatch(client_id) and version:
        folder = project.agreements_dir / client_id / f"v{version}"
        path = folder / archive.TERMS
        if path.is_file():
            try:
                archived = terms.canonical(json.loads(path.read_bytes())) == result.attachment
            except ValueError:
                raise AgreementError(f"{project.display(path)} cannot be read") from None
        revision = _revision_archived(folder / archive.SIGNED, data, result)
    email = None
    if folder is not None and project is not None and client_id:
        email = _contact_email(project, client_id, found)
    signatory = named_signatory(found, email) if found else None
    matches = reason = None
    if result.client is not None and signatory is not None:
        matches = signer_matches(result.client, signatory)
        reason = _recorded_reason(folder, data) if folder is not None else None
    return Checked(
        result,
        client_id,
        version,
        fingerprint,
        archived,
        revision,
        signatory.name if signatory else None,
        matches,
        reason,
        signatory.email if signatory else None,
        provider_signatory(found) if found else None,
    )


def _revision_archived(signed: Path, data: bytes, result: sign.Verification) -> bool | None:
    """Whether the provider's signature covers exactly the archived provider-signed file."""
    if not signed.is_file():
        return None
    archived = signed.read_bytes()
    provider = result.provider
    if provider is None:
        return False
    return 0 < provider.covered <= len(archived) and data[: len(archived)] == archived


def _recorded_reason(folder: Path, data: bytes) -> str | None:
    """The reason `record` stored for this very executed copy, if any."""
    executed, note = folder / archive.EXECUTED, folder / SIGNER
    if not (executed.is_file() and note.is_file()) or executed.read_bytes() != data:
        return None
    try:
        reason = json.loads(note.read_bytes()).get("reason")
    except (ValueError, AttributeError):
        return None
    return str(reason) if reason else None
