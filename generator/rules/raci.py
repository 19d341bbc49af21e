"""The responsibility matrix: who is responsible, accountable, consulted and informed.

Backup and disaster recovery are the provider's; declaring a disaster and
business continuity are the client's (done by the BC specialist where one is
named). A row in the client file replaces the default row for its activity.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.format.model import Client, Responsibility

ACTIVITIES: dict[str, str] = {
    "backup-configure": "Configure the backups",
    "backup-monitor": "Monitor the backups and act on failures",
    "offsite-copies": "Keep the offsite copies",
    "restore-tests": "Test restores on schedule",
    "backup-keys": "Keep the backup encryption keys recoverable",
    "dr-plan": "Maintain the disaster recovery plan",
    "procure-hardware": "Procure replacement hardware",
    "restore-systems": "Restore the systems",
    "reconfigure-network": "Reconfigure the network",
    "dr-tests": "Test disaster recovery on schedule",
    "declare-disaster": "Declare a disaster",
    "bc-plan": "Maintain the business continuity plan",
    "alternate-workplace": "Provide the alternate workplace",
    "staff-communications": "Communicate with staff, customers and suppliers",
    "staff-access": "Arrange how staff reach their information",
}
LEG: dict[str, str] = {
    **dict.fromkeys(
        ("backup-configure", "backup-monitor", "offsite-copies", "restore-tests", "backup-keys"),
        "backup",
    ),
    **dict.fromkeys(
        (
            "dr-plan",
            "procure-hardware",
            "restore-systems",
            "reconfigure-network",
            "dr-tests",
            "declare-disaster",
        ),
        "disaster recovery",
    ),
    **dict.fromkeys(
        ("bc-plan", "alternate-workplace", "staff-communications", "staff-access"),
        "business continuity",
    ),
}
BC_ACTIVITIES = ("bc-plan", "alternate-workplace", "staff-communications", "staff-access")


@dataclass(frozen=True, slots=True)
class Row:
    activity: str
    responsible: tuple[str, ...]
    accountable: str | None
    consulted: tuple[str, ...] = ()
    informed: tuple[str, ...] = ()
    overridden: bool = False

    @property
    def title(self) -> str:
        return ACTIVITIES[self.activity]

    @property
    def leg(self) -> str:
        return LEG[self.activity]

    def letters(self, party: str) -> str:
        """The RACI letters this party has in the row, such as "RA"."""
        return "".join(
            letter
            for letter, present in (
                ("R", party in self.responsible),
                ("A", party == self.accountable),
                ("C", party in self.consulted),
                ("I", party in self.informed),
            )
            if present
        )


def default_row(client: Client, activity: str) -> Row:
    if activity in BC_ACTIVITIES:
        doer = client.business_continuity.specialist or "client"
        return Row(activity, (doer,), "client")
    if activity == "declare-disaster":
        return Row(activity, ("client",), "client", consulted=("provider",))
    return Row(activity, ("provider",), "provider")


def matrix(client: Client) -> list[Row]:
    """Every activity's row, in the default order, with the file's rows in place."""
    overrides: dict[str, Responsibility] = {r.activity: r for r in client.responsibilities}
    rows = []
    for activity in ACTIVITIES:
        override = overrides.get(activity)
        if override is None:
            rows.append(default_row(client, activity))
        else:
            rows.append(
                Row(
                    activity,
                    override.responsible,
                    override.accountable,
                    override.consulted,
                    override.informed,
                    overridden=True,
                )
            )
    return rows


def parties(client: Client) -> list[str]:
    """The matrix's columns: provider, client, then each third party."""
    return ["provider", "client", *(t.id for t in client.third_parties)]
