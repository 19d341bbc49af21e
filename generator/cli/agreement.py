"""`tripod issue`, `countersign`, `record`, `verify` and `diff`: the agreement's life."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from generator.cli import common
from generator.errors import TripodError, UsageError

_KEY = click.option(
    "--key",
    type=click.Path(dir_okay=False, path_type=Path),
    help="PKCS#12 signing key (default: TRIPOD_SIGNING_KEY; its passphrase in TRIPOD_SIGNING_PASSPHRASE).",
)
_TSA = click.option(
    "--tsa", metavar="URL", help="RFC 3161 timestamp server: adds timestamps and validation data."
)


@click.command("issue")
@click.argument("client")
@_KEY
@_TSA
@click.option("--today", metavar="YYYY-MM-DD", help="The date the checks use (default: today).")
@common.NOW_OPTION
@click.pass_context
def issue_command(
    ctx: click.Context,
    client: str,
    key: Path | None,
    tsa: str | None,
    today: str | None,
    now: str | None,
) -> None:
    """Issue CLIENT's agreement: render the version in its file, sign it as the provider,
    and archive it under agreements/CLIENT/vN/. Refused while the client has errors in
    its terms (what the evidence or the dates show never refuses it)."""
    from generator.agreement.flow import issue, provider_key

    project = common.project(ctx)
    done = issue(
        project,
        client,
        common.today(today),
        lambda p: provider_key(project, key, p.name),
        tsa,
        common.now(now, today),
    )
    where = project.display(done.folder)
    common.echo(f"issued {where}/: {done.pages} pages, terms fingerprint {done.fingerprint[:12]}")
    if done.development:
        common.echo(
            "signed with the development key: fine for trying Tripod, not for a real agreement "
            "(set --key or TRIPOD_SIGNING_KEY)",
            err=True,
        )


@click.command("countersign")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option(
    "--key",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    required=True,
    help="The client's PKCS#12 key (its passphrase in TRIPOD_CLIENT_PASSPHRASE, "
    "else asked for). `tripod client-key` makes one.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the countersigned file (default: FILE with -countersigned).",
)
@_TSA
@click.pass_context
def countersign_command(
    ctx: click.Context, file: Path, key: Path, output: Path | None, tsa: str | None
) -> None:
    """Countersign an issued agreement as the client, in the field prepared for it."""
    from generator.agreement.sign import PassphraseNeeded, countersign, load_key
    from generator.cli.keys import CLIENT_PASSPHRASE, client_passphrase

    target = output or file.with_name(file.stem + "-countersigned.pdf")
    given = os.environ.get(CLIENT_PASSPHRASE)
    try:
        # A key without a passphrase opens as it is; only an encrypted one asks for it.
        signing = load_key(key, given or None)
    except PassphraseNeeded:
        signing = load_key(key, client_passphrase(f"the key {key}"))
    target.write_bytes(countersign(file.read_bytes(), signing, tsa))
    common.echo(f"wrote {target}: signed by {signing.name}")


def _online(func: Any) -> Any:
    """--online and --allow-private-addresses: the only way verifying touches the network."""
    func = click.option(
        "--allow-private-addresses",
        is_flag=True,
        help="With --online, also fetch from loopback, private and link-local addresses.",
    )(func)
    return click.option(
        "--online",
        is_flag=True,
        help="Fetch the revocation data and certificates that the signers' certificates "
        "point at (AIA, OCSP, CRL; 5 s per request). Off by default: those addresses are "
        "chosen by whoever made the certificate.",
    )(func)


def _fetching(online: bool, allow_private: bool) -> Any:
    from generator.agreement.sign import Fetching

    if allow_private and not online:
        raise UsageError("--allow-private-addresses needs --online")
    return Fetching(online=online, allow_private=allow_private)


def _say_refused(refused: list[str]) -> None:
    for address in refused:
        common.echo(f"not fetched: {address}; --allow-private-addresses fetches it")


@click.command("record")
@click.argument("client")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option(
    "--signer-differs",
    metavar="REASON",
    help="Record the file although the client's signer is not the named signatory, and why.",
)
@_online
@click.pass_context
def record_command(
    ctx: click.Context,
    client: str,
    file: Path,
    signer_differs: str | None,
    online: bool,
    allow_private_addresses: bool,
) -> None:
    """Record CLIENT's countersigned agreement FILE as executed, if it is the issued
    agreement with only the client's signature added."""
    from generator.agreement.flow import record

    project = common.project(ctx)
    fetching = _fetching(online, allow_private_addresses)
    try:
        done = record(project, client, file, signer_differs, fetching)
    except TripodError as e:
        common.echo(f"tripod: refused: {e}", err=True)
        ctx.exit(e.exit_code)
    _say_refused(fetching.refused)
    common.echo(f"recorded {project.display(done.path)}: countersigned by {done.signer}")
    if done.reason:
        common.echo(f"the signer is not the named signatory; reason recorded: {done.reason}")
    common.echo("the client's certificate (not checked against any trust list):")
    common.echo(done.certificate.rstrip())


@click.command("verify")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option(
    "--strict",
    is_flag=True,
    help="Also fail when the provider's signature is not trusted or the client's signer "
    "is not the named signatory without a recorded reason.",
)
@click.option(
    "--allow-untrusted",
    is_flag=True,
    help="Accept a provider's signature that no certificate in provider.yaml vouches for "
    "(said first all the same; never with --strict).",
)
@_online
@click.pass_context
def verify_command(
    ctx: click.Context,
    file: Path,
    strict: bool,
    allow_untrusted: bool,
    online: bool,
    allow_private_addresses: bool,
) -> None:
    """Say who signed FILE, when, whether each signature is intact and trusted, whether
    later changes are allowed, and whether the terms match the archive. Exit 1 unless
    it is the provider's trusted certification, intact, with only allowed changes after."""
    from generator.agreement.flow import check_file
    from generator.project.layout import Project, ProjectError

    try:
        project: Any = Project.at(Path(ctx.obj["project"]))
    except ProjectError:
        project = None
    fetching = _fetching(online, allow_private_addresses)
    checked = check_file(project, file, fetching)
    ok, first = checked.verdict(strict=strict, allow_untrusted=allow_untrusted)
    for line in first:
        common.echo(line)
    _say_refused(fetching.refused)
    result = checked.verification
    for s in result.signatures:
        when = s.signed_at.isoformat(timespec="seconds") if s.signed_at else "time not stated"
        kind = "certification" if s.certification else "approval"
        common.echo(f"{s.field}: {kind} signature by {s.signer}, {when}")
        common.echo(f"  intact: {'yes' if s.intact else 'NO: the signed content was altered'}")
        trust = "yes (its certificate chains to one listed in provider.yaml)" if s.trusted else "no"
        if s.development:
            trust = "no: DEVELOPMENT KEY, not a valid agreement signature"
        elif not s.trusted and s.field == "Client":
            trust = (
                "no (clients have no trust list, and a home-made certificate can carry any "
                "name: the name check catches the wrong person signing by mistake, not an "
                "impostor)"
            )
        common.echo(f"  trusted: {trust}")
        meant = _meant_to_be(checked, s)
        if meant:
            common.echo(f"  meant to be: {meant}")
        common.echo(
            f"  changes after signing: {s.changes}"
            + ("" if s.changes_allowed else " (NOT ALLOWED)")
        )
        if s.timestamped:
            common.echo("  timestamped: yes")
    if result.provider is not None and result.client is None and checked.signatory:
        common.echo("Client: not signed yet")
        email = f" ({checked.signatory_email})" if checked.signatory_email else ""
        common.echo(f"  meant to be: {checked.signatory}{email}")
    if checked.client:
        common.echo(
            f"terms: {checked.client} version {checked.version}, fingerprint {checked.fingerprint}"
        )
    if checked.archived is True:
        common.echo("terms match the archived terms of that version")
    elif checked.archived is False:
        common.echo("terms DIFFER from the archived terms of that version")
    elif checked.client:
        common.echo("no archived terms of that version in this project to compare with")
    if checked.signer_matches is True:
        common.echo(f"the client's signer is the named signatory, {checked.signatory}")
    elif checked.reason:
        common.echo(
            f"the client's signer is not the named signatory, {checked.signatory}; "
            f"reason recorded: {checked.reason}"
        )
    if ok and checked.awaiting:
        common.echo("awaiting the client's signature")
    common.echo("verified" if ok else "FAILED")
    ctx.exit(0 if ok else 1)


def _meant_to_be(checked: Any, s: Any) -> str | None:
    """Who the terms say should have made signature `s`, and whether they did."""
    if s.field == "Provider" and checked.provider_signatory:
        # The provider is known by its trusted certificate, not by name.
        if s.development:
            verdict = "not established: development key"
        elif s.trusted:
            verdict = "matches (the provider is known by its certificate, not by name)"
        else:
            verdict = "not established (its certificate is not listed in provider.yaml)"
        return f"{checked.provider_signatory}, for the provider: {verdict}"
    if s.field == "Client" and checked.signatory:
        email = f" ({checked.signatory_email})" if checked.signatory_email else ""
        if checked.signer_matches:
            verdict = "matches"
        elif checked.reason:
            verdict = f"does not match; reason recorded: {checked.reason}"
        else:
            verdict = "does not match"
        return f"{checked.signatory}{email}: {verdict}"
    return None


@click.command("diff")
@click.argument("client")
@click.argument("a")
@click.argument("b")
@click.option("--today", metavar="YYYY-MM-DD", help="The date future-date checks use.")
@click.pass_context
def diff_command(ctx: click.Context, client: str, a: str, b: str, today: str | None) -> None:
    """Print what changed in CLIENT's terms from version A to version B, in plain words.

    A and B are issued versions (1 or v1) or `current` (the file as it is now).
    """
    import re

    from generator.project.record import check_project
    from generator.terms.archive import issued_versions
    from generator.terms.changelog import changelog

    project = common.project(ctx)
    report = check_project(project, (client,), common.today(today))
    issued = {v.number: v for v in issued_versions(project.agreements_dir, client)}

    def side(name: str) -> dict[str, Any]:
        if name == "current":
            entry = report.clients[0]
            if entry.client is None or report.provider.model is None:
                raise UsageError(f"{entry.file} cannot be loaded: run tripod check")
            return entry.terms.data
        match = re.fullmatch(r"v?([1-9][0-9]*)", name)
        if match is None:
            raise UsageError(f"{name!r} is not a version: use 1, v1 or current")
        if int(match[1]) not in issued:
            known = ", ".join(f"v{n}" for n in sorted(issued)) or "none"
            raise UsageError(f"{client} has no issued version {name} (issued: {known})")
        return issued[int(match[1])].terms

    changes = changelog(side(a), side(b))
    for change in changes:
        common.echo(f"- {change}")
    if not changes:
        common.echo("no changes to the terms")
