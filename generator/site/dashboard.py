"""The provider's internal dashboard: every client at a glance, never published to one.

The page opens with totals (each a link that filters the table), the clients that
need action (the most urgent first), a chart of the portfolio's recovery estimates
against the RTOs, then one compact row per client. The table is plain HTML that
reads without a script; `portfolio.js` (shipped with the site, no CDN, nothing
inline) sorts and filters it in the browser. Its columns are `portfolio.COLUMNS`,
the same as portfolio.csv, portfolio.json and `tripod report`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import quote

from jinja2 import Environment
from markupsafe import Markup

from generator.findings import Finding
from generator.format.load import Loaded
from generator.format.model import Client, Provider, Scenario
from generator.project.record import ClientRecord
from generator.render import render_template, text
from generator.rules import options
from generator.rules.recovery import SCENARIO_TITLES, ScenarioEstimate
from generator.site import portfolio as pf
from generator.site.engine import material_icon

# The dashboard's own assets (templates/internal/assets, and the icons the build writes),
# beside the sites' shared ones.
ICON_STYLES = "assets/stylesheets/portfolio-icons.css"
STYLES = ("assets/stylesheets/portfolio.css", ICON_STYLES)
SCRIPTS = ("assets/javascripts/portfolio.js",)

# Material's own icons, one per tone: each status cell shows its tone's icon before its
# word (portfolio-icons.css, written by the build from the icons Material ships), as a
# mask in the text's colour. A CSS icon, not an element, keeps the table light: 1,000
# rows of inline SVG take seconds to lay out.
ICONS: dict[pf.Tone, str] = {
    "bad": "close-octagon",
    "warn": "alert",
    "accepted": "handshake-outline",
    "unknown": "help-circle-outline",
    "ok": "check-circle",
    "off": "minus-circle-outline",
}
SHOWN_ACTIONS = 20  # the needs-action list's first lines; the rest fold away
# Where a header of a column of small numbers may break, so the column is as narrow
# as its numbers.
HYPHENATED = {"warnings": "Warn\u00adings", "overdue": "Over\u00addue"}


def icon_styles() -> str:
    """Each tone's icon, as the data: URL the status cells' masks draw."""
    lines = ["/* Material's icons for the dashboard's states, made by tripod build. */"]
    for tone, name in ICONS.items():
        url = "data:image/svg+xml," + quote(material_icon(name), safe=" /:=")
        lines.append(f'.tp-{tone} {{ --tp-icon: url("{url}"); }}')
    return "\n".join(lines) + "\n"


def status(word: str, tone: pf.Tone) -> Markup:
    """A state as the legend and the table show it: its icon, then its word."""
    return Markup(f'<span class="tp-s tp-{tone}">{text(word)}</span>')


def table(rows: list[pf.Summary]) -> Markup:
    """The portfolio table, sorted by client name: every column of `portfolio.TABLE`."""
    head = []
    for i, column in enumerate(pf.TABLE):
        kind = "number" if column.kind == "flag" else column.kind
        num = ' class="tp-num"' if kind == "number" else ""
        sort = ' aria-sort="ascending"' if i == 0 else ""
        head.append(
            f'<th scope="col" data-type="{kind}"{num}{sort}>'
            f'<button type="button">{text(HYPHENATED.get(column.key, column.title))}</button></th>'
        )
    body = []
    for row in sorted(rows, key=lambda r: (r.name.lower(), r.id)):
        cells = []
        for column in pf.TABLE:
            cell = column.read(row)
            label = f' data-label="{text(column.title)}"'
            sort = f' data-sort="{text(cell.sort)}"'
            if column.key == "name":
                shown = _client_link(row)
            elif cell.tone is not None:
                # The agreement as the client's site says it, on hovering its state.
                title = f' title="{text(row.sentence)}"' if column.key == "agreement" else ""
                cells.append(
                    f'<td{label}{sort}{title} class="tp-s tp-{cell.tone}">{text(cell.text)}</td>'
                )
                continue
            else:
                shown = str(text(cell.text))
            num = ' class="tp-num"' if column.kind in ("number", "flag") else ""
            cells.append(f"<td{label}{sort}{num}>{shown}</td>")
        states = " ".join(row.states)
        search = text(f"{row.id} {row.file}".lower())
        body.append(f'<tr data-states="{states}" data-search="{search}">{"".join(cells)}</tr>')
    return Markup(
        '<div class="tp-scroll"><table class="tp-table" id="tp-table">'
        f"<thead><tr>{''.join(head)}</tr></thead>\n<tbody>\n"
        + "\n".join(body)
        + "\n</tbody></table></div>"
    )


def _client_link(row: pf.Summary, page: str = "") -> str:
    if not row.loadable:
        return str(text(row.file))
    return f'<a href="../clients/{text(row.id)}/latest/{page}">{text(row.name)}</a>'


def needing_action(rows: list[pf.Summary]) -> list[pf.Summary]:
    """The clients with something to do, the most urgent first: by their most urgent
    action's rank, then the longest-standing, then by name."""
    found = [r for r in rows if r.actions]
    return sorted(
        found,
        key=lambda r: (r.actions[0].rank, r.actions[0].since or "9999", r.name.lower()),
    )


def action_lines(rows: Iterable[pf.Summary]) -> list[Markup]:
    lines = []
    for row in rows:
        first = row.actions[0]
        since = f' <span class="tp-since">since {text(first.since)}</span>' if first.dated else ""
        more = len(row.actions) - 1
        extra = (
            f' <a class="tp-more" href="findings/#f-{text(row.id)}">and {more} more</a>'
            if more
            else ""
        )
        lines.append(
            Markup(
                f"<strong>{_client_link(row, first.page)}</strong>: {text(first.words)}"
                f"{since}{extra}"
            )
        )
    return lines


# ----------------------------------------------------------------------- the chart

_BAR_X = 4  # the bars start at the left, each under its scenario's title
_BAR_W = 472
_ROW_H = 48
_BAR_H = 22


def chart(rows: list[pf.Summary]) -> Markup:
    """Per scenario, one bar of the loadable clients: how many meet the RTO, accept the
    gap, miss it, are not estimated, or are not covered; every part labelled with its
    count where it fits, and the counts in words below the chart, so colour is never
    alone. Each part links to the table filtered to its clients. The scenario's title
    is above its bar, so the chart stays narrow enough to read on a phone."""
    counts = pf.chart_counts(rows)
    total = sum(r.loadable for r in rows)
    height = _ROW_H * len(counts) + 24
    width = _BAR_X + _BAR_W + 4
    parts = [
        f'<svg class="tp-chart-svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-labelledby="tp-chart-title">',
        '<title id="tp-chart-title">Clients meeting, accepting or missing their RTOs, '
        "per scenario</title>",
    ]
    for i, (scenario, groups) in enumerate(counts.items()):
        top = 4 + i * _ROW_H
        parts.append(
            f'<text x="{_BAR_X}" y="{top + 13}" class="tp-chart-label">'
            f"{text(SCENARIO_TITLES[scenario])}</text>"
        )
        y = top + 18
        x = float(_BAR_X)
        for group, words, tone in pf.CHART_GROUPS:
            n = groups[group]
            if not n or not total:
                continue
            w = _BAR_W * n / total
            title = f"{SCENARIO_TITLES[scenario]}: {n} {words}"
            parts.append(
                f'<a href="#state={scenario}-{group}"><rect x="{x:.1f}" y="{y}" '
                f'width="{w:.1f}" height="{_BAR_H}" class="tp-bar tp-{tone}">'
                f"<title>{text(title)}</title></rect>"
            )
            if w >= 8 * len(str(n)) + 6:
                parts.append(
                    f'<text x="{x + w / 2:.1f}" y="{y + 16}" text-anchor="middle" '
                    f'class="tp-bar-count tp-on-{tone}">{n}</text>'
                )
            parts.append("</a>")
            x += w
    parts.append(
        f'<text x="{_BAR_X}" y="{height - 6}" class="tp-chart-axis">Out of {total} '
        f"{'client' if total == 1 else 'clients'}</text>"
    )
    parts.append("</svg>")
    return Markup("".join(parts))


def chart_words(rows: list[pf.Summary]) -> list[tuple[Scenario, list[tuple[str, int, str]]]]:
    """The chart in words, per scenario: each group with its count and its token."""
    return [
        (
            scenario,
            [(words, groups[g], f"{scenario}-{g}") for g, words, _ in pf.CHART_GROUPS if groups[g]],
        )
        for scenario, groups in pf.chart_counts(rows).items()
    ]


# ----------------------------------------------------------------------- findings page

GAPS = {"rto-unachievable": options.rto_options, "rpo-unachievable": options.rpo_options}


def quotes(
    client: Client, scenarios: dict[Scenario, ScenarioEstimate], findings: list[Finding]
) -> list[tuple[Finding, list[str]]]:
    """What would close each RTO or RPO gap, accepted ones included (a gap accepted today
    may be quoted tomorrow): every option, where the finding's hint names one or two."""
    found = []
    for f in findings:
        priced = GAPS.get(f.code)
        scenario = next((s for s in scenarios.values() if s.scenario == f.scenario), None)
        if priced is None or scenario is None or f.system is None:
            continue
        listed = priced(client, scenario, f.system)
        if listed:
            found.append((f, [options.line(o) for o in listed]))
    return found


Details = tuple[list[Finding], list[tuple[Finding, list[str]]]]  # findings, quotes

# The table goes into the built page after MkDocs: Markdown would parse its thousands
# of tags for nothing (most of the time of a dashboard of 1,000 clients).
TABLE_MARK = "<!-- tripod:portfolio-table -->"


def put_table(page: Path, written: str) -> None:
    """Writes the table (`table`'s) into the built dashboard page, where its template
    put it."""
    text = page.read_text("utf-8")
    page.write_text(text.replace(TABLE_MARK, written), "utf-8")


def details(record: ClientRecord) -> Details:
    """What the Findings page shows of a client besides its row: its findings, and what
    would close each RTO or RPO gap."""
    client = record.client
    found = record.findings
    return found, quotes(client, record.estimates, found) if client else []


def dashboard_pages(
    env: Environment,
    provider: Loaded[Provider],
    now: dt.datetime,
    rows: list[pf.Summary],
    clients: list[Details],
) -> dict[str, str]:
    """The dashboard's pages as of `now` (in the provider's time zone): each client's
    row, and its details, in the same order."""
    model = provider.model
    urgent = needing_action(rows)
    values = {
        "built": f"{now:%Y-%m-%d %H:%M} ({model.timezone if model else 'UTC'} time)",
        "today": now.date(),
        "provider": model,
        "provider_findings": provider.findings,
        "totals": pf.totals(rows),
        "filters": pf.filters(rows),
        "actions": action_lines(urgent),
        "shown_actions": SHOWN_ACTIONS,
        "chart": chart(rows),
        "chart_words": chart_words(rows),
        "scenario_titles": SCENARIO_TITLES,
        "status": status,
        "table": Markup(TABLE_MARK),
        "count": len(rows),
        "clients": [
            {"row": row, "findings": found, "quotes": quoted}
            for row, (found, quoted) in zip(rows, clients, strict=True)
        ],
    }
    return {
        "index.md": render_template(env, "internal/index.md", values),
        "findings.md": render_template(env, "internal/findings.md", values),
    }
