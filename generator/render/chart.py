"""The recovery-time chart: one stacked bar per system, its RTO drawn across it.

Plain inline SVG, no script and no external resource, readable in a second:
where the bar ends past the red RTO line the objective is not met. Every text
in it goes through `render.text`, so a system name is only ever text.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from itertools import accumulate

from markupsafe import Markup

from generator.format.model import Scenario
from generator.format.units import format_hours
from generator.render import text
from generator.rules.recovery import PHASES, SCENARIO_AFTER, Estimate

# Presentation attributes, so the chart reads the same where no style sheet
# reaches it (a PDF renderer); the site's CSS overrides them (dark mode).
COLOURS = {
    "investigation": "#546e7a",
    "hardware": "#7e57c2",
    "provisioning": "#5c6bc0",
    "download": "#1e88e5",
    "restore": "#00897b",
    "network": "#f9a825",
    "validation": "#8d6e63",
}
_RTO = 'stroke="#d32f2f" stroke-width="3"'
_MTD = 'stroke="#6a1b9a" stroke-width="2" stroke-dasharray="4 3"'
_GRID = 'stroke="#dddddd" stroke-width="1"'
# Tick steps in hours: hours, days, weeks (up to a quarter of a year),
# then whole years (1, 2, 5 times a power of ten). The step is the first that
# needs at most _TICKS - 1 intervals, so the chart has at most _TICKS ticks
# whatever the figures (a link of 1 bps once drew 230,000 of them, year by year).
_WEEK = 168
_YEAR = 8760
_STEPS = (1, 2, 3, 6, 12, 24, 48, 72, _WEEK, 2 * _WEEK, 4 * _WEEK, 13 * _WEEK)
_TICKS = 9
# A system's name is never cut: it wraps into lines of at most _LABEL_CHARS
# characters, and the label column grows to the longest line (at _CHAR_W, a
# generous width for a character of a 12-unit sans-serif font), each row to
# its lines.
_LABEL_CHARS = 34
_CHAR_W = 7.2
_LINE_H = 14


@dataclass(frozen=True, slots=True)
class Row:
    name: str
    estimate: Estimate
    rto: Fraction | None
    mtd: Fraction | None = None
    measured: Fraction | None = None


def _step(top: Fraction) -> int:
    """The tick step for a chart whose scale ends at `top` hours."""
    intervals = _TICKS - 1
    for step in _STEPS:
        if top / step <= intervals:
            return step
    years = 1
    while top / (_YEAR * years) > intervals:  # as many turns as top has digits
        digits = len(str(years))
        years = {"1": 2, "2": 5, "5": 10}[str(years)[0]] * 10 ** (digits - 1)
    return _YEAR * years


def _tick(hours: int, step: int) -> str:
    """A tick's label in the unit of the step: years, weeks, days or hours."""
    for unit, name in ((_YEAR, "y"), (_WEEK, "w"), (24, "d")):
        if step % unit == 0:
            return f"{hours // unit} {name}"
    return format_hours(Fraction(hours))


def label_lines(name: str, limit: int = _LABEL_CHARS) -> list[str]:
    """A name in lines of at most `limit` characters, broken between words where it can be."""
    lines: list[str] = []
    line = ""
    for word in name.split():
        while len(word) > limit:  # a word longer than a line is cut into pieces, never dropped
            if line:
                lines.append(line)
                line = ""
            lines.append(word[:limit])
            word = word[limit:]
        if line and len(line) + 1 + len(word) > limit:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    if line or not lines:
        lines.append(line)
    return lines


def drawable(rows: list[Row]) -> bool:
    """Whether a chart of these rows would show anything: some system's recovery takes
    known time (where nothing can be recovered, or nothing is estimated, the table says so
    and a chart would be empty bars)."""
    return any(r.estimate.recoverable and r.estimate.total for r in rows)


def svg(rows: list[Row], scenario: Scenario = "site-loss") -> Markup:
    """The chart for these rows in one scenario, as markup to place in a page (one
    page may hold a chart per scenario: the title's id names it)."""
    labels = [label_lines(r.name) for r in rows]
    longest_line = max(len(line) for lines in labels for line in lines)
    label_w = max(210, round(longest_line * _CHAR_W) + 16)
    bar_w, top_pad = 430, 30
    heights = [max(34, _LINE_H * len(lines) + 16) for lines in labels]
    tops = list(accumulate(heights[:-1], initial=top_pad))
    body = sum(heights)
    recoverable = [r for r in rows if r.estimate.recoverable]
    # Room for the total after the longest bar ("at least 6 d 16 h" included).
    totals = [len(r.estimate.total_shown) for r in recoverable]
    width = label_w + bar_w + max(90, round(max(totals, default=0) * _CHAR_W) + 16)
    longest = max([Fraction(1)] + [r.estimate.total for r in recoverable])
    # Objectives far beyond every estimate would squash the bars: past twice the
    # longest estimate they are drawn at the edge, labelled, instead of to scale.
    top = max(
        [longest]
        + [
            v
            for r in rows
            for v in (r.rto, r.mtd, r.measured)
            if v is not None and v <= 2 * longest
        ]
    )
    step = _step(top)
    top = Fraction(-(-top // step) * step)  # round up to a whole step

    def x(hours: Fraction) -> float:
        return round(label_w + float(min(hours, top) / top) * bar_w, 2)

    def beyond(hours: Fraction, what: str, y: float) -> str:
        if hours <= top:
            return ""
        return (
            f'<text class="beyond" fill="#d32f2f" x="{width - 4}" y="{y}" text-anchor="end">'
            f"{what} {text(format_hours(hours))} →</text>"
        )

    height = top_pad + body + 56
    title_id = "tripod-chart-title" if scenario == "site-loss" else f"tripod-chart-{scenario}"
    out = [
        f'<svg class="tripod-chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
        'font-size="12" font-family="sans-serif" fill="#222222" '
        f'xmlns="http://www.w3.org/2000/svg" aria-labelledby="{title_id}">',
        f'<title id="{title_id}">Estimated recovery time {SCENARIO_AFTER[scenario]}, '
        "by system, against its RTO</title>",
    ]
    ticks = range(0, int(top) + 1, step)
    for tick in ticks:
        out.append(
            f'<line class="grid" {_GRID} x1="{x(Fraction(tick))}" y1="{top_pad - 6}" '
            f'x2="{x(Fraction(tick))}" y2="{top_pad + body}"/>'
            f'<text class="tick" x="{x(Fraction(tick))}" y="{top_pad - 10}" text-anchor="middle">'
            f"{text(_tick(tick, step))}</text>"
        )
    for i, row in enumerate(rows):
        y, row_h = tops[i], heights[i]
        est = row.estimate
        lines = labels[i]
        first = y + row_h / 2 + 4 - _LINE_H * (len(lines) - 1) / 2
        if len(lines) == 1:
            label = text(lines[0])
        else:
            label = Markup("").join(
                Markup('<tspan x="{}" dy="{}">{}</tspan>').format(
                    label_w - 8, 0 if n == 0 else _LINE_H, text(line)
                )
                for n, line in enumerate(lines)
            )
        out.append(
            f'<text class="label" x="{label_w - 8}" y="{first}" text-anchor="end">{label}</text>'
        )
        if not est.recoverable:
            out.append(
                f'<text class="unrecoverable" fill="#d32f2f" x="{label_w + 4}" y="{y + row_h / 2 + 4}">'
                f"Cannot be recovered: {text(est.reason)}</text>"
            )
        else:
            start = Fraction(0)
            for part in PHASES:
                value = est.parts()[part]
                if value:
                    out.append(
                        f'<rect class="part {part}" fill="{COLOURS[part]}" x="{x(start)}" '
                        f'y="{y + (row_h - 20) // 2}" '
                        f'width="{round(x(start + value) - x(start), 2)}" height="20">'
                        f"<title>{part.capitalize()}: {text(format_hours(value))}</title></rect>"
                    )
                    start += value
            met = row.rto is None or est.total <= row.rto
            missed = "" if met else ' fill="#d32f2f" font-weight="bold"'
            out.append(
                f'<text class="total {"met" if met else "missed"}"{missed} x="{x(est.total) + 4}" '
                f'y="{y + row_h / 2 + 4}">{text(est.total_shown)}</text>'
            )
        if row.mtd is not None and row.mtd <= top:
            out.append(
                f'<line class="mtd" {_MTD} x1="{x(row.mtd)}" y1="{y + 2}" x2="{x(row.mtd)}" '
                f'y2="{y + row_h - 2}"><title>MTD {text(format_hours(row.mtd))}</title></line>'
            )
        if row.rto is not None and row.rto > top:
            out.append(beyond(row.rto, "RTO", y + row_h - 1))
        elif row.rto is not None:
            out.append(
                f'<line class="rto" {_RTO} x1="{x(row.rto)}" y1="{y + 2}" x2="{x(row.rto)}" '
                f'y2="{y + row_h - 2}"><title>RTO {text(format_hours(row.rto))}</title></line>'
            )
        if row.measured is not None:
            out.append(
                f'<circle class="measured" fill="#222222" cx="{x(row.measured)}" cy="{y + row_h / 2}" r="4">'
                f"<title>Measured in the last DR test: {text(format_hours(row.measured))}</title>"
                "</circle>"
            )
    legend_y = top_pad + body + 22
    legend_x = 10
    # Only the phases some bar has: seven swatches would not fit in one line.
    shown = [p for p in PHASES if any(r.estimate.parts()[p] for r in rows)]
    for part in shown:
        out.append(
            f'<rect class="part {part}" fill="{COLOURS[part]}" x="{legend_x}" y="{legend_y - 9}" width="12" height="12"/>'
            f'<text class="legend" x="{legend_x + 16}" y="{legend_y + 1}">{part.capitalize()}</text>'
        )
        legend_x += 100
    out.append(
        f'<line class="rto" {_RTO} x1="{legend_x + 4}" y1="{legend_y - 10}" x2="{legend_x + 4}" '
        f'y2="{legend_y + 4}"/><text class="legend" x="{legend_x + 10}" y="{legend_y + 1}">RTO</text>'
    )
    if any(r.mtd is not None for r in rows):
        out.append(
            f'<line class="mtd" {_MTD} x1="{legend_x + 54}" y1="{legend_y - 10}" '
            f'x2="{legend_x + 54}" y2="{legend_y + 4}"/>'
            f'<text class="legend" x="{legend_x + 60}" y="{legend_y + 1}">MTD</text>'
        )
    if any(r.measured is not None for r in rows):
        legend_y += 20
        out.append(
            f'<circle class="measured" fill="#222222" cx="16" cy="{legend_y - 3}" r="4"/>'
            f'<text class="legend" x="26" y="{legend_y + 1}">Measured in the last DR test</text>'
        )
    out.append("</svg>")
    return Markup('<div class="tripod-chart-box">' + "".join(out) + "</div>")
