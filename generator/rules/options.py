"""What it would take: the options that would close a recovery gap, priced with the
client's own figures, the way a provider's engineer would quote them.

A system misses its RTO in a scenario (`rto_options`): standby hardware (the
estimate without procurement), the link speed that would meet the RTO (rounded
up to a step a provider sells: LINK_STEPS), a drive seeded with the backups and
sent by courier instead of the download, recovery into the provider's cloud
(provisioning instead of hardware, no download), and, where no one of them is
enough, standby hardware together with a faster link or a courier. A system
misses its RPO (`rpo_options`): backups of its surviving copy every RPO, or a
surviving copy of a backup that already runs often enough.

Each `Option` says whether it closes the gap alone and what the estimate (or,
for an RPO, the interval) would become; `options` lists them best first (those
that close the gap, then by the resulting hours). Options that do not apply are
left out (standby already there, a cloud system, no download). Exact fractions
throughout; an estimate equal to the RTO meets it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import Any, Literal, get_args

from generator.format import units
from generator.format.model import Client, Scenario
from generator.format.names import backup_name
from generator.rules.recovery import (
    SCENARIO_NOUNS,
    Estimate,
    ScenarioEstimate,
    estimates,
    surviving,
)

Gap = Literal["rto", "rpo"]
Kind = Literal[
    "standby",
    "link",
    "courier",
    "provider-cloud",
    "standby-and-link",
    "standby-and-courier",
    "backup-interval",
    "surviving-copy",
]
KINDS: tuple[Kind, ...] = get_args(Kind)
"""Every kind of option; among options equally good, the earlier kind comes first."""

PROVISIONING_ASSUMED = units.Duration(Fraction(4), "h")
"""The provisioning time assumed for recovery into the provider's cloud where the file
agrees none: bringing servers up is never instant, and a quote must not say so."""

MBPS = Fraction(10**6)
LINK_STEPS: tuple[tuple[Fraction, Fraction], ...] = (
    (100 * MBPS, 10 * MBPS),
    (1000 * MBPS, 50 * MBPS),
    (10_000 * MBPS, 250 * MBPS),
    (100_000 * MBPS, 1000 * MBPS),
)
"""The link speeds a quote names: up to each limit, multiples of its step (10 Mbps up
to 100 Mbps, 50 Mbps up to 1 Gbps, 250 Mbps up to 10 Gbps, 1 Gbps up to 100 Gbps).
Above 100 Gbps no link is proposed."""


Outcome = Literal["closes", "not determined", "not enough"]
OUTCOMES: tuple[Outcome, ...] = get_args(Outcome)


@dataclass(frozen=True, slots=True)
class Option:
    """One way to close one gap of one system in one scenario."""

    kind: Kind
    gap: Gap
    hours: Fraction  # the estimate it would give (rto), or the backup interval (rpo)
    lower_bound: bool  # the estimate would still be a lower bound (a phase unknown)
    target: Fraction  # the objective it is measured against (the RTO or the RPO), hours
    label: str  # a noun phrase: "standby hardware", "a 500 Mbps link"
    description: str  # what it changes, in a sentence without a full stop
    unknown: tuple[str, ...] = ()  # the phases still not estimated ("restore")

    @property
    def closes(self) -> bool:
        """Whether it alone closes the gap (never while the estimate is a lower bound)."""
        return self.hours <= self.target and not self.lower_bound

    @property
    def outcome(self) -> Outcome:
        """Closes the gap, not determined (a lower bound within the objective: it depends on
        the phase nobody estimated), or not enough alone."""
        if self.closes:
            return "closes"
        return "not determined" if self.hours <= self.target else "not enough"

    @property
    def result(self) -> str:
        """The resulting hours as people read them: "30.2 h", "at least 30.2 h", or for an
        estimate of unknown phases only, "only the restore left"."""
        shown = units.format_hours(self.hours)
        if not self.lower_bound:
            return shown
        return f"at least {shown}" if self.hours else f"only the {' and '.join(self.unknown)} left"

    @property
    def verdict(self) -> str:
        """What it does to the gap, in words: "meets it", "within the RTO if the
        restore takes at most 32.4 h", "not enough alone"."""
        objective = self.gap.upper()
        if self.outcome == "closes":
            return "meets it"
        if self.outcome == "not enough":
            return "not enough alone"
        left = units.format_hours(self.target - self.hours)
        return f"within the {objective} if the {' and '.join(self.unknown)} takes at most {left}"

    def sort_key(self) -> tuple[int, Fraction, int]:
        return (OUTCOMES.index(self.outcome), self.hours, KINDS.index(self.kind))


# ----------------------------------------------------------------- the gaps


def rto_gap(scenario: ScenarioEstimate, system_id: str) -> bool:
    """Whether the system's estimate (or its lower bound) is over its RTO."""
    return scenario.verdict(system_id) == "misses"


def rpo_gap(scenario: ScenarioEstimate, system_id: str) -> bool:
    """Whether the system's RPO is shorter than the interval of the backup it comes back from."""
    est = scenario.systems[system_id]
    objective = scenario.objectives(system_id)
    if est.source is None or objective is None or objective.rpo is None:
        return False
    return objective.rpo.seconds < est.source.every.seconds


def options(client: Client, scenario: ScenarioEstimate, system_id: str) -> list[Option]:
    """Every option for every gap of the system in the scenario: the RTO's, then the RPO's,
    each best first."""
    return rto_options(client, scenario, system_id) + rpo_options(client, scenario, system_id)


# ---------------------------------------------------------------- link speed


def link_step(bits_per_second: Fraction) -> Fraction | None:
    """The slowest link of LINK_STEPS at least this fast; None above the last limit."""
    for limit, step in LINK_STEPS:
        if bits_per_second <= limit:
            return max(step, math.ceil(bits_per_second / step) * step)
    return None


def step_below(bits_per_second: Fraction) -> Fraction:
    """The step of LINK_STEPS just below a speed on it (0 below the first)."""
    for limit, step in LINK_STEPS:
        if bits_per_second <= limit:
            return bits_per_second - step
    raise ValueError("faster than any link proposed")


def speed_text(bits_per_second: Fraction) -> str:
    """A link speed as it is sold: "500 Mbps", "1 Gbps", "1.25 Gbps"."""
    unit, scale = ("Gbps", 1000 * MBPS) if bits_per_second >= 1000 * MBPS else ("Mbps", MBPS)
    value = bits_per_second / scale
    with localcontext() as context:
        context.prec = 50
        number = Decimal(value.numerator) / Decimal(value.denominator)
    return f"{format(number.normalize(), 'f')} {unit}"


def _link(bits_per_second: Fraction) -> units.LinkSpeed:
    return units.LinkSpeed(bits_per_second, speed_text(bits_per_second))


# ------------------------------------------------------------------- the RTO


def recomputed(client: Client, scenario: Scenario, system_id: str, **changes: Any) -> Estimate:
    """The system's estimate with the disaster recovery fields changed."""
    dr = client.disaster_recovery
    assert dr is not None
    changed = client.model_copy(update={"disaster_recovery": dr.model_copy(update=changes)})
    return estimates(changed)[scenario].systems[system_id]


@dataclass(frozen=True, slots=True)
class _Gap:
    """The figures every RTO option starts from."""

    est: Estimate
    rto: Fraction
    link_bytes: Fraction  # the data downloaded over the link up to this system's
    download: Fraction  # hours of the download phase (0 without one)
    hardware: Fraction  # hours of the hardware phase (0 without one)

    current: Fraction  # the link's speed today, bit/s

    def option(self, kind: Kind, label: str, hours: Fraction, description: str) -> Option:
        est = self.est
        return Option(
            kind, "rto", hours, est.lower_bound, self.rto, label, description, est.unknown
        )

    def speed_for(self, rest: Fraction) -> Fraction | None:
        """The link step that brings the download within the RTO after `rest` hours of
        other phases; None if no link can, or if the link is fast enough already."""
        if rest >= self.rto:
            return None
        speed = link_step(self.link_bytes * 8 / ((self.rto - rest) * 3600))
        return speed if speed is not None and speed > self.current else None


def _link_option(
    client: Client, scenario: ScenarioEstimate, gap: _Gap, standby: bool
) -> Option | None:
    dr = client.disaster_recovery
    assert dr is not None
    rest = gap.est.total - gap.download - (gap.hardware if standby else 0)
    speed = gap.speed_for(rest)
    if speed is None:
        return None
    changes: dict[str, Any] = {"download_bandwidth": _link(speed)}
    if standby:
        changes["hardware"] = dr.hardware.model_copy(update={"standby": True})
    total = recomputed(client, scenario.scenario, gap.est.system, **changes).total
    label = f"a {speed_text(speed)} link"
    if standby:
        return gap.option(
            "standby-and-link",
            f"standby hardware and {label}",
            total,
            f"keep replacement hardware on standby and raise the link from "
            f"{dr.download_bandwidth} to {speed_text(speed)}",
        )
    return gap.option(
        "link",
        label,
        total,
        f"raise the link from {dr.download_bandwidth} to {speed_text(speed)}: the download "
        f"takes {units.format_hours(total - rest)} instead of {units.format_hours(gap.download)}",
    )


def _courier_option(scenario: ScenarioEstimate, gap: _Gap, standby: bool) -> Option | None:
    params = scenario.parameters
    courier = params.courier.hours
    if courier >= gap.download:
        return None
    shipped = units.format_duration(params.courier)
    shipped += ", assumed" if params.courier_assumed else ""
    total = gap.est.total - gap.download + courier - (gap.hardware if standby else 0)
    if standby:
        return gap.option(
            "standby-and-courier",
            "standby hardware and a drive by courier",
            total,
            f"keep replacement hardware on standby and ship a drive seeded with the backups "
            f"by courier ({shipped}) instead of the download",
        )
    return gap.option(
        "courier",
        "a drive seeded by courier",
        total,
        f"ship a drive seeded with the backups by courier ({shipped}) instead of the "
        f"{units.format_hours(gap.download)} download",
    )


def rto_options(client: Client, scenario: ScenarioEstimate, system_id: str) -> list[Option]:
    """The options that would bring the system within its RTO, best first; none when it
    meets it, or when it is a cloud system (restored by its vendor: nothing here to buy)."""
    dr = client.disaster_recovery
    objective = scenario.objectives(system_id)
    if dr is None or not rto_gap(scenario, system_id) or objective is None:
        return []
    assert objective.rto is not None
    system = client.system(system_id)
    if system.hosting == "cloud":
        return []
    est = scenario.systems[system_id]
    ahead = [client.system(s).data.bytes for s in est.after]
    gap = _Gap(
        est,
        objective.rto.hours,
        sum(ahead, system.data.bytes),
        est.download,
        est.hardware,
        dr.download_bandwidth.bits_per_second if dr.download_bandwidth else Fraction(0),
    )
    found: list[Option | None] = []
    if gap.hardware:
        standby = recomputed(
            client,
            scenario.scenario,
            system_id,
            hardware=dr.hardware.model_copy(update={"standby": True}),
        )
        found.append(
            gap.option(
                "standby",
                "standby hardware",
                standby.total,
                f"keep replacement hardware on standby: no {units.format_hours(gap.hardware)} "
                "of procurement",
            )
        )
    if gap.download:
        found += [_link_option(client, scenario, gap, False), _courier_option(scenario, gap, False)]
    if dr.recovery_target == "client-site":
        found.append(_provider_cloud(client, scenario, gap))
    if gap.hardware and gap.download and not any(o and o.closes for o in found):
        found += [_link_option(client, scenario, gap, True), _courier_option(scenario, gap, True)]
    return sorted((o for o in found if o is not None), key=Option.sort_key)


def _provider_cloud(client: Client, scenario: ScenarioEstimate, gap: _Gap) -> Option | None:
    dr = client.disaster_recovery
    assert dr is not None
    agreed = dr.provisioning is not None and dr.provisioning.number > 0
    provisioning = dr.provisioning if agreed and dr.provisioning else PROVISIONING_ASSUMED
    est = recomputed(
        client,
        scenario.scenario,
        gap.est.system,
        recovery_target="provider-cloud",
        provisioning=provisioning,
    )
    if not est.recoverable or est.total >= gap.est.total:
        return None  # no offsite copy survives, or it would not be quicker
    assumed = "" if agreed else " (assumed)"
    return gap.option(
        "provider-cloud",
        "recovery into the provider's cloud",
        est.total,
        f"bring it up in the provider's infrastructure from its offsite copy: provisioning "
        f"{units.format_hours(provisioning.hours)}{assumed} instead of hardware, no download",
    )


# ------------------------------------------------------------------- the RPO


def _surviving_words(client: Client, scenario: Scenario) -> str:
    """The kind of copy that survives the scenario, as "an offsite copy" reads."""
    dr = client.disaster_recovery
    provider_cloud = dr is not None and dr.recovery_target == "provider-cloud"
    if scenario == "ransomware":
        return (
            "an immutable or offline offsite copy"
            if provider_cloud
            else "an immutable or offline copy"
        )
    if scenario == "server-failure" and not provider_cloud:
        return "a copy kept off the server itself"
    return "an offsite copy"


def rpo_options(client: Client, scenario: ScenarioEstimate, system_id: str) -> list[Option]:
    """The options that would meet the system's RPO, best first: back up more often to the
    copy it comes back from, or keep a surviving copy of a backup that already runs often
    enough. None when it meets its RPO."""
    if not rpo_gap(scenario, system_id):
        return []
    est = scenario.systems[system_id]
    objective = scenario.objectives(system_id)
    assert est.source is not None and objective is not None and objective.rpo is not None
    rpo, every = objective.rpo, est.source.every
    source = client.backups[est.source.backup]
    noun = SCENARIO_NOUNS[scenario.scenario]
    found = [
        Option(
            "backup-interval",
            "rpo",
            rpo.hours,
            False,
            rpo.hours,
            f"backups every {units.format_hours(rpo.hours)} to a copy that survives {noun}",
            f"run the {backup_name(client, source)} every {units.format_hours(rpo.hours)} "
            f"instead of every {units.format_hours(every.hours)}",
        )
    ]
    system = client.system(system_id)
    kept = {s.backup for s in surviving(client, scenario.scenario, system)}
    copy = _surviving_words(client, scenario.scenario)
    for i, backup in enumerate(client.backups):
        if system_id not in backup.systems or i in kept or backup.every.seconds > rpo.seconds:
            continue
        name = backup_name(client, backup)
        found.append(
            Option(
                "surviving-copy",
                "rpo",
                backup.every.hours,
                False,
                rpo.hours,
                f"{copy} of the {name} (every {units.format_hours(backup.every.hours)})",
                f"add {copy} to the {name}, which already runs every "
                f"{units.format_hours(backup.every.hours)}",
            )
        )
    return sorted(found, key=Option.sort_key)


# ------------------------------------------------------------------- hints


def line(option: Option) -> str:
    """One option as a quote lists it: "standby hardware: 13.7 h, meets it; keep
    replacement hardware on standby: no 48 h of procurement"."""
    result = option.verdict if option.gap == "rpo" else f"{option.result}, {option.verdict}"
    return f"{option.label}: {result}; {option.description}"


def rto_hint(found: list[Option]) -> str | None:
    """The best one or two options, one line: "standby hardware would bring it to 30.2 h;
    or a 500 Mbps link: 62 h"."""
    if not found:
        return None
    best = found[0]
    if best.lower_bound and not best.hours:
        text = f"{best.label} would leave only the {' and '.join(best.unknown)}"
    else:
        text = f"{best.label} would bring it to {best.result}"
    if best.outcome == "not enough":
        text += ", still over the RTO"
    elif best.outcome == "not determined":
        text += f", {best.verdict}"
    if len(found) > 1:
        second = found[1]
        text += f"; or {second.label}: {second.result}"
    return text
