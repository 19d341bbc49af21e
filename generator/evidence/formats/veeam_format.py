"""`veeam`: Veeam Backup & Replication's job sessions, exported from its PowerShell.

The sessions of `Get-VBRBackupSession` (the `CBackupSession` objects of job
runs) or of `Get-VBRComputerBackupJobSession` (agent jobs, `VBRSession`), with
the properties Veeam's PowerShell reference names (`VBRBackupSession`,
`VBRSession`: `Id`, `CreationTime`, `EndTime`, `Result`, `State`), selected and
written as CSV (`Export-Csv`) or JSON (`ConvertTo-Json`, an array or, for one
session, a single object):

| property | required | meaning |
| --- | --- | --- |
| `Id` | yes | the session's GUID: the run's id |
| `CreationTime` | yes | when the session started |
| `EndTime` | yes | when it ended |
| `Result` | yes | `Success`, `Warning`, `Failed`, or `None` (no result yet) |
| `State` | yes | `Stopped` once finished; `Starting`, `Working`, `Postprocessing`... while running |
| `JobName`, `Name` | no | not read: the job is the backup the runs are imported into |

A session not yet `Stopped`, or without a result (`None`), is left out: it is
not finished. The repository is `--repository`, else empty; sessions carry no
size Tripod reads, so a run's bytes are not known.

Enumerations may be names (`Export-Csv`, `ConvertTo-Json -EnumsAsStrings`) or
numbers (`ConvertTo-Json` without it), the values of Veeam's
`CBaseSessionInfo.EResult` (None -1, Success 0, Warning 1, Failed 2) and
`EState` (Stopped -1, Starting 3, Stopping 4, Working 5, Pausing 6, Resuming 7,
WaitingTape 8, Idle 9, Postprocessing 10, WaitingRepository 11).

Times: Windows PowerShell 5.1's `ConvertTo-Json` writes `/Date(1732665600000)/`
(milliseconds since 1970, UTC); PowerShell 7 writes ISO 8601 with the offset.
An ISO 8601 time without a zone is read in `--timezone`, and refused without
it. `Export-Csv` writes times in the exporting machine's culture, without a
zone: `11/5/2026 2:00:00 AM` is 5 November in en-AU and 11 May in en-US, and
nothing in the file says which. Such times are refused, with the line: export
the times as ISO 8601 (`@{n='CreationTime';e={$_.CreationTime.ToString('o')}}`,
which carries the offset too), or use `ConvertTo-Json`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any

from generator.evidence.importing import (
    Found,
    Options,
    Problem,
    field,
    json_of,
    path_text,
    zoned_time,
)
from generator.evidence.records import Run, Status

REQUIRED = ("Id", "CreationTime", "EndTime", "Result", "State")
RESULTS: dict[str, Status | None] = {
    "success": "success",
    "warning": "warning",
    "failed": "failed",
    "none": None,
}
RESULT_NUMBERS = {-1: "none", 0: "success", 1: "warning", 2: "failed"}
STATE_NUMBERS = {
    -1: "stopped",
    3: "starting",
    4: "stopping",
    5: "working",
    6: "pausing",
    7: "resuming",
    8: "waitingtape",
    9: "idle",
    10: "postprocessing",
    11: "waitingrepository",
}
STATES = frozenset(STATE_NUMBERS.values())
_MS_DATE = re.compile(r"/Date\((-?\d+)([+-]\d{4})?\)/")
_GUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
_CULTURE = re.compile(r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}[ T]")
HOW = (
    "export the times as ISO 8601 (@{n='CreationTime';e={$_.CreationTime.ToString('o')}}) "
    "or use ConvertTo-Json"
)


def parse(data: bytes, options: Options) -> Found:
    text = _text(data)
    if text.lstrip()[:1] in ("[", "{"):
        return _from_json(text.encode(), options)
    return _from_csv(text, options)


def _text(data: bytes) -> str:
    try:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Export-Csv -Encoding Unicode
            return data.decode("utf-16")
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Problem("", "a UTF-8 CSV or JSON file, but the file is not UTF-8 text") from None


def _from_json(data: bytes, options: Options) -> Found:
    found = json_of(data)
    if isinstance(found, dict):
        return _kept([("", _session(found, "", options))])
    if not isinstance(found, list):
        raise Problem("", "a JSON array of sessions (Get-VBRBackupSession | ConvertTo-Json)")
    return _kept([(path_text(i), _session(x, path_text(i), options)) for i, x in enumerate(found)])


def _from_csv(text: str, options: Options) -> Found:
    if "\0" in text:
        raise Problem("", "a CSV or JSON file, but the file holds binary data")
    lines = text.splitlines(keepends=True)
    skipped = 1 if lines and lines[0].startswith("#TYPE") else 0  # Windows PowerShell's type line
    rows = csv.reader(io.StringIO("".join(lines[skipped:]), newline=""))
    try:
        header = [name.strip() for name in next(rows)]
    except StopIteration:
        raise Problem(f"line {skipped + 1}", "a header row (Id, CreationTime, ...)") from None
    except csv.Error as e:
        raise Problem(f"line {skipped + 1}", f"a CSV header row ({e})") from None
    names = {name.lower(): i for i, name in enumerate(header)}
    for name in REQUIRED:
        if name.lower() not in names:
            raise Problem(
                f"line {skipped + 1}",
                f"a column named {name!r} (Get-VBRBackupSession | Select-Object "
                f"{', '.join(REQUIRED)} | Export-Csv); the header has "
                f"{', '.join(map(repr, header)) or 'none'}",
            )
    found: list[tuple[str, Run | None]] = []
    try:
        for row in rows:
            line = rows.line_num + skipped
            if not any(cell.strip() for cell in row):
                continue
            if len(row) < len(header):
                raise Problem(
                    f"line {line}", f"{len(header)} columns as in the header, not {len(row)}"
                )
            item = {name: row[names[name.lower()]].strip() for name in REQUIRED}
            found.append((f"line {line}", _session(item, f"line {line}", options, csv_row=True)))
    except csv.Error as e:
        raise Problem(f"line {rows.line_num + skipped}", f"CSV ({e})") from None
    return _kept(found)


def _kept(found: list[tuple[str, Run | None]]) -> Found:
    return [(where, run) for where, run in found if run is not None]


def _place(where: str, key: str, csv_row: bool) -> str:
    return f"{where}, {key}" if csv_row else path_text(where, key)


def _session(item: Any, where: str, options: Options, *, csv_row: bool = False) -> Run | None:
    """The session's run, or None if it is not finished."""
    if not isinstance(item, dict):
        raise Problem(where, "expected a session (a JSON object with Id, CreationTime, ...)")
    if not csv_row:
        for name in ("Id", "CreationTime", "Result", "State"):
            field(
                item, name, where, f"the session's {name} (Get-VBRBackupSession | ConvertTo-Json)"
            )
    state = _choice(item["State"], STATE_NUMBERS, STATES, _place(where, "State", csv_row))
    result = _choice(item["Result"], RESULT_NUMBERS, RESULTS, _place(where, "Result", csv_row))
    if state != "stopped" or RESULTS[result] is None:
        return None
    ident = item["Id"]
    if isinstance(ident, dict):  # a GUID that ConvertTo-Json wrote as an object
        ident = ident.get("Guid")
    if not isinstance(ident, str) or not _GUID.fullmatch(ident.strip()):
        raise Problem(_place(where, "Id", csv_row), f"expected the session's GUID, not {ident!r}")
    status = RESULTS[result]
    assert status is not None
    return Run(
        tool="veeam",
        repository=options.repository or "",
        id=ident.strip().lower(),
        start=_time(item["CreationTime"], _place(where, "CreationTime", csv_row), options),
        end=_time(item.get("EndTime"), _place(where, "EndTime", csv_row), options),
        status=status,
        bytes=None,
    )


def _choice(value: Any, numbers: dict[int, str], names: Any, where: str) -> str:
    """An enumeration's name, lower case, from its name or its number."""
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and value in numbers:
        return numbers[value]
    if isinstance(value, str) and value.strip().lower() in names:
        return value.strip().lower()
    shown = ", ".join(sorted(names))
    raise Problem(where, f"expected one of {shown} (or Veeam's number for one), not {value!r}")


def _time(value: Any, where: str, options: Options) -> dt.datetime:
    if isinstance(value, dict) and "value" in value:  # a DateTime with PowerShell's notes
        value = value["value"]
    if isinstance(value, str):
        ms = _MS_DATE.fullmatch(value.strip())
        if ms:  # the milliseconds are UTC whatever offset follows them
            return dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(
                milliseconds=int(ms.group(1))
            )
        if _CULTURE.match(value.strip()) and not re.match(r"\d{4}-", value.strip()):
            raise Problem(
                where,
                f"the time {value!r} is written in the exporting machine's culture, without a "
                f"zone, and its day and month cannot be told apart: {HOW}",
            )
    if not value:
        raise Problem(where, "expected a time; the session has none")
    return zoned_time(value, where, options, zone_required=True)
