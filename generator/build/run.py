"""`tripod build`: every client's versioned site, and the provider's dashboard.

A client whose file cannot be loaded (or holds something that looks like a
secret), or whose build fails, keeps its last good site; the others and the
dashboard are built all the same. Nothing here prints. The caller holds the
project's build lock (`generator.build.lock`).
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from generator.build.builder import Builder, BuildError, Outcome, failure
from generator.build.parallel import build_all, in_shard
from generator.errors import UsageError
from generator.files import Leftover, Repaired, remove_tree
from generator.project.layout import Project
from generator.project.record import Portfolio, check_project


@dataclass(slots=True)
class BuildResult:
    outcomes: list[Outcome] = field(default_factory=list)
    dashboard: bool = False
    dashboard_unchanged: bool = False  # nothing it shows changed: left as it was
    seconds: float = 0.0
    repaired: Repaired = field(default_factory=Repaired)  # what a killed build had left
    dashboard_error: str | None = None  # why the last good dashboard was kept
    dashboard_trace: str | None = None
    leftovers: list[Leftover] = field(default_factory=list)

    @property
    def kept(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.built]

    @property
    def failed(self) -> bool:
        """Whether something was not built: a client kept its last good site, or the
        dashboard its last good version."""
        return bool(self.kept) or self.dashboard_error is not None


def build(
    project: Project,
    names: tuple[str, ...],
    today: dt.date,
    on_step: Callable[[str], None] | None = None,
    on_start: Callable[[int], None] | None = None,
    jobs: int | None = None,
    shard: tuple[int, int] | None = None,
    *,
    now: dt.datetime | None = None,
) -> tuple[BuildResult, Portfolio]:
    """Builds the named clients' sites (all when none are named) and the dashboard.

    `jobs` worker processes build clients in parallel (default: one per core).
    `shard` (K, N) builds only the K-th of N stable parts of the clients, so N
    machines can share the work; the first part also builds the dashboard. `now`
    (--now) is the moment the checks and the sites judge at; without it, the end of
    `today` in the provider's time zone.
    """
    started = time.monotonic()
    portfolio = check_project(project, (), today, now)
    if portfolio.provider.model is None:
        raise BuildError("provider.yaml cannot be loaded; fix it first (tripod check)")
    wanted = {project.display(p) for p in project.client_files(names)}
    chosen = [c for c in portfolio.clients if c.file in wanted]
    if shard is not None:
        chosen = [c for c in chosen if in_shard(c.file, *shard)]
    if on_start:
        on_start(len(chosen) + 1)
    # The day and the moment the checks judged at: the day is --now's where it is given.
    builder = Builder(project, portfolio.now.date(), portfolio.now)
    result = BuildResult()
    result.repaired = builder.repair()
    buildable = []
    kept: dict[str, Outcome] = {}
    for record in chosen:
        why = record.blocked
        if why is not None:
            name = record.client.id if record.client else record.file
            kept[record.file] = Outcome(name, record.file, False, reason=why)
            if on_step:
                on_step(record.file)
        else:
            buildable.append(record)
    built = build_all(builder, buildable, jobs or os.cpu_count() or 1, on_step)
    result.outcomes = [kept.get(r.file) or built[r.file] for r in chosen]
    for outcome in result.outcomes:
        result.leftovers += outcome.leftovers
    if shard is None or shard[0] == 1:
        try:
            leftover = builder.build_dashboard(portfolio)
        except UsageError:
            raise
        except Exception as e:  # the clients' sites stand; the last good dashboard stays
            result.dashboard_error, result.dashboard_trace = failure(e)
        else:
            result.dashboard = True
            result.dashboard_unchanged = builder.dashboard_unchanged
            if leftover is not None:
                result.leftovers.append(leftover)
    if on_step:
        on_step("dashboard")
    leftover = remove_tree(builder.staging)
    if leftover is not None:
        result.leftovers.append(leftover)
    builder.store.prune()
    result.seconds = time.monotonic() - started
    return result, portfolio
