"""Issued agreement versions, as archived under `agreements/<id>/v<N>/`.

An issued version is a folder holding the canonical terms (`terms.json`), the
provider-signed PDF and, once the client has countersigned, the executed PDF.
These are legal records: Tripod reads them and never rewrites them.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from generator.errors import UsageError
from generator.format.model import Agreement, Client, Provider
from generator.terms import canonical as terms_

TERMS = "terms.json"
SIGNED = "agreement-signed.pdf"  # signed by the provider
EXECUTED = "agreement-executed.pdf"  # countersigned by the client
SIGNER = "signer.json"  # who countersigned, whether the named signatory, or why not
DEV_MARK = "Tripod development key"
"""In the name of the certificate of the key Tripod makes for trying it out."""
_VERSION = re.compile(r"v([1-9][0-9]*)")
# The signing time pyHanko writes in the signature dictionary, `D:` written `D\072` or not.
_SIGNED_AT = re.compile(rb"/M\s*\(D(?::|\\072)?(\d{14})(Z|[+-]\d\d'?\d\d)?")


def development_signed(pdf: bytes) -> bool:
    """Whether a PDF's signature was made with the development key, without validating
    it: cheap enough for every build."""
    mark = DEV_MARK.encode().hex()
    return mark.encode() in pdf or mark.upper().encode() in pdf


class ArchiveError(UsageError):
    """An archived version cannot be read; the message names the file."""


@dataclass(frozen=True, slots=True)
class Issued:
    number: int
    folder: Path
    terms: dict[str, Any]
    canonical: bytes

    @property
    def fingerprint(self) -> str:
        return terms_.fingerprint(self.canonical)

    @property
    def label(self) -> str:
        return f"v{self.number}"

    @property
    def effective(self) -> dt.date:
        return dt.date.fromisoformat(self.terms["client"]["agreement"]["effective"])

    @property
    def last_day(self) -> dt.date:
        """The last day of the version's term."""
        agreement = self.terms["client"]["agreement"]
        try:
            return Agreement.model_validate(_tuples(agreement)).last_day
        except ValidationError as e:
            raise ArchiveError(f"{self.folder / TERMS} does not hold an agreement's term") from e

    @property
    def development(self) -> bool:
        """Whether the provider signed it with the development key: not a valid signature,
        so never an agreement in force (the certificate inside the signature, hex-encoded
        in its /Contents, carries DEV_MARK in its name)."""
        try:
            return development_signed((self.folder / SIGNED).read_bytes())
        except OSError:
            return False

    @property
    def signed_at(self) -> dt.datetime | None:
        """When the provider signed: the signing time in the provider's signature of
        the signed PDF (the first signature in the file), or None where none is found.
        The archive records no other issue date."""
        try:
            data = (self.folder / SIGNED).read_bytes()
        except OSError:
            return None
        found = _SIGNED_AT.search(data, data.find(b"/ByteRange"))
        if found is None:
            return None
        when = dt.datetime.strptime(found[1].decode(), "%Y%m%d%H%M%S")
        offset = (found[2] or b"Z").decode().replace("'", "")
        if offset == "Z":
            return when.replace(tzinfo=dt.UTC)
        sign = 1 if offset[0] == "+" else -1
        delta = dt.timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5]))
        return when.replace(tzinfo=dt.timezone(sign * delta))

    @property
    def executed(self) -> bool:
        return (self.folder / EXECUTED).is_file()

    @property
    def signed(self) -> bool:
        return (self.folder / SIGNED).is_file()

    @property
    def signature_state(self) -> str:
        if self.executed:
            return "signed by both parties"
        if self.signed:
            return "signed by the provider, awaiting the client's signature"
        return "issued, not signed"

    @property
    def countersignature(self) -> str | None:
        """Who countersigned and whether that is the named signatory (or why not), in
        words, from the signer.json `record` keeps beside the executed copy."""
        if not self.executed:
            return None
        try:
            note = json.loads((self.folder / SIGNER).read_bytes())
            signer = str(note["signer"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        named = note.get("signatory") or self._client_signatory()
        if note.get("matches"):
            return f"Countersigned by {signer}, the named signatory {named}"
        reason = note.get("reason") or "no reason recorded"
        return f"Countersigned by {signer}, not the named signatory {named}: {reason}"

    def _client_signatory(self) -> str:
        try:
            client = self.terms["client"]
            who = client["agreement"]["signatories"]["client"]
            return str(next(c["name"] for c in client["contacts"] if c["id"] == who))
        except (KeyError, TypeError, StopIteration):
            return "(not named)"

    def documents(self) -> list[tuple[str, Path]]:
        """(label, path) of the PDFs to offer for download."""
        found = [("Executed agreement (both signatures)", self.folder / EXECUTED)]
        found.append(("Agreement signed by the provider", self.folder / SIGNED))
        return [(label, path) for label, path in found if path.is_file()]


def issued_versions(agreements: Path, client_id: str) -> list[Issued]:
    """Every issued version of a client, oldest first."""
    folder = agreements / client_id
    if not folder.is_dir():
        return []
    found = []
    for entry in folder.iterdir():
        match = _VERSION.fullmatch(entry.name)
        if match is None or not (entry / TERMS).is_file():
            continue
        try:
            data = json.loads((entry / TERMS).read_bytes())
        except (OSError, ValueError) as e:
            where = (entry / TERMS).relative_to(agreements.parent).as_posix()
            raise ArchiveError(f"{where} cannot be read: {e}") from e
        found.append(Issued(int(match[1]), entry, data, terms_.canonical(data)))
    return sorted(found, key=lambda v: v.number)


def _tuples(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    if isinstance(value, dict):
        return {k: _tuples(v) for k, v in value.items()}
    return value


def loads(canonical: bytes) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(canonical)
    return data


def client_from_terms(data: dict[str, Any]) -> Client:
    """The client as terms describe it (without records)."""
    return Client.model_validate(_tuples(data["client"]))


def provider_with(data: dict[str, Any], provider: Provider) -> Provider:
    """The provider with the identity the terms give it."""
    identity = data.get("provider", {})
    update = {k: identity[k] for k in ("name", "legal_name", "address") if k in identity}
    return provider.model_copy(update=update)


def client_of(issued: Issued) -> Client:
    """The client as it stood in an issued version's terms (without records)."""
    try:
        return client_from_terms(issued.terms)
    except (KeyError, ValidationError) as e:
        raise ArchiveError(f"{issued.folder / TERMS} does not hold a client's terms") from e
