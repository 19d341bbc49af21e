"""The rules that measure the promise against the evidence: what the backups did.

Each reads the runs and tests imported under `evidence/<client>/` as of the
check's moment (`Context.now`, in the provider's time zone; records after it
are not yet there). A backup with no runs is not judged. All of them are
operational: they never block `issue`, no client can accept them, and they
fail `check` only under --strict.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
from collections.abc import Iterable, Iterator
from fractions import Fraction

from generator.evidence.records import RestoreTest, Run
from generator.evidence.store import EvidenceError
from generator.findings import Finding
from generator.format.model import Backup, Client, System
from generator.format.names import backup_name
from generator.format.units import Duration, Size, format_bytes, format_hours
from generator.rules.recovery import SCENARIO_AFTER, estimates
from generator.rules.registry import Context, Hit, Path_, declare, rule

UNREADABLE = "evidence-unreadable"

declare(
    UNREADABLE,
    "warning",
    "An evidence file under `evidence/<client>/` that cannot be read (not JSON, not a "
    "record, too large): it is left out whole, so its backup reads as having no evidence "
    "until it is fixed. Points at the evidence file's own line and column.",
    leg="backup",
    operational=True,
)

USUAL_RUNS = 10
"""How many of a backup's newest runs with a known duration give its usual duration."""
GROWTH = Fraction(6, 5)
"""Measured over declared above this (over 20 % more) is `data-grown`."""


def unreadable(problems: Iterable[EvidenceError], client_id: str) -> list[Finding]:
    """One `evidence-unreadable` finding per evidence file that could not be read."""
    return [
        Finding(
            e.file,
            e.line,
            e.column,
            UNREADABLE,
            "warning",
            f"{e.message}: the file is left out until it is fixed",
            "fix that line (or take the file back from git) and import again",
            client_id,
        )
        for e in problems
    ]


# ------------------------------------------------------------------ helpers


def runs_until(ctx: Context, backup: Backup) -> tuple[Run, ...]:
    """The backup's runs that started by the moment of the check, oldest first (the file
    keeps them sorted by start)."""
    found = ctx.evidence.of(backup.id)
    if not found:
        return ()
    return found.runs[: bisect.bisect_right(found.runs, ctx.now, key=lambda r: r.start)]


def usual_duration(runs: Iterable[Run]) -> dt.timedelta:
    """How long the backup usually takes: the median duration of its newest ten runs
    whose end is known (oldest first in `runs`), 0 where none is."""
    newest = (d for r in reversed(tuple(runs)) if (d := r.duration) is not None)
    durations = sorted(itertools.islice(newest, USUAL_RUNS))
    if not durations:
        return dt.timedelta(0)
    middle = len(durations) // 2
    if len(durations) % 2:
        return durations[middle]
    return (durations[middle - 1] + durations[middle]) / 2


def _delta(duration: Duration) -> dt.timedelta:
    return dt.timedelta(microseconds=int(duration.seconds * 1_000_000))


def _hours(delta: dt.timedelta) -> Fraction:
    return Fraction(delta // dt.timedelta(microseconds=1), 3_600_000_000)


def _when(ctx: Context, moment: dt.datetime) -> str:
    """A moment as the provider reads it: in its time zone, to the minute."""
    return moment.astimezone(ctx.now.tzinfo).strftime("%Y-%m-%d %H:%M")


def _survives_site_loss(system: System, run: Run, backup: Backup) -> bool:
    """Whether the run proves a copy of the backup that survives loss of the site: an
    offsite one, or any one for a cloud system."""
    return any(
        run.proves(copy.where, k)
        for k, copy in enumerate(backup.copies, 1)
        if copy.where == "offsite" or system.hosting == "cloud"
    )


# -------------------------------------------------------------------- rules


@rule(
    "rpo-breached",
    "error",
    "The newest successful run (success or warning) proving a copy that survives loss of "
    "the site (an offsite copy; for a cloud system, any copy) started longer ago than the "
    "system's RPO plus the backup's usual duration (the median of its last ten runs), or "
    "no run proves such a copy. Systems whose backups have no runs are not judged.",
    leg="backup",
    operational=True,
)
def rpo_breached(ctx: Context) -> Iterator[Hit]:
    site_loss = ctx.estimates.get("site-loss")
    for j, objective in ctx.objectives():
        system = ctx.client.system(objective.system)
        own = site_loss.objectives(system.id) if site_loss else None
        rpo = own.rpo if own is not None and own.rpo is not None else objective.rpo
        at: Path_ = (own.rpo_at if own is not None and own.rpo_at else None) or (
            "disaster_recovery",
            "objectives",
            j,
            "rpo",
        )
        judged = False
        # (deadline, run, its backup, the backup's usual duration) of the latest deadline
        best: tuple[dt.datetime, Run, Backup, dt.timedelta] | None = None
        for backup in ctx.client.backups:
            if system.id not in backup.systems:
                continue
            runs = runs_until(ctx, backup)
            judged = judged or bool(runs)
            usual = usual_duration(runs)
            newest = next(
                (
                    r
                    for r in reversed(runs)
                    if r.succeeded and _survives_site_loss(system, r, backup)
                ),
                None,
            )
            if newest is not None:
                deadline = newest.start + _delta(rpo) + usual
                if best is None or deadline > best[0]:
                    best = (deadline, newest, backup, usual)
        if not judged:
            continue
        kind = "a copy" if system.hosting == "cloud" else "an offsite copy"
        hint = (
            "check the backup job and that its runs reach the offsite copy, then import "
            "newer evidence (tripod import)"
        )
        if best is None:
            yield Hit(
                at,
                f"{system.name}: no successful run proves {kind} (RPO {format_hours(rpo.hours)})",
                hint,
                system.id,
            )
            continue
        deadline, run, backup, usual = best
        if ctx.now <= deadline:
            continue
        what = "backup" if system.hosting == "cloud" else "offsite backup"
        takes = f" (a run usually takes {format_hours(_hours(usual))})" if usual else ""
        yield Hit(
            at,
            # No "N h ago": the message stays the same until a newer run, and so does
            # every page that shows it.
            f"{system.name}: the newest {what} started {_when(ctx, run.start)}, longer ago "
            f"than its RPO of {format_hours(rpo.hours)}{takes}",
            f"check the {backup_name(ctx.client, backup)} job and that its runs reach "
            f"{'a' if system.hosting == 'cloud' else 'the offsite'} copy, then import newer "
            "evidence (tripod import)",
            system.id,
        )


@rule(
    "backup-failing",
    "warning",
    "The last three runs of a backup failed (from tools whose exports include failed runs).",
    leg="backup",
    operational=True,
)
def backup_failing(ctx: Context) -> Iterator[Hit]:
    for i, backup in enumerate(ctx.client.backups):
        runs = runs_until(ctx, backup)
        last = runs[-3:]
        if len(last) < 3 or any(r.succeeded for r in last):
            continue
        good = [r for r in runs if r.succeeded]
        since = (
            f"the last successful one started {_when(ctx, good[-1].start)}"
            if good
            else "none has succeeded"
        )
        yield Hit(
            ("backups", i),
            f"{backup_name(ctx.client, backup)}: its last 3 runs failed, the latest started "
            f"{_when(ctx, last[-1].start)}; {since}",
            "look at the backup job's log and fix what stops it: until then the newest "
            "restore point only gets older",
            backup.systems[0] if len(backup.systems) == 1 else None,
        )


def _grown(client: Client, backup: Backup, ratio: Fraction) -> Client:
    """The client with each system the backup covers scaled by `ratio`."""
    systems = tuple(
        s.model_copy(
            update={"data": Size(s.data.bytes * ratio, format_bytes(s.data.bytes * ratio))}
        )
        if s.id in backup.systems
        else s
        for s in client.systems
    )
    return client.model_copy(update={"systems": systems})


@rule(
    "data-grown",
    "warning",
    "The newest successful run with a size protects more than the declared data of the "
    "systems it covers by over 20 %: each scenario's estimate again with the sizes scaled "
    "by measured ÷ declared, and whether the RTO still holds.",
    leg="backup",
    operational=True,
)
def data_grown(ctx: Context) -> Iterator[Hit]:
    for i, backup in enumerate(ctx.client.backups):
        sized = [r for r in runs_until(ctx, backup) if r.succeeded and r.bytes is not None]
        if not sized:
            continue
        measured = Fraction(max(sized, key=lambda r: r.start).bytes or 0)
        systems = [ctx.client.system(s) for s in backup.systems]
        declared = sum((s.data.bytes for s in systems), Fraction(0))
        if declared <= 0 or measured <= declared * GROWTH:
            continue
        after = estimates(_grown(ctx.client, backup, measured / declared))
        clauses = []
        for scenario in ctx.scenarios():
            for system in systems:
                est = after[scenario.scenario].systems.get(system.id)
                if est is None or not est.recoverable:
                    continue
                who = f"{system.name}: " if len(systems) > 1 else ""
                clause = f"{who}recovery {SCENARIO_AFTER[scenario.scenario]} now takes "
                clause += est.total_words
                objective = scenario.objectives(system.id)
                if objective is not None and objective.rto is not None:
                    rto = objective.rto.hours
                    was = scenario.systems[system.id].total <= rto
                    if est.total > rto:
                        verdict = "no longer met" if was else "still not met"
                    else:
                        verdict = "not determined" if est.lower_bound else "still met"
                    clause += f", RTO {format_hours(rto)} {verdict}"
                clauses.append(clause)
        one = systems[0] if len(systems) == 1 else None
        head = one.name if one else backup_name(ctx.client, backup)
        said = str(one.data) if one else format_bytes(declared)
        yield Hit(
            ("systems", ctx.system_index(one.id), "data") if one else ("backups", i, "systems"),
            f"{head}: declared {said}, the last backup protected {format_bytes(measured)}"
            + "".join(f"; {c}" for c in clauses),
            "if the data really grew, update data in the file (the estimates and the terms "
            "change with it); otherwise check what the backup now includes",
            one.id if one else None,
        )


def _failed(tests: list[RestoreTest]) -> RestoreTest | None:
    """The failed test of the newest day, unless a test that day passed (a retry)."""
    newest = max(t.date for t in tests)
    that_day = [t for t in tests if t.date == newest]
    if any(t.passed for t in that_day):
        return None
    return that_day[-1]


@rule(
    "restore-test-failed",
    "error",
    "The newest restore test of a system from a backup (in the evidence) failed, and no "
    "test that day passed.",
    leg="backup",
    operational=True,
)
def restore_test_failed(ctx: Context) -> Iterator[Hit]:
    names = {s.id: s.name for s in ctx.client.systems}
    for i, backup in enumerate(ctx.client.backups):
        found = ctx.evidence.of(backup.id)
        tests = [t for t in found.tests if t.date <= ctx.today] if found else []
        for system_id in sorted({t.system for t in tests}):
            failed = _failed([t for t in tests if t.system == system_id])
            if failed is None:
                continue
            note = f" ({failed.note})" if failed.note else ""
            yield Hit(
                ("backups", i, "restore_test") if backup.restore_test else ("backups", i),
                f"{names.get(system_id, system_id)}: the last restore test from the "
                f"{backup_name(ctx.client, backup)}, on {failed.date.isoformat()}, failed{note}",
                "find out why, fix it and test again (tripod record-test)",
                system_id,
            )
