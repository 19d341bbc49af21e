"""What every command shares: the project, the date, plural words, a finding as text,
and values made safe to print."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from generator.errors import UsageError
from generator.findings import Finding, visible

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from generator.project.layout import Project

TODAY_OPTION = click.option(
    "--today", metavar="YYYY-MM-DD", help="The build date (default: today, or TRIPOD_TODAY)."
)


def today(value: str | None) -> dt.date:
    text = value or os.environ.get("TRIPOD_TODAY")
    if not text:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--today {text!r} is not a date written YYYY-MM-DD") from None


_Decorated = TypeVar("_Decorated", bound=Callable[..., Any])


def format_option(*choices: str, help: str) -> Callable[[_Decorated], _Decorated]:
    """`--format`, one of `choices` (the first by default), as `format_`."""
    return click.option(
        "--format",
        "format_",
        type=click.Choice(list(choices)),
        default=choices[0],
        show_default=True,
        help=help,
    )


NOW_OPTION = click.option(
    "--now",
    metavar="TIME",
    help="The moment deadlines are judged at, ISO 8601 (default: now, or TRIPOD_NOW; with "
    "--today, the end of that day).",
)


def now(value: str | None, today_value: str | None = None) -> dt.datetime | None:
    """The moment deadlines are judged at: --now (or TRIPOD_NOW) as given (a time without a
    zone is read in the provider's time zone by whoever knows it); None where --today (or
    TRIPOD_TODAY) names the day instead, judged at its end; else this moment."""
    text = value or os.environ.get("TRIPOD_NOW")
    if not text:
        if today_value or os.environ.get("TRIPOD_TODAY"):
            return None
        return dt.datetime.now(dt.UTC)
    try:
        return dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(
            f"--now {text!r} is not a time written like 2026-11-27T09:30:00+11:00"
        ) from None


def moment(today_value: str | None, now_value: str | None, zone: str) -> dt.datetime:
    """The moment dates and deadlines are judged at, aware: --now (or TRIPOD_NOW), else
    the end of --today's day (or TRIPOD_TODAY's) in the provider's time zone, else now.
    A time without a zone is read in the provider's."""
    import zoneinfo

    where = zoneinfo.ZoneInfo(zone)
    value = now(now_value)
    if value is not None:
        return value if value.tzinfo else value.replace(tzinfo=where)
    if today_value or os.environ.get("TRIPOD_TODAY"):
        day = today(today_value)
        return dt.datetime.combine(day, dt.time.max, where)
    return dt.datetime.now(where)


def project(ctx: click.Context) -> Project:
    """The project named by --project (the current folder by default)."""
    from generator.project.layout import Project

    return Project.at(Path(ctx.obj["project"]))


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


# What json.dumps leaves raw with ensure_ascii=False and a terminal may still act
# on (C1 controls such as CSI, DEL, bidirectional marks, line separators): written
# as \u escapes, the same JSON to any reader.
_RAW_IN_JSON = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def json_text(data: object) -> str:
    """Data as indented JSON, safe to print to a terminal."""
    text = json.dumps(data, indent=2, ensure_ascii=False)
    return _RAW_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def echo(text: str, err: bool = False) -> None:
    """Prints a line to the terminal with every control character in it made
    visible: values from files (names, notes, paths) can neither forge lines nor
    send escape sequences (colours, links, titles) to the terminal."""
    click.echo(visible(text), err=err)


def finding_text(finding: Finding) -> str:
    """A finding and its hint (or who accepted it), each line free of control characters."""
    lines = [finding.text()]
    if finding.severity == "accepted":
        lines.append(visible(f"    accepted by {finding.accepted_by}: {finding.reason}"))
    elif finding.hint:
        lines.append(visible(f"    hint: {finding.hint}"))
    return "\n".join(lines)


def locked(project: Project, command: str, wait: float) -> AbstractContextManager[None]:
    """The project's build lock, saying once on stderr when it has to wait."""
    from generator.build.lock import building

    def waiting(who: str) -> None:
        echo(
            f"tripod: waiting for another build of this project to end ({who or 'another process'}),"
            f" up to {wait:g} s",
            err=True,
        )

    return building(project, command, wait, waiting)
