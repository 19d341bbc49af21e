"""How each backup is doing, from what it actually did (its evidence), as of the build.

Declared once for the client's backups page and the provider's dashboard: the
last good run, the last run, the last restore test, and what is wrong, if
anything (stale, failing, a failed restore test), each with since when. What is
wrong is judged at the build's moment; what a page prints is dates and times,
never "31 h ago", which would be wrong the next morning, and the day of the
build, so that a rebuild later the same day has nothing to change.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from typing import Literal

from generator.evidence.records import RestoreTest, Run, Status
from generator.evidence.store import BackupEvidence, Evidence
from generator.format.model import Backup, Client
from generator.format.units import format_hours

STALE_AFTER = dt.timedelta(days=1)
"""A backup is stale once its newest good run is older than its interval plus this."""
FAILING_RUNS = 3
"""A backup is failing once this many of its newest runs failed in a row."""
WINDOW = dt.timedelta(days=60)
"""How far back the page's chart of runs reaches."""

STATUS_WORDS: dict[Status, str] = {
    "success": "succeeded",
    "warning": "succeeded with warnings",
    "failed": "failed",
}

Kind = Literal["stale", "failing", "restore-test-failed"]
# The order of urgency: no recent restore point first, then runs failing, then a failed test.
KINDS: tuple[Kind, ...] = ("stale", "failing", "restore-test-failed")


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a backup, in words, and since when."""

    kind: Kind
    words: str  # "no successful run for 3 d 4 h (it runs every 4 h)"
    since: dt.datetime  # aware: when it started to be so
    since_shown: str  # the same moment as the reader reads it: "2026-11-20 02:00"

    @property
    def rank(self) -> tuple[int, dt.datetime]:
        return (KINDS.index(self.kind), self.since)


@dataclass(frozen=True, slots=True)
class Health:
    """One backup's health as of `now`: what ran (up to `now`), what was tested, what is wrong."""

    backup: Backup
    now: dt.datetime
    zone: zoneinfo.ZoneInfo
    runs: tuple[Run, ...]  # oldest first, none after `now`
    tests: tuple[RestoreTest, ...]  # oldest first, none after `now`'s day
    problems: tuple[Problem, ...]

    @property
    def evidence(self) -> bool:
        """Whether anything was imported for it (without, it is not judged)."""
        return bool(self.runs or self.tests)

    @property
    def last(self) -> Run | None:
        return self.runs[-1] if self.runs else None

    @property
    def last_good(self) -> Run | None:
        return next((r for r in reversed(self.runs) if r.succeeded), None)

    @property
    def last_test(self) -> RestoreTest | None:
        return self.tests[-1] if self.tests else None

    @property
    def edge(self) -> dt.datetime:
        """The end of the build's day, where the chart ends: a page shows its day, never the
        minute it was built, so a rebuild the same day changes nothing."""
        day = self.now.astimezone(self.zone).date()
        return dt.datetime.combine(day, dt.time.max, self.zone)

    @property
    def recent(self) -> tuple[Run, ...]:
        """The runs the chart shows: those that started in the 60 days up to the build's day."""
        start = self.edge - WINDOW
        return tuple(r for r in self.runs if r.start >= start)

    @property
    def last_size(self) -> Run | None:
        """The newest run that says how much it protected."""
        return next((r for r in reversed(self.runs) if r.bytes is not None), None)

    def shown(self, moment: dt.datetime) -> str:
        """A moment in the provider's time zone: "2026-11-26 02:00"."""
        return moment.astimezone(self.zone).strftime("%Y-%m-%d %H:%M")

    def key(self) -> list[object]:
        """What the page shows that depends on the build's moment, not on the evidence:
        the build's day and what is wrong since when (a build's cache keys on it)."""
        return [self.edge.date().isoformat(), [(p.kind, p.since_shown) for p in self.problems]]


def backup_health(
    backup: Backup,
    evidence: BackupEvidence | None,
    now: dt.datetime,
    zone: zoneinfo.ZoneInfo | None = None,
) -> Health:
    """A backup's health as of `now` (aware), its times shown in `zone` (default UTC)."""
    zone = zone or zoneinfo.ZoneInfo("UTC")
    runs = tuple(r for r in evidence.runs if r.start <= now) if evidence else ()
    today = now.astimezone(zone).date()
    tests = tuple(t for t in evidence.tests if t.date <= today) if evidence else ()
    health = Health(backup, now, zone, runs, tests, ())
    problems = tuple(p for p in (_stale(health), _failing(health), _test_failed(health)) if p)
    return Health(backup, now, zone, runs, tests, problems)


def client_health(
    client: Client, evidence: Evidence, now: dt.datetime, zone: zoneinfo.ZoneInfo | None = None
) -> dict[str, Health]:
    """Each of a client's backups' health, by backup id, in the file's order."""
    return {b.id: backup_health(b, evidence.of(b.id), now, zone) for b in client.backups}


def _stale(h: Health) -> Problem | None:
    if not h.runs:
        return None  # not judged: nothing says when it ran
    every = dt.timedelta(seconds=float(h.backup.every.seconds))
    interval = format_hours(h.backup.every.hours)
    good = h.last_good
    if good is None:
        first = h.runs[0].start
        words = f"stale: none of its {len(h.runs)} runs succeeded (it runs every {interval})"
        return Problem("stale", words, first, h.shown(first))
    if h.now - good.start <= every + STALE_AFTER:
        return None
    words = f"stale: no successful run since {h.shown(good.start)} (it runs every {interval})"
    return Problem("stale", words, good.start, h.shown(good.start))


def _failing(h: Health) -> Problem | None:
    streak = 0
    for run in reversed(h.runs):
        if run.succeeded:
            break
        streak += 1
    if streak < FAILING_RUNS:
        return None
    first = h.runs[-streak].start
    words = f"failing: its last {streak} runs failed"
    return Problem("failing", words, first, h.shown(first))


def _test_failed(h: Health) -> Problem | None:
    test = h.last_test
    if test is None or test.passed:
        return None
    since = dt.datetime.combine(test.date, dt.time(), h.zone)
    return Problem("restore-test-failed", "its last restore test failed", since, str(test.date))
