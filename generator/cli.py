"""The `tripod` command: the only module that prints or exits.

Exit codes: 0 success, 1 findings with errors (or failed verification),
2 usage or environment errors. Errors are one readable line; a traceback only
with --verbose.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from .findings import Finding

F = TypeVar("F", bound=Callable[..., Any])


class UsageProblem(click.ClickException):
    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(f"tripod: {self.message}", err=True)


def _today(value: str | None) -> dt.date:
    text = value or os.environ.get("TRIPOD_TODAY")
    if not text:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageProblem(f"--today {text!r} is not a date written YYYY-MM-DD") from None


def _project(ctx: click.Context) -> Any:
    from .project import Project, ProjectError

    try:
        return Project.at(Path(ctx.obj["project"]))
    except ProjectError as e:
        raise UsageProblem(str(e)) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--project",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="The project folder (the one with provider.yaml and clients/).",
)
@click.option("--verbose", is_flag=True, help="Show tracebacks for unexpected errors.")
@click.version_option(package_name="tripod")
@click.pass_context
def cli(ctx: click.Context, project: Path, verbose: bool) -> None:
    """Backups, disaster recovery and business continuity, in writing.

    Validates the client files of the project, finds the gaps between what each
    client expects and what its setup can deliver, and renders the results.
    """
    ctx.ensure_object(dict)
    ctx.obj["project"] = project
    ctx.obj["verbose"] = verbose


# ------------------------------------------------------------------- check


def _escape_github(text: str, property_: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if property_ else text


def _github(finding: Finding) -> str:
    level = {"error": "error", "warning": "warning", "accepted": "notice"}[finding.severity]
    title = finding.code if finding.severity != "accepted" else f"accepted gap: {finding.code}"
    message = finding.message + (f" ({finding.hint})" if finding.hint else "")
    if finding.severity == "accepted":
        message += f"; accepted by {finding.accepted_by}: {finding.reason}"
    props = (
        f"file={_escape_github(finding.file, True)},line={finding.line},"
        f"col={finding.column},title={_escape_github(title, True)}"
    )
    return f"::{level} {props}::{_escape_github(message)}"


def _text(finding: Finding) -> str:
    lines = [finding.text()]
    if finding.severity == "accepted":
        lines.append(f"    accepted by {finding.accepted_by}: {finding.reason}")
    elif finding.hint:
        lines.append(f"    hint: {finding.hint}")
    return "\n".join(lines)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


@cli.command("check")
@click.argument("clients", nargs=-1)
@click.option(
    "--format",
    "format_",
    type=click.Choice(["text", "json", "github"]),
    default="text",
    show_default=True,
    help="text: one line per finding; json: for programs; github: workflow annotations.",
)
@click.option("--strict", is_flag=True, help="Fail (exit 1) on warnings too.")
@click.option(
    "--today", metavar="YYYY-MM-DD", help="The build date (default: today, or TRIPOD_TODAY)."
)
@click.pass_context
def check_command(
    ctx: click.Context, clients: tuple[str, ...], format_: str, strict: bool, today: str | None
) -> None:
    """Check client files (all of them, or the CLIENTS named by id or path).

    Prints every finding, sorted by file and line. Exit 0 without errors,
    1 with errors (or warnings under --strict), 2 on usage errors.
    """
    from .project import ProjectError, check_project

    project = _project(ctx)
    try:
        report = check_project(project, clients, _today(today))
    except ProjectError as e:
        raise UsageProblem(str(e)) from None
    findings = report.findings
    problems = [f for f in findings if f.severity != "accepted"]
    accepted = [f for f in findings if f.severity == "accepted"]
    errors = sum(f.severity == "error" for f in findings)
    warnings = sum(f.severity == "warning" for f in findings)
    if format_ == "json":
        click.echo(
            json.dumps(
                {
                    "findings": [f.as_json() for f in problems],
                    "accepted": [f.as_json() for f in accepted],
                },
                indent=2,
                ensure_ascii=False,
            )
        )
    else:
        render = _github if format_ == "github" else _text
        for finding in findings:
            click.echo(render(finding))
    if format_ == "text":
        unloadable = sum(c.client is None for c in report.clients)
        summary = (
            f"{_plural(len(report.clients), 'client')} checked: {_plural(errors, 'error')}, "
            f"{_plural(warnings, 'warning')}, {_plural(len(accepted), 'accepted gap')}"
        )
        if unloadable:
            summary += f"; {unloadable} not loadable"
        click.echo(summary, err=True)
    if errors or (strict and warnings):
        ctx.exit(1)


# --------------------------------------------------------------------- new


@cli.command("new")
@click.argument("client")
@click.pass_context
def new_command(ctx: click.Context, client: str) -> None:
    """Write a commented starter file for CLIENT (an id such as harbour-dental)."""
    from .starter import StarterError, write_starter

    project = _project(ctx)
    try:
        path = write_starter(project.clients_dir, client, dt.date.today())
    except StarterError as e:
        raise UsageProblem(str(e)) from None
    click.echo(f"wrote {project.display(path)}: fill in the <placeholders>, then run tripod check")


# ------------------------------------------------------------------ schema


@cli.command("schema")
@click.option(
    "--provider", is_flag=True, help="Print the schema of provider.yaml instead of a client file."
)
def schema_command(provider: bool) -> None:
    """Print the JSON Schema of the client file format (for editors)."""
    from .schema import json_schema

    click.echo(json.dumps(json_schema("provider" if provider else "client"), indent=2))


# -------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> None:
    verbose = "--verbose" in (argv if argv is not None else sys.argv[1:])
    try:
        code = cli.main(args=argv, prog_name="tripod", standalone_mode=False)
    except click.exceptions.Exit as e:
        sys.exit(e.exit_code)
    except click.Abort:
        click.echo("tripod: interrupted", err=True)
        sys.exit(130)
    except click.ClickException as e:
        e.show()
        sys.exit(e.exit_code)
    except KeyboardInterrupt:
        click.echo("tripod: interrupted", err=True)
        sys.exit(130)
    except Exception as e:  # the last line of defence: never a traceback for a user
        if verbose:
            traceback.print_exc()
        else:
            click.echo(
                f"tripod: unexpected error: {type(e).__name__}: {e} (run with --verbose for details)",
                err=True,
            )
        sys.exit(2)
    sys.exit(code if isinstance(code, int) else 0)
