"""Evidence files: `evidence/<client-id>/<backup-id>.jsonl` (the runs and restore tests
of one backup) and `evidence/<client-id>/dr-tests.jsonl`, committed beside the
client files.

A file is read whole or refused with the line and column of the first thing
wrong (`EvidenceError`); records repeated in it (two branches' imports merged
by git's union driver) are merged on read. It is written whole, sorted, beside
the old one and renamed into place (`write`): a reader sees the old file or the
new one, never half of one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from generator import files
from generator.errors import TripodError
from generator.evidence.records import (
    DrTest,
    Record,
    RecordError,
    RestoreTest,
    Run,
    all_from_json,
    canonical,
    from_json,
    merged,
)

DR_TESTS = "dr-tests"
"""The stem of the file of DR tests: no backup may use it as its id."""
SUFFIX = ".jsonl"
MAX_BYTES = 64 * 1024 * 1024
"""An evidence file larger than this is refused (ten years of hourly runs is 40 MB)."""


class EvidenceError(TripodError):
    """An evidence file that cannot be read: where, and what is wrong."""

    def __init__(self, file: str, line: int, column: int, message: str) -> None:
        super().__init__(f"{file}:{line}:{column}: {message}")
        self.file = file
        self.line = line
        self.column = column
        self.message = message


@dataclass(frozen=True, slots=True)
class BackupEvidence:
    """What one backup's evidence file holds, oldest first."""

    runs: tuple[Run, ...] = ()
    tests: tuple[RestoreTest, ...] = ()


@dataclass(frozen=True, slots=True)
class Evidence:
    """A client's evidence: per backup id, and its DR tests."""

    backups: dict[str, BackupEvidence] = field(default_factory=dict)
    dr_tests: tuple[DrTest, ...] = ()

    def of(self, backup_id: str) -> BackupEvidence | None:
        """The backup's evidence; None where there is none (it is then not judged)."""
        return self.backups.get(backup_id)


def folder(root: Path, client_id: str) -> Path:
    return root / "evidence" / client_id


def backup_file(root: Path, client_id: str, backup_id: str) -> Path:
    return folder(root, client_id) / f"{backup_id}{SUFFIX}"


def dr_file(root: Path, client_id: str) -> Path:
    return folder(root, client_id) / f"{DR_TESTS}{SUFFIX}"


def parse(data: bytes, file: str) -> list[Record]:
    """The records of an evidence file's bytes, merged; EvidenceError at the first line
    that is not a record."""
    if len(data) > MAX_BYTES:
        raise EvidenceError(file, 1, 1, f"larger than {MAX_BYTES // 2**20} MB: not evidence")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise EvidenceError(file, data[: e.start].count(b"\n") + 1, 1, "not UTF-8 text") from None
    try:
        # One decoding for the whole file; line by line only to say where it goes wrong.
        rows = [row for row in text.split("\n") if row.strip()]
        return merged(all_from_json(json.loads("[" + ",".join(rows) + "]")))
    except (json.JSONDecodeError, RecordError):
        pass
    records: list[Record] = []
    for number, row in enumerate(text.split("\n"), 1):
        if not row.strip():
            continue
        try:
            decoded = json.loads(row)
        except json.JSONDecodeError as e:
            raise EvidenceError(file, number, e.colno, f"not JSON: {e.msg}") from None
        try:
            records.append(from_json(decoded))
        except RecordError as e:
            column = _column(row, e.where)
            raise EvidenceError(file, number, column, e.message) from None
    return merged(records)


def _column(line: str, key: str) -> int:
    """The column of a key's name in a line of JSON (1 where it is not found)."""
    at = line.find(json.dumps(key.split(".")[0])) if key else -1
    return at + 1 if at >= 0 else 1


def read(path: Path, file: str) -> list[Record]:
    """An evidence file's records; none where it does not exist."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    except OSError as e:
        raise EvidenceError(file, 1, 1, f"cannot be read: {e.strerror}") from None
    return parse(data, file)


def dumps(records: Iterable[Record]) -> bytes:
    """A file's bytes: one canonical record per line, sorted, merged."""
    return b"".join(canonical(r.as_json()) + b"\n" for r in merged(records))


def write(path: Path, records: Iterable[Record]) -> None:
    """Writes the file whole, beside the old one, then renames it into place."""
    files.write_bytes(path, dumps(records))


def split(records: Iterable[Record]) -> BackupEvidence:
    runs = tuple(r for r in records if isinstance(r, Run))
    tests = tuple(r for r in records if isinstance(r, RestoreTest))
    return BackupEvidence(runs, tests)


def load(root: Path, client_id: str, display: str = "") -> tuple[Evidence, list[EvidenceError]]:
    """A client's evidence, and the files that could not be read (each left out whole:
    its backup reads as having no evidence)."""
    base = folder(root, client_id)
    if not base.is_dir():
        return Evidence(), []
    problems: list[EvidenceError] = []
    backups: dict[str, BackupEvidence] = {}
    dr_tests: tuple[DrTest, ...] = ()
    for path in sorted(base.glob(f"*{SUFFIX}")):
        shown = f"{display or 'evidence'}/{client_id}/{path.name}"
        try:
            records = read(path, shown)
        except EvidenceError as e:
            problems.append(e)
            continue
        stem = path.name[: -len(SUFFIX)]
        if stem == DR_TESTS:
            dr_tests = tuple(r for r in records if isinstance(r, DrTest))
        else:
            backups[stem] = split(records)
    return Evidence(backups, dr_tests), problems
