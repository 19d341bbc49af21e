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
from pathlib import Path

from generator.build import keys
from generator.build.builder import Builder, BuildError, Outcome, failure
from generator.build.digest import Cache, Digest, Kept, Stamp, stamps
from generator.build.parallel import Done, Pending, Task, in_shard, work, work_all
from generator.errors import UsageError
from generator.files import Leftover, Repaired, remove_tree
from generator.project.layout import Project
from generator.project.record import Checker


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
) -> BuildResult:
    """Builds the named clients' sites (all when none are named) and the dashboard.

    `jobs` worker processes check and build clients in parallel (default: one per
    core); a client whose inputs did not change since the last build this day is
    neither loaded nor checked again (`generator.build.digest`). `shard` (K, N) builds
    only the K-th of N stable parts of the clients, so N machines can share the work;
    the first part also builds the dashboard. `now` (--now) is the moment the checks
    and the sites judge at; without it, the end of `today` in the provider's time zone.
    """
    started = time.monotonic()
    checker = Checker.of(project, today, now)
    if checker.provider.model is None:
        raise BuildError("provider.yaml cannot be loaded; fix it first (tripod check)")
    files = {project.display(path): path for path in checker.files()}
    chosen = set(files)
    if names:
        chosen &= {project.display(p) for p in project.client_files(names)}
    if shard is not None:
        chosen = {file for file in chosen if in_shard(file, *shard)}
    if on_start:
        on_start(len(chosen) + 1)
    # The day and the moment the checks judged at: the day is --now's where it is given.
    builder = Builder(project, checker.today, checker.moment)
    result = BuildResult()
    result.repaired = builder.repair()
    cache = Cache(project.state_dir / "cache" / "clients", keys.context(builder.shared, checker))
    run = _Run(builder, checker, cache, files, jobs or os.cpu_count() or 1)
    kept, tasks = run.sort_out(chosen, on_step)
    board = shard is None or shard[0] == 1
    if board and run.workers > 1 and 0 < len(tasks) <= run.workers * FEW:
        # A few clients changed: their digests first, here, then the dashboard is laid
        # out while the workers build their sites.
        digests = run.work([Task(t.path, t.file, False) for t in tasks], None, workers=1)
        pending = Pending(builder, checker, [t for t in tasks if t.build], run.workers)
        try:
            run.dashboard(kept, digests, tasks, result)
        finally:
            run.collect(tasks, digests, pending.wait(on_step))
    else:
        digests = run.work(tasks, on_step)
        if board:
            run.dashboard(kept, digests, tasks, result)
    result.outcomes = [run.outcomes[file] for file in files if file in chosen]
    for outcome in result.outcomes:
        result.leftovers += outcome.leftovers
    if on_step:
        on_step("dashboard")
    leftover = remove_tree(builder.staging)
    if leftover is not None:
        result.leftovers.append(leftover)
    builder.store.prune()
    cache.prune(list(files))
    result.seconds = time.monotonic() - started
    return result


@dataclass(slots=True)
class _Run:
    """One build's clients: which were kept from earlier builds, and the work on the rest."""

    builder: Builder
    checker: Checker
    cache: Cache
    files: dict[str, Path]  # every client file, by its name in the project
    workers: int
    stamped: dict[str, tuple[Stamp, ...]] = field(default_factory=dict)
    taken: dict[str, int] = field(default_factory=dict)  # when each was stamped (ns)
    outcomes: dict[str, Outcome] = field(default_factory=dict)

    def sort_out(
        self, chosen: set[str], on_step: Callable[[str], None] | None
    ) -> tuple[dict[str, Kept], list[Task]]:
        """The digests that still hold, and the clients to check (and build, if chosen)."""
        kept: dict[str, Kept] = {}
        tasks = []
        for file, path in self.files.items():
            self.taken[file] = time.time_ns()
            found = self.stamped[file] = stamps(
                self.builder.project.root, path, self.checker.twins(path)
            )
            known = self.cache.get(file, found)
            if known is not None and (
                file not in chosen or known.blocked or _built(self.builder, known)
            ):
                kept[file] = known
                if file in chosen:
                    self.outcomes[file] = _unchanged(known)
                    if on_step:
                        on_step(file)
                continue
            tasks.append(Task(path, file, file in chosen))
        return kept, tasks

    def work(
        self,
        tasks: list[Task],
        on_step: Callable[[str], None] | None,
        workers: int | None = None,
    ) -> dict[str, Digest]:
        """Each task's digest, kept for the next build; its outcome, where it builds."""
        done = work_all(self.builder, self.checker, tasks, workers or self.workers, on_step)
        digests = {}
        for task in tasks:
            if task.file in done:
                outcome, digest = done[task.file]
            else:  # its process died: the last good site stays, and the dashboard shows it
                digest = work(self.builder, self.checker, Task(task.path, task.file, False))[1]
                outcome = Outcome(digest.name, task.file, False, reason=_DIED, failed=True)
            digests[task.file] = digest
            if outcome is not None:
                self.outcomes[task.file] = outcome
            self.cache.put(digest, self.stamped[task.file], self.taken[task.file])
        return digests

    def collect(self, tasks: list[Task], digests: dict[str, Digest], done: dict[str, Done]) -> None:
        """The outcomes of builds whose digests were worked out before them."""
        for task in tasks:
            if not task.build:
                continue
            outcome = done[task.file][0] if task.file in done else None
            if outcome is None:  # its process died: the last good site stays
                name = digests[task.file].name
                outcome = Outcome(name, task.file, False, reason=_DIED, failed=True)
            self.outcomes[task.file] = outcome

    def dashboard(
        self,
        kept: dict[str, Kept],
        digests: dict[str, Digest],
        tasks: list[Task],
        result: BuildResult,
    ) -> None:
        """The dashboard, from every client's digest; left as it is when each was kept
        from an earlier build and their key is the same as last time."""
        builder, checker = self.builder, self.checker
        # A key over what the digests were worked out from, recorded with the dashboard.
        inputs = keys.inputs(self.cache.context, checker.provider, self.stamped)
        if not tasks and builder.dashboard_current(inputs):
            result.dashboard = result.dashboard_unchanged = True
            return
        whole = {**digests, **self.read(kept)}
        _dashboard(builder, checker, [whole[file] for file in self.files], inputs, result)

    def read(self, kept: dict[str, Kept]) -> dict[str, Digest]:
        """The kept digests whole; one that cannot be read is worked out again."""
        digests = {}
        unread = []
        for file, known in kept.items():
            whole = known.digest()
            if whole is None:
                unread.append(Task(self.files[file], file, False))
            else:
                digests[file] = whole
        digests.update(self.work(unread, None))
        return digests


def _dashboard(
    builder: Builder,
    checker: Checker,
    digests: list[Digest],
    inputs: str | None,
    result: BuildResult,
) -> None:
    try:
        leftover = builder.build_dashboard(checker.provider, checker.moment, digests, inputs)
    except UsageError:
        raise
    except Exception as e:  # the clients' sites stand; the last good dashboard stays
        result.dashboard_error, result.dashboard_trace = failure(e)
    else:
        result.dashboard = True
        result.dashboard_unchanged = builder.dashboard_unchanged
        if leftover is not None:
            result.leftovers.append(leftover)


FEW = 2  # clients per worker, at most, whose sites are built while the dashboard is laid out

_DIED = "the process building it ended unexpectedly (killed, or out of memory)"


def _built(builder: Builder, digest: Kept) -> bool:
    """Whether a client's live site is the one its digest's key names."""
    return digest.site is not None and builder.is_built(digest.name, digest.site)


def _unchanged(digest: Kept) -> Outcome:
    """The outcome of a client nothing changed for: its site left as it is, or, where
    it cannot be built, its last good site kept for the same reason as before."""
    if digest.blocked is not None:
        return Outcome(digest.name, digest.file, False, reason=digest.blocked)
    return Outcome(digest.name, digest.file, True, 0, cached=True)
