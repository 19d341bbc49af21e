"""`tripod estimate`: one client's recovery estimate per scenario, phase by phase, with
its verdicts and every option that would close a gap, as text or JSON.

The JSON is documented in docs/estimate-json.md; hours are decimal numbers
rounded half up to two places (the exact figures are fractions, see the docs).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from typing import Any

import click

from generator.cli import common
from generator.findings import Finding
from generator.format import units
from generator.format.model import SCENARIOS, Client
from generator.format.names import backup_name
from generator.rules import options as opts
from generator.rules.recovery import PHASE_TITLES, Estimate, ScenarioEstimate

_VERDICT_WORDS = {
    "no backup": "no backup covers it",
    "no surviving copy": "no copy survives",
    "misses": "misses the RTO",
    "not determined": "not determined against the RTO",
    "meets": "meets the RTO",
    "no objective": "no RTO agreed",
    "not affected": "not affected",
}
_TARGETS = {
    "client-site": "recovery at the client's site",
    "provider-cloud": "recovery into the provider's cloud",
}


def hours_json(value: Fraction | None) -> float | None:
    """Hours as a decimal number, rounded half up to two places (2 TB over 100 Mbps: 44.44)."""
    if value is None:
        return None
    with localcontext() as context:
        context.prec = 60
        exact = Decimal(value.numerator) / Decimal(value.denominator)
    return float(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def rpo_verdict(scenario: ScenarioEstimate, system_id: str) -> str | None:
    """ "meets", "misses", "no objective", or None where nothing is restored."""
    est = scenario.systems[system_id]
    objective = scenario.objectives(system_id)
    if est.source is None:
        return None
    if objective is None or objective.rpo is None:
        return "no objective"
    return "misses" if opts.rpo_gap(scenario, system_id) else "meets"


def _parameters(client: Client, scenario: ScenarioEstimate) -> dict[str, Any]:
    """The scenario's parameters as its terms fix them, with the disaster-recovery
    figures the options are priced from."""
    p = scenario.parameters
    dr = client.disaster_recovery
    data = {k: v for k, v in p.terms().items() if k not in ("covered", "reason", "objectives")}
    return data | {
        "courier_assumed": p.courier_assumed,
        "download_bandwidth": _text(dr.download_bandwidth) if dr else None,
        "procurement": _text(dr.hardware.procurement) if dr else None,
        "standby": dr.hardware.standby if dr else None,
        "provisioning": _text(dr.provisioning) if dr else None,
        "network_reconfiguration": _text(dr.network_reconfiguration) if dr else None,
        "validation": _text(dr.validation) if dr else None,
    }


def _system(
    client: Client, scenario: ScenarioEstimate, est: Estimate, accepted: list[Finding]
) -> dict[str, Any]:
    objective = scenario.objectives(est.system)
    source = est.source
    return {
        "system": est.system,
        "name": client.system(est.system).name,
        "status": est.status,
        "phases": [
            {
                "phase": p.name,
                "hours": hours_json(p.hours) if p.state == "estimated" else None,
                "state": p.state,
            }
            for p in est.phases
        ],
        "total_hours": hours_json(est.total) if est.recoverable else None,
        "lower_bound": est.lower_bound,
        "rto_hours": hours_json(objective.rto.hours) if objective and objective.rto else None,
        "rpo_hours": hours_json(objective.rpo.hours) if objective and objective.rpo else None,
        "verdict": scenario.verdict(est.system),
        "rpo_verdict": rpo_verdict(scenario, est.system),
        "source": None
        if source is None
        else {
            "backup": source.backup_id,
            "where": source.where,
            "location": source.location,
            "every_hours": hours_json(source.every.hours),
        },
        "after": list(est.after),
        "accepted": [
            {"code": f.code, "accepted_by": f.accepted_by, "reason": f.reason}
            for f in accepted
            if f.system == est.system and f.scenario == scenario.scenario
        ],
        "options": [
            {
                "option": o.kind,
                "gap": o.gap,
                "closes": o.closes,
                "outcome": o.outcome,
                "total_hours": hours_json(o.hours),
                "lower_bound": o.lower_bound,
                "description": f"{o.label}: {o.description}",
            }
            for o in opts.options(client, scenario, est.system)
        ],
    }


def as_json(
    client: Client, scenarios: list[ScenarioEstimate], accepted: list[Finding]
) -> dict[str, Any]:
    """The document docs/estimate-json.md describes."""
    return {
        "client": client.id,
        "scenarios": [
            {
                "scenario": s.scenario,
                "title": s.title,
                "covered": s.covered,
                "reason": s.parameters.reason,
                "parameters": _parameters(client, s),
                "systems": [_system(client, s, e, accepted) for e in s.systems.values()],
            }
            for s in scenarios
        ],
    }


# ---------------------------------------------------------------------- text


def _h(hours: Fraction) -> str:
    return units.format_hours(hours)


def _parameter_line(client: Client, scenario: ScenarioEstimate) -> str:
    p = scenario.parameters
    dr = client.disaster_recovery
    parts = [_TARGETS[p.recovery_target]]
    if dr is not None and p.recovery_target == "provider-cloud":
        provisioning = dr.provisioning
        agreed = provisioning is not None and provisioning.number > 0
        parts.append(
            f"provisioning {_h(provisioning.hours) if agreed and provisioning else 'none agreed'}"
        )
    parts.append(f"restore rate {p.restore_rate}" if p.restore_rate else "restore rate not set")
    if p.scenario == "ransomware":
        investigation = p.investigation
        agreed = investigation is not None and investigation.number > 0
        parts.append(
            f"investigation {_h(investigation.hours) if agreed and investigation else 'none agreed'}"
        )
        if p.dwell_time is not None:
            parts.append(f"dwell time {units.format_duration(p.dwell_time)}")
        parts.append("cloud systems lost too" if p.cloud else "cloud systems not lost")
        if p.replace_hardware:
            parts.append("hardware replaced")
    parts.append(
        f"courier {units.format_duration(p.courier)}{' (assumed)' if p.courier_assumed else ''}"
    )
    return "; ".join(parts)


def _phase_text(client: Client, est: Estimate) -> list[str]:
    lines = []
    for p in est.phases:
        if p.state == "unknown":
            shown = "not estimated"
        elif p.state == "none agreed":
            shown = "none agreed"
        elif p.name == "hardware" and not p.hours:
            shown = "on standby"
        else:
            shown = _h(p.hours)
        note = ""
        if p.name == "download" and est.after:
            ahead = ", ".join(client.system(s).name for s in est.after)
            note = f"  (after {ahead} on the shared link)"
        lines.append(f"      {PHASE_TITLES[p.name]:<15}{shown}{note}")
    lines.append(f"      {'Total':<15}{est.total_shown}")
    return lines


def _system_text(
    client: Client, scenario: ScenarioEstimate, est: Estimate, accepted: list[Finding]
) -> list[str]:
    name = client.system(est.system).name
    verdict = scenario.verdict(est.system)
    if not est.recoverable:
        # Why it cannot come back, in the estimate's own words ("no copy of it survives
        # ransomware"), or "not affected".
        return [f"  {name}: {est.reason or _VERDICT_WORDS[verdict]}"]
    objective = scenario.objectives(est.system)
    goals = []
    if objective is not None and objective.rto is not None:
        goals.append(f"RTO {_h(objective.rto.hours)}")
    if objective is not None and objective.rpo is not None:
        goals.append(f"RPO {_h(objective.rpo.hours)}")
    head = f"  {name}: {_VERDICT_WORDS[verdict]}"
    if goals:
        head += f" ({', '.join(goals)})"
    lines = [head, *_phase_text(client, est)]
    if est.source is not None:
        backup = client.backups[est.source.backup]
        lines.append(
            f"    restored from {est.source.location} ({est.source.where} copy of the "
            f"{backup_name(client, backup)}, every {_h(est.source.every.hours)})"
        )
    if rpo_verdict(scenario, est.system) == "misses" and est.source is not None:
        lines.append(f"    misses the RPO: backups every {_h(est.source.every.hours)}")
    for f in accepted:
        if f.system == est.system and f.scenario == scenario.scenario:
            lines.append(f"    {f.code} accepted by {f.accepted_by}: {f.reason}")
    found = opts.options(client, scenario, est.system)
    if verdict == "misses" and not any(o.gap == "rto" for o in found):
        # A cloud system, or one already on standby in the provider's cloud: no purchase
        # shortens it.
        lines.append(
            "    No option priced here would meet the RTO: a faster restore, or a longer RTO agreed"
        )
    for gap, title in (("rto", "What would meet the RTO"), ("rpo", "What would meet the RPO")):
        listed = [o for o in found if o.gap == gap]
        if not listed:
            continue
        lines.append(f"    {title}:")
        lines += [f"      - {opts.line(o)}" for o in listed]
    return lines


def as_text(
    client: Client, scenarios: list[ScenarioEstimate], accepted: list[Finding]
) -> list[str]:
    lines = [f"{client.name}: estimated recovery per scenario"]
    for s in scenarios:
        lines += ["", s.title]
        if not s.covered:
            lines.append(f"  not covered: {s.parameters.reason or 'left out'}")
            continue
        if client.disaster_recovery is None:
            lines.append("  no disaster recovery plan")
            continue
        lines.append(f"  {_parameter_line(client, s)}")
        for est in s.systems.values():
            lines += _system_text(client, s, est, accepted)
    return lines


@click.command("estimate")
@click.argument("client")
@click.option(
    "--scenario",
    type=click.Choice(SCENARIOS),
    help="Only this scenario (default: every one, in order).",
)
@common.format_option(
    "text",
    "json",
    help="text: for people; json: for programs (see docs/estimate-json.md).",
)
@common.TODAY_OPTION
@common.NOW_OPTION
@click.pass_context
def estimate_command(
    ctx: click.Context,
    client: str,
    scenario: str | None,
    format_: str,
    today: str | None,
    now: str | None,
) -> None:
    """CLIENT's estimated recovery in each scenario: the phases of each system's recovery,
    its total against the RTO and RPO, and every option that would close a gap.

    Exit 0, 1 if the client file cannot be loaded, 2 on usage errors.
    """
    from generator.project.record import check_project

    report = check_project(
        common.project(ctx), (client,), common.today(today), common.now(now, today)
    )
    entry = report.clients[0]
    if entry.client is None:
        for finding in entry.findings:
            if finding.is_schema:
                click.echo(common.finding_text(finding))  # each line already made visible
        common.echo(f"tripod: {entry.file} cannot be loaded: no estimate", err=True)
        ctx.exit(1)
    loaded = entry.client
    assert loaded is not None
    if any(f.code == "secret-like-value" for f in entry.findings):
        common.echo(
            f"tripod: {entry.file} holds a value that looks like a secret: no estimate", err=True
        )
        ctx.exit(1)
    chosen = [s for name, s in entry.estimates.items() if scenario in (None, name)]
    accepted = [f for f in entry.findings if f.severity == "accepted"]
    if format_ == "json":
        click.echo(common.json_text(as_json(loaded, chosen, accepted)))
    else:
        for line in as_text(loaded, chosen, accepted):
            common.echo(line)
