"""Clients built side by side in worker processes, and split across machines.

Each client is built on its own, so the output is the same bytes whatever the
number of workers, and laid side by side the shards are exactly one build.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import hashlib
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool

from generator.build.builder import Builder, Outcome
from generator.project.record import ClientRecord

# What a worker process builds with: set in the parent just before the pool
# forks, so each worker inherits it instead of receiving it pickled.
_WORK: tuple[Builder, dict[str, ClientRecord]] | None = None


_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int) -> None:
    """A worker ends with the build that started it (Linux), even one killed by
    SIGKILL: no worker goes on swapping sites in beside the next build."""
    if sys.platform.startswith("linux"):
        name = ctypes.util.find_library("c")
        if name:
            ctypes.CDLL(name, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent ended before the line above
        os._exit(1)


def _pool(workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_die_with_parent,
        initargs=(os.getpid(),),
    )


def _build_one(file: str) -> Outcome:
    assert _WORK is not None
    builder, records = _WORK
    return builder.build_client(records[file])


def build_all(
    builder: Builder,
    records: list[ClientRecord],
    jobs: int,
    on_step: Callable[[str], None] | None,
) -> dict[str, Outcome]:
    """Each client's sites, on `jobs` processes."""
    global _WORK
    done: dict[str, Outcome] = {}
    if jobs <= 1 or len(records) <= 1:
        for record in records:
            done[record.file] = builder.build_client(record)
            if on_step:
                on_step(record.file)
        return done
    _WORK = (builder, {r.file: r for r in records})
    # Out of the collector's sight, the parent's objects are not written to by a
    # worker's collections, so their pages stay shared instead of being copied.
    gc.freeze()
    try:
        with _pool(jobs) as pool:
            futures = {pool.submit(_build_one, r.file): r.file for r in records}
            for future in as_completed(futures):
                try:
                    done[futures[future]] = future.result()
                except BrokenProcessPool:
                    continue  # built again below, each on its own
                if on_step:
                    on_step(futures[future])
        # A worker died (killed, out of memory, a crash in a library): the pool is
        # gone with every client it had not finished. Each of those is built again
        # in a process of its own, so only the one that kills its process fails.
        for record in records:
            if record.file in done:
                continue
            with _pool(1) as alone:
                try:
                    done[record.file] = alone.submit(_build_one, record.file).result()
                except BrokenProcessPool:
                    name = record.client.id if record.client else record.file
                    done[record.file] = Outcome(
                        name,
                        record.file,
                        False,
                        reason="the process building it ended unexpectedly"
                        " (killed, or out of memory)",
                        failed=True,
                    )
            if on_step:
                on_step(record.file)
    finally:
        gc.unfreeze()
        _WORK = None
    return done


def in_shard(file: str, k: int, n: int) -> bool:
    """Whether a client file falls in part K of N: by a hash of its name, so the
    split stays put when other clients come and go."""
    name = file.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big") % n == k - 1
