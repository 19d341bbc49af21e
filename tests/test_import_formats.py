"""`tripod import` of kopia, Proxmox Backup Server, Veeam and the generic CSV layout.

None of these tools is a Debian package, so the fixtures are built from each
tool's published field definitions, named beside each one:

- kopia: kopia/kopia `snapshot/manifest.go` (Manifest, DirEntry), `snapshot/stats.go`
  (Stats), `fs/entry.go` (DirectorySummary), `snapshot/source.go` (SourceInfo),
  `cli/command_snapshot_list.go` (the `--json` list, with `retentionReason`).
- PBS: proxmox/proxmox-backup `pbs-api-types/src/datastore.rs` (SnapshotListItem,
  BackupDir, SnapshotVerifyState, BackupContent) and `src/api2/admin/datastore.rs`
  (`list_snapshots`: `size` absent when the manifest cannot be read).
- Veeam: https://helpcenter.veeam.com/docs/vbr/powershell/vbrbackupsession.html and
  .../vbrsession.html (CreationTime, EndTime, Result, State, Id), the numbers of
  Veeam.Backup.Model.CBaseSessionInfo's EResult and EState as public VBR
  PowerShell scripts declare them; PowerShell's own ConvertTo-Json date forms.

Unit tests call each format's `parse`; the end-to-end ones run the real command
on the conftest client (`acme`, backups `pms-image` and `mail-saas`).
"""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from pathlib import Path

import pytest

from conftest import CLIENT, TinyProject
from generator.evidence.formats import parser
from generator.evidence.importing import Options, Problem, checked

SYDNEY = zoneinfo.ZoneInfo("Australia/Sydney")
NOW = dt.datetime(2026, 11, 25, 13, 0, tzinfo=dt.UTC)
OPTIONS = Options(now=NOW, zone=SYDNEY)
ZONED = Options(now=NOW, zone=SYDNEY, zone_given=True)
FIXTURES = Path(__file__).parent / "fixtures" / "evidence"
EVIDENCE = "evidence/acme/pms-image.jsonl"


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def parsed(name: str, data: bytes | str, options: Options = OPTIONS) -> list:
    raw = data.encode() if isinstance(data, str) else data
    return checked(parser(name)(raw, options), options)


def refused(name: str, data: bytes | str, options: Options = OPTIONS) -> str:
    with pytest.raises(Problem) as e:
        parsed(name, data, options)
    return str(e.value)


# --- kopia -------------------------------------------------------------------------

KOPIA = (FIXTURES / "kopia-snapshot-list.json").read_bytes()


def kopia_with(**changes: object) -> str:
    """The fixture's first manifest, changed, as a list of one."""
    item = json.loads(KOPIA)[0]
    item.update(changes)
    return json.dumps([item])


def test_kopia_reads_each_manifest() -> None:
    runs = parsed("kopia", KOPIA)
    assert [(r.id, r.status, r.bytes) for r in runs] == [
        ("5a2f0c8e91d34b7a86e0f1c2d3b4a5e6", "success", 451_234_567_890),
        ("6b3e1d9fa2e45c8b97f1a2d3e4c5b6f7", "warning", 451_300_000_000),
        ("7c4f2eafb3f56d9ca8a2b3e4f5d6c7a8", "failed", None),
    ]
    first = runs[0]
    assert first.tool == "kopia"
    assert first.repository == "root@pms:/srv/pms"
    # Go writes nine digits of a second; six are kept.
    assert first.start == utc("2026-11-23T15:00:00.123456")
    assert first.end == utc("2026-11-23T15:42:17.5")


def test_kopia_size_falls_back_to_the_root_summary_and_repository_to_the_option() -> None:
    item = json.loads(KOPIA)[0]
    del item["stats"]
    options = Options(now=NOW, zone=SYDNEY, repository="s3://kopia-acme")
    (run,) = parsed("kopia", json.dumps([item]), options)
    assert (run.bytes, run.status, run.repository) == (
        451_234_567_890,
        "success",
        "s3://kopia-acme",
    )


def test_kopia_counts_fatal_errors_of_the_root_summary() -> None:
    item = json.loads(KOPIA)[0]
    del item["stats"]
    item["rootEntry"]["summ"]["numFailed"] = 1
    (run,) = parsed("kopia", json.dumps([item]))
    assert run.status == "warning"


def test_kopia_ignored_errors_leave_a_success() -> None:
    item = json.loads(KOPIA)[0]
    item["stats"]["ignoredErrorCount"] = 4
    (run,) = parsed("kopia", json.dumps([item]))
    assert run.status == "success"


def test_kopia_reads_one_manifest_of_snapshot_create() -> None:
    item = json.loads(KOPIA)[0]
    (run,) = parsed("kopia", json.dumps(item))
    assert run.id == "5a2f0c8e91d34b7a86e0f1c2d3b4a5e6"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        # restic snapshots --json (restic's cmd_snapshots.go): no source, no startTime
        (
            '[{"time": "2026-11-23T15:00:00Z", "tree": "ab", "paths": ["/srv"], '
            '"hostname": "pms", "id": "0123abcd"}]',
            "[0].source: expected the snapshot's source {host, userName, path}",
        ),
        (
            '{"data": []}',
            "a JSON array of snapshot manifests (kopia snapshot list --json), not a JSON dict",
        ),
        (
            '[{"id": "x", "source": {"host": "pms", "userName": "root", "path": "/"}',
            "line 1, column 72: JSON: the JSON ends too soon (a truncated export?)",
        ),
        (
            kopia_with(startTime="2026-11-24T02:00:00"),
            "[0].startTime: the time '2026-11-24T02:00:00' has no time zone",
        ),
        (kopia_with(stats={"totalSize": -5}), "[0]: a size of -5 bytes: sizes cannot be negative"),
        (
            kopia_with(stats={"errorCount": "2"}),
            "[0].stats.errorCount: expected a whole number, not '2'",
        ),
        (kopia_with(endTime="2026-11-23T14:00:00Z"), "[0]: the run ends before it starts"),
    ],
)
def test_kopia_refuses(data: str, message: str) -> None:
    assert refused("kopia", data).startswith(message)


# --- Proxmox Backup Server -----------------------------------------------------------

PBS = (FIXTURES / "pbs-snapshot-list.json").read_bytes()


def test_pbs_reads_the_client_array_and_the_api_answer_alike() -> None:
    bare = parsed("pbs", PBS)
    api = parsed("pbs", json.dumps({"data": json.loads(PBS)}))
    assert bare == api
    assert [(r.id, r.start, r.end, r.status, r.bytes) for r in bare] == [
        (
            "vm/100/2026-11-23T15:00:00Z",
            utc("2026-11-23T15:00:00"),
            None,
            "success",
            34_359_738_368,
        ),
        ("vm/100/2026-11-24T15:00:00Z", utc("2026-11-24T15:00:00"), None, "failed", 34_359_738_368),
        ("ct/101/2026-11-24T15:00:00Z", utc("2026-11-24T15:00:00"), None, "success", 8_589_934_592),
    ]
    assert {(r.tool, r.repository) for r in bare} == {("pbs", "")}


def test_pbs_leaves_out_a_snapshot_without_a_manifest() -> None:
    items = json.loads(PBS)
    unfinished = {
        "backup-type": "vm",
        "backup-id": "100",
        "backup-time": 1795600000,
        "files": [{"filename": "drive-scsi0.img.fidx"}],
        "owner": "root@pam",
        "protected": False,
    }
    runs = parsed("pbs", json.dumps([*items, unfinished]))
    assert len(runs) == 3


def test_pbs_repository_from_the_option() -> None:
    options = Options(now=NOW, zone=SYDNEY, repository="pbs1:store1")
    assert {r.repository for r in parsed("pbs", PBS, options)} == {"pbs1:store1"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"backup-type": "tape"}, "[0].backup-type: expected one of vm, ct, host, not 'tape'"),
        (
            {"backup-time": "2026-11-23T15:00:00Z"},
            "[0].backup-time: expected the backup time in seconds since 1970",
        ),
        ({"size": -1}, "[0]: a size of -1 bytes: sizes cannot be negative"),
        (
            {"verification": {"state": "unknown", "upid": "x"}},
            "[0].verification.state: expected ok or failed, not 'unknown'",
        ),
        ({"backup-time": 1895532400}, "[0]: the run starts at 2030-01-25T"),
    ],
)
def test_pbs_refuses(change: dict, message: str) -> None:
    items = json.loads(PBS)
    items[0].update(change)
    assert refused("pbs", json.dumps(items)).startswith(message)


def test_pbs_refuses_other_shapes() -> None:
    assert refused("pbs", KOPIA).startswith("[0].backup-type: expected the backup type")
    assert refused("pbs", '{"errors": {}}').startswith(
        "a JSON array of snapshots (proxmox-backup-client snapshot list --output-format json)"
    )
    assert refused("pbs", '{"data": [{"backup-type": "vm"').startswith(
        "line 1, column 31: JSON: the JSON ends too soon"
    )


# --- Veeam ---------------------------------------------------------------------------

# Windows PowerShell 5.1: Get-VBRBackupSession | Select-Object Name, JobName, CreationTime,
# EndTime, Result, State, Id | ConvertTo-Json. Dates as /Date(ms)/ (UTC), enums as numbers.
VEEAM_51 = (FIXTURES / "veeam-sessions-ps51.json").read_bytes()
# PowerShell 7, ConvertTo-Json -EnumsAsStrings: ISO 8601 with the server's offset.
VEEAM_7 = (FIXTURES / "veeam-sessions-ps7.json").read_bytes()
# Export-Csv of the same selection with the times as ISO 8601 ('o'), from Windows
# PowerShell 5.1 (its #TYPE line first).
VEEAM_CSV = (FIXTURES / "veeam-sessions.csv").read_bytes()

SESSIONS = [
    (
        "3f2504e0-4f89-41d3-9a0c-0305e82c3301",
        "success",
        "2026-11-23T15:00:00",
        "2026-11-23T15:38:20",
    ),
    (
        "3f2504e0-4f89-41d3-9a0c-0305e82c3302",
        "warning",
        "2026-11-23T19:00:00",
        "2026-11-23T19:41:05",
    ),
    (
        "3f2504e0-4f89-41d3-9a0c-0305e82c3303",
        "failed",
        "2026-11-23T23:00:00",
        "2026-11-23T23:05:12",
    ),
]


@pytest.mark.parametrize(
    "data", [VEEAM_51, VEEAM_7, VEEAM_CSV], ids=["ps51-json", "ps7-json", "csv"]
)
def test_veeam_reads_finished_sessions_and_leaves_out_running_ones(data: bytes) -> None:
    runs = parsed("veeam", data)
    assert [(r.id, r.status, r.start, r.end) for r in runs] == [
        (i, s, utc(a), utc(b)) for i, s, a, b in SESSIONS
    ]
    assert {(r.tool, r.repository, r.bytes) for r in runs} == {("veeam", "", None)}


def test_veeam_reads_a_single_session_object() -> None:
    one = json.loads(VEEAM_7)[0]
    (run,) = parsed("veeam", json.dumps(one))
    assert run.id == SESSIONS[0][0]


def test_veeam_agent_sessions_have_the_same_fields() -> None:
    # Get-VBRComputerBackupJobSession | Select-Object Id, CreationTime, EndTime, Result, State
    agent = '[{"Id": "9d1c0b2a-3e4f-4a5b-8c6d-7e8f9a0b1c2d", "CreationTime": "2026-11-24T01:00:00+11:00", "EndTime": "2026-11-24T01:20:00+11:00", "Result": "Success", "State": "Stopped"}]'
    (run,) = parsed("veeam", agent)
    assert (run.start, run.status) == (utc("2026-11-23T14:00:00"), "success")


def test_veeam_zone_less_iso_times_need_the_time_zone() -> None:
    text = VEEAM_CSV.decode().replace("+11:00", "")
    assert refused("veeam", text).startswith(
        "line 3, CreationTime: the time '2026-11-24T02:00:00.0000000' has no time zone"
    )
    runs = parsed("veeam", text, ZONED)
    assert [r.start for r in runs] == [utc(a) for _, _, a, _ in SESSIONS]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        # Export-Csv's default: the machine's culture; 5/11 is May in en-US, November in en-AU.
        (
            '"Id","CreationTime","EndTime","Result","State"\n'
            '"3f2504e0-4f89-41d3-9a0c-0305e82c3301","11/5/2026 2:00:00 AM","11/5/2026 2:38:20 AM","Success","Stopped"\n',
            "line 2, CreationTime: the time '11/5/2026 2:00:00 AM' is written in the exporting "
            "machine's culture, without a zone, and its day and month cannot be told apart: "
            "export the times as ISO 8601",
        ),
        (
            '"Id","CreationTime","Result","State"\n"x","2026-11-24T02:00:00+11:00","Success","Stopped"\n',
            "line 1: a column named 'EndTime' (Get-VBRBackupSession | Select-Object Id, "
            "CreationTime, EndTime, Result, State | Export-Csv); the header has 'Id', "
            "'CreationTime', 'Result', 'State'",
        ),
        (
            '"Id","CreationTime","EndTime","Result","State"\n'
            '"3f2504e0-4f89-41d3-9a0c-0305e82c3301","2026-11-24T02:00:00+11:00"\n',
            "line 2: 5 columns as in the header, not 2",
        ),
        (
            '[{"Id": "3f2504e0-4f89-41d3-9a0c-0305e82c3301", "CreationTime": "/Date(1795446000000)/", "EndTime": "/Date(1795448300000)/", "Result": "Great", "State": -1}]',
            "[0].Result: expected one of failed, none, success, warning (or Veeam's number for one), not 'Great'",
        ),
        (
            '[{"Id": "3f2504e0-4f89-41d3-9a0c-0305e82c3301", "CreationTime": "/Date(1795446000000)/", "EndTime": "/Date(1795448300000)/", "Result": 0, "State": 42}]',
            "[0].State: expected one of idle, pausing,",
        ),
        (
            '[{"Id": "not-a-guid", "CreationTime": "/Date(1795446000000)/", "EndTime": "/Date(1795448300000)/", "Result": 0, "State": -1}]',
            "[0].Id: expected the session's GUID, not 'not-a-guid'",
        ),
        (
            '[{"Id": "3f2504e0-4f89-41d3-9a0c-0305e82c3301", "CreationTime"',
            "line 1, column 63: JSON: the JSON ends too soon",
        ),
        (KOPIA.decode(), "[0].Id: expected the session's Id"),
        (PBS.decode(), "[0].Id: expected the session's Id"),
    ],
)
def test_veeam_refuses(data: str, message: str) -> None:
    assert refused("veeam", data).startswith(message)


# --- end to end ----------------------------------------------------------------------


@pytest.fixture
def acme(tiny: TinyProject) -> TinyProject:
    tiny.client(CLIENT)
    return tiny


def records(project: TinyProject) -> list[dict]:
    path = project.root / EVIDENCE
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def test_import_kopia_writes_the_runs_and_the_same_file_twice_adds_nothing(
    acme: TinyProject,
) -> None:
    export = acme.write("kopia.json", KOPIA)
    done = acme.tripod("import", "kopia", str(export), "--client", "acme", "--backup", "pms-image")
    assert (done.code, done.err) == (0, "")
    assert done.out == f"{EVIDENCE}: 3 runs read, 3 new, 3 kept\n"
    assert records(acme)[0] == {
        "type": "run",
        "tool": "kopia",
        "repository": "root@pms:/srv/pms",
        "id": "5a2f0c8e91d34b7a86e0f1c2d3b4a5e6",
        "start": "2026-11-23T15:00:00.123456Z",
        "end": "2026-11-23T15:42:17.500000Z",
        "status": "success",
        "bytes": 451_234_567_890,
        "copy": None,
    }
    assert [r["status"] for r in records(acme)] == ["success", "warning", "failed"]
    before = (acme.root / EVIDENCE).read_bytes()
    again = acme.tripod("import", "kopia", str(export), "--client", "acme", "--backup", "pms-image")
    assert (again.code, again.out) == (0, f"{EVIDENCE}: 3 runs read, 0 new, 3 kept\n")
    assert (acme.root / EVIDENCE).read_bytes() == before


@pytest.mark.parametrize(
    ("form", "name", "data", "place"),
    [
        (
            "kopia",
            "restic.json",
            '[{"time": "2026-11-23T15:00:00Z", "id": "ab"}]',
            "[0].source: expected",
        ),
        ("pbs", "kopia.json", KOPIA.decode(), "[0].backup-type: expected"),
        ("veeam", "pbs.json", PBS.decode(), "[0].Id: expected"),
        (
            "veeam",
            "sessions.csv",
            '"Id","CreationTime"\n"x","y"\n',
            "line 1: a column named 'EndTime'",
        ),
        ("kopia", "cut.json", KOPIA.decode()[:200], "line "),
    ],
)
def test_a_refused_export_exits_1_with_one_line_and_changes_nothing(
    acme: TinyProject, form: str, name: str, data: str, place: str
) -> None:
    acme.write("kopia.json", KOPIA)
    first = acme.tripod(
        "import", "kopia", "kopia.json", "--client", "acme", "--backup", "pms-image"
    )
    assert first.code == 0
    before = (acme.root / EVIDENCE).read_bytes()
    acme.write(name, data)
    done = acme.tripod("import", form, name, "--client", "acme", "--backup", "pms-image")
    assert done.code == 1
    assert done.out == ""
    assert len(done.err.splitlines()) == 1
    assert f"{name}: {place}" in done.err
    assert (acme.root / EVIDENCE).read_bytes() == before


def test_import_pbs_and_veeam_end_to_end(acme: TinyProject) -> None:
    acme.write("pbs.json", PBS)
    done = acme.tripod(
        "import",
        "pbs",
        "pbs.json",
        "--client",
        "acme",
        "--backup",
        "pms-image",
        "--repository",
        "pbs1:store1",
        "--copy",
        "offsite",
    )
    assert (done.code, done.out) == (0, f"{EVIDENCE}: 3 runs read, 3 new, 3 kept\n")
    acme.write("sessions.json", VEEAM_51)
    done = acme.tripod(
        "import", "veeam", "sessions.json", "--client", "acme", "--backup", "pms-image"
    )
    assert (done.code, done.out) == (0, f"{EVIDENCE}: 3 runs read, 3 new, 6 kept\n")
    kept = records(acme)
    assert {(r["tool"], r["repository"], r["copy"]) for r in kept} == {
        ("pbs", "pbs1:store1", "offsite"),
        ("veeam", "", None),
    }
    assert [r["start"] for r in kept] == sorted(r["start"] for r in kept)


# --- the generic CSV layout, end to end ----------------------------------------------

CSV_OK = (
    "start,end,status,bytes,id\n"
    "2026-11-23T15:00:00Z,2026-11-23T15:40:00Z,success,451000000000,r1\n"
    "2026-11-24T02:00:00+11:00,,warning,,r2\n"
)


def test_import_csv_end_to_end(acme: TinyProject) -> None:
    acme.write("runs.csv", CSV_OK)
    done = acme.tripod("import", "csv", "runs.csv", "--client", "acme", "--backup", "mail-saas")
    assert (done.code, done.err) == (0, "")
    path = acme.root / "evidence/acme/mail-saas.jsonl"
    kept = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
    assert [(r["tool"], r["id"], r["start"], r["end"], r["status"], r["bytes"]) for r in kept] == [
        ("csv", "r1", "2026-11-23T15:00:00Z", "2026-11-23T15:40:00Z", "success", 451000000000),
        ("csv", "r2", "2026-11-23T15:00:00Z", None, "warning", None),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "start,bytes\n2026-11-23T15:00:00Z,1\n",
            "runs.csv: line 1: a column named 'status'; the header has 'start', 'bytes'",
        ),
        (
            "start,status\n2026-11-23T15:00:00Z,ok\n",
            "runs.csv: line 2, status: one of success, warning, failed, not 'ok'",
        ),
        (
            "start,status\n2026-11-23T15:00:00,success\n",
            "runs.csv: line 2, start: the time '2026-11-23T15:00:00' has no time zone",
        ),
        (
            "start,status,bytes\n2026-11-23T15:00:00Z,success,-3\n",
            "runs.csv: line 2: a size of -3 bytes: sizes cannot be negative",
        ),
    ],
)
def test_import_csv_refused(acme: TinyProject, text: str, message: str) -> None:
    acme.write("runs.csv", text)
    done = acme.tripod("import", "csv", "runs.csv", "--client", "acme", "--backup", "mail-saas")
    assert done.code == 1
    assert len(done.err.splitlines()) == 1
    assert message in done.err
    assert not (acme.root / "evidence/acme/mail-saas.jsonl").exists()


def test_import_csv_zone_less_times_with_the_time_zone(acme: TinyProject) -> None:
    acme.write("runs.csv", "start,status\n2026-11-24T02:00:00,success\n")
    done = acme.tripod(
        "import",
        "csv",
        "runs.csv",
        "--client",
        "acme",
        "--backup",
        "mail-saas",
        "--timezone",
        "Australia/Sydney",
    )
    assert done.code == 0, done.err
    line = (acme.root / "evidence/acme/mail-saas.jsonl").read_text("utf-8")
    assert json.loads(line)["start"] == "2026-11-23T15:00:00Z"
