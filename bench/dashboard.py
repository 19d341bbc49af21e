"""The provider's dashboard (site/internal/index.html) in headless Chromium: how soon it
draws, how soon its table controls are ready, and how long filtering, choosing a state
and sorting take, on the page generator/site/dashboard.py writes (docs/portfolio.md).

    measure(chromium, url, scratch) -> {"dashboard_first_render_ms": ..., ...}, notes

A figure the page cannot give (an element missing, no paint entry) is None, and a note
says why: the page before the table's script lands has no #tp-filter.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from devtools import DevTools

WIDTH, HEIGHT = 1280, 900
REPEATS = 5
FIGURES = (
    "dashboard_first_render_ms",
    "dashboard_ready_ms",
    "dashboard_filter_ms",
    "dashboard_state_ms",
    "dashboard_sort_ms",
)

# Before the page's own scripts run: the moment (from navigation start) `.tp-controls`
# is there without its `hidden` attribute, whether the script removed it or the page
# never had it.
_WATCH_READY = """
(() => {
  const mark = () => {
    const c = document.querySelector('.tp-controls');
    if (c && !c.hidden && window.__tpReady === undefined) window.__tpReady = performance.now();
    return window.__tpReady !== undefined;
  };
  const watch = new MutationObserver(() => { if (mark()) watch.disconnect(); });
  watch.observe(document, {subtree: true, childList: true, attributes: true,
                           attributeFilter: ['hidden']});
})();
"""

# Each returns the milliseconds of one interaction, forced layout included, or a string
# saying why it could not be measured; the page is put back afterwards (not timed).
_FILTER = """
(() => {
  const f = document.getElementById('tp-filter');
  if (!f) return 'no #tp-filter';
  const t0 = performance.now();
  f.value = %(value)s;
  f.dispatchEvent(new Event('input', {bubbles: true}));
  document.body.offsetHeight;
  const spent = performance.now() - t0;
  f.value = '';
  f.dispatchEvent(new Event('input', {bubbles: true}));
  document.body.offsetHeight;
  return spent;
})()
"""
_STATE = """
(() => {
  const s = document.getElementById('tp-state');
  if (!s) return 'no #tp-state';
  const token = [...s.options].map(o => o.value).find(v => v && v !== 'all');
  if (!token) return '#tp-state offers no state but all';
  const before = s.value;
  const t0 = performance.now();
  s.value = token;
  s.dispatchEvent(new Event('change', {bubbles: true}));
  document.body.offsetHeight;
  const spent = performance.now() - t0;
  s.value = before;
  s.dispatchEvent(new Event('change', {bubbles: true}));
  document.body.offsetHeight;
  return spent;
})()
"""
_SORT = """
(() => {
  const th = document.querySelectorAll('#tp-table thead th')[1];
  const b = th && th.querySelector('button');
  if (!b) return 'no button in the second header of #tp-table';
  const t0 = performance.now();
  b.click();
  document.body.offsetHeight;
  return performance.now() - t0;
})()
"""
_PAINT = """
(() => {
  const p = performance.getEntriesByType('paint').find(e => e.name === 'first-contentful-paint');
  return p ? p.startTime : null;
})()
"""


def _median(browser: DevTools, expression: str, repeats: int) -> tuple[float | None, str | None]:
    spent = []
    for _ in range(repeats):
        value = browser.evaluate(expression)
        if not isinstance(value, int | float):
            return None, str(value)
        spent.append(float(value))
    return statistics.median(spent), None


def measure(
    chromium: str, url: str, scratch: Path, filter_value: str = "dental", repeats: int = REPEATS
) -> tuple[dict[str, float | None], list[str]]:
    """The dashboard's figures (milliseconds) at `url`, in a fresh headless Chromium
    `WIDTH` x `HEIGHT`; and a note for each figure that could not be measured."""
    scratch.mkdir(parents=True, exist_ok=True)
    browser = DevTools(chromium, scratch / "profile", scratch / "chromium.log")
    figures: dict[str, float | None] = dict.fromkeys(FIGURES)
    notes: list[str] = []
    try:
        browser.page("Page.enable")
        browser.page("Page.addScriptToEvaluateOnNewDocument", source=_WATCH_READY)
        browser.open(url, WIDTH, HEIGHT)
        # The paint entry and the controls may come just after `load`: wait a little.
        deadline = time.monotonic() + 5
        paint = ready = None
        while time.monotonic() < deadline:
            paint = browser.evaluate(_PAINT)
            ready = browser.evaluate("window.__tpReady === undefined ? null : window.__tpReady")
            if paint is not None and ready is not None:
                break
            if paint is not None and browser.evaluate("!document.querySelector('.tp-controls')"):
                break  # no controls to wait for
            time.sleep(0.05)
        figures["dashboard_first_render_ms"] = paint
        if paint is None:
            notes.append("dashboard_first_render_ms: no first-contentful-paint entry")
        figures["dashboard_ready_ms"] = ready
        if ready is None:
            has = browser.evaluate("document.querySelector('.tp-controls') !== null")
            why = "stays hidden" if has else "is not on the page"
            notes.append(f"dashboard_ready_ms: .tp-controls {why}")
        for name, expression in (
            ("dashboard_filter_ms", _FILTER % {"value": json.dumps(filter_value)}),
            ("dashboard_state_ms", _STATE),
            ("dashboard_sort_ms", _SORT),
        ):
            figures[name], why = _median(browser, expression, repeats)
            if why is not None:
                notes.append(f"{name}: {why}")
    finally:
        browser.close()
    return figures, notes
