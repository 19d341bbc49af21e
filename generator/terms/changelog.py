"""What changed between two versions' terms, in plain words.

Both sides are terms as archived (plain data). Lists of things with an id
(systems, backups, contacts, objectives by system, responsibility rows by
activity) are compared by id, so a reordered list is no change and a renamed
system reads as one change. Each change is one line such as
"Hosted mail: RTO 24 h → 12 h". A scenario's effective parameter that changed
while the file did not (a built-in default such as the courier time) reads as
"Loss of the site: courier time 1 d → 2 d (default)".
"""

from __future__ import annotations

import itertools
from typing import Any

from generator.format.names import CHECKS, capitalised, joined, word

# How a field is called in a sentence.
_LABELS = {
    "name": "name",
    "legal_name": "legal name",
    "address": "address",
    "data": "data",
    "criticality": "criticality",
    "hosting": "hosting",
    "method": "method",
    "every": "interval",
    "retention": "retention",
    "encrypted": "encryption",
    "copies": "copies",
    "systems": "systems covered",
    "restore_test": "restore test",
    "recovery_site": "recovery site",
    "procurement": "hardware procurement",
    "standby": "standby hardware",
    "download_bandwidth": "download link",
    "restore_rate": "restore rate",
    "network_reconfiguration": "network reconfiguration",
    "validation": "validation",
    "recovery_order": "recovery order",
    "rto": "RTO",
    "rpo": "RPO",
    "mtd": "MTD",
    "owner": "owner",
    "specialist": "specialist",
    "alternate_workplace": "alternate workplace",
    "staff_access": "staff access",
    "communications": "communications",
    "review_every": "plan review interval",
    "effective": "effective date",
    "term": "term",
    "version": "version",
    "role": "role",
    "responsible": "responsible",
    "accountable": "accountable",
    "consulted": "consulted",
    "informed": "informed",
    "client": "client",
    "provider": "provider",
    "title": "title",
    "reason": "reason",
    "accepted_by": "accepted by",
    "recovery_target": "recovery target",
    "provisioning": "provisioning",
    "courier": "courier time",
    "covered": "covered",
    "investigation": "investigation time",
    "dwell_time": "dwell time",
    "cloud": "cloud systems lost",
    "replace_hardware": "hardware replaced",
    "scenario": "scenario",
}
_SCENARIOS = {
    "server-failure": "server failure",
    "site-loss": "loss of the site",
    "ransomware": "ransomware",
    "cloud-account-loss": "loss of a cloud account",
}
_KEYS = ("id", "system", "activity")
_SYSTEM_REFS = ("systems", "recovery_order")
_PEOPLE_REFS = (
    "owner",
    "specialist",
    "client",
    "accepted_by",
    "responsible",
    "accountable",
    "consulted",
    "informed",
)


def _words(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_words(v) for v in value) if value else "none"
    if isinstance(value, dict) and "where" in value and "location" in value:  # a backup copy
        kept = [k.replace("_", " ") for k in ("immutable", "offline", "on_system") if value.get(k)]
        marks = f" ({', '.join(kept)})" if kept else ""
        return f"{value['where']} at {value['location']}{marks}"
    if isinstance(value, dict):
        return "; ".join(f"{_LABELS.get(k, k)} {_words(v)}" for k, v in value.items())
    return str(value)


def _keyed(items: list[Any]) -> dict[str, Any] | None:
    """A list of mappings that each carry an id, as a mapping by that id; else None."""
    if not items or not all(isinstance(i, dict) for i in items):
        return None
    for key in _KEYS:
        if all(key in i for i in items):
            ids = [str(i[key]) for i in items]
            if len(set(ids)) == len(ids):
                return {i: item for i, item in zip(ids, items, strict=True)}
    return None


class _Differ:
    def __init__(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        self.names: dict[str, str] = {}
        self.people: dict[str, str] = {"provider": "the provider", "client": "the client"}
        for side in (old, new):
            client = side["client"]
            self.names.update({s["id"]: s["name"] for s in client.get("systems", [])})
            for group in ("contacts", "third_parties"):
                self.people.update({p["id"]: p["name"] for p in client.get(group, [])})
        # A backup as the client calls it: its name, or its systems' names.
        self.backups: dict[str, str] = {}
        for side in (old, new):
            for b in side["client"].get("backups", []):
                systems = [self.names.get(s, s) for s in b.get("systems", [])]
                self.backups[b["id"]] = b.get("name") or joined(systems) + " backup"
        self.changes: list[str] = []

    def value(self, field: str, value: Any) -> str:
        """A value in words, with ids of systems and people replaced by their names."""
        if field in _SYSTEM_REFS:
            refs = value if isinstance(value, list) else [value]
            return ", ".join(self.names.get(str(r), str(r)) for r in refs) if refs else "none"
        if field in _PEOPLE_REFS and value is not None:
            refs = value if isinstance(value, list) else [value]
            return ", ".join(self.people.get(str(r), str(r)) for r in refs) if refs else "none"
        return _words(value)

    def subject(self, where: tuple[str, ...]) -> str:
        """Who a change is about, in words: a system's name, a backup's id, a section."""
        system = next((w for w in reversed(where) if w.startswith("system:")), None)
        scenario = next(
            (_SCENARIOS.get(b, b) for a, b in itertools.pairwise(where) if a == "scenarios"), None
        )
        if system:
            name = self.names.get(system[7:], system[7:])
            return f"{name}, {scenario}" if scenario else name
        if scenario:
            return f"Disaster recovery, {scenario}"
        if "signatory" in where or ("signatories" in where and "provider" in where):
            return "Provider signatory"
        sections = {
            "disaster_recovery": "Disaster recovery",
            "business_continuity": "Business continuity",
            "agreement": "Agreement",
            "provider": "Provider",
        }
        for part in reversed(where):
            if ":" in part:
                kind, key = part.split(":", 1)
                if kind == "backup":
                    return capitalised(self.backups.get(key, key))
                return f"{kind[:1].upper()}{kind[1:]} {key}"
            if part in sections:
                return sections[part]
        return "Client"

    def compare(self, old: Any, new: Any, where: tuple[str, ...], field: str) -> None:
        if old == new:
            return
        old, new = _same_kind(old, new, field == "scenarios" or "scenarios" in where)
        if isinstance(old, dict) and isinstance(new, dict):
            for key in dict.fromkeys([*old, *new]):
                self.compare(old.get(key), new.get(key), (*where, field) if field else where, key)
            return
        if isinstance(old, list) and isinstance(new, list):
            before, after = _keyed(old), _keyed(new)
            if before is None and not old and after is not None:
                before = {}
            if after is None and not new and before is not None:
                after = {}
            if before is not None and after is not None:
                kind = {
                    "systems": "system",
                    "backups": "backup",
                    "objectives": "system",
                    "contacts": "contact",
                    "third_parties": "third party",
                    "responsibilities": "activity",
                    "acknowledged": "system",
                }.get(field, field)
                for key in dict.fromkeys([*before, *after]):
                    label = f"{kind}:{key}"
                    context = self.scenario_note(where, field)
                    if key not in before:
                        self.changes.append(f"{self.added(field, key, after[key])}{context}")
                    elif key not in after:
                        self.changes.append(f"{self.removed(field, key, before[key])}{context}")
                    else:
                        self.compare(before[key], after[key], (*where, field, label), "")
                return
        subject = self.subject(where)
        label = _LABELS.get(field, field.replace("_", " "))
        parent = where[-1] if where else ""
        if field == "every" and parent in ("restore_test", "test"):
            label = "restore test interval" if parent == "restore_test" else "DR test interval"
        elif field == "client" and parent in ("signatories", "invocation"):
            label = "client signatory" if parent == "signatories" else "who may declare a disaster"
        if old is None:
            self.changes.append(f"{subject}: {label} set to {self.value(field, new)}")
        elif new is None:
            self.changes.append(f"{subject}: {label} {self.value(field, old)} removed")
        else:
            self.changes.append(
                f"{subject}: {label} {self.value(field, old)} → {self.value(field, new)}"
            )

    def scenario_note(self, where: tuple[str, ...], field: str) -> str:
        """ " (ransomware)" for a change inside a scenario's settings, else nothing."""
        scenario = self.subject((*where, field)).partition(", ")[2]
        return f" ({scenario})" if "scenarios" in where and scenario else ""

    def what(self, field: str, key: str, item: dict[str, Any]) -> str:
        if field in ("systems", "objectives", "acknowledged", "exclusions"):
            system = str(item.get("id") if field == "systems" else item.get("system", key))
            name = self.names.get(system, system)
            return {
                "systems": f"system {name}",
                "objectives": f"DR objective for {name}",
                "acknowledged": f"accepted gap for {name} ({word(CHECKS, item.get('check', ''))})",
                "exclusions": f"exclusion of {name}",
            }.get(field, name)
        return {
            "backups": self.backups.get(key, f"backup {key}"),
            "contacts": f"contact {item.get('name', key)}",
            "third_parties": f"third party {item.get('name', key)}",
            "responsibilities": f"responsibility row {key}",
        }.get(field, f"{field} {key}")

    def added(self, field: str, key: str, item: dict[str, Any]) -> str:
        return f"Added {self.what(field, key, item)}"

    def removed(self, field: str, key: str, item: dict[str, Any]) -> str:
        return f"Removed {self.what(field, key, item)}"


def _same_kind(old: Any, new: Any, scenario: bool) -> tuple[Any, Any]:
    """A list where there was none (or the reverse) compared as an empty list; likewise a
    scenario tuned or given objectives where it was not, compared setting by setting."""
    kinds = (list, dict) if scenario else (list,)
    for kind in kinds:
        if isinstance(old, kind) and new is None:
            return old, kind()
        if isinstance(new, kind) and old is None:
            return kind(), new
    return old, new


def _dig(data: Any, *path: str) -> Any:
    """The value at `path`, through mappings and lists of things with an id; None if absent."""
    for key in path:
        if isinstance(data, list):
            data = (_keyed(data) or {}).get(key)
        elif isinstance(data, dict):
            data = data.get(key)
        else:
            return None
    return data


def _defaults(differ: _Differ, old: dict[str, Any], new: dict[str, Any]) -> None:
    """Each change of a scenario's effective parameters that the client file does not
    account for: a built-in default that differs between the two versions. What the
    file changed is already said once, so its copies in every scenario are not repeated."""
    old_dr = old["client"].get("disaster_recovery")
    new_dr = new["client"].get("disaster_recovery")
    if (old_dr is None) != (new_dr is None):
        return  # the whole section came or went, and the comparison of the files says so

    def given(*paths: tuple[str, ...]) -> bool:
        """Whether the file changed any of the values an effective parameter comes from."""
        return any(_dig(old_dr, *p) != _dig(new_dr, *p) for p in paths)

    before_all, after_all = old["scenarios"], new["scenarios"]
    for name in dict.fromkeys([*_SCENARIOS, *before_all, *after_all]):  # in the order shown
        before, after = before_all.get(name), after_all.get(name)
        if before == after:
            continue
        words = _SCENARIOS.get(name, name)
        if before is None or after is None:
            if (after or {}).get("covered"):
                differ.changes.append(f"Recovery is now agreed for {words}")
            elif (before or {}).get("covered"):
                differ.changes.append(f"Recovery is no longer agreed for {words}")
            continue
        lines: list[str] = []
        for field in dict.fromkeys([*before, *after]):
            was, now = before.get(field), after.get(field)
            if was == now:
                continue
            if field == "objectives":
                was, now = was or {}, now or {}
                for system in dict.fromkeys([*was, *now]):
                    for limit in ("rto", "rpo", "mtd"):
                        a, b = _dig(was, system, limit), _dig(now, system, limit)
                        own = ("scenarios", name, "objectives", system, limit)
                        if a == b or given(("objectives", system, limit), own):
                            continue
                        system_name = differ.names.get(system, system)
                        lines.append(f"{system_name} {_LABELS[limit]} {_words(a)} → {_words(b)}")
            elif not given((field,), ("scenarios", name, field)):
                label = _LABELS.get(field, field.replace("_", " "))
                lines.append(f"{label} {differ.value(field, was)} → {differ.value(field, now)}")
        differ.changes += [f"{capitalised(words)}: {line} (default)" for line in lines]


def changelog(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """The changes from `old` terms to `new` terms, one plain sentence each."""
    differ = _Differ(old, new)
    old_client, new_client = dict(old["client"]), dict(new["client"])
    # The version number always changes; it says nothing.
    old_client["agreement"] = {
        k: v for k, v in old_client.get("agreement", {}).items() if k != "version"
    }
    new_client["agreement"] = {
        k: v for k, v in new_client.get("agreement", {}).items() if k != "version"
    }
    old_exclusions = old_client.pop("exclusions", [])
    new_exclusions = new_client.pop("exclusions", [])
    differ.compare(old.get("provider"), new.get("provider"), (), "provider")
    differ.compare(old_client, new_client, (), "")
    before = [e for e in old_exclusions if isinstance(e, str)]
    after = [e for e in new_exclusions if isinstance(e, str)]
    differ.changes += [f"Added exclusion: {e}" for e in after if e not in before]
    differ.changes += [f"Removed exclusion: {e}" for e in before if e not in after]
    systems_before = {e["system"]: e["reason"] for e in old_exclusions if isinstance(e, dict)}
    systems_after = {e["system"]: e["reason"] for e in new_exclusions if isinstance(e, dict)}
    for system in dict.fromkeys([*systems_before, *systems_after]):
        name = differ.names.get(system, system)
        if system not in systems_before:
            differ.changes.append(f"Added exclusion of {name}: {systems_after[system]}")
        elif system not in systems_after:
            differ.changes.append(f"Removed exclusion of {name}")
        elif systems_before[system] != systems_after[system]:
            differ.changes.append(
                f"{name}: exclusion reason {systems_before[system]} → {systems_after[system]}"
            )
    if "scenarios" in old and "scenarios" in new:
        _defaults(differ, old, new)
    elif "scenarios" not in old and "scenarios" in new:
        # Terms issued before scenarios covered loss of the site only.
        scenarios = new["scenarios"]
        others = [
            words
            for name, words in _SCENARIOS.items()  # in the order scenarios are shown
            if name != "site-loss" and scenarios.get(name, {}).get("covered")
        ]
        if others:
            listed = ", ".join(others[:-1]) + " and " + others[-1] if len(others) > 1 else others[0]
            differ.changes.append(
                f"Recovery is now agreed for {listed}, as well as loss of the site"
            )
    if old.get("template") != new.get("template"):
        differ.changes.append("The wording of the agreement changed")
    return differ.changes
