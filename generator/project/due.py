"""What comes due across the portfolio: restore tests, DR tests, business continuity
plan reviews, agreement ends and agreements awaiting the client's signature.

`due_items` lists them, overdue first, then by due date; `calendar` writes them as
an iCalendar file, one all-day event per item. The due dates of the tests and the
review come from the same arithmetic as the overdue rules (`generator.rules.check`),
so the list and the findings never disagree. docs/due.md describes both outputs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from generator.evidence.store import Evidence
from generator.format.model import Client
from generator.format.names import backup_name
from generator.format.units import Duration, format_duration
from generator.project.record import ClientRecord, Portfolio
from generator.rules.agreement import COUNTERSIGNATURE_WAIT
from generator.rules.check import due_on, last_dr_test, last_restore_test
from generator.terms import archive

Kind = Literal["restore-test", "dr-test", "bc-review", "renewal", "countersignature"]
KINDS: tuple[Kind, ...] = ("restore-test", "dr-test", "bc-review", "renewal", "countersignature")
UID_DOMAIN = "tripod"


@dataclass(frozen=True, slots=True)
class Item:
    """One thing coming due for one client."""

    client: str  # the client's id
    client_name: str
    kind: Kind
    subject: str  # the id of what is due: a backup id, or the leg or the agreement
    what: str  # in words: "Restore test of the Practice server backup"
    due: dt.date
    overdue: bool
    last: dt.date | None = None  # when it was last done (tests and the review)
    every: Duration | None = None
    version: int | None = None  # the agreement version (renewals, countersignatures)
    never: bool = False  # never done: due now

    @property
    def uid(self) -> str:
        """Stable across builds: the obligation, not its date, so a calendar that imports
        the file again moves the event instead of adding one."""
        return f"{self.kind}.{self.subject}.{self.client}@{UID_DOMAIN}"

    @property
    def summary(self) -> str:
        return f"{self.client_name}: {self.what}"

    @property
    def status(self) -> str:
        """ "overdue since 2026-12-13", "never done", or nothing."""
        if self.never:
            return "never done"
        if not self.overdue:
            return ""
        if self.kind == "renewal":
            return f"ended on {self.due.isoformat()}"
        return f"overdue since {self.due.isoformat()}"

    @property
    def details(self) -> str:
        """What the item rests on, in a sentence or two."""
        if self.kind in ("renewal", "countersignature"):
            words = (
                f"Agreement version {self.version} ends on {self.due.isoformat()}."
                if self.kind == "renewal"
                else f"Agreement version {self.version} was issued and awaits the client's "
                f"signature, due by {self.due.isoformat()}."
            )
        else:
            every = f"every {format_duration(self.every)}" if self.every else ""
            done = f"last done on {self.last.isoformat()}" if self.last else "never done"
            words = f"{self.what}, {every}: {done}; due on {self.due.isoformat()}."
            if self.never:
                words = f"{self.what}, {every}: never done, so due now."
        return f"{words} Overdue." if self.overdue and not self.never else words

    def sort_key(self) -> tuple[bool, dt.date, str, int, str]:
        return (not self.overdue, self.due, self.client_name, KINDS.index(self.kind), self.subject)

    def as_json(self) -> dict[str, object]:
        return {
            "client": self.client,
            "client_name": self.client_name,
            "kind": self.kind,
            "subject": self.subject,
            "what": self.what,
            "due": self.due.isoformat(),
            "overdue": self.overdue,
            "last": self.last.isoformat() if self.last else None,
            "version": self.version,
            "uid": self.uid,
        }


def _scheduled(
    client: Client,
    kind: Kind,
    subject: str,
    what: str,
    last: dt.date | None,
    every: Duration,
    today: dt.date,
) -> Item:
    due = due_on(last, every)
    never = due is None
    day = today if due is None else due
    return Item(
        client.id,
        client.name,
        kind,
        subject,
        what,
        day,
        never or day < today,
        last,
        every,
        never=never,
    )


def client_items(
    client: Client,
    evidence: Evidence,
    issued: list[archive.Issued],
    today: dt.date,
    signed_on: dt.date | None = None,
) -> list[Item]:
    """Everything coming due for one client, as of `today`, in no order. `signed_on` is
    the day the provider signed the newest issued version, where known: its client's
    signature is due 30 days later, when `countersignature-pending` speaks up (else on
    its effective date)."""
    found: list[Item] = []
    for backup in client.backups:
        if backup.restore_test is None:
            continue
        last = last_restore_test(backup, evidence, today)
        what = f"Restore test of the {backup_name(client, backup)}"
        every = backup.restore_test.every
        found.append(_scheduled(client, "restore-test", backup.id, what, last, every, today))
    dr = client.disaster_recovery
    if dr is not None and dr.test is not None:
        last = last_dr_test(client, evidence, today)
        found.append(
            _scheduled(
                client, "dr-test", "disaster-recovery", "DR test", last, dr.test.every, today
            )
        )
    bc = client.business_continuity
    what = "Business continuity plan review"
    found.append(
        _scheduled(
            client,
            "bc-review",
            "business-continuity",
            what,
            bc.plan_reviewed,
            bc.review_every,
            today,
        )
    )
    if issued:
        newest = issued[-1]
        terms = archive.client_of(newest).agreement
        ends = terms.last_day
        found.append(
            Item(
                client.id,
                client.name,
                "renewal",
                "agreement",
                f"Agreement {newest.label} ends",
                ends,
                ends < today,
                version=newest.number,
            )
        )
        if not newest.executed:
            starts = signed_on + COUNTERSIGNATURE_WAIT if signed_on else terms.effective
            what = f"Agreement {newest.label} awaits the client's signature"
            found.append(
                Item(
                    client.id,
                    client.name,
                    "countersignature",
                    "agreement",
                    what,
                    starts,
                    starts < today,
                    version=newest.number,
                )
            )
    return found


def due_items(portfolio: Portfolio, today: dt.date, within: Duration | None = None) -> list[Item]:
    """Everything coming due across the portfolio's loadable clients, overdue first, then
    by due date. With `within`, only what is due by `today` plus that (overdue always)."""
    found: list[Item] = []
    for record in portfolio.clients:
        found += record_items(record, today)
    if within is not None:
        until = within.after(today)
        found = [i for i in found if i.overdue or i.due <= until]
    return sorted(found, key=Item.sort_key)


def record_items(record: ClientRecord, today: dt.date) -> list[Item]:
    client = record.client
    if client is None:
        return []
    versions = record.lifecycle_versions
    signed_on = versions[-1].signed_on if versions else None
    return client_items(client, record.evidence, record.issued, today, signed_on)


def calendar(items: list[Item], today: dt.date, name: str) -> bytes:
    """The items as an iCalendar file: one all-day event per item on its due date.

    Each event's UID is the item's (stable, so importing the file again updates the
    events); DTSTAMP is the start of `today` (the build date) in UTC, so two builds on
    the same day from the same files give the same bytes."""
    return calendar_of([event(item, today) for item in items], name)


def event(item: Item, today: dt.date) -> bytes:
    """One item as an iCalendar event (the lines between BEGIN:VEVENT and END:VEVENT, those
    included), stamped with the start of `today` in UTC: written once per item and
    put together with `calendar_of`."""
    import icalendar

    made = icalendar.Event()
    made.add("uid", item.uid)
    made.add("dtstamp", dt.datetime.combine(today, dt.time(0), dt.UTC))
    made.add("dtstart", item.due)
    made.add("dtend", item.due + dt.timedelta(days=1))
    made.add("summary", item.summary)
    made.add("description", item.details)
    made.add("categories", [item.kind])
    made.add("transp", "TRANSPARENT")
    written: bytes = made.to_ical()
    return written


def calendar_of(events: Iterable[bytes], name: str) -> bytes:
    """An iCalendar file of events written by `event`, in their order."""
    import icalendar

    cal = icalendar.Calendar()
    cal.add("prodid", "-//Tripod//due//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    empty: bytes = cal.to_ical()
    end = b"END:VCALENDAR\r\n"
    assert empty.endswith(end)
    return empty[: -len(end)] + b"".join(events) + end


def due_calendar(portfolio: Portfolio, today: dt.date) -> bytes:
    """Everything coming due across the portfolio as an iCalendar file: what `tripod due
    --format ics` prints and the build writes as site/internal/due.ics."""
    return calendar(due_items(portfolio, today), today, calendar_name(portfolio))


def calendar_name(portfolio: Portfolio) -> str:
    provider = portfolio.provider.model
    return f"{provider.name if provider else 'Tripod'}: coming due"
