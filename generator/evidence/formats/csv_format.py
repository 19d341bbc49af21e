"""`csv`: the generic layout, for every tool Tripod has no format of its own for.

A UTF-8 CSV file, comma-separated, with a header row naming its columns in any
order (names in any case; columns not listed here are ignored):

| column | required | meaning |
| --- | --- | --- |
| `start` | yes | when the run started, ISO 8601 (`2026-11-27T02:00:00+11:00`, or `Z` for UTC); a time without a zone needs `--timezone` |
| `status` | yes | `success`, `warning` or `failed` |
| `end` | no | when it ended, as `start` |
| `bytes` | no | the total size of the data the run covers, in bytes (a whole number) |
| `id` | no | the tool's own id for the run |
| `repository` | no | where the run was stored (else `--repository`) |
| `tool` | no | the tool's name (else `csv`) |

An empty cell of an optional column means not known.
"""

from __future__ import annotations

import csv
import io

from generator.evidence.importing import Found, Options, Problem, zoned_time
from generator.evidence.records import STATUSES, Run

REQUIRED = ("start", "status")
OPTIONAL = ("end", "bytes", "id", "repository", "tool")


def parse(data: bytes, options: Options) -> Found:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Problem("", "a UTF-8 CSV file, but the file is not UTF-8 text") from None
    if "\0" in text:
        raise Problem("", "a CSV file, but the file holds binary data")
    rows = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [name.strip().lower() for name in next(rows)]
    except StopIteration:
        raise Problem("line 1", "a header row naming the columns (start, status, ...)") from None
    except csv.Error as e:
        raise Problem("line 1", f"a CSV header row ({e})") from None
    for name in REQUIRED:
        if name not in header:
            raise Problem(
                "line 1",
                f"a column named {name!r}; the header has {', '.join(map(repr, header)) or 'none'}",
            )
    at = {name: header.index(name) for name in (*REQUIRED, *OPTIONAL) if name in header}
    found: Found = []
    try:
        for row in rows:
            line = rows.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) < len(header):
                raise Problem(
                    f"line {line}", f"{len(header)} columns as in the header, not {len(row)}"
                )
            found.append((f"line {line}", _run(row, at, line, options)))
    except csv.Error as e:
        raise Problem(f"line {rows.line_num}", f"CSV ({e})") from None
    return found


def _cell(row: list[str], at: dict[str, int], name: str) -> str:
    return row[at[name]].strip() if name in at else ""


def _run(row: list[str], at: dict[str, int], line: int, options: Options) -> Run:
    where = f"line {line}"
    status = _cell(row, at, "status").lower()
    if status not in STATUSES:
        raise Problem(f"{where}, status", f"one of {', '.join(STATUSES)}, not {status!r}")
    start = zoned_time(_cell(row, at, "start"), f"{where}, start", options, zone_required=True)
    end_text = _cell(row, at, "end")
    end = zoned_time(end_text, f"{where}, end", options, zone_required=True) if end_text else None
    size_text = _cell(row, at, "bytes")
    size = None
    if size_text:
        try:
            size = int(size_text)
        except ValueError:
            raise Problem(
                f"{where}, bytes", f"a whole number of bytes, not {size_text!r}"
            ) from None
    return Run(
        tool=_cell(row, at, "tool") or "csv",
        repository=_cell(row, at, "repository") or options.repository or "",
        id=_cell(row, at, "id") or None,
        start=start,
        end=end,
        status=status,
        bytes=size,
    )
