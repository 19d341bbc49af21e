"""Worker processes forked from the command: they inherit what it has read instead of
receiving it pickled, and end with it."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import multiprocessing
import os
import signal
import sys
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any

_PR_SET_PDEATHSIG = 1
_INHERITED: Any = None  # what the workers forked under `inheriting` work with


def _die_with_parent(parent: int) -> None:
    """A worker ends with the command that started it (Linux), even one killed by
    SIGKILL: no worker goes on writing beside the next command."""
    if sys.platform.startswith("linux"):
        name = ctypes.util.find_library("c")
        if name:
            ctypes.CDLL(name, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent ended before the line above
        os._exit(1)


def fork_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of `workers` processes forked from this one."""
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_die_with_parent,
        initargs=(os.getpid(),),
    )


@contextmanager
def inheriting(state: object) -> Iterator[None]:
    """Workers forked in the block inherit `state` (`inherited()` in them) instead of
    receiving it pickled. The parent's objects are kept out of the collector's sight
    meanwhile: a worker's collections then do not write to their pages, which stay
    shared instead of being copied."""
    global _INHERITED
    _INHERITED = state
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
        _INHERITED = None


def inherited() -> Any:
    """In a worker forked under `inheriting`, the state it was given."""
    assert _INHERITED is not None
    return _INHERITED
