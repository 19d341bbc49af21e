"""What a rule is, and every rule there is.

A rule is declared once, where it is written: its code, severity, summary,
the leg its findings stand on, whether it is checked per scenario, whether
a client can acknowledge it and whether it is operational (it measures what
happened, not what is agreed: it never blocks `issue`). The
leg status, the acknowledgeable codes (for the loader, the JSON Schema and
the docs) and the table of checks are read from here. Importing
`generator.rules` declares every rule, so the registry is complete wherever
it is read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Literal

from generator.evidence.store import Evidence
from generator.findings import Severity
from generator.format.model import Client, Objective, Scenario
from generator.rules.recovery import ScenarioEstimate

Leg = Literal["backup", "disaster recovery", "business continuity"]
LEGS: tuple[Leg, ...] = ("backup", "disaster recovery", "business continuity")

Path_ = tuple[str | int, ...]

_NEVER = dt.datetime.min.replace(tzinfo=dt.UTC)


@dataclass(frozen=True, slots=True)
class Hit:
    """One thing a rule found: where, what, a hint, and the system it concerns."""

    path: Path_
    message: str
    hint: str | None = None
    system: str | None = None
    scenario: Scenario | None = None


@dataclass(frozen=True, slots=True)
class AgreementFacts:
    """The agreement's standing on the day checked, as the lifecycle (`terms.lifecycle`,
    above the rules) works it out: plain data, so the rules need not read the archive."""

    # The version in force and the last day it is in force.
    in_force: tuple[int, dt.date] | None = None
    later_executed: bool = False  # a version after the one in force is executed
    ended_on: dt.date | None = None  # none in force, but an executed one was until then
    # The newest issued version when it awaits the client's signature, and the day the
    # provider signed it (None where unknown).
    awaiting: tuple[int, dt.date | None] | None = None
    newest: int = 0  # the newest issued version's number (0: none issued)


@dataclass(slots=True)
class Context:
    """What the rules may look at."""

    client: Client
    today: dt.date  # the day the date rules judge by: `now`'s in the provider's time zone
    # Canonical terms of the issued version the file names, and of the file now.
    issued_terms: bytes | None = None
    current_terms: bytes | None = None
    estimates: dict[Scenario, ScenarioEstimate] = field(default_factory=dict)
    # The moment the evidence rules judge at (aware, in the provider's time zone), and
    # what the backups did (empty where none was imported).
    now: dt.datetime = _NEVER
    evidence: Evidence = field(default_factory=Evidence)
    agreement: AgreementFacts = field(default_factory=AgreementFacts)

    def objectives(self) -> Iterator[tuple[int, Objective]]:
        dr = self.client.disaster_recovery
        yield from enumerate(dr.objectives if dr else ())

    def system_index(self, system_id: str) -> int:
        return next(i for i, s in enumerate(self.client.systems) if s.id == system_id)

    def scenarios(self) -> Iterator[ScenarioEstimate]:
        """The scenarios the agreement covers, in order."""
        yield from (s for s in self.estimates.values() if s.covered)


Run = Callable[[Context], Iterator[Hit]]


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    severity: Severity
    summary: str
    leg: Leg | None  # None: the finding concerns the agreement or the file, not a leg
    acknowledgeable: bool
    run: Run | None  # None: found while loading, or by `check` itself
    scenario_aware: bool = False  # its findings name the scenario they concern
    # Operational: it measures what happened (evidence, dates), not what is agreed. Its
    # findings never block `issue` and count for `check`'s exit code only under --strict.
    operational: bool = False


# Codes that acknowledgements in existing files may still name, spelled as they
# are (so the terms do not change): each means one rule in one scenario.
ALIASES: dict[str, tuple[str, Scenario]] = {
    "no-offsite-copy": ("no-surviving-copy", "site-loss"),
    "mutable-offsite": ("no-surviving-copy", "ransomware"),
}


# In declaration order: the order rules run in and are documented in.
RULES: dict[str, Rule] = {}


def declare(
    code: str,
    severity: Severity,
    summary: str,
    *,
    leg: Leg | None,
    acknowledgeable: bool = False,
    run: Run | None = None,
    scenario_aware: bool = False,
    operational: bool = False,
) -> Rule:
    """Adds a rule to the registry; one without `run` is found elsewhere."""
    if code in RULES:
        raise ValueError(f"the rule {code} is declared twice")
    if operational and acknowledgeable:
        raise ValueError(f"the rule {code} is operational: what happened cannot be accepted")
    RULES[code] = Rule(
        code, severity, summary, leg, acknowledgeable, run, scenario_aware, operational
    )
    return RULES[code]


def rule(
    code: str,
    severity: Severity,
    summary: str,
    *,
    leg: Leg | None,
    acknowledgeable: bool = False,
    scenario_aware: bool = False,
    operational: bool = False,
) -> Callable[[Run], Run]:
    """Declares the decorated function as the rule `code`; `scenario_aware` when it
    checks each covered scenario and its findings name the scenario; `operational`
    when it measures what happened rather than what is agreed."""

    def register(run: Run) -> Run:
        declare(
            code,
            severity,
            summary,
            leg=leg,
            acknowledgeable=acknowledgeable,
            run=run,
            scenario_aware=scenario_aware,
            operational=operational,
        )
        return run

    return register


def leg_of(code: str) -> Leg | None:
    """The leg a finding with this code stands on (None for schema codes and the agreement's)."""
    found = RULES.get(code)
    return found.leg if found else None


def operational(code: str) -> bool:
    """Whether a finding with this code is about what happened (evidence, dates) rather
    than the terms: it never blocks `issue`, and fails `check` only under --strict.
    Schema codes and unknown codes are about the file, so not operational."""
    found = RULES.get(code)
    return found.operational if found else False


def acknowledgeable() -> tuple[str, ...]:
    """The codes an `acknowledged` entry may name, in declaration order, then the old
    codes that still mean one of them."""
    codes = tuple(code for code, r in RULES.items() if r.acknowledgeable)
    return codes + tuple(old for old, (new, _) in ALIASES.items() if new in codes)


def meaning(code: str, scenario: Scenario | None) -> tuple[str, Scenario | None]:
    """The rule and scenario an acknowledgement's `check` (and `scenario`) name: an old
    code means its rule in its one scenario; without a scenario, every scenario."""
    if code in ALIASES:
        return ALIASES[code]
    return code, scenario
