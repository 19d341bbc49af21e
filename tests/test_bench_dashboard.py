"""The benchmark's dashboard measurement (bench/dashboard.py) in headless Chromium, on a
small page laid out as generator/site/dashboard.py lays it out (controls the script un-hides, a
filter, a state selector, sortable headers), and on one without them."""

from __future__ import annotations

import html
import sys
from pathlib import Path

import pytest

from conftest import REPO, system_tool

sys.path.insert(0, str(REPO / "bench"))

import dashboard

pytestmark = pytest.mark.browser

SCRIPT = """
const controls = document.querySelector('.tp-controls');
const filter = document.getElementById('tp-filter');
const state = document.getElementById('tp-state');
const shown = document.getElementById('tp-shown');
const body = document.querySelector('#tp-table tbody');
const rows = [...body.rows];
rows.forEach((row, i) => { row.dataset.index = i; });
function apply() {
  const words = filter.value.trim().toLowerCase().split(/\\s+/).filter(Boolean);
  const token = state.value;
  let count = 0;
  for (const row of rows) {
    const show = words.every(w => row.dataset.search.includes(w)) &&
      (token === 'all' || row.dataset.states.split(' ').includes(token));
    row.hidden = !show;
    if (show) count++;
  }
  shown.textContent = `${count} of ${rows.length} clients`;
}
filter.addEventListener('input', apply);
state.addEventListener('change', apply);
document.querySelectorAll('#tp-table thead th').forEach((th, column) => {
  th.querySelector('button').addEventListener('click', () => {
    const up = th.getAttribute('aria-sort') !== 'ascending';
    document.querySelectorAll('#tp-table thead th').forEach(h => h.removeAttribute('aria-sort'));
    th.setAttribute('aria-sort', up ? 'ascending' : 'descending');
    const number = th.dataset.type !== 'text';
    const key = r => r.cells[column].dataset.sort;
    const sorted = [...rows].sort((a, b) => {
      const x = key(a), y = key(b);
      const c = number ? Number(x) - Number(y) : x.localeCompare(y);
      return (up ? c : -c) || a.dataset.index - b.dataset.index;
    });
    body.append(...sorted);
  });
});
controls.hidden = false;
"""


def _page(folder: Path, clients: int = 300) -> str:
    """A page laid out as the dashboard is, with `clients` rows; its URL."""
    kinds = ("Dental", "Legal", "Accounting", "Retail")
    rows = []
    for i in range(clients):
        name = f"{kinds[i % 4]} Client {i} & <Co>"
        states = "backup-not-standing needs-action" if i % 7 == 0 else "ok"
        rows.append(
            f'<tr data-states="{states}" data-search="{html.escape(name.lower())} client-{i}">'
            f'<td data-label="Client" data-sort="{html.escape(name.lower())}">'
            f'<a href="../clients/client-{i}/latest/">{html.escape(name)}</a></td>'
            f'<td data-label="Backup" data-sort="{i % 3}" class="tp-s tp-ok">ok</td>'
            f'<td data-label="Errors" data-sort="{i % 5}">{i % 5}</td></tr>'
        )
    (folder / "tp.js").write_text(SCRIPT, "utf-8")
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>Dashboard</title></head>
<body><article class="md-content__inner md-typeset">
<ul class="tp-totals"><li><a href="#state=all"><strong>{clients}</strong> clients</a></li></ul>
<div class="tp-portfolio"><div class="tp-controls" hidden>
<label for="tp-filter">Filter</label><input id="tp-filter" type="search" autocomplete="off">
<label for="tp-state">Show</label><select id="tp-state">
<option value="all">All clients ({clients})</option>
<option value="backup-not-standing">Backup not standing</option></select>
<output id="tp-shown" for="tp-filter tp-state">{clients} of {clients} clients</output>
</div><div class="tp-scroll"><table class="tp-table" id="tp-table"><thead><tr>
<th scope="col" data-type="text" aria-sort="ascending"><button type="button">Client</button></th>
<th scope="col" data-type="status"><button type="button">Backup</button></th>
<th scope="col" data-type="number"><button type="button">Errors</button></th>
</tr></thead><tbody>{"".join(rows)}</tbody></table></div></div></article>
<script src="tp.js"></script></body></html>"""
    (folder / "index.html").write_text(page, "utf-8")
    return (folder / "index.html").as_uri()


def test_measures_a_page_laid_out_as_the_dashboard(tmp_path: Path) -> None:
    chromium = system_tool("chromium", "chromium", "/usr/bin/chromium")
    (tmp_path / "page").mkdir()
    figures, notes = dashboard.measure(chromium, _page(tmp_path / "page"), tmp_path / "chromium")
    assert notes == []
    assert set(figures) == set(dashboard.FIGURES)
    for name, value in figures.items():
        assert isinstance(value, float | int) and value > 0, (name, value)


def test_a_dashboard_without_the_controls_gives_none_and_says_why(tmp_path: Path) -> None:
    chromium = system_tool("chromium", "chromium", "/usr/bin/chromium")
    (tmp_path / "index.html").write_text(
        "<!doctype html><html><body><h1>Portfolio</h1><table><tr><td>x</td></tr></table>"
        "</body></html>",
        "utf-8",
    )
    url = (tmp_path / "index.html").as_uri()
    figures, notes = dashboard.measure(chromium, url, tmp_path / "chromium", repeats=1)
    first = figures.pop("dashboard_first_render_ms")
    assert isinstance(first, float | int) and first > 0
    assert figures == dict.fromkeys(figures)  # every other figure None
    assert notes == [
        "dashboard_ready_ms: .tp-controls is not on the page",
        "dashboard_filter_ms: no #tp-filter",
        "dashboard_state_ms: no #tp-state",
        "dashboard_sort_ms: no button in the second header of #tp-table",
    ]
