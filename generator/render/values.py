"""What the site's pages and the agreement both print about a client's terms.

The values every template of a client reads, worked out once from facts the
caller already has (the client, the provider, the recovery estimates, the
accepted gaps): the objectives and their estimates, the chart, the order of
recovery, the responsibility matrix, who is who, what is excluded.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Sequence
from functools import partial
from typing import Any

from generator.evidence.records import RestoreTest
from generator.evidence.store import Evidence
from generator.findings import Finding
from generator.format import units
from generator.format.model import Backup, Client, Copy, Provider, Scenario, System
from generator.format.names import backup_name
from generator.render import chart, run_chart
from generator.render.health import STATUS_WORDS, Health, client_health
from generator.rules import raci
from generator.rules.options import rpo_gap
from generator.rules.recovery import (
    PHASE_TITLES,
    PHASES,
    SCENARIO_AFTER,
    ScenarioEstimate,
    Verdict,
    covered,
    recovery_order,
    survives,
    worst_first,
)

# Each verdict as a reader reads it, in a table's "Verdict" column.
VERDICT_WORDS: dict[Verdict, str] = {
    "no backup": "not backed up",
    "no surviving copy": "no copy survives",
    "misses": "misses the RTO",
    "not determined": "not determined",
    "meets": "meets the RTO",
    "no objective": "no objective",
    "not affected": "not affected",
}


def facts(
    client: Client,
    provider: Provider,
    scenarios: dict[Scenario, ScenarioEstimate],
    accepted: list[Finding],
) -> dict[str, Any]:
    # The pages show loss of the site, as before scenarios; `scenarios` has them all.
    estimates = scenarios["site-loss"].systems if "site-loss" in scenarios else {}
    dr = client.disaster_recovery
    objectives = {o.system: o for o in (dr.objectives if dr else ())}
    measured = dr.test.measured if dr and dr.test else {}
    rows = []
    for system_id, est in estimates.items():
        if not est.affected:
            continue
        objective = objectives.get(system_id)
        rows.append(
            chart.Row(
                client.system(system_id).name,
                est,
                objective.rto.hours if objective else None,
                objective.mtd.hours if objective and objective.mtd else None,
                measured[system_id].hours if system_id in measured else None,
            )
        )
    contacts = {c.id: c for c in client.contacts}
    return {
        "client": client,
        "provider": provider,
        "accepted": accepted,
        "acknowledged": {(a.check, a.system): a for a in client.acknowledged},
        "estimates": estimates,
        "scenarios": scenarios,
        # The breakdown's columns: the phases, in order, that some system goes through.
        "phases": [p for p in PHASES if any(e.phase(p) for e in estimates.values())]
        or [p for p in PHASES if p not in ("investigation", "provisioning")],
        "phase_titles": PHASE_TITLES,
        # Terms issued before scenarios existed cover loss of the site only.
        "site_loss_only": any(s.parameters.predates_scenarios for s in scenarios.values()),
        "objectives": objectives,
        "measured": measured,
        "chart": chart.svg(rows) if chart.drawable(rows) else None,
        "views": [_view(client, s, measured, accepted) for s in scenarios.values()],
        "overview": _overview(client, scenarios, accepted),
        "verdict_words": VERDICT_WORDS,
        # Whom to call after ransomware, before anything is restored.
        "insurers": [t for t in client.third_parties if t.role and "insur" in t.role.casefold()],
        "scenario_after": SCENARIO_AFTER,
        "order": [client.system(s) for s in recovery_order(client)],
        "matrix": raci.matrix(client),
        "parties": raci.parties(client),
        "party_name": _party_names(client, provider),
        "excluded": {e.system: e.reason for e in client.exclusions if not isinstance(e, str)},
        "backed_up": covered(client),
        "general_exclusions": [e for e in client.exclusions if isinstance(e, str)],
        "agreement_end": client.agreement.last_day,
        "signatory": client.agreement.signatories.provider or provider.signatory,
        "contact": contacts,
        "backup_name": partial(backup_name, client),
        "survives": partial(_survives, client, scenarios),
        "party": contacts | {t.id: t for t in client.third_parties},
    }


def _survives(
    client: Client, scenarios: dict[Scenario, ScenarioEstimate], backup: Backup, copy: Copy
) -> str:
    """The covered disasters a backup's copy survives, among those that strike its systems:
    "Server failure, loss of the site", or "None of the disasters covered"."""
    found = [
        s.title
        for s in scenarios.values()
        if s.covered
        and any(s.systems[i].affected for i in backup.systems if i in s.systems)
        and survives(s.scenario, copy)
    ]
    if not found:
        return "None of the disasters covered"
    return ", ".join([found[0], *(t[:1].lower() + t[1:] for t in found[1:])])


def _party_names(client: Client, provider: Provider) -> dict[str, str]:
    names = {"provider": provider.name, "client": client.name}
    names.update({t.id: t.name for t in client.third_parties})
    return names


def gap_accepted(
    accepted: Sequence[Finding], scenario: str, system_id: str, code: str = "rto-unachievable"
) -> bool:
    """Whether the client accepted, in writing, the gap `code` names for a system in a
    scenario (an acceptance that names no scenario holds in every one)."""
    return any(
        f.code == code and f.system == system_id and f.scenario in (None, scenario)
        for f in accepted
    )


def _rpo_words(s: ScenarioEstimate, system_id: str, accepted: list[Finding]) -> str | None:
    """ "misses the RPO (backups every 24 h)" where the copy it comes back from is made less
    often than its RPO, with ": accepted gap" where the client accepted it; else None."""
    est = s.systems.get(system_id)
    if est is None or est.source is None or not rpo_gap(s, system_id):
        return None
    words = f"misses the RPO (backups every {units.format_hours(est.source.every.hours)})"
    if gap_accepted(accepted, s.scenario, system_id, "rpo-unachievable"):
        words += ": accepted gap"
    return words


def _verdict(s: ScenarioEstimate, system_id: str, accepted: list[Finding]) -> str:
    verdict = s.verdict(system_id)
    words = VERDICT_WORDS[verdict]
    if verdict == "misses" and gap_accepted(accepted, s.scenario, system_id):
        words += ": accepted gap"
    return words


def _view(
    client: Client,
    s: ScenarioEstimate,
    measured: dict[str, Any],
    accepted: list[Finding],
) -> dict[str, Any]:
    """One scenario as a tab, a section of the agreement or a runbook reads it: its
    parameters, each system's estimate and verdict, the breakdown's columns, the chart."""
    # A measured time belongs to loss of the site unless the test names another scenario.
    dr = client.disaster_recovery
    tested = (getattr(dr.test, "scenario", None) or "site-loss") if dr and dr.test else None
    times = measured if tested == s.scenario else {}
    rows = []
    systems: list[dict[str, Any]] = []
    for system_id, est in s.systems.items():
        objective = s.objectives(system_id)
        systems.append(
            {
                "id": system_id,
                "name": client.system(system_id).name,
                "estimate": est,
                "objective": objective,
                "verdict": _verdict(s, system_id, accepted),
                "measured": times.get(system_id),
            }
        )
        if est.affected:
            rows.append(
                chart.Row(
                    client.system(system_id).name,
                    est,
                    objective.rto.hours if objective and objective.rto else None,
                    objective.mtd.hours if objective and objective.mtd else None,
                    times[system_id].hours if system_id in times else None,
                )
            )
    recoverable = [e for e in s.systems.values() if e.recoverable]
    # The breakdown's columns: the phases, in order, that some system goes through.
    phases = [p for p in PHASES if any(e.phase(p) for e in recoverable)]
    return {
        "scenario": s,
        "id": s.scenario,
        "title": s.title,
        "parameters": s.parameters,
        "parameter_rows": parameter_rows(client, s, phases),
        "systems": systems,
        "affected": [row for row in systems if row["estimate"].affected],
        "recoverable": [row for row in systems if row["estimate"].recoverable],
        "phases": phases,
        "chart": chart.svg(rows, scenario=s.scenario) if chart.drawable(rows) else None,
    }


def _agreed(value: units.Duration | None) -> str:
    # Omitted or 0: counted as 0 and said "none agreed", as in the breakdown, never "0 h".
    return "none agreed" if value is None or value.number == 0 else units.format_hours(value.hours)


def parameter_rows(
    client: Client, s: ScenarioEstimate, phases: Sequence[str]
) -> list[tuple[str, str]]:
    """A covered scenario's parameters as (label, value in words), in the order the site's
    table and the agreement's "Parameters:" sentence both print them. Values are plain
    text (a link speed or restore rate as the file wrote it): the templates escape them."""
    dr = client.disaster_recovery
    p = s.parameters
    if dr is None or not p.covered:
        return []
    scenario = s.scenario
    cloud_target = p.recovery_target == "provider-cloud"
    rows: list[tuple[str, str]] = []
    if scenario != "cloud-account-loss":
        rows.append(
            (
                "Recovered into",
                "the provider's infrastructure"
                if cloud_target
                else "new or repaired hardware at the client's premises",
            )
        )
    if scenario == "ransomware":
        dwell = units.format_duration(p.dwell_time) if p.dwell_time else "—"
        rows += [
            ("Investigation before restoring", _agreed(p.investigation)),
            ("Clean restore point", f"up to {dwell} back"),
            (
                "Cloud systems",
                "lost too (the attacker holds the cloud admin account)" if p.cloud else "not lost",
            ),
        ]
    if cloud_target and scenario != "cloud-account-loss":
        rows.append(("Provisioning", _agreed(dr.provisioning)))
    elif scenario in ("server-failure", "site-loss") or (
        scenario == "ransomware" and p.replace_hardware
    ):
        hardware = dr.hardware
        rows.append(
            (
                "Replacement hardware",
                "on hand (standby)"
                if hardware.standby
                else f"procured in {units.format_hours(hardware.procurement.hours)}",
            )
        )
    if not cloud_target and ("download" in phases or scenario == "site-loss"):
        rows.append(("Download link", str(dr.download_bandwidth)))
    rows.append(
        (
            "Restore rate",
            str(p.restore_rate)
            if p.restore_rate is not None
            else "not set (restore time not estimated)",
        )
    )
    if scenario in ("site-loss", "ransomware"):
        rows.append(
            ("Network reconfiguration", units.format_hours(dr.network_reconfiguration.hours))
        )
    rows += [
        ("Validation before go-live", _agreed(dr.validation)),
        (
            "Courier for a seeded drive",
            units.format_duration(p.courier) + (" (assumed)" if p.courier_assumed else ""),
        ),
    ]
    return rows


def _overview(
    client: Client, scenarios: dict[Scenario, ScenarioEstimate], accepted: list[Finding]
) -> dict[str, Any]:
    """How long until the client is working again: each system's estimate in every
    covered scenario, worst verdict first."""
    shown = [s for s in scenarios.values() if s.covered]
    dr = client.disaster_recovery
    base = {o.system: o for o in (dr.objectives if dr else ())}
    rows = []
    for system_id in worst_first(scenarios):
        cells = []
        for s in shown:
            est = s.systems.get(system_id)
            objective = s.objectives(system_id)
            rto = objective.rto if objective else None
            own = base.get(system_id)
            cells.append(
                {
                    "estimate": est,
                    "verdict": _verdict(s, system_id, accepted) if est else None,
                    # A scenario's own RTO, said in its cell where it differs from the base one.
                    "rto": rto if rto is not None and rto != (own and own.rto) else None,
                    "rpo": _rpo_words(s, system_id, accepted) if est else None,
                }
            )
        own = base.get(system_id)
        rows.append(
            {
                "name": client.system(system_id).name,
                "rto": own.rto if own else None,
                "rpo": own.rpo if own else None,
                "cells": cells,
            }
        )
    return {"scenarios": shown, "rows": rows}


def health_views(
    client: Client, provider: Provider, evidence: Evidence, now: dt.datetime
) -> dict[str, dict[str, Any]]:
    """Each backup's "Backup health" as its page reads it, by backup id, as of `now` (the
    build's moment), its times in the provider's time zone."""
    zone = zoneinfo.ZoneInfo(provider.timezone)
    systems = {s.id: s for s in client.systems}
    views = {}
    for backup_id, health in client_health(client, evidence, now, zone).items():
        backup = health.backup
        test = health.last_test
        sizes = [systems[i].data.bytes for i in backup.systems if i in systems]
        declared = int(sum(sizes)) if sizes else None
        last, good = health.last, health.last_good
        views[backup_id] = {
            "health": health,
            "state": _state(health),
            "last_good": health.shown(good.start) if good else "none imported",
            "last": f"{health.shown(last.start)}, {STATUS_WORDS[last.status]}"
            if last
            else "none imported",
            "size": _size_words(health),
            "test": _test_words(test, systems) if test else "none imported",
            "chart": run_chart.svg(health, backup_name(client, backup), declared)
            if health.runs
            else None,
        }
    return views


def _size_words(health: Health) -> str | None:
    """ "640 GB on 2026-11-26 02:00": what the newest run that says protected."""
    run = health.last_size
    if run is None or run.bytes is None:
        return None
    return f"{units.format_bytes(run.bytes)} on {health.shown(run.start)}"


def _test_words(test: RestoreTest, systems: dict[str, System]) -> str:
    """ "2026-11-20, Practice server: passed, took 2 h. Note: ..." (plain text: escaped
    where it is printed)."""
    system = systems[test.system].name if test.system in systems else test.system
    said = f"{test.date}, {system}: {test.result}"
    if test.duration:
        said += f", took {units.format_duration(units.parse_duration(test.duration))}"
    if test.note:
        said += f". Note: {test.note}"
    return said


def _state(health: Health) -> str:
    """The backup's state in one sentence: what is wrong, or that it runs as agreed."""
    if not health.problems:
        if not health.runs:
            return "No run imported yet."
        return "Healthy: a good run within its schedule, none of the last runs failing."
    said = "; ".join(p.words for p in health.problems)
    return said[:1].upper() + said[1:] + "."
