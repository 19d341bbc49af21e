"""The recovery-time estimate after loss of the client's site.

Systems come back in the recovery order. An on-premises system waits for
replacement hardware, then for the download of its data and of every
on-premises system recovered before it (they share the one link), then the
restore, the network reconfiguration and the validation. A cloud-hosted system
needs no hardware and no link: only its restore and validation. All arithmetic
is exact (fractions of an hour).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from generator.format import units
from generator.format.model import CRITICALITY_RANK, Client, System

ZERO = Fraction(0)

PHASES: tuple[str, ...] = ("hardware", "download", "restore", "network", "validation")
"""The phases of a recovery, in the order they happen: the estimate adds them up,
the chart draws them and the hints name them in this order."""


@dataclass(frozen=True, slots=True)
class Estimate:
    """How long one system takes to come back, part by part, in hours."""

    system: str
    position: int  # 1-based place in the recovery order
    hardware: Fraction = ZERO
    download: Fraction = ZERO
    restore: Fraction = ZERO
    network: Fraction = ZERO
    validation: Fraction = ZERO
    # Systems whose downloads use the link before this one's.
    after: tuple[str, ...] = ()
    recoverable: bool = True
    reason: str | None = None

    @property
    def total(self) -> Fraction:
        return sum((self.parts().values()), ZERO)

    def parts(self) -> dict[str, Fraction]:
        """Each phase's hours, in the order of PHASES."""
        return {phase: getattr(self, phase) for phase in PHASES}


def offsite_backups(client: Client, system_id: str) -> list[int]:
    """Indexes of the backups that cover the system and keep a copy off the premises."""
    return [
        i
        for i, backup in enumerate(client.backups)
        if system_id in backup.systems and any(c.where == "offsite" for c in backup.copies)
    ]


def covered(client: Client) -> set[str]:
    return {s for backup in client.backups for s in backup.systems}


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


def _recoverable(client: Client, system: System) -> str | None:
    if system.id not in covered(client):
        return "no backup covers it"
    if system.hosting == "on-premises" and not offsite_backups(client, system.id):
        return "no backup of it keeps a copy off the premises"
    return None


def estimate(client: Client) -> dict[str, Estimate]:
    """The estimate for every system that is restored or has an objective, by system id."""
    dr = client.disaster_recovery
    if dr is None:
        return {}
    hardware = ZERO if dr.hardware.standby else dr.hardware.procurement.hours
    network = dr.network_reconfiguration.hours
    validation = dr.validation.hours if dr.validation else ZERO
    result: dict[str, Estimate] = {}
    on_link: list[System] = []
    order = recovery_order(client)
    wanted = order + [o.system for o in dr.objectives if o.system not in order]
    for position, system_id in enumerate(wanted, start=1):
        system = client.system(system_id)
        reason = _recoverable(client, system)
        if reason is not None:
            result[system_id] = Estimate(system_id, position, recoverable=False, reason=reason)
            continue
        restore = units.restore_hours(system.data, dr.restore_rate) if dr.restore_rate else ZERO
        if system.hosting == "cloud":
            result[system_id] = Estimate(
                system_id, position, restore=restore, validation=validation
            )
            continue
        after = tuple(s.id for s in on_link)
        on_link.append(system)
        download = sum(
            (units.transfer_hours(s.data, dr.download_bandwidth) for s in on_link), start=ZERO
        )
        result[system_id] = Estimate(
            system_id, position, hardware, download, restore, network, validation, after
        )
    return result
