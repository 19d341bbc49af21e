"""Tripod's own time in a `tripod build` of every client: the build alone, without
Python's start and the command's imports, in a process that has done both first.

Takes the project's build lock as `tripod build` does, and reads the day from
TRIPOD_TODAY (as the command does). Prints {"seconds": ..., "rebuilt": ...} as JSON:
`rebuilt` counts the client sites built anew rather than left as they were.

    TRIPOD_TODAY=2026-11-25 python bench/own.py PROJECT
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import generator.cli  # noqa: E402, F401  (everything the command imports)
from generator.build.lock import building  # noqa: E402
from generator.build.run import build  # noqa: E402
from generator.cli import common  # noqa: E402
from generator.cli.build import WAIT  # noqa: E402
from generator.project.layout import Project  # noqa: E402


def main() -> None:
    project = Project.at(Path(sys.argv[1]))
    today = common.today(None)
    with building(project, "tripod build (bench/own.py)", WAIT):
        started = time.perf_counter()
        result = build(project, (), today)
        seconds = time.perf_counter() - started
    rebuilt = sum(o.built and not o.cached for o in result.outcomes)
    print(json.dumps({"seconds": seconds, "rebuilt": rebuilt}))


if __name__ == "__main__":
    main()
