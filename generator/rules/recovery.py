"""The recovery-time estimate, per scenario.

A disaster is not one event: a server fails, the site is lost, ransomware
strikes, a cloud account is lost. Each scenario loses some systems and some
copies of their backups (SPEC, "Scenarios and estimated recovery time"). A
system the scenario loses comes back from its nearest surviving copy (the
backup with the shortest interval that keeps one, local before offsite),
through the phases of PHASES in order. Systems that download share the one
link, in recovery order. All arithmetic is exact (fractions of an hour).

Unknown is not zero: without a restore rate the restore phase is unknown and
the estimate a lower bound. Phases whose time is not agreed (validation,
investigation, provisioning) count as 0 and say "none agreed".

For the documents: `estimates(client)` gives every scenario in the order of
SCENARIOS as a `ScenarioEstimate`: its `parameters` (effective, defaults
included; `covered`, `reason`, `predates_scenarios`) and its `systems`, an
`Estimate` per system in recovery order with a `status` ("estimated", "not
affected", "no surviving copy", "no backup"), its `phases` in the order of
PHASES (each with `hours` and a `state`: "estimated", "none agreed",
"unknown"), `total`, `lower_bound`, `source` (the copy it comes back from) and
`after` (who uses the link first). `ScenarioEstimate.verdict(system)` and
`worst_first(...)` order an overview; SCENARIO_TITLES, SCENARIO_WORDS and
PHASE_TITLES name things in words.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Literal

from generator.format import units
from generator.format.model import (
    CRITICALITY_RANK,
    SCENARIOS,
    Backup,
    Client,
    Copy,
    DisasterRecovery,
    Ransomware,
    Scenario,
    System,
)

ZERO = Fraction(0)

PHASES: tuple[str, ...] = (
    "investigation",
    "hardware",
    "provisioning",
    "download",
    "restore",
    "network",
    "validation",
)
"""The phases of a recovery, in the order they happen: the estimate adds them up,
the chart draws them and the tables and hints name them in this order."""

PHASE_TITLES: dict[str, str] = {
    "investigation": "Investigation",
    "hardware": "Hardware",
    "provisioning": "Provisioning",
    "download": "Download",
    "restore": "Restore",
    "network": "Network",
    "validation": "Validation",
}

SCENARIO_TITLES: dict[Scenario, str] = {
    "server-failure": "Server failure",
    "site-loss": "Loss of the site",
    "ransomware": "Ransomware",
    "cloud-account-loss": "Loss of a cloud account",
}
"""Each scenario's name as a heading or a tab reads it."""

SCENARIO_WORDS: dict[Scenario, str] = {
    "server-failure": "if its server fails",
    "site-loss": "after loss of the site",
    "ransomware": "after ransomware",
    "cloud-account-loss": "if the cloud account is lost",
}
"""Each scenario as the words that end "it cannot be recovered ..." or start a clause."""

SCENARIO_AFTER: dict[Scenario, str] = {
    "server-failure": "after a server failure",
    "site-loss": "after loss of the site",
    "ransomware": "after ransomware",
    "cloud-account-loss": "after loss of a cloud account",
}
"""Each scenario as words that need no system to refer to."""

COURIER_DEFAULT = units.Duration(Fraction(1), "d")
LEGACY_REASON = (
    "the agreement was issued before scenarios were agreed: it covers loss of the site only"
)

PhaseState = Literal["estimated", "none agreed", "unknown"]
Status = Literal["estimated", "not affected", "no surviving copy", "no backup"]
Verdict = Literal[
    "no backup",
    "no surviving copy",
    "misses",
    "not determined",
    "meets",
    "no objective",
    "not affected",
]
VERDICTS: tuple[Verdict, ...] = (
    "no backup",
    "no surviving copy",
    "misses",
    "not determined",
    "meets",
    "no objective",
    "not affected",
)
"""Verdicts, worst first: the order the overview sorts systems in."""

Path_ = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Phase:
    """One phase of one system's recovery."""

    name: str  # one of PHASES
    hours: Fraction
    # "none agreed": not given in the file, counted as 0 and never printed as 0 h;
    # "unknown": the time cannot be estimated (no restore rate), so the total is a lower bound.
    state: PhaseState = "estimated"

    @property
    def title(self) -> str:
        return PHASE_TITLES[self.name]


@dataclass(frozen=True, slots=True)
class Source:
    """The copy a system is restored from: its nearest surviving copy."""

    backup: int  # index in the file's backups
    backup_id: str
    copy: int  # index in the backup's copies
    where: Literal["local", "offsite"]
    location: str
    every: units.Duration
    retention: units.Duration


@dataclass(frozen=True, slots=True)
class Objectives:
    """One system's objectives in one scenario: the base ones, each field replaced by
    the scenario's own where it gives one. `*_at` is where the value is written."""

    system: str
    rto: units.Duration | None = None
    rpo: units.Duration | None = None
    mtd: units.Duration | None = None
    rto_at: Path_ | None = None
    rpo_at: Path_ | None = None
    mtd_at: Path_ | None = None
    overridden: frozenset[str] = frozenset()  # the fields the scenario gives


class _PhaseHours:
    """An estimate's hours in one phase, read as an attribute (`est.download`); 0 where
    the phase does not apply."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, est: Estimate, owner: type | None = None) -> Fraction:
        return next((p.hours for p in est.phases if p.name == self.name), ZERO)


@dataclass(frozen=True, slots=True)
class Estimate:
    """How long one system takes to come back in one scenario, phase by phase, in hours."""

    system: str
    position: int  # 1-based place in the recovery order
    scenario: Scenario = "site-loss"
    status: Status = "estimated"
    phases: tuple[Phase, ...] = ()  # in the order of PHASES, only those that apply
    after: tuple[str, ...] = ()  # systems whose downloads use the link before this one's
    source: Source | None = None
    reason: str | None = None  # why it cannot be recovered, in words
    # The sum of the phases; a lower bound where one is unknown. Worked out once.
    total: Fraction = field(init=False, default=ZERO)

    def __post_init__(self) -> None:
        object.__setattr__(self, "total", sum((p.hours for p in self.phases), ZERO))

    @classmethod
    def of(
        cls, system: str, position: int, scenario: Scenario = "site-loss", **hours: Fraction
    ) -> Estimate:
        """An estimate from each phase's hours by name, put in the order of PHASES."""
        unknown = set(hours) - set(PHASES)
        if unknown:
            raise ValueError(f"not phases: {', '.join(sorted(unknown))}")
        phases = tuple(Phase(name, hours[name]) for name in PHASES if name in hours)
        return cls(system, position, scenario, "estimated", phases)

    @property
    def recoverable(self) -> bool:
        """Whether it is estimated (affected, and a copy survives)."""
        return self.status == "estimated"

    @property
    def affected(self) -> bool:
        return self.status != "not affected"

    @property
    def lower_bound(self) -> bool:
        """Whether a phase is unknown, so the total is only a lower bound ("at least")."""
        return any(p.state == "unknown" for p in self.phases)

    @property
    def unknown(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.phases if p.state == "unknown")

    @property
    def total_shown(self) -> str:
        """The total as a table cell shows it: "61.7 h", "at least 35.6 h", or "not
        estimated" where only unknown phases take any time (never "at least 0 h")."""
        if not self.lower_bound:
            return units.format_hours(self.total)
        return f"at least {units.format_hours(self.total)}" if self.total else "not estimated"

    @property
    def total_words(self) -> str:
        """The total with what it leaves out: "61.7 h", "at least 35.6 h (restore time
        not estimated)", "not estimated (restore time unknown)"."""
        if not self.lower_bound:
            return self.total_shown
        phases = " and ".join(self.unknown)
        if not self.total:
            return f"not estimated ({phases} time unknown)"
        return f"{self.total_shown} ({phases} time not estimated)"

    @property
    def none_agreed(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.phases if p.state == "none agreed")

    def phase(self, name: str) -> Phase | None:
        return next((p for p in self.phases if p.name == name), None)

    def parts(self) -> dict[str, Fraction]:
        """Each phase's hours, in the order of PHASES (0 for a phase that does not apply)."""
        hours = {p.name: p.hours for p in self.phases}
        return {name: hours.get(name, ZERO) for name in PHASES}

    # Each phase's hours by name, 0 where it does not apply.
    investigation = _PhaseHours("investigation")
    hardware = _PhaseHours("hardware")
    provisioning = _PhaseHours("provisioning")
    download = _PhaseHours("download")
    restore = _PhaseHours("restore")
    network = _PhaseHours("network")
    validation = _PhaseHours("validation")


@dataclass(frozen=True, slots=True)
class Parameters:
    """A scenario's effective parameters, defaults included: what the terms fix."""

    scenario: Scenario
    covered: bool = True
    reason: str | None = None
    recovery_target: Literal["client-site", "provider-cloud"] = "client-site"
    restore_rate: units.Throughput | None = None
    restore_rate_at: Path_ | None = None
    investigation: units.Duration | None = None  # ransomware only
    dwell_time: units.Duration | None = None  # ransomware only
    cloud: bool | None = None  # ransomware only: whether cloud systems are lost
    replace_hardware: bool | None = None  # ransomware only
    courier: units.Duration = COURIER_DEFAULT
    courier_assumed: bool = True
    objectives: dict[str, Objectives] = field(default_factory=dict)
    # Not covered because the terms were issued before scenarios existed (site loss only).
    predates_scenarios: bool = False

    @property
    def title(self) -> str:
        return SCENARIO_TITLES[self.scenario]

    @property
    def words(self) -> str:
        return SCENARIO_WORDS[self.scenario]

    def terms(self) -> dict[str, Any]:
        """The parameters as plain data, for the canonical terms."""

        def d(value: units.Duration | None) -> str | None:
            return None if value is None else str(value)

        data: dict[str, Any] = {
            "covered": self.covered,
            "reason": self.reason,
            "recovery_target": self.recovery_target,
            "restore_rate": None if self.restore_rate is None else str(self.restore_rate),
            "courier": d(self.courier),
            "objectives": {
                s: {"rto": d(o.rto), "rpo": d(o.rpo), "mtd": d(o.mtd)}
                for s, o in sorted(self.objectives.items())
            },
        }
        if self.scenario == "ransomware":
            data |= {
                "investigation": d(self.investigation),
                "dwell_time": d(self.dwell_time),
                "cloud": self.cloud,
                "replace_hardware": self.replace_hardware,
            }
        return data


@dataclass(frozen=True, slots=True)
class ScenarioEstimate:
    """One scenario: its effective parameters and every system's estimate in it."""

    parameters: Parameters
    systems: dict[str, Estimate] = field(default_factory=dict)  # in recovery order

    @property
    def scenario(self) -> Scenario:
        return self.parameters.scenario

    @property
    def covered(self) -> bool:
        return self.parameters.covered

    @property
    def title(self) -> str:
        return self.parameters.title

    def affected(self) -> list[Estimate]:
        return [e for e in self.systems.values() if e.affected]

    def objectives(self, system_id: str) -> Objectives | None:
        return self.parameters.objectives.get(system_id)

    def verdict(self, system_id: str) -> Verdict:
        """What the estimate says against the RTO of this scenario, in one word or two."""
        est = self.systems[system_id]
        if est.status != "estimated":
            return "no backup" if est.status == "no backup" else est.status
        objective = self.objectives(system_id)
        if objective is None or objective.rto is None:
            return "no objective"
        if est.total > objective.rto.hours:
            return "misses"
        return "not determined" if est.lower_bound else "meets"


# ------------------------------------------------------------------ helpers


def covered(client: Client) -> set[str]:
    return {s for backup in client.backups for s in backup.systems}


def excluded(client: Client) -> set[str]:
    return {e.system for e in client.exclusions if not isinstance(e, str)}


def recovery_order(client: Client) -> list[str]:
    """The systems that are restored after a disaster, in order.

    The file's `recovery_order` first; every other backed-up system after it,
    by criticality and then in file order.
    """
    backed_up = covered(client)
    dr = client.disaster_recovery
    explicit = list(dr.recovery_order or ()) if dr else []
    rest = sorted(
        (s for s in client.systems if s.id in backed_up and s.id not in explicit),
        key=lambda s: CRITICALITY_RANK[s.criticality],  # sorted() is stable: file order within
    )
    return explicit + [s.id for s in rest]


def offsite_backups(client: Client, system_id: str) -> list[int]:
    """Indexes of the backups that cover the system and keep a copy off the premises."""
    return [
        i
        for i, backup in enumerate(client.backups)
        if system_id in backup.systems and any(c.where == "offsite" for c in backup.copies)
    ]


def loses(client: Client, scenario: Scenario, system: System) -> bool:
    """Whether the scenario loses the system."""
    if system.hosting == "on-premises":
        return scenario != "cloud-account-loss"
    if scenario == "ransomware":
        dr = client.disaster_recovery
        return dr is None or dr.scenarios.ransomware.cloud
    return scenario == "cloud-account-loss"


def survives(scenario: Scenario, copy: Copy) -> bool:
    """Whether a copy survives the scenario."""
    if scenario == "server-failure":
        return not copy.on_system
    if scenario == "site-loss":
        return copy.where == "offsite"
    if scenario == "ransomware":
        return copy.immutable or copy.offline
    return True


def _usable(client: Client, scenario: Scenario, system: System, copy: Copy) -> bool:
    if not survives(scenario, copy):
        return False
    dr = client.disaster_recovery
    # Brought up in the provider's infrastructure: from the offsite copies already there.
    provider_cloud = dr is not None and dr.recovery_target == "provider-cloud"
    return not (provider_cloud and system.hosting == "on-premises" and copy.where != "offsite")


def surviving(client: Client, scenario: Scenario, system: System) -> list[Source]:
    """The copies of the system's backups the scenario leaves usable, nearest first: the
    backup with the shortest interval, then a local copy before an offsite one."""
    found: list[Source] = []
    for i, backup in enumerate(client.backups):
        if system.id not in backup.systems:
            continue
        for k, copy in enumerate(backup.copies):
            if _usable(client, scenario, system, copy):
                found.append(_source(i, backup, k, copy))
    return sorted(found, key=lambda s: (_seconds(s.every), s.where != "local", s.backup, s.copy))


def _source(i: int, backup: Backup, k: int, copy: Copy) -> Source:
    return Source(i, backup.id, k, copy.where, copy.location, backup.every, backup.retention)


# --------------------------------------------------------------- parameters


def _objectives(dr: DisasterRecovery, scenario: Scenario) -> dict[str, Objectives]:
    base: Path_ = ("disaster_recovery",)
    result: dict[str, Objectives] = {}
    for j, o in enumerate(dr.objectives):
        at = (*base, "objectives", j)
        result[o.system] = Objectives(
            o.system,
            o.rto,
            o.rpo,
            o.mtd,
            (*at, "rto"),
            (*at, "rpo"),
            (*at, "mtd") if o.mtd is not None else None,
        )
    for k, own in enumerate(dr.scenarios.of(scenario).objectives):
        at = (*base, "scenarios", scenario, "objectives", k)
        old = result.get(own.system, Objectives(own.system))
        changes: dict[str, Any] = {}
        for name in ("rto", "rpo", "mtd"):
            value = getattr(own, name)
            if value is not None:
                changes[name] = value
                changes[f"{name}_at"] = (*at, name)
        given = frozenset(n for n in ("rto", "rpo", "mtd") if n in changes)
        result[own.system] = Objectives(
            own.system,
            changes.get("rto", old.rto),
            changes.get("rpo", old.rpo),
            changes.get("mtd", old.mtd),
            changes.get("rto_at", old.rto_at),
            changes.get("rpo_at", old.rpo_at),
            changes.get("mtd_at", old.mtd_at),
            old.overridden | given,
        )
    return result


def parameters(
    client: Client, scenario: Scenario, only: Collection[Scenario] | None = None
) -> Parameters:
    """A scenario's effective parameters. `only`: the scenarios the terms cover (all when
    None); the others are not covered."""
    dr = client.disaster_recovery
    if dr is None:
        return Parameters(scenario)
    settings = dr.scenarios.of(scenario)
    covered_, reason = settings.covered, settings.reason
    predates = only is not None and scenario not in only
    if predates:
        covered_, reason = False, LEGACY_REASON
    rate = dr.restore_rate
    rate_at: Path_ = ("disaster_recovery", "restore_rate")
    own_rate = getattr(settings, "restore_rate", None)
    if own_rate is not None:
        rate, rate_at = own_rate, ("disaster_recovery", "scenarios", scenario, "restore_rate")
    extra: dict[str, Any] = {}
    if isinstance(settings, Ransomware):
        extra = {
            "investigation": settings.investigation,
            "dwell_time": settings.dwell_time,
            "cloud": settings.cloud,
            "replace_hardware": settings.replace_hardware,
        }
    return Parameters(
        scenario,
        covered_,
        reason,
        dr.recovery_target,
        rate,
        rate_at if rate is not None else None,
        courier=dr.courier or COURIER_DEFAULT,
        courier_assumed=dr.courier is None,
        objectives=_objectives(dr, scenario),
        predates_scenarios=predates,
        **extra,
    )


# ----------------------------------------------------------------- estimate


# Every scenario works out the same few figures again, and the same spellings come
# back in every client file: the quantities are frozen, so their hours are cached.
@functools.lru_cache(maxsize=4096)
def _hours(duration: units.Duration) -> Fraction:
    return duration.hours


@functools.lru_cache(maxsize=4096)
def _seconds(duration: units.Duration) -> Fraction:
    return duration.seconds


@functools.lru_cache(maxsize=4096)
def _transfer(size: units.Size, speed: units.LinkSpeed) -> Fraction:
    return units.transfer_hours(size, speed)


@functools.lru_cache(maxsize=4096)
def _restore_time(size: units.Size, rate: units.Throughput) -> Fraction:
    return units.restore_hours(size, rate)


def _agreed(name: str, value: units.Duration | None) -> Phase:
    if value is None or value.number == 0:
        return Phase(name, ZERO, "none agreed")
    return Phase(name, _hours(value))


def _restore(system: System, rate: units.Throughput | None) -> Phase:
    if rate is None:
        return Phase("restore", ZERO, "unknown")
    return Phase("restore", _restore_time(system.data, rate))


def _wanted(client: Client) -> list[str]:
    dr = client.disaster_recovery
    order = recovery_order(client)
    objectives = [o.system for o in dr.objectives] if dr else []
    out = excluded(client)
    return [s for s in order + [s for s in objectives if s not in order] if s not in out]


def _scenario(client: Client, params: Parameters) -> dict[str, Estimate]:
    dr = client.disaster_recovery
    assert dr is not None
    scenario = params.scenario
    backed_up = covered(client)
    result: dict[str, Estimate] = {}
    on_link: list[System] = []
    linked = ZERO  # hours of download of the systems on the link so far
    for position, system_id in enumerate(_wanted(client), start=1):
        system = client.system(system_id)
        if not loses(client, scenario, system):
            result[system_id] = Estimate(system_id, position, scenario, "not affected")
            continue
        if system_id not in backed_up:
            result[system_id] = Estimate(
                system_id, position, scenario, "no backup", reason="no backup covers it"
            )
            continue
        sources = surviving(client, scenario, system)
        if not sources:
            result[system_id] = Estimate(
                system_id,
                position,
                scenario,
                "no surviving copy",
                reason=f"no copy of it survives {SCENARIO_NOUNS[scenario]}",
            )
            continue
        source = sources[0]
        phases: list[Phase] = []
        after: tuple[str, ...] = ()
        if scenario == "ransomware":
            phases.append(_agreed("investigation", params.investigation))
        if system.hosting == "cloud":
            phases += [_restore(system, params.restore_rate), _agreed("validation", dr.validation)]
        elif dr.recovery_target == "provider-cloud":
            phases += [
                _agreed("provisioning", dr.provisioning),
                _restore(system, params.restore_rate),
                Phase("network", _hours(dr.network_reconfiguration)),
                _agreed("validation", dr.validation),
            ]
        else:
            hardware = ZERO if dr.hardware.standby else _hours(dr.hardware.procurement)
            if scenario != "ransomware" or params.replace_hardware:
                phases.append(Phase("hardware", hardware))
            if source.where == "offsite":
                if scenario == "server-failure":  # one server at a time: the link is its own
                    download = _transfer(system.data, dr.download_bandwidth)
                else:
                    after = tuple(s.id for s in on_link)
                    on_link.append(system)
                    linked += _transfer(system.data, dr.download_bandwidth)
                    download = linked
                phases.append(Phase("download", download))
            phases.append(_restore(system, params.restore_rate))
            if scenario != "server-failure":
                phases.append(Phase("network", _hours(dr.network_reconfiguration)))
            phases.append(_agreed("validation", dr.validation))
        result[system_id] = Estimate(
            system_id, position, scenario, "estimated", tuple(phases), after, source
        )
    return result


SCENARIO_NOUNS: dict[Scenario, str] = {
    "server-failure": "a failure of its server",
    "site-loss": "loss of the site",
    "ransomware": "ransomware",
    "cloud-account-loss": "loss of its cloud account",
}
"""Each scenario as a noun phrase: "no copy of it survives ..."."""


def estimates(
    client: Client, only: Collection[Scenario] | None = None
) -> dict[Scenario, ScenarioEstimate]:
    """Every built-in scenario, in the order of SCENARIOS: its effective parameters and,
    where it is covered, every restored system's estimate (or why there is none).
    `only`: the scenarios the terms cover (terms issued before scenarios: site loss)."""
    result: dict[Scenario, ScenarioEstimate] = {}
    for scenario in SCENARIOS:
        params = parameters(client, scenario, only)
        systems = (
            _scenario(client, params)
            if params.covered and client.disaster_recovery is not None
            else {}
        )
        result[scenario] = ScenarioEstimate(params, systems)
    return result


def worst_first(scenarios: dict[Scenario, ScenarioEstimate]) -> list[str]:
    """The systems of the covered scenarios, worst verdict first (no backup, no surviving
    copy, misses the RTO, not determined, meets...), then in recovery order: the rows of
    an overview of every scenario."""
    rank = {verdict: i for i, verdict in enumerate(VERDICTS)}
    covered_ = [s for s in scenarios.values() if s.covered]
    systems: list[str] = []
    for s in covered_:
        systems += [system for system in s.systems if system not in systems]

    def worst(system: str) -> int:
        return min(
            (rank[s.verdict(system)] for s in covered_ if system in s.systems),
            default=len(VERDICTS),
        )

    return sorted(systems, key=worst)  # stable: recovery order among equals


def estimate(client: Client, scenario: Scenario = "site-loss") -> dict[str, Estimate]:
    """One scenario's estimates by system id (empty when the scenario is not covered)."""
    return estimates(client)[scenario].systems


def phase_words(est: Estimate) -> Iterator[str]:
    """Each phase as it reads in a hint: "restore 1.1 h", "validation none agreed"."""
    for p in est.phases:
        if p.state == "unknown":
            yield f"{p.name} not estimated"
        elif p.state == "none agreed":
            yield f"{p.name} none agreed"
        elif p.name == "hardware" and not p.hours:
            yield "hardware on standby"
        elif p.hours:
            yield f"{p.name} {units.format_hours(p.hours)}"
