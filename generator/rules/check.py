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

from generator.evidence.store import Evidence
from generator.findings import Finding, Severity
from generator.format.model import Acknowledgement, Backup, Client, Scenario
from generator.format.names import backup_name
from generator.format.reader import SourceMap
from generator.format.units import Duration, format_duration, format_hours
from generator.rules import options, raci
from generator.rules.recovery import (
    SCENARIO_AFTER,
    SCENARIO_NOUNS,
    SCENARIO_WORDS,
    Estimate,
    ScenarioEstimate,
    covered,
    estimates,
    phase_words,
    surviving,
)
from generator.rules.registry import (
    RULES,
    AgreementFacts,
    Context,
    Hit,
    Path_,
    declare,
    meaning,
    rule,
)

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


def _words(scenario: Scenario) -> str:
    return SCENARIO_WORDS[scenario]


_NO_COPY_HINTS: dict[Scenario, str] = {
    "server-failure": "keep a copy somewhere other than the server itself",
    "site-loss": "add an offsite copy to one of its backups",
    "ransomware": "make one of its copies immutable (object lock) or offline (tape, a rotated disk)",
    "cloud-account-loss": "keep a copy outside the cloud account",
}


@rule(
    "no-surviving-copy",
    "error",
    "Per scenario: a backed-up system the scenario loses keeps no copy that survives it "
    "(site loss: no offsite copy; ransomware: no immutable or offline copy).",
    leg="backup",
    acknowledgeable=True,
    scenario_aware=True,
)
def no_surviving_copy(ctx: Context) -> Iterator[Hit]:
    for scenario in ctx.scenarios():
        for est in scenario.systems.values():
            if est.status != "no surviving copy":
                continue
            system = ctx.client.system(est.system)
            yield Hit(
                ("systems", ctx.system_index(system.id)),
                f"{system.name}: no copy of it survives {SCENARIO_NOUNS[scenario.scenario]}, "
                "so it cannot be recovered",
                _NO_COPY_HINTS[scenario.scenario],
                system.id,
                scenario.scenario,
            )


@rule(
    "rpo-unachievable",
    "error",
    "Per scenario: RPO shorter than the interval of the backups that keep a surviving copy.",
    leg="disaster recovery",
    acknowledgeable=True,
    scenario_aware=True,
)
def rpo_unachievable(ctx: Context) -> Iterator[Hit]:
    for scenario in ctx.scenarios():
        for est in scenario.systems.values():
            objective = scenario.objectives(est.system)
            if est.source is None or objective is None or objective.rpo is None:
                continue
            every = est.source.every
            if objective.rpo.seconds >= every.seconds:
                continue
            system = ctx.client.system(est.system)
            rpo = _h(objective.rpo.hours)
            assert objective.rpo_at is not None
            best = options.rpo_options(ctx.client, scenario, est.system)[0]
            yield Hit(
                objective.rpo_at,
                f"{system.name}: RPO {rpo}, but {_words(scenario.scenario)} it is restored from "
                f"backups made every {_h(every.hours)}",
                f"{best.label} would meet it, or agree an RPO of {_h(every.hours)}",
                system.id,
                scenario.scenario,
            )


def breakdown(est: Estimate) -> str:
    parts = list(phase_words(est))
    return " + ".join(parts) if parts else "no time"


def estimated(est: Estimate) -> str:
    """The total as a sentence reads it: "an estimated 61.7 h", or "at least 35.6 h
    (restore time not estimated)" when a phase is unknown."""
    return est.total_words if est.lower_bound else f"an estimated {est.total_shown}"


@rule(
    "rto-unachievable",
    "error",
    "Per scenario: the estimated recovery time (or its lower bound) is longer than the RTO.",
    leg="disaster recovery",
    acknowledgeable=True,
    scenario_aware=True,
)
def rto_unachievable(ctx: Context) -> Iterator[Hit]:
    for scenario in ctx.scenarios():
        for est in scenario.systems.values():
            objective = scenario.objectives(est.system)
            if not est.recoverable or objective is None or objective.rto is None:
                continue
            if est.total <= objective.rto.hours:
                continue  # met, or (a lower bound) not determined
            system = ctx.client.system(est.system)
            hint = f"estimate: {breakdown(est)}"
            waits = ""
            if est.after:
                ahead = ", ".join(ctx.client.system(s).name for s in est.after)
                waits = f"the download waits for {ahead} on the shared link"
            # What would close it, priced: the best one or two (tripod estimate lists all).
            quote = options.rto_hint(options.rto_options(ctx.client, scenario, est.system))
            if quote:
                hint = f"{quote} ({hint}{'; ' + waits if waits else ''})"
            elif waits:
                hint += f" ({waits})"
            assert objective.rto_at is not None
            yield Hit(
                objective.rto_at,
                f"{system.name}: RTO {_h(objective.rto.hours)}, but recovery "
                f"{_words(scenario.scenario)} takes {estimated(est)}",
                hint,
                system.id,
                scenario.scenario,
            )


@rule(
    "rto-above-mtd",
    "error",
    "RTO longer than the system's maximum tolerable downtime (in a scenario, where its own "
    "objectives change either).",
    leg="disaster recovery",
    acknowledgeable=True,
    scenario_aware=True,
)
def rto_above_mtd(ctx: Context) -> Iterator[Hit]:
    def hit(system_id: str, rto: Duration, mtd: Duration, at: Path_, words: str) -> Hit:
        system = ctx.client.system(system_id)
        return Hit(
            at,
            f"{system.name}: RTO {_h(rto.hours)} is longer than its maximum tolerable "
            f"downtime of {_h(mtd.hours)}{words}",
            "the RTO must be within the MTD",
            system.id,
        )

    for j, objective in ctx.objectives():
        if objective.mtd is not None and objective.rto.seconds > objective.mtd.seconds:
            path: Path_ = ("disaster_recovery", "objectives", j, "rto")
            yield hit(objective.system, objective.rto, objective.mtd, path, "")
    for scenario in ctx.scenarios():
        for own in scenario.parameters.objectives.values():
            if not own.overridden & {"rto", "mtd"} or own.rto is None or own.mtd is None:
                continue
            if own.rto.seconds > own.mtd.seconds:
                at = own.rto_at if "rto" in own.overridden else own.mtd_at
                assert at is not None
                found = hit(own.system, own.rto, own.mtd, at, f" {_words(scenario.scenario)}")
                yield Hit(found.path, found.message, found.hint, found.system, scenario.scenario)


@rule(
    "short-clean-history",
    "warning",
    "Ransomware: the retention of the surviving copies is shorter than `dwell_time`: the "
    "newest clean restore point may have aged out.",
    leg="backup",
    scenario_aware=True,
)
def short_clean_history(ctx: Context) -> Iterator[Hit]:
    scenario = ctx.estimates.get("ransomware")
    if scenario is None or not scenario.covered:
        return
    dwell = scenario.parameters.dwell_time
    assert dwell is not None
    for est in scenario.systems.values():
        if est.source is None:
            continue
        system = ctx.client.system(est.system)
        kept = max(
            (s.retention for s in surviving(ctx.client, "ransomware", system)),
            key=lambda d: d.seconds,
        )
        if kept.seconds < dwell.seconds:
            yield Hit(
                ("backups", est.source.backup, "retention"),
                f"{system.name}: after ransomware its surviving copies are kept "
                f"{format_duration(kept)}, less than the {format_duration(dwell)} an attacker "
                "may go unnoticed: the newest clean restore point may have aged out",
                f"keep the immutable or offline copies at least {format_duration(dwell)}, or agree "
                "a shorter dwell_time under disaster_recovery.scenarios.ransomware",
                system.id,
                "ransomware",
            )


@rule(
    "estimate-incomplete",
    "warning",
    "A scenario needs a restore and no `restore_rate` applies: its estimates are lower bounds.",
    leg="disaster recovery",
    scenario_aware=True,
)
def estimate_incomplete(ctx: Context) -> Iterator[Hit]:
    for scenario in ctx.scenarios():
        missing = [e for e in scenario.systems.values() if "restore" in e.unknown]
        if not missing:
            continue
        names = ", ".join(ctx.client.system(e.system).name for e in missing)
        # Where the rate would be written (the nearest existing key when it is not).
        own = scenario.scenario in ("ransomware", "cloud-account-loss")
        path: Path_ = (
            ("disaster_recovery", "scenarios", scenario.scenario, "restore_rate")
            if own
            else ("disaster_recovery", "restore_rate")
        )
        yield Hit(
            path,
            f"the restore time {SCENARIO_AFTER[scenario.scenario]} is not estimated (no "
            "restore_rate): "
            f"the estimates of {names} are lower bounds",
            "set disaster_recovery.restore_rate (how fast data is written back, like 400 GB/h)",
            None,
            scenario.scenario,
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
                f"{backup_name(ctx.client, backup)} {problem}",
                "keep at least two copies, one of them offsite (3-2-1)",
            )


@rule("no-restore-test", "warning", "A backup without a restore-test schedule.", leg="backup")
def no_restore_test(ctx: Context) -> Iterator[Hit]:
    for i, backup in enumerate(ctx.client.backups):
        if backup.restore_test is None:
            yield Hit(
                ("backups", i),
                f"{backup_name(ctx.client, backup)} has no restore-test schedule",
                "add restore_test: {every: 90d}: an untested backup is a hope",
            )


def due_on(last: dt.date | None, every: Duration) -> dt.date | None:
    """When something done every `every` is next due: that long after it was last done;
    None when it never was (it is due now)."""
    return None if last is None else every.after(last)


def _overdue(last: dt.date | None, every: Duration, today: dt.date) -> str | None:
    due = due_on(last, every)
    if due is None:
        return "has never been done"
    return f"was due on {due.isoformat()}" if due < today else None


def _newest(*dates: dt.date | None) -> dt.date | None:
    known = [d for d in dates if d is not None]
    return max(known) if known else None


def last_restore_test(backup: Backup, evidence: Evidence, today: dt.date) -> dt.date | None:
    """The last restore test of a backup: the file's `last`, or a newer test in the
    evidence (passed or failed) up to `today`."""
    found = evidence.of(backup.id)
    imported = [t.date for t in found.tests if t.date <= today] if found else []
    return _newest(backup.restore_test.last if backup.restore_test else None, *imported)


def last_dr_test(client: Client, evidence: Evidence, today: dt.date) -> dt.date | None:
    """The last DR test: the file's `last`, or a newer DR test in the evidence up to `today`."""
    dr = client.disaster_recovery
    imported = [t.date for t in evidence.dr_tests if t.date <= today]
    return _newest(dr.test.last if dr and dr.test else None, *imported)


@rule(
    "restore-test-overdue",
    "warning",
    "The last restore test plus its interval is before the build date (a newer test in the "
    "evidence, passed or failed, counts as the last).",
    leg="backup",
    operational=True,
)
def restore_test_overdue(ctx: Context) -> Iterator[Hit]:
    for i, backup in enumerate(ctx.client.backups):
        test = backup.restore_test
        last = last_restore_test(backup, ctx.evidence, ctx.today)
        late = test and _overdue(last, test.every, ctx.today)
        if test and late:
            yield Hit(
                ("backups", i, "restore_test", "last"),
                f"the restore test of the {backup_name(ctx.client, backup)} {late}"
                f" (every {format_duration(test.every)})",
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
    "The last DR test plus its interval is before the build date (a newer DR test in the "
    "evidence counts as the last).",
    leg="disaster recovery",
    operational=True,
)
def dr_test_overdue(ctx: Context) -> Iterator[Hit]:
    dr = ctx.client.disaster_recovery
    test = dr.test if dr else None
    last = last_dr_test(ctx.client, ctx.evidence, ctx.today)
    late = test and _overdue(last, test.every, ctx.today)
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
    operational=True,
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
    # The measured times belong to the scenario the test rehearsed.
    rehearsed = ctx.estimates.get(dr.test.scenario)
    objectives = rehearsed.parameters.objectives if rehearsed else {}
    for system_id, measured in dr.test.measured.items():
        objective = objectives.get(system_id)
        if objective is None or objective.rto is None:
            continue
        if measured.seconds > objective.rto.seconds:
            system = ctx.client.system(system_id)
            yield Hit(
                ("disaster_recovery", "test", "measured", system_id),
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
    scenario_estimates: dict[Scenario, ScenarioEstimate] | None = None,
    *,
    now: dt.datetime | None = None,
    evidence: Evidence | None = None,
    agreement: AgreementFacts | None = None,
) -> list[Finding]:
    """Every finding of every rule for one loadable client, accepted gaps included.
    `scenario_estimates` are the client's recovery estimates per scenario, where the
    caller has them; `agreement` is the agreement's standing on `today`; `evidence` is
    what its backups did, judged as of `now` (aware;
    default the end of `today` in UTC)."""
    ctx = Context(
        client,
        today,
        issued_terms,
        current_terms,
        estimates(client) if scenario_estimates is None else scenario_estimates,
        dt.datetime.combine(today, dt.time.max, dt.UTC) if now is None else now,
        Evidence() if evidence is None else evidence,
        AgreementFacts() if agreement is None else agreement,
    )
    used: set[int] = set()
    findings = []
    for rule_ in RULES.values():
        if rule_.run is None:
            continue
        for hit in rule_.run(ctx):
            line, column = source.locate(hit.path)
            severity: Severity = rule_.severity
            by = reason = None
            ack = _acknowledgement(client, rule_.code, hit) if rule_.acknowledgeable else None
            if ack is not None:
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
                    hit.scenario,
                )
            )
    for i, stale in enumerate(client.acknowledged):
        if i not in used:
            line, column = source.locate(("acknowledged", i))
            _, scenario = meaning(stale.check, stale.scenario)
            where = f" {SCENARIO_AFTER[scenario]}" if scenario else ""
            findings.append(
                Finding(
                    file,
                    line,
                    column,
                    "stale-acknowledgement",
                    "warning",
                    f"the accepted gap {stale.check} for {client.system(stale.system).name}"
                    f"{where} no longer exists",
                    "remove the acknowledgement",
                    client.id,
                    stale.system,
                    scenario=scenario,
                )
            )
    return findings


def _acknowledgement(client: Client, code: str, hit: Hit) -> tuple[int, Acknowledgement] | None:
    """The acknowledgement that accepts this finding: same rule, same system, and its
    scenario or none (every scenario). One naming the scenario wins over one that does not."""
    found: list[tuple[int, int, Acknowledgement]] = []
    for i, ack in enumerate(client.acknowledged):
        rule_code, scenario = meaning(ack.check, ack.scenario)
        if rule_code != code or ack.system != (hit.system or ""):
            continue
        if scenario is None:
            found.append((1, i, ack))
        elif scenario == hit.scenario:
            found.append((0, i, ack))
    if not found:
        return None
    _, i, ack = min(found, key=lambda f: (f[0], f[1]))
    return i, ack
