"""The recovery-time chart stays small whatever the figures: a bounded number of ticks."""

from __future__ import annotations

import re
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import TinyProject, with_change
from generator.render import chart
from generator.rules.recovery import Estimate

TICK = re.compile(r'<text class="tick"[^>]*>([^<]*)</text>')

# Hours from none to far beyond any calendar: a link of 1 bps takes a billion
# hours to bring back 420 GB.
HOURS = st.one_of(
    st.just(Fraction(0)),
    st.fractions(min_value=0, max_value=1, max_denominator=10_000),
    st.fractions(min_value=0, max_value=10_000, max_denominator=100),
    st.integers(min_value=0, max_value=10**15).map(Fraction),
)
OPTIONAL = st.one_of(st.none(), HOURS)


@st.composite
def rows(draw: st.DrawFn) -> chart.Row:
    estimate = Estimate.of(
        "s",
        1,
        hardware=draw(HOURS),
        download=draw(HOURS),
        restore=draw(HOURS),
        network=draw(HOURS),
        validation=draw(HOURS),
    )
    if not draw(st.booleans()):
        estimate = Estimate("s", 1, status="no surviving copy", reason="no copy survives")
    return chart.Row(
        draw(st.text(max_size=40)), estimate, draw(OPTIONAL), draw(OPTIONAL), draw(OPTIONAL)
    )


@settings(max_examples=300, deadline=None)
@given(st.lists(rows(), min_size=1, max_size=8))
def test_a_chart_has_few_ticks_and_a_bounded_size(figures: list[chart.Row]) -> None:
    svg = str(chart.svg(figures))
    ticks = TICK.findall(svg)
    assert 2 <= len(ticks) <= 12
    assert ticks[0] in ("0 h", "0 d", "0 w", "0 y")
    # Everything but the names grows with the rows, never with the figures.
    names = sum(len(row.name) * 6 for row in figures)  # escaped, in the label and nowhere else
    assert len(svg) <= 4_000 + 3_000 * len(figures) + names


def test_one_giant_bar_beside_tiny_ones() -> None:
    tiny = Estimate.of("a", 1, validation=Fraction(1, 60))
    giant = Estimate.of("b", 2, download=Fraction(933_333_333))  # 420 GB over 1 bps
    svg = str(chart.svg([chart.Row("Tiny", tiny, Fraction(1)), chart.Row("Giant", giant, None)]))
    assert TICK.findall(svg) == [f"{n * 20_000} y" for n in range(7)]
    assert len(svg) < 6_000


def test_the_steps_are_hours_days_weeks_then_years() -> None:
    def labels(hours: int) -> list[str]:
        row = chart.Row("S", Estimate.of("s", 1, restore=Fraction(hours)), None)
        return TICK.findall(str(chart.svg([row])))

    assert labels(5) == ["0 h", "1 h", "2 h", "3 h", "4 h", "5 h"]
    assert labels(30) == ["0 h", "6 h", "12 h", "18 h", "24 h", "30 h"]
    assert labels(100) == [f"{n} d" for n in range(6)]
    assert labels(1_000) == [f"{n} w" for n in range(7)]
    assert labels(8760) == [f"{n * 13} w" for n in range(6)]
    assert labels(3 * 8760) == ["0 y", "1 y", "2 y", "3 y"]
    assert labels(100 * 8760) == [f"{n * 20} y" for n in range(6)]


def test_a_link_of_one_bit_per_second_builds_small_pages(tiny_site: TinyProject) -> None:
    tiny_site.client(with_change("download_bandwidth: 200 Mbps", "download_bandwidth: 1 bps"))
    run = tiny_site.tripod("build")
    assert run.code == 0, run.err  # rule findings do not stop a build
    pages = list((tiny_site.root / "site" / "clients" / "acme").rglob("*.html"))
    assert pages
    charts = 0
    for page in pages:
        text = page.read_text("utf-8")
        charts += text.count('class="tripod-chart"')
        assert len(text) < 400_000, page
        assert len(TICK.findall(text)) <= 12 * text.count('class="tripod-chart"'), page
    assert charts >= 1


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=200))
def test_a_label_is_wrapped_never_cut(name: str) -> None:
    lines = chart.label_lines(name)
    assert lines and all(len(line) <= 34 for line in lines)
    # Nothing of the name is lost: the lines hold every character of every word, in order.
    assert "".join(lines).replace(" ", "") == "".join(name.split())
    if name.split():
        assert all(line for line in lines)


def test_long_labels_grow_the_label_column_and_the_row() -> None:
    short = Estimate.of("a", 1, validation=Fraction(2))
    name = "Practice ledger database (SQL Server VM), replicated every night to the offices"
    one = str(chart.svg([chart.Row("Mail", short, Fraction(8))]))
    three = str(chart.svg([chart.Row(name, short, Fraction(8))]))
    view = re.compile(r'viewBox="0 0 (\d+) (\d+)"')
    (w1, h1), (w3, h3) = (tuple(map(int, view.findall(svg)[0])) for svg in (one, three))
    assert w3 > w1 and h3 > h1
    assert three.count("<tspan") == len(chart.label_lines(name)) == 3
