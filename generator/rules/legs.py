"""The three legs at a glance: green, amber or red, with the reason.

A finding belongs to the leg its rule declares. A leg is red when a finding
that belongs to it is an error, amber when one is a warning or an accepted
gap, green otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from generator.findings import Finding
from generator.rules.registry import LEGS, Leg, leg_of

Colour = Literal["green", "amber", "red"]


@dataclass(frozen=True, slots=True)
class LegStatus:
    leg: Leg
    colour: Colour
    findings: tuple[Finding, ...]

    @property
    def reason(self) -> str:
        errors = [f for f in self.findings if f.severity == "error"]
        warnings = [f for f in self.findings if f.severity == "warning"]
        accepted = [f for f in self.findings if f.severity == "accepted"]
        if errors:
            return _first(errors) + _more(len(errors) - 1, "problem")
        if warnings:
            return _first(warnings) + _more(len(warnings) - 1 + len(accepted), "note")
        if accepted:
            first = accepted[0].message
            return f"In place; a limitation the client accepted: {first}" + _more(
                len(accepted) - 1, "accepted limitation"
            )
        return _GREEN[self.leg]


_GREEN: dict[Leg, str] = {
    "backup": (
        "Every system is backed up with a copy that survives each disaster covered, "
        "or deliberately excluded"
    ),
    "disaster recovery": (
        "Every backed-up system has objectives the setup can meet in each disaster covered"
    ),
    "business continuity": "Business continuity has an owner, a workplace and a way in",
}


def _first(findings: list[Finding]) -> str:
    message = findings[0].message
    return message[:1].upper() + message[1:]


def _more(count: int, what: str) -> str:
    return f" (and {count} more {what}{'' if count == 1 else 's'})" if count > 0 else ""


def status(findings: list[Finding]) -> dict[Leg, LegStatus]:
    """Each leg's colour from a loadable client's findings."""
    result = {}
    for leg in LEGS:
        mine = tuple(f for f in findings if leg_of(f.code) == leg)
        colour: Colour = (
            "red" if any(f.severity == "error" for f in mine) else "amber" if mine else "green"
        )
        result[leg] = LegStatus(leg, colour, mine)
    return result
