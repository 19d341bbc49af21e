"""Ids and references inside one client file: unique, resolvable, matching the file name.

A problem here makes the file not loadable (a `schema/...` finding): the rest of
Tripod may assume every reference resolves.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from typing import NamedTuple

from generator.format.model import Client, is_id

Path_ = tuple[str | int, ...]


class Problem(NamedTuple):
    code: str
    path: Path_
    message: str
    hint: str | None = None
    first: Path_ | None = None  # for a duplicate: where the first one is


RESERVED_PARTIES = ("provider", "client")


def _duplicates(ids: Iterable[tuple[Path_, str]], what: str) -> Iterator[Problem]:
    first: dict[str, tuple[str | int, ...]] = {}
    for path, value in ids:
        if value in first:
            yield Problem(
                "schema/duplicate-id",
                path,
                f"{what} {value!r} is defined twice",
                None,
                first[value],
            )
        else:
            first[value] = path


def _dangling(
    path: tuple[str | int, ...], value: str, known: Iterable[str], what: str
) -> Iterator[Problem]:
    names = list(dict.fromkeys(known))
    if value in names:
        return
    close = difflib.get_close_matches(value, names, n=1, cutoff=0.6)
    hint = (
        f"did you mean {close[0]!r}?"
        if close
        else (f"known: {', '.join(names)}" if names else None)
    )
    yield Problem("schema/dangling-reference", path, f"{value!r} is not {what}", hint)


def reference_problems(client: Client, stem: str) -> list[Problem]:
    problems: list[Problem] = []
    add = problems.extend
    if client.id != stem:
        fix = f"rename the file to {client.id}.yaml"
        if is_id(stem):
            fix += f" or set id: {stem}"
        problems.append(
            Problem(
                "schema/file-name",
                ("id",),
                f"id {client.id!r} differs from the file name {stem!r}",
                fix,
            )
        )
    people = [(("contacts", i, "id"), c.id) for i, c in enumerate(client.contacts)]
    others = [(("third_parties", i, "id"), t.id) for i, t in enumerate(client.third_parties)]
    add(_duplicates([*people, *others], "the contact or third party"))
    for path, value in others:
        if value in RESERVED_PARTIES:
            problems.append(
                Problem(
                    "schema/reserved-id",
                    path,
                    f"{value!r} names a party of the agreement",
                    "choose another id for this third party",
                )
            )
    add(
        _duplicates(
            ((("systems", i, "id"), s.id) for i, s in enumerate(client.systems)), "the system"
        )
    )
    add(
        _duplicates(
            ((("backups", i, "id"), b.id) for i, b in enumerate(client.backups)), "the backup"
        )
    )

    systems = [s.id for s in client.systems]
    contacts = [c.id for c in client.contacts]
    third = [t.id for t in client.third_parties]
    a_system, a_contact = "a system in this file", "a contact in this file"

    add(
        _dangling(
            ("agreement", "signatories", "client"),
            client.agreement.signatories.client,
            contacts,
            a_contact,
        )
    )
    for i, backup in enumerate(client.backups):
        for j, system in enumerate(backup.systems):
            add(_dangling(("backups", i, "systems", j), system, systems, a_system))
        add(
            _duplicates(
                ((("backups", i, "systems", j), s) for j, s in enumerate(backup.systems)),
                "the system",
            )
        )

    dr = client.disaster_recovery
    if dr is not None:
        base = ("disaster_recovery",)
        for i, objective in enumerate(dr.objectives):
            add(_dangling((*base, "objectives", i, "system"), objective.system, systems, a_system))
        add(
            _duplicates(
                (
                    ((*base, "objectives", i, "system"), o.system)
                    for i, o in enumerate(dr.objectives)
                ),
                "an objective for the system",
            )
        )
        for i, system in enumerate(dr.recovery_order or ()):
            add(_dangling((*base, "recovery_order", i), system, systems, a_system))
        add(
            _duplicates(
                (((*base, "recovery_order", i), s) for i, s in enumerate(dr.recovery_order or ())),
                "the place in the recovery order of",
            )
        )
        add(_dangling((*base, "invocation", "client"), dr.invocation.client, contacts, a_contact))
        if dr.test is not None:
            for system in dr.test.measured:
                add(_dangling((*base, "test", "measured", system), system, systems, a_system))

    bc = client.business_continuity
    if bc.owner is not None:
        add(
            _dangling(
                ("business_continuity", "owner"),
                bc.owner,
                [*contacts, *third],
                "a contact or third party in this file",
            )
        )
    if bc.specialist is not None:
        add(
            _dangling(
                ("business_continuity", "specialist"),
                bc.specialist,
                third,
                "a third party in this file",
            )
        )

    for i, ack in enumerate(client.acknowledged):
        add(_dangling(("acknowledged", i, "system"), ack.system, systems, a_system))
        add(_dangling(("acknowledged", i, "accepted_by"), ack.accepted_by, contacts, a_contact))
    add(
        _duplicates(
            (
                (("acknowledged", i), f"{a.check} for {a.system}")
                for i, a in enumerate(client.acknowledged)
            ),
            "the acknowledgement",
        )
    )
    add(
        _duplicates(
            (
                (("responsibilities", i, "activity"), r.activity)
                for i, r in enumerate(client.responsibilities)
            ),
            "the responsibility row",
        )
    )
    excluded = [
        (("exclusions", i, "system"), e.system)
        for i, e in enumerate(client.exclusions)
        if not isinstance(e, str)
    ]
    for path, system in excluded:
        add(_dangling(path, system, systems, a_system))
    add(_duplicates(excluded, "the exclusion of"))
    return problems
