"""Evidence files and the import around every format (generator/evidence/records.py,
store.py, importing.py, the generic `csv` format and `tripod import` / `tripod
record-test`): one canonical record per line, merged whatever the order, written whole
or not at all, and a bad export refused whole with one line."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import TinyProject
from generator.evidence import importing, store
from generator.evidence.formats import csv_format
from generator.evidence.records import DrTest, EvidenceFile, RestoreTest, Run, merged

UTC = dt.UTC
EVIDENCE = "evidence/acme/pms-image.jsonl"
CSV = (
    "start,end,status,bytes,id\n"
    "2026-11-23T15:00:00Z,2026-11-23T16:00:00Z,success,420000000000,r1\n"
    "2026-11-24T15:00:00Z,2026-11-24T16:10:00Z,warning,421000000000,r2\n"
)


def run(hour: int, *, id_: str | None = None, end: int | None = None, size: int = 1) -> Run:
    start = dt.datetime(2026, 11, 20, hour, tzinfo=UTC)
    finished = None if end is None else dt.datetime(2026, 11, 20, end, tzinfo=UTC)
    return Run("restic", "repo", id_, start, finished, "success", size)


# ------------------------------------------------------------------ records


def test_a_record_is_one_canonical_line_and_reads_back_the_same() -> None:
    records = [
        run(2, id_="a", end=3, size=10),
        RestoreTest(
            dt.date(2026, 11, 21), "pms", "passed", "2h", "a note", EvidenceFile("s.png", "a" * 64)
        ),
        DrTest(dt.date(2026, 11, 22), "site-loss", {"pms": "30h", "mail": "4h"}),
    ]
    data = store.dumps(records)
    lines = data.decode().splitlines()
    assert lines[0] == (
        '{"bytes":10,"copy":null,"end":"2026-11-20T03:00:00Z","id":"a","repository":"repo",'
        '"start":"2026-11-20T02:00:00Z","status":"success","tool":"restic","type":"run"}'
    )
    assert store.parse(data, "f") == records
    assert store.dumps(store.parse(data, "f")) == data


def test_a_run_is_one_per_identity_and_the_finished_later_larger_one_wins() -> None:
    in_progress = run(2, id_="a")
    finished = run(2, id_="a", end=3)
    later = run(2, id_="a", end=4)
    assert merged([in_progress, finished]) == [finished]
    assert merged([later], [finished, in_progress]) == [later]
    # Without an id of the tool's, the start is the identity.
    assert merged([run(2), run(2, size=5), run(3)]) == [run(2, size=5), run(3)]


_runs = st.builds(
    lambda hour, id_, end, size: run(hour, id_=id_, end=end, size=size),
    st.integers(0, 5),
    st.sampled_from([None, "a", "b"]),
    st.sampled_from([None, 6, 7]),
    st.integers(0, 3),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_runs, max_size=12), st.randoms(use_true_random=False))
def test_any_merge_order_gives_the_same_file(records: list[Run], rnd: object) -> None:
    shuffled = list(records)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    half = len(shuffled) // 2
    assert store.dumps(records) == store.dumps(shuffled)
    assert merged(merged(shuffled[:half]), shuffled[half:]) == merged(records)


@pytest.mark.parametrize(
    ("line", "where"),
    [
        ('{"type":"run"', "f:2:14: not JSON"),
        ('{"type":"nap"}', "f:2:2: type must be one of run, restore-test, dr-test"),
        (
            '{"type":"run","tool":"t","repository":"","id":null,"start":"2026-11-20 02:00",'
            '"end":null,"status":"success","bytes":null,"copy":null}',
            "f:2:52: start must be a UTC time written like 2026-11-27T02:00:00Z",
        ),
        (
            '{"type":"run","tool":"t","repository":"","id":null,"start":"2026-11-20T02:00:00Z",'
            '"end":null,"status":"success","bytes":-1,"copy":null}',
            "f:2:113: bytes must be a whole number, 0 or more",
        ),
        ('{"type":"dr-test","date":"2026-11-31","scenario":"site-loss","measured":{}}', "f:2:19:"),
        (
            '{"type":"run","tool":"t","repository":"","id":null,"start":"2026-13-20T02:00:00Z",'
            '"end":null,"status":"success","bytes":null,"copy":null}',
            "f:2:52: start must be a UTC time",
        ),
    ],
)
def test_a_broken_line_is_refused_with_its_line_and_column(line: str, where: str) -> None:
    good = store.dumps([run(2)]).decode()
    with pytest.raises(store.EvidenceError) as caught:
        store.parse(f"{good}{line}\n".encode(), "f")
    assert str(caught.value).startswith(where)
    assert "\n" not in str(caught.value)


def test_an_evidence_file_is_replaced_whole(tmp_path: Path) -> None:
    path = tmp_path / "e" / "b.jsonl"
    store.write(path, [run(2)])
    before = path.read_bytes()

    class Interrupted(Exception):
        pass

    def fail(records: object) -> bytes:
        raise Interrupted

    # An import that dies while the new file is being made leaves the old one as it was,
    # and nothing half-written beside it.
    real = store.dumps
    store.dumps = fail  # type: ignore[assignment]
    try:
        with pytest.raises(Interrupted):
            store.write(path, [run(2), run(3)])
    finally:
        store.dumps = real  # type: ignore[assignment]
    assert path.read_bytes() == before
    assert os.listdir(path.parent) == ["b.jsonl"]


# ------------------------------------------------------------------ importing

OPTIONS = importing.Options(
    now=dt.datetime(2026, 11, 25, 12, tzinfo=UTC), zone=importing.zone("UTC")
)


def test_the_generic_csv_layout() -> None:
    found = csv_format.parse(CSV.encode(), OPTIONS)
    assert [where for where, _ in found] == ["line 2", "line 3"]
    first = found[0][1]
    assert first == Run(
        "csv",
        "",
        "r1",
        dt.datetime(2026, 11, 23, 15, tzinfo=UTC),
        dt.datetime(2026, 11, 23, 16, tzinfo=UTC),
        "success",
        420_000_000_000,
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("start,bytes\n2026-11-23T15:00:00Z,1\n", "line 1: a column named 'status'"),
        ("start,status\n2026-11-23T15:00:00Z,ok\n", "line 2, status: one of success"),
        ("start,status\n2026-11-23 15:00,success\n", "line 2, start: the time"),
        ("start,status\n2026-12-23T15:00:00Z,success\n", "line 2: the run starts at"),
        ("start,status,bytes\n2026-11-23T15:00:00Z,success,-5\n", "line 2: a size of -5"),
        (
            "start,status,end\n2026-11-23T15:00:00Z,success,2026-11-23T14:00:00Z\n",
            "line 2: the run ends",
        ),
    ],
)
def test_a_bad_export_is_refused_whole_with_one_line(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = tmp_path / "b.jsonl"
    with pytest.raises(importing.ImportRefused) as caught:
        importing.import_runs(
            csv_format.parse, text.encode(), "runs.csv", OPTIONS, path, "evidence/b.jsonl"
        )
    assert str(caught.value).startswith(f"runs.csv: {expected}")
    assert not path.exists()


def test_an_export_over_the_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    data = CSV.encode() + b"x" * (50 * 2**20)
    with pytest.raises(importing.ImportRefused, match=r"^big.csv: 50\.0 MB, larger than the 32 MB"):
        importing.import_runs(csv_format.parse, data, "big.csv", OPTIONS, tmp_path / "b", "b")


def test_a_time_without_a_zone_takes_the_timezone_given() -> None:
    text = b"start,status\n2026-11-23T15:00:00,success\n"
    sydney = importing.Options(OPTIONS.now, importing.zone("Australia/Sydney"), zone_given=True)
    ((_, found),) = csv_format.parse(text, sydney)
    assert found.start == dt.datetime(2026, 11, 23, 4, tzinfo=UTC)  # AEDT is UTC+11


# ------------------------------------------------------------------ the commands


def test_import_twice_adds_nothing_and_an_overlapping_export_only_the_new_runs(
    tiny: TinyProject,
) -> None:
    tiny.client()
    tiny.write("runs.csv", CSV)
    first = tiny.tripod("import", "csv", "runs.csv", "--client", "acme", "--backup", "pms-image")
    assert first.code == 0, first.err
    assert first.out == f"{EVIDENCE}: 2 runs read, 2 new, 2 kept\n"
    written = (tiny.root / EVIDENCE).read_bytes()
    again = tiny.tripod("import", "csv", "runs.csv", "--client", "acme", "--backup", "pms-image")
    assert again.out == f"{EVIDENCE}: 2 runs read, 0 new, 2 kept\n"
    assert (tiny.root / EVIDENCE).read_bytes() == written
    tiny.write("more.csv", CSV + "2026-11-25T02:00:00+11:00,,failed,,r3\n")
    more = tiny.tripod("import", "csv", "more.csv", "--client", "acme", "--backup", "pms-image")
    assert more.out == f"{EVIDENCE}: 3 runs read, 1 new, 3 kept\n"
    records = [json.loads(line) for line in (tiny.root / EVIDENCE).read_text().splitlines()]
    assert [r["id"] for r in records] == ["r1", "r2", "r3"]
    assert records[2]["start"] == "2026-11-24T15:00:00Z"


def test_a_refused_import_changes_nothing_and_says_so_in_one_line(tiny: TinyProject) -> None:
    tiny.client()
    tiny.write("runs.csv", CSV)
    assert (
        tiny.tripod("import", "csv", "runs.csv", "--client", "acme", "--backup", "pms-image").code
        == 0
    )
    before = (tiny.root / EVIDENCE).read_bytes()
    tiny.write("bad.csv", CSV + "2026-11-25T01:00:00Z,,nope,,r9\n")
    bad = tiny.tripod("import", "csv", "bad.csv", "--client", "acme", "--backup", "pms-image")
    assert bad.code == 1
    assert bad.err == (
        "tripod: bad.csv: line 4, status: one of success, warning, failed, not 'nope'\n"
    )
    assert (tiny.root / EVIDENCE).read_bytes() == before


def test_an_unknown_client_backup_or_copy_is_refused_with_the_known_ones(
    tiny: TinyProject,
) -> None:
    tiny.client()
    tiny.write("runs.csv", CSV)
    args = ("import", "csv", "runs.csv")
    nobody = tiny.tripod(*args, "--client", "nobody", "--backup", "pms-image")
    assert (nobody.code, nobody.err) == (2, "tripod: no client 'nobody'; the clients are: acme\n")
    backup = tiny.tripod(*args, "--client", "acme", "--backup", "tape")
    assert backup.code == 2
    assert (
        backup.err == "tripod: acme has no backup 'tape'; its backups are: pms-image, mail-saas\n"
    )
    copy = tiny.tripod(*args, "--client", "acme", "--backup", "pms-image", "--copy", "3")
    assert copy.code == 2 and "(1 to 2)" in copy.err
    offsite = tiny.tripod(*args, "--client", "acme", "--backup", "pms-image", "--copy", "offsite")
    assert offsite.code == 0, offsite.err
    records = [json.loads(line) for line in (tiny.root / EVIDENCE).read_text().splitlines()]
    assert {r["copy"] for r in records} == {"offsite"}
    assert not (tiny.root / "evidence" / "nobody").exists()


def test_a_broken_evidence_file_is_not_overwritten(tiny: TinyProject) -> None:
    tiny.client()
    tiny.write("runs.csv", CSV)
    tiny.write(EVIDENCE, "not json\n")
    done = tiny.tripod("import", "csv", "runs.csv", "--client", "acme", "--backup", "pms-image")
    assert done.code == 1
    assert done.err.startswith(f"tripod: {EVIDENCE}:1:1: not JSON")
    assert (tiny.root / EVIDENCE).read_text() == "not json\n"


def test_record_test_keeps_the_evidence_file_fingerprint_not_the_file(tiny: TinyProject) -> None:
    tiny.client()
    shot = tiny.write("restore.png", b"\x89PNG pretend")
    done = tiny.tripod(
        "record-test", "acme", "--backup", "pms-image", "--system", "pms", "--result",
        "passed", "--duration", "2h", "--evidence", str(shot), "--date", "2026-11-24",
        "--note", "Restored the practice database to a test VM",
    )  # fmt: skip
    assert done.code == 0, done.err
    (line,) = (tiny.root / EVIDENCE).read_text().splitlines()
    record = json.loads(line)
    assert record == {
        "type": "restore-test",
        "date": "2026-11-24",
        "system": "pms",
        "result": "passed",
        "duration": "2h",
        "note": "Restored the practice database to a test VM",
        "evidence": {
            "name": "restore.png",
            "sha256": hashlib.sha256(shot.read_bytes()).hexdigest(),
        },
    }
    dr = tiny.tripod(
        "record-test", "acme", "--dr", "--scenario", "site-loss", "--measured", "pms=30h",
        "--measured", "mail=3h", "--date", "2026-11-24",
    )  # fmt: skip
    assert dr.code == 0, dr.err
    assert json.loads((tiny.root / "evidence/acme/dr-tests.jsonl").read_text()) == {
        "type": "dr-test",
        "date": "2026-11-24",
        "scenario": "site-loss",
        "measured": {"mail": "3h", "pms": "30h"},
    }
    wrong = tiny.tripod("record-test", "acme", "--backup", "pms-image", "--system", "mail",
                        "--result", "passed")  # fmt: skip
    assert wrong.code == 2 and "pms-image does not back up 'mail'" in wrong.err


def test_two_branches_imports_merge_without_a_conflict(tiny: TinyProject) -> None:
    import subprocess

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", "-c", "user.name=T", "-c", "user.email=t@example.com", *args],
            cwd=tiny.root,
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout

    tiny.client()
    (tiny.root / ".gitattributes").write_text(
        (Path(__file__).parents[1] / ".gitattributes").read_text()
    )
    tiny.write("runs.csv", CSV)
    assert (
        tiny.tripod("import", "csv", "runs.csv", "--client", "acme", "--backup", "pms-image").code
        == 0
    )
    git("init", "-q", "-b", "main")
    git("add", ".")
    git("commit", "-qm", "start")
    for branch, row in (
        ("a", "2026-11-25T01:00:00Z,,success,5,ra\n"),
        ("b", "2026-11-24T20:00:00Z,,failed,,rb\n"),
    ):
        git("checkout", "-q", "-b", branch, "main")
        tiny.write(f"{branch}.csv", CSV + row)
        assert (
            tiny.tripod(
                "import", "csv", f"{branch}.csv", "--client", "acme", "--backup", "pms-image"
            ).code
            == 0
        )
        git("commit", "-qam", branch)
    git("checkout", "-q", "main")
    git("merge", "-q", "a")
    git("merge", "-q", "--no-edit", "b")  # both add a line after the same line: union, no conflict
    records = store.read(tiny.root / EVIDENCE, EVIDENCE)
    assert [r.id for r in records if isinstance(r, Run)] == ["r1", "r2", "rb", "ra"]
