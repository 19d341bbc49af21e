"""`tripod new` and `tripod schema`: a starter client file, and the format for editors."""

from __future__ import annotations

import datetime as dt
import json

import click

from generator.cli import common


@click.command("new")
@click.argument("client")
@click.pass_context
def new_command(ctx: click.Context, client: str) -> None:
    """Write a commented starter file for CLIENT (an id such as harbour-dental)."""
    from generator.format.starter import write_starter

    project = common.project(ctx)
    path = write_starter(project.clients_dir, client, dt.date.today())
    click.echo(f"wrote {project.display(path)}: fill in the <placeholders>, then run tripod check")


@click.command("schema")
@click.option(
    "--provider", is_flag=True, help="Print the schema of provider.yaml instead of a client file."
)
@click.option(
    "--markdown",
    is_flag=True,
    help="Print the format reference (every field, unit and rule) as Markdown instead.",
)
def schema_command(provider: bool, markdown: bool) -> None:
    """Print the JSON Schema of the client file format (for editors)."""
    if markdown:
        from generator.project.reference import reference

        click.echo(reference(), nl=False)
        return
    from generator.format.schema import json_schema
    from generator.rules.registry import acknowledgeable

    kind = "provider" if provider else "client"
    click.echo(json.dumps(json_schema(kind, acknowledgeable()), indent=2))
