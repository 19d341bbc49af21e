"""What a reader sees of the evidence: each backup's "Backup health" on the client's backups
page (the last good run, the last run, the last restore test, a chart of 60 days of runs)
and the stale and failing backups on the provider's dashboard, through `tripod build`."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from helpers import dashboard_table

from conftest import CLIENT, TODAY, TinyProject, read_page, with_change
from generator.evidence import store
from generator.evidence.records import EvidenceFile, Record, RestoreTest, Run

SHA = "3f1c9a7be2d04c55a1b8e6f09d2c7a4b5e6f708192a3b4c5d6e7f8091a2b3c4d"
NOTE = "Restored <script>alert(1)</script> *all* [files](javascript:x)"
TOOL = "restic <b>bold</b>"
NO_EVIDENCE = "No evidence imported yet: the schedule above is what was agreed, not what ran."


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def run(start: str, status: str = "success", size: int | None = None, tool: str = "restic") -> Run:
    return Run(tool, "s3:backups/acme", None, at(start), None, status, size)  # type: ignore[arg-type]


# The practice server's image, every 4 h; the build is at the end of TODAY (2026-11-25, UTC).
PMS: list[Record] = [
    run("2026-08-01T02:00:00", size=400 * 10**9),  # older than 60 days: in no chart
    run("2026-10-01T02:00:00", size=500 * 10**9),
    run("2026-11-20T02:00:00", "warning", 600 * 10**9),
    run("2026-11-24T21:00:00", size=640 * 10**9, tool=TOOL),
    run("2026-11-25T02:00:00", "failed"),
    run("2026-11-26T02:00:00"),  # after the build's moment: not yet, as of the page
    RestoreTest(
        dt.date(2026, 11, 10),
        "pms",
        "passed",
        "2h",
        NOTE,
        EvidenceFile("screen <1>.png", SHA),
    ),
]


def built(project: TinyProject, *args: str, today: dt.date = TODAY) -> TinyProject:
    result = project.tripod("build", *args, today=today)
    assert result.code == 0, result.err
    return project


def page(project: TinyProject, client: str = "acme") -> str:
    return (project.root / "site/clients" / client / "current/backups/index.html").read_text()


def words(html: str) -> str:
    """What a reader reads in the page's article (the navigation left out)."""
    found = re.search(r'<article class="md-content__inner.*?</article>', html, re.S)
    return re.sub(r" ([,.:;])", r"\1", read_page(found[0] if found else html).text)


def dashboard(project: TinyProject) -> str:
    return words((project.root / "site/internal/index.html").read_text())


def health(html: str, name: str) -> str:
    """The words of one backup's section, from its heading to the next one's."""
    for section in re.split(r"(?=<h2 )", html):
        if re.match(rf"<h2 [^>]*>{re.escape(name)}", section):
            return words(section)
    raise AssertionError(f"no section {name!r}")


def with_pms(project: TinyProject) -> TinyProject:
    project.client()
    store.write(store.backup_file(project.root, "acme", "pms-image"), PMS)
    return project


def test_the_backups_page_shows_what_ran(tiny_site: TinyProject) -> None:
    html = page(built(with_pms(tiny_site)))
    text = health(html, "Practice server backup")
    assert "Backup health" in text
    assert "up to 2026-11-25, the day this page was built (times in UTC)" in text
    assert "Last good run: 2026-11-24 21:00" in text
    assert "Last run: 2026-11-25 02:00, failed" in text
    assert "Size protected: 640 GB on 2026-11-24 21:00" in text
    assert "Last restore test: 2026-11-10, Practice server: passed, took 2 h." in text
    # The evidence file by its name and fingerprint; the full SHA-256 in the title.
    assert "Evidence of the test: screen <1>.png, SHA-256 3f1c9a7be2d0…" in text
    assert f'<code title="SHA-256 {SHA}">3f1c9a7be2d0…</code>' in html
    assert "State: Healthy" in text
    assert NO_EVIDENCE not in text
    # The mail backup has no evidence: the page says so instead of inventing health.
    assert NO_EVIDENCE in health(html, "Hosted mail backup")


def test_a_warning_reads_as_succeeded_with_warnings(tiny_site: TinyProject) -> None:
    tiny_site.client()
    records = [run("2026-11-25T10:00:00", "warning", 10**12)]
    store.write(store.backup_file(tiny_site.root, "acme", "pms-image"), records)
    text = health(page(built(tiny_site)), "Practice server backup")
    assert "Last run: 2026-11-25 10:00, succeeded with warnings" in text
    assert "Last good run: 2026-11-25 10:00" in text
    assert "Last restore test: none imported" in text


def test_the_chart_has_one_mark_per_run_of_the_last_60_days(tiny_site: TinyProject) -> None:
    html = page(built(with_pms(tiny_site)))
    charts = re.findall(r'<svg class="tripod-chart tripod-runs".*?</svg>', html, re.S)
    assert len(charts) == 1  # the mail backup has no runs: no chart
    marks = re.findall(r'<(circle|path) class="run (\w+)"[^>]*><title>(.*?)</title>', charts[0])
    # 1 Oct, 20 Nov, 24 Nov and 25 Nov; not 1 Aug (too old), nor 26 Nov (after the build).
    assert [(status, read_page(title).text) for _, status, title in marks] == [
        ("success", "2026-10-01 02:00: succeeded, 500 GB protected (restic, s3:backups/acme)"),
        ("success", f"2026-11-24 21:00: succeeded, 640 GB protected ({TOOL}, s3:backups/acme)"),
        (
            "warning",
            "2026-11-20 02:00: succeeded with warnings, 600 GB protected (restic, s3:backups/acme)",
        ),
        ("failed", "2026-11-25 02:00: failed (restic, s3:backups/acme)"),
    ]
    # Each result in words and with a shape of its own, not by colour alone.
    legend = read_page(charts[0]).text
    for said in ("Succeeded", "With warnings", "Failed", "Succeeded with warnings"):
        assert said in legend
    assert "Size protected" in legend and "Declared in the agreement" in legend
    assert "<script" not in charts[0] and "href" not in charts[0]


def test_the_chart_ends_at_the_build_not_at_the_clock(tiny_site: TinyProject) -> None:
    with_pms(tiny_site)
    html = page(built(tiny_site, today=dt.date(2026, 10, 5)))
    chart = re.search(r'<svg class="tripod-chart tripod-runs".*?</svg>', html, re.S)
    assert chart is not None
    # As of 5 October only the run of 1 October (and 1 August, too old) had happened.
    assert len(re.findall(r'class="run ', chart[0])) == 1
    assert "Last run: 2026-10-01 02:00" in words(html)


def test_text_from_evidence_stays_text(tiny_site: TinyProject) -> None:
    html = page(built(with_pms(tiny_site)))
    assert "<b>bold</b>" not in html and "<script>alert" not in html
    assert "javascript:" not in html.replace("&#", "")
    text = words(html)
    assert f"Note: {NOTE}" in text
    assert TOOL in read_page(html).text


def test_the_last_good_run_and_staleness_move_with_the_build_day(tiny_site: TinyProject) -> None:
    with_pms(tiny_site)
    for today, said in (
        (dt.date(2026, 11, 25), "2026-11-24 21:00"),
        # A day later the run of 26 November has happened: it is the last good one.
        (dt.date(2026, 11, 26), "2026-11-26 02:00"),
        (dt.date(2026, 12, 3), "2026-11-26 02:00"),
    ):
        # A fresh site each time: the page is rebuilt as of that day.
        shutil_rmtree(tiny_site.root / "site")
        text = health(page(built(tiny_site, today=today)), "Practice server backup")
        assert f"Last good run: {said}" in text, today
    assert "Stale: no successful run since 2026-11-26 02:00 (it runs every 4 h)" in text


def shutil_rmtree(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)


def test_a_failed_restore_test_is_said(tiny_site: TinyProject) -> None:
    tiny_site.client()
    records: list[Record] = [
        run("2026-11-25T20:00:00"),
        RestoreTest(dt.date(2026, 11, 21), "pms", "failed", None, None, None),
    ]
    store.write(store.backup_file(tiny_site.root, "acme", "pms-image"), records)
    text = health(page(built(tiny_site)), "Practice server backup")
    assert "State: Its last restore test failed." in text
    assert "Last restore test: 2026-11-21, Practice server: failed" in text
    assert "Evidence of the test" not in text


BAYSIDE = with_change("id: acme\nname: Acme Dental\n", "id: bayside\nname: Bayside Smiles\n")


def test_the_dashboard_lists_stale_and_failing_backups(tiny_site: TinyProject) -> None:
    with_pms(tiny_site)  # healthy: its last good run is 26 h old, it runs every 4 h
    tiny_site.client(BAYSIDE, "bayside")
    store.write(
        store.backup_file(tiny_site.root, "bayside", "pms-image"),
        [run("2026-11-10T02:00:00"), run("2026-11-20T02:00:00")],  # stale since 20 Nov
    )
    store.write(
        store.backup_file(tiny_site.root, "bayside", "mail-saas"),
        [
            run("2026-11-25T10:00:00"),
            *(run(f"2026-11-25T{h}:00:00", "failed") for h in (11, 12, 13)),
        ],
    )
    built(tiny_site)
    page = (tiny_site.root / "site/internal/index.html").read_text("utf-8")
    rows = dashboard_table(page)
    assert (rows["Bayside Smiles"]["Backups"], rows["Acme Dental"]["Backups"]) == (
        "stale",
        "partial",
    )
    text = words(page)
    assert "2 with stale or failing backups" not in text  # one client, two of its backups
    assert "1 with stale or failing backups" in text
    # The most urgent of its backups first, with the date it began, then how many more.
    assert (
        "Bayside Smiles: Practice server backup: stale: no successful run since 2026-11-20 02:00 "
        "(it runs every 4 h) and 1 more"
    ) in text
    findings = words((tiny_site.root / "site/internal/findings/index.html").read_text("utf-8"))
    assert (
        "Hosted mail backup: failing: its last 3 runs failed (since 2026-11-25 11:00)" in findings
    )


def test_the_dashboard_says_none_when_all_is_well(tiny_site: TinyProject) -> None:
    tiny_site.client()
    records = [run("2026-11-25T20:00:00")]
    for backup in ("pms-image", "mail-saas"):
        store.write(store.backup_file(tiny_site.root, "acme", backup), records)
    page = (built(tiny_site).root / "site/internal/index.html").read_text("utf-8")
    assert dashboard_table(page)["Acme Dental"]["Backups"] == "healthy"
    text = words(page)
    assert "as of 2026-11-25 23:59 (UTC time)" in text
    assert "0 with stale or failing backups 0 with backups without evidence" in text


def test_times_are_in_the_providers_time_zone(tiny_site: TinyProject) -> None:
    with_pms(tiny_site)
    provider = (tiny_site.root / "provider.yaml").read_text()
    tiny_site.write("provider.yaml", provider + "timezone: Australia/Sydney\n")
    text = health(page(built(tiny_site)), "Practice server backup")
    # 21:00 UTC on 24 Nov is 08:00 in Sydney (AEDT, +11) on the 25th; the build is the end
    # of 25 November there, 23:59 AEDT.
    assert "up to 2026-11-25, the day this page was built (times in Australia/Sydney time)" in text
    assert "Last good run: 2026-11-25 08:00" in text


def test_a_client_file_without_evidence_reads_no_evidence(tiny_site: TinyProject) -> None:
    tiny_site.client(CLIENT)
    html = page(built(tiny_site))
    assert words(html).count(NO_EVIDENCE) == 2
    assert "tripod-runs" not in html


def test_a_later_build_the_same_day_rebuilds_only_what_its_moment_changes(
    tiny_site: TinyProject,
) -> None:
    # The practice server runs every 4 h: its last good run, 02:00 on 25 November, goes
    # stale a day and 4 h later. A page shows the day and what is wrong since when, so
    # a build later the same day rebuilds nothing until something it shows changes.
    tiny_site.client()
    store.write(
        store.backup_file(tiny_site.root, "acme", "pms-image"),
        [run("2026-11-25T02:00:00", "success", 10**11)],
    )
    store.write(
        store.backup_file(tiny_site.root, "acme", "mail-saas"),
        [run("2026-11-25T02:00:00", "success", 10**9)],
    )

    def build(moment: str) -> str:
        done = tiny_site.tripod("build", "--now", moment, today=None)
        assert done.code == 0, done.err
        return done.err

    assert "built 1 client site" in build("2026-11-25T09:00:00Z")
    # Later that day: the RPO finding says the same, the page shows the same.
    assert "built 0 client sites" in build("2026-11-25T10:00:00Z")
    # The next day the chart ends a day later: rebuilt.
    assert "built 1 client site" in build("2026-11-26T01:00:00Z")
    assert "built 0 client sites" in build("2026-11-26T02:00:00Z")
    # 06:00 on the 26th: a day and 4 h after the last good run, the backup is stale.
    assert "built 1 client site" in build("2026-11-26T06:30:00Z")
    text = health(page(tiny_site), "Practice server backup")
    assert "Stale: no successful run since 2026-11-25 02:00 (it runs every 4 h)" in text
