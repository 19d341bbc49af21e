"""`tripod import`: a backup tool's export, read whole, checked, merged into the
backup's evidence file.

Each format (`generator.evidence.formats`) turns the export's bytes into runs,
each with where it came from (a line, or a JSON path such as `[2].time`), or
raises `Problem` at the first thing that is not what the format expects. The
runs are then checked here, the same for every tool: no run after the moment
of the import, none ending before it starts, no negative size. Nothing is
written unless the whole export is good; then the runs are merged with those
already kept (`store.merged`: the same export twice adds nothing) and the file
is replaced in one rename.
"""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.errors import TripodError
from generator.evidence import store
from generator.evidence.records import Run, merged, utc_text

MAX_BYTES = 32 * 1024 * 1024
"""An export larger than this is refused whole: a year of hourly runs of one backup,
in the most verbose format here, is under 10 MB."""
SKEW = dt.timedelta(minutes=5)
"""How far after the moment of the import a run may start (clocks differ a little)."""


class Problem(ValueError):
    """Something in an export that is not what its format expects: where (a line, or a
    JSON path), and what was expected."""

    def __init__(self, where: str, expected: str) -> None:
        super().__init__(f"{where}: {expected}" if where else expected)
        self.where = where
        self.expected = expected


class ImportRefused(TripodError):
    """An export refused whole: one line naming the file, where, and what was wrong."""


@dataclass(frozen=True, slots=True)
class Options:
    """What a format may need beyond the export's bytes."""

    now: dt.datetime  # aware: no run may start after it
    zone: zoneinfo.ZoneInfo  # for times written without one (borg, spreadsheets)
    zone_given: bool = False  # whether --timezone was given (not the provider's default)
    repository: str | None = None  # --repository, for exports that do not name theirs
    copy: str | None = None  # --copy: the copy every run proves


Found = list[tuple[str, Run]]
"""Runs, each with where it came from in the export."""
Format = Callable[[bytes, Options], Found]


def zone(name: str) -> zoneinfo.ZoneInfo:
    """An IANA time zone ("Australia/Sydney"); ValueError naming it if there is none."""
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"{name!r} is not a time zone (an IANA name such as Australia/Sydney)"
        ) from None


def json_of(data: bytes) -> Any:
    """The export's JSON; Problem at the line and column where it stops being JSON (a
    truncated export among them)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Problem("", "UTF-8 JSON, but the file is not UTF-8 text") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        # A string still open at the end of the text is reported where it starts.
        ended = e.pos >= len(text.rstrip()) or e.msg.startswith("Unterminated string")
        what = "the JSON ends too soon (a truncated export?)" if ended else e.msg
        raise Problem(f"line {e.lineno}, column {e.colno}", f"JSON: {what}") from None


def shape(value: Any) -> str:
    """What a JSON value is, for a message: "an array", "an object with keys archives,
    repository"."""
    if isinstance(value, dict):
        keys = ", ".join(sorted(map(str, value))[:8]) + (", ..." if len(value) > 8 else "")
        return f"an object with keys {keys}" if value else "an empty object"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text {value[:40]!r}"
    return "null"


def path_text(*parts: str | int) -> str:
    """A JSON path as the messages print it: `[2].summary.total_bytes_processed`."""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def field(item: Any, key: str, where: str, expected: str) -> Any:
    """`item[key]`, or Problem at `where.key` saying what was expected."""
    if not isinstance(item, dict) or key not in item or item[key] is None:
        raise Problem(f"{where}.{key}" if where else key, f"expected {expected}")
    return item[key]


def zoned_time(text: Any, where: str, options: Options, *, zone_required: bool) -> dt.datetime:
    """An ISO 8601 time as an aware moment. A time without a zone takes --timezone, or,
    where the format writes none (`zone_required` false), the provider's; where the
    format always writes one, a time without it is refused."""
    if not isinstance(text, str):
        raise Problem(where, "expected a time written in ISO 8601, such as 2026-11-27T02:00:00Z")
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    # Python reads six digits of a second's fraction; restic and Go write nine.
    head, dot, rest = value.partition(".")
    if dot:
        digits = len(rest) - len(rest.lstrip("0123456789"))
        value = f"{head}.{rest[: min(digits, 6)]}{rest[digits:]}"
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise Problem(
            where,
            f"expected a time written in ISO 8601, such as 2026-11-27T02:00:00Z, not {text!r}",
        ) from None
    if moment.tzinfo is None:
        if zone_required and not options.zone_given:
            raise Problem(
                where,
                f"the time {text!r} has no time zone: give one in the file "
                "(2026-11-27T02:00:00+11:00), or say which with --timezone",
            )
        moment = moment.replace(tzinfo=options.zone)
    return moment.astimezone(dt.UTC)


def checked(found: Found, options: Options) -> list[Run]:
    """The runs, if every one is possible; Problem at the first that is not."""
    latest = options.now + SKEW
    for where, run in found:
        if run.start > latest:
            raise Problem(
                where,
                f"the run starts at {utc_text(run.start)}, after now ({utc_text(options.now)}): "
                "a clock or time zone is wrong",
            )
        if run.end is not None and run.end < run.start:
            raise Problem(where, "the run ends before it starts")
        if run.bytes is not None and run.bytes < 0:
            raise Problem(where, f"a size of {run.bytes} bytes: sizes cannot be negative")
    return [run for _, run in found]


@dataclass(frozen=True, slots=True)
class Imported:
    """What an import did: the runs read, how many were new, the file written."""

    read: int
    added: int
    file: str
    total: int


def import_runs(
    parse: Format, data: bytes, source: str, options: Options, path: Path, shown: str
) -> Imported:
    """Reads an export whole and merges its runs into the evidence file at `path`; raises
    ImportRefused (nothing written) if the export or the existing file is not good."""
    if len(data) > MAX_BYTES:
        raise ImportRefused(
            f"{source}: {len(data) / 2**20:.1f} MB, larger than the {MAX_BYTES // 2**20} MB an "
            "export may be: export fewer runs (a recent window) and import each window"
        )
    try:
        runs = checked(parse(data, options), options)
    except Problem as e:
        raise ImportRefused(f"{source}: {e}") from None
    if options.copy is not None:
        runs = [r if r.copy else _with_copy(r, options.copy) for r in runs]
    kept = store.read(path, shown)  # EvidenceError if the kept file is broken: nothing written
    result = merged(kept, runs)
    if result != merged(kept):
        store.write(path, result)
    return Imported(len(runs), len(result) - len(merged(kept)), shown, len(result))


def _with_copy(run: Run, copy: str) -> Run:
    return Run(run.tool, run.repository, run.id, run.start, run.end, run.status, run.bytes, copy)
