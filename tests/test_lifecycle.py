"""The agreement's lifecycle: each state and each rule on the day before, on and after
each boundary, and the same words on the banner, the agreement page and the dashboard."""

from __future__ import annotations

import datetime as dt
import html
import shutil
from pathlib import Path

import pytest
from helpers import dashboard_table

from conftest import PROVIDER, REPO, TinyProject, read_page
from generator.terms.lifecycle import Version, lifecycle

D = dt.date.fromisoformat
DAY = dt.timedelta(days=1)
CODES = ("renewal-due", "agreement-expired", "countersignature-pending")


# ------------------------------------------------------------------ the states


def test_an_executed_version_is_in_force_from_its_effective_date_to_its_last_day() -> None:
    v1 = Version(1, D("2026-11-01"), D("2027-10-31"), executed=True)
    for day, state, sentence in (
        (
            "2026-10-31",
            "executed",
            "Agreement version 1 takes effect on 2026-11-01; until then no version is in force.",
        ),
        (
            "2026-11-01",
            "in force",
            "Agreement version 1 is in force (signed by both parties) until 2027-10-31.",
        ),
        (
            "2027-10-31",
            "in force",
            "Agreement version 1 is in force (signed by both parties) until 2027-10-31.",
        ),
        ("2027-11-01", "executed", "The agreement ended on 2027-10-31: no version is in force."),
    ):
        life = lifecycle([v1], D(day))
        assert (life.versions[0].state, life.sentence) == (state, sentence), day


def test_a_later_executed_version_ends_the_earlier_on_its_effective_date() -> None:
    v2 = Version(2, D("2025-11-01"), D("2026-10-31"), executed=True)
    v3 = Version(3, D("2026-10-01"), D("2027-09-30"), executed=True)
    before = lifecycle([v2, v3], D("2026-09-30"))
    assert before.sentence == (
        "Agreement version 3 takes effect on 2026-10-01; until then version 2 is in force "
        "(signed by both parties)."
    )
    on = lifecycle([v2, v3], D("2026-10-01"))
    assert on.in_force is not None and on.in_force.number == 3
    assert on.versions[0].words == "executed, superseded by version 3 on 2026-10-01"


def test_a_future_version_is_not_in_force_and_a_gap_reads_ended() -> None:
    v2 = Version(2, D("2025-11-01"), D("2026-10-31"), executed=True)
    v3 = Version(3, D("2026-12-01"), D("2027-11-30"), executed=True)
    life = lifecycle([v2, v3], D("2026-11-27"))
    assert life.in_force is None
    assert life.sentence == (
        "The agreement ended on 2026-10-31: no version is in force. "
        "Version 3 takes effect on 2026-12-01."
    )
    assert lifecycle([v2, v3], D("2026-12-01")).sentence == (
        "Agreement version 3 is in force (signed by both parties) until 2027-11-30."
    )


def test_awaiting_never_executed_and_the_issue_date() -> None:
    v1 = Version(1, D("2026-11-01"), D("2027-10-31"), executed=False, signed_on=D("2026-11-02"))
    life = lifecycle([v1], D("2027-10-31"))
    assert life.versions[0].state == "awaiting the client's signature"
    assert life.sentence == (
        "No version of the agreement is in force: none is signed by both parties. "
        "Version 1 awaits the client's signature (issued 2026-11-02)."
    )
    ended = lifecycle([v1], D("2027-11-01"))
    assert ended.versions[0].words == "never executed (its term ended on 2027-10-31)"
    assert ended.awaiting is None
    v2 = Version(2, D("2026-12-01"), D("2027-11-30"), executed=False, signed_on=D("2026-11-20"))
    replaced = lifecycle([v1, v2], D("2026-11-25"))
    assert replaced.versions[0].words == "never executed (replaced by version 2)"
    assert replaced.awaiting is not None and replaced.awaiting.number == 2
    assert lifecycle([], D("2026-11-25")).sentence == "No agreement has been issued yet."


# ------------------------------------------------------------------ the rules, through `check`

SIGNED = b"%PDF-1.7\n1 0 obj << /ByteRange [0 1 2 3] /Type /Sig /M (D\\07220261102093000Z) >>\n"


def _project(tiny: TinyProject, executed: bool) -> TinyProject:
    tiny.client()
    tiny.issue_terms()
    tiny.write("agreements/acme/v1/agreement-signed.pdf", SIGNED)
    if executed:
        tiny.write("agreements/acme/v1/agreement-executed.pdf", SIGNED)
    return tiny


def _found(tiny: TinyProject, day: str, *more: str) -> list[str]:
    run = tiny.tripod("check", "--format", "json", *more, today=D(day))
    return [f"{f['code']}@{f['line']}" for f in run.json()["findings"] if f["code"] in CODES]


@pytest.mark.parametrize(
    ("day", "found"),
    [
        ("2026-11-25", []),
        ("2027-08-31", []),  # 61 days before the last day
        ("2027-09-01", ["renewal-due@9"]),  # 60 days before
        ("2027-09-02", ["renewal-due@9"]),
        ("2027-10-31", ["renewal-due@9"]),  # the last day
        ("2027-11-01", ["agreement-expired@9"]),
        ("2027-11-02", ["agreement-expired@9"]),
    ],
)
def test_renewal_due_then_agreement_expired(tiny: TinyProject, day: str, found: list[str]) -> None:
    assert _found(_project(tiny, executed=True), day) == found


@pytest.mark.parametrize(
    ("day", "found"),
    [
        ("2026-12-01", []),  # 29 days after the provider signed
        ("2026-12-02", []),  # 30 days
        ("2026-12-03", ["countersignature-pending@9"]),  # over 30
    ],
)
def test_countersignature_pending_over_30_days(
    tiny: TinyProject, day: str, found: list[str]
) -> None:
    assert _found(_project(tiny, executed=False), day) == found


def test_lifecycle_findings_fail_check_only_under_strict(tiny: TinyProject) -> None:
    _project(tiny, executed=True)
    run = tiny.tripod("check", today=D("2027-11-01"))
    assert run.code == 0, run.out + run.err
    assert (
        "clients/acme.yaml:9:12: error agreement-expired: the agreement ended on 2027-10-31: "
        "no version is in force" in run.out + run.err
    )
    assert "set agreement.version: 2, then issue it with tripod issue" in run.out + run.err
    assert tiny.tripod("check", "--strict", today=D("2027-11-01")).code == 1


def test_lifecycle_rules_cannot_be_acknowledged(tiny: TinyProject) -> None:
    from generator.rules.registry import RULES, acknowledgeable

    for code in CODES:
        assert RULES[code].operational and code not in acknowledgeable()


# ------------------------------------------------------------------ the example clients


def _examples(root: Path) -> TinyProject:
    root.mkdir()
    shutil.copy(REPO / "provider.yaml", root / "provider.yaml")
    for name in ("clients", "certs", "evidence", "agreements"):
        shutil.copytree(REPO / name, root / name)
    return TinyProject(root)


def _text(path: Path) -> str:
    return read_page(path.read_text("utf-8")).text


ENDED = "The agreement ended on 2026-10-31: no version is in force."


def test_harbour_dentals_ended_v2_is_caught_and_said_the_same_everywhere(tmp_path: Path) -> None:
    project = _examples(tmp_path / "a")
    day = D("2026-11-25")
    run = project.tripod("check", "harbour-dental", "--strict", today=day)
    assert run.code == 1
    assert (
        "clients/harbour-dental.yaml:12:12: error agreement-expired: the agreement ended on "
        "2026-10-31: no version is in force" in run.out + run.err
    )
    assert project.tripod("build", today=day).code == 0
    site = project.root / "site"
    current = site / "clients" / "harbour-dental" / "current"
    banner = _text(current / "index.html")
    assert f"{ENDED} The terms below are the draft of version 3, not yet issued." in banner
    page = _text(current / "agreement" / "index.html")
    assert f"Issued versions {ENDED} Version Effective State" in page
    assert "2 2025-11-01 executed, ended on 2026-10-31" in page
    # The dashboard's table says it in a word, with the sentence on hovering; each client's
    # details say the sentence.
    page = (site / "internal" / "index.html").read_text("utf-8")
    assert dashboard_table(page)["Harbour Dental Group"]["Agreement"] == "ended"
    assert f'title="{ENDED}"' in html.unescape(page)
    details = _text(site / "internal" / "findings" / "index.html")
    assert f"{ENDED} The file's terms differ from the newest issued version (draft v3)." in details
    # On its last day, the same three places say it is in force. (The other two examples
    # record tests after that day, so on it their files cannot be loaded: exit 1.)
    before = _examples(tmp_path / "b")
    assert before.tripod("build", today=D("2026-10-31")).code == 1
    in_force = "Agreement version 2 is in force (signed by both parties) until 2026-10-31."
    b_site = before.root / "site"
    b_current = b_site / "clients" / "harbour-dental" / "current"
    assert _text(b_current / "index.html").startswith(
        f"Harbour Dental Group Skip to content {in_force}"
    )
    assert f"Issued versions {in_force}" in _text(b_current / "agreement" / "index.html")
    assert in_force in _text(b_site / "internal" / "findings" / "index.html")
    # The day after, it has ended.
    after = _examples(tmp_path / "c")
    after.tripod("build", "harbour-dental", today=D("2026-11-01"))
    a_current = after.root / "site" / "clients" / "harbour-dental" / "current"
    assert ENDED in _text(a_current / "index.html")


def test_an_ended_agreement_does_not_stop_issuing_the_renewal(tmp_path: Path) -> None:
    project = _examples(tmp_path / "a")
    day = D("2026-11-25")
    check = project.tripod("check", "harbour-dental", today=day)
    assert "error agreement-expired" in check.out
    issued = project.tripod("issue", "harbour-dental", today=day)
    assert issued.code == 0, issued.err
    assert issued.out.startswith("issued agreements/harbour-dental/v3/")
    # v3 (effective 2026-11-01) now awaits the client's signature; v2 still ended.
    after = project.tripod("check", "harbour-dental", today=day)
    assert "error agreement-expired: the agreement ended on 2026-10-31" in after.out


def test_issued_versions_sites_do_not_change_with_the_date(tmp_path: Path) -> None:
    pages = {}
    for name, day in (("a", "2026-11-25"), ("b", "2027-02-15")):
        project = _examples(tmp_path / name)
        assert project.tripod("build", today=D(day)).code == 0
        v2 = project.root / "site" / "clients" / "harbour-dental" / "v2"
        pages[name] = {
            p.relative_to(v2): p.read_bytes()
            for p in sorted(v2.rglob("*.html"))
            if "sitemap" not in p.name
        }
    assert pages["a"] and pages["a"] == pages["b"]


# ------------------------------------------------------------------ the draft PDF


@pytest.mark.slow
def test_the_draft_pdf_does_not_depend_on_the_date(tmp_path: Path) -> None:
    """Built on two days, the same terms give byte-identical drafts (carrying only DRAFT)."""
    found = []
    for name, day in (("a", "2026-11-25"), ("b", "2027-03-01")):
        project = TinyProject(tmp_path / name)
        project.write("provider.yaml", PROVIDER)
        project.client()
        assert project.tripod("build", "--jobs", "1", today=D(day)).code == 0
        found.append((project.root / "site/clients/acme/current/agreement-draft.pdf").read_bytes())
    assert found[0].startswith(b"%PDF-")
    assert found[0] == found[1]
