"""The rules: what a loadable client file is checked for.

Each rule is a small function that reads the client and yields hits (where,
what, a hint), declared once with its code, severity, summary, leg and whether
it can be acknowledged (the declarations make up `registry`). `check` runs
them all, points each hit at its line and column, turns acknowledged gaps into
accepted ones and reports acknowledgements that no longer match anything.
Nothing here raises for a bad client.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from fractions import Fraction

from generator.findings import Finding, Severity
from generator.format.model import Acknowledgement, Client
from generator.format.reader import SourceMap
from generator.format.units import Duration, format_duration, format_hours
from generator.rules import raci
from generator.rules.recovery import Estimate, covered, estimate, offsite_backups
from generator.rules.registry import RULES, Context, Hit, Path_, declare, rule

declare(
    "secret-like-value",
    "error",
    "A value looks like a secret (an access key, a private key block, `password=`, "
    "a password or passphrase in prose, a recovery key): "
    "it would be published. Found while loading, in any file.",
    leg=None,
)


def _h(hours: Fraction) -> str:
    return format_hours(hours)


def _excluded(client: Client) -> set[str]:
    return {e.system for e in client.exclusions if not isinstance(e, str)}


# ------------------------------------------------------------------ the legs


@rule(
    "unprotected-system",
    "error",
    "A system that no backup covers and no exclusion names.",
    leg="backup",
)
def unprotected_system(ctx: Context) -> Iterator[Hit]:
    backed_up, excluded = covered(ctx.client), _excluded(ctx.client)
    for i, system in enumerate(ctx.client.systems):
        if system.id not in backed_up and system.id not in excluded:
            yield Hit(
                ("systems", i),
                f"{system.name}: no backup covers it and no exclusion names it",
                "add it to a backup's systems, or to exclusions with the reason it is left out",
                system.id,
            )


@rule(
    "backup-without-dr",
    "error",
    "A backed-up system with no DR objective: backups don't work without a DR plan.",
    leg="disaster recovery",
)
def backup_without_dr(ctx: Context) -> Iterator[Hit]:
    with_objective = {o.system for _, o in ctx.objectives()}
    backed_up = covered(ctx.client)
    for i, system in enumerate(ctx.client.systems):
        if system.id in backed_up and system.id not in with_objective:
            yield Hit(
                ("systems", i),
                f"{system.name} is backed up but has no DR objective: backups don't work without a DR plan",
                f"add {{system: {system.id}, rto: ..., rpo: ...}} to disaster_recovery.objectives",
                system.id,
            )


@rule(
    "dr-without-bc",
    "error",
    "DR objectives but no alternate workplace: DR doesn't work without BC.",
    leg="business continuity",
)
def dr_without_bc(ctx: Context) -> Iterator[Hit]:
    dr = ctx.client.disaster_recovery
    if dr and dr.objectives and not ctx.client.business_continuity.alternate_workplace:
        yield Hit(
            ("business_continuity", "alternate_workplace"),
            "disaster recovery is planned but business continuity names no alternate workplace: "
            "DR doesn't work without BC",
            "set business_continuity.alternate_workplace: where staff work when the premises are lost",
        )


@rule("bc-no-owner", "error", "Business continuity has no owner.", leg="business continuity")
def bc_no_owner(ctx: Context) -> Iterator[Hit]:
    if not ctx.client.business_continuity.owner:
        yield Hit(
            ("business_continuity", "owner"),
            "business continuity has no owner: someone must own it, the client or a specialist it names",
            "set business_continuity.owner to a contact or third-party id",
        )


@rule(
    "bc-no-access",
    "error",
    "Business continuity does not say how staff reach their information.",
    leg="business continuity",
)
def bc_no_access(ctx: Context) -> Iterator[Hit]:
    if not ctx.client.business_continuity.staff_access:
        yield Hit(
            ("business_continuity", "staff_access"),
            "business continuity does not say how staff reach their information: "
            "BC doesn't work without access",
            "set business_continuity.staff_access, such as: remote desktop into the DR site",
        )


# ------------------------------------------------------------ what survives


@rule(
    "no-offsite-copy",
    "error",
    "An on-premises system whose backups keep no copy off the "
    "premises: after loss of the site it cannot be recovered at all.",
    leg="backup",
    acknowledgeable=True,
)
def no_offsite_copy(ctx: Context) -> Iterator[Hit]:
    backed_up = covered(ctx.client)
    for i, system in enumerate(ctx.client.systems):
        if (
            system.hosting == "on-premises"
            and system.id in backed_up
            and not offsite_backups(ctx.client, system.id)
        ):
            yield Hit(
                ("systems", i),
                f"{system.name}: no backup keeps a copy off the premises; after loss of the site "
                "it cannot be recovered",
                "add an offsite copy to one of its backups",
                system.id,
            )


@rule(
    "rpo-unachievable",
    "error",
    "RPO shorter than the interval of the backups that cover the system and keep an offsite copy.",
    leg="disaster recovery",
    acknowledgeable=True,
)
def rpo_unachievable(ctx: Context) -> Iterator[Hit]:
    client = ctx.client
    for j, objective in ctx.objectives():
        system = client.system(objective.system)
        if system.id not in covered(client):
            continue
        offsite = offsite_backups(client, system.id)
        path = ("disaster_recovery", "objectives", j, "rpo")
        rpo = format_hours(objective.rpo.hours)
        if not offsite:
            if system.hosting == "cloud":  # on-premises: no-offsite-copy says it already
                yield Hit(
                    path,
                    f"{system.name}: RPO {rpo}, but no backup of it keeps an offsite copy",
                    "add an offsite copy to one of its backups",
                    system.id,
                )
            continue
        every = min((client.backups[i].every for i in offsite), key=lambda d: d.seconds)
        if objective.rpo.seconds < every.seconds:
            yield Hit(
                path,
                f"{system.name}: RPO {rpo}, but backups run every {format_hours(every.hours)}",
                f"back it up offsite at least every {rpo}, or agree an RPO of {format_hours(every.hours)}",
                system.id,
            )


def breakdown(est: Estimate) -> str:
    parts = [f"{phase} {_h(hours)}" for phase, hours in est.parts().items() if hours]
    return " + ".join(parts) if parts else "no time"


@rule(
    "rto-unachievable",
    "error",
    "The estimated recovery time after loss of the site is longer than the RTO.",
    leg="disaster recovery",
    acknowledgeable=True,
)
def rto_unachievable(ctx: Context) -> Iterator[Hit]:
    for j, objective in ctx.objectives():
        est = ctx.estimates.get(objective.system)
        if est is None or not est.recoverable or est.total <= objective.rto.hours:
            continue
        system = ctx.client.system(objective.system)
        hint = f"estimate: {breakdown(est)}"
        if est.after:
            ahead = ", ".join(ctx.client.system(s).name for s in est.after)
            hint += f" (the download waits for {ahead} on the shared link)"
        yield Hit(
            ("disaster_recovery", "objectives", j, "rto"),
            f"{system.name}: RTO {_h(objective.rto.hours)}, but recovery after loss of the site "
            f"takes an estimated {_h(est.total)}",
            hint,
            system.id,
        )


@rule(
    "rto-above-mtd",
    "error",
    "RTO longer than the system's maximum tolerable downtime.",
    leg="disaster recovery",
    acknowledgeable=True,
)
def rto_above_mtd(ctx: Context) -> Iterator[Hit]:
    for j, objective in ctx.objectives():
        if objective.mtd is not None and objective.rto.seconds > objective.mtd.seconds:
            system = ctx.client.system(objective.system)
            yield Hit(
                ("disaster_recovery", "objectives", j, "rto"),
                f"{system.name}: RTO {_h(objective.rto.hours)} is longer than its maximum tolerable "
                f"downtime of {_h(objective.mtd.hours)}",
                "the RTO must be within the MTD",
                system.id,
            )


@rule(
    "no-accountable",
    "error",
    "A responsibility row without an accountable party, or naming a party that does not exist.",
    leg="disaster recovery",
)
def no_accountable(ctx: Context) -> Iterator[Hit]:
    parties = raci.parties(ctx.client)
    for i, row in enumerate(ctx.client.responsibilities):
        title = raci.ACTIVITIES[row.activity]
        if row.accountable is None:
            yield Hit(
                ("responsibilities", i),
                f"{row.activity} ({title}) has no accountable party",
                "every row names exactly one accountable party: provider, client or a third party",
            )
        named: list[tuple[Path_, str]] = [
            (("responsibilities", i, role, k), party)
            for role in ("responsible", "consulted", "informed")
            for k, party in enumerate(getattr(row, role))
        ]
        if row.accountable is not None:
            named.append((("responsibilities", i, "accountable"), row.accountable))
        for path, party in named:
            if party not in parties:
                yield Hit(
                    path,
                    f"{row.activity}: {party!r} is not a party (provider, client or a "
                    "third party in this file)",
                    f"parties: {', '.join(parties)}",
                )


# ----------------------------------------------------------------- warnings


@rule(
    "three-two-one",
    "warning",
    "A backup with fewer than two copies, or none offsite.",
    leg="backup",
)
def three_two_one(ctx: Context) -> Iterator[Hit]:
    for i, backup in enumerate(ctx.client.backups):
        offsite = any(c.where == "offsite" for c in backup.copies)
        if len(backup.copies) < 2 or not offsite:
            problem = "keeps only one copy" if len(backup.copies) < 2 else "keeps no copy offsite"
            yield Hit(
                ("backups", i, "copies"),
                f"backup {backup.id} {problem}",
                "keep at least two copies, one of them offsite (3-2-1)",
            )


@rule(
    "mutable-offsite",
    "warning",
    "None of a system's offsite copies is immutable.",
    leg="backup",
    acknowledgeable=True,
)
def mutable_offsite(ctx: Context) -> Iterator[Hit]:
    client = ctx.client
    for i, system in enumerate(client.systems):
        copies = [
            c
            for b in offsite_backups(client, system.id)
            for c in client.backups[b].copies
            if c.where == "offsite"
        ]
        if copies and not any(c.immutable for c in copies):
            yield Hit(
                ("systems", i),
                f"{system.name}: none of its offsite copies is immutable",
                "ransomware that reaches the backups can delete them: make one copy immutable",
                system.id,
            )


@rule("no-restore-test", "warning", "A backup without a restore-test schedule.", leg="backup")
def no_restore_test(ctx: Context) -> Iterator[Hit]:
    for i, backup in enumerate(ctx.client.backups):
        if backup.restore_test is None:
            yield Hit(
                ("backups", i),
                f"backup {backup.id} has no restore-test schedule",
                "add restore_test: {every: 90d}: an untested backup is a hope",
            )


def _overdue(last: dt.date | None, every: Duration, today: dt.date) -> str | None:
    if last is None:
        return "has never been done"
    due = every.after(last)
    return f"was due on {due.isoformat()}" if due < today else None


@rule(
    "restore-test-overdue",
    "warning",
    "The last restore test plus its interval is before the build date.",
    leg="backup",
)
def restore_test_overdue(ctx: Context) -> Iterator[Hit]:
    for i, backup in enumerate(ctx.client.backups):
        test = backup.restore_test
        late = test and _overdue(test.last, test.every, ctx.today)
        if test and late:
            yield Hit(
                ("backups", i, "restore_test", "last"),
                f"the restore test of backup {backup.id} {late} (every {format_duration(test.every)})",
            )


@rule(
    "no-dr-test", "warning", "Disaster recovery without a test schedule.", leg="disaster recovery"
)
def no_dr_test(ctx: Context) -> Iterator[Hit]:
    dr = ctx.client.disaster_recovery
    if dr is not None and dr.test is None:
        yield Hit(
            ("disaster_recovery", "test"),
            "disaster recovery has no test schedule",
            "add test: {every: 12mo}: a recovery that was never rehearsed takes longer",
        )


@rule(
    "dr-test-overdue",
    "warning",
    "The last DR test plus its interval is before the build date.",
    leg="disaster recovery",
)
def dr_test_overdue(ctx: Context) -> Iterator[Hit]:
    dr = ctx.client.disaster_recovery
    test = dr.test if dr else None
    late = test and _overdue(test.last, test.every, ctx.today)
    if test and late:
        yield Hit(
            ("disaster_recovery", "test", "last"),
            f"the DR test {late} (every {format_duration(test.every)})",
        )


@rule(
    "bc-review-overdue",
    "warning",
    "The last BC plan review plus its interval is before the build date.",
    leg="business continuity",
)
def bc_review_overdue(ctx: Context) -> Iterator[Hit]:
    bc = ctx.client.business_continuity
    late = _overdue(bc.plan_reviewed, bc.review_every, ctx.today)
    if late:
        yield Hit(
            ("business_continuity", "plan_reviewed"),
            f"the review of the business continuity plan {late} "
            f"(every {format_duration(bc.review_every)})",
        )


@rule(
    "measured-over-rto",
    "warning",
    "A DR test measured a recovery longer than the RTO.",
    leg="disaster recovery",
    acknowledgeable=True,
)
def measured_over_rto(ctx: Context) -> Iterator[Hit]:
    dr = ctx.client.disaster_recovery
    if dr is None or dr.test is None:
        return
    for _, objective in ctx.objectives():
        measured = dr.test.measured.get(objective.system)
        if measured is not None and measured.seconds > objective.rto.seconds:
            system = ctx.client.system(objective.system)
            yield Hit(
                ("disaster_recovery", "test", "measured", objective.system),
                f"{system.name}: the last DR test took {_h(measured.hours)}, longer than its "
                f"RTO of {_h(objective.rto.hours)}",
                None,
                system.id,
            )


@rule(
    "terms-changed",
    "warning",
    "The terms differ from issued version N while the file still "
    "says N: bump the version before issuing.",
    leg=None,
)
def terms_changed(ctx: Context) -> Iterator[Hit]:
    if ctx.issued_terms is not None and ctx.current_terms != ctx.issued_terms:
        n = ctx.client.agreement.version
        yield Hit(
            ("agreement", "version"),
            f"the terms differ from issued version {n}, but the file still says version {n}",
            f"set agreement.version: {n + 1} to prepare the next agreement",
        )


declare(
    "stale-acknowledgement",
    "warning",
    "An acknowledgement of a gap that no longer exists.",
    leg=None,
)


# ------------------------------------------------------------------ running


def check(
    client: Client,
    source: SourceMap,
    file: str,
    today: dt.date,
    issued_terms: bytes | None = None,
    current_terms: bytes | None = None,
    estimates: dict[str, Estimate] | None = None,
) -> list[Finding]:
    """Every finding of every rule for one loadable client, accepted gaps included.
    `estimates` are the client's recovery estimates, where the caller has them."""
    ctx = Context(
        client,
        today,
        issued_terms,
        current_terms,
        estimate(client) if estimates is None else estimates,
    )
    accepted: dict[tuple[str, str], tuple[int, Acknowledgement]] = {
        (a.check, a.system): (i, a) for i, a in enumerate(client.acknowledged)
    }
    used: set[int] = set()
    findings = []
    for rule_ in RULES.values():
        if rule_.run is None:
            continue
        for hit in rule_.run(ctx):
            line, column = source.locate(hit.path)
            severity: Severity = rule_.severity
            by = reason = None
            ack = accepted.get((rule_.code, hit.system or ""))
            if ack is not None and rule_.acknowledgeable:
                used.add(ack[0])
                severity, by, reason = (
                    "accepted",
                    client.party_name(ack[1].accepted_by),
                    ack[1].reason,
                )
            findings.append(
                Finding(
                    file,
                    line,
                    column,
                    rule_.code,
                    severity,
                    hit.message,
                    hit.hint,
                    client.id,
                    hit.system,
                    by,
                    reason,
                )
            )
    for i, stale in enumerate(client.acknowledged):
        if i not in used:
            line, column = source.locate(("acknowledged", i))
            findings.append(
                Finding(
                    file,
                    line,
                    column,
                    "stale-acknowledgement",
                    "warning",
                    f"the accepted gap {stale.check} for {client.system(stale.system).name} no longer "
                    "exists",
                    "remove the acknowledgement",
                    client.id,
                    stale.system,
                )
            )
    return findings
