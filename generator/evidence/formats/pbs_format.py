"""`pbs`: Proxmox Backup Server's snapshot list, as JSON.

Either the bare array that `proxmox-backup-client snapshot list --output-format
json` prints, or the API's answer to `GET /api2/json/admin/datastore/{store}/snapshots`,
`{"data": [...]}`. Each item is PBS's `SnapshotListItem` (proxmox/proxmox-backup,
`pbs-api-types/src/datastore.rs`, and `list_snapshots` in
`src/api2/admin/datastore.rs`); the keys read:

| key | meaning |
| --- | --- |
| `backup-type` | `vm`, `ct` or `host` |
| `backup-id` | the guest's or host's id (`100`, `mail`) |
| `backup-time` | when the backup started, in seconds since 1970 (UTC) |
| `size` | the sum of the snapshot's archive sizes, in bytes: the data it covers |
| `verification.state` | `ok` or `failed`: the last verify job's result, absent if never verified |

The run's id is PBS's own snapshot path, `{backup-type}/{backup-id}/{backup-time
in RFC 3339}` (`vm/100/2026-11-27T02:00:00Z`); PBS lists no end time, so a run's
end is not known. The repository is `--repository` (the export does not name
its datastore or namespace), else empty.

Status: a snapshot whose verification **failed** is failed (its chunks are
missing or damaged: it is no restore point); verified **ok**, or never
verified, is success (PBS lists only backups that finished: an unverified
snapshot is still a completed run). A snapshot without `size` has no readable
manifest (a backup still being written) and is left out: it is not finished.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from generator.evidence.importing import Found, Options, Problem, field, json_of, path_text
from generator.evidence.records import Run, Status, utc_text

SHAPE = (
    "a JSON array of snapshots (proxmox-backup-client snapshot list --output-format json) "
    'or the API\'s {"data": [...]}'
)
TYPES = ("vm", "ct", "host")
VERIFIED: dict[str, Status] = {"ok": "success", "failed": "failed"}


def parse(data: bytes, options: Options) -> Found:
    found = json_of(data)
    prefix = ""
    if isinstance(found, dict) and "data" in found:
        found, prefix = found["data"], "data"
    if not isinstance(found, list):
        raise Problem(prefix, f"{SHAPE}, not a JSON {type(found).__name__}")
    runs: Found = []
    for i, item in enumerate(found):
        where = path_text(prefix, i) if prefix else path_text(i)
        run = _run(item, where, options)
        if run is not None:
            runs.append((where, run))
    return runs


def _run(item: Any, where: str, options: Options) -> Run | None:
    if not isinstance(item, dict):
        raise Problem(where, f"expected a snapshot (a JSON object) in {SHAPE}")
    kind = field(item, "backup-type", where, f"the backup type ({', '.join(TYPES)})")
    if kind not in TYPES:
        raise Problem(
            path_text(where, "backup-type"), f"expected one of {', '.join(TYPES)}, not {kind!r}"
        )
    ident = field(item, "backup-id", where, "the backup id (text)")
    if not isinstance(ident, str) or not ident:
        raise Problem(path_text(where, "backup-id"), "expected the backup id (text)")
    seconds = field(item, "backup-time", where, "the backup time, in seconds since 1970")
    if not isinstance(seconds, int) or isinstance(seconds, bool):
        raise Problem(
            path_text(where, "backup-time"),
            f"expected the backup time in seconds since 1970, not {seconds!r}",
        )
    try:
        start = dt.datetime.fromtimestamp(seconds, dt.UTC)
    except (OverflowError, OSError, ValueError):
        raise Problem(path_text(where, "backup-time"), f"{seconds} is no possible time") from None
    size = item.get("size")
    if size is None:
        return None
    if not isinstance(size, int) or isinstance(size, bool):
        raise Problem(path_text(where, "size"), f"expected a whole number of bytes, not {size!r}")
    return Run(
        tool="pbs",
        repository=options.repository or "",
        id=f"{kind}/{ident}/{utc_text(start)}",
        start=start,
        end=None,
        status=_status(item.get("verification"), where),
        bytes=size,
    )


def _status(verification: Any, where: str) -> Status:
    if verification is None:
        return "success"
    state = field(verification, "state", path_text(where, "verification"), "ok or failed")
    if state not in VERIFIED:
        raise Problem(
            path_text(where, "verification", "state"), f"expected ok or failed, not {state!r}"
        )
    return VERIFIED[state]
