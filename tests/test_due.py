"""`tripod due` and the build's site/internal/due.ics, through the real command."""

from __future__ import annotations

import datetime as dt
import re
import shutil

import icalendar
import pytest

from conftest import CLIENT, PROVIDER, REPO, TinyProject, with_change


@pytest.fixture(scope="module")
def examples(tmp_path_factory: pytest.TempPathFactory) -> TinyProject:
    """The example project, copied once (never built here: `due` only reads it)."""
    root = tmp_path_factory.mktemp("examples")
    shutil.copy(REPO / "provider.yaml", root / "provider.yaml")
    for name in ("clients", "certs", "agreements", "evidence"):
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, root / name)
    return TinyProject(root)


@pytest.fixture
def acme(tiny: TinyProject) -> TinyProject:
    tiny.write("provider.yaml", PROVIDER)
    tiny.client()
    return tiny


DAY = dt.date(2026, 11, 25)


def test_examples_soonest_first_overdue_first(examples: TinyProject) -> None:
    run = examples.tripod("due", today=DAY)
    assert run.code == 0, run.err
    lines = run.out.splitlines()
    # Harbour Dental's v2 ended on 2026-10-31 and nothing later is issued; Ridgeline's DR
    # test (every 6 months from 2026-05-20) was due on 2026-11-20.
    assert lines[:3] == [
        "2026-10-31  Harbour Dental Group: Agreement v2 ends (ended on 2026-10-31)",
        "2026-11-20  Ridgeline Fabrication: DR test (overdue since 2026-11-20)",
        "2026-12-02  Ridgeline Fabrication: Restore test of the Machine controller "
        "configurations backup",
    ]
    dates = [line.split()[0] for line in lines]
    assert dates == sorted(dates)
    assert sum("overdue since" in line or "ended on" in line for line in lines) == 2
    # The imported restore test of 2026-11-18 supersedes the file's 2026-09-14: due 90 days on.
    assert (
        "2027-02-16  Harbour Dental Group: Restore test of the Practice management server backup"
        in lines
    )
    assert "2027-06-30  Harbour Dental Group: Business continuity plan review" in lines
    assert "2027-03-02  Harbour Dental Group: DR test" in lines


def test_examples_json(examples: TinyProject) -> None:
    run = examples.tripod("due", "--format", "json", today=DAY)
    assert run.code == 0, run.err
    data = run.json()
    assert data["today"] == "2026-11-25"
    first = data["items"][0]
    assert first == {
        "client": "harbour-dental",
        "client_name": "Harbour Dental Group",
        "kind": "renewal",
        "subject": "agreement",
        "what": "Agreement v2 ends",
        "due": "2026-10-31",
        "overdue": True,
        "last": None,
        "version": 2,
        "uid": "renewal.agreement.harbour-dental@tripod",
    }
    pms = next(
        i for i in data["items"] if i["uid"] == "restore-test.pms-image.harbour-dental@tripod"
    )
    assert (pms["last"], pms["due"], pms["overdue"]) == ("2026-11-18", "2027-02-16", False)
    assert [i["overdue"] for i in data["items"]] == sorted(
        (i["overdue"] for i in data["items"]), reverse=True
    )
    uids = [i["uid"] for i in data["items"]]
    assert len(uids) == len(set(uids))


def test_within_limits_but_keeps_overdue(examples: TinyProject) -> None:
    run = examples.tripod("due", "--within", "30d", "--format", "json", today=DAY)
    assert run.code == 0, run.err
    items = run.json()["items"]
    assert [i["due"] for i in items] == [
        "2026-10-31",
        "2026-11-20",
        "2026-12-02",
        "2026-12-03",
        "2026-12-20",
        "2026-12-21",
    ]
    # The bound is inclusive: 2026-12-21 is within 26 days, 2027-01-10 is not within 45.
    days = examples.tripod("due", "--within", "26 days", "--format", "json", today=DAY)
    assert days.json()["items"][-1]["due"] == "2026-12-21"
    days = examples.tripod("due", "--within", "25d", "--format", "json", today=DAY)
    assert days.json()["items"][-1]["due"] == "2026-12-20"


def test_usage_errors_exit_2(examples: TinyProject) -> None:
    run = examples.tripod("due", "--within", "soon", today=DAY)
    assert run.code == 2
    assert run.err.startswith("tripod: --within ") and run.err[-1] == "\n"
    assert examples.tripod("due", "--format", "pdf", today=DAY).code == 2
    assert examples.tripod("due", "--today", "25/11/2026").code == 2


def test_the_day_moves_the_flags(acme: TinyProject) -> None:
    # The mail backup's test (every 180d from 2026-08-01) is due on 2027-01-28.
    def mail(day: dt.date) -> dict:
        items = acme.tripod("due", "--format", "json", today=day).json()["items"]
        return next(i for i in items if i["subject"] == "mail-saas")

    assert mail(dt.date(2027, 1, 27))["overdue"] is False
    assert mail(dt.date(2027, 1, 28))["overdue"] is False  # due today: not yet late
    late = mail(dt.date(2027, 1, 29))
    assert (late["overdue"], late["due"]) == (True, "2027-01-28")
    text = acme.tripod("due", today=dt.date(2027, 1, 29)).out.splitlines()
    assert text[:2] == [
        "2026-12-13  Acme Dental: Restore test of the Practice server backup "
        "(overdue since 2026-12-13)",
        "2027-01-28  Acme Dental: Restore test of the Hosted mail backup "
        "(overdue since 2027-01-28)",
    ]


def test_an_imported_restore_test_moves_the_due_date(acme: TinyProject) -> None:
    day = dt.date(2027, 1, 29)
    before = acme.tripod("due", "--format", "json", today=day).json()["items"]
    assert before[1]["uid"] == "restore-test.mail-saas.acme@tripod" and before[1]["overdue"]
    run = acme.tripod(
        "record-test",
        "acme",
        "--backup",
        "mail-saas",
        "--system",
        "mail",
        "--result",
        "failed",
        "--duration",
        "1h",
        "--note",
        "Mailbox restored",
        "--date",
        "2027-01-20",
        today=day,
    )
    assert run.code == 0, run.err
    after = acme.tripod("due", "--format", "json", today=day).json()["items"]
    mail = next(i for i in after if i["uid"] == "restore-test.mail-saas.acme@tripod")
    assert (mail["last"], mail["due"], mail["overdue"]) == ("2027-01-20", "2027-07-19", False)
    # The overdue rule agrees: the same date arithmetic.
    overdue = [f.message for f in acme.findings(today=day) if f.code == "restore-test-overdue"]
    assert overdue == [
        "the restore test of the Practice server backup was due on 2026-12-13 (every 90 days)"
    ]


def test_never_done_is_due_now(acme: TinyProject) -> None:
    acme.client(with_change("  plan_reviewed: 2026-06-30\n", ""))
    run = acme.tripod("due", today=DAY)
    assert run.code == 0, run.err
    assert run.out.splitlines()[0] == (
        "2026-11-25  Acme Dental: Business continuity plan review (never done)"
    )
    item = acme.tripod("due", "--format", "json", today=DAY).json()["items"][0]
    assert (item["kind"], item["last"], item["overdue"]) == ("bc-review", None, True)


def test_awaiting_signature_and_renewal(acme: TinyProject) -> None:
    acme.issue_terms()
    acme.write("agreements/acme/v1/agreement-signed.pdf", b"%PDF-1.7 stand-in")
    items = acme.tripod("due", "--format", "json", today=DAY).json()["items"]
    kinds = {i["kind"]: i for i in items}
    sign = kinds["countersignature"]
    assert (sign["what"], sign["due"], sign["overdue"]) == (
        "Agreement v1 awaits the client's signature",
        "2026-11-01",
        True,
    )
    assert sign["uid"] == "countersignature.agreement.acme@tripod"
    # Where the signed PDF says when the provider signed, the client's signature is due
    # 30 days later, the day countersignature-pending would speak up.
    acme.write(
        "agreements/acme/v1/agreement-signed.pdf",
        b"%PDF-1.7 stand-in /ByteRange [0 1 2 3] /M (D:20261110093000Z)",
    )
    items = acme.tripod("due", "--format", "json", today=DAY).json()["items"]
    sign = {i["kind"]: i for i in items}["countersignature"]
    assert (sign["due"], sign["overdue"]) == ("2026-12-10", False)
    ends = kinds["renewal"]
    assert (ends["what"], ends["due"], ends["overdue"]) == (
        "Agreement v1 ends",
        "2027-10-31",
        False,
    )
    acme.write("agreements/acme/v1/agreement-executed.pdf", b"%PDF-1.7 stand-in")
    items = acme.tripod("due", "--format", "json", today=DAY).json()["items"]
    assert "countersignature" not in {i["kind"] for i in items}
    # Nothing issued: no agreement items at all.
    assert "renewal" in {i["kind"] for i in items}


def test_no_agreement_items_before_issuing(acme: TinyProject) -> None:
    items = acme.tripod("due", "--format", "json", today=DAY).json()["items"]
    assert {i["kind"] for i in items} == {"restore-test", "dr-test", "bc-review"}


def _events(data: bytes) -> list[icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(data)
    return list(calendar.walk("VEVENT"))


def test_ics_from_the_command_parses(examples: TinyProject) -> None:
    run = examples.tripod("due", "--format", "ics", today=DAY)
    assert run.code == 0, run.err
    events = _events(run.out.encode())
    count = len(examples.tripod("due", today=DAY).out.splitlines())
    assert len(events) == count == 16
    uids = [str(e["UID"]) for e in events]
    assert len(set(uids)) == len(uids)
    first = events[0]
    assert str(first["SUMMARY"]) == "Harbour Dental Group: Agreement v2 ends"
    assert first.decoded("DTSTART") == dt.date(2026, 10, 31)
    assert first.decoded("DTEND") == dt.date(2026, 11, 1)
    assert first.decoded("DTSTAMP") == dt.datetime(2026, 11, 25, tzinfo=dt.UTC)
    pms = next(e for e in events if str(e["UID"]) == "restore-test.pms-image.harbour-dental@tripod")
    assert pms.decoded("DTSTART") == dt.date(2027, 2, 16)
    assert "last done on 2026-11-18" in str(pms["DESCRIPTION"])


def test_build_writes_the_same_calendar_and_links_it(acme: TinyProject) -> None:
    ics = acme.root / "site" / "internal" / "due.ics"
    run = acme.tripod("build", today=DAY)
    assert run.code == 0, run.err
    first = ics.read_bytes()
    assert first == acme.tripod("due", "--format", "ics", today=DAY).out.encode()
    events = _events(first)
    assert sorted(str(e["UID"]) for e in events) == [
        "bc-review.business-continuity.acme@tripod",
        "dr-test.disaster-recovery.acme@tripod",
        "restore-test.mail-saas.acme@tripod",
        "restore-test.pms-image.acme@tripod",
    ]
    index = (acme.root / "site" / "internal" / "index.html").read_text("utf-8")
    assert re.search(r'<a href="due\.ics">due\.ics</a>', index)
    # Same inputs, same day: the same bytes (DTSTAMP is the build date, not the clock).
    acme.write("clients/acme.yaml", CLIENT + "\n")  # touch: a rebuild, not a cached site
    assert acme.tripod("build", today=DAY).code == 0
    assert ics.read_bytes() == first


def test_unloadable_client_left_out_and_clients_named(acme: TinyProject) -> None:
    acme.client("id: broken\nname: [\n", "broken")
    run = acme.tripod("due", today=DAY)
    assert run.code == 0
    assert run.err == "tripod: clients/broken.yaml cannot be loaded: left out\n"
    assert all("Acme Dental" in line for line in run.out.splitlines())
    named = acme.tripod("due", "acme", "--format", "json", today=DAY)
    assert (named.code, named.err) == (0, "")
    assert {i["client"] for i in named.json()["items"]} == {"acme"}
