"""`tripod client-key`, and the client's passphrase: from TRIPOD_CLIENT_PASSPHRASE or asked.

The client's passphrase is never the provider's: TRIPOD_SIGNING_PASSPHRASE is the
provider's key's alone, and a client's key never reads it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from generator.cli import common
from generator.errors import UsageError

CLIENT_PASSPHRASE = "TRIPOD_CLIENT_PASSPHRASE"


def client_passphrase(what: str, confirm: bool = False) -> str:
    """TRIPOD_CLIENT_PASSPHRASE if set, else asked for on the terminal (hidden, twice
    with `confirm`); with neither, a usage error that says which variable to set."""
    given = os.environ.get(CLIENT_PASSPHRASE)
    if given:
        return given
    if not sys.stdin.isatty():
        raise UsageError(
            f"{what} needs a passphrase: set {CLIENT_PASSPHRASE}, or run this in a terminal "
            "to be asked for it"
        )
    answer: str = click.prompt(
        f"Passphrase for {what}",
        hide_input=True,
        confirmation_prompt="Repeat the passphrase" if confirm else False,
        err=True,
    )
    return answer


@click.command("client-key")
@click.argument("name")
@click.option("--email", required=True, metavar="ADDRESS", help="The signer's e-mail address.")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("client.p12"),
    show_default=True,
    help="Where to write the key (never over an existing file).",
)
@click.option(
    "--days",
    type=click.IntRange(1, 36500),
    default=3650,
    show_default=True,
    help="How long the certificate is valid.",
)
def client_key_command(name: str, email: str, output: Path, days: int) -> None:
    """Make a self-signed signing key for a client without one: a PKCS#12 file for
    `tripod countersign --key` or a PDF reader's digital ID, in NAME (as the agreement
    names the signatory) with the e-mail address ADDRESS. Its passphrase comes from
    TRIPOD_CLIENT_PASSPHRASE, or is asked for twice."""
    from generator.agreement.sign import create_client_key

    if not name.strip():
        raise UsageError("NAME is empty: give the signer's name as the agreement states it")
    if "@" not in email or any(c.isspace() for c in email):
        raise UsageError(f"{email!r} is not an e-mail address")
    if output.exists() or output.is_symlink():
        raise UsageError(f"{output} already exists: choose another --output, or remove it first")
    made = create_client_key(
        output, name.strip(), email, client_passphrase(str(output), confirm=True), days
    )
    common.echo(
        f"wrote {output}: a self-signed signing key for {made.subject} <{made.email}>, "
        f"valid until {made.not_after.date().isoformat()}"
    )
    common.echo(f"certificate fingerprint (SHA-256): {made.fingerprint}")
    common.echo("")
    common.echo(
        "What it proves: that everything signed with it was signed with this same key, "
        "by whoever holds this file and its passphrase, and not changed since."
    )
    common.echo(
        "What it does not prove: who holds it. Anyone can make a certificate with any "
        "name, so PDF readers show it as not trusted (validity unknown). What ties your "
        "signature to you is your provider's record of whom they sent the agreement to "
        "and what came back."
    )
    common.echo("")
    common.echo(
        f"Keep {output} and its passphrase to yourself, and a copy somewhere safe. Sign with "
        f"`tripod countersign AGREEMENT.pdf --key {output}`, or add it to your PDF reader as "
        "a digital ID (Acrobat Reader: All tools > Use a certificate > Digitally sign)."
    )
