"""What every command shares: the project, the date, plural words, a finding as text."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import TYPE_CHECKING

import click

from generator.errors import UsageError
from generator.findings import Finding

if TYPE_CHECKING:
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


def project(ctx: click.Context) -> Project:
    """The project named by --project (the current folder by default)."""
    from generator.project.layout import Project

    return Project.at(Path(ctx.obj["project"]))


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def finding_text(finding: Finding) -> str:
    lines = [finding.text()]
    if finding.severity == "accepted":
        lines.append(f"    accepted by {finding.accepted_by}: {finding.reason}")
    elif finding.hint:
        lines.append(f"    hint: {finding.hint}")
    return "\n".join(lines)
