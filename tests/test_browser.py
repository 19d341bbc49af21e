"""The built sites in a real browser: the version selector from a plain web server,
the break-glass pack from file://, `tripod serve` with live reload, and `tripod pack`
refusing what it cannot pack.

Chromium runs headless with --dump-dom (the DOM after the page's scripts ran), and
may only reach 127.0.0.1 and file://: every other host name resolves to nothing.
Without chromium these tests fail (`make test` installs it).
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import http.server
import json
import os
import re
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from helpers import DevTools

from conftest import (
    CHROMIUM_FLAGS,
    CLIENT,
    TODAY,
    TRIPOD,
    TinyProject,
    free_port,
    system_tool,
    with_change,
)
from generator.site.pages import PAGES

pytestmark = pytest.mark.real_command

# ------------------------------------------------------------------ browser


def _chromium() -> str:
    return system_tool("chromium", "chromium", "/usr/bin/chromium")


@pytest.fixture
def browser(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Dom]:
    """Loads a URL in headless Chromium (fresh profile each time) and parses the final DOM."""
    chromium = _chromium()

    def load(url: str) -> Dom:
        profile = tmp_path_factory.mktemp("chromium-profile")
        command = [
            chromium,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            "--virtual-time-budget=8000",
            "--dump-dom",
            url,
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, f"chromium failed on {url}: {done.stderr[-2000:]}"
        assert "<html" in done.stdout, f"chromium printed no DOM for {url}: {done.stderr[-2000:]}"
        return Dom(done.stdout)

    return load


# ------------------------------------------------------------------ DOM

_VOID = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
    "track", "wbr",
}  # fmt: skip


@dataclass(eq=False)
class Element:
    tag: str
    attrs: dict[str, str]
    parents: list[Element]
    chunks: list[str] = field(default_factory=list)  # all text inside
    own: list[str] = field(default_factory=list)  # text directly inside

    @property
    def classes(self) -> list[str]:
        return self.attrs.get("class", "").split()

    @property
    def text(self) -> str:
        return " ".join("".join(self.chunks).split())

    @property
    def own_text(self) -> str:
        return " ".join("".join(self.own).split())

    def within(self, cls: str) -> bool:
        return any(cls in p.classes for p in self.parents)


class Dom(HTMLParser):
    """The serialized DOM Chromium prints, as a flat list of elements that know their parents."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.source = source
        self.elements: list[Element] = []
        self._open: list[Element] = []
        self.feed(source)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs}, list(self._open))
        self.elements.append(element)
        if tag not in _VOID:
            self._open.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append(Element(tag, {k: v or "" for k, v in attrs}, list(self._open)))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self._open) - 1, -1, -1):
            if self._open[i].tag == tag:
                del self._open[i:]
                return

    def handle_data(self, data: str) -> None:
        if self._open and self._open[-1].tag in ("script", "style"):
            return
        for element in self._open:
            element.chunks.append(data)
        if self._open:
            self._open[-1].own.append(data)

    def all(self, cls: str | None = None, tag: str | None = None) -> list[Element]:
        return [
            e
            for e in self.elements
            if (cls is None or cls in e.classes) and (tag is None or e.tag == tag)
        ]

    def one(self, cls: str, tag: str | None = None) -> Element:
        found = self.all(cls, tag)
        assert len(found) == 1, f"expected one .{cls}, found {len(found)}"
        return found[0]

    @property
    def title(self) -> str:
        found = [e for e in self.all(tag="title") if e.parents and e.parents[-1].tag == "head"]
        assert len(found) == 1, f"expected one <title> in <head>, found {len(found)}"
        return found[0].text

    def content(self) -> str:
        """The page's own text (Material's content area), in one line."""
        return self.one("md-content").text


# ------------------------------------------------------------------ a plain web server


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def static_server(request: pytest.FixtureRequest) -> Callable[[Path], str]:
    """Serves a folder over HTTP on 127.0.0.1 (a free port); returns its base URL."""

    def start(folder: Path) -> str:
        handler = functools.partial(_QuietHandler, directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
        thread.start()

        def stop() -> None:
            server.shutdown()
            server.server_close()
            thread.join(timeout=10)

        request.addfinalizer(stop)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    return start


def _get(url: str, timeout: float = 5) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        with e:
            return e.code, ""


# ------------------------------------------------------------------ the project

# Issued v1 has the base client's terms; the file now says v2 with another RTO.
OLD_ROW = "1 Practice server 3 d 4 h 5 d"  # RTO 72 h, as the site writes it
NEW_RTO = with_change("{system: pms, rto: 72h,", "{system: pms, rto: 64h,")
NEW_ROW = "1 Practice server 64 h 4 h 5 d"


def _issue_v1(project: TinyProject) -> bytes:
    return project.issue_terms()


def _objectives_row(dom: Dom, system: str) -> str:
    rows = [r.text for r in dom.all(tag="tr") if r.within("md-content")]
    found = [r for r in rows if r.startswith(f"1 {system} ")]
    # One row per scenario tab (server failure first), each with the same objectives.
    assert len(found) == 4, f"no objectives row per scenario for {system}: {rows}"
    return found[0]


# ------------------------------------------------------------------ 1. versions


EXPECTED_VERSIONS = [
    {"version": "current", "title": "current (draft of v2)", "aliases": ["latest"]},
    {"version": "v1", "title": "v1 (awaiting the client's signature)", "aliases": []},
]


def _selector(dom: Dom) -> tuple[str, list[tuple[str, str, str]]]:
    """Material's version selector: the current entry's title, and (href, title, alias) per item."""
    selector = dom.one("md-version")
    assert selector.tag == "div"
    button = [e for e in dom.all("md-version__current") if selector in e.parents]
    assert len(button) == 1, "the selector has no current-version button"
    items = []
    for link in dom.all("md-version__link", "a"):
        assert selector in link.parents and link.within("md-version__item")
        alias = [e.text for e in dom.all("md-version__alias") if link in e.parents]
        items.append((link.attrs.get("href", ""), link.own_text, " ".join(alias)))
    return button[0].own_text, items


@pytest.mark.browser
@pytest.mark.slow
def test_version_selector_works_from_a_plain_web_server(
    tiny_site: TinyProject,
    static_server: Callable[[Path], str],
    browser: Callable[[str], Dom],
) -> None:
    tiny_site.client()
    _issue_v1(tiny_site)
    tiny_site.client(with_change("  version: 1\n", "  version: 2\n", NEW_RTO))
    assert tiny_site.lines() == []
    run = tiny_site.tripod("build")
    assert run.code == 0, run.err

    site = tiny_site.root / "site" / "clients" / "acme"
    assert json.loads((site / "versions.json").read_text("utf-8")) == EXPECTED_VERSIONS
    assert sorted(p.name for p in site.iterdir()) == [
        ".tripod-inputs", "current", "index.html", "latest", "v1", "versions.json",
    ]  # fmt: skip
    # latest/ is a plain copy of current/: any static host serves it.
    current_files = sorted(p.relative_to(site / "current") for p in site.glob("current/**/*"))
    assert current_files == sorted(p.relative_to(site / "latest") for p in site.glob("latest/**/*"))
    for relative in current_files:
        if (site / "current" / relative).is_file():
            assert (site / "current" / relative).read_bytes() == (
                site / "latest" / relative
            ).read_bytes(), relative
    # The client's own folder redirects to latest/.
    redirect = (site / "index.html").read_text("utf-8")
    assert re.search(
        r"""<meta http-equiv=["']refresh["'] content=["']0; ?url=latest/["']""", redirect
    ), redirect

    base = static_server(site)
    items = [
        (urljoin(base, "current/"), "current (draft of v2)", "latest"),
        (urljoin(base, "v1/"), "v1 (awaiting the client's signature)", ""),
    ]
    for page, shown in (
        ("current/", "current (draft of v2)"),
        ("latest/", "current (draft of v2)"),
    ):
        dom = browser(base + page)
        assert dom.title == "Acme Dental"
        assert _selector(dom) == (shown, items), page
        banner = dom.one("md-banner__inner").text
        assert banner.startswith("No version of the agreement is in force"), banner
        assert "draft of version 2" in banner, banner

    dom = browser(base + "v1/")
    assert dom.title == "Acme Dental"
    assert _selector(dom) == ("v1 (awaiting the client's signature)", items)
    banner = dom.one("md-banner__inner").text
    assert banner.startswith("This is agreement version 1 as issued, kept for the record."), banner
    assert "draft" not in banner

    # Each version shows its own terms.
    new = browser(base + "current/disaster-recovery/")
    assert _objectives_row(new, "Practice server").startswith(NEW_ROW)
    assert OLD_ROW not in new.content()
    old = browser(base + "v1/disaster-recovery/")
    assert _objectives_row(old, "Practice server").startswith(OLD_ROW)
    assert NEW_ROW not in old.content()
    assert "This is agreement version 1 as issued" in old.one("md-banner__inner").text

    # A browser opening the client's folder lands on latest/ (the current version).
    landed = browser(base)
    assert landed.title == "Acme Dental"
    assert _selector(landed)[0] == "current (draft of v2)"


# ------------------------------------------------------------------ 2. the pack

_REMOTE = re.compile(r"^\s*(https?:)?//", re.IGNORECASE)
_SRC = re.compile(
    r"""<(script|img|iframe|source|embed)\b[^>]*?\bsrc\s*=\s*["']?([^"'\s>]+)""", re.I
)
_HREF = re.compile(r"""<link\b[^>]*?\bhref\s*=\s*["']?([^"'\s>]+)""", re.IGNORECASE)
_CSS_URL = re.compile(r"""(?:url\(\s*["']?|@import\s+["'])([^"')\s]+)""", re.IGNORECASE)
# Material's own bundle names two CDN fallbacks it only loads when a page needs them:
# a ResizeObserver polyfill (every supported browser has ResizeObserver) and mermaid
# (no Tripod page has a diagram). Anything else from unpkg is a request the pack would make.
_BUNDLE_FALLBACKS = {
    "https://unpkg.com/resize-observer-polyfill",
    "https://unpkg.com/mermaid@11/dist/mermaid.min.js",
}
_UNPKG = re.compile(r"""(?:https?:)?//unpkg\.com[^"'`\s)\\]*""")


def _issue_signed_v1(project: TinyProject) -> bytes:
    _issue_v1(project)
    pdf = b"%PDF-1.7\n% a stand-in for the provider-signed agreement\n%%EOF\n"
    project.write("agreements/acme/v1/agreement-signed.pdf", pdf)
    return pdf


@pytest.mark.browser
@pytest.mark.slow
def test_break_glass_pack_works_from_file_urls(
    tiny_site: TinyProject, tmp_path_factory: pytest.TempPathFactory, browser: Callable[[str], Dom]
) -> None:
    tiny_site.client()
    pdf = _issue_signed_v1(tiny_site)
    out = tmp_path_factory.mktemp("out") / "acme.zip"
    run = tiny_site.tripod("pack", "acme", "-o", str(out))
    assert run.code == 0, run.err
    assert out.is_file()
    usb = tmp_path_factory.mktemp("usb")
    with zipfile.ZipFile(out) as pack:
        names = pack.namelist()
        pack.extractall(usb)
    assert names and all(n.startswith("acme/") for n in names), names
    files = set(names)
    pages = [name.replace(".md", ".html") for _, name in PAGES]
    for page in pages:
        assert f"acme/{page}" in files, page
    # The signed agreement travels with the pack.
    pdfs = [n for n in names if n.endswith(".pdf") and n.startswith("acme/agreements/")]
    assert len(pdfs) == 1 and (usb / pdfs[0]).read_bytes() == pdf, pdfs
    # ... and so does the draft of the terms as they are now.
    assert (usb / "acme" / "agreement-draft.pdf").read_bytes().startswith(b"%PDF-")
    # ... and the agreement page links to it, beside the pages.
    agreement = html.unescape((usb / "acme" / "agreement.html").read_text())
    link = re.search(r'<a href="([^"]+\.pdf)">Agreement signed by the provider</a>', agreement)
    assert link is not None and (usb / "acme" / link.group(1)).read_bytes() == pdf

    # Nothing is fetched from another host: no CDN, no remote script or stylesheet.
    shim = "assets/javascripts/iframe-worker-shim.js"
    assert f"acme/{shim}" in files
    assert (usb / "acme" / shim).read_bytes().strip()
    for name in names:
        path = usb / name
        if name.endswith(".html"):
            html_text = path.read_text("utf-8")
            for _, src in _SRC.findall(html_text):
                assert not _REMOTE.match(src), f"{name}: remote src {src}"
            for href in _HREF.findall(html_text):
                assert not _REMOTE.match(href), f"{name}: remote stylesheet or icon {href}"
            assert "unpkg.com" not in html_text, name
            if name != "acme/404.html":
                assert f'<script src="{shim}"' in html_text, f"{name} does not load the shim"
        elif name.endswith(".css"):
            for target in _CSS_URL.findall(path.read_text("utf-8")):
                assert not _REMOTE.match(target), f"{name}: remote {target}"
        elif name.endswith((".js", ".json", ".xml", ".txt", ".map")):
            text = path.read_text("utf-8", "replace")
            found = set(_UNPKG.findall(text))
            assert found <= _BUNDLE_FALLBACKS, f"{name} references {found - _BUNDLE_FALLBACKS}"
            if found:
                assert re.fullmatch(
                    r"acme/assets/javascripts/bundle\.[0-9a-f]+\.min\.js(\.map)?", name
                )

    # Search works offline: the index is a script, not a fetch.
    index_js = (usb / "acme" / "search" / "search_index.js").read_text("utf-8")
    assert index_js.startswith("var __index =")

    # The pages render from file://, and their links stay inside the pack.
    folder = usb / "acme"
    for page, heading in (
        ("index.html", "Overview"),
        ("disaster-recovery.html", "Disaster recovery"),
    ):
        url = (folder / page).as_uri()
        dom = browser(url)
        assert dom.title.startswith(("Acme Dental", f"{heading} - Acme Dental")), dom.title
        assert dom.all("md-header__topic") and "Acme Dental" in dom.one("md-header").text
        content = dom.content()
        assert "Acme Dental" in content
        assert "Version 1 awaits the client's signature" in dom.one("md-banner__inner").text
        assert dom.all("md-version") == [], "no version selector from a USB stick"
        links = [a.attrs["href"] for a in dom.all(tag="a") if a.attrs.get("href")]
        nav = [a.attrs["href"] for a in dom.all("md-nav__link", "a")]
        assert {p for p in pages if p != "404.html"} <= set(nav), nav
        for href in links:
            if href.startswith("#"):
                continue
            target = urljoin(url, href)
            parts = urlsplit(target)
            assert parts.scheme == "file", f"{page} links out of the pack: {href}"
            assert parts.path.endswith(".html"), f"{page}: {href} does not end in .html"
            local = Path(parts.path)
            assert local.is_file() and folder in local.parents, f"{page}: {href} is not in the pack"
        if page == "disaster-recovery.html":
            assert "Provider data centre" in content
            assert _objectives_row(dom, "Practice server").startswith("1 Practice server 3 d 4 h")
            assert dom.all("tripod-chart", "svg"), "no recovery-time chart"

    # Run a search from file:// (Material reads ?q= and shows the results).
    dom = browser((folder / "index.html").as_uri() + "?q=Sister")
    results = [a.attrs["href"] for a in dom.all("md-search-result__link", "a")]
    assert results, "the offline search found nothing"
    assert any(
        urlsplit(r).path == (folder / "business-continuity.html").as_posix() for r in results
    ), results
    assert "matching document" in dom.one("md-search-result__meta").text


# ------------------------------------------------------------------ 3. long names

LONG_NAME = (
    "Practice ledger database (SQL Server VM), replicated every night to the Parramatta offices"
)

# Where each text of the page that holds `name` is drawn, and what would cut it: the
# viewport, or an ancestor that clips or scrolls what overflows it. The chart's labels
# are SVG text, checked the same way; tables holding objectives are checked to their
# last column (the verdict), row by row.
_MEASURE = """
(() => {
  const name = %s;
  const width = document.documentElement.clientWidth;
  const content = document.querySelector('.md-content');
  const flat = (text) => text.replace(/\\s+/g, ' ').trim();
  // Only what is drawn: the scenario tabs not chosen are hidden.
  const shown = (element) => element.getClientRects().length > 0;
  function cut(element, rect) {
    const found = [];
    if (rect.left < -0.5 || rect.right > width + 0.5) {
      found.push(`the window (0 to ${width}) cuts ${rect.left} to ${rect.right}`);
    }
    for (let a = element; a && a !== document.documentElement; a = a.parentElement) {
      if (a !== element && getComputedStyle(a).overflowX !== 'visible') {
        const box = a.getBoundingClientRect();
        if (rect.left < box.left - 0.5 || rect.right > box.right + 0.5) {
          found.push(`<${a.tagName.toLowerCase()} class="${a.getAttribute('class')}"> ` +
                     `(${box.left} to ${box.right}) cuts ${rect.left} to ${rect.right}`);
        }
      }
    }
    if (element.scrollWidth > element.clientWidth + 1 && !(element instanceof SVGElement)) {
      found.push(`<${element.tagName.toLowerCase()}> overflows itself`);
    }
    return found;
  }
  const texts = [];
  const walker = document.createTreeWalker(content, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!flat(node.textContent).includes(name) || node.parentElement.closest('svg')) continue;
    if (!shown(node.parentElement)) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const rect = range.getBoundingClientRect();
    texts.push({tag: node.parentElement.tagName.toLowerCase(),
                cut: cut(node.parentElement, rect), width: rect.width});
  }
  const labels = [];
  for (const label of content.querySelectorAll('svg.tripod-chart text.label')) {
    if (!shown(label)) continue;
    const words = label.querySelectorAll('tspan').length
      ? Array.from(label.querySelectorAll('tspan'), (t) => t.textContent).join(' ')
      : label.textContent;
    labels.push({text: flat(words), cut: cut(label, label.getBoundingClientRect())});
  }
  const verdicts = [];
  for (const table of content.querySelectorAll('table')) {
    const heads = Array.from(table.querySelectorAll('th'), (th) => flat(th.textContent));
    if (!heads.includes('RTO') || !shown(table)) continue;
    for (const row of table.querySelectorAll('tr')) {
      const last = row.lastElementChild;
      verdicts.push({text: flat(last.textContent), cut: cut(last, last.getBoundingClientRect())});
    }
  }
  return {width, texts, labels, verdicts};
})()
"""
# Chooses the scenario tab at an index of the disaster recovery page; says every tab's
# title and which tab's content is drawn.
_TAB = """
(() => {
  const set = document.querySelector('.md-content .tabbed-set');
  const labels = set.querySelectorAll(':scope > .tabbed-labels > label');
  labels[%d].click();
  const blocks = set.querySelectorAll(':scope > .tabbed-content > .tabbed-block');
  return {titles: Array.from(labels, (l) => l.textContent.trim()),
          shown: Array.from(blocks, (b) => b.getClientRects().length > 0)};
})()
"""
SCENARIO_TITLES = ["Server failure", "Loss of the site", "Ransomware", "Loss of a cloud account"]

# Material wraps each table in a scrolling box of its own once its script has run.
_MATERIAL_READY = (
    "document.documentElement.classList.contains('js') && "
    "document.querySelectorAll('.md-content table').length === "
    "document.querySelectorAll('.md-content .md-typeset__scrollwrap table').length"
)


@pytest.mark.browser
@pytest.mark.slow
def test_a_long_system_name_is_never_cut_and_the_verdict_stays_on_screen(
    tiny_site: TinyProject,
    static_server: Callable[[Path], str],
    tmp_path: Path,
) -> None:
    assert len(LONG_NAME) == 90
    tiny_site.client(with_change("name: Practice server,", f'name: "{LONG_NAME}",'))
    assert tiny_site.lines() == []
    run = tiny_site.tripod("build")
    assert run.code == 0, run.err
    base = static_server(tiny_site.root / "site" / "clients" / "acme" / "current")
    profile = tmp_path / "profile"
    browser = DevTools(_chromium(), profile, tmp_path / "chromium.log")
    shots = tmp_path / "screenshots"
    shots.mkdir()
    try:
        for width in (1280, 390):
            for page in ("", "backups/", "disaster-recovery/", "runbook/"):
                browser.open(base + page, width, ready=_MATERIAL_READY)
                where = f"{page or 'overview/'} at {width} px"
                browser.screenshot(shots / f"{(page or 'overview/')[:-1]}-{width}.png")
                seen = browser.evaluate(_MEASURE % json.dumps(LONG_NAME))
                assert seen["width"] == width, where
                assert seen["texts"], f"{where}: the name is nowhere on the page"
                for found in seen["texts"]:
                    assert found["cut"] == [], f"{where}: the name in <{found['tag']}> is cut"
                if page == "" and width == 1280:
                    # The overview's table: every scenario's column on screen.
                    assert seen["verdicts"][0]["text"] == SCENARIO_TITLES[-1], where
                    for last in seen["verdicts"]:
                        assert last["cut"] == [], f"{where}: {last} is off screen"
                if page == "disaster-recovery/":
                    _every_tab(browser, width, shots)
    finally:
        browser.close()
    assert len(list(shots.glob("*.png"))) == 8 + 2 * len(SCENARIO_TITLES)


# Where each backup health chart and each text drawn in it lies, and what cuts it: the
# window, or a box around it that does not let it overflow.
_MEASURE_RUNS = """
(() => {
  const width = document.documentElement.clientWidth;
  function cut(element) {
    const rect = element.getBoundingClientRect();
    const found = [];
    if (rect.left < -0.5 || rect.right > width + 0.5) {
      found.push(`the window (0 to ${width}) cuts ${rect.left} to ${rect.right}`);
    }
    for (let a = element.parentElement; a && a !== document.documentElement; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== 'visible') {
        const box = a.getBoundingClientRect();
        if (rect.left < box.left - 0.5 || rect.right > box.right + 0.5) {
          found.push(`<${a.tagName.toLowerCase()} class="${a.getAttribute('class')}"> ` +
                     `(${box.left} to ${box.right}) cuts ${rect.left} to ${rect.right}`);
        }
      }
    }
    return found;
  }
  return Array.from(document.querySelectorAll('.md-content svg.tripod-runs'), (svg) => ({
    cut: cut(svg),
    width: svg.getBoundingClientRect().width,
    marks: svg.querySelectorAll('.run').length,
    parts: Array.from(svg.querySelectorAll('text, .run, .size, .key'), (part) => ({
      what: part.textContent.trim().slice(0, 60) || part.getAttribute('class'),
      cut: cut(part),
    })),
  }));
})()
"""


@pytest.mark.browser
@pytest.mark.slow
def test_the_backup_health_chart_is_never_cut(
    tiny_site: TinyProject, static_server: Callable[[Path], str], tmp_path: Path
) -> None:
    from generator.evidence import store
    from generator.evidence.records import Run

    tiny_site.client(with_change("name: Practice server,", f'name: "{LONG_NAME}",'))
    start = dt.datetime(2026, 9, 20, 2, tzinfo=dt.UTC)
    runs = [
        Run("restic", "s3:backups/acme", None, start + dt.timedelta(days=i), None,
            "failed" if i % 17 == 5 else "warning" if i % 11 == 3 else "success",
            (400 + i) * 10**9)
        for i in range(67)  # the last at 02:00 on the build's day, near the right edge
    ]  # fmt: skip
    store.write(store.backup_file(tiny_site.root, "acme", "pms-image"), runs)
    run = tiny_site.tripod("build")
    assert run.code == 0, run.err
    base = static_server(tiny_site.root / "site" / "clients" / "acme" / "current")
    browser = DevTools(_chromium(), tmp_path / "profile", tmp_path / "chromium.log")
    shots = tmp_path / "screenshots"
    shots.mkdir()
    try:
        for width in (1280, 390):
            browser.open(base + "backups/", width, ready=_MATERIAL_READY)
            browser.screenshot(shots / f"backups-health-{width}.png")
            charts = browser.evaluate(_MEASURE_RUNS)
            assert len(charts) == 1, charts
            chart = charts[0]
            assert chart["cut"] == [], f"at {width} px: {chart['cut']}"
            assert chart["marks"] == 60, chart["marks"]  # 26 Sep to 25 Nov, one a day
            for part in chart["parts"]:
                assert part["cut"] == [], f"at {width} px, {part['what']!r}: {part['cut']}"
    finally:
        browser.close()


def _every_tab(browser: DevTools, width: int, shots: Path) -> None:
    """Each scenario tab, chosen in turn: only its content is drawn, its chart's labels
    are whole and, at 1280 px, its verdict column is on screen."""
    labels: set[str] = set()
    for index in range(len(SCENARIO_TITLES)):
        tab = browser.evaluate(_TAB % index)
        where = f"{SCENARIO_TITLES[index]} at {width} px"
        assert tab["titles"] == SCENARIO_TITLES, where
        assert tab["shown"] == [i == index for i in range(len(SCENARIO_TITLES))], where
        time.sleep(0.4)  # the tab's underline slides over before the screenshot
        browser.screenshot(shots / f"disaster-recovery-tab{index + 1}-{width}.png")
        seen = browser.evaluate(_MEASURE % json.dumps(LONG_NAME))
        for found in seen["texts"]:
            assert found["cut"] == [], f"{where}: the name in <{found['tag']}> is cut"
        for label in seen["labels"]:
            assert label["cut"] == [], f"{where}: the chart cuts {label['text']}"
        labels |= {label["text"] for label in seen["labels"]}
        assert seen["verdicts"][0]["text"] == "Verdict", where
        assert len(seen["verdicts"]) >= 3, seen["verdicts"]
        if width == 1280:
            for verdict in seen["verdicts"]:
                assert verdict["cut"] == [], f"{where}: {verdict} is off screen"
    # The on-premises system in three scenarios' charts, the hosted mail in two.
    assert labels == {LONG_NAME, "Hosted mail"}, labels


# ------------------------------------------------------------------ 4. serve


def test_serve_rebuilds_and_reloads(
    tiny_site: TinyProject, tmp_path_factory: pytest.TempPathFactory
) -> None:
    tiny_site.client()
    port = free_port()
    logs = tmp_path_factory.mktemp("serve")
    url = f"http://127.0.0.1:{port}/clients/acme/latest/"
    env = {**os.environ, "TRIPOD_TODAY": TODAY.isoformat()}
    with open(logs / "out", "w") as out, open(logs / "err", "w") as err:
        process = subprocess.Popen(
            [TRIPOD, "serve", "--port", str(port)],
            cwd=tiny_site.root,
            env=env,
            stdout=out,
            stderr=err,
        )
        try:
            page = _wait_for(process, logs, url, "<title>Acme Dental</title>", 60)
            match = re.search(r"livereload\((\d+), *\d+\)", page)
            assert match and "/livereload/" in page, "the served page has no livereload script"
            epoch = int(match[1])

            tiny_site.client(with_change("name: Acme Dental\n", "name: Bayside Smiles\n"))
            _wait_for(process, logs, url, "<title>Bayside Smiles</title>", 30)
            # A browser still showing the old page is told to reload.
            status, newer = _get(f"http://127.0.0.1:{port}/livereload/{epoch}/1", timeout=30)
            assert status == 200 and int(newer) > epoch, newer
        finally:
            code = _stop(process)
    errors = (logs / "err").read_text("utf-8")
    assert "Traceback" not in errors, errors
    assert "error" not in errors.lower(), errors
    assert code in (0, 130, -signal.SIGTERM), (code, errors)


def _wait_for(
    process: subprocess.Popen[bytes], logs: Path, url: str, text: str, limit: float
) -> str:
    deadline = time.monotonic() + limit
    last = ""
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"tripod serve exited ({process.returncode}): {(logs / 'err').read_text()}")
        try:
            status, body = _get(url, timeout=5)
        except (urllib.error.URLError, ConnectionError, TimeoutError) as e:
            last = str(e)
        else:
            if status == 200 and text in body:
                return body
            last = f"{status}: {body[:200]}"
        time.sleep(0.25)
    pytest.fail(
        f"{url} did not show {text!r} within {limit} s (last: {last}); "
        f"stderr: {(logs / 'err').read_text()}"
    )


def _stop(process: subprocess.Popen[bytes]) -> int:
    """Stops the server as a user would (Ctrl-C), or with SIGTERM where SIGINT is ignored."""
    if process.poll() is None:
        if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
            process.terminate()  # the child inherited the ignored SIGINT
        else:
            process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
            pytest.fail("tripod serve did not stop within 20 s of the signal")
    return process.returncode


# ------------------------------------------------------------------ 5. pack refuses


def test_pack_refuses_a_client_that_cannot_be_loaded(
    tiny_site: TinyProject, tmp_path_factory: pytest.TempPathFactory
) -> None:
    tiny_site.client(with_change("  version: 1\n", "  version: one\n", CLIENT))
    out = tmp_path_factory.mktemp("out") / "acme.zip"
    run = tiny_site.tripod("pack", "acme", "-o", str(out))
    assert run.code == 1, (run.out, run.err)
    assert run.err.splitlines() == ["tripod: clients/acme.yaml cannot be loaded: no pack written"]
    assert "Traceback" not in run.out + run.err
    assert list(out.parent.iterdir()) == []  # no zip, no partial zip
    assert not (tiny_site.root / "site" / "packs").exists()


def test_pack_refuses_an_unknown_client(
    tiny_site: TinyProject, tmp_path_factory: pytest.TempPathFactory
) -> None:
    tiny_site.client()
    out = tmp_path_factory.mktemp("out") / "nobody.zip"
    run = tiny_site.tripod("pack", "nobody", "-o", str(out))
    assert run.code == 2, (run.out, run.err)
    lines = run.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("tripod: ") and "nobody" in lines[0], run.err
    assert "Traceback" not in run.out + run.err
    assert not out.exists()
    assert not (tiny_site.root / "site").exists()
