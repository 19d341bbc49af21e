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
from generator.terms.archive import DEV_MARK

PROVIDER_FIELD = "Provider"
CLIENT_FIELD = "Client"


class SignError(TripodError):
    """Signing failed or a key cannot be used; the message says why in one line."""


# ------------------------------------------------------------------- keys


def _signing_certificate(
    subject: Any, public_key: Any, not_before: dt.datetime, not_after: dt.datetime
) -> Any:
    """A self-signed certificate's builder with the usages an agreement signature needs:
    not a CA, digital signature and non-repudiation (critical)."""
    from cryptography import x509

    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
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
    )


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
    cert = _signing_certificate(
        subject, key.public_key(), now - dt.timedelta(days=1), now + dt.timedelta(days=3650)
    ).sign(key, hashes.SHA256())
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


class PassphraseNeeded(SignError):
    """The key file is encrypted and no passphrase was given."""


class WrongPassphrase(SignError):
    """The key file is a PKCS#12 file that the given passphrase does not open."""


def _is_pkcs12(data: bytes) -> bool:
    """Whether DATA has the outer structure of a PKCS#12 file, whatever its passphrase."""
    from asn1crypto import pkcs12 as asn1_pkcs12

    try:
        pfx = asn1_pkcs12.Pfx.load(data, strict=True)
        return pfx["version"].native == "v3" and pfx["auth_safe"]["content_type"].native in (
            "data",
            "signed_data",
        )
    except (ValueError, TypeError, KeyError):
        return False


def load_key(path: Path, passphrase: str | None) -> Key:
    """The key in the PKCS#12 file at PATH. A wrong passphrase, a missing one and a
    file that is not PKCS#12 at all are told apart (`WrongPassphrase`,
    `PassphraseNeeded`, `SignError`)."""
    from asn1crypto import pem
    from cryptography.hazmat.primitives.serialization import pkcs12
    from pyhanko.sign import signers

    _quiet()
    try:
        data = path.read_bytes()
    except OSError as e:
        raise SignError(f"cannot read the key {path}: {e.strerror or e}") from None
    secret = passphrase.encode() if passphrase else None
    try:
        private_key, certificate, _ = pkcs12.load_key_and_certificates(data, secret)
    except ValueError:
        if not _is_pkcs12(data):
            raise SignError(f"cannot read the key {path}: not a PKCS#12 file") from None
        if secret is None:
            raise PassphraseNeeded(f"cannot read the key {path}: it needs its passphrase") from None
        raise WrongPassphrase(f"cannot read the key {path}: wrong passphrase") from None
    if private_key is None or certificate is None:
        raise SignError(
            f"cannot read the key {path}: it does not hold both a private key and its certificate"
        )
    try:
        signer = signers.SimpleSigner.load_pkcs12_data(data, [], passphrase=secret)
    except (ValueError, TypeError) as e:
        raise SignError(f"cannot read the key {path}: {' '.join(str(e).split())}") from None
    cert = signer.signing_cert
    name = cert.subject.native.get("common_name", "unknown signer")
    usage = cert.key_usage_value.native if cert.key_usage_value else set()
    if "non_repudiation" not in usage:
        raise SignError(
            f"the certificate in {path} lacks the non-repudiation key usage a signed agreement needs"
        )
    pem_bytes = pem.armor("CERTIFICATE", cert.dump())
    return Key(signer, name, DEV_MARK in name, pem_bytes)


@dataclass(frozen=True)
class ClientKey:
    """What `create_client_key` made, to tell its owner."""

    subject: str
    email: str
    not_after: dt.datetime
    fingerprint: str  # SHA-256 of the certificate, colon-separated hex


def create_client_key(
    path: Path, name: str, email: str, passphrase: str, days: int = 3650
) -> ClientKey:
    """A self-signed certificate and key for a client's signature, as a PKCS#12 file
    encrypted with PASSPHRASE. Its usages are those an agreement signature needs
    (digital signature and non-repudiation; document signing and e-mail protection,
    which readers such as Acrobat look for). Never overwrites a file."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    from generator import files

    if not passphrase:
        raise SignError("a client key needs a passphrase")
    if path.exists() or path.is_symlink():
        raise SignError(f"{path} already exists: choose another --output, or remove it first")
    # RSA rather than an elliptic curve: every reader and operating system can import it.
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, name),
            x509.NameAttribute(NameOID.EMAIL_ADDRESS, email),
        ]
    )
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    try:
        cert = (
            _signing_certificate(
                subject,
                key.public_key(),
                now - dt.timedelta(hours=1),
                now + dt.timedelta(days=days),
            )
            .add_extension(
                x509.ExtendedKeyUsage(
                    [
                        x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36"),  # document signing, RFC 9336
                        x509.ObjectIdentifier("1.3.6.1.4.1.311.10.3.12"),  # Microsoft's
                        ExtendedKeyUsageOID.EMAIL_PROTECTION,
                    ]
                ),
                critical=False,
            )
            .add_extension(x509.SubjectAlternativeName([x509.RFC822Name(email)]), critical=False)
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
            )
            .sign(key, hashes.SHA256())
        )
    except ValueError as e:
        raise SignError(f"cannot make the certificate: {' '.join(str(e).split())}") from None
    blob = pkcs12.serialize_key_and_certificates(
        name.encode("utf-8"),
        key,
        cert,
        None,
        serialization.BestAvailableEncryption(passphrase.encode("utf-8")),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = files.spare(path)
    try:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(blob)
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(partial, path)  # whole or not at all, and never over an existing file
        except FileExistsError:
            raise SignError(
                f"{path} already exists: choose another --output, or remove it first"
            ) from None
        except OSError:  # no hard links there (a FAT memory stick): create it in place
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(blob)
    finally:
        partial.unlink(missing_ok=True)
    digest = cert.fingerprint(hashes.SHA256()).hex().upper()
    return ClientKey(
        name,
        email,
        cert.not_valid_after_utc,
        ":".join(digest[i : i + 2] for i in range(0, len(digest), 2)),
    )


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


def _validation_context(trust: list[bytes], fetching: Fetching | None = None) -> Any:
    """Trust in the given certificates only. Offline unless `fetching` says otherwise:
    the addresses in a certificate (AIA, OCSP, CRL) are chosen by whoever made it."""
    from pyhanko.keys import load_certs_from_pemder_data
    from pyhanko_certvalidator import ValidationContext

    roots = [c for blob in trust for c in load_certs_from_pemder_data(blob)]
    if fetching is None or not fetching.online:
        return ValidationContext(
            trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail"
        )
    return ValidationContext(
        trust_roots=roots,
        allow_fetching=True,
        revocation_mode="soft-fail",
        fetcher_backend=_guarded_backend(fetching),
    )


@dataclass
class Fetching:
    """Whether verifying may fetch what certificates point at, and what it refused."""

    online: bool = False
    allow_private: bool = False
    timeout: float = 5.0
    refused: list[str] = field(default_factory=list)  # "URL (why)", in the order met
    silent: set[str] = field(default_factory=set)  # hosts that did not answer in time


def _private_address(host: str) -> str | None:
    """Why HOST must not be fetched without --allow-private-addresses, or None."""
    import ipaddress
    import socket

    try:
        found = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except (OSError, UnicodeError):
        return "its name does not resolve"
    for address in found:
        ip = ipaddress.ip_address(str(address).split("%", 1)[0])
        if ip.is_loopback:
            return "a loopback address"
        if ip.is_link_local:
            return "a link-local address"
        if ip.is_private or ip.is_reserved or ip.is_multicast or ip.is_unspecified:
            return "a private address"
    return None


def _guarded_backend(fetching: Fetching) -> Any:
    """pyHanko's requests fetchers with a short timeout, no redirects, and no
    loopback, private or link-local address unless the user allowed them."""
    import asyncio
    from urllib.parse import urlsplit

    import requests
    from pyhanko_certvalidator.fetchers.api import FetcherBackend, Fetchers
    from pyhanko_certvalidator.fetchers.requests_fetchers.cert_fetch_client import (
        RequestsCertificateFetcher,
    )
    from pyhanko_certvalidator.fetchers.requests_fetchers.crl_client import RequestsCRLFetcher
    from pyhanko_certvalidator.fetchers.requests_fetchers.ocsp_client import RequestsOCSPFetcher

    def allowed(url: str) -> None:
        parts = urlsplit(url)
        why = None if parts.scheme in ("http", "https") and parts.hostname else "not http(s)"
        if why is None and not fetching.allow_private:
            why = _private_address(parts.hostname or "")
        if why is not None:
            fetching.refused.append(f"{url} ({why})")
            raise requests.RequestException(f"not fetched: {url}: {why}")

    def call(method: str, url: str, headers: dict[str, str], data: bytes | None) -> Any:
        allowed(url)
        host = urlsplit(url).netloc
        if host in fetching.silent:  # one timeout per host, not one per address it serves
            raise requests.RequestException(f"not fetched: {url}: {host} did not answer")
        try:
            response = requests.request(
                method,
                url,
                headers=headers,
                data=data,
                timeout=fetching.timeout,
                allow_redirects=False,
            )
        except (requests.Timeout, requests.ConnectionError):
            fetching.silent.add(host)
            raise
        if response.status_code != 200:
            raise requests.RequestException(f"status code {response.status_code}")
        return response

    class Guarded:
        user_agent: str

        def _get(self, url: str, *, acceptable_content_types: Any) -> Any:
            headers = {"Accept": ",".join(acceptable_content_types), "User-Agent": self.user_agent}
            return asyncio.to_thread(call, "GET", url, headers, None)

        def _post(
            self, url: str, data: bytes, *, content_type: str, acceptable_content_types: Any
        ) -> Any:
            headers = {
                "Accept": ",".join(acceptable_content_types),
                "User-Agent": self.user_agent,
                "Content-Type": content_type,
            }
            return asyncio.to_thread(call, "POST", url, headers, data)

    class Ocsp(Guarded, RequestsOCSPFetcher):
        pass

    class Crl(Guarded, RequestsCRLFetcher):
        pass

    class Certs(Guarded, RequestsCertificateFetcher):
        pass

    class Backend(FetcherBackend):
        def get_fetchers(self) -> Any:
            timeout = fetching.timeout
            return Fetchers(
                ocsp_fetcher=Ocsp(per_request_timeout=timeout),
                crl_fetcher=Crl(per_request_timeout=timeout),
                cert_fetcher=Certs(per_request_timeout=timeout),
            )

        async def close(self) -> None:
            return None

    return Backend()


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
            # The provider's own certificates' revocation data, for long-term validation.
            validation_context=_validation_context(
                [key.certificate_pem, *(trust or [])], Fetching(online=True, allow_private=True)
            )
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
    email: str | None  # the certificate's e-mail address, if it has one
    signed_at: dt.datetime | None
    intact: bool
    trusted: bool
    development: bool
    certification: bool
    changes_allowed: bool  # every change after it is one its certification allows
    changes: str  # in words
    timestamped: bool
    certificate_pem: bytes
    covered: int  # the length of the file's beginning that the signature covers


@dataclass(frozen=True)
class Verification:
    signatures: list[SignatureReport] = field(default_factory=list)
    attachment: bytes | None = None
    problems: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # addresses not fetched, and why

    @property
    def intact(self) -> bool:
        return (
            not self.problems
            and bool(self.signatures)
            and all(s.intact and s.changes_allowed for s in self.signatures)
        )

    @property
    def provider(self) -> SignatureReport | None:
        return next((s for s in self.signatures if s.field == PROVIDER_FIELD), None)

    @property
    def client(self) -> SignatureReport | None:
        return next((s for s in self.signatures if s.field == CLIENT_FIELD), None)


# Whitespace may follow the last %%EOF (an end-of-line); anything else is data no
# revision's cross-reference accounts for, which some readers would still show.
_EOF_TAIL = b" \t\r\n\f"


def trailing_bytes(pdf: bytes) -> int:
    """How many bytes other than whitespace follow the file's last %%EOF."""
    at = pdf.rfind(b"%%EOF")
    if at < 0:
        return len(pdf)
    return len(pdf[at + 5 :].strip(_EOF_TAIL))


def verify(pdf: bytes, trust: list[bytes], fetching: Fetching | None = None) -> Verification:
    """Who signed, whether each signature is intact and trusted, and what changed after."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    _quiet()
    fetching = fetching or Fetching()
    problems: list[str] = []
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        embedded = list(reader.embedded_regular_signatures)
    except Exception as e:
        return Verification([], None, [f"not a readable PDF: {type(e).__name__}: {e}"])
    try:
        problems.extend(_removed_signatures(reader))
    except Exception as e:  # a file shaped to trip the analysis is not an agreement
        problems.append(f"the file's revisions cannot be analysed: {type(e).__name__}: {e}")
    extra = trailing_bytes(pdf)
    if extra:
        problems.append(
            f"{extra} bytes follow the end of the file's last revision (%%EOF): "
            "data no signature covers"
        )
    if not embedded:
        problems.append("the file carries no signature")
    context = _validation_context(trust, fetching)
    reports = []
    for sig in embedded:
        report, problem = _report(sig, context)
        if problem:
            problems.append(problem)
        if report is not None:
            reports.append(report)
    try:
        problems.extend(_structure_problems(reader, embedded, reports))
    except Exception as e:  # a file shaped to trip the analysis is not an agreement
        problems.append(f"the file's revisions cannot be analysed: {type(e).__name__}: {e}")
    attachment = _attachment(reader) if embedded else None
    return Verification(reports, attachment, problems, list(fetching.refused))


def _report(sig: Any, context: Any) -> tuple[SignatureReport | None, str | None]:
    from asn1crypto import pem
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation import validate_pdf_signature

    try:
        status = validate_pdf_signature(sig, context)
    except Exception as e:
        return None, f"signature {sig.field_name} cannot be validated: {type(e).__name__}: {e}"
    cert = sig.signer_cert
    name = cert.subject.native.get("common_name", "unknown")
    level = status.modification_level
    allowed = status.docmdp_ok is not False and (
        level is None or level <= ModificationLevel.FORM_FILLING
    )
    byte_range = [int(v) for v in sig.byte_range]
    report = SignatureReport(
        field=sig.field_name,
        signer=name,
        email=_email(cert),
        signed_at=status.signer_reported_dt
        or (status.timestamp_validity.timestamp if status.timestamp_validity else None),
        intact=bool(status.intact and status.valid),
        trusted=bool(status.trusted) and DEV_MARK not in name,
        development=DEV_MARK in name,
        certification=_is_certification(sig),
        changes_allowed=allowed,
        changes=_changes(level),
        timestamped=status.timestamp_validity is not None,
        certificate_pem=pem.armor("CERTIFICATE", cert.dump()),
        covered=byte_range[2] + byte_range[3] if len(byte_range) == 4 else 0,
    )
    problem = None
    diff = status.diff_result
    changed = set(getattr(diff, "changed_form_fields", set()) or set())
    if sig.field_name == PROVIDER_FIELD and changed - {CLIENT_FIELD}:
        problem = (
            "form fields other than the client's signature changed after the provider "
            f"signed: {', '.join(sorted(changed - {CLIENT_FIELD}))}"
        )
    return report, problem


def _email(cert: Any) -> str | None:
    found = cert.subject.native.get("email_address")
    if found:
        return str(found)
    try:
        names = cert.subject_alt_name_value
    except Exception:
        return None
    for general in names or []:
        if general.name == "rfc822_name":
            return str(general.native)
    return None


def _is_certification(sig: Any) -> bool:
    references = sig.sig_object.get("/Reference")
    return references is not None and any(
        ref.get("/TransformMethod") == "/DocMDP" for ref in references
    )


def _structure_problems(
    reader: Any, embedded: list[Any], reports: list[SignatureReport]
) -> list[str]:
    """What makes a file other than an agreement Tripod issued, signed as it allows:
    the provider's certification, then at most the client's signature in its
    prepared field, validation data and document timestamps, nothing else."""
    problems: list[str] = []
    provider = next((s for s in embedded if s.field_name == PROVIDER_FIELD), None)
    if provider is None:
        problems.append("the provider's certification signature is missing")
        return problems
    if not _is_certification(provider):
        problems.append("the provider's signature is not a certification signature")
    problems.extend(_field_problems(reader, reports))
    problems.extend(_metadata_problems(reader, provider.signed_revision))
    return problems


def _filled_fields(handler: Any) -> dict[str, Any]:
    from pyhanko.sign.fields import enumerate_sig_fields

    found = {}
    for name, value, _ in enumerate_sig_fields(handler, filled_status=True):
        found[name] = getattr(value, "reference", value)
    return found


def _removed_signatures(reader: Any) -> list[str]:
    """A signature that any revision holds must still be there, the same, in the last:
    removing one (its field's /V) leaves a file that looks as if it was never signed."""
    final = _filled_fields(reader)
    problems = []
    seen: set[str] = set()
    for revision in range(reader.xrefs.total_revisions - 1):
        for name, value in _filled_fields(reader.get_historical_resolver(revision)).items():
            if name in seen:
                continue
            if name not in final:
                seen.add(name)
                problems.append(f"the signature in field {name} was removed in a later revision")
            elif final[name] != value:
                seen.add(name)
                problems.append(f"the signature in field {name} was replaced in a later revision")
    return problems


# What signing tools change in the metadata when they add a signature: dates and
# the producer's name. Any other change after the provider signed is a new claim.
_INFO_MAY_CHANGE = {"/ModDate", "/Producer"}
_XMP_MAY_CHANGE = {
    "{http://ns.adobe.com/xap/1.0/}ModifyDate",
    "{http://ns.adobe.com/xap/1.0/}MetadataDate",
    "{http://ns.adobe.com/pdf/1.3/}Producer",
    "{adobe:ns:meta/}xmptk",
    "{http://ns.adobe.com/xap/1.0/mm/}InstanceID",
    "{http://ns.adobe.com/xap/1.0/mm/}DocumentID",
    "{http://ns.adobe.com/xap/1.0/mm/}History",
    "{http://purl.org/dc/elements/1.1/}format",  # "application/pdf", which Acrobat adds
}


def _metadata_problems(reader: Any, signed_revision: int) -> list[str]:
    signed = reader.get_historical_resolver(signed_revision)
    problems = []
    before, after = _info(signed), _info(reader)
    changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
    if changed - _INFO_MAY_CHANGE:
        keys = ", ".join(sorted(changed - _INFO_MAY_CHANGE))
        problems.append(f"the document information ({keys}) changed after the provider signed")
    if _xmp(signed) != _xmp(reader):
        problems.append("the XMP metadata was replaced with new content after the provider signed")
    return problems


def _info(handler: Any) -> dict[str, str]:
    from pyhanko.pdf_utils import generic

    try:
        info = handler.trailer_view.raw_get("/Info")
        if isinstance(info, generic.IndirectObject):
            # through the handler: a historical trailer's reference would read the last revision
            info = handler.get_object(info.reference)
        return {str(k): str(v) for k, v in info.items()}
    except KeyError:
        return {}
    except Exception:
        return {"?": "unreadable"}


def _xmp(handler: Any) -> dict[str, str] | str | None:
    """The XMP's properties (what a reader shows), without the ones signing updates."""
    from xml.etree import ElementTree

    try:
        ref = handler.root.get("/Metadata")
        if ref is None:
            return None
        root = ElementTree.fromstring(ref.get_object().data)
    except Exception:
        return "unreadable"
    properties: dict[str, str] = {}
    rdf = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
    for description in root.iter(f"{rdf}Description"):
        for key, value in description.attrib.items():
            if key != f"{rdf}about" and key not in _XMP_MAY_CHANGE:
                properties[key] = value
        for child in description:
            if child.tag not in _XMP_MAY_CHANGE:
                properties[child.tag] = " ".join(" ".join(child.itertext()).split())
    for key, value in root.attrib.items():
        if key not in _XMP_MAY_CHANGE:
            properties[key] = value
    return properties


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
