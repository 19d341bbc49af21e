"""`tripod due`: everything coming due across the portfolio, as text, JSON or iCalendar."""

from __future__ import annotations

import click

from generator.cli import common
from generator.errors import UsageError


@click.command("due")
@click.argument("clients", nargs=-1)
@click.option(
    "--within",
    metavar="DURATION",
    help="Only what is due by today plus this long, such as 30d or 3mo (overdue items always).",
)
@common.format_option(
    "text",
    "json",
    "ics",
    help="text: one line per item; json: for programs (docs/due.md); ics: an iCalendar file, "
    "the same as the build's site/internal/due.ics.",
)
@common.TODAY_OPTION
@click.pass_context
def due_command(
    ctx: click.Context,
    clients: tuple[str, ...],
    within: str | None,
    format_: str,
    today: str | None,
) -> None:
    """List what comes due for every client (or the CLIENTS named): restore tests, DR tests,
    business continuity plan reviews, agreement ends and agreements awaiting the client's
    signature. Overdue items first, then soonest first. Exit 0; 2 on usage errors.
    """
    from generator.format.units import UnitError, parse_duration
    from generator.project.due import calendar, calendar_name, due_items
    from generator.project.record import check_project

    span = None
    if within is not None:
        try:
            span = parse_duration(within)
        except UnitError as e:
            raise UsageError(f"--within {e}") from None
    day = common.today(today)
    portfolio = check_project(common.project(ctx), clients, day)
    for record in portfolio.clients:
        if record.client is None:
            common.echo(f"tripod: {record.file} cannot be loaded: left out", err=True)
    items = due_items(portfolio, day, span)
    if format_ == "json":
        click.echo(
            common.json_text({"today": day.isoformat(), "items": [i.as_json() for i in items]})
        )
    elif format_ == "ics":
        # Already escaped and folded by the iCalendar writer, CRLF line ends as RFC 5545 has.
        click.echo(calendar(items, day, calendar_name(portfolio)).decode("utf-8"), nl=False)
    else:
        for item in items:
            status = f" ({item.status})" if item.status else ""
            common.echo(f"{item.due.isoformat()}  {item.client_name}: {item.what}{status}")
        if not items:
            common.echo("nothing coming due" + (f" within {within}" if within else ""))
