"""Text from a client file is text wherever it lands, and no page asks another host for anything.

One hostile client file is built twice, once per module (through the real `tripod build`):

- with the repository's `mkdocs.yml` as it is, and
- with that configuration plus the Markdown extensions a provider might switch on
  (`attr_list`, `pymdownx.emoji`, `pymdownx.snippets` allowed to read the project folder and
  `/`) and a `site_url`, so that attribute lists, emoji and snippet includes *would* fire if a
  client's text ever reached Markdown as syntax.

Every page is parsed with `html.parser` into a small tree: the hostile strings must be in the
text content exactly as written (after whitespace normalisation, since HTML folds a newline),
and no element, attribute, comment, admonition or table cell may have been made from them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from conftest import PROVIDER, TinyProject, own_mkdocs_yml

# ---------------------------------------------------------------- the hostile client

NAME = '<script>alert(1)</script> & "Co"'
LINK = "[link](javascript:alert(1))"
ADMONITION = '!!! note "x"'
ROLE = "Practice manager\n# heading"  # a folded block scalar with a blank line: one newline
AMP = "&amp;"
# A value that is nothing but `<...>` is refused as an unfilled placeholder, so the HTML ones
# carry a word around them.
IMG = "Server <img src=x onerror=alert(1)>"
PIPES = "a | b | c"
CODE = "`code`"
EMPHASIS = "*emphasis*"
BOLD = "**bold**"
SMILE = ":smile:"
VAULT = "Vault <!-- comment --> B"
KIOSK = "Kiosk <!-- comment --> only"
ATTR = 'Sister practice {: .attr #id onclick="x" }'
PRINTERS = 'Printers\n{: .attr #id onclick="x" }'  # folded: a block attribute list if obeyed
PASSWD = '--8<-- "/etc/passwd"'
CANARY_FILE = "snippet-canary.txt"
CANARY = "CANARY-8d41f0 the contents of a file a snippet include would pull in"
COMMUNICATIONS = f'{ADMONITION}\n--8<-- "{CANARY_FILE}"'  # folded: the second line at a line start
NOTHING = f"Nothing else\n{PASSWD}"

HOSTILE = f"""\
id: acme
name: '<script>alert(1)</script> & "Co"'
legal_name: '[link](javascript:alert(1))'
contacts:
  - id: maria
    name: '!!! note "x"'
    role: >-
      Practice manager

      # heading
    phone: "+61 2 5550 0101"
third_parties:
  - {{id: resilient, name: '&amp;', role: BC specialist}}
agreement:
  version: 1
  effective: 2026-11-01
  term: 12mo
  signatories: {{client: maria}}
systems:
  - {{id: pms, name: 'Server <img src=x onerror=alert(1)>', data: 420 GB, criticality: critical, hosting: on-premises}}
  - {{id: mail, name: 'a | b | c', data: 60 GB, criticality: important, hosting: cloud}}
  - {{id: kiosk, name: '`code`', data: 1 GB, criticality: deferrable, hosting: cloud}}
backups:
  - id: pms-image
    systems: [pms]
    method: image
    every: 4h
    retention: 30d
    copies:
      - {{where: local, location: '*emphasis*'}}
      - {{where: offsite, location: '**bold**', immutable: true}}
    encrypted: true
    restore_test: {{every: 90d, last: 2026-09-14}}
  - id: mail-saas
    systems: [mail]
    method: saas
    every: 24h
    retention: 1y
    copies:
      - {{where: offsite, location: ':smile:', immutable: true}}
      - {{where: offsite, location: 'Vault <!-- comment --> B'}}
    encrypted: true
    restore_test: {{every: 180d, last: 2026-08-01}}
disaster_recovery:
  recovery_site: Provider data centre
  hardware: {{procurement: 2d, standby: false}}
  download_bandwidth: 200 Mbps
  restore_rate: 400 GB/h
  network_reconfiguration: 6h
  validation: 2h
  objectives:
    - {{system: pms, rto: 72h, rpo: 4h, mtd: 5d}}
    - {{system: mail, rto: 8h, rpo: 4h}}
  invocation: {{client: maria, provider: Service desk lead}}
  test: {{every: 12mo, last: 2026-03-02, measured: {{pms: 30h}}}}
business_continuity:
  owner: maria
  specialist: resilient
  alternate_workplace: 'Sister practice {{: .attr #id onclick="x" }}'
  staff_access: '--8<-- "/etc/passwd"'
  communications: >-
    !!! note "x"

    --8<-- "{CANARY_FILE}"
  plan_reviewed: 2026-06-30
acknowledged:
  - {{check: rpo-unachievable, system: mail, reason: '[link](javascript:alert(1))', accepted_by: maria}}
exclusions:
  - {{system: kiosk, reason: 'Kiosk <!-- comment --> only'}}
  - '--8<-- "/etc/passwd"'
  - >-
    Printers

    {{: .attr #id onclick="x" }}
  - >-
    Nothing else

    --8<-- "/etc/passwd"
"""

SITE_URL = "https://docs.example.com/"
EXTENSIONS = """\
markdown_extensions:
  - attr_list
  - pymdownx.emoji
  - pymdownx.snippets:
      base_path: [{root}, /]
      check_paths: false
"""

# Where each string lands: the text of each page's article must contain these.
PAGES: dict[str, tuple[str, ...]] = {
    "index.html": (NAME, LINK, ADMONITION, IMG, PIPES, CODE, KIOSK),
    "backups/index.html": (
        NAME,
        IMG,
        PIPES,
        EMPHASIS,
        BOLD,
        SMILE,
        VAULT,
        f"{ADMONITION} {PASSWD}",
        f"{EMPHASIS} {SMILE}.png",
    ),
    "disaster-recovery/index.html": (NAME, IMG, PIPES),
    "business-continuity/index.html": (NAME, ADMONITION, AMP, ATTR, PASSWD, COMMUNICATIONS),
    "responsibilities/index.html": (NAME, AMP),
    "contacts/index.html": (NAME, ADMONITION, ROLE, AMP),
    "runbook/index.html": (NAME, ADMONITION, ROLE, COMMUNICATIONS, IMG, PIPES, ATTR, PASSWD, AMP),
    "limitations/index.html": (ADMONITION, PIPES, LINK, CODE, KIOSK, PASSWD, PRINTERS, NOTHING),
    "agreement/index.html": (NAME, LINK, ADMONITION),
}
TITLES = {
    "index.html": None,  # the title is the site name alone
    "backups/index.html": "Backups",
    "disaster-recovery/index.html": "Disaster recovery",
    "business-continuity/index.html": "Business continuity",
    "responsibilities/index.html": "Responsibilities",
    "contacts/index.html": "Contacts",
    "runbook/index.html": "Recovery runbook",
    "limitations/index.html": "Known limitations",
    "agreement/index.html": "Agreement",
    "404.html": None,
}
DASHBOARD: dict[str, tuple[str, ...]] = {
    "index.html": (NAME,),
    "findings/index.html": (NAME, PIPES, ADMONITION, LINK),
}

# Pieces of the hostile strings that no fixed text of Tripod or Material contains.
MARKERS = (
    "alert(1)",
    '"Co"',
    'note "x"',
    "emphasis",
    "**bold**",
    "&amp;",
    "/etc/passwd",
    "onclick",
    "Sister practice",
    "Vault",
    "Kiosk",
    "Server",
    "a | b | c",
    "`code`",
    ":smile:",
    "Practice manager",
    "Printers",
    "Nothing else",
    "snippet-canary",
)

# Words that would be left inside an element had the Markdown around them been obeyed.
FORMATTED_WORDS = {"emphasis", "bold", "code"}

# The elements a string must be whole inside of, not pieced together from several.
LEAVES = {"p", "li", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "text", "a"}


def norm(value: str) -> str:
    """Whitespace folded as HTML shows it."""
    return " ".join(value.split())


# ---------------------------------------------------------------- a small HTML tree

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param"}
VOID |= {"source", "track", "wbr"}


@dataclass(eq=False)
class Element:
    tag: str
    attrs: dict[str, str | None]
    children: list[Element | str] = field(default_factory=list)

    @property
    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def iter(self) -> Iterator[Element]:
        yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.iter()

    def all(self, tag: str, cls: str | None = None) -> list[Element]:
        return [e for e in self.iter() if e.tag == tag and (cls is None or cls in e.classes)]

    def one(self, tag: str, cls: str | None = None) -> Element:
        found = self.all(tag, cls)
        assert len(found) == 1, f"expected one <{tag} class={cls}>, found {len(found)}"
        return found[0]

    def elements(self) -> list[Element]:
        return [c for c in self.children if isinstance(c, Element)]


@dataclass
class Document:
    root: Element
    comments: list[str]


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.stack = [self.root]
        self.comments: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, dict(attrs))
        self.stack[-1].children.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Element(tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)

    def handle_comment(self, data: str) -> None:
        self.comments.append(data)


def parse(html: str) -> Document:
    builder = _Builder()
    builder.feed(html)
    builder.close()
    return Document(builder.root, builder.comments)


def load(path: Path) -> Document:
    return parse(path.read_text("utf-8"))


def article(doc: Document) -> Element:
    return doc.root.one("article", "md-content__inner")


def tables(element: Element) -> list[list[list[str]]]:
    """Each table as rows of normalised cell texts, the header row first."""
    result = []
    for table in element.all("table"):
        rows = []
        for tr in table.all("tr"):
            rows.append([norm(c.text()) for c in tr.elements() if c.tag in ("td", "th")])
        result.append(rows)
    return result


def table_with(element: Element, header: list[str]) -> list[list[list[str]]]:
    found = [t for t in tables(element) if t and t[0] == header]
    assert found, f"no table with header {header}; tables: {[t[0] for t in tables(element)]}"
    return found


def rows_by_key(table: list[list[str]]) -> dict[str, str]:
    return {row[0]: row[1] for row in table[1:]}


def assert_inert(root: Element, comments: list[str], where: str) -> None:
    """Nothing in this tree was made from a client's text."""
    for comment in comments:
        assert "comment" not in comment, f"{where}: client text became an HTML comment"
    for el in root.iter():
        for name, value in el.attrs.items():
            assert not name.startswith("on"), f"{where}: <{el.tag} {name}={value!r}>"
            assert "javascript:" not in re.sub(r"\s", "", value or "").lower(), (
                f"{where}: <{el.tag} {name}={value!r}>"
            )
        assert el.tag not in ("img", "iframe", "object", "embed", "foreignobject"), (
            f"{where}: an element <{el.tag} {el.attrs}> was made"
        )
        if el.tag == "script":
            assert "alert" not in el.text(), f"{where}: a script with client text"
        if el.tag in ("em", "strong", "code", "b", "i", "mark", "kbd"):
            assert norm(el.text()) not in FORMATTED_WORDS, (
                f"{where}: <{el.tag}>{el.text()}</{el.tag}> was made from Markdown in client text"
            )
        assert el.attrs.get("id") != "id", f"{where}: an attribute list set id on <{el.tag}>"
        assert "attr" not in el.classes, f"{where}: an attribute list set a class on <{el.tag}>"
        assert not el.classes & {"emojione", "twemoji", "emoji", "gemoji"}, (
            f"{where}: an emoji was made: <{el.tag} {el.attrs}>"
        )
        if "admonition" in el.classes:
            assert "note" not in el.classes, f"{where}: an admonition was made: {el.attrs}"
            titles = el.all("p", "admonition-title")
            assert titles and norm(titles[0].text()) != "x", f"{where}: an admonition was made"
        if re.fullmatch(r"h[1-6]", el.tag):
            assert "heading" not in el.text(), f"{where}: a heading was made from client text"


# ---------------------------------------------------------------- the builds


@dataclass
class Built:
    project: TinyProject
    extended: bool

    @property
    def site(self) -> Path:
        return self.project.root / "site"

    @property
    def client(self) -> Path:
        return self.site / "clients" / "acme"

    @property
    def current(self) -> Path:
        return self.client / "current"

    @property
    def internal(self) -> Path:
        return self.site / "internal"

    @property
    def site_url(self) -> str | None:
        return SITE_URL if self.extended else None


def _project(root: Path, extended: bool) -> TinyProject:
    # The same project as the `tiny_site` fixture (provider, mkdocs.yml, templates), made
    # here once per module so that every test reads one build.
    project = TinyProject(root)
    project.write("provider.yaml", PROVIDER)
    (root / "clients").mkdir()
    project.write(CANARY_FILE, CANARY + "\n")
    if extended:
        config = own_mkdocs_yml()
        assert config.count("\nmarkdown_extensions:\n") == 1
        config = config.replace(
            "\nmarkdown_extensions:\n", "\n" + EXTENSIONS.format(root=json.dumps(str(root)))
        )
        config += f"site_url: {SITE_URL}\n"
        (root / "mkdocs.yml").write_text(config, "utf-8")
    project.client(HOSTILE)
    _hostile_evidence(root)
    return project


def _hostile_evidence(root: Path) -> None:
    """Evidence whose tool, repository, note and file name are the hostile strings: the
    backups page's health and its chart print them (the note and file name whole in a list
    item, the tool and repository in each mark's title)."""
    import datetime as dt

    from generator.evidence import store
    from generator.evidence.records import EvidenceFile, RestoreTest, Run

    start = dt.datetime(2026, 11, 24, 2, tzinfo=dt.UTC)
    store.write(
        store.backup_file(root, "acme", "pms-image"),
        [
            Run(IMG, LINK, None, start, None, "success", 10**12),
            Run(PIPES, VAULT, None, start.replace(hour=6), None, "failed", None),
            RestoreTest(start.date(), "pms", "passed", "2h", f"{ADMONITION} {PASSWD}",
                        EvidenceFile(f"{EMPHASIS} {SMILE}.png", "ab" * 32)),
        ],
    )  # fmt: skip


@pytest.fixture(scope="module", params=[False, True], ids=["repository-config", "extensions-on"])
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Built:
    extended: bool = request.param
    project = _project(tmp_path_factory.mktemp("escaping"), extended)
    check = project.tripod("check")
    assert check.code == 0, check.out + check.err
    assert "schema/" not in check.out, check.out
    run = project.tripod("build")
    assert run.code == 0, run.out + run.err
    assert "not built" not in run.out + run.err, run.out + run.err
    return Built(project, extended)


# ---------------------------------------------------------------- the file itself


def test_the_hostile_strings_are_what_the_yaml_says() -> None:
    data = yaml.safe_load(HOSTILE)
    assert data["name"] == NAME
    assert data["legal_name"] == LINK
    assert data["contacts"][0]["name"] == ADMONITION
    assert data["contacts"][0]["role"] == ROLE
    assert data["third_parties"][0]["name"] == AMP
    assert [s["name"] for s in data["systems"]] == [IMG, PIPES, CODE]
    copies = [c["location"] for b in data["backups"] for c in b["copies"]]
    assert copies == [EMPHASIS, BOLD, SMILE, VAULT]
    bc = data["business_continuity"]
    assert (bc["alternate_workplace"], bc["staff_access"]) == (ATTR, PASSWD)
    assert bc["communications"] == COMMUNICATIONS
    assert data["acknowledged"][0]["reason"] == LINK
    assert data["exclusions"] == [
        {"system": "kiosk", "reason": KIOSK},
        PASSWD,
        PRINTERS,
        NOTHING,
    ]


def test_the_hostile_file_has_no_schema_error(tiny_site: TinyProject) -> None:
    tiny_site.client(HOSTILE)
    run = tiny_site.tripod("check")
    assert run.code == 0, run.out + run.err
    assert "schema/" not in run.out
    assert tiny_site.lines() == []  # no error, no warning: only the accepted gap


# ---------------------------------------------------------------- the client's pages


@pytest.mark.parametrize("page", list(PAGES))
def test_client_text_shows_as_written(built: Built, page: str) -> None:
    body = article(load(built.current / page))
    for value in PAGES[page]:
        assert any(norm(value) in norm(el.text()) for el in body.iter() if el.tag in LEAVES), (
            f"{page}: {value!r} is not shown as written"
        )


@pytest.mark.parametrize("page", [*PAGES, "404.html"])
@pytest.mark.parametrize("version", ["current", "latest"])
def test_no_element_is_made_from_client_text(built: Built, version: str, page: str) -> None:
    doc = load(built.client / version / page)
    assert_inert(doc.root, doc.comments, f"{version}/{page}")
    if page != "404.html":
        body = article(doc)
        assert len(body.all("h1")) == 1, f"{page}: a heading was made from client text"
        assert not body.all("script"), f"{page}: a script in the page's content"
        for table in tables(body):
            widths = {len(row) for row in table}
            assert widths == {len(table[0])}, f"{page}: a row lost or gained cells: {table}"


@pytest.mark.parametrize("page", list(TITLES))
def test_title_and_header_show_the_client_name_as_text(built: Built, page: str) -> None:
    doc = load(built.current / page)
    title = doc.root.one("head").one("title")
    assert not title.elements()
    expected = NAME if TITLES[page] is None else f"{TITLES[page]} - {NAME}"
    assert title.text() == expected
    topic = doc.root.all("div", "md-header__topic")[0]
    assert [norm(e.text()) for e in topic.all("span", "md-ellipsis")] == [NAME]
    assert not topic.one("span", "md-ellipsis").elements()
    (drawer,) = [e for e in doc.root.all("label", "md-nav__title") if e.attrs["for"] == "__drawer"]
    assert norm(drawer.text()) == NAME
    for logo in doc.root.all("a", "md-logo"):
        assert logo.attrs["title"] == NAME
        assert logo.attrs["aria-label"] == NAME


def test_tables_keep_their_columns_and_cells(built: Built) -> None:
    page = lambda name: article(load(built.current / name))  # noqa: E731

    overview = table_with(
        page("index.html"), ["System", "Data", "Criticality", "Hosting", "Protection"]
    )
    assert [row[0] for row in overview[0][1:]] == [IMG, PIPES, CODE]
    assert overview[0][3][4] == f"Excluded: {KIOSK}"

    backups = page("backups/index.html")
    copies = table_with(
        backups, ["Copy", "Where", "Kept at", "Protected from deletion", "Survives"]
    )
    assert [row[2] for t in copies for row in t[1:]] == [EMPHASIS, BOLD, SMILE, VAULT]
    settings = table_with(backups, ["Setting", "Value"])
    assert [rows_by_key(t)["Systems"] for t in settings] == [IMG, PIPES]

    bc = rows_by_key(
        table_with(page("business-continuity/index.html"), ["Part of the plan", "What it says"])[0]
    )
    assert bc["Owner"] == ADMONITION
    assert bc["Specialist"] == AMP
    assert bc["Alternate workplace"] == ATTR
    assert bc["How staff reach their information"] == PASSWD
    assert bc["Communications"] == norm(COMMUNICATIONS)

    contacts = table_with(page("contacts/index.html"), ["Name", "Role", "Phone", "Email"])
    assert [t[1][:2] for t in contacts] == [[ADMONITION, norm(ROLE)], [AMP, "BC specialist"]]

    dr = page("disaster-recovery/index.html")
    # One table of objectives per scenario (one tab each), each with a verdict column.
    objectives = [t for t in tables(dr) if t[0][:2] == ["#", "System"]]
    assert len(objectives) == 4 and all(t[0][-1] == "Verdict" for t in objectives)
    assert all([row[1] for row in t[1:]] == [IMG, PIPES] for t in objectives)
    breakdown = [t for t in tables(dr) if t[0][:2] == ["System", "Hardware"]]
    assert len(breakdown) == 2  # server failure and loss of the site need hardware
    # Loss of the site does not touch the cloud-hosted PIPES: it has no breakdown.
    assert [row[0] for row in breakdown[1][1:]] == [IMG]

    tree = table_with(page("runbook/index.html"), ["Name", "Role", "Phone"])
    assert tree[0][1][:2] == [ADMONITION, norm(ROLE)]

    matrix = tables(page("responsibilities/index.html"))
    assert matrix[0][0] == ["Activity", "Leg", "Southern Cross IT", NAME, AMP]

    terms = rows_by_key(table_with(page("agreement/index.html"), ["Term", "Agreed"])[0])
    assert terms["Parties"] == f"Southern Cross IT Services Pty Ltd and {LINK}"
    assert terms[f"Signs for {NAME}"] == ADMONITION


def test_lists_and_admonitions_keep_client_text_whole(built: Built) -> None:
    limitations = article(load(built.current / "limitations/index.html"))
    items = [norm(li.text()) for li in limitations.all("li")]
    assert f"Not backed up: {CODE}. Why: {KIOSK}" in items
    assert PASSWD in items
    assert norm(PRINTERS) in items
    assert norm(NOTHING) in items
    admonitions = limitations.all("div", "admonition")
    assert len(admonitions) == 2  # the mail's RPO gap after ransomware and loss of its account
    for admonition in admonitions:
        assert admonition.classes == {"admonition", "warning"}
        assert norm(admonition.one("p", "admonition-title").text()) == f"Accepted by {ADMONITION}"
        assert f"Why: {LINK}" in [norm(p.text()) for p in admonition.all("p")]

    overview = article(load(built.current / "index.html"))
    # The three legs, and no fourth admonition.
    assert len(overview.all("div", "admonition")) == 3

    runbook = article(load(built.current / "runbook/index.html"))
    paragraphs = [norm(p.text()) for p in runbook.all("p")]
    assert norm(COMMUNICATIONS) in paragraphs  # one paragraph: the newline did not survive
    assert not runbook.all("div", "admonition")
    (meanwhile,) = table_with(runbook, ["", "What the plan says"])
    assert rows_by_key(meanwhile) == {
        "Alternate workplace": ATTR,
        "How they reach their information": PASSWD,
        "Who owns the plan": f"{ADMONITION}, with {AMP}",
    }
    items = [norm(li.text()) for li in runbook.all("li")]
    assert [i for i in items if i.endswith("back in about 61.7 h")] == [
        f"{IMG}: back in about 61.7 h"
    ]


def test_the_chart_shows_system_names_as_svg_text(built: Built) -> None:
    doc = load(built.current / "disaster-recovery/index.html")
    charts = article(doc).all("svg", "tripod-chart")
    assert len(charts) == 4  # one per scenario
    svg = charts[1]  # loss of the site
    allowed = {"svg", "title", "desc", "g", "line", "rect", "circle", "text", "tspan", "path"}
    for el in svg.iter():
        assert el.tag in allowed, f"the chart contains <{el.tag} {el.attrs}>"
        assert not any(name.startswith("on") or "href" in name for name in el.attrs), el.attrs
    labels = svg.all("text", "label")
    # A long name is wrapped into lines, one <tspan> each, holding text only; the
    # cloud-hosted PIPES is not affected by loss of the site, so not in the chart.
    lines = [[line.text() for line in t.elements()] or [t.text()] for t in labels]
    assert [" ".join(line) for line in lines] == [IMG]
    for label in labels:
        assert all(e.tag == "tspan" and not e.elements() for e in label.elements())


def test_no_snippet_is_ever_included(built: Built) -> None:
    passwd = Path("/etc/passwd")
    # "home:shell" of each account: what an included /etc/passwd would show, whatever
    # Markdown then did to the rest of the line.
    accounts = (
        [
            ":".join(fields[5:7])
            for fields in (line.split(":") for line in passwd.read_text("utf-8").splitlines())
            if len(fields) == 7
        ]
        if passwd.is_file()
        else []
    )
    for path in built.site.rglob("*"):
        if path.is_file() and path.suffix in {".html", ".json", ".xml", ".js"}:
            content = path.read_text("utf-8", errors="replace")
            assert "CANARY-8d41f0" not in content, f"{path}: a snippet was included"
            for account in accounts:
                assert account not in content, f"{path}: /etc/passwd was included"


# ---------------------------------------------------------------- search, versions, config


def _search_docs(index: Path) -> list[dict[str, str]]:
    data = json.loads(index.read_text("utf-8"))
    docs: list[dict[str, str]] = data["docs"]
    assert docs
    return docs


def test_search_index_holds_client_text_as_escaped_text(built: Built) -> None:
    docs = _search_docs(built.current / "search" / "search_index.json")
    pages: dict[str, list[str]] = {}
    for doc in docs:
        for key in ("title", "text"):
            raw = doc[key]
            # Material's search shows these fields as HTML: client markup must be escaped.
            for tag in ("<script", "<img", "<svg", "<iframe", "<a ", "<!--", "<em", "<strong"):
                assert tag not in raw.lower(), f"search {doc['location']} {key}: {raw!r}"
            fragment = parse(raw)
            assert_inert(fragment.root, fragment.comments, f"search {doc['location']} {key}")
            pages.setdefault(doc["location"].split("#", 1)[0], []).append(fragment.root.text())
    for page, expected in PAGES.items():
        location = page.removesuffix("index.html")
        shown = norm(" ".join(pages[location]))
        for value in expected:
            assert norm(value) in shown, f"search {location}: {value!r} not indexed as written"
    titles = [parse(d["title"]).root.text() for d in docs if d["location"].startswith("contacts/#")]
    assert NAME in titles  # the section titled by the client's name


def test_versions_json_holds_no_client_text(built: Built) -> None:
    raw = (built.client / "versions.json").read_text("utf-8")
    for marker in MARKERS:
        assert marker not in raw, marker
    versions = json.loads(raw)
    assert versions == [
        {"version": "current", "title": "current (draft of v1)", "aliases": ["latest"]}
    ]


def test_material_config_holds_no_client_text(built: Built) -> None:
    doc = load(built.current / "index.html")
    config = json.loads(_config(doc))
    dumped = json.dumps(config, ensure_ascii=False)
    for marker in MARKERS:
        assert marker not in dumped, marker


def _config(doc: Document) -> str:
    scripts = [s for s in doc.root.all("script") if s.attrs.get("id") == "__config"]
    assert len(scripts) == 1
    return scripts[0].text()


# ---------------------------------------------------------------- the dashboard


@pytest.mark.parametrize("page", list(DASHBOARD))
def test_dashboard_shows_client_text_as_text(built: Built, page: str) -> None:
    doc = load(built.internal / page)
    assert_inert(doc.root, doc.comments, f"internal/{page}")
    body = article(doc)
    shown = norm(body.text())
    for value in DASHBOARD[page]:
        assert norm(value) in shown, f"internal/{page}: {value!r} is not shown as written"
    for table in tables(body):
        assert {len(row) for row in table} == {len(table[0])}, f"internal/{page}: {table}"
    if page == "index.html":
        (clients,) = tables(body)
        assert clients[1][0] == NAME
        # The practice server's backup is stale: the client's line under "Needs action"
        # names the client and the backup, and links to its backups page.
        assert f"{NAME}: {norm(IMG)} backup: stale: no successful run" in shown
        links = [a.attrs["href"] or "" for a in body.all("a") if norm(a.text()) == NAME]
        assert len(links) == 2
        assert links[0].endswith("clients/acme/latest/backups/")
        assert links[1].endswith("clients/acme/latest/")
    else:
        assert [norm(h.text()) for h in body.all("h2")] == [NAME]
        (findings,) = tables(body)
        assert findings[0] == ["Where", "Severity", "Code", "Finding", "Hint"]
        finding = findings[1][3]
        assert finding.startswith(f"{PIPES}: ")
        assert finding.endswith(f"(accepted by {ADMONITION}: {LINK})")


def test_dashboard_search_index_escapes_client_markup(built: Built) -> None:
    docs = _search_docs(built.internal / "search" / "search_index.json")
    shown = []
    for doc in docs:
        for key in ("title", "text"):
            raw = doc[key]
            assert "<script" not in raw.lower() and "<img" not in raw.lower(), raw
            fragment = parse(raw)
            assert_inert(fragment.root, fragment.comments, f"internal search {doc['location']}")
            shown.append(fragment.root.text())
    text = norm(" ".join(shown))
    for value in (NAME, PIPES, ADMONITION, LINK):
        assert value in text


# ---------------------------------------------------------------- no other host

_EXTERNAL = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", re.I)
_CSS_URL = re.compile(r"url\(\s*['\"]?|@import\s+['\"]", re.I)
_SOURCES = {
    "script": ("src",),
    "img": ("src", "srcset"),
    "iframe": ("src",),
    "frame": ("src",),
    "source": ("src", "srcset"),
    "video": ("src", "poster"),
    "audio": ("src",),
    "track": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "image": ("href", "xlink:href"),
    "use": ("href", "xlink:href"),
    "input": ("src",),
}


def _external(url: str | None) -> bool:
    return bool(url) and bool(_EXTERNAL.match(url or ""))


def _css_fetches(css: str) -> list[str]:
    """The start of every url(...) and @import target in a style sheet that leaves the host."""
    return [
        css[m.end() : m.end() + 60] for m in _CSS_URL.finditer(css) if _external(css[m.end() :])
    ]


def _html_files(built: Built) -> list[Path]:
    files = sorted(built.client.rglob("*.html")) + sorted(built.internal.rglob("*.html"))
    assert len(files) > 20
    return files


def test_no_page_fetches_from_another_host(built: Built) -> None:
    for path in _html_files(built):
        doc = load(path)
        where = str(path.relative_to(built.site))
        for el in doc.root.iter():
            for name in _SOURCES.get(el.tag, ()):
                assert not _external(el.attrs.get(name)), f"{where}: <{el.tag} {name}=...>"
            if el.tag == "link":
                href = el.attrs.get("href")
                rel = (el.attrs.get("rel") or "").lower().split()
                if _external(href):
                    assert rel == ["canonical"], f"{where}: <link rel={rel} href={href}>"
                    assert built.site_url and href.startswith(built.site_url), f"{where}: {href}"
            if el.tag == "meta" and (el.attrs.get("http-equiv") or "").lower() == "refresh":
                url = (el.attrs.get("content") or "").partition("url=")[2]
                assert not _external(url), f"{where}: refresh to {url}"
            if el.tag == "style":
                assert not _css_fetches(el.text()), f"{where}: <style> fetches"
            assert not _css_fetches(el.attrs.get("style") or ""), f"{where}: style= fetches"


def test_style_sheets_fetch_nothing_from_another_host(built: Built) -> None:
    sheets = sorted(built.client.rglob("*.css")) + sorted(built.internal.rglob("*.css"))
    assert any(p.name == "tripod.css" for p in sheets)
    assert any(p.name.startswith("main.") for p in sheets)
    for path in sheets:
        fetches = _css_fetches(path.read_text("utf-8"))
        assert not fetches, f"{path.relative_to(built.site)}: {fetches}"


def test_no_web_fonts(built: Built) -> None:
    for path in built.site.rglob("*"):
        if path.is_file() and path.suffix in {".html", ".css", ".js", ".json", ".xml"}:
            content = path.read_text("utf-8", errors="replace")
            for host in ("fonts.googleapis.com", "fonts.gstatic.com"):
                assert host not in content, f"{path.relative_to(built.site)}: {host}"


def test_sitemaps_and_canonical_links_stay_on_the_site(built: Built) -> None:
    for sitemap in [*built.client.rglob("sitemap.xml"), *built.internal.rglob("sitemap.xml")]:
        locations = re.findall(r"<loc>(.*?)</loc>", sitemap.read_text("utf-8"))
        for location in locations:
            assert built.site_url and location.startswith(built.site_url), location
        if built.site_url is None:
            assert locations == []
    canonical = [
        link.attrs["href"]
        for link in load(built.current / "backups/index.html").root.all("link")
        if link.attrs.get("rel") == "canonical"
    ]
    if built.site_url:
        assert canonical == [f"{SITE_URL}clients/acme/current/backups/"]
    else:
        assert all(not _external(href) for href in canonical)
