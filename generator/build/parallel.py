"""Clients built side by side in worker processes, and split across machines.

Each client is built on its own, so the output is the same bytes whatever the
number of workers, and laid side by side the shards are exactly one build.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from generator.build.builder import Builder, Outcome
from generator.build.digest import Digest, digest_of
from generator.project.record import Checker
from generator.project.workers import fork_pool, inherited, inheriting

RENEW = 40  # clients a worker builds before a fresh one takes its place


@dataclass(frozen=True, slots=True)
class Task:
    """One client file to check, and to build when `build` (else its digest only)."""

    path: Path
    file: str
    build: bool


Done = tuple[Outcome | None, Digest]


def work(builder: Builder, checker: Checker, task: Task) -> Done:
    """Loads and checks one client, builds its site when the task says so, and works out
    its digest: all in the process that does it, so the build's parent holds digests
    only. A client that cannot be built gets an outcome saying why."""
    record = checker.record(task.path)
    why = record.blocked
    key = builder.site_key(record) if why is None else None
    digest = digest_of(record, checker.moment, key)
    if not task.build:
        return None, digest
    if key is None:
        return Outcome(digest.name, record.file, False, reason=why), digest
    return builder.build_client(record, key), digest


def _work_one(task: Task) -> Done:
    builder, checker = inherited()
    return work(builder, checker, task)


class Pending:
    """Tasks started on worker processes (at most `jobs`) while the caller goes on:
    `wait` collects them. A task whose process died (killed, out of memory, a crash in
    a library) is done again in a process of its own, so only the one that kills its
    process fails; if that one dies too it is missing, and the caller works out its
    digest on its own. With one job, the tasks are done in `wait`, in this process."""

    def __init__(self, builder: Builder, checker: Checker, tasks: list[Task], jobs: int) -> None:
        self.work = (builder, checker)
        self.tasks = tasks
        self.pool: ProcessPoolExecutor | None = None
        self.futures: dict[Future[Done], Task] = {}
        if jobs > 1 and tasks:
            with inheriting(self.work):
                self.pool = fork_pool(min(jobs, len(tasks)))
                self.futures = {self.pool.submit(_work_one, task): task for task in tasks}

    def wait(self, on_step: Callable[[str], None] | None) -> dict[str, Done]:
        done: dict[str, Done] = {}

        def step(task: Task) -> None:
            if on_step and task.build:
                on_step(task.file)

        if self.pool is None:
            for task in self.tasks:
                done[task.file] = work(*self.work, task)
                step(task)
            return done
        with self.pool:
            for future in as_completed(self.futures):
                try:
                    done[self.futures[future].file] = future.result()
                except BrokenProcessPool:
                    continue  # done again below, each on its own
                step(self.futures[future])
        for task in self.tasks:
            if task.file in done:
                continue
            with (
                inheriting(self.work),
                fork_pool(1) as alone,
                contextlib.suppress(BrokenProcessPool),
            ):
                done[task.file] = alone.submit(_work_one, task).result()
            step(task)
        return done


def work_all(
    builder: Builder,
    checker: Checker,
    tasks: list[Task],
    jobs: int,
    on_step: Callable[[str], None] | None,
) -> dict[str, Done]:
    """Each task on `jobs` processes; see `Pending`. Fresh workers every few dozen
    clients each: what rendering leaves behind in a process (caches of fonts,
    templates, pages) stays bounded however many clients there are, and so does the
    build's memory."""
    if jobs <= 1 or len(tasks) <= 1:
        return Pending(builder, checker, tasks, 1).wait(on_step)
    done: dict[str, Done] = {}
    size = jobs * RENEW
    for start in range(0, len(tasks), size):
        done.update(Pending(builder, checker, tasks[start : start + size], jobs).wait(on_step))
    return done


def in_shard(file: str, k: int, n: int) -> bool:
    """Whether a client file falls in part K of N: by a hash of its name, so the
    split stays put when other clients come and go."""
    name = file.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big") % n == k - 1
