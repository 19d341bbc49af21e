"""The rules that read the agreement's lifecycle: renewals, an ended agreement, a
countersignature long awaited.

They judge the standing `Context.agreement` gives (worked out above the rules,
from the issued versions, by `terms.lifecycle`) against the day checked. All of
them are operational: the day passing is what happened, not what is agreed, so
they never block `issue` (issuing the renewal is the cure), no client can accept
them, and they fail `check` only under --strict. Each points at the file's
`agreement.version` line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from generator.rules.registry import Context, Hit, rule

RENEWAL_NOTICE = dt.timedelta(days=60)
COUNTERSIGNATURE_WAIT = dt.timedelta(days=30)
_AT = ("agreement", "version")


def _next(ctx: Context) -> str:
    """What renews the agreement, from where the file and the archive stand."""
    n, facts = ctx.client.agreement.version, ctx.agreement
    if facts.awaiting is not None and facts.awaiting[0] == n:
        return f"have the client countersign version {n}, then record it with tripod record"
    if n <= facts.newest:
        return f"set agreement.version: {facts.newest + 1}, then issue it with tripod issue"
    return f"issue version {n} with tripod issue and have the client countersign it"


@rule(
    "renewal-due",
    "warning",
    "The version in force ends within 60 days and no later version is executed.",
    leg=None,
    operational=True,
)
def renewal_due(ctx: Context) -> Iterator[Hit]:
    facts = ctx.agreement
    if facts.in_force is None or facts.later_executed:
        return
    number, last_day = facts.in_force
    if last_day - ctx.today <= RENEWAL_NOTICE:
        days = (last_day - ctx.today).days
        when = "today" if days == 0 else f"in {days} day{'s' if days != 1 else ''}"
        yield Hit(
            _AT,
            f"agreement version {number} ends on {last_day} ({when}) and no later version "
            "is signed by both parties",
            _next(ctx),
        )


@rule(
    "agreement-expired",
    "error",
    "No version is in force although an executed version was: its term ended, and no "
    "executed version has started yet or followed at all.",
    leg=None,
    operational=True,
)
def agreement_expired(ctx: Context) -> Iterator[Hit]:
    ended = ctx.agreement.ended_on
    if ended is not None:
        yield Hit(_AT, f"the agreement ended on {ended}: no version is in force", _next(ctx))


@rule(
    "countersignature-pending",
    "warning",
    "The newest issued version has awaited the client's signature for over 30 days since "
    "the provider signed it.",
    leg=None,
    operational=True,
)
def countersignature_pending(ctx: Context) -> Iterator[Hit]:
    awaiting = ctx.agreement.awaiting
    if awaiting is None:
        return
    number, signed_on = awaiting
    if signed_on is not None and ctx.today - signed_on > COUNTERSIGNATURE_WAIT:
        yield Hit(
            _AT,
            f"version {number} has awaited the client's signature since {signed_on} "
            f"({(ctx.today - signed_on).days} days)",
            "send it again, or record the countersigned copy with tripod record",
        )
