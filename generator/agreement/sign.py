"""Signing and verifying agreements with pyHanko: the only importer of pyhanko.

The provider certifies the agreement (DocMDP level 2: form filling and
signing allowed) and, in the same revision, prepares an empty signature field
in the client's signature block that locks the document once signed. The
client's signature fills that field. Verification returns a result object;
it never raises for a bad file.
"""

from __future__ import annotations

import datetime as dt
import io
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.agreement.pdf import Box
from generator.errors import TripodError

PROVIDER_FIELD = "Provider"
CLIENT_FIELD = "Client"
DEV_MARK = "Tripod development key"


class SignError(TripodError):
    """Signing failed or a key cannot be used; the message says why in one line."""


# ------------------------------------------------------------------- keys


def create_dev_key(path: Path, name: str) -> None:
    """A self-signed certificate and key for development, as an unencrypted PKCS#12."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, f"{name} ({DEV_MARK})"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, DEV_MARK),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,  # non-repudiation
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    blob = pkcs12.serialize_key_and_certificates(
        b"tripod-dev", key, cert, None, serialization.NoEncryption()
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(blob)


@dataclass(frozen=True)
class Key:
    """A loaded signing key and what to say about it."""

    signer: Any
    name: str
    development: bool
    certificate_pem: bytes


def load_key(path: Path, passphrase: str | None) -> Key:
    from asn1crypto import pem
    from pyhanko.sign import signers

    _quiet()
    try:
        signer = signers.SimpleSigner.load_pkcs12(
            str(path), passphrase=passphrase.encode() if passphrase else None
        )
    except (OSError, ValueError) as e:
        raise SignError(f"cannot read the key {path}: {' '.join(str(e).split())}") from None
    if signer is None:
        raise SignError(f"cannot read the key {path}: wrong passphrase, or not a PKCS#12 file")
    cert = signer.signing_cert
    name = cert.subject.native.get("common_name", "unknown signer")
    usage = cert.key_usage_value.native if cert.key_usage_value else set()
    if "non_repudiation" not in usage:
        raise SignError(
            f"the certificate in {path} lacks the non-repudiation key usage a signed agreement needs"
        )
    pem_bytes = pem.armor("CERTIFICATE", cert.dump())
    return Key(signer, name, DEV_MARK in name, pem_bytes)


# ----------------------------------------------------------------- signing


def _quiet() -> None:
    import logging

    # pyHanko logs each failed validation with a traceback; the result object says it all.
    for name in ("pyhanko", "pyhanko_certvalidator", "fontTools"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


def _timestamper(tsa: str | None) -> Any:
    if not tsa:
        return None
    from pyhanko.sign.timestamps import HTTPTimeStamper

    return HTTPTimeStamper(tsa)


def _validation_context(trust: list[bytes]) -> Any:
    from pyhanko.keys import load_certs_from_pemder_data
    from pyhanko_certvalidator import ValidationContext

    roots = [c for blob in trust for c in load_certs_from_pemder_data(blob)]
    return ValidationContext(trust_roots=roots, allow_fetching=True, revocation_mode="soft-fail")


def _stamp(text: str) -> Any:
    from pyhanko import stamp

    return stamp.TextStampStyle(stamp_text=text, border_width=1)


def certify(
    pdf: bytes,
    key: Key,
    provider_box: Box,
    client_box: Box,
    signer_line: str,
    tsa: str | None = None,
    trust: list[bytes] | None = None,
) -> bytes:
    """The provider's certification signature, with the client's locked field prepared."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    _quiet()
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        fields.append_signature_field(
            writer,
            fields.SigFieldSpec(
                CLIENT_FIELD,
                on_page=client_box.page,
                box=_rect(client_box),
                field_mdp_spec=fields.FieldMDPSpec(fields.FieldMDPAction.ALL),
                doc_mdp_update_value=fields.MDPPerm.NO_CHANGES,
            ),
        )
        text = signer_line + "\n%(ts)s"
        if key.development:
            text = f"{DEV_MARK.upper()}: NOT A VALID SIGNATURE\n" + text
        timestamper = _timestamper(tsa)
        meta = signers.PdfSignatureMetadata(
            field_name=PROVIDER_FIELD,
            certify=True,
            docmdp_permissions=fields.MDPPerm.FILL_FORMS,
            subfilter=fields.SigSeedSubFilter.PADES,
            reason="Agreement issued by the provider",
            embed_validation_info=bool(tsa),
            use_pades_lta=bool(tsa),
            validation_context=_validation_context([key.certificate_pem, *(trust or [])])
            if tsa
            else None,
        )
        signer = signers.PdfSigner(
            meta,
            key.signer,
            timestamper=timestamper,
            stamp_style=_stamp(text),
            new_field_spec=fields.SigFieldSpec(
                PROVIDER_FIELD, on_page=provider_box.page, box=_rect(provider_box)
            ),
        )
        out = signer.sign_pdf(writer)
        return bytes(out.getbuffer())
    except SignError:
        raise
    except Exception as e:  # pyHanko's errors are many; the boundary makes them one
        raise SignError(f"signing failed: {type(e).__name__}: {' '.join(str(e).split())}") from e


def countersign(pdf: bytes, key: Key, tsa: str | None = None) -> bytes:
    """The client's signature, in the field the provider prepared."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    _quiet()
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        meta = signers.PdfSignatureMetadata(
            field_name=CLIENT_FIELD,
            docmdp_permissions=fields.MDPPerm.NO_CHANGES,  # the prepared field locks the document
            subfilter=fields.SigSeedSubFilter.PADES,
            reason="Agreement countersigned by the client",
        )
        signer = signers.PdfSigner(
            meta,
            key.signer,
            timestamper=_timestamper(tsa),
            stamp_style=_stamp(f"Signed by {key.name}\n%(ts)s"),
        )
        out = signer.sign_pdf(writer)
        return bytes(out.getbuffer())
    except Exception as e:
        raise SignError(
            f"countersigning failed: {type(e).__name__}: {' '.join(str(e).split())}"
        ) from e


def _rect(box: Box) -> tuple[int, int, int, int]:
    return (round(box.x1), round(box.y1), round(box.x2), round(box.y2))


# --------------------------------------------------------------- verifying


@dataclass(frozen=True)
class SignatureReport:
    field: str
    signer: str
    signed_at: dt.datetime | None
    intact: bool
    trusted: bool
    development: bool
    certification: bool
    changes_allowed: bool  # every change after it is one its certification allows
    changes: str  # in words
    timestamped: bool
    certificate_pem: bytes


@dataclass(frozen=True)
class Verification:
    signatures: list[SignatureReport] = field(default_factory=list)
    attachment: bytes | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return (
            not self.problems
            and bool(self.signatures)
            and all(s.intact and s.changes_allowed for s in self.signatures)
        )


def verify(pdf: bytes, trust: list[bytes]) -> Verification:
    """Who signed, whether each signature is intact and trusted, and what changed after."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature

    _quiet()
    problems: list[str] = []
    reports: list[SignatureReport] = []
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        embedded = list(reader.embedded_regular_signatures)
    except Exception as e:
        return Verification([], None, [f"not a readable PDF: {type(e).__name__}: {e}"])
    if not embedded:
        problems.append("the file carries no signature")
    context = _validation_context(trust) if trust else None
    for sig in embedded:
        try:
            status = (
                validate_pdf_signature(sig, context) if context else validate_pdf_signature(sig)
            )
        except Exception as e:
            problems.append(
                f"signature {sig.field_name} cannot be validated: {type(e).__name__}: {e}"
            )
            continue
        cert = sig.signer_cert
        name = cert.subject.native.get("common_name", "unknown")
        level = status.modification_level
        from asn1crypto import pem
        from pyhanko.sign.diff_analysis import ModificationLevel

        allowed = status.docmdp_ok is not False and (
            level is None or level <= ModificationLevel.FORM_FILLING
        )
        reports.append(
            SignatureReport(
                field=sig.field_name,
                signer=name,
                signed_at=status.signer_reported_dt
                or (status.timestamp_validity.timestamp if status.timestamp_validity else None),
                intact=bool(status.intact and status.valid),
                trusted=bool(status.trusted),
                development=DEV_MARK in name,
                certification=sig.sig_object.get("/Reference") is not None
                and any(
                    ref.get("/TransformMethod") == "/DocMDP" for ref in sig.sig_object["/Reference"]
                ),
                changes_allowed=allowed,
                changes=_changes(level),
                timestamped=status.timestamp_validity is not None,
                certificate_pem=pem.armor("CERTIFICATE", cert.dump()),
            )
        )
    if any(r.field == PROVIDER_FIELD for r in reports):
        problems.extend(_field_problems(reader, reports))
    attachment = _attachment(reader) if embedded else None
    return Verification(reports, attachment, problems)


def _field_problems(reader: Any, reports: list[SignatureReport]) -> list[str]:
    """An agreement Tripod issued has the provider's signature, then at most the client's
    in its prepared field, and document timestamps; any other signature field was added."""
    from pyhanko.sign.fields import enumerate_sig_fields

    problems = []
    order = [r.field for r in reports]
    if order not in ([PROVIDER_FIELD], [PROVIDER_FIELD, CLIENT_FIELD]):
        problems.append(
            f"signatures in {', '.join(order)}: an issued agreement carries the provider's "
            "signature, then only the client's, in the field prepared for it"
        )
    timestamps = {ts.field_name for ts in reader.embedded_timestamp_signatures}
    for name, value, _ in enumerate_sig_fields(reader, filled_status=None):
        if name in (PROVIDER_FIELD, CLIENT_FIELD) or (name in timestamps and value is not None):
            continue
        problems.append(f"a signature field {name!r} was added after the provider signed")
    return problems


def _changes(level: Any) -> str:
    if level is None:
        return "unknown"
    names = {
        "NONE": "no changes after signing",
        "LTA_UPDATES": "only validation data and timestamps added",
        "FORM_FILLING": "only form filling and signing",
        "ANNOTATIONS": "annotations added",
        "OTHER": "the content was changed",
    }
    return names.get(level.name, level.name.lower())


def _attachment(reader: Any) -> bytes | None:
    """The attached terms.json of the signed revision, if any."""
    try:
        from pyhanko.pdf_utils import generic

        names = reader.root["/Names"]["/EmbeddedFiles"]["/Names"]
        for i in range(0, len(names), 2):
            spec = names[i + 1]
            if isinstance(spec, generic.IndirectObject):
                spec = spec.get_object()
            if str(spec.get("/F", names[i])) == "terms.json" or str(names[i]) == "terms.json":
                stream = spec["/EF"]["/F"].get_object()
                return bytes(stream.data)
    except (KeyError, TypeError, AttributeError):
        return None
    return None
