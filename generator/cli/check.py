"""`tripod check`: every finding, as text, JSON or workflow annotations."""

from __future__ import annotations

import click

from generator.cli import common
from generator.findings import Finding, visible


def _escape_github(text: str, property_: bool = False) -> str:
    """A workflow command's data (or property): `%`, CR and LF escaped as the
    runner reads them, and every other control character made visible."""
    text = visible(text, keep="\r\n")
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


@click.command("check")
@click.argument("clients", nargs=-1)
@common.format_option(
    "text",
    "json",
    "github",
    help="text: one line per finding; json: for programs (each finding's file, line, column, "
    "code, severity, message, hint, client, system and scenario, null where it has none); "
    "github: workflow annotations.",
)
@click.option(
    "--strict", is_flag=True, help="Fail (exit 1) on warnings and operational errors too."
)
@common.TODAY_OPTION
@common.NOW_OPTION
@click.pass_context
def check_command(
    ctx: click.Context,
    clients: tuple[str, ...],
    format_: str,
    strict: bool,
    today: str | None,
    now: str | None,
) -> None:
    """Check client files (all of them, or the CLIENTS named by id or path).

    Prints every finding, sorted by file and line. Exit 0 without errors,
    1 with errors (or warnings under --strict), 2 on usage errors. Operational
    errors (what the evidence shows: a breached RPO, a failed restore test) are
    printed as errors but fail only under --strict: a stale backup must not stop
    the commit or the site that shows it.
    """
    from generator.project.record import check_findings
    from generator.rules.registry import operational

    report = check_findings(
        common.project(ctx), clients, common.today(today), common.now(now, today)
    )
    findings = report.findings
    problems = [f for f in findings if f.severity != "accepted"]
    accepted = [f for f in findings if f.severity == "accepted"]
    errors = sum(f.severity == "error" for f in findings)
    warnings = sum(f.severity == "warning" for f in findings)
    if format_ == "json":
        click.echo(
            common.json_text(
                {
                    "findings": [f.as_json() for f in problems],
                    "accepted": [f.as_json() for f in accepted],
                }
            )
        )
    else:
        render = _github if format_ == "github" else common.finding_text
        for finding in findings:
            click.echo(render(finding))
    if format_ == "text":
        unloadable = sum(not c.loadable for c in report.clients)
        summary = (
            f"{common.plural(len(report.clients), 'client')} checked: {common.plural(errors, 'error')}, "
            f"{common.plural(warnings, 'warning')}, {common.plural(len(accepted), 'accepted gap')}"
        )
        if unloadable:
            summary += f"; {unloadable} not loadable"
        click.echo(summary, err=True)
    failing = any(f.severity == "error" and not operational(f.code) for f in findings)
    if failing or (strict and (errors or warnings)):
        ctx.exit(1)
