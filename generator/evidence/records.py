"""The evidence records, normalised whatever tool they came from.

One JSON object per line of an evidence file, with sorted keys and no spaces
(`canonical`), so that the same record is always the same bytes:

- a **run** of a backup: `{"type": "run", "tool", "repository", "id", "start",
  "end", "status", "bytes", "copy"}`. Times are UTC, written
  `2026-11-27T02:00:00Z` (with microseconds where the tool gives them). `id` is
  the tool's own id for the run (null where it has none), `end` and `bytes`
  are null where the tool does not say (restic before 0.17), `bytes` is the
  total size of the data the run covers, and `copy` names the copy the run
  proves, by `where` or by position (null: every copy of the backup).
- a **restore test** of a backup: `{"type": "restore-test", "date", "system",
  "result", "duration", "note", "evidence"}`, the evidence being the name and
  SHA-256 of a file (a screenshot, a report) that is never published.
- a **DR test**: `{"type": "dr-test", "date", "scenario", "measured"}`, the
  measured time per system id.

A run's identity is (tool, repository, id), or (tool, repository, start) where
the tool gives no id; a test's identity is the whole record. Of two runs with
one identity the finished one wins, then the later end, then the greater
canonical bytes: a total order, so any merge order keeps the same record.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from generator.format import units
from generator.format.model import SCENARIOS

Status = Literal["success", "warning", "failed"]
STATUSES: tuple[Status, ...] = get_args(Status)
Result = Literal["passed", "failed"]
RESULTS: tuple[Result, ...] = get_args(Result)

_SHA256 = re.compile(r"[0-9a-f]{64}")
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z")


class RecordError(ValueError):
    """A record that is not one: `where` is the key it concerns ("start"), or ""."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(message)
        self.where = where
        self.message = message


def canonical(data: dict[str, Any]) -> bytes:
    """JSON with sorted keys, UTF-8, no insignificant whitespace: one line."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def utc_text(moment: dt.datetime) -> str:
    """A moment as evidence writes it: UTC, "2026-11-27T02:00:00Z" (".123456" where the
    tool gave fractions of a second)."""
    if moment.tzinfo is None:
        raise ValueError("a moment without a time zone")
    moment = moment.astimezone(dt.UTC)
    fraction = f".{moment.microsecond:06d}" if moment.microsecond else ""
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + fraction + "Z"


def _moment(data: dict[str, Any], key: str, required: bool = True) -> dt.datetime | None:
    value = data.get(key)
    if value is None and not required:
        return None
    try:
        if not isinstance(value, str) or not _TIME.fullmatch(value):
            raise ValueError(value)
        return dt.datetime.fromisoformat(value[:-1]).replace(tzinfo=dt.UTC)
    except ValueError:
        raise RecordError(
            key, f"{key} must be a UTC time written like 2026-11-27T02:00:00Z"
        ) from None


def _date(data: dict[str, Any], key: str = "date") -> dt.date:
    value = data.get(key)
    try:
        date = dt.date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        date = None
    if date is None:
        raise RecordError(key, f"{key} must be a date written YYYY-MM-DD")
    return date


def _text(data: dict[str, Any], key: str, required: bool = True) -> str | None:
    value = data.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        raise RecordError(key, f"{key} must be text")
    return value


def _choice(data: dict[str, Any], key: str, choices: tuple[str, ...]) -> Any:
    value = data.get(key)
    if value not in choices:
        raise RecordError(key, f"{key} must be one of {', '.join(choices)}")
    return value


def _duration(data: dict[str, Any], key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise RecordError(key, f"{key} must be a duration such as 2h")
    try:
        units.parse_duration(value)
    except units.UnitError as e:
        raise RecordError(key, f"{key}: {e}") from None
    return value


def _only(data: dict[str, Any], keys: Iterable[str]) -> None:
    extra = sorted(set(data) - set(keys) - {"type"})
    if extra:
        raise RecordError(extra[0], f"unknown key {extra[0]!r}")


@dataclass(frozen=True, slots=True)
class Run:
    """One run of a backup, as its tool recorded it."""

    tool: str
    repository: str
    id: str | None
    start: dt.datetime  # aware, UTC: the run's restore point
    end: dt.datetime | None
    status: Status
    bytes: int | None  # the total size of the data the run covers
    copy: str | None = None  # the copy it proves, by where or position; None: every copy

    KEYS = ("tool", "repository", "id", "start", "end", "status", "bytes", "copy")

    def identity(self) -> tuple[str, ...]:
        return ("run", self.tool, self.repository, self.id or utc_text(self.start))

    @property
    def succeeded(self) -> bool:
        """Whether it counts as successful (a warning does)."""
        return self.status != "failed"

    @property
    def duration(self) -> dt.timedelta | None:
        return None if self.end is None else self.end - self.start

    def proves(self, where: str, position: int) -> bool:
        """Whether the run proves the copy at `position` (1-based), kept `where`."""
        return self.copy is None or self.copy in (where, str(position))

    def as_json(self) -> dict[str, Any]:
        return {
            "type": "run",
            "tool": self.tool,
            "repository": self.repository,
            "id": self.id,
            "start": utc_text(self.start),
            "end": None if self.end is None else utc_text(self.end),
            "status": self.status,
            "bytes": self.bytes,
            "copy": self.copy,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Run:
        quick = _quick_run(data)
        if quick is not None:
            return quick
        _only(data, cls.KEYS)
        size = data.get("bytes")
        if size is not None and (not isinstance(size, int) or isinstance(size, bool) or size < 0):
            raise RecordError("bytes", "bytes must be a whole number, 0 or more")
        start = _moment(data, "start")
        end = _moment(data, "end", required=False)
        assert start is not None
        if end is not None and end < start:
            raise RecordError("end", "end is before start")
        return cls(
            tool=_text(data, "tool") or "",
            repository=_text(data, "repository", required=False) or "",
            id=_text(data, "id", required=False),
            start=start,
            end=end,
            status=_choice(data, "status", STATUSES),
            bytes=size,
            copy=_text(data, "copy", required=False),
        )


_RUN_KEYS = frozenset(("type", *Run.KEYS))


def _utc(value: Any) -> dt.datetime | None:
    """A time as Tripod writes it ("2026-11-27T02:00:00Z", or with six digits of a
    second), else None; the shape is tested by hand, the digits by fromisoformat."""
    if type(value) is not str or len(value) not in (20, 27) or value[-1] != "Z":
        return None
    if value[4] != "-" or value[7] != "-" or value[10] != "T" or value[13] != ":":
        return None
    try:
        return dt.datetime.fromisoformat(value)  # "Z" reads as UTC
    except ValueError:
        return None


def _quick_run(data: dict[str, Any]) -> Run | None:
    """A run as Tripod writes it, read without the checks that name what is wrong: None
    where anything is off, and `Run.from_json` then finds what (a year of runs of a
    thousand clients is read on every check)."""
    if data.keys() != _RUN_KEYS:
        return None
    size, ident, copy = data["bytes"], data["id"], data["copy"]
    tool, repository, status = data["tool"], data["repository"], data["status"]
    if not (
        type(tool) is str
        and tool.strip()
        and type(repository) is str
        and (ident is None or type(ident) is str)
        and (copy is None or type(copy) is str)
        and status in STATUSES
        and (size is None or (type(size) is int and size >= 0))
    ):
        return None
    start = _utc(data["start"])
    end = None if data["end"] is None else _utc(data["end"])
    if start is None or (data["end"] is not None and (end is None or end < start)):
        return None
    return Run(tool, repository, ident, start, end, status, size, copy)


@dataclass(frozen=True, slots=True)
class EvidenceFile:
    """A file kept as evidence of a test: its name and SHA-256, never its content."""

    name: str
    sha256: str


@dataclass(frozen=True, slots=True)
class RestoreTest:
    """A restore test of one system from one backup."""

    date: dt.date
    system: str
    result: Result
    duration: str | None = None  # as written: "2h"
    note: str | None = None
    evidence: EvidenceFile | None = None

    KEYS = ("date", "system", "result", "duration", "note", "evidence")

    @property
    def passed(self) -> bool:
        return self.result == "passed"

    def identity(self) -> tuple[str, ...]:
        return ("restore-test", canonical(self.as_json()).decode())

    def as_json(self) -> dict[str, Any]:
        return {
            "type": "restore-test",
            "date": self.date.isoformat(),
            "system": self.system,
            "result": self.result,
            "duration": self.duration,
            "note": self.note,
            "evidence": None
            if self.evidence is None
            else {"name": self.evidence.name, "sha256": self.evidence.sha256},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RestoreTest:
        _only(data, cls.KEYS)
        duration = data.get("duration")
        found = data.get("evidence")
        evidence = None
        if found is not None:
            if (
                not isinstance(found, dict)
                or set(found) != {"name", "sha256"}
                or not isinstance(found["name"], str)
                or not isinstance(found["sha256"], str)
                or not _SHA256.fullmatch(found["sha256"])
            ):
                raise RecordError("evidence", "evidence must be {name, sha256} (64 hex digits)")
            evidence = EvidenceFile(found["name"], found["sha256"])
        return cls(
            date=_date(data),
            system=_text(data, "system") or "",
            result=_choice(data, "result", RESULTS),
            duration=None if duration is None else _duration(data, "duration", duration),
            note=_text(data, "note", required=False),
            evidence=evidence,
        )


@dataclass(frozen=True, slots=True)
class DrTest:
    """A disaster recovery test: the time each system took, in one scenario."""

    date: dt.date
    scenario: str
    measured: dict[str, str] = field(default_factory=dict)  # system id -> "30h"

    KEYS = ("date", "scenario", "measured")

    def identity(self) -> tuple[str, ...]:
        return ("dr-test", canonical(self.as_json()).decode())

    def as_json(self) -> dict[str, Any]:
        return {
            "type": "dr-test",
            "date": self.date.isoformat(),
            "scenario": self.scenario,
            "measured": dict(sorted(self.measured.items())),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DrTest:
        _only(data, cls.KEYS)
        measured = data.get("measured")
        if not isinstance(measured, dict) or not all(isinstance(k, str) for k in measured):
            raise RecordError("measured", "measured must map each system id to a duration")
        return cls(
            date=_date(data),
            scenario=_choice(data, "scenario", SCENARIOS),
            measured={k: _duration(data, f"measured.{k}", v) for k, v in measured.items()},
        )


Record = Run | RestoreTest | DrTest
KINDS: dict[str, type[Run] | type[RestoreTest] | type[DrTest]] = {
    "run": Run,
    "restore-test": RestoreTest,
    "dr-test": DrTest,
}


def from_json(data: Any) -> Record:
    """A record from one decoded line; RecordError if it is not one."""
    if not isinstance(data, dict):
        raise RecordError("", "each line must be one JSON object")
    kind = KINDS.get(data.get("type"))  # type: ignore[arg-type]
    if kind is None:
        raise RecordError("type", f"type must be one of {', '.join(KINDS)}")
    return kind.from_json(data)


def _in_order(records: list[Record]) -> bool:
    """Whether the records are already merged: sorted by (time, identity), none twice."""
    keys = [(when(r), r.identity()) for r in records]
    if len({identity for _, identity in keys}) != len(keys):
        return False
    return all(a < b for a, b in itertools.pairwise(keys))


def all_from_json(decoded: list[Any]) -> list[Record]:
    """Every record of a decoded file, as `from_json` reads each: runs as Tripod writes
    them are read here in one loop (a year of runs of a thousand clients is read on every
    check); anything else, or anything off, goes through `from_json`, which says what."""
    found: list[Record] = []
    keep = found.append
    keys, statuses, parse = _RUN_KEYS, STATUSES, dt.datetime.fromisoformat
    for data in decoded:
        if type(data) is dict and data.keys() == keys:
            start, end, size = data["start"], data["end"], data["bytes"]
            tool, repository, status = data["tool"], data["repository"], data["status"]
            ident, copy = data["id"], data["copy"]
            if (
                type(start) is str
                and len(start) in (20, 27)
                and start[-1] == "Z"
                and start[10] == "T"
                and start[4] == "-"
                and (end is None or (type(end) is str and len(end) in (20, 27) and end[-1] == "Z"))
                and type(tool) is str
                and tool.strip()
                and type(repository) is str
                and status in statuses
                and (size is None or (type(size) is int and size >= 0))
                and (ident is None or type(ident) is str)
                and (copy is None or type(copy) is str)
            ):
                try:
                    began = parse(start)
                    ended = None if end is None else parse(end)
                except ValueError:
                    pass
                else:
                    if ended is None or ended >= began:
                        keep(Run(tool, repository, ident, began, ended, status, size, copy))
                        continue
        keep(from_json(data))
    return found


def when(record: Record) -> dt.datetime:
    """Where a record sorts in its file: a run by its start, a test by its date."""
    if isinstance(record, Run):
        return record.start
    return dt.datetime.combine(record.date, dt.time(), dt.UTC)


def _rank(record: Record) -> tuple[bool, str, bytes]:
    """Of two records with one identity, the greater wins: finished, then the later
    end, then the greater canonical bytes."""
    end = record.end if isinstance(record, Run) else None
    return (end is not None, "" if end is None else utc_text(end), canonical(record.as_json()))


def merged(*groups: Iterable[Record]) -> list[Record]:
    """The records of every group, one per identity (the winner), sorted by time, then by
    identity: the same list whatever the order of the groups or of their records."""
    if len(groups) == 1 and isinstance(groups[0], list) and _in_order(groups[0]):
        return list(groups[0])  # a file as Tripod writes it: nothing to merge
    best: dict[tuple[str, ...], Record] = {}
    for group in groups:
        for record in group:
            key = record.identity()
            kept = best.get(key)
            if kept is None or _rank(record) > _rank(kept):
                best[key] = record
    return sorted(best.values(), key=lambda r: (when(r), r.identity()))
