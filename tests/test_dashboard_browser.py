"""The internal dashboard of 1,000 clients in a real browser, through nginx, under the
generated Content-Security-Policy.

A varied synthetic portfolio (bench/portfolio.py: agreements ended, ending and awaiting
the client's signature, stale and failing backups, accepted gaps, long and odd names)
is built by the real `tripod build` (one client's site and the whole dashboard),
published by `tripod publish` with a staff user added by `tripod access`, and served by
Debian's nginx with the configuration publish wrote. One headless Chromium, driven over
DevTools, opens the dashboard at 1280 and 390 CSS pixels, light and dark: what it shows
is compared with portfolio.json, read by Python on its own. Every console message
(Chromium logs them to stderr with --enable-logging=stderr) fails a page.

The example project (test_publish_browser's `published`) is checked the same way.
Screenshots are written to a temporary folder and their paths printed (pytest -s).
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from helpers import DevTools
from test_browser import Dom, _chromium
from test_publish_browser import (
    STAFF_PASSWORD,
    STAFF_USER,
    Loaded,
    Published,
    _console,
    _flags,
    _material_ran,
    _quiet,
    published,  # noqa: F401  (the example project, built and served: a fixture)
)

from conftest import REPO, TRIPOD, free_port
from nginx_server import Nginx, nginx_binary, start_nginx

sys.path.insert(0, str(REPO / "bench"))

from portfolio import add_states, write_portfolio

pytestmark = [pytest.mark.real_command, pytest.mark.browser, pytest.mark.nginx, pytest.mark.slow]

CLIENTS = 1000
TODAY = dt.date(2026, 11, 25)  # as the benchmark
PAGE = 100  # the rows the table shows until "Show all"
WIDE, NARROW = (1280, 900), (390, 844)
LIVE = "document.querySelector('#tp-table.tp-live') !== null"

# A state token of the totals, and whether a client (a portfolio.json object) has it:
# read from the fields, independently of Summary.states.
BAD_HEALTH = ("stale", "failing", "restore failed")
STATES: dict[str, Callable[[dict[str, Any]], bool]] = {
    "all": lambda c: True,
    "needs-action": lambda c: bool(c["needs_action"]),
    "backup-not-standing": lambda c: c["backup"] == "not standing",
    "dr-not-standing": lambda c: c["disaster_recovery"] == "not standing",
    "bc-not-standing": lambda c: c["business_continuity"] == "not standing",
    "gaps-accepted": lambda c: (c["accepted_gaps"] or 0) > 0,
    "agreement-ended": lambda c: c["agreement"] == "ended",
    "agreement-ending": lambda c: c["agreement"] == "ending",
    "awaiting-signature": lambda c: c["signature"] == "awaiting",
    "overdue": lambda c: (c["overdue"] or 0) > 0,
    "backup-problem": lambda c: c["backup_health"] in BAD_HEALTH,
    "no-evidence": lambda c: c["backup_health"] in ("no evidence", "partial"),
    "cannot-load": lambda c: c["backup"] == "cannot be loaded",
}


# ------------------------------------------------------------------ the browser


class Browser:
    """One headless Chromium for the module, logging every console message to a file;
    `open` loads a page afresh and returns the console lines it logged."""

    def __init__(self, chromium: str, folder: Path) -> None:
        profile = folder / "profile"
        profile.mkdir()
        self.log = folder / "chromium.log"
        self.tools = DevTools(chromium, profile, self.log, [*_flags(profile), "--hide-scrollbars"])
        self.read = 0

    def evaluate(self, expression: str) -> Any:
        return self.tools.evaluate(expression)

    def console(self) -> list[str]:
        """The console lines logged since the last call."""
        text = self.log.read_bytes()
        new, self.read = text[self.read :], len(text)
        return _console(new.decode("utf-8", "replace"))

    def wait(self, ready: str, limit: float = 30) -> None:
        deadline = time.monotonic() + limit
        while not self.evaluate(f"Boolean({ready})"):
            assert time.monotonic() < deadline, f"not true within {limit} s: {ready}"
            time.sleep(0.05)

    def open(
        self,
        url: str,
        size: tuple[int, int] = WIDE,
        dark: bool = False,
        ready: str = LIVE,
        forget: bool = False,
    ) -> Loaded:
        width, height = size
        self.tools.page(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=width < 600,
        )
        scheme = "dark" if dark else "light"
        self.tools.page(
            "Emulation.setEmulatedMedia",
            features=[{"name": "prefers-color-scheme", "value": scheme}],
        )
        # A fresh load each time, even where only the fragment differs.
        self.tools.page("Page.navigate", url="about:blank")
        self.wait("location.href === 'about:blank'")
        self.console()
        self.tools.page("Page.navigate", url=url)
        self.wait(
            f"location.href !== 'about:blank' && document.readyState === 'complete' && {ready}"
        )
        if forget:
            # Material keeps the palette it chose in localStorage: forgotten, and loaded
            # again, the page takes the scheme the (emulated) media query prefers.
            self.evaluate("localStorage.clear()")
            self.tools.page("Page.navigate", url="about:blank")
            self.wait("location.href === 'about:blank'")
            self.tools.page("Page.navigate", url=url)
            self.wait(
                f"location.href !== 'about:blank' && document.readyState === 'complete' && {ready}"
            )
        time.sleep(0.3)  # for any late console message
        source = self.evaluate("document.documentElement.outerHTML")
        return Loaded(url, Dom(source), self.console())

    def screenshot(self, path: Path) -> Path:
        """What the window shows, as a PNG."""
        shot = self.tools.page("Page.captureScreenshot", format="png")
        assert "data" in shot, shot
        path.write_bytes(base64.b64decode(shot["data"]))
        return path

    def close(self) -> None:
        self.tools.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    tools = Browser(_chromium(), tmp_path_factory.mktemp("dashboard-chromium"))
    try:
        yield tools
    finally:
        tools.close()


# ------------------------------------------------------------------ the portfolio


@dataclass
class Dashboard:
    root: Path
    target: Path
    nginx: Nginx
    clients: list[dict[str, Any]] = field(repr=False)  # portfolio.json's, in its order

    @property
    def internal(self) -> Path:
        return self.target / "current" / "internal"

    def url(self, fragment: str = "") -> str:
        return self.nginx.url("/internal/", STAFF_USER, STAFF_PASSWORD) + fragment


def _tripod(root: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """The installed command, in a process of its own."""
    return subprocess.run(
        [TRIPOD, *args],
        cwd=root,
        env={**os.environ, "TRIPOD_TODAY": TODAY.isoformat()},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dashboard]:
    """A varied portfolio of 1,000 clients: one client's site and the whole dashboard
    built, published, with a staff user, served by nginx until the module ends."""
    nginx_binary()  # fail before building anything
    root = tmp_path_factory.mktemp("thousand") / "project"
    ids = write_portfolio(root, CLIENTS, varied=True)
    add_states(root, ids, TODAY)
    run = _tripod(root, "build", ids[0], "--today", TODAY.isoformat())
    assert run.returncode == 0, run.stderr

    target = tmp_path_factory.mktemp("thousand-target")
    port = free_port()
    run = _tripod(root, "publish", "--target", str(target), "--listen", f"127.0.0.1:{port}")
    assert run.returncode == 0, run.stderr
    run = _tripod(
        root,
        "access",
        "add",
        "--staff",
        STAFF_USER,
        "--password-stdin",
        "--target",
        str(target),
        stdin=STAFF_PASSWORD,
    )
    assert run.returncode == 0, run.stderr

    internal = target / "current" / "internal"
    clients = json.loads((internal / "portfolio.json").read_text("utf-8"))["clients"]
    nginx = start_nginx(target, tmp_path_factory.mktemp("thousand-nginx"), port)
    try:
        yield Dashboard(root, target, nginx, clients)
    finally:
        nginx.stop()


def _table_order(clients: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The table's first order: by name, then id (dashboard.table)."""
    return sorted(clients, key=lambda c: (c["name"].lower(), c["id"]))


def _having(clients: list[dict[str, Any]], token: str) -> list[dict[str, Any]]:
    return [c for c in clients if STATES[token](c)]


# ------------------------------------------------------------------ reading the page

# The ids of the rows shown, in order (each row's client link names its id).
VISIBLE_IDS = """
Array.from(document.querySelectorAll('#tp-table tbody tr'))
  .filter(tr => !tr.hidden && tr.getClientRects().length > 0)
  .map(tr => {
    const a = tr.cells[0].querySelector('a');
    const m = a && a.getAttribute('href').match(/clients\\/([^/]+)\\//);
    return m ? m[1] : tr.cells[0].textContent.trim();
  })
"""


def _shown(browser: Browser) -> str:
    return browser.evaluate("document.getElementById('tp-shown').textContent")


def _shown_text(count: int) -> str:
    return f"{count} of {CLIENTS} clients" + (f", the first {PAGE} shown" if count > PAGE else "")


def _show_all(browser: Browser) -> None:
    """Clicks "Show all N" where the paging shows (more than PAGE rows match)."""
    if browser.evaluate("!document.querySelector('.tp-paging').hidden"):
        browser.evaluate("document.getElementById('tp-all').click()")
        browser.wait("document.querySelector('.tp-paging').hidden")


def _type_filter(browser: Browser, words: str) -> None:
    browser.evaluate(
        "(() => { const f = document.getElementById('tp-filter'); "
        f"f.value = {json.dumps(words)}; "
        "f.dispatchEvent(new Event('input', {bubbles: true})); })()"
    )


# ------------------------------------------------------------------ 1. loads, quiet


def test_dashboard_loads_quiet_under_the_csp(dashboard: Dashboard, browser: Browser) -> None:
    response = dashboard.nginx.get("/internal/", STAFF_USER, STAFF_PASSWORD)
    assert response.status == 200
    csp = response.headers.get("content-security-policy", "")
    assert "script-src 'self' 'sha256-" in csp, csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, csp
    assert "style-src" in csp and "default-src" in csp, csp

    loaded = browser.open(dashboard.url())
    _quiet(loaded)
    assert _material_ran(loaded.dom)
    # The script ran: it un-hid the controls and counted the rows.
    assert browser.evaluate("document.querySelector('.tp-controls').hidden") is False
    assert browser.evaluate("document.querySelector('.tp-paging').hidden") is False
    assert _shown(browser) == "1000 of 1000 clients, the first 100 shown"
    assert browser.evaluate("document.getElementById('tp-all').textContent") == "Show all 1000"
    assert browser.evaluate("document.querySelectorAll('#tp-table tbody tr').length") == CLIENTS
    order = [c["id"] for c in _table_order(dashboard.clients)]
    assert browser.evaluate(VISIBLE_IDS) == order[:PAGE]
    # The check can fail: a message the page logs is seen.
    browser.evaluate("console.error('tripod: a console message')")
    time.sleep(0.3)
    assert any("tripod: a console message" in line for line in browser.console())


# ------------------------------------------------------------------ 2. totals, files


def _totals(browser: Browser, clients: list[dict[str, Any]]) -> dict[str, int]:
    """The totals the page shows, checked against portfolio.json's clients."""
    totals = browser.evaluate(
        "Array.from(document.querySelectorAll('.tp-totals a[href^=\"#state=\"]'))"
        ".map(a => [a.getAttribute('href').slice(7), a.querySelector('strong').textContent])"
    )
    shown = {token: int(count) for token, count in totals}
    assert set(shown) == set(STATES), shown
    expected = {token: len(_having(clients, token)) for token in STATES}
    assert shown == expected
    return expected


def test_totals_count_the_clients_of_portfolio_json(dashboard: Dashboard, browser: Browser) -> None:
    clients = dashboard.clients
    assert len(clients) == CLIENTS
    browser.open(dashboard.url())
    expected = _totals(browser, clients)
    # The varied portfolio has these states (none has its DR leg down, every file loads).
    rare = ("dr-not-standing", "cannot-load")
    assert all(expected[t] for t in STATES if t not in rare), expected
    # The select offers each with the same count.
    options = browser.evaluate(
        "Object.fromEntries(Array.from(document.getElementById('tp-state').options)"
        ".map(o => [o.value, o.textContent]))"
    )
    for token, count in expected.items():
        assert options[token].endswith(f"({count})"), (token, options[token])


def test_portfolio_files_round_trip_and_match_the_report(dashboard: Dashboard) -> None:
    csv_text = (dashboard.internal / "portfolio.csv").read_text("utf-8")
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    document = json.loads((dashboard.internal / "portfolio.json").read_text("utf-8"))
    assert len(rows) == CLIENTS and len(document["clients"]) == CLIENTS
    assert [r["id"] for r in rows] == [c["id"] for c in document["clients"]]
    assert len({r["id"] for r in rows}) == CLIENTS
    keys = [c["key"] for c in document["columns"]]
    assert list(rows[0]) == keys
    for row, client in zip(rows, document["clients"], strict=True):
        assert row["name"] == client["name"]
        assert row["errors"] == str(client["errors"])
        assert row["term_ends"] == (client["term_ends"] or "")
    # The names with quotes, commas and angle brackets survive both.
    assert any('"' in r["name"] for r in rows) and any("<" in r["name"] for r in rows)

    report = _tripod(dashboard.root, "report", "--format", "csv", "--today", TODAY.isoformat())
    assert report.returncode == 0, report.stderr
    assert report.stdout.encode("utf-8") == (dashboard.internal / "portfolio.csv").read_bytes()


# ------------------------------------------------------------------ 3. filter


def test_filter_by_id_narrows_the_rows(dashboard: Dashboard, browser: Browser) -> None:
    browser.open(dashboard.url())
    order = _table_order(dashboard.clients)
    for words in ("client-0042", "client-004", "CLIENT-01"):
        _type_filter(browser, words)
        want = [c["id"] for c in order if words.lower() in c["id"]]
        assert want
        assert _shown(browser) == _shown_text(len(want)), words
        _show_all(browser)
        assert browser.evaluate(VISIBLE_IDS) == want, words


def test_filter_by_a_word_of_the_names(dashboard: Dashboard, browser: Browser) -> None:
    browser.open(dashboard.url())
    order = _table_order(dashboard.clients)
    for words in ("dental", "legal client"):
        _type_filter(browser, words)
        want = [
            c["id"]
            for c in order
            if all(w in f"{c['name']} {c['id']}".lower() for w in words.split())
        ]
        assert want, words
        assert _shown(browser) == _shown_text(len(want)), words
        _show_all(browser)
        assert browser.evaluate(VISIBLE_IDS) == want, words


@pytest.mark.parametrize("token", ["awaiting-signature", "needs-action", "agreement-ended"])
def test_a_total_filters_the_table_to_its_clients(
    dashboard: Dashboard, browser: Browser, token: str
) -> None:
    browser.open(dashboard.url())
    want = [c["id"] for c in _table_order(_having(dashboard.clients, token))]
    browser.evaluate(f"document.querySelector('.tp-totals a[href=\"#state={token}\"]').click()")
    browser.wait(f"document.getElementById('tp-state').value === {json.dumps(token)}")
    assert browser.evaluate("location.hash") == f"#state={token}"
    assert _shown(browser) == _shown_text(len(want))
    assert len(browser.evaluate(VISIBLE_IDS)) == min(len(want), PAGE)
    _show_all(browser)
    assert browser.evaluate(VISIBLE_IDS) == want
    assert _shown(browser) == f"{len(want)} of {CLIENTS} clients"


def test_the_state_in_the_address_filters_on_load(dashboard: Dashboard, browser: Browser) -> None:
    token = "backup-problem"
    want = [c["id"] for c in _table_order(_having(dashboard.clients, token))]
    loaded = browser.open(dashboard.url(f"#state={token}&q=client-0"))
    _quiet(loaded)
    assert browser.evaluate("document.getElementById('tp-state').value") == token
    assert browser.evaluate("document.getElementById('tp-filter').value") == "client-0"
    assert _shown(browser) == _shown_text(len(want))
    _show_all(browser)
    assert browser.evaluate(VISIBLE_IDS) == want
    # A scenario's group from the chart, too.
    scenario = "ransomware-misses"
    misses = ("no backup", "no copy", "misses")
    want = [c["id"] for c in _table_order(dashboard.clients) if c["ransomware"] in misses]
    assert want
    browser.open(dashboard.url(f"#state={scenario}"))
    assert browser.evaluate("document.getElementById('tp-state').value") == scenario
    assert _shown(browser) == _shown_text(len(want))
    _show_all(browser)
    assert browser.evaluate(VISIBLE_IDS) == want


# ------------------------------------------------------------------ 4. sort


def _sorted(
    rows: list[dict[str, Any]], key: Callable[[dict[str, Any]], Any], descending: bool
) -> list[str]:
    """As portfolio.js sorts: stable (ties keep the table's order), a missing value last
    whichever the direction."""
    present = [r for r in rows if key(r) is not None]
    missing = [r for r in rows if key(r) is None]
    return [r["id"] for r in sorted(present, key=key, reverse=descending) + missing]


def _click_header(browser: Browser, title: str) -> None:
    found = browser.evaluate(
        "(() => { const b = Array.from(document.querySelectorAll('#tp-table thead button'))"
        f".find(b => b.textContent.replace(/\\u00ad/g, '') === {json.dumps(title)}); "
        "if (b) b.click(); return Boolean(b); })()"
    )
    assert found, f"no header {title!r}"


@pytest.mark.parametrize(
    ("title", "key"),
    [
        ("Errors", lambda c: c["errors"]),
        ("Term ends", lambda c: c["term_ends"]),
        ("Warnings", lambda c: c["warnings"]),
    ],
    ids=["errors", "term-ends", "warnings"],
)
def test_sorting_by_a_column(
    dashboard: Dashboard, browser: Browser, title: str, key: Callable[[dict[str, Any]], Any]
) -> None:
    browser.open(dashboard.url())
    base = _table_order(dashboard.clients)
    _click_header(browser, title)
    ascending = _sorted(base, key, descending=False)
    assert browser.evaluate(VISIBLE_IDS) == ascending[:PAGE]
    _show_all(browser)
    assert browser.evaluate(VISIBLE_IDS) == ascending
    _click_header(browser, title)
    assert browser.evaluate(VISIBLE_IDS) == _sorted(base, key, descending=True)
    aria = browser.evaluate(
        "Array.from(document.querySelectorAll('#tp-table thead th[aria-sort]'))"
        ".map(th => [th.textContent.replace(/\\u00ad/g, ''), th.getAttribute('aria-sort')])"
    )
    assert aria == [[title, "descending"]]
    if title == "Term ends":
        assert any(key(c) is None for c in base) and any(key(c) for c in base)


# ------------------------------------------------------------------ 5. layout

# Elements of the content whose right edge is beyond the window (or left edge before
# it); a visually hidden header (the cards' layout keeps it for screen readers) aside.
CUT_OFF = """
(() => {
  const width = document.documentElement.clientWidth;
  const found = [];
  for (const el of document.querySelectorAll('.md-content *')) {
    const head = el.closest('thead');
    if (head && getComputedStyle(head).position === 'absolute') continue;
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height) continue;
    if (r.right > width + 1 || r.left < -1) {
      found.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
        (el.className && el.className.baseVal === undefined ? '.' + el.className.split(' ').join('.') : '') +
        ' ' + Math.round(r.left) + '..' + Math.round(r.right) + ' ' +
        JSON.stringify((el.textContent || '').trim().slice(0, 40)));
    }
  }
  return {width: width, page: document.documentElement.scrollWidth, found: found.slice(0, 15),
          count: found.length};
})()
"""

# Cells of the rows shown whose text is wider than the cell.
OVERFLOWING = """
Array.from(document.querySelectorAll('#tp-table tbody tr'))
  .filter(tr => !tr.hidden)
  .flatMap(tr => Array.from(tr.cells))
  .filter(td => td.scrollWidth > td.clientWidth + 1)
  .map(td => td.getAttribute('data-label') + ': ' + JSON.stringify(td.textContent.trim()) +
       ' ' + td.scrollWidth + ' > ' + td.clientWidth)
"""

# At narrow widths, each row a card and each cell its label (its ::before) before its
# value: `shape` lists what breaks the cards, `label` the labels not drawn as words.
CARD_CELLS = """
(() => {
  const shape = [], label = [];
  const rows = Array.from(document.querySelectorAll('#tp-table tbody tr')).filter(tr => !tr.hidden);
  const canvas = document.createElement('canvas').getContext('2d');
  for (const tr of rows.slice(0, 30)) {
    const display = getComputedStyle(tr).display;
    if (display !== 'block') shape.push('a row is not a card: ' + display);
    for (const td of tr.cells) {
      const name = td.getAttribute('data-label');
      // The label is the cell's ::after, put first; a state's ::before is its icon.
      const after = getComputedStyle(td, '::after');
      const before = getComputedStyle(td, '::before');
      const value = document.createRange();
      value.selectNodeContents(td);
      const box = value.getBoundingClientRect();
      const cell = td.getBoundingClientRect();
      canvas.font = after.font;
      const needed = canvas.measureText(name).width;
      if (after.content !== JSON.stringify(name)) shape.push(name + ': content ' + after.content);
      if (after.display === 'none') shape.push(name + ': no label');
      if (box.right > cell.right + 1) shape.push(name + ': the value beyond the card');
      if (box.width && box.left < cell.left + needed - 1) shape.push(name + ': the value over the label');
      const masked = (style) => [style.maskImage, style.webkitMaskImage].some(m => m && m !== 'none');
      if (masked(after)) label.push(name + ': the label masked by ' + after.webkitMaskImage.slice(0, 30));
      if (parseFloat(after.width) + 0.5 < needed) {
        label.push(name + ': the label ' + after.width + ' wide, its words ' + needed.toFixed(1) + 'px');
      }
      if (parseInt(after.order) >= parseInt(before.order)) label.push(name + ': the label not first');
      if (td.classList.contains('tp-s') && !masked(before)) label.push(name + ': a state without its icon');
    }
  }
  return {rows: rows.length, shape: shape, label: label};
})()
"""


def _cards(browser: Browser) -> None:
    """On a phone each client is a card: each cell its column's label, then (for a
    state) its icon, then its value, nothing over or beyond another."""
    cards = browser.evaluate(CARD_CELLS)
    assert cards["rows"] > 0
    assert cards["shape"] == []
    assert cards["label"] == []


def _screenshots(browser: Browser, folder: Path, name: str) -> list[Path]:
    """The top of the page and the table, as the window shows them."""
    browser.evaluate("window.scrollTo(0, 0)")
    time.sleep(0.2)
    top = browser.screenshot(folder / f"{name}-top.png")
    browser.evaluate("document.querySelector('.tp-portfolio').scrollIntoView({block: 'start'})")
    time.sleep(0.2)
    table = browser.screenshot(folder / f"{name}-table.png")
    for path in (top, table):
        print(f"screenshot: {path}")
    return [top, table]


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("dashboard-screenshots")


def test_nothing_is_cut_off_at_1280(dashboard: Dashboard, browser: Browser, shots: Path) -> None:
    loaded = browser.open(dashboard.url(), WIDE)
    _quiet(loaded)
    _screenshots(browser, shots, "thousand-1280")
    # The first page of the table, then every row, the long and odd names among them.
    for rows in ("the first 100 rows", "every row"):
        if rows == "every row":
            _show_all(browser)
        cut = browser.evaluate(CUT_OFF)
        assert cut["count"] == 0 and cut["page"] <= cut["width"], (rows, cut)
        assert browser.evaluate(OVERFLOWING) == [], rows
        # The table fits: no sideways scrolling at 1280.
        fits = browser.evaluate(
            "[document.getElementById('tp-table').scrollWidth,"
            " document.querySelector('.tp-scroll').clientWidth]"
        )
        assert fits[0] <= fits[1], f"with {rows}, the table is {fits[0]} px wide in {fits[1]}"
    assert browser.evaluate(
        "getComputedStyle(document.querySelector('#tp-table tbody tr')).display"
    ) == ("table-row")


def test_rows_are_cards_at_390(dashboard: Dashboard, browser: Browser, shots: Path) -> None:
    loaded = browser.open(dashboard.url(), NARROW)
    _quiet(loaded)
    _screenshots(browser, shots, "thousand-390")
    cut = browser.evaluate(CUT_OFF)
    assert cut["count"] == 0 and cut["page"] <= cut["width"], cut
    assert browser.evaluate(OVERFLOWING) == []
    _show_all(browser)
    assert browser.evaluate(OVERFLOWING) == []
    cut = browser.evaluate(CUT_OFF)
    assert cut["count"] == 0 and cut["page"] <= cut["width"], cut
    _cards(browser)


# ------------------------------------------------------------------ 5. dark palette


def _rgb(colour: str) -> tuple[float, ...]:
    numbers = [float(n) for n in re.findall(r"[\d.]+", colour)]
    assert colour.startswith("rgb") and len(numbers) >= 3, colour
    alpha = numbers[3] if len(numbers) > 3 else 1.0
    assert alpha == 1.0, f"a translucent colour: {colour}"
    return tuple(numbers[:3])


def _luminance(rgb: tuple[float, ...]) -> float:
    def linear(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


# Per tone, the colour of its first status cell (or, if none, of the legend below the table); and the page's background.
COLOURS = """
(() => {
  const tones = {};
  for (const td of document.querySelectorAll('#tp-table tbody td.tp-s, .md-content span.tp-s')) {
    const tone = Array.from(td.classList).find(c => c !== 'tp-s' && c.startsWith('tp-'));
    if (!(tone in tones)) tones[tone] = getComputedStyle(td).color;
  }
  let el = document.querySelector('.tp-scroll'), background = 'rgba(0, 0, 0, 0)';
  while (el && /rgba\\(.*, 0\\)|transparent/.test(background)) {
    background = getComputedStyle(el).backgroundColor;
    el = el.parentElement;
  }
  return {tones: tones, background: background,
          scheme: document.body.getAttribute('data-md-color-scheme')};
})()
"""


def test_status_colours_in_the_dark_palette(
    dashboard: Dashboard, browser: Browser, shots: Path
) -> None:
    _quiet(browser.open(dashboard.url(), WIDE, forget=True))
    light = browser.evaluate(COLOURS)
    try:
        loaded = browser.open(dashboard.url(), WIDE, dark=True, forget=True)
        _quiet(loaded)
        _screenshots(browser, shots, "thousand-1280-dark")
        dark = browser.evaluate(COLOURS)
    finally:
        browser.open(dashboard.url(), WIDE, forget=True)  # light again, for the other tests
    assert light["scheme"] == "default" and dark["scheme"] == "slate", (light, dark)
    assert (
        set(light["tones"])
        == set(dark["tones"])
        == {
            "tp-bad",
            "tp-warn",
            "tp-accepted",
            "tp-unknown",
            "tp-ok",
            "tp-off",
        }
    ), light["tones"]
    assert _luminance(_rgb(dark["background"])) < 0.05, dark["background"]
    for tone, colour in dark["tones"].items():
        assert colour != light["tones"][tone], tone
        for palette, page in ((dark, dark["background"]), (light, light["background"])):
            ratio = _contrast(_rgb(palette["tones"][tone]), _rgb(page))
            assert ratio >= 4.5, f"{tone} {palette['tones'][tone]} on {page}: {ratio:.2f}"


# ------------------------------------------------------------------ the example project


@pytest.mark.parametrize("size", [WIDE, NARROW], ids=["1280", "390"])
def test_example_dashboard(
    published: Published,  # noqa: F811
    browser: Browser,
    shots: Path,
    size: tuple[int, int],
) -> None:
    internal = published.target / "current" / "internal"
    clients = json.loads((internal / "portfolio.json").read_text("utf-8"))["clients"]
    assert len(clients) == 3
    loaded = browser.open(published.staff_url("/internal/"), size)
    _quiet(loaded)
    _screenshots(browser, shots, f"example-{size[0]}")
    count = len(clients)
    assert _shown(browser) == f"{count} of {count} clients"
    assert _totals(browser, clients)["all"] == count
    assert browser.evaluate(VISIBLE_IDS) == [c["id"] for c in _table_order(clients)]
    names = browser.evaluate(
        "Array.from(document.querySelectorAll('#tp-table tbody tr'))"
        ".map(tr => tr.cells[0].textContent.trim())"
    )
    assert names == [c["name"] for c in _table_order(clients)]
    cut = browser.evaluate(CUT_OFF)
    assert cut["count"] == 0 and cut["page"] <= cut["width"], cut
    assert browser.evaluate(OVERFLOWING) == []
    if size == WIDE:
        fits = browser.evaluate(
            "[document.getElementById('tp-table').scrollWidth,"
            " document.querySelector('.tp-scroll').clientWidth]"
        )
        assert fits[0] <= fits[1], fits
    else:
        _cards(browser)
