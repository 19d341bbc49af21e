"""What the site's pages and the agreement both print about a client's terms.

The values every template of a client reads, worked out once from facts the
caller already has (the client, the provider, the recovery estimates, the
accepted gaps): the objectives and their estimates, the chart, the order of
recovery, the responsibility matrix, who is who, what is excluded.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from generator.findings import Finding
from generator.format.model import Client, Provider, Scenario
from generator.format.names import backup_name
from generator.render import chart
from generator.rules import raci
from generator.rules.recovery import (
    PHASE_TITLES,
    PHASES,
    ScenarioEstimate,
    covered,
    recovery_order,
)


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
        "chart": chart.svg(rows) if rows else None,
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
        "party": contacts | {t.id: t for t in client.third_parties},
    }


def _party_names(client: Client, provider: Provider) -> dict[str, str]:
    names = {"provider": provider.name, "client": client.name}
    names.update({t.id: t.name for t in client.third_parties})
    return names
