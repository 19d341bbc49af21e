"""`tripod build`, `tripod serve` and `tripod pack`: the sites, a preview, a break-glass zip."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import click

from generator.cli import common
from generator.errors import TripodError, UsageError

WAIT = 600.0

WAIT_OPTION = click.option(
    "--wait",
    type=click.FloatRange(min=0),
    default=WAIT,
    show_default=True,
    metavar="SECONDS",
    help="How long to wait for another build of the project (build, serve, pack) to end.",
)


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
    now: dt.datetime | None = None,
) -> int:
    """One build, under the lock the caller holds; its lines on stderr; its exit code."""
    from generator.build.run import build

    project = common.project(ctx)
    verbose = bool(ctx.obj.get("verbose"))
    progress = _Progress()
    try:
        result = build(project, clients, today, progress.step, progress.start, jobs, shard, now=now)
    finally:
        progress.stop()
    for path in result.repaired.restored:
        common.echo(
            f"{project.display(path)}: put back (a build stopped mid-way had set it aside)",
            err=True,
        )
    built = [o for o in result.outcomes if o.built and not o.cached]
    unchanged = sum(o.cached for o in result.outcomes)
    versions = sum(o.versions - o.reused for o in built)
    reused = sum(o.reused for o in built)
    summary = (
        f"built {common.plural(len(built), 'client site')} ({common.plural(versions, 'version')}"
    )
    summary += f", {reused} issued unchanged and kept)" if reused else ")"
    if unchanged:
        summary += f", {unchanged} unchanged since the last build,"
    if result.dashboard:
        same = " (unchanged)" if result.dashboard_unchanged else ""
        summary += f" and the dashboard{same} in {result.seconds:.1f} s"
    elif result.dashboard_error is not None:
        summary += f" in {result.seconds:.1f} s, not the dashboard"
    else:
        summary += f" in {result.seconds:.1f} s (the dashboard is built by shard 1)"
    for kept in result.kept:
        common.echo(f"{kept.file}: not built, last good site kept: {kept.reason}", err=True)
        _trace(kept.trace, verbose)
    if result.dashboard_error is not None:
        common.echo(
            f"site/internal: not built, last good dashboard kept: {result.dashboard_error}",
            err=True,
        )
        _trace(result.dashboard_trace, verbose)
    for leftover in [*result.repaired.leftovers, *result.leftovers]:
        why = leftover.error.strerror or str(leftover.error)
        common.echo(
            f"tripod: {project.display(leftover.path)}, left over from a build, could not be removed"
            f" ({why}): remove it by hand",
            err=True,
        )
    if result.kept:
        summary += f"; {len(result.kept)} kept their last good site"
        if any(not o.failed for o in result.kept):
            summary += " (see tripod check)"
    common.echo(summary, err=True)
    return 1 if result.failed else 0


def _trace(trace: str | None, verbose: bool) -> None:
    if trace is None:
        return
    if verbose:
        for line in trace.rstrip("\n").splitlines():
            common.echo(line, err=True)
    else:
        common.echo("    (run with --verbose for the traceback)", err=True)


@click.command("build")
@click.argument("clients", nargs=-1)
@common.TODAY_OPTION
@common.NOW_OPTION
@click.option(
    "--jobs", "-j", type=click.IntRange(min=1), help="Worker processes (default: one per core)."
)
@click.option(
    "--shard",
    metavar="K/N",
    help="Build only part K of N (a stable split of the clients), to spread a build over N CI jobs.",
)
@WAIT_OPTION
@click.pass_context
def build_command(
    ctx: click.Context,
    clients: tuple[str, ...],
    today: str | None,
    now: str | None,
    jobs: int | None,
    shard: str | None,
    wait: float,
) -> None:
    """Build client sites (all, or the CLIENTS named) and the internal dashboard into site/.

    A client whose file cannot be loaded, or whose build fails, keeps its last good
    site while the others are built, and the build exits 1. Each site is built in a
    staging folder and swapped in whole. One build of a project runs at a time: a
    second waits for the first (exit 2 if it waited --wait SECONDS in vain).
    """
    part = None
    if shard is not None:
        import re

        match = re.fullmatch(r"([1-9][0-9]*)/([1-9][0-9]*)", shard)
        if match is None or int(match[1]) > int(match[2]):
            raise UsageError(f"--shard {shard!r}: write K/N with 1 <= K <= N, like 2/4")
        part = (int(match[1]), int(match[2]))
    date, moment = common.today(today), common.now(now, today)
    with common.locked(common.project(ctx), "tripod build", wait):
        code = _run_build(ctx, clients, date, jobs, part, moment)
    ctx.exit(code)


@click.command("serve")
@click.option("--port", default=8000, show_default=True, help="Port to listen on.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@common.TODAY_OPTION
@common.NOW_OPTION
@WAIT_OPTION
@click.pass_context
def serve_command(
    ctx: click.Context, port: int, host: str, today: str | None, now: str | None, wait: float
) -> None:
    """Preview the sites, rebuilding and reloading when a client file, provider.yaml,
    mkdocs.yml, a template or an agreement changes. Each rebuild holds the project's
    build lock while it runs, so a tripod build beside it waits its turn."""
    from generator.site.engine import serve

    project = common.project(ctx)
    date, moment = common.today(today), common.now(now, today)
    with common.locked(project, "tripod serve", wait):
        _run_build(ctx, (), date, now=moment)
    common.echo(
        f"serving site/ at http://{host}:{port}/ (dashboard: /internal/, clients: /clients/<id>/)",
        err=True,
    )

    def rebuild() -> None:
        # A failed rebuild is one line; the preview goes on serving the last good site.
        try:
            with common.locked(project, "tripod serve", wait):
                _run_build(ctx, (), date, now=common.now(now, today))
        except TripodError as e:
            common.echo(f"tripod: {e}", err=True)

    watched = [
        project.clients_dir,
        project.provider_file,
        project.root / "mkdocs.yml",
        project.templates_dir,
        project.agreements_dir,
        project.root / "evidence",
    ]
    serve(project.root / "site", rebuild, watched, host, port)


@click.command("pack")
@click.argument("client")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the zip (default: site/packs/CLIENT.zip).",
)
@common.TODAY_OPTION
@common.NOW_OPTION
@WAIT_OPTION
@click.pass_context
def pack_command(
    ctx: click.Context,
    client: str,
    output: Path | None,
    today: str | None,
    now: str | None,
    wait: float,
) -> None:
    """Write CLIENT's break-glass pack: its current site as a zip that works from a USB
    stick (file://, no server, no network), with its signed agreements."""
    from generator.build.builder import Builder
    from generator.build.pack import pack
    from generator.project.record import check_project

    project = common.project(ctx)
    report = check_project(project, (client,), common.today(today), common.now(now, today))
    entry = report.clients[0]
    if report.provider.model is None or entry.client is None:
        for finding in report.findings:
            if finding.is_schema:
                click.echo(common.finding_text(finding))  # each line already made visible
        common.echo(f"tripod: {entry.file} cannot be loaded: no pack written", err=True)
        ctx.exit(1)
    if any(f.code == "secret-like-value" for f in entry.findings):
        common.echo(
            f"tripod: {entry.file} holds a value that looks like a secret: no pack written",
            err=True,
        )
        ctx.exit(1)
    target = output or project.root / "site" / "packs" / f"{entry.client.id}.zip"
    with common.locked(project, "tripod pack", wait):
        path = pack(Builder(project, report.now.date(), report.now), entry, target.resolve())
    common.echo(f"wrote {path}: unzip it and open {entry.client.id}/index.html", err=True)
