"""An agreement's lifecycle: the state of each issued version on a day, in plain words.

A version is *executed* once both parties signed it. It is *in force* from its
effective date to the last day of its term, or until the effective date of a
later executed version if that comes first. A version issued but not yet
countersigned *awaits the client's signature* and supersedes nothing; one that a
later issued version replaced, or whose term ended, before the client signed it
was *never executed*. The banner, the agreement page, the dashboard and the
rules all read what `lifecycle` says, so they say the same thing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Literal

State = Literal[
    "in force",
    "executed",
    "awaiting the client's signature",
    "never executed",
    "not a valid signature",
]
DEVELOPMENT = "not a valid signature: development key"
_DAY = dt.timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Version:
    """What the lifecycle needs of one issued version."""

    number: int
    effective: dt.date
    last_day: dt.date  # of its term
    executed: bool  # the client's signature is recorded
    signed_on: dt.date | None = None  # the day the provider signed it, where known
    development: bool = False  # signed with the development key: never in force


@dataclass(frozen=True, slots=True)
class Standing:
    """One version's state on the day, and what it means in a few words."""

    version: Version
    state: State
    start: dt.date  # its effective date
    end: dt.date  # the last day it is (or was, or would be) in force
    words: str  # "in force until 2026-10-31", "never executed (replaced by version 3)"

    @property
    def number(self) -> int:
        return self.version.number


@dataclass(frozen=True, slots=True)
class Lifecycle:
    """Every issued version's state on `today`, and the agreement's in one sentence."""

    today: dt.date
    versions: tuple[Standing, ...]  # oldest first
    in_force: Standing | None = None
    upcoming: Standing | None = None  # the next executed version to take effect
    ended_on: dt.date | None = None  # none in force, but an executed one was until then
    awaiting: Standing | None = None  # the newest version, awaiting the client's signature
    sentence: str = "No agreement has been issued yet."

    @property
    def later_executed(self) -> bool:
        """Whether a version after the one in force is executed."""
        now = self.in_force
        return now is not None and any(
            s.version.executed for s in self.versions if s.number > now.number
        )

    def of(self, number: int) -> Standing | None:
        return next((s for s in self.versions if s.number == number), None)


def _end(version: Version, later: list[Version]) -> dt.date:
    """The last day a version is in force: its term's, or the day before a later
    executed version takes effect."""
    starts = [v.effective for v in later if v.executed]
    return min([version.last_day, *(d - _DAY for d in starts)])


def _standing(version: Version, later: list[Version], today: dt.date) -> Standing:
    start, end = version.effective, _end(version, later)
    if version.executed:
        if start <= today <= end:
            return Standing(version, "in force", start, end, f"in force until {end}")
        if today < start and start <= end:
            words = f"executed, takes effect on {start}"
        elif end < version.last_day:
            successor = next(v for v in later if v.executed and v.effective - _DAY == end)
            words = f"executed, superseded by version {successor.number} on {end + _DAY}"
        else:
            words = f"executed, ended on {end}"
        return Standing(version, "executed", start, end, words)
    if later:
        words = f"never executed (replaced by version {later[0].number})"
        return Standing(version, "never executed", start, end, words)
    if today > version.last_day:
        words = f"never executed (its term ended on {version.last_day})"
        return Standing(version, "never executed", start, end, words)
    return Standing(
        version, "awaiting the client's signature", start, end, "awaiting the client's signature"
    )


def _awaits(standing: Standing) -> str:
    issued = standing.version.signed_on
    when = f" (issued {issued})" if issued else ""
    return f"Version {standing.number} awaits the client's signature{when}."


def _sentence(life: Lifecycle, issued: bool) -> str:
    now, next_, ended = life.in_force, life.upcoming, life.ended_on
    if now is not None and next_ is not None:
        text = (
            f"Agreement version {next_.number} takes effect on {next_.start}; "
            f"until then version {now.number} is in force (signed by both parties)."
        )
    elif now is not None:
        text = (
            f"Agreement version {now.number} is in force (signed by both parties) until {now.end}."
        )
    elif ended is not None:
        text = f"The agreement ended on {ended}: no version is in force."
        if next_ is not None:
            text += f" Version {next_.number} takes effect on {next_.start}."
    elif next_ is not None:
        text = (
            f"Agreement version {next_.number} takes effect on {next_.start}; "
            "until then no version is in force."
        )
    elif issued:
        text = "No version of the agreement is in force: none is signed by both parties."
    else:
        return "No agreement has been issued yet."
    if life.awaiting is not None:
        text += " " + _awaits(life.awaiting)
    newest = life.versions[-1] if life.versions else None
    if newest is not None and newest.state == "not a valid signature":
        text += (
            f" Version {newest.number} is signed with Tripod's development key: "
            "not a valid signature, not an agreement."
        )
    return text


def lifecycle(versions: list[Version], today: dt.date) -> Lifecycle:
    """The state of each issued version (in any order) on `today`, and the sentence a
    reader sees: "Agreement version 3 is in force (signed by both parties) until 2026-10-31."."""
    ordered = sorted(versions, key=lambda v: v.number)
    valid = [v for v in ordered if not v.development]
    standings = tuple(
        Standing(v, "not a valid signature", v.effective, v.last_day, DEVELOPMENT)
        if v.development
        else _standing(v, [w for w in valid if w.number > v.number], today)
        for v in ordered
    )
    in_force = [s for s in standings if s.state == "in force"]
    executed = [s for s in standings if s.version.executed and s.start <= s.end]
    upcoming = sorted((s for s in executed if s.start > today), key=lambda s: s.start)
    ended = [s.end for s in executed if s.end < today]
    newest = standings[-1] if standings else None
    life = Lifecycle(
        today,
        standings,
        in_force=in_force[-1] if in_force else None,
        upcoming=upcoming[0] if upcoming else None,
        ended_on=max(ended) if ended and not in_force else None,
        awaiting=newest if newest and newest.state == "awaiting the client's signature" else None,
    )
    return replace(life, sentence=_sentence(life, bool(standings)))
