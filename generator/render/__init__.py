"""One Jinja environment for every page and document Tripod writes.

Text from a client file is text wherever it lands. Jinja's autoescape makes
it safe for HTML but not for Markdown, where `*`, `[`, `|`, `!!!`, `{:`, or
`--8<--` mean something. So every value a template prints is passed through
`text`, which turns each character that is not a letter, a digit or a space
into a numeric character reference: HTML shows it as the character, and
Markdown, which does not look inside references, never sees syntax. Markup
that Tripod itself builds (tables of its own, the chart) is `Markup` and
passes untouched.
"""

from __future__ import annotations

import datetime as dt
import re
from fractions import Fraction
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, TemplateError
from markupsafe import Markup

from generator import DEFAULTS
from generator.errors import TripodError
from generator.format import names as words
from generator.format import units


def text(value: Any) -> Markup:
    """A value as inert text for HTML and Markdown alike."""
    if isinstance(value, Markup):
        return value
    if value is None:
        return Markup("—")
    if isinstance(value, units.Duration):
        value = units.format_duration(value)
    elif isinstance(value, dt.date):
        value = value.isoformat()
    out = []
    for char in re.sub(r"\s+", " ", str(value)):  # one line: a newline would end a table row
        out.append(char if char.isalnum() or char == " " else f"&#{ord(char)};")
    return Markup("".join(out))


def hours(value: Fraction | units.Duration | None) -> Markup:
    if value is None:
        return Markup("—")
    if isinstance(value, units.Duration):
        value = value.hours
    return text(units.format_hours(value))


def unbroken(value: Any) -> Markup:
    """A value that is read at a glance, such as a phone number, kept on one line: its
    spaces become no-break spaces (each part is still inert text)."""
    if value is None:
        return text(None)
    return Markup("&#160;").join(text(part) for part in str(value).split())


class TemplateProblem(TripodError):
    """A template failed to render; the message names it, and the line where known."""


def render_template(env: Environment, name: str, values: dict[str, Any]) -> str:
    try:
        return env.get_template(name).render(values)
    except TemplateError as e:
        lineno = getattr(e, "lineno", None)  # syntax errors know their line
        line = f":{lineno}" if lineno else ""
        raise TemplateProblem(f"templates/{name}{line}: {e.message or type(e).__name__}") from e


def environment(templates: Path) -> Environment:
    """The environment for a project: its own `templates/` first, Tripod's defaults after."""
    loaders = [FileSystemLoader(str(templates))]
    if templates.resolve() != DEFAULTS:
        loaders.append(FileSystemLoader(str(DEFAULTS)))
    env = Environment(
        loader=ChoiceLoader(loaders),
        autoescape=True,
        undefined=StrictUndefined,
        finalize=text,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["hours"] = hours
    env.filters["duration"] = lambda d: text(units.format_duration(d)) if d else text(None)
    # Words, not codes, wherever a client reads: `{{ backup.method | method }}`.
    env.filters["method"] = lambda code: words.word(words.METHOD, code)
    env.filters["where"] = lambda code: words.word(words.WHERE, code)
    env.filters["hosting"] = lambda code: words.word(words.HOSTING, code)
    env.filters["criticality"] = lambda code: words.word(words.CRITICALITY, code)
    env.filters["check"] = lambda code: words.word(words.CHECKS, code)
    env.filters["roles"] = words.roles
    env.filters["possessive"] = words.possessive
    env.filters["capitalised"] = words.capitalised
    env.filters["labelled"] = words.labelled
    env.filters["unbroken"] = unbroken
    return env
