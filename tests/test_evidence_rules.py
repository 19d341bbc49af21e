"""The rules that measure the promise against the evidence, through the real `tripod`.

The base CLIENT (acme) keeps its practice server (RPO 4 h, 420 GB, RTO 72 h)
in the backup `pms-image`, with a local and an offsite copy. Evidence is
written with `tripod import csv` or straight as JSONL (`store.write`); each
rule is pinned at its boundary, as of `--now`.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import CLIENT, PROVIDER, TODAY, TinyProject, with_change
from generator.evidence import store
from generator.evidence.records import DrTest, RestoreTest, Run
from generator.project.layout import Project
from generator.project.record import check_project
from generator.rules.evidence import usual_duration
from generator.rules.registry import RULES

F = "clients/acme.yaml"
PMS_RPO = f"{F}:45:36"  # where the practice server's RPO is written
PMS_DATA = f"{F}:14:44"  # the practice server's declared data
PMS_BACKUP = f"{F}:17:5"  # the backup pms-image
PMS_TEST = f"{F}:26:19"  # its restore_test
EVIDENCE_CODES = {"rpo-breached", "backup-failing", "data-grown", "restore-test-failed"}


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def run(
    start: str,
    minutes: int | None = 30,
    status: str = "success",
    size: int | None = None,
    copy: str | None = None,
) -> Run:
    begin = utc(start)
    end = None if minutes is None else begin + dt.timedelta(minutes=minutes)
    return Run("csv", "", None, begin, end, status, size, copy)  # type: ignore[arg-type]


def evidence(tiny: TinyProject, *records: Run | RestoreTest, backup: str = "pms-image") -> None:
    store.write(store.backup_file(tiny.root, "acme", backup), records)


def lines(tiny: TinyProject, *args: str) -> list[str]:
    """The evidence rules' lines of `tripod check --format json`, as text."""
    done = tiny.tripod("check", "--format", "json", *args)
    assert done.code in (0, 1), done.err
    return [
        f"{f['file']}:{f['line']}:{f['column']}: {f['severity']} {f['code']}: {f['message']}"
        for f in done.json()["findings"]
        if f["code"] in EVIDENCE_CODES | {"evidence-unreadable", "restore-test-overdue"}
        or f["code"] == "dr-test-overdue"
    ]


@pytest.fixture
def acme(tiny: TinyProject) -> TinyProject:
    tiny.client()
    return tiny


# ------------------------------------------------------------------ rpo-breached


def test_rpo_breached_at_rpo_plus_usual_duration_exactly_not_before(acme: TinyProject) -> None:
    # Runs take 30 min: the RPO of 4 h is breached 4 h 30 min after the newest start.
    evidence(acme, run("2026-11-24T22:00:00Z"), run("2026-11-25T02:00:00Z"))
    assert lines(acme, "--now", "2026-11-25T06:30:00Z") == []
    assert lines(acme, "--now", "2026-11-25T06:30:01Z") == [
        f"{PMS_RPO}: error rpo-breached: Practice server: the newest offsite backup started "
        "2026-11-25 02:00, longer ago than its RPO of 4 h (a run usually takes 0.5 h)"
    ]


def test_rpo_breached_through_tripod_import(acme: TinyProject) -> None:
    acme.write(
        "runs.csv",
        "start,end,status,id\n"
        "2026-11-24T02:00:00Z,2026-11-24T02:20:00Z,success,r1\n"
        "2026-11-24T06:00:00Z,,failed,r2\n",
    )
    done = acme.tripod(
        "import", "csv", "runs.csv", "--client", "acme", "--backup", "pms-image", "--copy", "2"
    )
    assert done.code == 0, done.err
    check = acme.tripod("check", "--now", "2026-11-25T02:00:00Z")
    # An operational error: printed as one, but the check still passes without --strict.
    assert check.code == 0, check.out
    assert (
        f"{PMS_RPO}: error rpo-breached: Practice server: the newest offsite backup started "
        "2026-11-24 02:00, longer ago than its RPO of 4 h (a run usually takes 0.3 h)"
    ) in check.out
    assert "hint: check the Practice server backup job" in check.out
    assert acme.tripod("check", "--strict", "--now", "2026-11-25T02:00:00Z").code == 1


def test_a_warning_run_counts_as_success(acme: TinyProject) -> None:
    evidence(acme, run("2026-11-25T02:00:00Z", status="warning"))
    assert lines(acme, "--now", "2026-11-25T06:00:00Z") == []
    evidence(acme, run("2026-11-25T02:00:00Z", status="failed"))
    assert lines(acme, "--now", "2026-11-25T06:00:00Z") == [
        f"{PMS_RPO}: error rpo-breached: Practice server: no successful run proves an offsite "
        "copy (RPO 4 h)"
    ]


@pytest.mark.parametrize(("copy", "breached"), [("local", True), ("1", True), ("offsite", False),
                                                ("2", False), (None, False)])  # fmt: skip
def test_only_a_run_proving_the_offsite_copy_keeps_the_rpo(
    acme: TinyProject, copy: str | None, breached: bool
) -> None:
    evidence(acme, run("2026-11-25T02:00:00Z", copy=copy))
    found = lines(acme, "--now", "2026-11-25T04:00:00Z")
    assert found == (
        [
            f"{PMS_RPO}: error rpo-breached: Practice server: no successful run proves an "
            "offsite copy (RPO 4 h)"
        ]
        if breached
        else []
    )


def test_a_cloud_system_counts_any_copy(acme: TinyProject) -> None:
    # The mail (a cloud system, RPO 4 h) has two offsite copies; the local-only run of a
    # cloud system's backup counts too.
    acme.client(with_change("      - {where: offsite, location: SaaS vendor, immutable: true}\n",
                            "      - {where: local, location: SaaS vendor, immutable: true}\n"))  # fmt: skip
    evidence(acme, run("2026-11-25T02:00:00Z", copy="local"), backup="mail-saas")
    assert lines(acme, "--now", "2026-11-25T06:30:00Z") == []
    assert lines(acme, "--now", "2026-11-25T06:31:00Z") == [
        f"{F}:46:36: error rpo-breached: Hosted mail: the newest backup started 2026-11-25 "
        "02:00, longer ago than its RPO of 4 h (a run usually takes 0.5 h)"
    ]


def test_a_system_without_evidence_is_not_judged(acme: TinyProject) -> None:
    # A restore test alone is no run: the system is not judged on its RPO either.
    evidence(acme, RestoreTest(dt.date(2026, 11, 1), "pms", "passed"))
    assert lines(acme, "--now", "2027-01-01T00:00:00Z") == []


def test_now_and_tripod_now_move_the_moment(
    acme: TinyProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    evidence(acme, run("2026-11-25T02:00:00Z", minutes=None))
    # Without --now: the end of TRIPOD_TODAY (2026-11-25) in UTC, 22 h after the run.
    assert [line.split(": ", 2)[1] for line in lines(acme)] == ["error rpo-breached"]
    assert lines(acme, "--now", "2026-11-25T06:00:00Z") == []
    monkeypatch.setenv("TRIPOD_NOW", "2026-11-25T06:00:00Z")
    assert lines(acme) == []
    monkeypatch.setenv("TRIPOD_NOW", "2026-11-25T06:00:01+00:00")
    assert len(lines(acme)) == 1
    # A run after the moment is not there yet: as of then, the backup had no evidence.
    assert lines(acme, "--now", "2026-11-25T01:00:00Z") == []


def test_the_providers_time_zone_decides_the_end_of_today(acme: TinyProject) -> None:
    # 09:00 UTC is 20:00 in Sydney (UTC+11): the end of 2026-11-25 there is 12:59:59 UTC,
    # 3 h 59 min after the run; in UTC it is 23:59:59, long after.
    evidence(acme, run("2026-11-25T09:00:00Z", minutes=None))
    assert len(lines(acme)) == 1
    acme.write("provider.yaml", PROVIDER + "timezone: Australia/Sydney\n")
    assert lines(acme) == []
    # Times are shown in the provider's zone, and a --now without a zone is read in it.
    assert lines(acme, "--now", "2026-11-26T00:00:01") == [
        f"{PMS_RPO}: error rpo-breached: Practice server: the newest offsite backup started "
        "2026-11-25 20:00, longer ago than its RPO of 4 h"
    ]
    assert lines(acme, "--now", "2026-11-26T00:00:00") == []


@given(st.lists(st.integers(min_value=0, max_value=10**6), max_size=30))
def test_the_usual_duration_is_the_median_of_the_last_ten_known(seconds: list[int]) -> None:
    start = utc("2026-11-01T00:00:00Z")
    runs = [
        Run("t", "", str(i), start + dt.timedelta(days=i), None, "success", None)
        if s % 7 == 3  # now and then a run whose end is unknown
        else Run(
            "t",
            "",
            str(i),
            start + dt.timedelta(days=i),
            start + dt.timedelta(days=i, seconds=s),
            "success",
            None,
        )
        for i, s in enumerate(seconds)
    ]
    known = sorted([s for s in seconds if s % 7 != 3][-10:])
    got = usual_duration(runs)
    if not known:
        assert got == dt.timedelta(0)
        return
    low, high = known[(len(known) - 1) // 2], known[len(known) // 2]
    assert got == dt.timedelta(seconds=low + high) / 2
    assert dt.timedelta(seconds=known[0]) <= got <= dt.timedelta(seconds=known[-1])


# --------------------------------------------------------------- backup-failing


def test_backup_failing_after_three_failed_runs(acme: TinyProject) -> None:
    good = run("2026-11-24T02:00:00Z")
    failed = [run(f"2026-11-24T{h:02}:00:00Z", status="failed") for h in (6, 10, 14)]
    evidence(acme, good, *failed[:2])
    assert "backup-failing" not in "".join(lines(acme, "--now", "2026-11-24T15:00:00Z"))
    evidence(acme, good, *failed)
    assert lines(acme, "--now", "2026-11-24T15:00:00Z") == [
        f"{PMS_BACKUP}: warning backup-failing: Practice server backup: its last 3 runs failed, "
        "the latest started 2026-11-24 14:00; the last successful one started 2026-11-24 02:00",
        f"{PMS_RPO}: error rpo-breached: Practice server: the newest offsite backup started "
        "2026-11-24 02:00, longer ago than its RPO of 4 h (a run usually takes 0.5 h)",
    ]
    evidence(acme, *failed)
    assert lines(acme, "--now", "2026-11-24T15:00:00Z")[0].endswith(
        "the latest started 2026-11-24 14:00; none has succeeded"
    )


# ------------------------------------------------------------------- data-grown


def test_data_grown_over_twenty_percent_only(acme: TinyProject) -> None:
    evidence(acme, run("2026-11-25T02:00:00Z", size=504 * 10**9))  # 420 GB + 20 % exactly
    assert lines(acme, "--now", "2026-11-25T03:00:00Z") == []
    evidence(acme, run("2026-11-25T02:00:00Z", size=504 * 10**9 + 1))
    assert [line.split(": ")[1] for line in lines(acme, "--now", "2026-11-25T03:00:00Z")] == [
        "warning data-grown"
    ]


def test_data_grown_gives_the_estimates_again(acme: TinyProject) -> None:
    evidence(acme, run("2026-11-25T02:00:00Z", size=640 * 10**9))
    assert lines(acme, "--now", "2026-11-25T03:00:00Z") == [
        f"{PMS_DATA}: warning data-grown: Practice server: declared 420 GB, the last backup "
        "protected 640 GB; recovery after a server failure now takes 51.6 h, RTO 3 d still met; "
        "recovery after loss of the site now takes 64.7 h, RTO 3 d still met; recovery after "
        "ransomware now takes 16.7 h, RTO 3 d still met"
    ]
    # Grown far enough, the download after loss of the site no longer fits in the RTO.
    evidence(acme, run("2026-11-25T02:00:00Z", size=2 * 10**12))
    found = lines(acme, "--now", "2026-11-25T03:00:00Z")
    assert "recovery after loss of the site now takes 3 d 11 h, RTO 3 d no longer met" in found[0]


def test_a_run_without_a_size_or_a_failed_one_is_not_measured(acme: TinyProject) -> None:
    evidence(
        acme,
        run("2026-11-24T02:00:00Z", size=900 * 10**9, status="failed"),
        run("2026-11-25T02:00:00Z"),
    )
    assert lines(acme, "--now", "2026-11-25T03:00:00Z") == []


# ---------------------------------------------------- restore tests and DR tests


def test_restore_test_failed_and_a_later_pass(acme: TinyProject) -> None:
    record = ("record-test", "acme", "--backup", "pms-image", "--system", "pms")
    done = acme.tripod(*record, "--result", "failed", "--date", "2026-11-20", "--note", "no boot")
    assert done.code == 0, done.err
    assert lines(acme) == [
        f"{PMS_TEST}: error restore-test-failed: Practice server: the last restore test from "
        "the Practice server backup, on 2026-11-20, failed (no boot)"
    ]
    assert acme.tripod("check").code == 0  # operational: not a failing check
    assert acme.tripod(*record, "--result", "passed", "--date", "2026-11-21").code == 0
    assert lines(acme) == []
    # Before the pass, as of 2026-11-20, the failure was the newest.
    assert len(lines(acme, "--now", "2026-11-20T12:00:00Z")) == 1


def test_an_imported_restore_test_supersedes_the_files_last_date(acme: TinyProject) -> None:
    # The file says 2026-09-14, every 90 days: due 2026-12-13.
    later = dt.date(2026, 12, 20)
    assert acme.tripod("check", today=later).out.count("warning restore-test-overdue") == 1
    evidence(acme, RestoreTest(dt.date(2026, 12, 1), "pms", "failed"))
    out = acme.tripod("check", today=later).out
    assert "restore-test-overdue" not in out
    assert "error restore-test-failed" in out  # any result supersedes the date
    # A test older than the file's date changes nothing.
    evidence(acme, RestoreTest(dt.date(2026, 9, 1), "pms", "passed"))
    assert "restore-test-overdue" in acme.tripod("check", today=later).out


def test_an_imported_dr_test_supersedes_the_files_last_date(acme: TinyProject) -> None:
    # The file says 2026-03-02, every 12 months: due 2027-03-02.
    later = dt.date(2027, 3, 10)
    assert "warning dr-test-overdue" in acme.tripod("check", today=later).out
    done = acme.tripod(
        "record-test", "acme", "--dr", "--scenario", "site-loss", "--measured", "pms=30h",
        "--date", "2027-03-05", today=later,
    )  # fmt: skip
    assert done.code == 0, done.err
    assert "dr-test-overdue" not in acme.tripod("check", today=later).out
    store.write(store.dr_file(acme.root, "acme"), [DrTest(dt.date(2026, 1, 1), "site-loss")])
    assert "warning dr-test-overdue" in acme.tripod("check", today=later).out


# ------------------------------------------------------------ unreadable files


def test_an_unreadable_evidence_file_is_one_line_and_stops_nothing(acme: TinyProject) -> None:
    acme.client(CLIENT.replace("id: acme", "id: other"), "other")
    good = store.dumps([run("2026-11-24T02:00:00Z")]).decode()
    acme.write("evidence/acme/pms-image.jsonl", good + '{"type": "run", oops}\n')
    store.write(store.backup_file(acme.root, "other", "pms-image"), [run("2026-11-24T02:00:00Z")])
    done = acme.tripod("check", "--now", "2026-11-25T02:00:00Z")
    assert done.code == 0, done.out
    found = [
        line
        for line in done.out.splitlines()
        if not line.startswith(("    ", F)) and " accepted " not in line
    ]
    assert found == [
        "clients/other.yaml:45:36: error rpo-breached: Practice server: the newest offsite "
        "backup started 2026-11-24 02:00, longer ago than its RPO of 4 h (a run usually takes 0.5 h)",
        "evidence/acme/pms-image.jsonl:2:17: warning evidence-unreadable: not JSON: Expecting "
        "property name enclosed in double quotes: the file is left out until it is fixed",
    ]
    # Left out whole: acme's backup reads as having no evidence, so it is not judged.
    assert not [
        line for line in done.out.splitlines() if line.startswith(F) and " accepted " not in line
    ]


def test_check_json_carries_the_evidence_findings(acme: TinyProject) -> None:
    evidence(acme, run("2026-11-24T02:00:00Z"))
    acme.write("evidence/acme/dr-tests.jsonl", "not json\n")
    done = acme.tripod("check", "--format", "json", "--now", "2026-11-25T02:00:00Z")
    assert done.code == 0, done.err
    found = {f["code"]: f for f in done.json()["findings"]}
    assert found["rpo-breached"] == {
        "file": F,
        "line": 45,
        "column": 36,
        "code": "rpo-breached",
        "severity": "error",
        "message": "Practice server: the newest offsite backup started 2026-11-24 02:00, "
        "longer ago than its RPO of 4 h (a run usually takes 0.5 h)",
        "hint": "check the Practice server backup job and that its runs reach the offsite "
        "copy, then import newer evidence (tripod import)",
        "client": "acme",
        "system": "pms",
        "scenario": None,
    }
    unreadable = found["evidence-unreadable"]
    assert (unreadable["file"], unreadable["line"], unreadable["column"]) == (
        "evidence/acme/dr-tests.jsonl",
        1,
        1,
    )
    assert unreadable["severity"] == "warning" and unreadable["client"] == "acme"
    assert acme.tripod("check", "--strict", "--now", "2026-11-25T02:00:00Z").code == 1


# ------------------------------------------------ evidence is a record, not terms


def test_evidence_rules_are_operational_and_cannot_be_accepted() -> None:
    for code in [*EVIDENCE_CODES, "evidence-unreadable"]:
        assert RULES[code].operational and not RULES[code].acknowledgeable, code
        assert RULES[code].leg == "backup", code
    operational = {code for code, r in RULES.items() if r.operational}
    assert operational == EVIDENCE_CODES | {
        "evidence-unreadable", "restore-test-overdue", "dr-test-overdue", "bc-review-overdue",
        "renewal-due", "agreement-expired", "countersignature-pending",
    }  # fmt: skip


def test_importing_evidence_changes_no_terms_and_no_issued_version(acme: TinyProject) -> None:
    def fingerprint() -> str:
        return check_project(Project.at(acme.root), ("acme",), TODAY).clients[0].terms.fingerprint

    before = fingerprint()
    issued = acme.issue_terms()
    evidence(
        acme,
        run("2026-11-20T02:00:00Z", size=900 * 10**9),
        RestoreTest(dt.date(2026, 11, 21), "pms", "failed"),
    )
    store.write(store.dr_file(acme.root, "acme"), [DrTest(dt.date(2026, 11, 22), "site-loss")])
    assert fingerprint() == before
    assert (acme.root / "agreements/acme/v1/terms.json").read_bytes() == issued
    done = acme.tripod("check")
    assert "terms-changed" not in done.out
    assert {"rpo-breached", "restore-test-failed", "data-grown"} <= {
        f["code"] for f in acme.tripod("check", "--format", "json").json()["findings"]
    }


def test_evidence_findings_do_not_refuse_issue(tiny_site: TinyProject) -> None:
    tiny_site.client()
    evidence(
        tiny_site,
        run("2026-11-20T02:00:00Z", size=900 * 10**9),
        RestoreTest(dt.date(2026, 11, 21), "pms", "failed"),
    )
    codes = {f["code"] for f in tiny_site.tripod("check", "--format", "json").json()["findings"]}
    assert {"rpo-breached", "restore-test-failed"} <= codes
    done = tiny_site.tripod("issue", "acme", "--now", "2026-11-25T12:00:00Z")
    assert done.code == 0, done.err
    assert (tiny_site.root / "agreements/acme/v1/terms.json").is_file()


def test_an_error_in_the_terms_still_refuses_issue(tiny_site: TinyProject) -> None:
    tiny_site.client(with_change("rto: 72h", "rto: 48h"))
    evidence(tiny_site, RestoreTest(dt.date(2026, 11, 21), "pms", "failed"))
    done = tiny_site.tripod("issue", "acme")
    assert done.code != 0
    assert "rto-unachievable" in done.err and "restore-test-failed" not in done.err


# ---------------------------------------------------------------- the build cache


def _stamps(project: TinyProject) -> dict[str, int]:
    clients = project.root / "site" / "clients"
    return {p.name: (p / "current" / "index.html").stat().st_mtime_ns for p in clients.iterdir()}


def test_an_import_rebuilds_that_clients_current_site_only(tiny_site: TinyProject) -> None:
    tiny_site.client()
    tiny_site.client(CLIENT.replace("id: acme", "id: other"), "other")
    tiny_site.issue_terms("acme")
    assert tiny_site.tripod("build").code == 0
    before = _stamps(tiny_site)
    v1 = tiny_site.root / "site/clients/acme/v1/index.html"
    v1_before = v1.stat().st_mtime_ns
    tiny_site.write(
        "runs.csv", "start,end,status\n2026-11-25T02:00:00Z,2026-11-25T02:30:00Z,success\n"
    )
    imported = tiny_site.tripod(
        "import", "csv", "runs.csv", "--client", "acme", "--backup", "pms-image"
    )
    assert imported.code == 0, imported.err
    done = tiny_site.tripod("build", "--now", "2026-11-25T03:00:00Z")
    assert done.code == 0, done.err
    after = _stamps(tiny_site)
    assert {c for c in before if after[c] != before[c]} == {"acme"}
    assert "built 1 client site (1 version, 1 issued unchanged and kept)" in done.err
    assert v1.stat().st_mtime_ns == v1_before
    # Nothing changed since: nothing is rebuilt.
    again = tiny_site.tripod("build", "--now", "2026-11-25T03:00:00Z")
    assert "built 0 client sites" in again.err, again.err


def test_the_build_passes_its_moment_to_the_site(tiny_site: TinyProject) -> None:
    from generator.build.builder import Builder

    tiny_site.client()
    record = check_project(
        Project.at(tiny_site.root), (), TODAY, utc("2026-11-25T03:00:00Z")
    ).clients[0]
    builder = Builder(Project.at(tiny_site.root), TODAY, utc("2026-11-25T03:00:00Z"))
    data, _ = builder.versions(record)[0]
    assert data.now == utc("2026-11-25T03:00:00Z")
