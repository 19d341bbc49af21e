"""`restic`: the snapshot list that `restic snapshots --json` prints.

A JSON array of snapshots, each with `id` (the run's id here), `time` (when the
backup started, RFC 3339 with nanoseconds and the zone it was taken in) and,
from restic 0.17, `summary`: `backup_end` and `total_bytes_processed` give the
run's end and size. Snapshots written by earlier versions (Debian's restic
among them) carry no summary: their end and size are not known. The output of
`restic snapshots --json --group-by ...` (an array of `{group_key, snapshots}`)
is read the same way.

Every snapshot is a run that succeeded: restic writes one only when a backup
completed, and keeps no record of failed runs, nor of files a run could not
read (that is only in the backup's exit code, 3), so a snapshot list can show
staleness, not failure. The start is the snapshot's `time`, which restic lists
and selects snapshots by (it is the backup's start unless `restic backup
--time` set another). restic's JSON does not name the repository: it is
`--repository`, or empty.
"""

from __future__ import annotations

from typing import Any

from generator.evidence.importing import (
    Found,
    Options,
    Problem,
    field,
    json_of,
    path_text,
    shape,
    zoned_time,
)
from generator.evidence.records import Run

EXPECTED = "restic's snapshot list (a JSON array of snapshots, from restic snapshots --json)"


def parse(data: bytes, options: Options) -> Found:
    snapshots = json_of(data)
    if not isinstance(snapshots, list):
        raise Problem("", f"expected {EXPECTED}, found {shape(snapshots)}")
    found: Found = []
    for index, item in enumerate(snapshots):
        if isinstance(item, dict) and "group_key" in item:
            group = field(item, "snapshots", path_text(index), "the group's array of snapshots")
            if not isinstance(group, list):
                where = path_text(index, "snapshots")
                raise Problem(
                    where, f"expected the group's array of snapshots, found {shape(group)}"
                )
            for position, snapshot in enumerate(group):
                where = path_text(index, "snapshots", position)
                found.append((where, _run(snapshot, where, options)))
        else:
            where = path_text(index)
            found.append((where, _run(item, where, options)))
    return found


def _run(item: Any, where: str, options: Options) -> Run:
    if not isinstance(item, dict):
        raise Problem(where, f"expected a restic snapshot (an object), found {shape(item)}")
    start = zoned_time(
        field(
            item, "time", where, "the snapshot's time, such as 2026-11-27T02:00:00.123456789+11:00"
        ),
        path_text(where, "time"),
        options,
        zone_required=True,
    )
    run_id = field(item, "id", where, "the snapshot's id (64 hexadecimal digits)")
    if not isinstance(run_id, str) or not run_id.strip():
        raise Problem(
            path_text(where, "id"), f"expected the snapshot's id as text, found {shape(run_id)}"
        )
    end = size = None
    summary = item.get("summary")
    if summary is not None:
        at = path_text(where, "summary")
        if not isinstance(summary, dict):
            raise Problem(
                at, f"expected the snapshot's summary (an object), found {shape(summary)}"
            )
        end = zoned_time(
            field(summary, "backup_end", at, "the time the backup ended"),
            path_text(at, "backup_end"),
            options,
            zone_required=True,
        )
        size = field(summary, "total_bytes_processed", at, "the size the backup read, in bytes")
        if not isinstance(size, int) or isinstance(size, bool):
            raise Problem(
                path_text(at, "total_bytes_processed"),
                f"expected a whole number of bytes, found {shape(size)}",
            )
    return Run(
        tool="restic",
        repository=options.repository or "",
        id=run_id,
        start=start,
        end=end,
        status="success",
        bytes=size,
    )
