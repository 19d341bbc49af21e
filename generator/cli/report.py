"""`tripod report`: the dashboard's table, for spreadsheets and other tools."""

from __future__ import annotations

import click

from generator.cli import common


@click.command("report")
@click.argument("clients", nargs=-1)
@common.format_option(
    "csv",
    "json",
    help="csv: a header line of column keys, one line per client; json: the columns "
    "described, then one object per client (docs/portfolio.md). The same as the build's "
    "site/internal/portfolio.csv and portfolio.json.",
)
@common.TODAY_OPTION
@common.NOW_OPTION
@click.pass_context
def report_command(
    ctx: click.Context, clients: tuple[str, ...], format_: str, today: str | None, now: str | None
) -> None:
    """Print one line per client (all, or the CLIENTS named): its legs, each scenario's worst
    recovery verdict, its backups' health, its findings, what needs doing and where its
    agreement stands. A file that cannot be loaded is a line of its own. Exit 0; 2 on
    usage errors.
    """
    from generator.project.record import check_project
    from generator.site import portfolio as pf

    checked = check_project(
        common.project(ctx), clients, common.today(today), common.now(now, today)
    )
    rows = pf.summaries(checked)
    if format_ == "json":
        provider = checked.provider.model
        name = provider.name if provider else ""
        click.echo(pf.as_json(rows, pf.moment(checked), name), nl=False)
    else:
        click.echo(pf.as_csv(rows), nl=False)
