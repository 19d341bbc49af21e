"""The provider's internal dashboard: every client at a glance, never published to one."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field

from jinja2 import Environment

from generator.findings import Finding
from generator.format.model import Client, Scenario
from generator.format.names import backup_name
from generator.project.record import Portfolio
from generator.render import render_template
from generator.render.health import Problem, client_health
from generator.render.values import VERDICT_WORDS
from generator.rules import legs, options
from generator.rules.recovery import SCENARIO_AFTER, VERDICTS, ScenarioEstimate

OVERDUE = ("restore-test-overdue", "dr-test-overdue", "bc-review-overdue")


@dataclass(slots=True)
class Row:
    """One client's line on the dashboard."""

    id: str
    name: str
    file: str
    loadable: bool
    findings: list[Finding]
    legs: dict[str, str] = field(default_factory=dict)  # leg -> colour
    draft: int | None = None
    agreement: str = "No agreement has been issued yet."  # the lifecycle's sentence
    terms_differ: bool = False
    recovery: str = ""  # the worst verdict across the covered scenarios, in words
    # Each RTO or RPO gap with every option that would close it, best first.
    quotes: list[tuple[Finding, list[str]]] = field(default_factory=list)

    def count(self, severity: str) -> int:
        return sum(f.severity == severity for f in self.findings)

    @property
    def overdue(self) -> list[Finding]:
        return [f for f in self.findings if f.code in OVERDUE]


def rows(portfolio: Portfolio, today: dt.date) -> list[Row]:
    provider = portfolio.provider.model
    result = []
    for record in portfolio.clients:
        client = record.client
        stem = record.file.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        if client is None or provider is None:
            result.append(Row(stem, stem, record.file, False, record.findings))
            continue
        row = Row(client.id, client.name, record.file, True, record.findings)
        row.legs = {leg: s.colour for leg, s in legs.status(record.findings).items()}
        row.draft = client.agreement.version
        row.recovery = worst_verdict(record.estimates, {s.id: s.name for s in client.systems})
        row.quotes = quotes(client, record.estimates, record.findings)
        if record.issued:
            row.agreement = record.lifecycle(today).sentence
            row.terms_differ = record.terms_differ
        result.append(row)
    return result


@dataclass(frozen=True, slots=True)
class BackupAlert:
    """A stale or failing backup on the dashboard: whose, which, what is wrong, since when."""

    client_id: str
    client: str
    backup: str
    problems: tuple[Problem, ...]  # most urgent first

    @property
    def words(self) -> str:
        return "; ".join(p.words for p in self.problems)

    @property
    def since(self) -> str:
        return self.problems[0].since_shown


def moment(portfolio: Portfolio) -> dt.datetime:
    """The moment the portfolio was checked at, in the provider's time zone."""
    provider = portfolio.provider.model
    zone = zoneinfo.ZoneInfo(provider.timezone if provider else "UTC")
    return portfolio.now.astimezone(zone)


def backup_alerts(portfolio: Portfolio, now: dt.datetime) -> tuple[list[BackupAlert], list[str]]:
    """Every stale or failing backup across the portfolio, most urgent first (a backup with
    no recent good run before one whose runs fail, before a failed restore test; the
    longest-standing first), and the backups with no evidence ("Client: backup")."""
    provider = portfolio.provider.model
    if provider is None:
        return [], []
    zone = zoneinfo.ZoneInfo(provider.timezone)
    alerts: list[BackupAlert] = []
    missing: list[str] = []
    for record in portfolio.clients:
        client = record.client
        if client is None:
            continue
        for health in client_health(client, record.evidence, now, zone).values():
            name = backup_name(client, health.backup)
            if not health.evidence:
                missing.append(f"{client.name}: {name}")
            elif health.problems:
                problems = tuple(sorted(health.problems, key=lambda p: p.rank))
                alerts.append(BackupAlert(client.id, client.name, name, problems))
    alerts.sort(key=lambda a: (a.problems[0].rank, a.client, a.backup))
    return alerts, missing


GAPS = {"rto-unachievable": options.rto_options, "rpo-unachievable": options.rpo_options}


def quotes(
    client: Client, scenarios: dict[Scenario, ScenarioEstimate], findings: list[Finding]
) -> list[tuple[Finding, list[str]]]:
    """What would close each RTO or RPO gap, accepted ones included (a gap accepted today
    may be quoted tomorrow): every option, where the finding's hint names one or two."""
    found = []
    for f in findings:
        priced = GAPS.get(f.code)
        scenario = next((s for s in scenarios.values() if s.scenario == f.scenario), None)
        if priced is None or scenario is None or f.system is None:
            continue
        listed = priced(client, scenario, f.system)
        if listed:
            found.append((f, [options.line(o) for o in listed]))
    return found


def worst_verdict(scenarios: dict[Scenario, ScenarioEstimate], names: dict[str, str]) -> str:
    """The worst verdict of any system in any covered scenario, in words, with the system
    and the scenario where it is a gap: "CAD server: no copy survives after ransomware"."""
    rank = {verdict: i for i, verdict in enumerate(VERDICTS)}
    found = [
        (rank[s.verdict(system)], i, system, s.scenario)
        for i, s in enumerate(scenarios.values())
        if s.covered
        for system in s.systems
    ]
    if not found:
        return "no recovery estimated"
    verdict_rank, _, system, scenario = min(found)
    verdict = VERDICTS[verdict_rank]
    if verdict in ("meets", "no objective", "not affected"):
        return {"meets": "meets every RTO", "no objective": "no objectives set"}.get(
            verdict, "no system affected"
        )
    return f"{names.get(system, system)}: {VERDICT_WORDS[verdict]} {SCENARIO_AFTER[scenario]}"


def dashboard_pages(env: Environment, portfolio: Portfolio, today: dt.date) -> dict[str, str]:
    provider = portfolio.provider.model
    now = moment(portfolio)
    alerts, no_evidence = backup_alerts(portfolio, now)
    values = {
        "built": f"{now:%Y-%m-%d %H:%M} ({provider.timezone if provider else 'UTC'} time)",
        "rows": rows(portfolio, today),
        "alerts": alerts,
        "no_evidence": no_evidence,
        "today": today,
        "provider": provider,
        "provider_findings": portfolio.provider.findings,
        "colour": {"green": "🟢", "amber": "🟠", "red": "🔴"},
    }
    return {
        "index.md": render_template(env, "internal/index.md", values),
        "findings.md": render_template(env, "internal/findings.md", values),
    }
