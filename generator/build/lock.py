"""One build per project at a time.

Everything that writes under `site/` (`tripod build`, each rebuild of `tripod
serve`, `tripod pack`) holds `.tripod/build.lock` while it does: two at once
would remove each other's staging folders and swap half-made sites. The lock
file says who holds it, for the one that waits.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager

from generator.errors import UsageError
from generator.files import Held, exclusive
from generator.project.layout import Project

LOCK = "build.lock"


class Busy(UsageError):
    """Another process builds the project, and the wait is over."""


def holder(command: str) -> str:
    """How this process names itself in the lock file."""
    since = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return f"pid {os.getpid()}, {command}, since {since}"


@contextmanager
def building(
    project: Project,
    command: str,
    wait: float,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Holds the project's build lock for the block, waiting up to `wait` seconds
    for another build to end (`on_wait` is told who holds it, once)."""
    lock = ExitStack()
    try:
        lock.enter_context(exclusive(project.state_dir / LOCK, holder(command), wait, on_wait))
    except Held as e:
        who = e.holder or "another process"
        raise Busy(
            f"another build of this project is running ({who}): gave up after {wait:g} s"
            " (--wait SECONDS to wait longer)"
        ) from None
    except OSError as e:
        raise Busy(
            f"{project.display(project.state_dir / LOCK)} cannot be used: {e.strerror or e}"
        ) from e
    with lock:
        yield
