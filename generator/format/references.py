"""Ids and references inside one client file: unique, resolvable, matching the file name.

Read from the file's plain data, not its model, so that a file with a wrong type
in one place and a dangling reference in another gets both findings in one
round. A list with an entry whose id cannot be read (a wrong type, a missing id)
is not used to judge references to it: the validation says what is wrong with
the entry, and a second finding about every reference to it would only repeat it.

A problem here makes the file not loadable (a `schema/...` finding): the rest of
Tripod may assume every reference resolves.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

from generator.format.model import is_id

Path_ = tuple[str | int, ...]


class Problem(NamedTuple):
    code: str
    path: Path_
    message: str
    hint: str | None = None
    first: Path_ | None = None  # for a duplicate: where the first one is


RESERVED_PARTIES = ("provider", "client")


def _text(value: Any) -> str | None:
    """A value as the models read text (a plain number keeps its spelling), or None."""
    source = getattr(value, "source", None)
    if isinstance(source, str):
        return source
    if isinstance(value, str) and not isinstance(value, bool):
        return value.strip()
    return None


def _map(data: Any, *path: str) -> dict[str, Any]:
    for key in path:
        data = data.get(key) if isinstance(data, dict) else None
    return data if isinstance(data, dict) else {}


def _list(data: dict[str, Any], key: str) -> tuple[Any, ...]:
    value = data.get(key)
    return value if isinstance(value, tuple) else ()


class _Ids(NamedTuple):
    found: list[tuple[Path_, str]]
    complete: bool  # every entry has an id that can be read


def _ids(data: dict[str, Any], key: str, required: bool) -> _Ids:
    items = data.get(key)
    if items is None:
        return _Ids([], not required)
    if not isinstance(items, tuple):
        return _Ids([], False)
    found: list[tuple[Path_, str]] = []
    complete = bool(items) or not required  # an empty list is a finding already
    for i, item in enumerate(items):
        value = _text(item.get("id")) if isinstance(item, dict) else None
        if value is None:
            complete = False
        else:
            found.append(((key, i, "id"), value))
    return _Ids(found, complete)


def _duplicates(ids: Iterable[tuple[Path_, str]], what: str) -> Iterator[Problem]:
    first: dict[str, Path_] = {}
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


def _dangling(path: Path_, value: Any, known: _Ids | list[_Ids], what: str) -> Iterator[Problem]:
    text = _text(value)
    lists = known if isinstance(known, list) else [known]
    # A reference that is not an id is reported as such by the validation.
    if text is None or not is_id(text) or not all(k.complete for k in lists):
        return
    names = list(dict.fromkeys(v for k in lists for _, v in k.found))
    if text in names:
        return
    close = difflib.get_close_matches(text, names, n=1, cutoff=0.6)
    hint = (
        f"did you mean {close[0]!r}?"
        if close
        else (f"known: {', '.join(names)}" if names else None)
    )
    yield Problem("schema/dangling-reference", path, f"{text!r} is not {what}", hint)


def _texts(items: Iterable[tuple[Path_, Any]]) -> Iterator[tuple[Path_, str]]:
    for path, value in items:
        text = _text(value)
        if text is not None:
            yield path, text


def _recovery_problems(dr: dict[str, Any], systems: _Ids, contacts: _Ids) -> list[Problem]:
    problems: list[Problem] = []
    add = problems.extend
    a_system, a_contact = "a system in this file", "a contact in this file"
    base: Path_ = ("disaster_recovery",)
    objectives = [
        ((*base, "objectives", i, "system"), o["system"])
        for i, o in enumerate(_list(dr, "objectives"))
        if isinstance(o, dict) and "system" in o
    ]
    for path, system in objectives:
        add(_dangling(path, system, systems, a_system))
    add(_duplicates(_texts(objectives), "an objective for the system"))
    order = [((*base, "recovery_order", i), s) for i, s in enumerate(_list(dr, "recovery_order"))]
    for path, system in order:
        add(_dangling(path, system, systems, a_system))
    add(_duplicates(_texts(order), "the place in the recovery order of"))
    invocation = _map(dr, "invocation")
    if "client" in invocation:
        add(_dangling((*base, "invocation", "client"), invocation["client"], contacts, a_contact))
    for system in _map(dr, "test", "measured"):
        add(_dangling((*base, "test", "measured", system), system, systems, a_system))
    for name, settings in _map(dr, "scenarios").items():
        if not isinstance(settings, dict):
            continue
        at: Path_ = (*base, "scenarios", name)
        own = [
            ((*at, "objectives", i, "system"), o["system"])
            for i, o in enumerate(_list(settings, "objectives"))
            if isinstance(o, dict) and "system" in o
        ]
        for path, system in own:
            add(_dangling(path, system, systems, a_system))
        add(_duplicates(_texts(own), f"an objective in {name} for the system"))
        if settings.get("covered") is False and _text(settings.get("reason")) is None:
            problems.append(
                Problem(
                    "schema/missing-field",
                    (*at, "covered"),
                    f"{name} is not covered but gives no reason: the agreement prints why",
                    "add reason: ..., in words the client reads",
                )
            )
    return problems


def _continuity_problems(bc: dict[str, Any], contacts: _Ids, third: _Ids) -> list[Problem]:
    problems: list[Problem] = []
    add = problems.extend
    if bc.get("owner") is not None:
        add(
            _dangling(
                ("business_continuity", "owner"),
                bc["owner"],
                [contacts, third],
                "a contact or third party in this file",
            )
        )
    if bc.get("specialist") is not None:
        add(
            _dangling(
                ("business_continuity", "specialist"),
                bc["specialist"],
                third,
                "a third party in this file",
            )
        )
    return problems


def reference_problems(data: dict[str, Any], stem: str) -> list[Problem]:
    """The id and reference problems of a client file's data (as the reader gives it)."""
    problems: list[Problem] = []
    add = problems.extend
    client_id = _text(data.get("id"))
    if client_id is not None and is_id(client_id) and client_id != stem:
        fix = f"rename the file to {client_id}.yaml"
        if is_id(stem):
            fix += f" or set id: {stem}"
        problems.append(
            Problem(
                "schema/file-name",
                ("id",),
                f"id {client_id!r} differs from the file name {stem!r}",
                fix,
            )
        )
    contacts = _ids(data, "contacts", required=True)
    third = _ids(data, "third_parties", required=False)
    systems = _ids(data, "systems", required=True)
    add(_duplicates([*contacts.found, *third.found], "the contact or third party"))
    for path, value in third.found:
        if value in RESERVED_PARTIES:
            problems.append(
                Problem(
                    "schema/reserved-id",
                    path,
                    f"{value!r} names a party of the agreement",
                    "choose another id for this third party",
                )
            )
    add(_duplicates(systems.found, "the system"))
    add(_duplicates(_ids(data, "backups", required=False).found, "the backup"))
    a_system, a_contact = "a system in this file", "a contact in this file"

    signatories = _map(data, "agreement", "signatories")
    if "client" in signatories:
        add(
            _dangling(
                ("agreement", "signatories", "client"), signatories["client"], contacts, a_contact
            )
        )
    for i, backup in enumerate(_list(data, "backups")):
        covered = _list(backup, "systems") if isinstance(backup, dict) else ()
        paths = [(("backups", i, "systems", j), s) for j, s in enumerate(covered)]
        for path, system in paths:
            add(_dangling(path, system, systems, a_system))
        add(_duplicates(_texts(paths), "the system"))

    add(_recovery_problems(_map(data, "disaster_recovery"), systems, contacts))
    add(_continuity_problems(_map(data, "business_continuity"), contacts, third))
    acknowledged = _list(data, "acknowledged")
    for i, ack in enumerate(acknowledged):
        if not isinstance(ack, dict):
            continue
        if "system" in ack:
            add(_dangling(("acknowledged", i, "system"), ack["system"], systems, a_system))
        if "accepted_by" in ack:
            add(
                _dangling(
                    ("acknowledged", i, "accepted_by"), ack["accepted_by"], contacts, a_contact
                )
            )
    gaps = [
        (
            ("acknowledged", i),
            f"{_text(a.get('check'))} for {_text(a.get('system'))}"
            + (f" in {_text(a.get('scenario'))}" if a.get("scenario") is not None else ""),
        )
        for i, a in enumerate(acknowledged)
        if isinstance(a, dict) and _text(a.get("check")) and _text(a.get("system"))
    ]
    add(_duplicates(gaps, "the acknowledgement"))
    rows = [
        (("responsibilities", i, "activity"), r.get("activity"))
        for i, r in enumerate(_list(data, "responsibilities"))
        if isinstance(r, dict)
    ]
    add(_duplicates(_texts(rows), "the responsibility row"))
    excluded = [
        (("exclusions", i, "system"), e["system"])
        for i, e in enumerate(_list(data, "exclusions"))
        if isinstance(e, dict) and "system" in e
    ]
    for path, system in excluded:
        add(_dangling(path, system, systems, a_system))
    add(_duplicates(_texts(excluded), "the exclusion of"))
    return problems
