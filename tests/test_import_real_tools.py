"""`tripod import restic|borg` on the real tools' own output: Debian's restic and
borg back up a few small files into repositories made here, and their `--json`
exports go through the installed `tripod` command.

Debian's restic (0.14) writes no `summary`; newer restic's is tested on a real
snapshot given the fields restic documents for it (see `test_restic_summary`).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import time
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import CLIENT, PROVIDER, TinyProject, system_tool

pytestmark = pytest.mark.real_command

# Both tools write local times in the zone of their process: one far from UTC (and
# in daylight saving time in November) shows which times are read in which zone.
TOOL_ZONE = "Australia/Sydney"
EVIDENCE = "evidence/acme/pms-image.jsonl"
TO = ("--client", "acme", "--backup", "pms-image")


@dataclass(frozen=True)
class Exports:
    """The tools' own `--json` output, taken as their repositories grew."""

    restic_two: bytes  # `restic snapshots --json` after two backups
    restic_three: bytes  # ... after a third
    restic_grouped: bytes  # `restic snapshots --json --group-by host,paths`, after three
    borg_list: bytes  # `borg list --json --consider-checkpoints`: two archives, one checkpoint
    borg_info: bytes  # `borg info --json --last 9`, the same archives with sizes
    borg_list_later: bytes  # `borg list --json --consider-checkpoints` after one more archive


def _tool(env: dict[str, str], cwd: Path) -> Callable[..., bytes]:
    def run(*args: str) -> bytes:
        done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, timeout=60)
        assert done.returncode == 0, (args, done.stderr.decode())
        return done.stdout

    return run


def _restic(root: Path) -> tuple[bytes, bytes, bytes]:
    restic = system_tool("restic", "restic")
    env = {
        **os.environ,
        "TZ": TOOL_ZONE,
        "RESTIC_REPOSITORY": str(root / "restic-repo"),
        "RESTIC_PASSWORD": "correct horse",
        "RESTIC_CACHE_DIR": str(root / "restic-cache"),
    }
    data = root / "restic-data"
    data.mkdir()
    run = _tool(env, root)
    run(restic, "init", "--quiet")
    (data / "ledger.txt").write_text("one\n")
    run(restic, "backup", "--quiet", str(data))
    (data / "ledger.txt").write_text("one\ntwo\n")
    (data / "notes.txt").write_text("a note\n")
    run(restic, "backup", "--quiet", str(data))
    two = run(restic, "snapshots", "--json")
    (data / "notes.txt").unlink()
    run(restic, "backup", "--quiet", str(data))
    three = run(restic, "snapshots", "--json")
    grouped = run(restic, "snapshots", "--json", "--group-by", "host,paths")
    return two, three, grouped


def _borg_checkpoint(borg: str, env: dict[str, str], root: Path) -> None:
    """An interrupted `borg create`: stdin fed slowly until borg has committed a
    checkpoint (every second here; a commit writes a new index file), then the
    process killed, as a crash or a power cut would."""
    indexes = set((root / "borg-repo").glob("index.*"))
    create = subprocess.Popen(
        [
            *(borg, "create", "--checkpoint-interval", "1", "--chunker-params", "fixed,4096"),
            *("borg-repo::nightly-3", "-"),
        ],
        cwd=root,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    assert create.stdin is not None
    try:
        deadline = time.monotonic() + 30
        while set((root / "borg-repo").glob("index.*")) <= indexes:
            assert time.monotonic() < deadline, "borg wrote no checkpoint in 30 s"
            create.stdin.write(os.urandom(16 * 1024))
            create.stdin.flush()
            time.sleep(0.2)
    finally:
        create.kill()
        create.wait()
        create.stdin.close()
    _tool(env, root)(borg, "break-lock", "borg-repo")


def _borg(root: Path) -> tuple[bytes, bytes, bytes]:
    borg = system_tool("borg", "borgbackup")
    env = {
        **os.environ,
        "TZ": TOOL_ZONE,
        "BORG_BASE_DIR": str(root / "borg-home"),
        "BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK": "yes",
    }
    data = root / "borg-data"
    data.mkdir()
    run = _tool(env, root)
    run(borg, "init", "--encryption=none", "borg-repo")
    (data / "ledger.txt").write_text("one\n")
    run(borg, "create", "borg-repo::nightly-1", "borg-data")
    (data / "ledger.txt").write_text("one\ntwo\n" * 100)
    run(borg, "create", "borg-repo::nightly-2", "borg-data")
    _borg_checkpoint(borg, env, root)
    listed = run(borg, "list", "--json", "--consider-checkpoints", "borg-repo")
    info = run(borg, "info", "--json", "--last", "9", "borg-repo")
    run(borg, "create", "borg-repo::nightly-4", "borg-data")
    later = run(borg, "list", "--json", "--consider-checkpoints", "borg-repo")
    return listed, info, later


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> Exports:
    root = tmp_path_factory.mktemp("tools")
    return Exports(*_restic(root), *_borg(root))


@pytest.fixture
def acme(tiny: TinyProject) -> TinyProject:
    tiny.client(CLIENT)
    return tiny


def _tool_time(text: str, zone: str | None = None) -> str:
    """A tool's time in UTC as evidence writes it, read independently of Tripod:
    fractions cut to microseconds, a time without a zone read in `zone`."""
    moment = dt.datetime.fromisoformat(re.sub(r"(\.\d{6})\d+", r"\1", text).replace("Z", "+00:00"))
    if moment.tzinfo is None:
        assert zone is not None
        moment = moment.replace(tzinfo=zoneinfo.ZoneInfo(zone))
    moment = moment.astimezone(dt.UTC)
    fraction = f".{moment.microsecond:06d}" if moment.microsecond else ""
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + fraction + "Z"


def _records(project: TinyProject, relative: str = EVIDENCE) -> list[dict]:
    return [json.loads(line) for line in (project.root / relative).read_text().splitlines()]


def _import(project: TinyProject, fmt: str, name: str, data: bytes, *options: str) -> str:
    """Imports `data` as the file `name`; returns what the command printed."""
    project.write(name, data)
    done = project.tripod("import", fmt, name, *TO, *options, today=None)
    assert (done.code, done.err) == (0, ""), done
    return done.out.strip()


# ---------------------------------------------------------------------------- restic


def test_restic_snapshots_become_runs(acme: TinyProject, exports: Exports) -> None:
    snapshots = json.loads(exports.restic_two)
    assert len(snapshots) == 2
    # restic writes nanoseconds and the offset of its zone: both must be read.
    assert all(re.search(r"\.\d{7,9}[+-]\d\d:\d\d$", s["time"]) for s in snapshots), snapshots

    out = _import(acme, "restic", "two.json", exports.restic_two, "--repository", "nas")
    assert out == f"{EVIDENCE}: 2 runs read, 2 new, 2 kept"
    assert _records(acme) == [
        {
            "type": "run",
            "tool": "restic",
            "repository": "nas",
            "id": s["id"],
            "start": _tool_time(s["time"]),
            # Debian's restic (before 0.17) writes no summary: end and size unknown.
            "end": _tool_time(s["summary"]["backup_end"]) if "summary" in s else None,
            "status": "success",
            "bytes": s["summary"]["total_bytes_processed"] if "summary" in s else None,
            "copy": None,
        }
        for s in sorted(snapshots, key=lambda s: s["time"])
    ]
    kept = (acme.root / EVIDENCE).read_bytes()

    again = _import(acme, "restic", "two.json", exports.restic_two, "--repository", "nas")
    assert again == f"{EVIDENCE}: 2 runs read, 0 new, 2 kept"
    assert (acme.root / EVIDENCE).read_bytes() == kept

    later = _import(acme, "restic", "three.json", exports.restic_three, "--repository", "nas")
    assert later == f"{EVIDENCE}: 3 runs read, 1 new, 3 kept"
    newest = max(json.loads(exports.restic_three), key=lambda s: s["time"])
    assert _records(acme)[-1]["id"] == newest["id"]
    assert _records(acme)[-1]["start"] == _tool_time(newest["time"])


def test_restic_grouped_list_is_the_same_runs(acme: TinyProject, exports: Exports) -> None:
    grouped = json.loads(exports.restic_grouped)
    assert set(grouped[0]) == {"group_key", "snapshots"}, grouped
    assert _import(acme, "restic", "grouped.json", exports.restic_grouped).endswith(
        "3 runs read, 3 new, 3 kept"
    )
    assert _import(acme, "restic", "three.json", exports.restic_three).endswith(
        "3 runs read, 0 new, 3 kept"
    )
    assert {r["repository"] for r in _records(acme)} == {""}


def test_restic_summary(acme: TinyProject, exports: Exports) -> None:
    """restic 0.17 and later keep the backup's statistics in the snapshot. The
    fields are those restic documents for `restic snapshots --json`, the
    "SnapshotSummary object" in doc/075_scripting.rst
    (https://github.com/restic/restic/blob/master/doc/075_scripting.rst, published at
    https://restic.readthedocs.io/en/stable/075_scripting.html#snapshots), added to
    a real snapshot of Debian's restic."""
    snapshot = json.loads(exports.restic_two)[0]
    snapshot["program_version"] = "restic 0.17.3"
    snapshot["summary"] = {
        "backup_start": snapshot["time"],
        "backup_end": "2026-11-27T03:04:05.123456789Z",
        "files_new": 1,
        "files_changed": 0,
        "files_unmodified": 0,
        "dirs_new": 2,
        "dirs_changed": 0,
        "dirs_unmodified": 0,
        "data_blobs": 1,
        "tree_blobs": 2,
        "data_added": 1089,
        "data_added_packed": 703,
        "total_files_processed": 1,
        "total_bytes_processed": 4,
    }
    snapshot["time"] = snapshot["summary"]["backup_start"] = "2026-11-27T02:00:00.5+11:00"
    _import(acme, "restic", "new.json", json.dumps([snapshot]).encode())
    (record,) = _records(acme)
    assert (record["id"], record["start"], record["end"], record["bytes"]) == (
        snapshot["id"],
        "2026-11-26T15:00:00.500000Z",
        "2026-11-27T03:04:05.123456Z",
        4,
    )


# ---------------------------------------------------------------------------- borg


def _by_id(records: list[dict]) -> list[dict]:
    return sorted(records, key=lambda r: r["id"])


def _archives(data: bytes) -> list[dict]:
    return sorted(json.loads(data)["archives"], key=lambda a: a["start"])


def test_borg_list_then_info(acme: TinyProject, exports: Exports) -> None:
    listed = json.loads(exports.borg_list)
    archives = _archives(exports.borg_list)
    assert [a["name"] for a in archives] == ["nightly-1", "nightly-2", "nightly-3.checkpoint"]
    # borg writes local times without a zone.
    assert all(re.fullmatch(r"[\d-]{10}T[\d:]{8}\.\d{6}", a["start"]) for a in archives)
    repository = listed["repository"]["id"]

    out = _import(acme, "borg", "list.json", exports.borg_list, "--timezone", TOOL_ZONE)
    assert out == f"{EVIDENCE}: 3 runs read, 3 new, 3 kept"
    # Archives of one second sort by their bytes in the file: compared by id.
    assert _by_id(_records(acme)) == _by_id(
        [
            {
                "type": "run",
                "tool": "borg",
                "repository": repository,
                "id": a["id"],
                "start": _tool_time(a["start"], TOOL_ZONE),
                "end": None,
                # An interrupted run left only a checkpoint: not a complete backup.
                "status": "failed" if a["name"].endswith(".checkpoint") else "success",
                "bytes": None,
                "copy": None,
            }
            for a in archives
        ]
    )

    # `borg info` names the same runs, finished, with their sizes: they replace those
    # `borg list` gave, and none is new.
    out = _import(acme, "borg", "info.json", exports.borg_info, "--timezone", TOOL_ZONE)
    assert out == f"{EVIDENCE}: 3 runs read, 0 new, 3 kept"
    info = _archives(exports.borg_info)
    assert sorted(
        (r["id"], r["start"], r["end"], r["bytes"], r["status"]) for r in _records(acme)
    ) == sorted(
        (
            a["id"],
            _tool_time(a["start"], TOOL_ZONE),
            _tool_time(a["end"], TOOL_ZONE),
            None if a["name"].endswith(".checkpoint") else a["stats"]["original_size"],
            "failed" if a["name"].endswith(".checkpoint") else "success",
        )
        for a in info
    )
    assert [a["stats"]["original_size"] for a in info[:2]] == [4, 800]
    kept = (acme.root / EVIDENCE).read_bytes()

    for name, data in (("info.json", exports.borg_info), ("list.json", exports.borg_list)):
        out = _import(acme, "borg", name, data, "--timezone", TOOL_ZONE)
        assert out == f"{EVIDENCE}: 3 runs read, 0 new, 3 kept"
        assert (acme.root / EVIDENCE).read_bytes() == kept

    later = _import(acme, "borg", "later.json", exports.borg_list_later, "--timezone", TOOL_ZONE)
    assert later == f"{EVIDENCE}: 4 runs read, 1 new, 4 kept"
    assert _records(acme)[-1]["id"] == _archives(exports.borg_list_later)[-1]["id"]


def test_borg_times_in_the_providers_zone(acme: TinyProject, exports: Exports) -> None:
    _import(acme, "borg", "list.json", exports.borg_list, "--timezone", TOOL_ZONE)
    given = _records(acme)

    # Without --timezone, borg's times are read in the provider's zone: UTC unless
    # provider.yaml says otherwise. Sydney's local times read as UTC are 10 or 11
    # hours ahead, after now: refused, and nothing written.
    acme.write("list.json", exports.borg_list)
    done = acme.tripod("import", "borg", "list.json", *TO, today=None)
    assert (
        done.code == 1 and "after now" in done.err and "a clock or time zone is wrong" in done.err
    )
    assert _records(acme) == given

    acme.write("provider.yaml", PROVIDER + f"timezone: {TOOL_ZONE}\n")
    (acme.root / EVIDENCE).unlink()
    _import(acme, "borg", "list.json", exports.borg_list)
    assert _records(acme) == given


# ---------------------------------------------------------------------------- refused


def _cut(data: bytes) -> bytes:
    return data[: len(data) // 2]


def _restic_without_zone(data: bytes) -> bytes:
    snapshots = json.loads(data)
    snapshots[1]["time"] = re.sub(r"(Z|[+-]\d\d:\d\d)$", "", snapshots[1]["time"])
    return json.dumps(snapshots).encode()


def _borg_negative(data: bytes) -> bytes:
    export = json.loads(data)
    export["archives"][1]["stats"]["original_size"] = -1
    return json.dumps(export).encode()


REFUSED = {
    "truncated restic": (
        "restic",
        lambda e: _cut(e.restic_two),
        r"line \d+, column \d+: JSON: the JSON ends too soon \(a truncated export\?\)",
    ),
    "truncated borg": (
        "borg",
        lambda e: _cut(e.borg_info),
        r"line \d+, column \d+: JSON: the JSON ends too soon \(a truncated export\?\)",
    ),
    "borg's export as restic's": (
        "restic",
        lambda e: e.borg_list,
        r"expected restic's snapshot list \(a JSON array of snapshots, from restic snapshots "
        r"--json\), found an object with keys archives, encryption, repository",
    ),
    "restic's export as borg's": (
        "borg",
        lambda e: e.restic_two,
        r"expected borg's archive list \(a JSON object with archives, from borg list --json "
        r"or borg info --json\), found an array",
    ),
    "borg info of a repository, without archives": (
        "borg",
        lambda e: json.dumps({k: v for k, v in json.loads(e.borg_info).items() if k != "archives"}),
        r"expected borg's archive list .*, found an object with keys cache, encryption, "
        r"repository \(borg info --json REPO lists no archives: add --last N, .*\)",
    ),
    "restic time without a zone": (
        "restic",
        lambda e: _restic_without_zone(e.restic_two),
        r"\[1\]\.time: the time '[\d:T.-]+' has no time zone: give one in the file .*, "
        r"or say which with --timezone",
    ),
    "negative size": (
        "borg",
        lambda e: _borg_negative(e.borg_info),
        r"archives\[1\]: a size of -1 bytes: sizes cannot be negative",
    ),
    "a grouped list without snapshots": (
        "restic",
        lambda e: json.dumps([{"group_key": {"hostname": "pms"}, "snapshots": {}}]),
        r"\[0\]\.snapshots: expected the group's array of snapshots, found an empty object",
    ),
    "a snapshot without a time": (
        "restic",
        lambda e: json.dumps([{"id": "ab" * 32, "startTime": "2026-11-27T02:00:00Z"}]),
        r"\[0\]\.time: expected the snapshot's time, such as .*",
    ),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_refused(acme: TinyProject, exports: Exports, case: str) -> None:
    fmt, make, message = REFUSED[case]
    data = make(exports)
    good = exports.restic_two if fmt == "restic" else exports.borg_list
    _import(acme, fmt, "good.json", good, "--timezone", TOOL_ZONE)
    kept = (acme.root / EVIDENCE).read_bytes()

    acme.write("bad.json", data if isinstance(data, bytes) else data.encode())
    # borg's times need a zone; restic's carry theirs (and --timezone would let one
    # without through).
    zone = ("--timezone", TOOL_ZONE) if fmt == "borg" else ()
    done = acme.tripod("import", fmt, "bad.json", *TO, *zone, today=None)
    assert (done.code, done.out) == (1, ""), done
    assert done.err.count("\n") == 1, done.err
    assert re.fullmatch(f"tripod: bad.json: {message}\n", done.err), done.err
    assert (acme.root / EVIDENCE).read_bytes() == kept


def test_refused_future(acme: TinyProject, exports: Exports) -> None:
    """Runs after the moment of the import: a clock or a zone is wrong."""
    acme.write("two.json", exports.restic_two)
    done = acme.tripod("import", "restic", "two.json", *TO, today=dt.date(2026, 1, 1))
    assert done.code == 1 and not (acme.root / "evidence").exists()
    first = json.loads(exports.restic_two)[0]
    assert done.err == (
        f"tripod: two.json: [0]: the run starts at {_tool_time(first['time'])}, after now "
        "(2026-01-01T23:59:59.999999Z): a clock or time zone is wrong\n"
    )
