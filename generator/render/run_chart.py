"""The chart of a backup's runs: the last 60 days before the build, and the size protected.

Plain inline SVG in the manner of `chart.py`: no script, no external resource,
every text through `render.text`. One mark per run, in a lane named in words
for its result and with a shape of its own (a dot, a triangle, a cross), so
that colour is never the only cue; each mark's title says when it ran, how it
ended and what it protected. The right edge is the build's moment.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from markupsafe import Markup

from generator.evidence.records import Run, Status
from generator.format.units import format_bytes
from generator.render import text
from generator.render.health import STATUS_WORDS, WINDOW, Health

COLOURS: dict[Status, str] = {"success": "#2e7d32", "warning": "#ef6c00", "failed": "#c62828"}
LANES: dict[Status, str] = {
    "success": "Succeeded",
    "warning": "With warnings",
    "failed": "Failed",
}
_SIZE = 'stroke="#1e88e5" stroke-width="2" fill="none"'
_DECLARED = 'stroke="#6a1b9a" stroke-width="1.5" stroke-dasharray="5 3"'
_GRID = 'stroke="#dddddd" stroke-width="1"'
_WIDTH = 760
_LEFT, _RIGHT = 120, 690  # the plot's edges; labels to the left, the last size to the right
_LANE_H = 24
_TOP = 30
_PANEL_H = 80
_CHAR_W = 7.2
_TICK_DAYS = 10


def _mark(status: Status, x: float, y: float, words: Markup | None, kind: str = "run") -> str:
    """A run's shape for its result (a dot, a triangle, a cross), its title the words."""
    title = f"<title>{words}</title>" if words is not None else ""
    colour = COLOURS[status]
    if status == "success":
        return (
            f'<circle class="{kind} success" fill="{colour}" cx="{x}" cy="{y}" r="4.5">'
            f"{title}</circle>"
        )
    if status == "warning":
        points = f"M{x} {y - 5.5}L{round(x + 5.5, 2)} {y + 4.5}L{round(x - 5.5, 2)} {y + 4.5}Z"
        return f'<path class="{kind} warning" fill="{colour}" d="{points}">{title}</path>'
    a, b = round(x - 4, 2), round(x + 4, 2)
    cross = f"M{a} {y - 4}L{b} {y + 4}M{a} {y + 4}L{b} {y - 4}"
    return (
        f'<path class="{kind} failed" stroke="{colour}" stroke-width="2.5" fill="none" '
        f'd="{cross}">{title}</path>'
    )


def _words(health: Health, run: Run) -> Markup:
    """A mark's title: "2026-11-26 02:00: succeeded, 640 GB protected (restic, repository)"."""
    said = f"{health.shown(run.start)}: {STATUS_WORDS[run.status]}"
    if run.bytes is not None:
        said += f", {format_bytes(run.bytes)} protected"
    source = ", ".join(part for part in (run.tool, run.repository) if part)
    return text(said + (f" ({source})" if source else ""))


def svg(health: Health, name: str, declared: int | None = None) -> Markup:
    """The chart of one backup's recent runs, named `name` in its title (text from the
    file, escaped); `declared` is the data its systems are declared to hold, in bytes."""
    now = health.edge
    start = now - WINDOW
    recent = health.recent
    sized = [r for r in recent if r.bytes is not None]

    def x(moment: dt.datetime) -> float:
        share = (moment - start) / WINDOW
        return round(_LEFT + share * (_RIGHT - _LEFT), 2)

    lanes_bottom = _TOP + _LANE_H * len(LANES)
    panel_top = lanes_bottom + 30
    bottom = panel_top + _PANEL_H if sized else lanes_bottom
    title_id = f"tripod-runs-{health.backup.id}"
    out: list[str] = [
        f'<title id="{text(title_id)}">Runs of the {text(name)} in the 60 days before this '
        "page was built, by result"
        + (", and the size of the data protected" if sized else "")
        + "</title>"
    ]
    for days in range(0, WINDOW.days + 1, _TICK_DAYS):
        moment = now - dt.timedelta(days=days)
        at = x(moment)
        day = moment.astimezone(health.zone)
        out.append(
            f'<line class="grid" {_GRID} x1="{at}" y1="{_TOP - 6}" x2="{at}" y2="{bottom}"/>'
            f'<text class="tick" x="{at}" y="{_TOP - 10}" text-anchor="middle">'
            f"{text(f'{day.day} {day:%b}')}</text>"
        )
    for i, (status, label) in enumerate(LANES.items()):
        middle = _TOP + _LANE_H * i + _LANE_H / 2
        out.append(
            f'<text class="label" x="{_LEFT - 10}" y="{middle + 4}" text-anchor="end">{label}</text>'
        )
        for run in recent:
            if run.status == status:
                out.append(_mark(run.status, x(run.start), middle, _words(health, run)))
    if not recent:
        out.append(
            f'<text class="none" x="{(_LEFT + _RIGHT) / 2}" y="{_TOP + _LANE_H * 1.5 + 4}" '
            'text-anchor="middle">No run in these 60 days</text>'
        )
    if sized:
        out += _size_panel(sized, declared, x, panel_top)
    out += _legend(bool(sized), declared is not None and bool(sized), bottom + 26)
    height = bottom + 26 + (40 if sized else 20)
    head = (
        f'<svg class="tripod-chart tripod-runs" viewBox="0 0 {_WIDTH} {height}" width="100%" '
        'role="img" font-size="12" font-family="sans-serif" fill="#222222" '
        f'xmlns="http://www.w3.org/2000/svg" aria-labelledby="{text(title_id)}">'
    )
    return Markup('<div class="tripod-chart-box">' + head + "".join(out) + "</svg></div>")


def _size_panel(
    sized: list[Run], declared: int | None, x: Callable[[dt.datetime], float], top: int
) -> list[str]:
    values = [r.bytes or 0 for r in sized]
    highest = max([*values, declared or 0, 1])
    bottom = top + _PANEL_H

    def y(size: float) -> float:
        return round(bottom - size / highest * _PANEL_H, 2)

    out = [
        f'<text class="label" x="{_LEFT - 10}" y="{top + _PANEL_H / 2 + 4}" text-anchor="end">'
        "Size protected</text>",
        f'<line class="grid" {_GRID} x1="{_LEFT}" y1="{bottom}" x2="{_RIGHT}" y2="{bottom}"/>',
        f'<line class="grid" {_GRID} x1="{_LEFT}" y1="{top}" x2="{_RIGHT}" y2="{top}"/>',
        f'<text class="tick" x="{_LEFT - 10}" y="{top + 4}" text-anchor="end">'
        f"{text(format_bytes(highest))}</text>",
        f'<text class="tick" x="{_LEFT - 10}" y="{bottom + 4}" text-anchor="end">0</text>',
    ]
    if declared is not None:
        out.append(
            f'<line class="declared" {_DECLARED} x1="{_LEFT}" y1="{y(declared)}" x2="{_RIGHT}" '
            f'y2="{y(declared)}"><title>Declared in the agreement: '
            f"{text(format_bytes(declared))}</title></line>"
        )
    points = " ".join(f"{x(r.start)},{y(r.bytes or 0)}" for r in sized)
    if len(sized) == 1:
        out.append(
            f'<circle class="size" fill="#1e88e5" cx="{x(sized[0].start)}" '
            f'cy="{y(values[0])}" r="3"/>'
        )
    else:
        out.append(f'<polyline class="size" {_SIZE} points="{points}"/>')
    last = sized[-1]
    out.append(
        f'<text class="tick" x="{x(last.start) + 6}" y="{y(values[-1]) + 4}">'
        f"{text(format_bytes(values[-1]))}</text>"
    )
    return out


def _legend(sized: bool, declared: bool, y: int) -> list[str]:
    """One line of results (shape, colour and word), then the size's lines where drawn."""
    out = []
    at = 10
    for status in LANES:
        words = STATUS_WORDS[status].capitalize()
        shape = _mark(status, at + 6, y - 4, None, "key")
        out.append(shape + f'<text class="legend" x="{at + 16}" y="{y}">{words}</text>')
        at += 16 + round(len(words) * _CHAR_W) + 24
    if sized:
        y += 20
        out.append(
            f'<line class="size" {_SIZE} x1="10" y1="{y - 4}" x2="30" y2="{y - 4}"/>'
            f'<text class="legend" x="36" y="{y}">Size protected</text>'
        )
        if declared:
            out.append(
                f'<line class="declared" {_DECLARED} x1="150" y1="{y - 4}" x2="170" y2="{y - 4}"/>'
                f'<text class="legend" x="176" y="{y}">Declared in the agreement</text>'
            )
    return out
