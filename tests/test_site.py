"""Client sites and the dashboard, built by the real `tripod build` and read as a person would."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import shutil
import time
from pathlib import Path

import pytest
from helpers import dashboard_table, in_order

from conftest import CLIENT, REPO, TODAY, TinyProject, own_mkdocs_yml, read_page, with_change
from generator import DEFAULTS
from generator.format.load import load_client, load_provider
from generator.render import environment
from generator.rules.registry import RULES, leg_of
from generator.site.pages import PAGES, SiteData, VersionInfo, write_pages

EXAMPLES = ("harbour-dental", "lawson-reid", "ridgeline-fabrication")


def page_text(path: Path) -> str:
    """What a person reads on the page: its text, whitespace collapsed."""
    return read_page(path.read_text("utf-8")).text


@pytest.fixture(scope="module")
def examples(tmp_path_factory: pytest.TempPathFactory) -> TinyProject:
    """The example project, copied and built once."""
    root = tmp_path_factory.mktemp("examples")
    for name in ("provider.yaml",):
        shutil.copy(REPO / name, root / name)
    for name in ("clients", "certs", "evidence"):
        shutil.copytree(REPO / name, root / name)
    if (REPO / "agreements").is_dir():
        shutil.copytree(REPO / "agreements", root / "agreements")
    project = TinyProject(root)
    run = project.tripod("build")
    assert run.code == 0, run.err
    assert re.fullmatch(
        r"built 3 client sites \(\d+ versions?\) and the dashboard in [0-9.]+ s\n", run.err
    ), run.err
    return project


def site(project: TinyProject, client: str, page: str = "", version: str = "current") -> Path:
    return project.root / "site" / "clients" / client / version / page / "index.html"


def test_every_page_exists_in_every_example(examples: TinyProject) -> None:
    for client in EXAMPLES:
        folder = examples.root / "site" / "clients" / client
        assert json.loads((folder / "versions.json").read_text())[0]["version"] == "current"
        assert "url=latest/" in (folder / "index.html").read_text()
        for _, name in PAGES:
            page = name.removesuffix(".md").replace("index", "")
            assert site(examples, client, page).is_file(), (client, page)
            assert (
                site(examples, client, page, "latest").read_bytes()
                == site(examples, client, page).read_bytes()
            )


def test_overview_shows_the_three_legs_with_reasons(examples: TinyProject) -> None:
    text = page_text(site(examples, "harbour-dental"))
    assert (
        "Backup: in place Every system is backed up with a copy that survives each disaster "
        "covered, or deliberately excluded" in text
    )
    # Which limitation the client accepted, said in place.
    assert (
        "Disaster recovery: needs attention In place; a limitation the client accepted: "
        "Microsoft 365 mail: RPO 4 h, but after ransomware it is restored from backups made "
        "every 24 h (and 1 more accepted limitation)" in text
    )
    assert "Business continuity: in place" in text
    assert (
        "CCTV recorder 2 TB Can wait On the premises Excluded: Footage is not worth keeping" in text
    )
    html = site(examples, "harbour-dental").read_text()
    assert html.count('class="admonition success"') == 2
    assert html.count('class="admonition warning"') == 1


def test_a_client_with_errors_gets_its_site_with_the_findings_shown(tiny_site: TinyProject) -> None:
    tiny_site.client(with_change("  owner: maria\n", ""))
    run = tiny_site.tripod("build")
    assert run.code == 0, run.err
    text = page_text(site(tiny_site, "acme"))
    assert "Business continuity: not standing Business continuity has no owner" in text
    assert "Problem Business continuity has no owner: someone must own it" in text
    assert 'class="admonition danger"' in site(tiny_site, "acme").read_text()


def test_disaster_recovery_page_gives_the_breakdown_as_table_and_chart(
    examples: TinyProject,
) -> None:
    path = site(examples, "lawson-reid", "disaster-recovery")
    text = page_text(path)
    # DMS: 3 d hardware + 1.5 TB over 100 Mbps (33.3 h) + 3 h restore + 8 h + 4 h = 120.3 h.
    assert "3 Document management server 24 h 24 h 7 d 5 d misses the RTO: accepted gap" in text
    assert (
        "Document management server 3 d 33.3 h (after" not in text
    )  # cloud systems do not share the link
    assert "Document management server 3 d 33.3 h 3 h 8 h 4 h 5 d" in text
    # The archive waits for the DMS on the link: (1.5 + 3) TB over 100 Mbps = 100 h.
    assert (
        "Scanned files archive 3 d 4 d 4 h (after Document management server) 6 h 8 h 4 h 7 d 22 h"
        in text
    )
    # One chart per scenario, in the order of the tabs: loss of the site is the second.
    charts = re.findall(r"<svg class=\"tripod-chart\".*?</svg>", path.read_text(), re.S)
    assert len(charts) == 4
    chart = charts[1]
    assert "after loss of the site" in chart
    # Loss of the site does not touch the cloud systems: the DMS's RTO drawn, one in the
    # legend; the archive's 30 d RTO is off scale.
    assert chart.count('class="rto"') == 2
    assert "RTO 30 d →" in chart
    assert '<text class="total missed"' in chart and ">5 d</text>" in chart
    for part in ("hardware", "download", "restore", "network", "validation"):
        assert f'class="part {part}"' in chart


def test_responsibilities_page_is_the_matrix(examples: TinyProject) -> None:
    text = page_text(site(examples, "ridgeline-fabrication", "responsibilities"))
    assert (
        "Activity Leg Southern Cross IT Ridgeline Fabrication Apex Continuity Partners "
        "Northern Hardware Supply" in text
    )
    assert (
        "Procure replacement hardware (agreed for this client) Disaster recovery "
        "Responsible, accountable Responsible" in text
    )
    assert (
        "Declare a disaster (agreed for this client) Disaster recovery "
        "Consulted Responsible, accountable Consulted" in text
    )
    assert (
        "Maintain the business continuity plan Business continuity Accountable Responsible" in text
    )
    # The roles are said in words, and what each means is said once above the matrix.
    assert "does the work;" in text
    assert "answers for it being done (exactly one party per activity);" in text


def test_runbook_and_contacts_give_phones_and_the_order(examples: TinyProject) -> None:
    text = page_text(site(examples, "harbour-dental", "runbook"))
    assert (
        "Only Maria Chen (Practice Manager) may declare a disaster for Harbour Dental Group."
        in text
    )
    assert "Call Southern Cross IT's after-hours line, +61 2 5550 0111" in text
    # Recovered into the provider's cloud: provisioning 4 h + restore 1.1 h + 6 h + 2 h.
    assert "Practice management server: back in about 13.1 h" in text
    assert (
        "Loss of the site In this order: Practice management server: back in about 13.1 h" in text
    )
    assert "Microsoft 365 mail: not affected" in text
    contacts = page_text(site(examples, "harbour-dental", "contacts"))
    assert "Maria Chen Practice Manager +61 2 5550 0101 maria@harbour.example" in contacts


def test_limitations_list_accepted_gaps_and_exclusions(examples: TinyProject) -> None:
    text = page_text(site(examples, "harbour-dental", "limitations"))
    for words in ("after ransomware", "if the cloud account is lost"):
        assert (
            f"Accepted by Maria Chen Microsoft 365 mail: RPO 4 h, but {words} it is restored "
            "from backups made every 24 h Why: Daily mail backup is enough for the practice"
        ) in text
    assert "Not backed up: CCTV recorder. Why: Footage is not worth keeping" in text
    assert "Staff personal devices are not backed up." in text


def test_isolation_nothing_of_one_client_in_another(examples: TinyProject) -> None:
    marks = {}
    for client in EXAMPLES:
        loaded = load_client(REPO / "clients" / f"{client}.yaml", client, TODAY)
        model = loaded.model
        assert model is not None
        words = {model.id, model.name, model.legal_name}
        for person in (*model.contacts, *model.third_parties):
            words |= {person.name, person.phone, person.email} - {None}
        marks[client] = {w for w in words if w}
    clients = examples.root / "site" / "clients"
    for client in EXAMPLES:
        for path in (clients / client).rglob("*"):
            if not path.is_file() or path.suffix not in (".html", ".json", ".xml", ".js", ".txt"):
                continue
            content = path.read_text("utf-8", errors="replace")
            for other in EXAMPLES:
                if other == client:
                    continue
                for word in marks[other]:
                    assert word not in content, f"{word!r} of {other} in {path}"
    # The search index and sitemap are the client's own.
    index = json.loads(
        (clients / "harbour-dental" / "current" / "search" / "search_index.json").read_text()
    )
    assert {d["location"].split("/")[0].split("#")[0] for d in index["docs"]} >= {"", "backups"}
    assert not (clients / "harbour-dental" / "internal").exists()
    dashboard = page_text(examples.root / "site" / "internal" / "index.html")
    for name in ("Harbour Dental Group", "Lawson & Reid Lawyers", "Ridgeline Fabrication"):
        assert name in dashboard


def test_dashboard_lists_every_client_with_its_state(examples: TinyProject) -> None:
    page = (examples.root / "site" / "internal" / "index.html").read_text("utf-8")
    rows = dashboard_table(page)
    assert list(rows) == ["Harbour Dental Group", "Lawson & Reid Lawyers", "Ridgeline Fabrication"]
    assert rows["Harbour Dental Group"] == {
        "Client": "Harbour Dental Group",
        "Backup": "in place",
        "DR": "attention",
        "BC": "in place",
        "Server": "meets",
        "Site": "meets",
        "Ransomware": "meets",
        "Cloud account": "meets",
        "Backups": "partial",
        "Errors": "1",
        "Warnings": "0",
        "Overdue": "0",
        "Agreement": "ended",
        "Term ends": "2026-10-31",
        "Signature": "signed",
    }
    # Ridgeline's two warnings: the CAD drawings outgrew what the file declares (from its
    # evidence), and its DR test is overdue; it accepted its ransomware gap in writing.
    ridgeline = rows["Ridgeline Fabrication"]
    assert (ridgeline["Backup"], ridgeline["Ransomware"], ridgeline["Overdue"]) == (
        "attention",
        "accepted",
        "1",
    )
    assert (ridgeline["Agreement"], ridgeline["Signature"]) == ("none issued", "none")
    assert rows["Lawson & Reid Lawyers"]["Backup"] == "not standing"
    text = page_text(examples.root / "site" / "internal" / "index.html")
    assert "3 clients 3 need action 1 backup not standing 0 disaster recovery not standing" in text
    # The most urgent first: an agreement that ended, then a stale backup, then what is overdue.
    in_order(
        text,
        "Every client of Southern Cross IT",
        "Needs action",
        "Harbour Dental Group : the agreement ended on 2026-10-31: no version is in force",
        "Lawson & Reid Lawyers : Document management server and Scanned files archive backup: stale",
        "Ridgeline Fabrication : DR test overdue since 2026-11-20 and 1 more",
    )
    page = html.unescape((examples.root / "site" / "internal" / "index.html").read_text())
    assert 'href="../clients/lawson-reid/latest/"' in page
    details = (examples.root / "site" / "internal" / "findings" / "index.html").read_text()
    # Each client's agreement, then what needs action, each a paragraph of its own.
    assert (
        "<p>The agreement ended on 2026&#45;10&#45;31&#58; no version is in force&#46; The file's"
        " terms differ from the newest issued version (draft v3).</p>\n"
        "<p><strong>Needs action</strong>, the most urgent first:</p>"
    ) in details
    findings = page_text(examples.root / "site" / "internal" / "findings" / "index.html")
    assert (
        "clients/ridgeline-fabrication.yaml:84:28 warning dr-test-overdue the DR test was due on "
        "2026-11-20 (every 6 months)" in findings
    )


@pytest.mark.real_command
def test_a_broken_file_keeps_the_last_good_site_and_the_build_exits_1(
    tiny_site: TinyProject,
) -> None:
    tiny_site.client()
    tiny_site.client(CLIENT.replace("id: acme", "id: other"), "other")
    assert tiny_site.tripod("build").code == 0
    good = site(tiny_site, "acme").read_bytes()
    tiny_site.client(with_change("    every: 4h\n", "    every: often\n"))
    tiny_site.client(
        CLIENT.replace("id: acme", "id: other").replace("Acme Dental\n", "Other Dental\n"), "other"
    )
    run = tiny_site.tripod("build")
    assert run.code == 1
    assert "clients/acme.yaml: not built, last good site kept: the file cannot be loaded" in run.err
    assert site(tiny_site, "acme").read_bytes() == good
    assert "Other Dental" in page_text(site(tiny_site, "other"))
    assert not (tiny_site.root / "site" / ".staging").exists()
    dashboard = page_text(tiny_site.root / "site" / "internal" / "index.html")
    assert "clients/acme.yaml cannot be loaded" in dashboard


def test_a_secret_is_never_published(tiny_site: TinyProject) -> None:
    tiny_site.client(with_change("location: NAS}", "location: NAS password=hunter2}"))
    run = tiny_site.tripod("build")
    assert run.code == 1
    assert "a value looks like a secret and would be published" in run.err
    assert not (tiny_site.root / "site" / "clients" / "acme").exists()
    for path in (tiny_site.root / "site").rglob("*"):
        if path.is_file():
            assert b"hunter2" not in path.read_bytes(), path


def test_a_failing_build_leaves_the_live_site_untouched(tiny_site: TinyProject) -> None:
    tiny_site.client()
    assert tiny_site.tripod("build").code == 0
    clients = tiny_site.root / "site" / "clients"
    before = {p: p.read_bytes() for p in clients.rglob("*") if p.is_file()}
    # A template that fails half way through the pages.
    tiny_site.write("templates/site/runbook.md", "{{ no_such_value }}\n")
    tiny_site.client(with_change("Acme Dental\n", "Acme Dental Changed\n"))
    run = tiny_site.tripod("build")
    assert run.code == 1
    assert run.err.splitlines()[0] == (
        "clients/acme.yaml: not built, last good site kept:"
        " templates/site/runbook.md: 'no_such_value' is undefined"
    )
    assert run.err.splitlines()[1].endswith("; 1 kept their last good site")
    after = {p: p.read_bytes() for p in clients.rglob("*") if p.is_file()}
    assert after == before
    assert "Acme Dental Changed" in page_text(tiny_site.root / "site" / "internal" / "index.html")


def test_named_clients_only_are_rebuilt(tiny_site: TinyProject) -> None:
    tiny_site.client()
    tiny_site.client(CLIENT.replace("id: acme", "id: other"), "other")
    assert tiny_site.tripod("build").code == 0
    other = site(tiny_site, "other").stat().st_mtime_ns
    # Both files change; only the named client is rebuilt.
    tiny_site.client(with_change("Acme Dental\n", "Acme Dental Care\n"))
    tiny_site.client(CLIENT.replace("id: acme", "id: other").replace("Acme", "Other"), "other")
    run = tiny_site.tripod("build", "acme")
    assert run.code == 0, run.err
    assert run.err.startswith("built 1 client site (1 version)")
    assert site(tiny_site, "other").stat().st_mtime_ns == other


def test_every_leg_rule_belongs_to_a_leg() -> None:
    not_legs = {
        "terms-changed", "stale-acknowledgement", "secret-like-value",
        "renewal-due", "agreement-expired", "countersignature-pending",
    }  # fmt: skip
    assert set(RULES) - not_legs == {code for code in RULES if leg_of(code)}


def test_golden_markdown(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    """The generated Markdown of an example client, page by page; `--update-golden` rewrites it."""
    from generator.project.layout import Project
    from generator.project.record import check_project

    project = Project.at(REPO)
    report = check_project(project, ("harbour-dental",), TODAY)
    entry = report.clients[0]
    provider = load_provider(REPO / "provider.yaml", "provider.yaml", REPO).model
    assert entry.client is not None and provider is not None
    data = SiteData(
        entry.client,
        provider,
        VersionInfo("current", True),
        TODAY,
        entry.findings,
        estimates=entry.estimates,
        now=report.now,
        evidence=entry.evidence,
    )
    write_pages(environment(REPO / "templates"), data, tmp_path, tmp_path / "no-assets")
    golden = REPO / "tests" / "golden" / "harbour-dental"
    if request.config.getoption("--update-golden"):
        shutil.rmtree(golden, ignore_errors=True)
        shutil.copytree(tmp_path, golden)
    for _, name in PAGES:
        assert (tmp_path / name).read_text() == (golden / name).read_text(), (
            f"{name} differs from tests/golden: check the change, then run pytest --update-golden"
        )


def test_issued_versions_are_listed_with_their_signed_pdfs(tiny_site: TinyProject) -> None:
    tiny_site.client()
    tiny_site.issue_terms()
    pdf = b"%PDF-1.7\n% stand-in\n%%EOF\n"
    tiny_site.write("agreements/acme/v1/agreement-signed.pdf", pdf)
    tiny_site.client(with_change("  version: 1\n", "  version: 2\n").replace("rto: 8h", "rto: 12h"))
    assert tiny_site.tripod("build").code == 0
    for version, state in (
        ("current", "awaiting the client's signature"),
        ("v1", "signed by the provider, awaiting the client's signature"),
    ):
        page = site(tiny_site, "acme", "agreement", version)
        text = page_text(page)
        assert f"1 2026-11-01 {state}" in text
        link = re.search(
            r'<a href="([^"]+)">Agreement signed by the provider</a>',
            html.unescape(page.read_text()),
        )
        assert link is not None
        assert (page.parent / link.group(1)).resolve().read_bytes() == pdf
    assert "Version 2 (draft)" in page_text(site(tiny_site, "acme", "agreement"))
    assert (
        "No version of the agreement is in force: none is signed by both parties. "
        "Version 1 awaits the client's signature" in page_text(site(tiny_site, "acme"))
    )
    assert "The terms below are the draft of version 2, not yet issued." in page_text(
        site(tiny_site, "acme")
    )
    assert "This is agreement version 1 as issued, kept for the record." in page_text(
        site(tiny_site, "acme", "", "v1")
    )


def test_the_example_agreements_show_versions_changelog_and_signed_downloads(
    examples: TinyProject,
) -> None:
    folder = examples.root / "site" / "clients" / "harbour-dental"
    assert [v["title"] for v in json.loads((folder / "versions.json").read_text())] == [
        "current (draft of v3)",
        "v2",  # ended on 2026-10-31
        "v1",
    ]
    current = page_text(site(examples, "harbour-dental", "agreement"))
    assert "2 2025-11-01 executed, ended on 2026-10-31" in current
    assert "1 2024-11-01 never executed (replaced by version 2)" in current
    assert (
        "Changes from version 2, the newest issued Agreement: effective date 2025-11-01 → 2026-11-01"
        in current
    )
    assert "Microsoft 365 mail: RTO 24 h → 8 h" in current
    v2 = page_text(site(examples, "harbour-dental", "agreement", "v2"))
    assert "Changes from version 1" in v2 and "Practice management server: RTO 96 h → 72 h" in v2
    page = site(examples, "harbour-dental", "agreement")
    links = re.findall(r'<a href="([^"]+\.pdf)">', html.unescape(page.read_text()))
    assert "../agreement-draft.pdf" in links and "../../v2/agreement-executed.pdf" in links
    for link in links:
        assert (page.parent / link).resolve().read_bytes().startswith(b"%PDF-"), link


def _stamps(project: TinyProject) -> dict[str, int]:
    """When each client's live site, each of its issued versions' sites, and the
    dashboard, were last written."""
    clients = project.root / "site" / "clients"
    stamps = {p.name: (p / "current" / "index.html").stat().st_mtime_ns for p in clients.iterdir()}
    for page in clients.glob("*/v*/index.html"):
        stamps[f"{page.parent.parent.name} {page.parent.name}"] = page.stat().st_mtime_ns
    dashboard = project.root / "site" / "internal"
    for name in ("index.html", "portfolio.csv", "due.ics"):
        stamps[f"dashboard {name}"] = (dashboard / name).stat().st_mtime_ns
    return stamps


DASHBOARD = {"dashboard index.html", "dashboard portfolio.csv", "dashboard due.ics"}


# Each change rebuilds the sites it touches, and the dashboard, whose rows show every
# client; a build that changes nothing it shows leaves it as it is.
@pytest.mark.parametrize(
    ("change", "rebuilt"),
    [
        pytest.param("client", {"acme", *DASHBOARD}, id="client-file"),
        pytest.param("provider", {"acme", "acme v1", "other", *DASHBOARD}, id="provider-yaml"),
        pytest.param("template", {"acme", "acme v1", "other", *DASHBOARD}, id="template"),
        pytest.param("mkdocs", {"acme", "acme v1", "other", *DASHBOARD}, id="mkdocs-yml"),
        pytest.param("archive", {"other", "other v1", *DASHBOARD}, id="issued-version"),
        pytest.param("evidence", {"acme", *DASHBOARD}, id="evidence"),
        pytest.param("overdue", {"acme", *DASHBOARD}, id="a-test-goes-overdue"),
        pytest.param("nothing", set(), id="nothing"),
    ],
)
def test_the_cache_never_serves_stale_sites(
    tiny_site: TinyProject, change: str, rebuilt: set[str]
) -> None:
    tiny_site.client()
    tiny_site.issue_terms("acme")  # an issued version's site depends on its terms alone
    # `other` tests its restores yearly, so a later build date makes only acme's overdue.
    other = CLIENT.replace("id: acme", "id: other").replace("every: 90d", "every: 365d")
    tiny_site.client(other, "other")
    assert tiny_site.tripod("build").code == 0
    before = _stamps(tiny_site)
    today = TODAY
    if change == "client":
        tiny_site.client(with_change("Acme Dental\n", "Acme Dental Care\n"))
    elif change == "provider":
        path = tiny_site.root / "provider.yaml"
        path.write_text(
            path.read_text().replace("Southern Cross IT\n", "Southern Cross IT Group\n")
        )
    elif change == "template":
        default = (DEFAULTS / "site" / "contacts.md").read_text()
        tiny_site.write("templates/site/contacts.md", default + "\nCall us.\n")
    elif change == "mkdocs":
        tiny_site.write(
            "mkdocs.yml", own_mkdocs_yml().replace("primary: blue grey", "primary: indigo")
        )
    elif change == "archive":
        tiny_site.issue_terms("other")
    elif change == "evidence":
        from generator.evidence import store
        from generator.evidence.records import Run

        moment = dt.datetime(2026, 11, 25, 20, tzinfo=dt.UTC)
        ran = Run("restic", "s3:backups/acme", None, moment, None, "success", None)
        store.write(store.backup_file(tiny_site.root, "acme", "pms-image"), [ran])
    elif change == "overdue":
        today = TODAY.replace(month=12, day=20)  # acme's pms restore test falls due on 2026-12-13
    run = tiny_site.tripod("build", today=today)
    assert run.code == 0, run.err
    after = _stamps(tiny_site)
    assert {c for c in after if after[c] != before.get(c)} == rebuilt
    assert f"built {len({c.split()[0] for c in rebuilt - DASHBOARD})} client site" in run.err
    if change == "client":
        assert "Acme Dental Care" in page_text(site(tiny_site, "acme"))
    if change == "template":
        assert "Call us." in page_text(site(tiny_site, "other", "contacts"))


def test_the_dashboard_is_left_as_it_is_until_something_it_shows_changes(
    tiny_site: TinyProject,
) -> None:
    import datetime

    from generator.evidence import store
    from generator.evidence.records import Run

    tiny_site.client()
    internal = tiny_site.root / "site" / "internal"

    def built() -> int:
        run = tiny_site.tripod("build")
        assert run.code == 0, run.err
        return (internal / "index.html").stat().st_mtime_ns

    first = built()
    assert built() == first  # nothing changed
    again = tiny_site.tripod("build")
    assert "and the dashboard (unchanged) in" in again.err
    (internal / ".tripod-inputs").unlink()  # its record lost: built again, to be sure
    second = built()
    assert second != first
    # Evidence changes no term and no template, but the dashboard shows it.
    moment = datetime.datetime(2026, 11, 25, 20, tzinfo=datetime.UTC)
    ran = Run("restic", "s3:backups/acme", None, moment, None, "success", None)
    store.write(store.backup_file(tiny_site.root, "acme", "pms-image"), [ran])
    third = built()
    assert third != second
    table = dashboard_table((internal / "index.html").read_text("utf-8"))
    assert table["Acme Dental"]["Backups"] == "partial"
    # The project's own dashboard template.
    own = (DEFAULTS / "internal" / "index.md").read_text("utf-8")
    tiny_site.write("templates/internal/index.md", own + "\nAsk Sam before calling a client.\n")
    assert built() != third
    assert "Ask Sam before calling a client." in page_text(internal / "index.html")
    # The record is a dotfile: never published.
    assert json.loads((internal / ".tripod-inputs").read_text())["dashboard"]


def test_an_upgraded_renderer_rebuilds_every_site(
    tiny_site: TinyProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.metadata

    from generator.build.builder import Builder
    from generator.project.layout import Project

    project = Project.at(tiny_site.root)
    before = Builder(project, TODAY).shared
    assert Builder(project, TODAY).shared == before
    real = importlib.metadata.version
    upgraded = {"mkdocs-material": "9.9.0", "weasyprint": "71.0"}
    for name, version in upgraded.items():
        monkeypatch.setattr(
            importlib.metadata,
            "version",
            lambda asked, name=name, version=version: version if asked == name else real(asked),
        )
        assert Builder(project, TODAY).shared != before, name
    monkeypatch.undo()
    # HarfBuzz and Pango shape the PDFs too: the system's versions are part of the key.
    from generator.agreement import pdf
    from generator.build import keys

    found = pdf.engine_versions()
    assert found.startswith("harfbuzz==") and "\npango==" in found, found
    assert "absent" not in found
    monkeypatch.setattr(keys, "engine_versions", lambda: found.replace("harfbuzz==", "harfbuzz==9"))
    assert Builder(project, TODAY).shared != before


def _inodes(folder: Path) -> dict[str, int]:
    return {
        p.relative_to(folder).as_posix(): p.stat().st_ino for p in folder.rglob("*") if p.is_file()
    }


@pytest.mark.slow
def test_an_issued_version_is_rebuilt_only_when_what_it_depends_on_changes(
    tiny_site: TinyProject,
) -> None:
    tiny_site.client()
    tiny_site.issue_terms()
    tiny_site.client(with_change("  version: 1\n", "  version: 2\n"))
    tiny_site.issue_terms(version=2)
    tiny_site.client(with_change("  version: 1\n", "  version: 3\n"))
    assert tiny_site.tripod("build").code == 0
    live = tiny_site.root / "site" / "clients" / "acme"
    v1, v2, current = _inodes(live / "v1"), _inodes(live / "v2"), _inodes(live / "current")

    # The client's file changes: the current site is rebuilt, the issued ones are kept whole.
    tiny_site.client(
        with_change("  version: 1\n", "  version: 3\n").replace("Acme Dental\n", "Acme Care\n")
    )
    run = tiny_site.tripod("build")
    assert run.code == 0, run.err
    assert run.err.startswith("built 1 client site (1 version, 2 issued unchanged and kept)")
    assert _inodes(live / "v1") == v1 and _inodes(live / "v2") == v2
    assert _inodes(live / "current")["index.html"] != current["index.html"]
    assert "Acme Care" in page_text(site(tiny_site, "acme"))
    assert "Acme Care" not in page_text(site(tiny_site, "acme", version="v2"))

    # Version 2 gains a signed file: v2 is rebuilt and offers it; v1 does not depend on v2.
    signed = tiny_site.root / "agreements" / "acme" / "v2" / "agreement-signed.pdf"
    signed.write_bytes(b"%PDF-1.7 stand-in for a signed agreement")
    run = tiny_site.tripod("build")
    assert run.err.startswith("built 1 client site (2 versions, 1 issued unchanged and kept)")
    assert _inodes(live / "v1") == v1
    assert _inodes(live / "v2")["index.html"] != v2["index.html"]
    assert (live / "v2" / "agreement-signed.pdf").read_bytes() == signed.read_bytes()
    assert "agreement-signed.pdf" not in _inodes(live / "v1")


@pytest.mark.slow
def test_identical_assets_are_stored_once_and_every_client_folder_stands_alone(
    tiny_site: TinyProject, tmp_path: Path
) -> None:
    tiny_site.client()
    tiny_site.client(CLIENT.replace("id: acme", "id: other"), "other")
    assert tiny_site.tripod("build").code == 0
    clients = tiny_site.root / "site" / "clients"
    acme = _inodes(clients / "acme")
    other = _inodes(clients / "other")
    internal = _inodes(tiny_site.root / "site" / "internal")
    assets = [name for name in acme if name.startswith("current/assets/")]
    assert len(assets) > 10
    for name in assets:
        assert acme[name] == other[name] == internal[name.removeprefix("current/")], name
        assert acme[name] == acme[name.replace("current/", "latest/", 1)], name
    # Pages are the client's own.
    assert acme["current/index.html"] != other["current/index.html"]
    own = sum(
        (clients / "acme" / name).stat().st_size
        for name, inode in acme.items()
        if inode not in set(other.values()) and not name.startswith("latest/")
    )
    assert own < 1_000_000

    # A client folder copied anywhere is complete: every file there, readable on its own.
    copy = tmp_path / "acme"
    shutil.copytree(clients / "acme", copy)
    shutil.rmtree(tiny_site.root / "site")
    assert _inodes(copy).keys() == acme.keys()
    assert "Acme Dental" in page_text(copy / "current" / "index.html")
    stylesheet = next(n for n in assets if n.endswith(".css"))
    assert (copy / stylesheet).stat().st_size > 0

    # Files no site uses any more leave the store.
    tiny_site.client()
    (tiny_site.root / "clients" / "other.yaml").unlink()
    assert tiny_site.tripod("build").code == 0
    store = tiny_site.root / "site" / ".store"
    assert store.is_dir() and all(p.stat().st_nlink > 1 for p in store.iterdir())


@pytest.mark.slow
def test_the_same_input_gives_the_same_bytes_whenever_it_is_built(
    tiny_site: TinyProject, tmp_path_factory: pytest.TempPathFactory
) -> None:
    tiny_site.client()
    tiny_site.issue_terms()
    tiny_site.client(with_change("  version: 1\n", "  version: 2\n"))
    again = TinyProject(tmp_path_factory.mktemp("again"))
    shutil.copytree(tiny_site.root, again.root, dirs_exist_ok=True)
    assert tiny_site.tripod("build").code == 0
    time.sleep(1.1)  # a build stamped with the time would now differ
    assert again.tripod("build").code == 0
    first = tiny_site.root / "site" / "clients"
    second = again.root / "site" / "clients"
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    for name in files:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    assert not [name for name in files if name.suffix == ".map"]
    assert "lastmod" not in (first / "acme" / "current" / "sitemap.xml").read_text()


@pytest.mark.slow
def test_the_output_is_the_same_whatever_the_number_of_workers(
    tiny_site: TinyProject, tmp_path_factory: pytest.TempPathFactory
) -> None:
    tiny_site.client()
    for name in ("other", "third"):
        tiny_site.client(CLIENT.replace("id: acme", f"id: {name}"), name)
    tiny_site.issue_terms("other")
    tiny_site.client(
        with_change("  version: 1\n", "  version: 2\n").replace("id: acme", "id: other"), "other"
    )
    parallel = TinyProject(tmp_path_factory.mktemp("parallel"))
    shutil.copytree(tiny_site.root, parallel.root, dirs_exist_ok=True)
    one = tiny_site.tripod("build", "--jobs", "1")
    two = parallel.tripod("build", "--jobs", "2")
    assert (one.code, two.code) == (0, 0), (one.err, two.err)
    assert (
        one.err.split(" in ")[0]
        == two.err.split(" in ")[0]
        == ("built 3 client sites (4 versions) and the dashboard")
    )
    first, second = tiny_site.root / "site", parallel.root / "site"
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    for name in files:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


@pytest.mark.slow
def test_shards_together_equal_a_single_build(
    tiny_site: TinyProject, tmp_path_factory: pytest.TempPathFactory
) -> None:
    names = ["acme", "bravo", "charlie", "delta", "echo"]
    for name in names:
        tiny_site.client(CLIENT.replace("id: acme", f"id: {name}"), name)
    copies = []
    for label in ("one", "two"):
        copy = TinyProject(tmp_path_factory.mktemp(label))
        shutil.copytree(tiny_site.root, copy.root, dirs_exist_ok=True)
        copies.append(copy)
    assert tiny_site.tripod("build").code == 0
    runs = [copy.tripod("build", "--shard", f"{k}/2") for k, copy in enumerate(copies, start=1)]
    assert [r.code for r in runs] == [0, 0], [r.err for r in runs]
    assert "(the dashboard is built by shard 1)" in runs[1].err
    parts = [{p.name for p in (c.root / "site" / "clients").iterdir()} for c in copies]
    assert parts[0] | parts[1] == set(names) and not parts[0] & parts[1]
    assert not (copies[1].root / "site" / "internal").exists()
    # Laid side by side, the shards are the single build, byte for byte.
    single = tiny_site.root / "site"
    for path in sorted(p for p in single.rglob("*") if p.is_file()):
        relative = path.relative_to(single)
        if relative.parts[0] == ".store":
            continue  # each machine's own: the files it holds are in the sites compared
        owner = (
            copies[0]
            if relative.parts[0] == "internal"
            else next(c for c, part in zip(copies, parts, strict=True) if relative.parts[1] in part)
        )
        assert (owner.root / "site" / relative).read_bytes() == path.read_bytes(), relative
    bad = tiny_site.tripod("build", "--shard", "3/2")
    assert (bad.code, bad.err) == (
        2,
        "tripod: --shard '3/2': write K/N with 1 <= K <= N, like 2/4\n",
    )


def test_the_theme_listing_kept_for_the_process_is_the_one_mkdocs_makes(tmp_path: Path) -> None:
    from mkdocs.config import load_config
    from mkdocs.structure.files import Files

    from generator.site.engine import _ThemeFiles

    overrides = tmp_path / "overrides"
    shutil.copytree(DEFAULTS / "site" / "overrides", overrides)
    config_file = tmp_path / "mkdocs.yml"
    config_file.write_text(
        (DEFAULTS / "mkdocs.yml")
        .read_text()
        .replace("custom_dir: site/overrides", f"custom_dir: {overrides}")
    )
    (tmp_path / "docs").mkdir()
    config = load_config(config_file=str(config_file), docs_dir=str(tmp_path / "docs"))
    theme = config.theme
    kept = _ThemeFiles()

    def listing(wrapped: bool) -> list[tuple[str, str | None]]:
        env = theme.get_env()
        if wrapped:
            kept.wrap(env, theme.dirs, theme.custom_dir, theme.static_templates)
        files = Files([])
        files.add_files_from_theme(env, config)
        return [(f.src_uri, f.abs_src_path) for f in files]

    assert listing(True) == listing(True) == listing(False)
    assert len(listing(False)) > 20
    # The project's own overrides are listed afresh: a file added there is copied.
    (overrides / "extra.css").write_text("body {}\n")
    assert ("extra.css", str(overrides / "extra.css")) in listing(True)
    assert listing(True) == listing(False)


@pytest.mark.slow
def test_pages_carry_no_build_date(
    tiny_site: TinyProject, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Built a fortnight apart with nothing else changed (and no finding that turns on
    a date in between), every file of the client's site is the same bytes."""
    tiny_site.client()
    tiny_site.issue_terms()
    tiny_site.client(with_change("  version: 1\n", "  version: 2\n"))
    later = TinyProject(tmp_path_factory.mktemp("later"))
    shutil.copytree(tiny_site.root, later.root, dirs_exist_ok=True)
    first = tiny_site.tripod("build", "--today", "2026-11-01", today=None)
    second = later.tripod("build", "--today", "2026-11-15", today=None)
    assert (first.code, second.code) == (0, 0), first.err + second.err
    assert tiny_site.lines(today=dt.date(2026, 11, 1)) == later.lines(today=dt.date(2026, 11, 15))
    one = tiny_site.root / "site" / "clients" / "acme"
    two = later.root / "site" / "clients" / "acme"
    names = sorted(p.relative_to(one) for p in one.rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(two) for p in two.rglob("*") if p.is_file())
    assert any(name.suffix == ".html" for name in names)
    for name in names:
        assert (one / name).read_bytes() == (two / name).read_bytes(), name


def test_the_pack_holds_the_countersigned_agreement(examples: TinyProject) -> None:
    import io
    import zipfile

    from pypdf import PdfReader

    run = examples.tripod("pack", "harbour-dental")
    assert run.code == 0, run.err
    executed = examples.root / "agreements" / "harbour-dental" / "v2" / "agreement-executed.pdf"
    with zipfile.ZipFile(examples.root / "site" / "packs" / "harbour-dental.zip") as pack:
        data = pack.read("harbour-dental/agreements/v2-agreement-executed.pdf")
        page = html.unescape(pack.read("harbour-dental/agreement.html").decode("utf-8"))
    assert data == executed.read_bytes()
    assert 'href="agreements/v2-agreement-executed.pdf"' in page
    fields = PdfReader(io.BytesIO(data)).get_fields() or {}
    signed = sorted(
        name for name, field in fields.items() if field.get("/FT") == "/Sig" and field.get("/V")
    )
    assert signed == ["Client", "Provider"]


def test_the_examples_show_what_their_backups_did(examples: TinyProject) -> None:
    harbour = page_text(site(examples, "harbour-dental", "backups"))
    assert "Backup health" in harbour
    assert "Last good run: 2026-11-25 22:00" in harbour
    assert "Last restore test: 2026-11-18, Practice management server: passed, took 3 h" in harbour
    # Microsoft 365 mail has no evidence yet: said so, not judged.
    assert "No evidence imported yet" in harbour
    # Lawson & Reid's offsite backup stopped on 21 November: the checks catch it, and
    # the overview's backup leg is down.
    lawson = page_text(site(examples, "lawson-reid"))
    assert (
        "Backup: not standing Document management server: the newest offsite backup "
        "started 2026-11-21 23:30, longer ago than its RPO of 24 h" in lawson
    )
    backups = page_text(site(examples, "lawson-reid", "backups"))
    assert "Stale: no successful run since 2026-11-21 23:30 (it runs every 24 h)" in backups
