"""`borg`: the archive list of `borg list --json REPO`, or `borg info --json` of a
repository's archives (`REPO::ARCHIVE`, or `REPO --last N`).

Both are a JSON object with `archives` (each with `id`, the run's id here,
`name` and `start`; `borg info` adds `end` and `stats.original_size`, the
run's end and size) and `repository` (whose `id` names the repository, else
its `location`, else `--repository`). `borg list` gives no end and no size.

borg writes its times as local times without a zone
("2026-11-27T02:00:01.000000"): they are read in the zone given by
`--timezone`, else the provider's (`timezone` in provider.yaml, UTC unless
set). A time that does carry a zone keeps it.

Every archive is a run that succeeded, except a checkpoint (named
`NAME.checkpoint` or `NAME.checkpoint.N`): what borg left of an interrupted
run. It is kept as a failed run, with no size (part of the data is not a
backup of it): a checkpoint is not a complete backup, and a run with status
warning would count as one. `borg list` shows checkpoints only with
`--consider-checkpoints`; `borg info --last N` always does.
"""

from __future__ import annotations

import re
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

EXPECTED = (
    "borg's archive list (a JSON object with archives, from borg list --json or borg info --json)"
)
CHECKPOINT = re.compile(r"\.checkpoint(\.\d+)?\Z")


def parse(data: bytes, options: Options) -> Found:
    export = json_of(data)
    if not isinstance(export, dict) or "archives" not in export:
        hint = ""
        if isinstance(export, dict) and "repository" in export:
            hint = " (borg info --json REPO lists no archives: add --last N, or name REPO::ARCHIVE)"
        raise Problem("", f"expected {EXPECTED}, found {shape(export)}{hint}")
    archives = export["archives"]
    if not isinstance(archives, list):
        raise Problem("archives", f"expected an array of archives, found {shape(archives)}")
    repository = _repository(export.get("repository"), options)
    found: Found = []
    for index, archive in enumerate(archives):
        where = path_text("archives", index)
        found.append((where, _run(archive, where, repository, options)))
    return found


def _repository(found: Any, options: Options) -> str:
    if found is None:
        return options.repository or ""
    if not isinstance(found, dict):
        raise Problem(
            "repository", f"expected an object with id and location, found {shape(found)}"
        )
    for key in ("id", "location"):
        value = found.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return options.repository or ""


def _run(archive: Any, where: str, repository: str, options: Options) -> Run:
    if not isinstance(archive, dict):
        raise Problem(where, f"expected a borg archive (an object), found {shape(archive)}")
    name = archive.get("name", archive.get("archive"))
    if not isinstance(name, str):
        raise Problem(path_text(where, "name"), "expected the archive's name")
    run_id = field(archive, "id", where, "the archive's id (64 hexadecimal digits)")
    if not isinstance(run_id, str) or not run_id.strip():
        raise Problem(
            path_text(where, "id"), f"expected the archive's id as text, found {shape(run_id)}"
        )
    key = "start" if "start" in archive else "time"
    start = zoned_time(
        field(archive, key, where, "the archive's start, such as 2026-11-27T02:00:01.000000"),
        path_text(where, key),
        options,
        zone_required=False,
    )
    end_text = archive.get("end")
    end = (
        None
        if end_text is None
        else zoned_time(end_text, path_text(where, "end"), options, zone_required=False)
    )
    partial = CHECKPOINT.search(name) is not None
    size = None
    stats = archive.get("stats")
    if stats is not None and not partial:
        size = field(
            stats, "original_size", path_text(where, "stats"), "the archive's size in bytes"
        )
        if not isinstance(size, int) or isinstance(size, bool):
            raise Problem(
                path_text(where, "stats", "original_size"),
                f"expected a whole number of bytes, found {shape(size)}",
            )
    return Run(
        tool="borg",
        repository=repository,
        id=run_id,
        start=start,
        end=end,
        status="failed" if partial else "success",
        bytes=size,
    )
