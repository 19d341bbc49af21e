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

from generator.findings import Finding

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
    from generator.project.layout import Project, ProjectError

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
    from generator.project.layout import ProjectError, check_project

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


# ------------------------------------------------------------------- build


class _Progress:
    """A progress bar on a terminal (rich), nothing when output is piped or in CI."""

    def __init__(self) -> None:
        self.bar: Any = None
        self.task: Any = None

    def start(self, total: int) -> None:
        if not sys.stderr.isatty():
            return
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self.bar = Progress(
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            transient=True,
        )
        self.bar.start()
        self.task = self.bar.add_task("building", total=total)

    def step(self, name: str) -> None:
        if self.bar is not None:
            self.bar.update(self.task, advance=1, description=name)

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def _run_build(
    ctx: click.Context,
    clients: tuple[str, ...],
    today: dt.date,
    jobs: int | None = None,
    shard: tuple[int, int] | None = None,
) -> int:
    from generator.agreement.pdf import PdfError
    from generator.build.builder import BuildError, build
    from generator.project.layout import ProjectError
    from generator.render import TemplateProblem
    from generator.site.engine import SiteError
    from generator.terms.archive import ArchiveError

    project = _project(ctx)
    progress = _Progress()
    try:
        result, _ = build(project, clients, today, progress.step, progress.start, jobs, shard)
    except (ProjectError, ArchiveError) as e:
        raise UsageProblem(str(e)) from None
    except (BuildError, SiteError, PdfError, TemplateProblem) as e:
        progress.stop()
        click.echo(f"tripod: {e}", err=True)
        return 1
    finally:
        progress.stop()
    built = [o for o in result.outcomes if o.built and not o.cached]
    unchanged = sum(o.cached for o in result.outcomes)
    versions = sum(o.versions - o.reused for o in built)
    reused = sum(o.reused for o in built)
    summary = f"built {_plural(len(built), 'client site')} ({_plural(versions, 'version')}"
    summary += f", {reused} issued unchanged and kept)" if reused else ")"
    if unchanged:
        summary += f", {unchanged} unchanged since the last build,"
    summary += (
        f" and the dashboard in {result.seconds:.1f} s"
        if result.dashboard
        else f" in {result.seconds:.1f} s (the dashboard is built by shard 1)"
    )
    for kept in result.kept:
        click.echo(f"{kept.file}: not built, last good site kept: {kept.reason}", err=True)
    if result.kept:
        summary += f"; {len(result.kept)} kept their last good site (see tripod check)"
    click.echo(summary, err=True)
    return 1 if result.kept else 0


@cli.command("build")
@click.argument("clients", nargs=-1)
@click.option(
    "--today", metavar="YYYY-MM-DD", help="The build date (default: today, or TRIPOD_TODAY)."
)
@click.option(
    "--jobs", "-j", type=click.IntRange(min=1), help="Worker processes (default: one per core)."
)
@click.option(
    "--shard",
    metavar="K/N",
    help="Build only part K of N (a stable split of the clients), to spread a build over N CI jobs.",
)
@click.pass_context
def build_command(
    ctx: click.Context,
    clients: tuple[str, ...],
    today: str | None,
    jobs: int | None,
    shard: str | None,
) -> None:
    """Build client sites (all, or the CLIENTS named) and the internal dashboard into site/.

    A client whose file cannot be loaded keeps its last good site, and the build
    exits 1. Each site is built in a staging folder and swapped in whole.
    """
    part = None
    if shard is not None:
        import re

        match = re.fullmatch(r"([1-9][0-9]*)/([1-9][0-9]*)", shard)
        if match is None or int(match[1]) > int(match[2]):
            raise UsageProblem(f"--shard {shard!r}: write K/N with 1 <= K <= N, like 2/4")
        part = (int(match[1]), int(match[2]))
    ctx.exit(_run_build(ctx, clients, _today(today), jobs, part))


@cli.command("serve")
@click.option("--port", default=8000, show_default=True, help="Port to listen on.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--today", metavar="YYYY-MM-DD", help="The build date (default: today, or TRIPOD_TODAY)."
)
@click.pass_context
def serve_command(ctx: click.Context, port: int, host: str, today: str | None) -> None:
    """Preview the sites, rebuilding and reloading when a client file, provider.yaml,
    mkdocs.yml, a template or an agreement changes."""
    from generator.site.engine import serve

    project = _project(ctx)
    date = _today(today)
    _run_build(ctx, (), date)
    click.echo(
        f"serving site/ at http://{host}:{port}/ (dashboard: /internal/, clients: /clients/<id>/)",
        err=True,
    )

    def rebuild() -> None:
        _run_build(ctx, (), date)

    watched = [
        project.clients_dir,
        project.provider_file,
        project.root / "mkdocs.yml",
        project.templates_dir,
        project.agreements_dir,
    ]
    serve(project.root / "site", rebuild, watched, host, port)


@cli.command("pack")
@click.argument("client")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the zip (default: site/packs/CLIENT.zip).",
)
@click.option(
    "--today", metavar="YYYY-MM-DD", help="The build date (default: today, or TRIPOD_TODAY)."
)
@click.pass_context
def pack_command(ctx: click.Context, client: str, output: Path | None, today: str | None) -> None:
    """Write CLIENT's break-glass pack: its current site as a zip that works from a USB
    stick (file://, no server, no network), with its signed agreements."""
    from generator.agreement.pdf import PdfError
    from generator.build.builder import Builder
    from generator.project.layout import ProjectError, check_project
    from generator.render import TemplateProblem
    from generator.site.engine import SiteError

    project = _project(ctx)
    date = _today(today)
    try:
        report = check_project(project, (client,), date)
    except ProjectError as e:
        raise UsageProblem(str(e)) from None
    entry = report.clients[0]
    if report.provider.model is None or entry.client is None:
        for finding in report.findings:
            if finding.is_schema:
                click.echo(_text(finding))
        click.echo(f"tripod: {entry.file} cannot be loaded: no pack written", err=True)
        ctx.exit(1)
    if any(f.code == "secret-like-value" for f in entry.findings):
        click.echo(
            f"tripod: {entry.file} holds a value that looks like a secret: no pack written",
            err=True,
        )
        ctx.exit(1)
    target = output or project.root / "site" / "packs" / f"{entry.client.id}.zip"
    try:
        path = Builder(project, date).pack(entry, report.provider.model, target.resolve())
    except (SiteError, PdfError, TemplateProblem) as e:
        click.echo(f"tripod: {e}", err=True)
        ctx.exit(1)
    click.echo(f"wrote {path}: unzip it and open {entry.client.id}/index.html", err=True)


# -------------------------------------------------------------- agreements

_KEY = click.option(
    "--key",
    type=click.Path(dir_okay=False, path_type=Path),
    help="PKCS#12 signing key (default: TRIPOD_SIGNING_KEY; its passphrase in TRIPOD_SIGNING_PASSPHRASE).",
)
_TSA = click.option(
    "--tsa", metavar="URL", help="RFC 3161 timestamp server: adds timestamps and validation data."
)


def _agreement_errors() -> tuple[type[Exception], ...]:
    from generator.agreement.flow import AgreementError
    from generator.agreement.pdf import PdfError
    from generator.agreement.sign import SignError
    from generator.project.layout import ProjectError
    from generator.render import TemplateProblem
    from generator.terms.archive import ArchiveError

    return (AgreementError, ArchiveError, PdfError, ProjectError, SignError, TemplateProblem)


@cli.command("issue")
@click.argument("client")
@_KEY
@_TSA
@click.option("--today", metavar="YYYY-MM-DD", help="The date the checks use (default: today).")
@click.pass_context
def issue_command(
    ctx: click.Context, client: str, key: Path | None, tsa: str | None, today: str | None
) -> None:
    """Issue CLIENT's agreement: render the version in its file, sign it as the provider,
    and archive it under agreements/CLIENT/vN/. Refused while the client has errors."""
    from generator.agreement.flow import issue, provider_key

    project = _project(ctx)
    try:
        done = issue(
            project, client, _today(today), lambda p: provider_key(project, key, p.name), tsa
        )
    except _agreement_errors() as e:
        click.echo(f"tripod: {e}", err=True)
        ctx.exit(1)
    where = project.display(done.folder)
    click.echo(f"issued {where}/: {done.pages} pages, terms fingerprint {done.fingerprint[:12]}")
    if done.development:
        click.echo(
            "signed with the development key: fine for trying Tripod, not for a real agreement "
            "(set --key or TRIPOD_SIGNING_KEY)",
            err=True,
        )


@cli.command("countersign")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option(
    "--key",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    required=True,
    help="The client's PKCS#12 key (its passphrase in TRIPOD_SIGNING_PASSPHRASE).",
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
    from generator.agreement.sign import countersign, load_key

    target = output or file.with_name(file.stem + "-countersigned.pdf")
    try:
        signing = load_key(key, os.environ.get("TRIPOD_SIGNING_PASSPHRASE"))
        target.write_bytes(countersign(file.read_bytes(), signing, tsa))
    except _agreement_errors() as e:
        click.echo(f"tripod: {e}", err=True)
        ctx.exit(1)
    click.echo(f"wrote {target}: signed by {signing.name}")


@cli.command("record")
@click.argument("client")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.pass_context
def record_command(ctx: click.Context, client: str, file: Path) -> None:
    """Record CLIENT's countersigned agreement FILE as executed, if it is the issued
    agreement with only the client's signature added."""
    from generator.agreement.flow import record

    project = _project(ctx)
    try:
        done = record(project, client, file)
    except _agreement_errors() as e:
        click.echo(f"tripod: refused: {e}", err=True)
        ctx.exit(1)
    click.echo(f"recorded {project.display(done.path)}: countersigned by {done.signer}")
    click.echo("the client's certificate (not checked against any trust list):")
    click.echo(done.certificate.rstrip())


@cli.command("verify")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--strict", is_flag=True, help="Also require the provider's signature to be trusted.")
@click.pass_context
def verify_command(ctx: click.Context, file: Path, strict: bool) -> None:
    """Say who signed FILE, when, whether each signature is intact and trusted, whether
    later changes are allowed, and whether the terms match the archive."""
    from generator.agreement.flow import check_file
    from generator.project.layout import Project, ProjectError

    try:
        project: Any = Project.at(Path(ctx.obj["project"]))
    except ProjectError:
        project = None
    try:
        checked = check_file(project, file)
    except _agreement_errors() as e:
        click.echo(f"tripod: {e}", err=True)
        ctx.exit(1)
    result = checked.verification
    for problem in result.problems:
        click.echo(f"problem: {problem}")
    for s in result.signatures:
        when = s.signed_at.isoformat(timespec="seconds") if s.signed_at else "time not stated"
        kind = "certification" if s.certification else "approval"
        click.echo(f"{s.field}: {kind} signature by {s.signer}, {when}")
        click.echo(f"  intact: {'yes' if s.intact else 'NO: the signed content was altered'}")
        trust = "yes (its certificate chains to one listed in provider.yaml)" if s.trusted else "no"
        if s.development:
            trust = "no: DEVELOPMENT KEY, not a valid agreement signature"
        click.echo(f"  trusted: {trust}")
        click.echo(
            f"  changes after signing: {s.changes}"
            + ("" if s.changes_allowed else " (NOT ALLOWED)")
        )
        if s.timestamped:
            click.echo("  timestamped: yes")
    if checked.client:
        click.echo(
            f"terms: {checked.client} version {checked.version}, fingerprint {checked.fingerprint}"
        )
    if checked.archived is True:
        click.echo("terms match the archived terms of that version")
    elif checked.archived is False:
        click.echo("terms DIFFER from the archived terms of that version")
    elif checked.client:
        click.echo("no archived terms of that version in this project to compare with")
    ok = checked.ok
    if strict and not any(s.trusted and s.certification for s in result.signatures):
        ok = False
        click.echo(
            "not trusted: the provider's signature is not from a certificate in provider.yaml"
        )
    click.echo("verified" if ok else "FAILED")
    ctx.exit(0 if ok else 1)


# -------------------------------------------------------------------- diff


@cli.command("diff")
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

    from generator.project.layout import ProjectError, check_project
    from generator.terms.archive import ArchiveError, issued_versions
    from generator.terms.canonical import terms
    from generator.terms.changelog import changelog

    project = _project(ctx)
    try:
        report = check_project(project, (client,), _today(today))
        issued = {v.number: v for v in issued_versions(project.agreements_dir, client)}
    except (ProjectError, ArchiveError) as e:
        raise UsageProblem(str(e)) from None

    def side(name: str) -> dict[str, Any]:
        if name == "current":
            entry = report.clients[0]
            if entry.client is None or report.provider.model is None:
                raise UsageProblem(f"{entry.file} cannot be loaded: run tripod check")
            return terms(entry.client, report.provider.model, project.template_fingerprint())
        match = re.fullmatch(r"v?([1-9][0-9]*)", name)
        if match is None:
            raise UsageProblem(f"{name!r} is not a version: use 1, v1 or current")
        if int(match[1]) not in issued:
            known = ", ".join(f"v{n}" for n in sorted(issued)) or "none"
            raise UsageProblem(f"{client} has no issued version {name} (issued: {known})")
        return issued[int(match[1])].terms

    changes = changelog(side(a), side(b))
    for change in changes:
        click.echo(f"- {change}")
    if not changes:
        click.echo("no changes to the terms")


# --------------------------------------------------------------------- new


@cli.command("new")
@click.argument("client")
@click.pass_context
def new_command(ctx: click.Context, client: str) -> None:
    """Write a commented starter file for CLIENT (an id such as harbour-dental)."""
    from generator.format.starter import StarterError, write_starter

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
    from generator.format.schema import json_schema
    from generator.rules.registry import acknowledgeable

    kind = "provider" if provider else "client"
    click.echo(json.dumps(json_schema(kind, acknowledgeable()), indent=2))


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
    except click.UsageError as e:  # the command line itself: one line, and where to look
        command = e.ctx.command_path if e.ctx is not None else "tripod"
        click.echo(f"tripod: {e.format_message().rstrip('.')} (see {command} --help)", err=True)
        sys.exit(2)
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


from generator.cli import publish as _publish  # noqa: E402, F401  (registers publish and access)
