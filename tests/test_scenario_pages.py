"""What a reader sees of the scenarios: the disaster recovery page's tabs, the overview's
table, the runbook per scenario, the business continuity page and the agreement."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from helpers import in_order

from conftest import CLIENT, TODAY, TinyProject, read_page, with_change
from generator.format.load import load_client, load_provider
from generator.render.values import facts
from generator.rules.recovery import estimates

TITLES = ["Server failure", "Loss of the site", "Ransomware", "Loss of a cloud account"]
DRAFT = "site/clients/acme/current/agreement-draft.pdf"


def page(project: TinyProject, name: str = "", version: str = "current") -> Path:
    return project.root / "site" / "clients" / "acme" / version / name / "index.html"


def text(path: Path) -> str:
    # The reader's text; "**Call the insurer**, ..." reads without a space before the comma.
    return re.sub(r" ([,.:;])", r"\1", read_page(path.read_text("utf-8")).text)


def built(project: TinyProject, client: str | None = None) -> TinyProject:
    if client is not None:
        project.client(client)
    run = project.tripod("build")
    assert run.code == 0, run.err
    return project


def pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(path).pages))


def test_the_disaster_recovery_page_has_a_tab_per_scenario(tiny_site: TinyProject) -> None:
    html = page(built(tiny_site, CLIENT), "disaster-recovery").read_text()
    labels = re.search(r'<div class="tabbed-labels">(.*?)</div>', html, re.S)
    assert labels is not None
    assert [read_page(x).text for x in re.findall(r"<label[^>]*>(.*?)</label>", labels[1])] == (
        TITLES
    )
    blocks = re.findall(r'<div class="tabbed-block">', html)
    assert len(blocks) == 4
    # Each tab has its chart and a table whose last column is the verdict.
    assert html.count('<svg class="tripod-chart"') == 4
    assert html.count("<th>Verdict</th>") == 4
    words = text(page(tiny_site, "disaster-recovery"))
    # Loss of the site does not touch the hosted mail: said in words, never as 0 h.
    assert "2 Hosted mail 8 h 4 h — not affected" in words


def test_an_unknown_restore_is_never_zero_hours(tiny_site: TinyProject) -> None:
    built(tiny_site, with_change("  restore_rate: 400 GB/h\n", ""))
    words = text(page(tiny_site, "disaster-recovery"))
    # Loss of the site: 48 h + 4.7 h download + restore unknown + 6 h + 2 h.
    assert "Restore rate not set (restore time not estimated)" in words
    assert (
        "Practice server 48 h 4.7 h not estimated 6 h 2 h "
        "at least 60.7 h (restore time not estimated)" in words
    )
    assert "Restore: 0 h" not in page(tiny_site, "disaster-recovery").read_text()
    assert "not determined" in words
    runbook = text(page(tiny_site, "runbook"))
    assert "Practice server: back in at least 60.7 h (restore time not estimated)" in runbook
    assert "back in about 0 h" not in runbook


def test_a_scenario_not_covered_gives_its_reason_on_the_site_and_in_the_agreement(
    tiny_site: TinyProject,
) -> None:
    reason = "Every server is a VM on the client's cluster"
    client = with_change(
        "  validation: 2h\n",
        f"  validation: 2h\n  scenarios:\n    server-failure: {{covered: false, reason: {reason}}}\n",
    )
    built(tiny_site, client)
    dr = text(page(tiny_site, "disaster-recovery"))
    assert f"Not covered. Reason: {reason}" in dr
    assert f"Not covered by the agreement: Server failure: {reason}" in text(page(tiny_site))
    assert f"Not covered by the agreement. Reason: {reason}" in text(page(tiny_site, "runbook"))
    agreement = pdf_text(tiny_site.root / DRAFT)
    in_order(
        agreement,
        "5. Disaster recovery objectives",
        "5.1 Loss of the site",
        "5.2 Ransomware",
        "5.3 Loss of a cloud account",
        "Disasters this agreement does not cover",
        f"Server failure: {reason}",
        "6. Business continuity",
    )


def test_the_overview_answers_how_long_worst_first(tiny_site: TinyProject) -> None:
    # The mail's copies can all be deleted by an attacker: nothing of it survives ransomware.
    client = with_change(
        "{where: offsite, location: SaaS vendor, immutable: true}",
        "{where: offsite, location: SaaS vendor}",
    )
    html = page(built(tiny_site, client)).read_text()
    table = re.search(
        r"<table>\s*<thead>\s*<tr>\s*<th>System</th>\s*<th>RTO</th>.*?</table>", html, re.S
    )
    assert table is not None
    rows = [read_page(r).text for r in re.findall(r"<tr>(.*?)</tr>", table[0], re.S)]
    assert rows[0] == "System RTO RPO " + " ".join(TITLES)
    # Its RPO gap, accepted in the file, is said in words too.
    assert rows[1] == (
        "Hosted mail 8 h 4 h — — no copy survives 2.1 h: meets the RTO; misses the RPO "
        "(backups every 24 h): accepted gap"
    )
    # Server failure: 48 h hardware + 1 h restore from the NAS + 2 h validation.
    assert rows[2].startswith("Practice server 3 d 4 h 51 h: meets the RTO 61.7 h: meets the RTO")
    assert "more notes" not in text(page(tiny_site))


def test_the_ransomware_runbook_isolates_and_calls_the_insurer_before_restoring(
    tiny_site: TinyProject,
) -> None:
    client = with_change(
        "  - {id: resilient, name: Resilient Continuity Co, role: BC specialist}\n",
        "  - {id: resilient, name: Resilient Continuity Co, role: BC specialist}\n"
        '  - {id: shield, name: Shield Cyber Cover, role: Cyber insurer, phone: "1800 555 010"}\n',
    )
    client = with_change(
        "  validation: 2h\n",
        "  validation: 2h\n  scenarios:\n    ransomware: {investigation: 2d}\n",
        client,
    )
    words = text(page(built(tiny_site, client), "runbook"))
    in_order(
        words,
        "Ransomware",
        "Isolate first.",
        "Call the insurer, Shield Cyber Cover, on 1800 555 010",
        "Nothing is restored until the investigation time has passed: 2 days.",
        "Then restore",
        "Practice server: back in about",
        "Loss of a cloud account",
    )
    # A server failure names the copy it comes back from: the local one.
    assert "Practice server: back in about" in words
    assert "from Practice server backup (on the premises: NAS)" in words


def views(project: TinyProject) -> list[dict[str, Any]]:
    """The scenario views the templates read, worked out from the project's files."""
    client = load_client(project.root / "clients/acme.yaml", "acme", TODAY).model
    provider = load_provider(project.root / "provider.yaml", "provider.yaml", project.root).model
    assert client is not None and provider is not None
    return list(facts(client, provider, estimates(client), [])["views"])


@pytest.mark.parametrize(
    "target",
    ["", "  recovery_target: provider-cloud\n  provisioning: 4h\n"],
    ids=["client-site", "provider-cloud"],
)
def test_the_site_and_the_agreement_print_the_same_parameters(
    tiny_site: TinyProject, target: str
) -> None:
    client = with_change(
        "  validation: 2h\n",
        "  validation: 2h\n" + target + "  scenarios:\n    ransomware: {investigation: 2d}\n",
    )
    built(tiny_site, client)
    covered = [v for v in views(tiny_site) if v["scenario"].covered]
    assert [v["title"] for v in covered] == TITLES
    site = text(page(tiny_site, "disaster-recovery"))
    agreement = pdf_text(tiny_site.root / DRAFT)
    # The site: each tab's table, row after row, tab after tab.
    in_order(site, *[f"{label} {value}" for v in covered for label, value in v["parameter_rows"]])
    # The agreement: each section's one sentence, from the same rows.
    sentences = []
    for number, v in enumerate(covered, 1):
        rows = "; ".join(f"{label.lower()}: {value}" for label, value in v["parameter_rows"])
        sentences += [f"5.{number} {v['title']}", f"Parameters: {rows}."]
    in_order(agreement, *sentences)
    first = dict(covered[0]["parameter_rows"])
    if target:
        assert first["Recovered into"] == "the provider's infrastructure"
        assert first["Provisioning"] == "4 h"
        assert "Replacement hardware" not in first
    else:
        assert first["Recovered into"] == "new or repaired hardware at the client's premises"
        assert first["Replacement hardware"] == "procured in 48 h"
    ransomware = dict(covered[2]["parameter_rows"])
    assert ransomware["Investigation before restoring"] == "48 h"
    assert ransomware["Courier for a seeded drive"] == "1 day (assumed)"


def test_recovery_into_the_provider_cloud_tells_staff_to_work_remotely(
    tiny_site: TinyProject,
) -> None:
    client = with_change(
        "  validation: 2h\n",
        "  validation: 2h\n  recovery_target: provider-cloud\n  provisioning: 4h\n",
    )
    words = text(page(built(tiny_site, client), "business-continuity"))
    assert "Working remotely after a disaster" in words
    assert "staff reach them remotely" in words
    assert "Provisioning 4 h" in text(page(tiny_site, "disaster-recovery"))


def test_a_version_issued_before_scenarios_covers_loss_of_the_site_only(
    tiny_site: TinyProject,
) -> None:
    tiny_site.client()
    terms = json.loads(tiny_site.issue_terms())

    def drop(value: object) -> object:
        if isinstance(value, dict):
            return {k: drop(v) for k, v in value.items() if k != "scenarios"}
        if isinstance(value, list):
            return [drop(v) for v in value]
        return value

    old = json.dumps(drop(terms), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    tiny_site.write("agreements/acme/v1/terms.json", old)
    built(tiny_site, with_change("  version: 1\n", "  version: 2\n"))
    html = page(tiny_site, "disaster-recovery", "v1").read_text()
    words = read_page(html).text
    assert "it covers loss of the site only" in words
    labels = re.search(r'<div class="tabbed-labels">(.*?)</div>', html, re.S)
    assert labels is not None and read_page(labels[1]).text.strip() == "Loss of the site"
    # Today's version shows every scenario.
    assert "covers loss of the site only" not in text(page(tiny_site, "disaster-recovery"))


@pytest.mark.parametrize("scenario", ["ransomware", "server-failure"])
def test_scenario_text_from_the_file_stays_text(tiny_site: TinyProject, scenario: str) -> None:
    reason = "**bold** [link](http://x) <b>tag</b> | pipe"
    client = with_change(
        "  validation: 2h\n",
        f"  validation: 2h\n  scenarios:\n    {scenario}: {{covered: false, reason: '{reason}'}}\n",
    )
    html = page(built(tiny_site, client), "disaster-recovery").read_text()
    assert "<b>tag</b>" not in html and "<strong>bold</strong>" not in html
    assert f"Not covered. Reason: {reason}" in read_page(html).text


def test_an_estimate_of_the_restore_alone_reads_not_estimated(tiny_site: TinyProject) -> None:
    # No restore rate and no validation agreed: the hosted mail's loss of its cloud
    # account is all restore, which nobody estimated.
    client = with_change("  restore_rate: 400 GB/h\n", "", with_change("  validation: 2h\n", ""))
    built(tiny_site, client)
    overview = text(page(tiny_site))
    assert "Hosted mail 8 h 4 h — — not estimated: not determined; misses the RPO" in overview
    runbook = text(page(tiny_site, "runbook"))
    assert "Hosted mail: back once restored (restore time not estimated)" in runbook
    words = text(page(tiny_site, "disaster-recovery"))
    assert "not estimated (restore time unknown)" in words
    for name in ("", "runbook", "disaster-recovery"):
        assert "at least 0 h" not in text(page(tiny_site, name))


def test_the_dashboard_findings_page_quotes_every_option(tiny_site: TinyProject) -> None:
    built(tiny_site, with_change("rto: 72h", "rto: 48h"))
    findings = text(tiny_site.root / "site" / "internal" / "findings" / "index.html")
    # The hint names the best two; the findings page lists every option, best first.
    in_order(
        findings,
        "What it would take",
        "Practice server: RTO 48 h, but recovery after loss of the site takes an estimated 61.7 h",
        "recovery into the provider's cloud: 13.1 h, meets it",
        "standby hardware: 13.7 h, meets it; keep replacement hardware on standby",
    )


def test_the_backups_page_says_which_disasters_each_copy_survives(
    tiny_site: TinyProject,
) -> None:
    client = with_change(
        "      - {where: local, location: NAS}\n",
        "      - {where: local, location: Snapshots, on_system: true}\n"
        "      - {where: local, location: Tape, offline: true}\n",
    )
    words = text(page(built(tiny_site, client), "backups"))
    in_order(
        words,
        "Copy Where Kept at Protected from deletion Survives",
        "1 On the premises, on the system itself Snapshots No None of the disasters covered",
        "2 On the premises Tape Yes, offline Server failure, ransomware",
        "3 Off the premises Object storage Yes, immutable "
        "Server failure, loss of the site, ransomware",
        # The mail is in the cloud: neither a server failure nor the loss of the site
        # touches it, so they are not listed.
        "1 Off the premises SaaS vendor Yes, immutable Ransomware, loss of a cloud account",
        "2 Off the premises Provider storage No Loss of a cloud account",
    )
