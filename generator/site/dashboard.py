"""The provider's internal dashboard: every client at a glance, never published to one."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from jinja2 import Environment

from generator.findings import Finding
from generator.project.record import Portfolio
from generator.render import render_template
from generator.rules import legs
from generator.terms import archive

OVERDUE = ("restore-test-overdue", "dr-test-overdue", "bc-review-overdue")
NEARING_END = dt.timedelta(days=60)


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
    in_force: str = "none issued"
    terms_differ: bool = False
    term_end: dt.date | None = None
    term_note: str = ""

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
        if record.issued:
            newest = record.issued[-1]
            row.in_force = f"v{newest.number}, {newest.signature_state}"
            row.terms_differ = record.terms_differ
            agreement = archive.client_of(newest).agreement
            row.term_end = agreement.last_day
            if row.term_end < today:
                row.term_note = "ended"
            elif row.term_end - today <= NEARING_END:
                row.term_note = f"ends in {(row.term_end - today).days} days"
        result.append(row)
    return result


def dashboard_pages(env: Environment, portfolio: Portfolio, today: dt.date) -> dict[str, str]:
    provider = portfolio.provider.model
    values = {
        "rows": rows(portfolio, today),
        "today": today,
        "provider": provider,
        "provider_findings": portfolio.provider.findings,
        "colour": {"green": "🟢", "amber": "🟠", "red": "🔴"},
    }
    return {
        "index.md": render_template(env, "internal/index.md", values),
        "findings.md": render_template(env, "internal/findings.md", values),
    }
