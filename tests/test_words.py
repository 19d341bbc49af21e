"""What a client reads: words, not the file's ids and codes; names in the right form;
no label that the value after it repeats."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import example_project

from conftest import CLIENT, PROVIDER, TODAY, TinyProject, read_page, with_change
from generator.format import names
from generator.format.load import load_client
from generator.site.pages import PAGES

EXAMPLES = ("harbour-dental", "lawson-reid", "ridgeline-fabrication")
DRAFT = Path("site/clients/acme/current/agreement-draft.pdf")


# ------------------------------------------------------------------ possessives


@pytest.mark.parametrize(
    ("name", "possessive"),
    [
        ("Harbour Dental Group", "Harbour Dental Group's"),
        ("Quill & Partners Accountants", "Quill & Partners Accountants'"),
        ("ACME SYSTEMS", "ACME SYSTEMS'"),
        ("Lawson & Reid Lawyers", "Lawson & Reid Lawyers'"),
        ("Ortiz", "Ortiz's"),
        ("Fairfax", "Fairfax's"),
        ("McDonald’s", "McDonald’s"),  # already a possessive: nothing to add
        ("Bob's", "Bob's"),
        ("Southern Cross IT", "Southern Cross IT's"),
        ("Acme Ltd.", "Acme Ltd.'s"),
    ],
)
def test_possessive(name: str, possessive: str) -> None:
    assert names.possessive(name) == possessive


@pytest.mark.parametrize(
    ("value", "label", "shown"),
    [
        ("Footage is not worth keeping", "Excluded", "Excluded: Footage is not worth keeping"),
        ("Excluded because footage is kept by the vendor", "Excluded",
         "Excluded because footage is kept by the vendor"),
        ("excluded: kept by the vendor", "Excluded", "excluded: kept by the vendor"),
        ("Staff work from home", "Staff work from", "Staff work from home"),
        ("Staffing agency office", "Staff work from", "Staff work from: Staffing agency office"),
        ("Why not: cost", "Why", "Why not: cost"),
    ],
)  # fmt: skip
def test_a_label_is_not_said_again_by_its_value(value: str, label: str, shown: str) -> None:
    assert names.labelled(value, label) == shown


# ------------------------------------------------------------------ backup names


def test_a_backup_is_named_after_its_systems_unless_it_has_a_name(tmp_path: Path) -> None:
    text = with_change("    systems: [mail]\n", "    systems: [mail, pms]\n")
    text = with_change(
        "  - id: pms-image\n", "  - id: pms-image\n    name: Nightly server image\n", text
    )
    path = tmp_path / "acme.yaml"
    path.write_text(text, "utf-8")
    client = load_client(path, "acme", TODAY).model
    assert client is not None
    image, mail = client.backups
    assert names.backup_name(client, image) == "Nightly server image"
    assert names.backup_name(client, mail) == "Hosted mail and Practice server backup"
    assert names.joined(["A", "B", "C"]) == "A, B and C"


def test_a_backup_without_a_name_changes_no_terms(tmp_path: Path) -> None:
    """`name` is optional and left out of the terms when absent: issued fingerprints stay."""
    from generator.format.load import load_provider
    from generator.terms import canonical

    path = tmp_path / "acme.yaml"
    path.write_text(CLIENT, "utf-8")
    (tmp_path / "provider.yaml").write_text(PROVIDER, "utf-8")
    client = load_client(path, "acme", TODAY).model
    provider = load_provider(tmp_path / "provider.yaml", "provider.yaml", tmp_path).model
    assert client is not None and provider is not None
    terms = canonical.terms_of(client, provider, "t")
    assert all("name" not in backup for backup in terms["client"]["backups"])


# ------------------------------------------------------------------ the example sites


@pytest.fixture(scope="module")
def examples(tmp_path_factory: pytest.TempPathFactory) -> TinyProject:
    return example_project(tmp_path_factory.mktemp("examples"), built=True)


def _article(path: Path) -> str:
    """The page's own content as a person reads it (no navigation, no scripts, no chart)."""
    page = path.read_text("utf-8")
    found = re.search(r"<article\b.*?</article>", page, re.S)
    assert found, path
    return read_page(re.sub(r"<svg\b.*?</svg>", "", found.group(0), flags=re.S)).text


def _cells(path: Path) -> list[str]:
    page = path.read_text("utf-8")
    return [read_page(cell).text for cell in re.findall(r"<t[dh]\b[^>]*>(.*?)</t[dh]>", page, re.S)]


def _pages(project: TinyProject, client: str) -> list[Path]:
    folder = project.root / "site" / "clients" / client / "current"
    return [
        folder / name.removesuffix(".md").replace("index", "") / "index.html" for _, name in PAGES
    ]


def _finding_messages(project: TinyProject, client: str) -> list[str]:
    """What the rules say about the client (their wording is the rules', checked apart)."""
    return [f.message for f in project.findings(client)]


# Codes of the file that a client never reads as they are.
CODES = {
    "image", "file", "database", "saas", "snapshot",
    "local", "offsite",
    "on-premises", "cloud",
    "critical", "important", "deferrable",
    "R", "A", "C", "I", "RA", "RC", "RI", "AC", "AI", "CI",
}  # fmt: skip


@pytest.mark.parametrize("client", EXAMPLES)
def test_no_backup_id_or_code_in_what_a_client_reads(examples: TinyProject, client: str) -> None:
    model = load_client(examples.root / "clients" / f"{client}.yaml", client, TODAY).model
    assert model is not None
    ids = [b.id for b in model.backups]
    messages = _finding_messages(examples, client)
    for path in _pages(examples, client):
        text = _article(path)
        for message in messages:
            text = text.replace(message[:1].upper() + message[1:], "").replace(message, "")
        for backup_id in ids:
            assert not re.search(rf"(?<![\w-]){re.escape(backup_id)}(?![\w-])", text), (
                f"{path}: backup id {backup_id} in {text}"
            )
        for code in ("saas", "on-premises", "deferrable"):
            assert not re.search(rf"(?<![\w-]){code}(?![\w-])", text), f"{path}: {code}"
        for cell in _cells(path):
            assert cell not in CODES, f"{path}: a table cell reads {cell!r}"
    backups = _article(_pages(examples, client)[1])
    for backup in model.backups:
        assert names.capitalised(names.backup_name(model, backup)) in backups


def test_findings_name_backups_as_the_client_does(examples: TinyProject) -> None:
    model = load_client(examples.root / "clients" / "lawson-reid.yaml", "lawson-reid", TODAY).model
    assert model is not None
    text = _article(_pages(examples, "lawson-reid")[0])
    assert "dms-snapshots" not in text


def test_the_responsibilities_say_the_roles_in_words(examples: TinyProject) -> None:
    text = _article(_pages(examples, "harbour-dental")[4])
    assert "responsible : does the work;" in text or "responsible: does the work;" in text
    assert "Configure the backups Backup Responsible, accountable" in text
    assert "Declare a disaster Disaster recovery Consulted Responsible, accountable" in text


# ------------------------------------------------------------------ doubled phrases

# Two to four words, the first a word of letters, said again straight after.
_DOUBLED = re.compile(r"\b([A-Za-z]{2,}(?: \w+){1,3})[:,.]? \1\b", re.IGNORECASE)


def _blocks(path: Path) -> list[str]:
    """Each paragraph, list item and table row of the page's content, as a person reads
    it; a row as its cells joined by ": ", so a label cell and its value read as one."""
    page = path.read_text("utf-8")
    found = re.search(r"<article\b.*?</article>", page, re.S)
    assert found, path
    article = re.sub(r"<svg\b.*?</svg>", "", found.group(0), flags=re.S)
    blocks = [
        read_page(b).text for b in re.findall(r"<(?:p|li)\b[^>]*>(.*?)</(?:p|li)>", article, re.S)
    ]
    for row in re.findall(r"<tr\b[^>]*>(.*?)</tr>", article, re.S):
        cells = [read_page(c).text for c in re.findall(r"<t[dh]\b[^>]*>(.*?)</t[dh]>", row, re.S)]
        blocks.append(": ".join(c for c in cells if c))
    return blocks


@pytest.mark.parametrize("client", EXAMPLES)
def test_no_phrase_is_said_twice_in_a_row(examples: TinyProject, client: str) -> None:
    """A label is never followed by a value that starts with the label's words
    ("Staff work from: Staff work from home"), and no name is given twice."""
    for path in _pages(examples, client):
        blocks = _blocks(path)
        assert blocks, path
        doubled = [m.group(0) for block in blocks for m in _DOUBLED.finditer(block)]
        assert doubled == [], f"{path}: {doubled}"


def test_a_specialist_who_owns_the_plan_is_named_once(tiny_site: TinyProject) -> None:
    tiny_site.client(with_change("  owner: maria\n", "  owner: resilient\n"))
    run = tiny_site.tripod("build")
    assert run.code == 0, run.err
    runbook = tiny_site.root / "site/clients/acme/current/runbook/index.html"
    text = _article(runbook)
    assert "Who owns the plan Resilient Continuity Co" in text
    assert "Resilient Continuity Co, with Resilient Continuity Co" not in text


def test_the_name_of_a_firm_ending_in_s_takes_an_apostrophe(tiny_site: TinyProject) -> None:
    from pypdf import PdfReader

    tiny_site.client(with_change("name: Acme Dental\n", "name: Quill & Partners Accountants\n"))
    run = tiny_site.tripod("build")
    assert run.code == 0, run.err
    site = tiny_site.root / "site/clients/acme/current"
    overview = _article(site / "index.html")
    assert "Quill & Partners Accountants' plan, owned by Maria Chen" in overview
    for page in site.rglob("index.html"):
        assert "Accountants's" not in page.read_text("utf-8").replace("&#39;", "'"), page
    pdf = " ".join(p.extract_text() for p in PdfReader(tiny_site.root / DRAFT).pages)
    assert "Accountants's" not in pdf and "Accountants&#39;s" not in pdf


def test_a_reason_that_starts_with_its_label_is_not_labelled_twice(
    tiny_site: TinyProject,
) -> None:
    from pypdf import PdfReader

    text = CLIENT + (
        "exclusions:\n  - {system: cctv, reason: Excluded because the vendor keeps the footage}\n"
    )
    text = with_change(
        "criticality: important, hosting: cloud}\n",
        "criticality: important, hosting: cloud}\n"
        "  - {id: cctv, name: CCTV recorder, data: 2 TB, criticality: deferrable,"
        " hosting: on-premises}\n",
        text,
    )
    text = with_change("reason: Daily is enough,", "reason: Why? Daily is enough,", text)
    tiny_site.client(text)
    run = tiny_site.tripod("build")
    assert run.code == 0, run.err
    site = tiny_site.root / "site/clients/acme/current"
    overview = _article(site / "index.html")
    assert "On the premises Excluded because the vendor keeps the footage" in overview
    limitations = _article(site / "limitations/index.html")
    assert "Not backed up: CCTV recorder. Why: Excluded because the vendor keeps" in limitations
    assert "Why? Daily is enough" in limitations and "Why: Why" not in limitations
    pdf = " ".join(
        " ".join(p.extract_text().split()) for p in PdfReader(tiny_site.root / DRAFT).pages
    )
    assert "Excluded: Excluded" not in pdf
    assert "Excluded because the vendor keeps the footage" in pdf


def test_a_phone_number_is_kept_on_one_line_and_stays_text() -> None:
    from generator.render import unbroken

    assert unbroken("+61 2 5550 0101") == "&#43;61&#160;2&#160;5550&#160;0101"
    assert unbroken("<b>call</b>  now") == "&#60;b&#62;call&#60;&#47;b&#62;&#160;now"
    assert unbroken(None) == "—"
