"""The agreement PDF, read as the people who sign it would: text, pages, bytes, changelog.

The draft comes from the real `tripod build`, the issued agreement from the real
`tripod issue` (signed with the development key it makes in .tripod/); the
changelog from the real `tripod diff`. pypdf reads the text of each page;
PDFium (pypdfium2) finds where each word lies and turns the pages into pictures.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import io
import json
import re
import xml.etree.ElementTree as ET
from fractions import Fraction
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
from helpers import in_order
from PIL import Image
from pypdf import PdfReader

from conftest import PROVIDER, TODAY, TinyProject, read_page, with_change
from generator import render
from generator.agreement.document import render_agreement
from generator.agreement.pdf import Rendered
from generator.format import units
from generator.format.load import load_client, load_provider
from generator.project.layout import Project
from generator.project.record import TermsRecord
from generator.render import chart
from generator.rules import recovery
from generator.terms import canonical as terms
from generator.terms.changelog import changelog

DRAFT = Path("site/clients/acme/current/agreement-draft.pdf")
ISSUED = Path("agreements/acme/v1/agreement-signed.pdf")
EFFECTIVE = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
# @page margins of templates/agreement/agreement.css (22 mm top, 24 mm bottom), in points.
TOP_MARGIN, BOTTOM_MARGIN = 22 / 25.4 * 72, 24 / 25.4 * 72

# The base client with its records filled in (emails, phones, test dates, a
# measured time, plan_reviewed), a system deliberately left without backup and
# a general exclusion, so that every section of the agreement has something in it.
RICH = with_change(
    'role: Practice Manager, phone: "+61 2 5550 0101"}',
    'role: Practice Manager, phone: "+61 2 5550 0101", email: maria@acme.example}',
)
RICH = with_change(
    "role: BC specialist}",
    'role: BC specialist, phone: "+61 2 5550 0199", email: help@resilient.example}',
    RICH,
)
RICH = with_change(
    "criticality: important, hosting: cloud}\n",
    "criticality: important, hosting: cloud}\n"
    "  - {id: cctv, name: CCTV recorder, data: 2 TB, criticality: deferrable, hosting: on-premises}\n",
    RICH,
)
RICH = with_change("measured: {pms: 30h}", "measured: {pms: 31.5h}", RICH)
RICH += """\
exclusions:
  - Staff personal devices are not backed up.
  - {system: cctv, reason: Footage is not worth keeping}
"""
# The records of RICH as they would print: none of them may be in the agreement.
RECORDS = (
    "+61 2 5550 0101",  # contact phone
    "maria@acme.example",  # contact email
    "+61 2 5550 0199",  # third party phone
    "help@resilient.example",  # third party email
    "2026-09-14",  # restore test last (pms-image)
    "2026-08-01",  # restore test last (mail-saas)
    "2026-03-02",  # DR test last
    "31.5 h",  # DR test measured time for pms
    "2026-06-30",  # plan_reviewed
)


# ------------------------------------------------------------------ helpers


def _words(text: str) -> str:
    """Whitespace collapsed: a line break in a table cell is a space."""
    return " ".join(text.split())


def pages(pdf: Path | bytes) -> list[str]:
    """Each page's text, whitespace collapsed."""
    reader = PdfReader(io.BytesIO(pdf) if isinstance(pdf, bytes) else pdf)
    return [_words(page.extract_text()) for page in reader.pages]


def words(pdf: Path | bytes) -> list[tuple[float, list[tuple[float, float, float, str]]]]:
    """Each page's height and words, each word as (top, left, bottom, text) in points from
    the page's top left corner: the union of its characters' boxes, as PDFium finds them."""
    document = pdfium.PdfDocument(pdf if isinstance(pdf, bytes) else pdf.read_bytes())
    found = []
    try:
        for page in document:
            height = page.get_height()
            text_page = page.get_textpage()
            count = text_page.count_chars()
            text = text_page.get_text_range(0, count)
            assert len(text) == count, "one character per index"
            on_page: list[tuple[float, float, float, str]] = []
            word: list[tuple[str, tuple[float, float, float, float]]] = []
            for index, char in enumerate([*text, " "]):
                if not char.isspace():
                    word.append((char, text_page.get_charbox(index)))
                    continue
                if word:
                    left = min(box[0] for _, box in word)
                    bottom = min(box[1] for _, box in word)
                    top = max(box[3] for _, box in word)
                    spelt = "".join(c for c, _ in word)
                    on_page.append((height - top, left, height - bottom, spelt))
                    word = []
            found.append((height, on_page))
    finally:
        document.close()
    return found


def margins(pdf: Path | bytes) -> list[tuple[str, str]]:
    """Each page's running header and footer: the words that lie in its top and bottom margins."""
    found = []
    for height, on_page in words(pdf):
        # y from the top of the page; a word that reaches into a margin is in it
        top = [w for w in sorted(on_page) if w[0] < TOP_MARGIN]
        bottom = [w for w in sorted(on_page) if w[2] > height - BOTTOM_MARGIN]
        lines: list[str] = []
        for part in (top, bottom):
            rows: dict[int, list[tuple[float, str]]] = {}
            for y1, x1, _, word in part:
                rows.setdefault(round(y1 / 4), []).append((x1, word))
            lines.append(" ".join(w for row in sorted(rows) for _, w in sorted(rows[row])))
        found.append((lines[0], lines[1]))
    return found


def html_page(path: Path) -> tuple[str, list[str]]:
    """A site page's text (whitespace collapsed) and its links."""
    page = read_page(path.read_text("utf-8"))
    return page.text, page.links


def canonical_terms(project: TinyProject, client_id: str = "acme") -> bytes:
    """The client's canonical terms, made here from generator.terms' plain data."""
    root = project.root
    client = load_client(root / f"clients/{client_id}.yaml", client_id, TODAY).model
    provider = load_provider(root / "provider.yaml", "provider.yaml", root).model
    assert client is not None and provider is not None
    data = terms.terms_of(client, provider, Project.at(root).template_fingerprint())
    # The SPEC's canonical form: sorted keys, UTF-8, no insignificant whitespace.
    mine = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    assert mine == terms.canonical(data)
    return mine


def short_fingerprint(canonical: bytes) -> str:
    return hashlib.sha256(canonical).hexdigest()[:12]


def rendered(
    project: TinyProject, *, draft: bool = False, previous: dict[str, Any] | None = None
) -> tuple[bytes, Rendered]:
    """The agreement of the client's current terms, rendered in this process."""
    root = project.root
    canonical = canonical_terms(project)
    provider = load_provider(root / "provider.yaml", "provider.yaml", root).model
    assert provider is not None
    env = render.environment(root / "templates")
    styles = Project.at(root).template("agreement/agreement.css").parent
    done = render_agreement(env, styles, TermsRecord(canonical, provider), previous, draft)
    return canonical, done


def widgets(pdf: Path | bytes) -> dict[str, tuple[int, list[float]]]:
    """Signature field name -> (0-based page, /Rect) of its widget annotation."""
    reader = PdfReader(io.BytesIO(pdf) if isinstance(pdf, bytes) else pdf)
    found = {}
    for index, page in enumerate(reader.pages):
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            if annotation.get("/Subtype") == "/Widget":
                parent = annotation.get("/Parent")
                name = annotation.get("/T") or (parent.get_object().get("/T") if parent else None)
                found[str(name)] = (index, [float(v) for v in annotation["/Rect"]])
    return found


def signature_page(texts: list[str]) -> int:
    """The one page with the Signatures heading (not the word inside another sentence)."""
    found = [i for i, t in enumerate(texts) if re.search(r"(^| )Signatures Signed digitally", t)]
    assert len(found) == 1, f"the Signatures heading is on pages {found}"
    return found[0]


def new_project(root: Path) -> TinyProject:
    """What the `tiny_site` fixture makes, for module-scoped fixtures."""
    project = TinyProject(root)
    project.write("provider.yaml", PROVIDER)
    (root / "clients").mkdir()
    return project


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory) -> TinyProject:
    """RICH, built (draft) and issued as version 1, once for the module."""
    project = new_project(tmp_path_factory.mktemp("issued"))
    project.client(RICH)
    assert project.lines() == [], "RICH must pass every check"
    run = project.tripod("build")
    assert run.code == 0, run.err
    run = project.tripod("issue", "acme")
    assert run.code == 0, run.err
    return project


# ------------------------------------------------------------------ 1. the draft


def test_build_writes_the_draft_linked_from_the_agreement_page(issued: TinyProject) -> None:
    draft = issued.root / DRAFT
    assert draft.is_file()
    page = issued.root / "site/clients/acme/current/agreement/index.html"
    text, links = html_page(page)
    assert "download the draft agreement (PDF, unsigned)" in text
    targets = [(page.parent / link).resolve() for link in links if link.endswith(".pdf")]
    assert draft.resolve() in targets, links
    # the alias serves the same file
    assert (issued.root / "site/clients/acme/latest/agreement-draft.pdf").read_bytes() == (
        draft.read_bytes()
    )


def test_every_page_of_the_draft_says_draft_client_version_page_and_fingerprint(
    issued: TinyProject,
) -> None:
    short = short_fingerprint(canonical_terms(issued))
    texts = pages(issued.root / DRAFT)
    assert len(texts) >= 2
    for number, text in enumerate(texts, 1):
        assert "DRAFT" in text, number
        assert "Acme Dental" in text, number
        assert "version 1" in text, number
        assert f"Page {number} of {len(texts)}" in text, number
        assert short in text, number
    assert "Draft, not signed." in texts[0]


def test_the_draft_is_not_signed(issued: TinyProject) -> None:
    data = (issued.root / DRAFT).read_bytes()
    reader = PdfReader(io.BytesIO(data))
    assert not reader.get_fields()
    assert widgets(data) == {}
    assert b"/ByteRange" not in data and b"/Sig" not in data
    assert "/AcroForm" not in reader.trailer["/Root"]


# ------------------------------------------------------------------ 2. the issued agreement


def test_the_issued_agreement_has_every_section_in_order(issued: TinyProject) -> None:
    text = " ".join(pages(issued.root / ISSUED))
    in_order(
        text,
        # the parties, by their legal names
        "1. Parties",
        "Southern Cross IT Services Pty Ltd",
        "Acme Dental Pty Ltd",
        # the three definitions
        "Backup: copies of the client's data",
        "Disaster recovery: the agreed parameters",
        "Business continuity: the client's plan",
        # scope: every system
        "3. Scope",
        "Practice server",
        "Hosted mail",
        "CCTV recorder",
        "Excluded: Footage is not worth keeping",
        # backup schedule
        "4. Backup schedule",
        "Practice server backup Practice server Image of the whole server 4 h 30 days",
        "Hosted mail backup Hosted mail Cloud service backup",
        # DR objectives, with the breakdown of the estimate. Practice server
        # (on-premises, first in order): hardware 2 d = 48 h; download
        # 420 GB * 8 / 200 Mbps = 16 800 s = 4.67 h; restore 420 GB / 400 GB/h = 1.05 h;
        # network 6 h; validation 2 h; 48 + 4.667 + 1.05 + 6 + 2 = 61.717 -> 61.7 h.
        "5. Disaster recovery objectives",
        "5.1 Server failure",
        "5.2 Loss of the site",
        "1. Practice server RTO 3 d RPO 4 h MTD 5 d 48 h 4.7 h 1.1 h 6 h 2 h 61.7 h meets the RTO",
        "2. Hosted mail RTO 8 h RPO 4 h",
        "5.3 Ransomware",
        "5.4 Loss of a cloud account",
        # BC ownership
        "6. Business continuity",
        "Owner Maria Chen",
        "Specialist Resilient Continuity Co",
        # the responsibility matrix
        "7. Responsibilities",
        "Configure the backups Responsible, accountable",
        "Declare a disaster Consulted Responsible, accountable",
        "Maintain the business continuity plan Accountable Responsible",
        # accepted gaps, with who accepted and why
        "8. Known limitations accepted by the client",
        "Hosted mail: RPO 4 h, but after ransomware it is restored from backups made every "
        "24 h Maria Chen Daily is enough",
        "Hosted mail: RPO 4 h, but if the cloud account is lost it is restored from backups "
        "made every 24 h Maria Chen Daily is enough",
        # exclusions
        "9. Exclusions",
        "Not backed up: CCTV recorder. Why: Footage is not worth keeping",
        "Staff personal devices are not backed up.",
        # testing and review duties
        "10. Testing and review",
        "The provider tests a restore from the Practice server backup every 90 days.",
        "The provider tests a restore from the Hosted mail backup every 180 days.",
        "The provider tests disaster recovery every 12 months",
        "The client reviews its business continuity plan every 12 months.",
        # the term
        "11. Term",
        "takes effect on 2026-11-01",
        "to 2027-10-31 inclusive",  # 12 months from 1 November end on 31 October
        # signature blocks
        "Signatures",
        "For Southern Cross IT Services Pty Ltd",
        "Tom Baker, Service Delivery Manager",
        "For Acme Dental Pty Ltd",
        "Maria Chen, Practice Manager",
    )
    assert "DRAFT" not in text
    assert "Draft" not in text
    # version 1 has no earlier version to list changes from
    assert "Changes from version" not in text


def test_records_are_not_in_the_agreement(issued: TinyProject) -> None:
    """The document is made from the terms alone: records change without a new agreement."""
    for pdf in (issued.root / ISSUED, issued.root / DRAFT):
        text = " ".join(pages(pdf))
        for record in RECORDS:
            assert record not in text, (pdf.name, record)
        # nor hidden in the attached terms
        attached = PdfReader(pdf).attachments["terms.json"][0].decode()
        for record in RECORDS:
            assert record not in attached and record.replace(" h", "h") not in attached, record


# ------------------------------------------------------------------ 3. running header and footer


@pytest.mark.parametrize(
    ("which", "version"), [(ISSUED, "1"), (DRAFT, "1 (DRAFT)")], ids=["issued", "draft"]
)
def test_every_page_carries_client_version_page_and_fingerprint(
    issued: TinyProject, which: Path, version: str
) -> None:
    """In the page content itself, in the margins of every page, and nothing else there."""
    short = short_fingerprint(canonical_terms(issued))
    found = margins(issued.root / which)
    assert len(found) >= 2
    for number, (header, footer) in enumerate(found, 1):
        assert header == f"Acme Dental Agreement version {version}", number
        assert footer == f"Terms fingerprint {short} Page {number} of {len(found)}", number


def test_the_fingerprint_on_the_pages_is_that_of_the_attached_terms(issued: TinyProject) -> None:
    data = (issued.root / ISSUED).read_bytes()
    attached = PdfReader(io.BytesIO(data)).attachments["terms.json"][0]
    archived = (issued.root / "agreements/acme/v1/terms.json").read_bytes()
    assert attached == archived == canonical_terms(issued)
    full = hashlib.sha256(attached).hexdigest()
    texts = pages(data)
    assert full in texts[signature_page(texts)]
    assert all(full[:12] in t for t in texts)


# ------------------------------------------------------------------ 4. the pages as pictures


def pictures(pdf: Path, folder: Path) -> list[Path]:
    """Each page as a PNG at 50 dpi, drawn by PDFium."""
    folder.mkdir(parents=True, exist_ok=True)
    document = pdfium.PdfDocument(pdf.read_bytes())
    try:
        for number, page in enumerate(document, 1):
            page.render(scale=50 / 72).to_pil().save(folder / f"page-{number:03}.png")
    finally:
        document.close()
    return sorted(folder.glob("page-*.png"))


@pytest.mark.parametrize("which", [ISSUED, DRAFT], ids=["issued", "draft"])
def test_every_page_renders(issued: TinyProject, which: Path, tmp_path: Path) -> None:
    count = len(PdfReader(issued.root / which).pages)
    found = pictures(issued.root / which, tmp_path / "png")
    assert len(found) == count
    for path in found:
        assert path.stat().st_size > 5_000, path.name
        with Image.open(path) as image:
            # A4 at 50 dpi
            assert abs(image.width - 413) <= 2 and abs(image.height - 585) <= 2
            grey = image.convert("L")
            low, high = grey.getextrema()
            assert low < 100 and high > 240, path.name  # text on paper, not a blank page
            dark = sum(grey.histogram()[:128])
            assert dark > 500, path.name


def test_the_signature_block_is_whole_on_one_page(issued: TinyProject) -> None:
    data = (issued.root / ISSUED).read_bytes()
    texts = pages(data)
    page = signature_page(texts)
    for words in (
        "For Southern Cross IT Services Pty Ltd",
        "Tom Baker, Service Delivery Manager",
        "For Acme Dental Pty Ltd",
        "Maria Chen, Practice Manager",
    ):
        assert words in texts[page], words
        assert all(words not in t for i, t in enumerate(texts) if i != page), words
    fields = widgets(data)
    assert set(fields) == {"Provider", "Client"}
    for name, (on, rect) in fields.items():
        assert on == page, name
        x1, y1, x2, y2 = rect
        assert x2 - x1 > 100 and y2 - y1 > 40, (name, rect)  # room to sign
        assert y1 > BOTTOM_MARGIN and y2 < 841.9 - TOP_MARGIN, (name, rect)
    # side by side, the provider's on the left
    assert fields["Provider"][1][2] <= fields["Client"][1][0]


def test_the_fields_sit_where_weasyprint_placed_the_boxes(issued: TinyProject) -> None:
    _, done = rendered(issued)
    fields = widgets(issued.root / ISSUED)
    for name, anchor in (("Provider", "sig-provider-box"), ("Client", "sig-client-box")):
        box = done.boxes[anchor]
        on, rect = fields[name]
        assert on == box.page
        assert rect == pytest.approx([box.x1, box.y1, box.x2, box.y2], abs=1)


def long_client(systems: int, exclusions: int) -> str:
    """RICH with many more cloud systems, each backed up with an objective, and general exclusions."""
    listed = "".join(
        f"  - {{id: s{i:02d}, name: Cloud system {i:02d}, data: 10 GB, "
        "criticality: deferrable, hosting: cloud}\n"
        for i in range(systems)
    )
    backups = "".join(
        f"""\
  - id: s{i:02d}-backup
    systems: [s{i:02d}]
    method: saas
    every: 24h
    retention: 30d
    copies:
      - {{where: offsite, location: Vendor {i:02d}, immutable: true}}
      - {{where: offsite, location: Provider storage}}
    encrypted: true
    restore_test: {{every: 180d, last: 2026-10-01}}
"""
        for i in range(systems)
    )
    objectives = "".join(
        f"    - {{system: s{i:02d}, rto: 24h, rpo: 24h}}\n" for i in range(systems)
    )
    text = with_change("hosting: cloud}\n", "hosting: cloud}\n" + listed)
    text = with_change("backups:\n", "backups:\n" + backups, text)
    text = with_change(
        "    - {system: mail, rto: 8h, rpo: 4h}\n",
        "    - {system: mail, rto: 8h, rpo: 4h}\n" + objectives,
        text,
    )
    if exclusions:
        text += "exclusions:\n" + "".join(
            f"  - General exclusion number {j}.\n" for j in range(exclusions)
        )
    return text


# With 30 systems and 0 or 4 general exclusions the signature section falls
# across a page break (without `.signatures { break-inside: avoid }` its
# heading ends page 8 and its boxes start page 9): it must move whole.
@pytest.mark.parametrize("exclusions", [0, 4])
def test_a_long_agreement_keeps_the_signature_block_whole(
    tiny_site: TinyProject, exclusions: int
) -> None:
    tiny_site.client(long_client(30, exclusions))
    _, done = rendered(tiny_site)
    texts = pages(done.pdf)
    assert done.pages == len(texts) >= 6
    page = signature_page(texts)
    assert done.boxes["sig-provider-box"].page == page
    assert done.boxes["sig-client-box"].page == page
    assert "Tom Baker, Service Delivery Manager" in texts[page]
    assert "Maria Chen, Practice Manager" in texts[page]
    assert "Cloud system 29" in " ".join(texts)


def test_a_long_agreement_stays_inside_its_margins(tiny_site: TinyProject) -> None:
    """A long table or chart stays inside the page: the header and footer are clear."""
    tiny_site.client(long_client(30, 0))
    canonical, done = rendered(tiny_site)
    short = short_fingerprint(canonical)
    texts = pages(done.pdf)
    for number, (header, footer) in enumerate(margins(done.pdf), 1):
        assert header == "Acme Dental Agreement version 1", (number, header)
        assert footer == f"Terms fingerprint {short} Page {number} of {len(texts)}", (
            number,
            footer,
        )


def test_a_long_agreement_is_issued_with_its_fields_on_the_signature_page(
    tiny_site: TinyProject,
) -> None:
    tiny_site.client(long_client(30, 0))
    assert tiny_site.lines() == []
    run = tiny_site.tripod("issue", "acme")
    assert run.code == 0, run.err
    data = (tiny_site.root / ISSUED).read_bytes()
    page = signature_page(pages(data))
    assert {name: on for name, (on, _) in widgets(data).items()} == {
        "Provider": page,
        "Client": page,
    }


# ------------------------------------------------------------------ 5. reproducible bytes


def test_the_same_terms_render_to_the_same_bytes(issued: TinyProject) -> None:
    canonical, first = rendered(issued)
    again, second = rendered(issued)
    assert canonical == again
    assert first.pdf == second.pdf
    assert first.boxes == second.boxes
    # what the provider signed is exactly that rendering: signing only appends
    assert (issued.root / ISSUED).read_bytes().startswith(first.pdf)
    # and the draft differs from it only by being a draft
    _, draft = rendered(issued, draft=True)
    assert draft.pdf == (issued.root / DRAFT).read_bytes()


@pytest.mark.slow
def test_records_do_not_change_the_draft_but_terms_do(tiny_site: TinyProject) -> None:
    tiny_site.client()
    assert tiny_site.tripod("build").code == 0
    first = (tiny_site.root / DRAFT).read_bytes()

    records = with_change("last: 2026-09-14", "last: 2026-10-20")
    records = with_change('phone: "+61 2 5550 0101"', 'phone: "+61 2 5550 0999"', records)
    records = with_change("measured: {pms: 30h}", "measured: {pms: 40h}", records)
    records = with_change("plan_reviewed: 2026-06-30", "plan_reviewed: 2026-07-31", records)
    tiny_site.client(records)
    assert tiny_site.tripod("build").code == 0
    assert (tiny_site.root / DRAFT).read_bytes() == first

    tiny_site.client(
        with_change("{system: mail, rto: 8h, rpo: 4h}", "{system: mail, rto: 12h, rpo: 4h}")
    )
    assert tiny_site.tripod("build").code == 0
    changed = (tiny_site.root / DRAFT).read_bytes()
    assert changed != first
    assert "Hosted mail RTO 12 h RPO 4 h" in " ".join(pages(changed))


def test_dates_attachment_and_pdfa_claim(issued: TinyProject) -> None:
    canonical = canonical_terms(issued)
    for pdf in (issued.root / DRAFT, rendered(issued)[1].pdf):
        reader = PdfReader(io.BytesIO(pdf) if isinstance(pdf, bytes) else pdf)
        # the agreement's effective date, not the day it was rendered
        assert reader.metadata.creation_date == EFFECTIVE
        assert reader.metadata.modification_date == EFFECTIVE
        # the canonical terms travel inside, dated the same
        assert list(reader.attachments) == ["terms.json"]
        assert reader.attachments["terms.json"] == [canonical]
        files = reader.trailer["/Root"]["/Names"]["/EmbeddedFiles"]["/Names"]
        params = files[1].get_object()["/EF"]["/F"].get_object()["/Params"]
        assert str(params["/CreationDate"]).startswith("D:20261101000000")
        assert str(params["/ModDate"]).startswith("D:20261101000000")
        # PDF/A-3b, as the XMP metadata says
        xmp = ET.fromstring(reader.trailer["/Root"]["/Metadata"].get_object().get_data())
        ns = "{http://www.aiim.org/pdfa/ns/id/}"
        claims = {}
        for element in xmp.iter():
            for key in ("part", "conformance"):
                if ns + key in element.attrib:
                    claims[key] = element.attrib[ns + key]
                if element.tag == ns + key:
                    claims[key] = (element.text or "").strip()
        assert claims == {"part": "3", "conformance": "B"}
        create = [e for e in xmp.iter() if e.tag == "{http://ns.adobe.com/xap/1.0/}CreateDate"]
        assert [e.text for e in create] == ["2026-11-01T00:00:00+00:00"]


# ------------------------------------------------------------------ 6. escaping


def test_text_from_yaml_is_text_in_the_pdf(tiny_site: TinyProject) -> None:
    name = '<b>Bold</b> & "Co" *x*'
    text = with_change("name: Acme Dental\n", f"name: '{name}'\n")
    text = with_change("name: Hosted mail,", "name: '<script>x</script>',", text)
    tiny_site.client(text)
    run = tiny_site.tripod("build")
    assert run.code == 0, run.err
    data = (tiny_site.root / DRAFT).read_bytes()
    texts = pages(data)
    joined = " ".join(texts)
    assert name in joined
    assert "<script>x</script>" in joined
    assert "<script>x</script>: RPO 4 h" in joined  # the accepted gap names it too
    for header, _ in margins(data):
        assert header == f"{name} Agreement version 1 (DRAFT)", header
    assert PdfReader(io.BytesIO(data)).metadata.title.endswith(f": {name}, version 1")
    # markup was not interpreted: "Bold" never stands alone as if <b> had been a tag
    assert "Bold" not in joined.replace(name, "")


LONG_NAME = (
    "Practice ledger database (SQL Server VM), replicated every night to the Parramatta offices"
)


def test_a_long_system_name_is_whole_in_tables_and_chart(tiny_site: TinyProject) -> None:
    """A name never loses its start or end: table cells and the chart's labels wrap it."""
    tiny_site.client(with_change("name: Practice server,", f'name: "{LONG_NAME}",'))
    run = tiny_site.tripod("build")
    assert run.code == 0, run.err
    data = (tiny_site.root / DRAFT).read_bytes()
    joined = " ".join(pages(data))
    # Scope, the backup's name, the systems it covers, the objectives, the restore test.
    assert joined.count(LONG_NAME) >= 5, joined
    assert f"The provider tests a restore from the {LONG_NAME} backup every 90 days." in joined
    # The chart draws the name in lines; each line is there, and no word of the name
    # starts left of the page's margin (a clipped label began at a negative x).
    lines = chart.label_lines(LONG_NAME)
    assert len(lines) > 1
    for line in lines:
        assert line in joined
    name_words = set(LONG_NAME.split())
    left_margin = 18 / 25.4 * 72
    for _, on_page in words(data):
        for _, left, _, word in on_page:
            if word in name_words:
                assert left >= left_margin - 1, (word, left)


# ------------------------------------------------------------------ 7. diff and the changelog

# Version 2: the mail RTO goes from 8 h to 12 h, and a file server is added,
# backed up and with an objective.
V2 = with_change("version: 1", "version: 2")
V2 = with_change("{system: mail, rto: 8h, rpo: 4h}", "{system: mail, rto: 12h, rpo: 4h}", V2)
V2 = with_change(
    "criticality: important, hosting: cloud}\n",
    "criticality: important, hosting: cloud}\n"
    "  - {id: files, name: File server, data: 100 GB, criticality: important, hosting: cloud}\n",
    V2,
)
V2 = with_change(
    "backups:\n",
    """\
backups:
  - id: files-backup
    systems: [files]
    method: file
    every: 24h
    retention: 30d
    copies:
      - {where: offsite, location: Provider storage, immutable: true}
      - {where: offsite, location: Second region}
    encrypted: true
    restore_test: {every: 90d, last: 2026-10-01}
""",
    V2,
)
V2 = with_change(
    "    - {system: mail, rto: 12h, rpo: 4h}\n",
    "    - {system: mail, rto: 12h, rpo: 4h}\n    - {system: files, rto: 24h, rpo: 24h}\n",
    V2,
)
CHANGES = [
    "Hosted mail: RTO 8 h → 12 h",
    "Added system File server",
    "Added File server backup",
    "Added DR objective for File server",
]


@pytest.mark.slow
def test_diff_issue_and_site_show_the_same_changes(tiny_site: TinyProject) -> None:
    """One changelog, the same everywhere: the command, the PDF and the site list it alike."""
    tiny_site.client()
    tiny_site.issue_terms()  # version 1, archived without a PDF
    tiny_site.client(V2)
    assert tiny_site.lines() == []

    run = tiny_site.tripod("diff", "acme", "1", "current")
    assert run.code == 0, run.err
    assert all(line.startswith("- ") for line in run.out.splitlines()), run.out
    changes = [line.removeprefix("- ") for line in run.out.splitlines()]
    assert sorted(changes) == sorted(CHANGES), run.out

    run = tiny_site.tripod("diff", "acme", "v1", "v1")
    assert (run.code, run.out) == (0, "no changes to the terms\n")

    run = tiny_site.tripod("diff", "acme", "3", "current")
    assert run.code == 2
    assert run.out == ""
    assert len(run.err.splitlines()) == 1, run.err
    assert "3" in run.err and "issued: v1" in run.err, run.err

    # before v2 is issued: the current site and the draft show what changes from v1, the
    # newest issued
    assert tiny_site.tripod("build").code == 0
    current = tiny_site.root / "site/clients/acme/current/agreement/index.html"
    text, _ = html_page(current)
    in_order(text, "Changes from version 1, the newest issued", *changes)
    draft = " ".join(pages(tiny_site.root / DRAFT))
    in_order(draft, "12. Changes from version 1", *changes, "Signatures")

    run = tiny_site.tripod("issue", "acme")
    assert run.code == 0, run.err
    pdf = " ".join(pages(tiny_site.root / "agreements/acme/v2/agreement-signed.pdf"))
    in_order(pdf, "11. Term", "12. Changes from version 1", *changes, "Signatures")

    assert tiny_site.tripod("build").code == 0
    text, _ = html_page(tiny_site.root / "site/clients/acme/v2/agreement/index.html")
    in_order(text, "Changes from version 1", *changes)
    text, _ = html_page(tiny_site.root / "site/clients/acme/v1/agreement/index.html")
    assert "Changes from version" not in text
    text, _ = html_page(current)  # the current terms are now those of v2, the newest issued
    assert "Changes from version" not in text


# --------------------------------------------------------------- changelog units


@pytest.fixture(scope="module")
def base_terms(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The terms of RICH (with a general and a system exclusion), as archived."""
    project = new_project(tmp_path_factory.mktemp("terms"))
    project.client(RICH)
    data: dict[str, Any] = json.loads(canonical_terms(project))
    return data


def changed(base: dict[str, Any], change: Any) -> list[str]:
    new = copy.deepcopy(base)
    change(new)
    return changelog(base, new)


def system(data: dict[str, Any], system_id: str) -> dict[str, Any]:
    return next(s for s in data["client"]["systems"] if s["id"] == system_id)


def backup(data: dict[str, Any], backup_id: str) -> dict[str, Any]:
    return next(b for b in data["client"]["backups"] if b["id"] == backup_id)


def terms_of_text(root: Path, text: str) -> dict[str, Any]:
    """The terms of a client file as they would be archived, effective scenarios included."""
    project = new_project(root)
    project.client(text)
    data: dict[str, Any] = json.loads(canonical_terms(project))
    return data


def test_changelog_of_identical_terms_is_empty(base_terms: dict[str, Any], tmp_path: Path) -> None:
    assert "scenarios" in base_terms
    assert changelog(base_terms, copy.deepcopy(base_terms)) == []
    assert changelog(base_terms, terms_of_text(tmp_path, RICH)) == []


def test_changelog_says_when_only_a_default_changed(base_terms: dict[str, Any]) -> None:
    """The same file, other terms: a built-in default differs between the two versions."""

    def dwell_time(n: dict[str, Any]) -> None:
        n["scenarios"]["ransomware"]["dwell_time"] = "30 d"

    assert changed(base_terms, dwell_time) == ["Ransomware: dwell time 14 d → 30 d (default)"]
    # A built-in scenario that one side does not know: one line, not one per parameter.
    fewer = copy.deepcopy(base_terms)
    del fewer["scenarios"]["cloud-account-loss"]
    assert changelog(base_terms, fewer) == [
        "Recovery is no longer agreed for loss of a cloud account"
    ]
    assert changelog(fewer, base_terms) == ["Recovery is now agreed for loss of a cloud account"]


def test_changelog_names_a_changed_default_in_each_scenario(
    base_terms: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(recovery, "COURIER_DEFAULT", units.Duration(Fraction(2), "d"))
    new = terms_of_text(tmp_path / "default", RICH)
    assert new["client"] == base_terms["client"]
    assert changelog(base_terms, new) == [
        "Server failure: courier time 1 d → 2 d (default)",
        "Loss of the site: courier time 1 d → 2 d (default)",
        "Ransomware: courier time 1 d → 2 d (default)",
        "Loss of a cloud account: courier time 1 d → 2 d (default)",
    ]
    # A courier time the file gives is not a default: a new default changes nothing.
    own = with_change("  validation: 2h\n", "  validation: 2h\n  courier: 1d\n", RICH)
    monkeypatch.undo()
    before = terms_of_text(tmp_path / "own-before", own)
    monkeypatch.setattr(recovery, "COURIER_DEFAULT", units.Duration(Fraction(2), "d"))
    assert changelog(before, terms_of_text(tmp_path / "own-after", own)) == []


@pytest.mark.parametrize(
    ("old", "new", "lines"),
    [
        (
            "restore_rate: 400 GB/h",
            "restore_rate: 500 GB/h",
            ["Disaster recovery: restore rate 400 GB/h → 500 GB/h"],
        ),
        (
            "rto: 72h, rpo: 4h, mtd: 5d",
            "rto: 48h, rpo: 4h, mtd: 5d",
            ["Practice server: RTO 72 h → 48 h"],
        ),
        (
            "  validation: 2h\n",
            "  validation: 2h\n  recovery_target: provider-cloud\n  courier: 2d\n",
            [
                "Disaster recovery: courier time set to 2 d",
                "Disaster recovery: recovery target set to provider-cloud",
            ],
        ),
        (
            "  validation: 2h\n",
            "  validation: 2h\n  scenarios:\n    ransomware:\n      restore_rate: 50 GB/h\n"
            "      objectives: [{system: pms, rto: 5d}]\n",
            [
                "Added DR objective for Practice server (ransomware)",
                "Disaster recovery, ransomware: restore rate set to 50 GB/h",
            ],
        ),
    ],
    ids=["restore-rate", "objective", "recovery-target", "scenario-settings"],
)
def test_changelog_says_a_change_in_the_file_once(
    base_terms: dict[str, Any], tmp_path: Path, old: str, new: str, lines: list[str]
) -> None:
    """The file's change is one line; its copies in every scenario's effective parameters,
    objectives that follow a changed objective included, are not repeated as defaults."""
    after = terms_of_text(tmp_path, with_change(old, new, RICH))
    assert after["scenarios"] != base_terms["scenarios"]
    assert changelog(base_terms, after) == lines


def test_changelog_renamed_system_is_one_change(base_terms: dict[str, Any]) -> None:
    lines = changed(base_terms, lambda n: system(n, "pms").update(name="Main server"))
    assert len(lines) == 1, lines
    assert "Practice server" in lines[0] and "Main server" in lines[0]
    assert lines == ["Main server: name Practice server → Main server"]


def test_changelog_backup_interval(base_terms: dict[str, Any]) -> None:
    assert changed(base_terms, lambda n: backup(n, "pms-image").update(every="6 h")) == [
        "Practice server backup: interval 4 h → 6 h"
    ]


def test_changelog_copies(base_terms: dict[str, Any]) -> None:
    def add(n: dict[str, Any]) -> None:
        backup(n, "pms-image")["copies"].append({"where": "offsite", "location": "Tape vault"})

    assert changed(base_terms, add) == [
        "Practice server backup: copies local at NAS, offsite at Object storage (immutable) → "
        "local at NAS, offsite at Object storage (immutable), offsite at Tape vault"
    ]

    def immutable(n: dict[str, Any]) -> None:
        backup(n, "mail-saas")["copies"][1]["immutable"] = True

    (line,) = changed(base_terms, immutable)
    assert line.startswith("Hosted mail backup: copies ")
    assert line.endswith(
        "→ offsite at SaaS vendor (immutable), offsite at Provider storage (immutable)"
    )


def test_changelog_bc_owner_in_names(base_terms: dict[str, Any]) -> None:
    """Plain words: the people by their names, as the agreement prints them, not file ids."""
    lines = changed(
        base_terms, lambda n: n["client"]["business_continuity"].update(owner="resilient")
    )
    assert len(lines) == 1, lines
    assert lines[0].startswith("Business continuity: owner"), lines
    assert "Maria Chen" in lines[0] and "Resilient Continuity Co" in lines[0], lines


def test_changelog_removed_acknowledgement(base_terms: dict[str, Any]) -> None:
    assert changed(base_terms, lambda n: n["client"].update(acknowledged=[])) == [
        "Removed accepted gap for Hosted mail (the backups do not run often enough for its RPO)"
    ]
    assert changed(base_terms, lambda n: n["client"].pop("acknowledged")) == [
        "Removed accepted gap for Hosted mail (the backups do not run often enough for its RPO)"
    ]


def test_changelog_general_exclusions(base_terms: dict[str, Any]) -> None:
    def add(n: dict[str, Any]) -> None:
        n["client"]["exclusions"].append("Printers are not backed up.")

    def remove(n: dict[str, Any]) -> None:
        n["client"]["exclusions"].remove("Staff personal devices are not backed up.")

    assert changed(base_terms, add) == ["Added exclusion: Printers are not backed up."]
    assert changed(base_terms, remove) == [
        "Removed exclusion: Staff personal devices are not backed up."
    ]
    # from none and to none
    none = copy.deepcopy(base_terms)
    none["client"].pop("exclusions")
    only = copy.deepcopy(none)
    only["client"]["exclusions"] = ["Printers are not backed up."]
    assert changelog(none, only) == ["Added exclusion: Printers are not backed up."]
    assert changelog(only, none) == ["Removed exclusion: Printers are not backed up."]


def test_changelog_system_exclusion_beside_general_ones(base_terms: dict[str, Any]) -> None:
    """The SPEC's own example mixes both kinds of exclusion: a change to one reads plainly."""

    def remove(n: dict[str, Any]) -> None:
        n["client"]["exclusions"] = [e for e in n["client"]["exclusions"] if isinstance(e, str)]

    lines = changed(base_terms, remove)
    assert len(lines) == 1, lines
    assert "CCTV recorder" in lines[0], lines
    assert "Removed" in lines[0], lines
    assert "reason" not in lines[0] and "cctv" not in lines[0], lines


def test_changelog_provider_legal_name(base_terms: dict[str, Any]) -> None:
    assert changed(
        base_terms, lambda n: n["provider"].update(legal_name="Southern Cross IT Pty Ltd")
    ) == ["Provider: legal name Southern Cross IT Services Pty Ltd → Southern Cross IT Pty Ltd"]


def test_changelog_provider_signatory_is_not_the_provider_name(
    base_terms: dict[str, Any],
) -> None:
    """A new signatory for the provider must not read as the provider being renamed."""
    lines = changed(base_terms, lambda n: n["provider"]["signatory"].update(name="Jane Roe"))
    assert len(lines) == 1, lines
    assert "Tom Baker → Jane Roe" in lines[0]
    assert "signatory" in lines[0].lower(), lines


def test_changelog_restore_test_interval_is_not_the_backup_interval(
    base_terms: dict[str, Any],
) -> None:
    backup_every = changed(base_terms, lambda n: backup(n, "pms-image").update(every="90 d"))
    restore_every = changed(
        base_terms, lambda n: backup(n, "pms-image")["restore_test"].update(every="30 d")
    )
    assert len(restore_every) == 1, restore_every
    assert "restore test" in restore_every[0], restore_every
    assert "90 d → 30 d" in restore_every[0]
    assert restore_every[0] != backup_every[0].replace("4 h → 90 d", "90 d → 30 d")
    dr_every = changed(
        base_terms, lambda n: n["client"]["disaster_recovery"]["test"].update(every="6 mo")
    )
    assert len(dr_every) == 1 and "test" in dr_every[0], dr_every
    assert "12 mo → 6 mo" in dr_every[0]


def test_changelog_template_wording(base_terms: dict[str, Any]) -> None:
    assert changed(base_terms, lambda n: n.update(template="0" * 64)) == [
        "The wording of the agreement changed"
    ]


def test_changelog_ignores_the_version_number(base_terms: dict[str, Any]) -> None:
    assert changed(base_terms, lambda n: n["client"]["agreement"].update(version=2)) == []


def test_changelog_reordered_lists_are_no_change(base_terms: dict[str, Any]) -> None:
    def reorder(n: dict[str, Any]) -> None:
        client = n["client"]
        for key in ("systems", "backups", "contacts", "third_parties"):
            client[key].reverse()
        client["disaster_recovery"]["objectives"].reverse()
        client["responsibilities"] = [
            {"activity": "procure-hardware", "responsible": "provider", "accountable": "client"},
            {"activity": "dr-tests", "responsible": "provider", "accountable": "provider"},
        ]

    before = copy.deepcopy(base_terms)
    before["client"]["responsibilities"] = [
        {"activity": "dr-tests", "responsible": "provider", "accountable": "provider"},
        {"activity": "procure-hardware", "responsible": "provider", "accountable": "client"},
    ]
    after = copy.deepcopy(before)
    reorder(after)
    assert after != before
    assert changelog(before, after) == []
    assert changelog(after, before) == []


def test_changelog_reordered_exclusions_are_no_change(base_terms: dict[str, Any]) -> None:
    """RICH lists a general exclusion and a system exclusion; the order of the list means nothing."""
    assert len(base_terms["client"]["exclusions"]) == 2
    assert changed(base_terms, lambda n: n["client"]["exclusions"].reverse()) == []
