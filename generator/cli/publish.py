"""`tripod publish` and `tripod access`: the sites behind a web server, and who may read them."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import click

from generator.cli import common
from generator.errors import TripodError, UsageError

WAIT = 600.0

_NGINX_USER = click.option(
    "--nginx-user",
    metavar="USER",
    envvar="TRIPOD_NGINX_USER",
    help="The user nginx's workers run as, who must read what is written"
    " (default: the user line of /etc/nginx/nginx.conf, if any).",
)
_TARGET = click.option(
    "--target",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="TRIPOD_PUBLISH_TARGET",
    required=True,
    help="The folder the web server serves from (or TRIPOD_PUBLISH_TARGET).",
)


@click.command("publish")
@_TARGET
@click.option("--rollback", is_flag=True, help="Make the release before the current one current.")
@click.option(
    "--keep",
    type=click.IntRange(min=1),
    default=5,
    show_default=True,
    help="Releases to keep for rollback.",
)
@click.option("--listen", metavar="[ADDRESS:]PORT", help="Where nginx listens (default 443 or 80).")
@click.option("--server-name", help="nginx server_name (default: any name).")
@click.option("--tls-cert", metavar="PATH", help="The TLS certificate chain on the web host.")
@click.option("--tls-key", metavar="PATH", help="The TLS private key on the web host.")
@click.option(
    "--server-root",
    metavar="PATH",
    help="Where the target folder is on the web host, when it is copied there (default: --target).",
)
@_NGINX_USER
@click.pass_context
def publish_command(
    ctx: click.Context,
    target: Path,
    rollback: bool,
    keep: int,
    listen: str | None,
    server_name: str | None,
    tls_cert: str | None,
    tls_key: str | None,
    server_root: str | None,
    nginx_user: str | None,
) -> None:
    """Lay out the built sites under TARGET for nginx and switch them in at once.

    Each publish makes a new release folder, then points TARGET/current at it
    with one atomic rename: readers get whole old pages or whole new ones. The
    nginx configuration for the layout is written to TARGET/nginx/; the server
    options are remembered there: give only those that change.
    Run `tripod build` first; publish copies what was built.
    """
    from generator.publish.releases import PublishError, publish, remembered_server
    from generator.publish.releases import rollback as roll_back

    try:
        if rollback:
            name = roll_back(target)
            common.echo(f"rolled back: current -> releases/{name}", err=True)
            return
        given = {
            "listen": listen,
            "server_name": server_name,
            "tls_certificate": tls_cert,
            "tls_certificate_key": tls_key,
            "root": server_root,
        }
        server = replace(
            remembered_server(target), **{k: v for k, v in given.items() if v is not None}
        )
        project = common.project(ctx)
        # Publishing reads site/: not while a build swaps a client's folder in.
        with common.locked(project, "tripod publish", WAIT):
            published = publish(project, target, server, keep, nginx_user)
    except PublishError as e:
        raise UsageError(str(e)) from None
    except OSError as e:
        raise UsageError(f"cannot publish to {target}: {e.strerror or e}") from None
    from generator.publish.access import access_file

    sites = common.plural(len(published.clients), "client site")
    common.echo(
        f"published {sites} and the dashboard: {target}/current -> releases/{published.release}",
        err=True,
    )
    if published.config_changed:
        common.echo(
            f"the nginx configuration in {target}/nginx/ changed: check it (nginx -t) and"
            " reload nginx",
            err=True,
        )
    for client in published.unbuilt:
        common.echo(f"{client}: no built site, not published (run tripod build)", err=True)
    nobody = [c for c in published.clients if not access_file(target, c).users()]
    if nobody:
        common.echo(
            f"{common.plural(len(nobody), 'client site')} no one can open yet ({', '.join(nobody)}):"
            " tripod access add CLIENT USER",
            err=True,
        )
    if published.removed:
        common.echo(f"removed {common.plural(len(published.removed), 'old release')}", err=True)
    if published.unreadable:
        raise TripodError(published.unreadable)


@click.group("access")
def access_group() -> None:
    """Who may read the published sites: users and passwords per client, and the staff's.

    Passwords are hashed into TARGET/access/ (never the project), read from a
    prompt or standard input, and never printed.
    """


def _who(client: str | None, staff: bool) -> str | None:

    from generator.format.model import is_id

    if staff == (client is not None):
        raise UsageError("name a CLIENT, or give --staff for the dashboard's users")
    if client is not None and not is_id(client):
        raise UsageError(f"{client!r} is not a client id")
    return client


def _password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.buffer.readline()
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            raise UsageError("the password is not UTF-8 text") from None
        return text[:-1] if text.endswith("\n") else text
    if not sys.stdin.isatty():
        raise UsageError("type the password at a terminal, or pipe it with --password-stdin")
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))


@access_group.command("add")
@click.argument("names", nargs=-1, required=True, metavar="[CLIENT] USER")
@click.option("--staff", is_flag=True, help="A user of the internal dashboard, not of a client.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option(
    "--allow-unpublished",
    is_flag=True,
    help="Add a user to a client that is not in the published release (yet).",
)
@_NGINX_USER
@_TARGET
def access_add(
    names: tuple[str, ...],
    staff: bool,
    password_stdin: bool,
    allow_unpublished: bool,
    nginx_user: str | None,
    target: Path,
) -> None:
    """Let USER read CLIENT's site (or, with --staff, the dashboard); sets a new
    password for an existing user."""
    from generator.publish import PublishError, readable
    from generator.publish.access import AccessError, add

    client, user = _split(names, staff)
    published = client is None or (target / "current" / "clients" / client).is_dir()
    if not published and not allow_unpublished:
        # A mistyped id would otherwise get a user nobody can ever use.
        raise UsageError(
            f"{client} is not in the release published at {target}: check the id, or give"
            " --allow-unpublished to add a user before the client's first publish"
        )
    try:
        reader = readable.nginx_user(nginx_user)
        new = add(target, client, user, _password(password_stdin))
    except (AccessError, PublishError) as e:
        raise UsageError(str(e)) from None
    what = "the dashboard" if client is None else f"{client}'s site"
    common.echo(f"{user} {'can now read' if new else 'has a new password for'} {what}", err=True)
    if not published:
        common.echo(f"note: {client} is not in the published release (yet)", err=True)
    unreadable = reader and readable.problem(reader, target / "access", readable.served(target))
    if unreadable:
        raise TripodError(unreadable)


@access_group.command("remove")
@click.argument("names", nargs=-1, required=True, metavar="[CLIENT] USER")
@click.option("--staff", is_flag=True, help="A user of the internal dashboard.")
@_TARGET
def access_remove(names: tuple[str, ...], staff: bool, target: Path) -> None:
    """Take away USER's access to CLIENT's site (or, with --staff, the dashboard)."""
    from generator.publish.access import AccessError, remove

    client, user = _split(names, staff)
    try:
        remove(target, client, user)
    except AccessError as e:
        raise UsageError(str(e)) from None
    what = "the dashboard" if client is None else f"{client}'s site"
    common.echo(f"{user} can no longer read {what}", err=True)


@access_group.command("list")
@click.argument("client", required=False)
@click.option("--staff", is_flag=True, help="The users of the internal dashboard.")
@_TARGET
def access_list(client: str | None, staff: bool, target: Path) -> None:
    """The users who may read CLIENT's site (or, with --staff, the dashboard)."""
    from generator.publish.access import AccessError, users

    try:
        for user in users(target, _who(client, staff)):
            common.echo(user)
    except AccessError as e:
        raise UsageError(str(e)) from None


def _split(names: tuple[str, ...], staff: bool) -> tuple[str | None, str]:
    if staff and len(names) == 1:
        return _who(None, True), names[0]
    if not staff and len(names) == 2:
        return _who(names[0], False), names[1]
    raise UsageError("write CLIENT USER, or --staff USER")
