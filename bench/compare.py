"""The benchmark's figures for several portfolio sizes side by side.

Each `bench/run.py --clients N` writes bench/results-N.json. This lays out those
made on a machine with as many cores as the one asked about (ratios hold within
one machine only): one column per N, one row per figure, then how the figures
that should stay flat grow from the smallest portfolio to each larger one.

    python bench/compare.py [--cpus 2] [--folder bench]
"""

from __future__ import annotations

import argparse
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

# A build should cost about the same whatever the size of the portfolio: from the
# smallest N to each larger one, these may grow at most 1.3 times. The memory goal
# is on the cold build's peak (build_peak_mib); the peaks of the other builds are
# shown without one.
GROWTH_GOAL = 1.3
GROWTH = ("nothing_changed_s", "one_edited_s", "build_peak_mib")

# Tripod's own time in a build with nothing changed (without Python's start and
# the imports): under a second from 1,000 clients up.
OWN = "nothing_changed_own_s"
OWN_GOAL_S = 1.0
OWN_GOAL_FROM = 1000

Results = dict[str, Any]


@dataclass(frozen=True)
class Growth:
    """How much a figure grew from the smallest portfolio to a larger one."""

    figure: str
    small: int  # clients
    large: int
    ratio: float | None  # None when either run lacks the figure

    @property
    def ok(self) -> bool | None:
        return None if self.ratio is None else self.ratio <= GROWTH_GOAL


def load(folder: Path) -> list[Results]:
    """Every results-*.json in the folder that can be read as a benchmark's results."""
    found = []
    for path in sorted(folder.glob("results-*.json")):
        try:
            data = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and isinstance(data.get("clients"), int):
            found.append(data)
    return found


def cores(results: Results) -> int | None:
    machine = results.get("machine")
    return machine.get("cpus") if isinstance(machine, dict) else None


def same_machine(results: list[Results], cpus: int) -> list[Results]:
    """The results made on `cpus` cores, one per N (the later in the list wins),
    smallest N first."""
    by_size = {r["clients"]: r for r in results if cores(r) == cpus}
    return [by_size[n] for n in sorted(by_size)]


def figure(results: Results, name: str) -> float | None:
    value = results.get("seconds", {}).get(name)
    if value is None:
        value = results.get("ratios", {}).get(name)
    return float(value) if isinstance(value, int | float) else None


def growth(chosen: list[Results]) -> list[Growth]:
    """For the smallest N and each larger one, the growth of each figure in GROWTH."""
    if not chosen:
        return []
    small = chosen[0]
    rows = []
    for large in chosen[1:]:
        for name in GROWTH:
            before, after = figure(small, name), figure(large, name)
            ratio = None if before is None or after is None or before <= 0 else after / before
            rows.append(Growth(name, small["clients"], large["clients"], ratio))
    return rows


def own_marks(chosen: list[Results]) -> list[tuple[int, float, bool]]:
    """(N, seconds, under the goal) of Tripod's own nothing-changed time, from
    OWN_GOAL_FROM clients up."""
    marks = []
    for results in chosen:
        seconds = figure(results, OWN)
        if results["clients"] >= OWN_GOAL_FROM and seconds is not None:
            marks.append((results["clients"], seconds, seconds < OWN_GOAL_S))
    return marks


def _shown(value: float | None) -> str:
    if value is None:
        return "-"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3f}"


def _names(chosen: list[Results], part: str) -> list[str]:
    """The figures of one part of the results (seconds, ratios), in the order first seen."""
    names: dict[str, None] = {}
    for results in chosen:
        names.update(dict.fromkeys(results.get(part, {})))
    return list(names)


def table(results: list[Results], cpus: int) -> str:
    """The side-by-side table of the results made on `cpus` cores, and the growth of
    the figures that should stay flat, each against its goal."""
    chosen = same_machine(results, cpus)
    other = sum(cores(r) != cpus for r in results)
    lines = []
    aside = f" ({other} left out: made on a machine with another number of cores)" if other else ""
    if not chosen:
        return f"No benchmark results made on {cpus} cores{aside}."
    lines.append(f"Side by side, on {cpus} cores{aside}:")
    rows: list[tuple[str, list[str]]] = [("clients", [str(r["clients"]) for r in chosen])]
    for name in _names(chosen, "seconds"):
        rows.append((name, [_shown(figure(r, name)) for r in chosen]))
    for name in _names(chosen, "ratios"):
        cells = []
        for r in chosen:
            value, goal = r.get("ratios", {}).get(name), r.get("goals", {}).get(name)
            over = value is not None and goal is not None and value > goal
            cells.append(_shown(value) + (" *" if over else ""))
        rows.append((name, cells))
    label = max(len(name) for name, _ in rows)
    width = max(len(cell) for _, cells in rows for cell in cells)
    for name, cells in rows:
        lines.append(f"  {name:{label}}" + "".join(f"  {cell:>{width}}" for cell in cells))
    if len(rows) > 1 + len(_names(chosen, "seconds")):
        lines.append("  (* a ratio over its goal in that run)")
    marks = growth(chosen)
    if marks:
        lines.append(f"Growth from {chosen[0]['clients']} clients (goal <= {GROWTH_GOAL}):")
    elif len(chosen) == 1:
        lines.append("One portfolio size so far: run bench/run.py with another --clients.")
    for mark in marks:
        if mark.ratio is None:
            verdict = "-      no figure in one of the runs"
        else:
            verdict = f"{mark.ratio:.2f}x  {'ok' if mark.ok else 'over the goal'}"
        lines.append(f"  {mark.figure:18} {mark.small} -> {mark.large}: {verdict}")
    for clients, seconds, under in own_marks(chosen):
        lines.append(
            f"  {OWN} at {clients}: {seconds:.3f} s, goal < {OWN_GOAL_S} s:"
            f" {'ok' if under else 'over the goal'}"
        )
    return "\n".join(lines)


def print_table(results: list[Results], cpus: int) -> None:
    print(table(results, cpus))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cpus", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--folder", type=Path, default=HERE)
    args = parser.parse_args()
    print_table(load(args.folder), args.cpus)


if __name__ == "__main__":
    main()
