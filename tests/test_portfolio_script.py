"""The internal dashboard's table script and stylesheet in a real browser, on a static page
built here as generator/site/dashboard.py lays the dashboard out (1,000 clients, 16
columns): sorting every kind of column, filtering by words and by state, the `#state=`
links, the cards on a phone, and a strict Content-Security-Policy that would report any
inline code or style the script used."""

from __future__ import annotations

import html
import json
import random
import shutil
import statistics
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from helpers import DevTools

from conftest import REPO, system_tool

pytestmark = pytest.mark.browser

ASSETS = REPO / "generator" / "templates" / "internal" / "assets"
SCRIPT = ASSETS / "javascripts" / "portfolio.js"
STYLESHEET = ASSETS / "stylesheets" / "portfolio.css"
ROWS = 1000
STATES = ("backup-not-standing", "overdue", "needs-action", "draft-pending", "stale")
TONES = ("bad", "warn", "accepted", "unknown", "off", "ok")  # data-sort 0 (worst) .. 5
WORDS = ("harbour", "dental", "north", "legal", "bakery", "alpine", "metro", "clinic", "café")
# Column name, data-type, and whether the Python side marks it tp-num.
COLUMNS = (
    ("Client", "text"),
    ("Id", "text"),
    ("Backup", "status"),
    ("Recovery", "status"),
    ("Continuity", "status"),
    ("Errors", "number"),
    ("Warnings", "number"),
    ("Accepted", "number"),
    ("Overdue", "number"),
    ("Worst", "status"),
    ("Tested", "date"),
    ("Term ends", "date"),
    ("Agreement", "text"),
    ("Draft", "number"),
    ("RTO h", "number"),
    ("Review", "date"),
)

# Installed before the script by a file of its own (the page's CSP allows no inline code):
# every error, refused promise, console.error and CSP violation is kept for the test.
COLLECTOR = """\
window.tpErrors = [];
window.addEventListener('error', function (e) { tpErrors.push('error: ' + e.message); });
window.addEventListener('unhandledrejection', function (e) { tpErrors.push('rejection: ' + e.reason); });
document.addEventListener('securitypolicyviolation', function (e) {
  tpErrors.push('csp: ' + e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sample);
});
(function () {
  var original = console.error;
  console.error = function () { tpErrors.push('console: ' + Array.prototype.join.call(arguments, ' ')); original.apply(console, arguments); };
})();
"""

CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'"


@dataclass(frozen=True)
class Row:
    states: tuple[str, ...]
    search: str
    sorts: tuple[str, ...]  # each cell's data-sort
    cells: tuple[str, ...]  # each cell's inner HTML


def _rows() -> list[Row]:
    pick = random.Random(20261125)
    rows = []
    for i in range(ROWS):
        # Every 50th client shares its name with the one before: ties in the text column.
        n = i - 1 if i % 50 == 1 else i
        name = f"{WORDS[n % len(WORDS)].title()} {WORDS[(n // 9) % len(WORDS)].title()} {n // 81}"
        ident = f"c{i:04d}"
        tones = [pick.randrange(len(TONES)) for _ in range(4)]
        numbers = [pick.choice((0, 0, 0, 1, 2, 3, 12)) for _ in range(4)]
        dates = [
            ""
            if pick.random() < 0.12
            else f"2026-{pick.randint(1, 12):02d}-{pick.randint(1, 28):02d}"
            for _ in range(3)
        ]
        agreement = pick.choice(("signed", "draft", "ended", "pending"))
        draft = pick.randint(1, 4)
        rto = pick.choice(("4", "8", "24", "0.5", "72"))
        states = tuple(s for s in STATES if pick.random() < 0.3)
        sorts = (
            name.lower(),
            ident,
            *(str(t) for t in tones[:3]),
            *(str(x) for x in numbers),
            str(tones[3]),
            dates[0],
            dates[1],
            agreement,
            str(draft),
            rto,
            dates[2],
        )

        def status(tone: int) -> str:
            word = TONES[tone]
            return word  # the stylesheet draws the icon before the word

        cells = (
            f'<a href="../clients/{ident}/latest/">{html.escape(name)}</a>',
            ident,
            *(status(t) for t in tones[:3]),
            *(str(x) for x in numbers),
            status(tones[3]),
            *dates[:2],
            agreement,
            f"v{draft}",
            rto,
            dates[2],
        )
        search = " ".join([name.lower(), ident, agreement, *(TONES[t] for t in tones)])
        rows.append(Row(states, search, sorts, cells))
    return rows


def _page(rows: list[Row], script: bool = True) -> str:
    num = ' class="tp-num"'
    first = ' aria-sort="ascending"'
    head = "".join(
        f'<th scope="col" data-type="{kind}"{num if kind == "number" else ""}'
        f'{first if n == 0 else ""}><button type="button">{label}</button></th>'
        for n, (label, kind) in enumerate(COLUMNS)
    )
    body = []
    for row in rows:
        tds = []
        for (label, kind), sort, cell in zip(COLUMNS, row.sorts, row.cells, strict=True):
            css = ""
            if kind == "status":
                css = f' class="tp-s tp-{TONES[int(sort)]}"'
            elif kind == "number":
                css = ' class="tp-num"'
            tds.append(f'<td data-label="{label}" data-sort="{html.escape(sort)}"{css}>{cell}</td>')
        body.append(
            f'<tr data-states="{" ".join(row.states)}" data-search="{html.escape(row.search)}">'
            + "".join(tds)
            + "</tr>"
        )
    counts = {s: sum(s in r.states for r in rows) for s in STATES}
    totals = "".join(
        f'<li class="tp-bad{" tp-zero" if not c else ""}"><a href="#state={s}"><strong>{c}</strong> {s}</a></li>'
        for s, c in counts.items()
    )
    options = "".join(f'<option value="{s}">{s} ({c})</option>' for s, c in counts.items())
    scripts = '<script src="portfolio.js"></script>' if script else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Clients</title>
<script src="collector.js"></script>
<link rel="stylesheet" href="portfolio.css">
</head><body>
<article class="md-content__inner md-typeset">
<h1>Clients</h1>
<ul class="tp-totals"><li><a href="#state=all"><strong>{len(rows)}</strong> clients</a></li>{totals}</ul>
<ol class="tp-actions"><li>Harbour Dental Group: backup not standing</li></ol>
<div class="tp-portfolio">
<div class="tp-controls" hidden>
<label for="tp-filter">Filter</label>
<input id="tp-filter" type="search" autocomplete="off" placeholder="Name, id, finding…">
<label for="tp-state">Show</label>
<select id="tp-state"><option value="all">All clients ({len(rows)})</option>{options}</select>
<output id="tp-shown" for="tp-filter tp-state" aria-live="polite">{len(rows)} of {len(rows)} clients</output>
</div>
<div class="tp-scroll">
<table class="tp-table" id="tp-table">
<thead><tr>{head}</tr></thead>
<tbody>
{chr(10).join(body)}
</tbody>
</table>
</div>
<p class="tp-paging" hidden><button type="button" id="tp-all">Show all</button></p>
</div>
</article>
{scripts}
</body></html>
"""


@dataclass
class Page:
    browser: DevTools
    url: str
    bare_url: str
    rows: list[Row]

    def open(self, width: int = 1280, hash: str = "", bare: bool = False) -> None:
        url = (self.bare_url if bare else self.url) + hash
        # A fresh document each time: about:blank first, so that a change of hash alone
        # is not taken for a same-document navigation.
        self.browser.open("about:blank", width)
        self.browser.open(url, width)
        assert self.errors() == []

    def js(self, expression: str) -> Any:
        return self.browser.evaluate(expression)

    def errors(self) -> list[str]:
        found: list[str] = self.js("window.tpErrors")
        return found

    def order(self) -> list[int]:
        """The rows as shown, by their index in the generated data."""
        ids: list[str] = self.js(
            "Array.from(document.querySelectorAll('#tp-table tbody tr'),"
            " tr => tr.cells[1].textContent)"
        )
        return [int(i[1:]) for i in ids]

    def visible(self) -> list[int]:
        ids: list[str] = self.js(
            "Array.from(document.querySelectorAll('#tp-table tbody tr'))"
            ".filter(tr => !tr.hidden && tr.offsetParent !== null)"
            ".map(tr => tr.cells[1].textContent)"
        )
        return sorted(int(i[1:]) for i in ids)

    def show_all(self) -> None:
        """Clicks "Show all" where the table shows only its first page."""
        self.js(
            "(() => { if (!document.querySelector('.tp-paging').hidden)"
            " document.getElementById('tp-all').click(); })()"
        )

    def shown(self) -> str:
        text: str = self.js("document.getElementById('tp-shown').textContent")
        return text

    def sort(self, column: int) -> tuple[float, float]:
        """Clicks a column's header button: the milliseconds the script took, and those to
        the next layout (the browser's own style and layout of the moved rows)."""
        return self._timed(
            f"document.querySelectorAll('#tp-table thead button')[{column}].click();"
        )

    def type(self, text: str) -> tuple[float, float]:
        return self._timed(
            f"""const input = document.getElementById('tp-filter');
            input.value = {json.dumps(text)};
            input.dispatchEvent(new Event('input', {{bubbles: true}}));"""
        )

    def _timed(self, action: str) -> tuple[float, float]:
        took: list[float] = self.js(
            f"""(() => {{
            const t = performance.now();
            {action}
            const script = performance.now() - t;
            document.body.offsetHeight;
            return [script, performance.now() - t]; }})()"""
        )
        return took[0], took[1]

    def choose(self, state: str) -> None:
        self.js(
            f"""(() => {{
            const select = document.getElementById('tp-state');
            select.value = {json.dumps(state)};
            select.dispatchEvent(new Event('change', {{bubbles: true}})); }})()"""
        )

    def wait(self, condition: str) -> None:
        deadline = time.monotonic() + 5
        while not self.js(f"Boolean({condition})"):
            assert time.monotonic() < deadline, f"never true: {condition}"
            time.sleep(0.05)


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Page]:
    folder = tmp_path_factory.mktemp("dashboard")
    rows = _rows()
    shutil.copy(SCRIPT, folder / "portfolio.js")
    shutil.copy(STYLESHEET, folder / "portfolio.css")
    (folder / "collector.js").write_text(COLLECTOR)
    (folder / "index.html").write_text(_page(rows))
    (folder / "bare.html").write_text(_page(rows, script=False))
    chromium = system_tool("chromium", "chromium", "/usr/bin/chromium")
    browser = DevTools(chromium, folder / "profile", folder / "chromium.log")
    try:
        yield Page(browser, (folder / "index.html").as_uri(), (folder / "bare.html").as_uri(), rows)
    finally:
        browser.close()


def _expected(rows: list[Row], column: int, descending: bool) -> list[int]:
    """Python's own order: stable (ties keep the page's order in both directions), and an
    empty date last in both directions."""
    kind = COLUMNS[column][1]
    present = [i for i in range(len(rows)) if not (kind == "date" and rows[i].sorts[column] == "")]
    empty = [i for i in range(len(rows)) if i not in set(present)]

    def key(i: int) -> float | str:
        value = rows[i].sorts[column]
        return float(value) if kind in ("number", "status") else value

    # sorted(reverse=True) keeps equal keys in their original order.
    return sorted(present, key=key, reverse=descending) + empty


def _report(what: str, times: list[tuple[float, float]]) -> None:
    script = statistics.median(s for s, _ in times)
    layout = statistics.median(t for _, t in times)
    print(
        f"\n{what} of {ROWS} rows: script median {script:.0f} ms (max {max(s for s, _ in times):.0f}),"
        f" to the next layout median {layout:.0f} ms (max {max(t for _, t in times):.0f})"
    )


def test_without_the_script_the_table_is_whole_and_the_controls_stay_hidden(page: Page) -> None:
    # A browser that runs no script: the stylesheet's first view (100 rows, waiting for
    # the script) does not apply, and every row is there.
    page.browser.page("Emulation.setScriptExecutionDisabled", value=True)
    try:
        page.browser.open("about:blank", 1280)
        page.browser.open(page.bare_url, 1280)  # no script runs: not even the error collector
        assert page.js("matchMedia('(scripting: none)').matches") is True
        assert page.js("document.querySelector('.tp-controls').hidden") is True
        assert page.visible() == list(range(ROWS))
        assert page.order() == list(range(ROWS))
    finally:
        page.browser.page("Emulation.setScriptExecutionDisabled", value=False)


def test_the_script_shows_the_controls_and_counts(page: Page) -> None:
    page.open()
    assert page.js("document.querySelector('.tp-controls').hidden") is False
    assert page.js("getComputedStyle(document.querySelector('.tp-controls')).display") == "flex"
    # The first page of the table, and a button for the rest.
    assert page.shown() == f"{ROWS} of {ROWS} clients, the first 100 shown"
    assert page.order() == list(range(ROWS))
    assert page.visible() == list(range(100))
    assert page.js("document.getElementById('tp-all').textContent") == f"Show all {ROWS}"
    page.show_all()
    assert page.visible() == list(range(ROWS))
    assert page.shown() == f"{ROWS} of {ROWS} clients"
    assert page.js("document.querySelector('.tp-paging').hidden") is True
    # A new order shows the first page of that order; a new filter starts again.
    page.open()
    page.sort(0)
    assert page.visible() == sorted(_expected(page.rows, 0, True)[:100])
    page.show_all()
    page.sort(3)
    assert len(page.visible()) == ROWS  # shown all: a new order keeps that
    page.type("c0")
    want = [i for i, r in enumerate(page.rows) if "c0" in r.search]
    assert len(want) > 100, "the data must have more than a page of matches"
    order = [i for i in _expected(page.rows, 3, False) if i in set(want)]
    assert page.visible() == sorted(order[:100])


def test_every_column_sorts_both_ways_stably_with_empty_dates_last(page: Page) -> None:
    page.open()
    rows = page.rows
    names = [r.sorts[0] for r in rows]
    assert len(set(names)) < len(names), "the data must have ties in the text column"
    dates = [r.sorts[10] for r in rows]
    assert "" in dates, "the data must have empty dates"
    times = []
    for column, (label, _kind) in enumerate(COLUMNS):
        # The first column starts sorted ascending (the page's own order), so its
        # first click sorts it descending.
        directions = (True, False) if column == 0 else (False, True)
        for descending in directions:
            times.append(page.sort(column))
            assert page.order() == _expected(rows, column, descending), (label, descending)
            sorts = page.js(
                "Array.from(document.querySelectorAll('#tp-table thead th'),"
                " th => th.getAttribute('aria-sort'))"
            )
            want = "descending" if descending else "ascending"
            assert sorts == [want if n == column else None for n in range(len(COLUMNS))]
        assert page.errors() == []
    # A sort keeps the filter: only the matching rows stay shown, in the new order.
    page.type("harbour")
    page.sort(5)
    page.show_all()
    matching = sorted(i for i, r in enumerate(rows) if "harbour" in r.search)
    assert page.visible() == matching
    assert [i for i in page.order() if i in set(matching)] == [
        i for i in _expected(rows, 5, False) if i in set(matching)
    ]
    _report("sort", times)
    # Reading the layout in a loop would cost seconds per click.
    assert statistics.median(t for _, t in times) < 2000, times


def test_the_filter_matches_every_word_and_the_state(page: Page) -> None:
    page.open()
    rows = page.rows
    times = []
    for text in ("", "Harbour", "DENTAL  harbour", "  c00 signed ", "café ok", "nothing-matches"):
        times.append(page.type(text))
        page.show_all()
        words = text.lower().split()
        want = [i for i, r in enumerate(rows) if all(w in r.search for w in words)]
        assert page.visible() == want, text
        assert page.shown() == f"{len(want)} of {ROWS} clients"
    assert page.shown() == f"0 of {ROWS} clients"

    page.type("dental")
    page.choose("overdue")
    page.show_all()
    want = [i for i, r in enumerate(rows) if "overdue" in r.states and "dental" in r.search]
    assert want, "the data must have dental clients that are overdue"
    assert page.visible() == want
    assert page.shown() == f"{len(want)} of {ROWS} clients"
    # The choice is in the address (without a jump), with the words typed.
    assert page.js("location.hash") == "#state=overdue&q=dental"
    page.type("")
    page.choose("all")
    page.show_all()
    assert page.visible() == list(range(ROWS))
    assert page.js("location.hash") == "#state=all"
    assert page.errors() == []
    _report("filter", times)
    assert statistics.median(s for s, _ in times) < 50, times
    assert statistics.median(t for _, t in times) < 2000, times


def test_a_state_link_filters_on_load_on_hashchange_and_from_the_totals(page: Page) -> None:
    rows = page.rows

    def with_state(state: str) -> list[int]:
        return [i for i, r in enumerate(rows) if state in r.states]

    page.open(hash="#state=stale")
    page.show_all()
    assert page.js("document.getElementById('tp-state').value") == "stale"
    assert page.visible() == with_state("stale")
    assert page.shown() == f"{len(with_state('stale'))} of {ROWS} clients"

    page.open(hash="#state=overdue&q=harbour")
    page.show_all()
    assert page.js("document.getElementById('tp-filter').value") == "harbour"
    assert page.visible() == [i for i in with_state("overdue") if "harbour" in rows[i].search]

    page.open()
    page.js("location.hash = '#state=draft-pending'")
    page.wait("document.getElementById('tp-state').value === 'draft-pending'")
    page.show_all()
    assert page.visible() == with_state("draft-pending")

    # An unknown token shows everyone rather than no one.
    page.js("location.hash = '#state=no-such-state'")
    page.wait("document.getElementById('tp-state').value === 'all'")
    page.show_all()
    assert page.visible() == list(range(ROWS))

    # A total's link: the table filtered and brought into view, also a second time.
    for _ in range(2):
        page.js("window.scrollTo(0, 0)")
        page.js("document.querySelector('.tp-totals a[href=\"#state=needs-action\"]').click()")
        page.wait("document.getElementById('tp-state').value === 'needs-action'")
        page.wait("window.scrollY > 0")
        top = page.js("document.querySelector('.tp-portfolio').getBoundingClientRect().top")
        assert 0 <= top < 60, top
        page.show_all()
        assert page.visible() == with_state("needs-action")
    assert page.errors() == []


def test_the_header_row_stays_on_screen_while_the_table_scrolls(page: Page) -> None:
    page.open(1280)
    assert page.js("getComputedStyle(document.querySelector('.tp-table th')).position") == "sticky"
    page.js("document.querySelector('.tp-scroll').scrollTop = 5000")
    gap = page.js(
        "document.querySelector('.tp-table th').getBoundingClientRect().top"
        " - document.querySelector('.tp-scroll').getBoundingClientRect().top"
    )
    assert abs(gap) < 1, gap
    # Number cells right-aligned.
    assert page.js("getComputedStyle(document.querySelector('td.tp-num')).textAlign") == "right"


def test_on_a_phone_every_client_is_a_card_and_nothing_overflows(page: Page) -> None:
    page.open(390)
    assert page.js("document.documentElement.clientWidth") == 390
    assert page.js("getComputedStyle(document.querySelector('#tp-table tbody tr')).display") == (
        "block"
    )
    assert page.js(
        "getComputedStyle(document.querySelector('#tp-table td'), '::after').content"
    ) == json.dumps("Client")
    # A state's cell shows its label too, before its icon and its word.
    state = page.js(
        "(() => { const td = document.querySelector('#tp-table td.tp-s');"
        " return [td.dataset.label, getComputedStyle(td, '::after').content,"
        " getComputedStyle(td, '::after').order, getComputedStyle(td, '::before').order]; })()"
    )
    assert state[1] == json.dumps(state[0]) and int(state[2]) < int(state[3]), state
    # The header row is out of sight but still in the page for screen readers.
    header = page.js(
        "(() => { const r = document.querySelector('#tp-table thead').getBoundingClientRect();"
        " return [r.width, r.height, getComputedStyle(document.querySelector('#tp-table thead')).display]; })()"
    )
    assert header[0] <= 1 and header[1] <= 1 and header[2] != "none", header
    wide = page.js(
        """(() => {
        const width = document.documentElement.clientWidth, out = [];
        for (const el of document.querySelectorAll('.tp-portfolio *')) {
          if (el.closest('thead')) continue;
          const r = el.getBoundingClientRect();
          if (r.width && (r.left < -0.5 || r.right > width + 0.5)) out.push(el.tagName + ' ' + el.textContent.slice(0, 40));
          if (out.length > 5) break;
        }
        return out; })()"""
    )
    assert wide == []
    assert page.js("document.documentElement.scrollWidth") <= 390
    # Filtering still hides cards.
    page.type("harbour dental")
    page.show_all()
    want = [i for i, r in enumerate(page.rows) if "harbour" in r.search and "dental" in r.search]
    assert page.visible() == want
    assert page.errors() == []


def _luminance(rgb: str) -> float:
    channels = [int(v) / 255 for v in rgb[rgb.index("(") + 1 : rgb.index(")")].split(",")[:3]]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def test_every_status_tone_reads_on_both_schemes(page: Page) -> None:
    page.open()
    # Material's backgrounds: white, and slate's hsl(225deg 15% 14%).
    for scheme, background in (("default", "rgb(255, 255, 255)"), ("slate", "rgb(30, 33, 41)")):
        page.js(f"document.body.setAttribute('data-md-color-scheme', '{scheme}')")
        for tone in TONES:
            colour = page.js(f"getComputedStyle(document.querySelector('td.tp-{tone}')).color")
            light, dark = sorted((_luminance(colour), _luminance(background)), reverse=True)
            ratio = (light + 0.05) / (dark + 0.05)
            assert ratio >= 4.5, (scheme, tone, colour, ratio)
