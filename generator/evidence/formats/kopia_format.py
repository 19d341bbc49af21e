"""`kopia`: the snapshot list of `kopia snapshot list --json` (add `--all` for every
source in the repository).

A JSON array of snapshot manifests, as kopia's `snapshot.Manifest` writes them
(kopia/kopia, `snapshot/manifest.go`, `snapshot/stats.go`, `fs/entry.go`); the
keys read:

| key | meaning |
| --- | --- |
| `id` | the manifest's id: the run's id |
| `source` | `{host, userName, path}`: what was backed up; the repository is `userName@host:path` (else `--repository`) |
| `startTime`, `endTime` | when the snapshot started and ended, RFC 3339 in UTC (a time without a zone is refused) |
| `incomplete` | why the snapshot is not complete (`checkpoint`, `canceled`, `limit reached`); absent when it is |
| `stats.totalSize` | the total size of the files the snapshot covers, in bytes (else `rootEntry.summ.size`) |
| `stats.errorCount`, `rootEntry.summ.numFailed` | entries that could not be read (fatal errors) |

Status: an incomplete snapshot is **failed** (a checkpoint kept by a run that
died, or one that was canceled, is no complete restore point; its size, of part
of the data, is not kept); a complete one with fatal errors is a **warning**
(kopia saved it, and says so, without the entries it could not read); otherwise
**success**. Errors the policy ignores (`ignoredErrorCount`) are not counted.
Kopia keeps a checkpoint of a snapshot still running too: export when no
snapshot is running. A single manifest (`kopia snapshot create --json`) is read
as a list of one.
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
    zoned_time,
)
from generator.evidence.records import Run, Status

SHAPE = "a JSON array of snapshot manifests (kopia snapshot list --json)"


def parse(data: bytes, options: Options) -> Found:
    found = json_of(data)
    if isinstance(found, dict) and "startTime" in found:
        found = [found]
    if not isinstance(found, list):
        raise Problem("", f"{SHAPE}, not a JSON {type(found).__name__}")
    return [(path_text(i), _run(item, path_text(i), options)) for i, item in enumerate(found)]


def _run(item: Any, where: str, options: Options) -> Run:
    if not isinstance(item, dict):
        raise Problem(where, f"expected a snapshot manifest (a JSON object) in {SHAPE}")
    ident = field(item, "id", where, "the snapshot's manifest id")
    source = field(item, "source", where, "the snapshot's source {host, userName, path}")
    if not isinstance(ident, str) or not ident:
        raise Problem(path_text(where, "id"), "expected the snapshot's manifest id (text)")
    names = []
    for key in ("userName", "host", "path"):
        value = field(source, key, path_text(where, "source"), "text")
        if not isinstance(value, str):
            raise Problem(path_text(where, "source", key), "expected text")
        names.append(value)
    start = zoned_time(
        field(item, "startTime", where, "the time the snapshot started"),
        path_text(where, "startTime"),
        options,
        zone_required=True,
    )
    end = zoned_time(
        field(item, "endTime", where, "the time the snapshot ended"),
        path_text(where, "endTime"),
        options,
        zone_required=True,
    )
    incomplete = item.get("incomplete") or ""
    if not isinstance(incomplete, str):
        raise Problem(path_text(where, "incomplete"), "expected the reason as text, or nothing")
    stats = _object(item, "stats", where)
    summary = _object(_object(item, "rootEntry", where), "summ", path_text(where, "rootEntry"))
    errors = _count(stats, "errorCount", path_text(where, "stats")) + _count(
        summary, "numFailed", path_text(where, "rootEntry", "summ")
    )
    size: int | None = None
    if "totalSize" in stats:
        size = _count(stats, "totalSize", path_text(where, "stats"), negative=True)
    elif "size" in summary:
        size = _count(summary, "size", path_text(where, "rootEntry", "summ"), negative=True)
    status: Status = "failed" if incomplete else ("warning" if errors else "success")
    user, host, path = names
    return Run(
        tool="kopia",
        repository=options.repository or f"{user}@{host}:{path}",
        id=ident,
        start=start,
        end=end,
        status=status,
        bytes=None if incomplete else size,
    )


def _object(item: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    """`item[key]`, an optional JSON object ({} where absent)."""
    value = item.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Problem(path_text(where, key), "expected a JSON object")
    return value


def _count(item: dict[str, Any], key: str, where: str, *, negative: bool = False) -> int:
    """A whole number (0 where absent); a negative one is left to `checked` where
    `negative` (sizes), refused otherwise."""
    value = item.get(key, 0)
    if not isinstance(value, int) or isinstance(value, bool) or (value < 0 and not negative):
        raise Problem(path_text(where, key), f"expected a whole number, not {value!r}")
    return value
