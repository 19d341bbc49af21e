"""The benchmark's side-by-side figures (bench/compare.py): growth from the smallest
portfolio to each larger one, each against its goal, on one machine's results only."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO

sys.path.insert(0, str(REPO / "bench"))

import compare


def results(clients: int, cpus: int, **seconds: float) -> dict[str, Any]:
    figures = {
        "check_s": 1.0,
        "nothing_changed_s": 0.5,
        "nothing_changed_own_s": 0.2,
        "one_edited_s": 1.0,
        "build_peak_mib": 200.0,
        **seconds,
    }
    return {
        "clients": clients,
        "machine": {"cpus": cpus, "python": "3.11.2", "platform": "Linux"},
        "seconds": figures,
        "ratios": {"cold_vs_naive": 0.1, "check_vs_floor": 2.5},
        "goals": {"cold_vs_naive": 0.12, "check_vs_floor": 2.0},
    }


SMALL = results(250, 2)
# Nothing changed grows 1.2x (ok), one edited 1.5x (over), the cold build's peak 1.25x (ok).
LARGE = results(
    1000, 2, nothing_changed_s=0.6, nothing_changed_own_s=1.25, one_edited_s=1.5, build_peak_mib=250
)
# Another machine: never compared with the others.
ELSEWHERE = results(500, 8, nothing_changed_s=9.0, one_edited_s=9.0, build_peak_mib=900)


def test_growth_from_the_smallest_portfolio() -> None:
    chosen = compare.same_machine([LARGE, ELSEWHERE, SMALL], 2)
    assert [r["clients"] for r in chosen] == [250, 1000]
    growth = {g.figure: g for g in compare.growth(chosen)}
    assert set(growth) == {"nothing_changed_s", "one_edited_s", "build_peak_mib"}
    assert all((g.small, g.large) == (250, 1000) for g in growth.values())
    assert growth["nothing_changed_s"].ratio == pytest.approx(1.2)
    assert growth["one_edited_s"].ratio == pytest.approx(1.5)
    assert growth["build_peak_mib"].ratio == pytest.approx(1.25)
    assert growth["nothing_changed_s"].ok is True
    assert growth["one_edited_s"].ok is False
    assert growth["build_peak_mib"].ok is True


def test_each_larger_portfolio_against_the_smallest() -> None:
    middle = results(500, 2, nothing_changed_s=1.0)
    growth = compare.growth(compare.same_machine([SMALL, LARGE, middle], 2))
    pairs = {(g.figure, g.large): g.ratio for g in growth}
    assert pairs[("nothing_changed_s", 500)] == pytest.approx(2.0)
    assert pairs[("nothing_changed_s", 1000)] == pytest.approx(1.2)
    assert {g.small for g in growth} == {250}


def test_table_marks_goals_and_leaves_other_machines_out() -> None:
    text = compare.table([SMALL, LARGE, ELSEWHERE], 2)
    lines = text.splitlines()
    assert "1 left out" in lines[0]
    clients = next(line for line in lines if line.split()[0] == "clients")
    assert clients.split()[1:] == ["250", "1000"]  # no column for the 8-core machine
    assert "9.000" not in text and "900" not in text
    growth = {line.split()[0]: line for line in lines if "250 -> 1000" in line}
    assert set(growth) == {"nothing_changed_s", "one_edited_s", "build_peak_mib"}
    assert "1.50x" in growth["one_edited_s"] and growth["one_edited_s"].endswith("over the goal")
    assert "1.20x" in growth["nothing_changed_s"] and growth["nothing_changed_s"].endswith("ok")
    assert "1.25x" in growth["build_peak_mib"] and growth["build_peak_mib"].endswith("ok")
    # Tripod's own time is held to under a second from 1,000 clients: not at 250.
    (own,) = [line for line in lines if "goal < 1.0 s" in line]
    assert "at 1000" in own and own.endswith("over the goal")
    # A ratio over the goal its run set is starred, one under it is not.
    (check,) = [line for line in lines if line.strip().startswith("check_vs_floor")]
    assert check.count("*") == 2
    (naive,) = [line for line in lines if line.strip().startswith("cold_vs_naive")]
    assert "*" not in naive


def test_own_time_under_a_second_is_ok() -> None:
    fast = results(1000, 2, nothing_changed_own_s=0.4)
    assert compare.own_marks([SMALL, fast]) == [(1000, 0.4, True)]


def test_a_run_without_a_figure_has_no_ratio() -> None:
    old = results(250, 2)
    del old["seconds"]["build_peak_mib"]
    growth = {g.figure: g for g in compare.growth([old, LARGE])}
    assert growth["build_peak_mib"].ratio is None and growth["build_peak_mib"].ok is None
    assert "no figure" in compare.table([old, LARGE], 2)


def test_one_machine_alone() -> None:
    assert "No benchmark results made on 4 cores" in compare.table([SMALL, LARGE], 4)
    assert "another --clients" in compare.table([SMALL], 2)


def test_load_reads_each_size(tmp_path: Path) -> None:
    (tmp_path / "results-250.json").write_text(json.dumps(SMALL))
    (tmp_path / "results-1000.json").write_text(json.dumps(LARGE))
    (tmp_path / "results-broken.json").write_text("{")
    (tmp_path / "results.json").write_text(json.dumps(ELSEWHERE))  # not one per size
    loaded = compare.load(tmp_path)
    assert sorted(r["clients"] for r in loaded) == [250, 1000]
