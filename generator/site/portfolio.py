"""The portfolio at a glance: one summary per client, declared once for the dashboard's
table, its totals and chart, `portfolio.csv`, `portfolio.json` and `tripod report`.

Each column is a `Column`: a stable key (the CSV header and the JSON field), the
title the table shows, and how to read its cell from a `Summary`. A new input
(another scenario, another kind of evidence) is a new column here, and the table,
the files and the report all carry it. The layout of the files is documented in
docs/portfolio.md; a column is added at the end and never renamed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zoneinfo
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from generator.findings import Finding
from generator.format.model import SCENARIOS, Client, Provider, Scenario
from generator.format.names import backup_name
from generator.project.due import Item, record_items
from generator.project.record import ClientRecord, Portfolio
from generator.render.health import client_health
from generator.render.values import VERDICT_WORDS, gap_accepted
from generator.rules import legs
from generator.rules.recovery import SCENARIO_AFTER, SCENARIO_TITLES, VERDICTS, ScenarioEstimate
from generator.rules.registry import LEGS, RULES, Leg
from generator.terms.lifecycle import Lifecycle

FORMAT = "tripod-portfolio"
VERSION = 1

# How a status reads at a glance, worst first: each is an icon and a word, never a
# colour alone. The number is the cell's sort value (ascending: the worst first).
Tone = Literal["bad", "warn", "accepted", "unknown", "ok", "off"]
TONES: tuple[Tone, ...] = ("bad", "warn", "accepted", "unknown", "ok", "off")

LEG_WORDS: dict[str, tuple[str, Tone]] = {
    "red": ("not standing", "bad"),
    "amber": ("attention", "warn"),
    "green": ("in place", "ok"),
}
LEG_KEYS: dict[Leg, str] = {
    "backup": "backup",
    "disaster recovery": "disaster_recovery",
    "business continuity": "business_continuity",
}
LEG_SHORT: dict[Leg, str] = {
    "backup": "Backup",
    "disaster recovery": "DR",
    "business continuity": "BC",
}
LEG_TOKENS: dict[Leg, str] = {
    "backup": "backup",
    "disaster recovery": "dr",
    "business continuity": "bc",
}

# A scenario's worst verdict for a client, as its cell reads it.
SCENARIO_CELLS: dict[str, tuple[str, Tone]] = {
    "no backup": ("no backup", "bad"),
    "no surviving copy": ("no copy", "bad"),  # no copy survives
    "misses": ("misses", "bad"),
    "accepted": ("accepted", "accepted"),  # a gap the client accepted in writing
    "not determined": ("unknown", "unknown"),
    "meets": ("meets", "ok"),
    "no objective": ("no RTO", "unknown"),
    "not affected": ("unaffected", "ok"),
    "not covered": ("not covered", "off"),
}
# The finding a client accepts for each kind of gap.
_ACCEPTS = {"misses": "rto-unachievable", "no surviving copy": "no-surviving-copy"}


def _accepted(accepted: Sequence[Finding], scenario: str, system: str, verdict: str) -> bool:
    """Whether the client accepted, in writing, the gap this verdict is."""
    code = _ACCEPTS.get(verdict)
    return code is not None and gap_accepted(accepted, scenario, system, code)


SCENARIO_SHORT: dict[Scenario, str] = {
    "server-failure": "Server",
    "site-loss": "Site",
    "ransomware": "Ransomware",
    "cloud-account-loss": "Cloud account",
}

HEALTH_CELLS: dict[str, Tone] = {
    "stale": "bad",
    "failing": "bad",
    "restore failed": "bad",
    "partial": "unknown",  # some backups have evidence, some none
    "no evidence": "off",
    "healthy": "ok",
    "no backups": "off",
    "unknown": "unknown",  # the file cannot be loaded
}

AGREEMENT_CELLS: dict[str, Tone] = {
    "ended": "bad",
    "ending": "warn",  # within 60 days, no renewal executed
    "not signed": "warn",
    "upcoming": "unknown",  # executed, not yet in force
    "in force": "ok",
    "none issued": "off",
}
SIGNATURE_CELLS: dict[str, Tone] = {
    "dev key": "bad",  # signed with Tripod's development key: not a signature
    "awaiting": "warn",  # the client's signature
    "signed": "ok",  # by both parties
    "none": "off",
}

OVERDUE = ("restore-test-overdue", "dr-test-overdue", "bc-review-overdue")
HEALTH_CODES = ("rpo-breached", "backup-failing", "restore-test-failed")


@dataclass(frozen=True, slots=True)
class Action:
    """Something to do for a client: what, and since when (where a date says it)."""

    rank: int  # 0 is the most urgent
    words: str
    since: str = ""  # "2026-10-01", "2026-11-20 02:00", or nothing
    page: str = ""  # the client's page that shows it, relative to latest/

    @property
    def dated(self) -> bool:
        """Whether its date is worth adding: known, and not already in its words."""
        return bool(self.since) and self.since not in self.words

    @property
    def text(self) -> str:
        return f"{self.words} (since {self.since})" if self.dated else self.words


@dataclass(slots=True)
class Summary:
    """One client's line: what the dashboard's table, the files and the report show."""

    id: str
    name: str
    file: str
    loadable: bool
    legs: dict[Leg, str] = field(default_factory=dict)  # leg -> green, amber or red
    scenarios: dict[Scenario, str] = field(default_factory=dict)  # -> a SCENARIO_CELLS key
    health: str = "no backups"  # a HEALTH_CELLS key
    health_since: str = ""
    errors: int = 0
    warnings: int = 0
    accepted: int = 0
    overdue: int = 0
    agreement: str = "none issued"  # an AGREEMENT_CELLS key
    in_force: str = ""  # "v2"
    term_ends: dt.date | None = None
    signature: str = "none"  # a SIGNATURE_CELLS key
    draft: int | None = None
    terms_changed: bool = False
    sentence: str = "No agreement has been issued yet."  # the lifecycle's, as the site says it
    worst_recovery: str = ""
    actions: list[Action] = field(default_factory=list)  # the most urgent first

    @property
    def states(self) -> list[str]:
        """The tokens the dashboard's totals and its filter select by."""
        found = []
        if not self.loadable:
            found.append("cannot-load")
        if self.actions:
            found.append("needs-action")
        found += [f"{LEG_TOKENS[leg]}-not-standing" for leg, c in self.legs.items() if c == "red"]
        if self.accepted:
            found.append("gaps-accepted")
        if self.agreement == "ended":
            found.append("agreement-ended")
        if self.agreement == "ending":
            found.append("agreement-ending")
        if self.signature == "awaiting":
            found.append("awaiting-signature")
        if self.overdue:
            found.append("overdue")
        if HEALTH_CELLS[self.health] == "bad":
            found.append("backup-problem")
        if self.health in ("no evidence", "partial"):
            found.append("no-evidence")
        for scenario, cell in self.scenarios.items():
            found.append(f"{scenario}-{_chart_group(cell)}")
        return found


# ----------------------------------------------------------------------- columns


@dataclass(frozen=True, slots=True)
class Cell:
    text: str  # as the table, the CSV and the report show it
    sort: str  # the table's sort value: a number, an ISO date or lowercase text
    tone: Tone | None = None  # status cells only
    value: object = None  # as JSON carries it (a number stays a number)


Kind = Literal["text", "status", "number", "date", "flag"]


@dataclass(frozen=True, slots=True)
class Column:
    key: str  # the CSV header and the JSON field: stable
    title: str  # the table's header
    kind: Kind
    read: Callable[[Summary], Cell]
    table: bool = True  # shown in the dashboard's table (every column is in the files)
    about: str = ""  # what it means, for docs/portfolio.md


def _text(value: str) -> Cell:
    return Cell(value, value.lower(), value=value)


def _number(value: int | None) -> Cell:
    if value is None:
        return Cell("", "", value=None)
    return Cell(str(value), str(value), value=value)


def _date(value: dt.date | None) -> Cell:
    shown = value.isoformat() if value else ""
    return Cell(shown, shown, value=shown or None)


def _flag(value: bool) -> Cell:
    return Cell("yes" if value else "no", "1" if value else "0", value=value)


def _status(word: str, tone: Tone) -> Cell:
    return Cell(word, str(TONES.index(tone)), tone, word)


def _leg(leg: Leg) -> Callable[[Summary], Cell]:
    def read(s: Summary) -> Cell:
        if not s.loadable:
            return _status("cannot be loaded", "bad")
        return _status(*LEG_WORDS[s.legs[leg]])

    return read


def _scenario(scenario: Scenario) -> Callable[[Summary], Cell]:
    def read(s: Summary) -> Cell:
        if not s.loadable:
            return _status("unknown", "unknown")
        return _status(*SCENARIO_CELLS[s.scenarios[scenario]])

    return read


def _scenario_key(scenario: Scenario) -> str:
    return scenario.replace("-", "_")


COLUMNS: tuple[Column, ...] = (
    Column("id", "Id", "text", lambda s: _text(s.id), table=False, about="The client's id."),
    Column("name", "Client", "text", lambda s: _text(s.name), about="The client's name."),
    Column("file", "File", "text", lambda s: _text(s.file), table=False, about="Its file."),
    *(
        Column(
            LEG_KEYS[leg],
            LEG_SHORT[leg],
            "status",
            _leg(leg),
            about=f"The {leg} leg: in place, attention (a warning or an accepted gap), "
            "not standing (an error), or cannot be loaded.",
        )
        for leg in LEGS
    ),
    *(
        Column(
            _scenario_key(scenario),
            SCENARIO_SHORT[scenario],
            "status",
            _scenario(scenario),
            about=f"{SCENARIO_TITLES[scenario]}: the worst verdict of any system: no backup, "
            "no copy (no copy survives), misses (the RTO), accepted (a gap the client accepted "
            "in writing), unknown (not determined), meets, no RTO (no objective), unaffected; "
            "or not covered by the agreement.",
        )
        for scenario in SCENARIOS
    ),
    Column(
        "backup_health",
        "Backups",
        "status",
        lambda s: _status(s.health, HEALTH_CELLS[s.health]),
        about="What the imported evidence says of the backups, the worst first: stale, "
        "failing, restore failed, partial (some backups have no evidence), no evidence, "
        "healthy, no backups.",
    ),
    Column(
        "backup_health_since",
        "Since",
        "text",
        lambda s: Cell(s.health_since, s.health_since, value=s.health_since or None),
        table=False,
        about="Since when the worst backup problem has stood (the provider's time).",
    ),
    Column("errors", "Errors", "number", lambda s: _number(s.errors), about="Errors found."),
    Column(
        "warnings",
        "Warnings",
        "number",
        lambda s: _number(s.warnings),
        about="Warnings found.",
    ),
    Column(
        "accepted_gaps",
        "Accepted",
        "number",
        lambda s: _number(s.accepted),
        table=False,  # the scenario columns say which
        about="Gaps the client accepted in writing.",
    ),
    Column(
        "overdue",
        "Overdue",
        "number",
        lambda s: _number(s.overdue),
        about="Restore tests, DR tests and plan reviews overdue.",
    ),
    Column(
        "agreement",
        "Agreement",
        "status",
        lambda s: _status(s.agreement, AGREEMENT_CELLS[s.agreement]),
        about="Where the agreement stands: ended, ending (within 60 days, no renewal "
        "executed), not signed, upcoming (executed, not yet in force), in force, none issued.",
    ),
    Column(
        "in_force",
        "In force",
        "text",
        lambda s: Cell(s.in_force, s.in_force, value=s.in_force or None),
        table=False,
        about="The version in force (v2), if any.",
    ),
    Column(
        "term_ends",
        "Term ends",
        "date",
        lambda s: _date(s.term_ends),
        about="The last day of the version in force (or of the one that ended).",
    ),
    Column(
        "signature",
        "Signature",
        "status",
        lambda s: _status(s.signature, SIGNATURE_CELLS[s.signature]),
        about="The newest issued version: signed (by both parties), awaiting (the client's "
        "signature), dev key (signed with the development key: no signature), or none.",
    ),
    Column(
        "draft",
        "Draft",
        "number",
        lambda s: _number(s.draft),
        table=False,
        about="The agreement version the file's terms are (the next to issue when they changed).",
    ),
    Column(
        "terms_changed",
        "Changed",
        "flag",
        lambda s: _flag(s.terms_changed),
        table=False,
        about="Whether the file's terms differ from the newest issued version.",
    ),
    Column(
        "agreement_words",
        "Agreement in words",
        "text",
        lambda s: _text(s.sentence),
        table=False,
        about="The agreement's state as the client's site says it.",
    ),
    Column(
        "worst_recovery",
        "Worst recovery",
        "text",
        lambda s: _text(s.worst_recovery),
        table=False,
        about="The worst verdict of any system in any covered scenario, in words.",
    ),
    Column(
        "needs_action",
        "Needs action",
        "text",
        lambda s: _text("; ".join(a.text for a in s.actions)),
        table=False,
        about="What to do, the most urgent first (in JSON, a list of {what, since}).",
    ),
)
TABLE: tuple[Column, ...] = tuple(c for c in COLUMNS if c.table)


# ----------------------------------------------------------------------- summaries


def moment(portfolio: Portfolio) -> dt.datetime:
    """The moment the portfolio was checked at, in the provider's time zone."""
    provider = portfolio.provider.model
    return portfolio.now.astimezone(zoneinfo.ZoneInfo(provider.timezone if provider else "UTC"))


def summaries(portfolio: Portfolio, items: dict[str, list[Item]] | None = None) -> list[Summary]:
    """Every client's summary, in the order of the files. `items` are each client's due
    items by file (the calendar's), where the caller has them already."""
    now = moment(portfolio)
    provider = portfolio.provider.model
    found = []
    for record in portfolio.clients:
        mine = items.get(record.file) if items is not None else None
        found.append(summary(record, provider, now, mine))
    return found


def summary(
    record: ClientRecord,
    provider: Provider | None,
    now: dt.datetime,
    items: list[Item] | None = None,
) -> Summary:
    """One client's summary as of `now` (in the provider's time zone). `items` are its due
    items, where the caller has them already."""
    client = record.client
    if client is None or provider is None:
        stem = record.file.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        first = next((f for f in record.findings if f.severity == "error"), None)
        # Where to look, as `tripod check` points at it: file:line:column.
        where = f"{first.file}:{first.line}:{first.column}: " if first else ""
        why = f"{record.file} cannot be loaded" + (f": {where}{first.message}" if first else "")
        found = Summary(stem, stem, record.file, False, health="unknown")
        found.errors = sum(f.severity == "error" for f in record.findings)
        found.actions = [Action(0, why)]
        return found
    zone = now.tzinfo
    assert isinstance(zone, zoneinfo.ZoneInfo)
    if items is None:
        items = record_items(record, now.date())
    return _summary(record, client, items, now, zone)


def _summary(
    record: ClientRecord,
    client: Client,
    items: list[Item],
    now: dt.datetime,
    zone: zoneinfo.ZoneInfo,
) -> Summary:
    today = now.date()
    findings = record.findings
    s = Summary(client.id, client.name, record.file, True)
    s.legs = {leg: st.colour for leg, st in legs.status(findings).items()}
    accepted = [f for f in findings if f.severity == "accepted"]
    s.scenarios = {scenario: _worst(record.estimates[scenario], accepted) for scenario in SCENARIOS}
    s.errors = sum(f.severity == "error" for f in findings)
    s.warnings = sum(f.severity == "warning" for f in findings)
    s.accepted = len(accepted)
    s.overdue = sum(f.code in OVERDUE for f in findings)
    s.draft = client.agreement.version
    s.worst_recovery = worst_verdict(
        record.estimates, {x.id: x.name for x in client.systems}, accepted
    )
    actions: list[Action] = []
    _backups(s, record, client, now, zone, actions)
    life = record.lifecycle(today) if record.issued else None
    if life is not None:
        _agreement(s, record, life, findings)
    actions += _finding_actions(findings, items, life)
    s.actions = sorted(actions, key=lambda a: (a.rank, a.since or "9999", a.words))
    return s


def _worst(estimate: ScenarioEstimate, accepted: list[Finding]) -> str:
    """A scenario's worst verdict for a client, accepted gaps told apart."""
    if not estimate.covered:
        return "not covered"
    order = [*VERDICTS[:3], "accepted", *VERDICTS[3:]]
    worst = len(order)
    for system in estimate.systems:
        verdict: str = estimate.verdict(system)
        if _accepted(accepted, estimate.scenario, system, verdict):
            verdict = "accepted"
        worst = min(worst, order.index(verdict))
    return order[worst] if worst < len(order) else "not affected"


def _backups(
    s: Summary,
    record: ClientRecord,
    client: Client,
    now: dt.datetime,
    zone: zoneinfo.ZoneInfo,
    actions: list[Action],
) -> None:
    health = client_health(client, record.evidence, now, zone)
    if not health:
        return
    problems = []
    for h in health.values():
        for p in h.problems:
            problems.append(p)
            name = backup_name(client, h.backup)
            actions.append(Action(2, f"{name}: {p.words}", p.since_shown, "backups/"))
    if problems:
        worst = min(problems, key=lambda p: p.rank)
        s.health = {"restore-test-failed": "restore failed"}.get(worst.kind, worst.kind)
        s.health_since = worst.since_shown
    else:
        proven = sum(h.evidence for h in health.values())
        s.health = (
            "healthy" if proven == len(health) else "no evidence" if not proven else "partial"
        )


def _agreement(s: Summary, record: ClientRecord, life: Lifecycle, findings: list[Finding]) -> None:
    s.sentence = life.sentence
    s.terms_changed = record.terms_differ
    codes = {f.code for f in findings}
    newest = life.versions[-1]
    if life.in_force is not None:
        s.in_force = f"v{life.in_force.number}"
        s.term_ends = life.in_force.end
        s.agreement = "ending" if "renewal-due" in codes else "in force"
    elif life.ended_on is not None:
        s.agreement = "ended"
        s.term_ends = life.ended_on
    elif life.upcoming is not None:
        s.agreement = "upcoming"
    else:
        s.agreement = "not signed"
    if newest.state == "not a valid signature":
        s.signature = "dev key"
    elif life.awaiting is not None:
        s.signature = "awaiting"
    elif newest.version.executed:
        s.signature = "signed"
    else:
        s.signature = "none"


# The order of urgency of what a finding asks: a file that cannot be read, an agreement
# that ended, the backups (above), an error in the terms, what is overdue, the agreement
# awaiting its signature or its renewal, then any other warning.
_RANKS = {
    "agreement-expired": 1,
    "countersignature-pending": 5,
    "renewal-due": 6,
}
_PAGES = {"agreement-expired": "agreement/", "countersignature-pending": "agreement/"}


def _finding_actions(
    findings: list[Finding], items: list[Item], life: Lifecycle | None
) -> list[Action]:
    due = {item.kind: item for item in items if item.overdue}
    overdue = [i for i in items if i.overdue and i.kind in ("restore-test", "dr-test", "bc-review")]
    found = [
        Action(4, f"{i.what}: {i.status}" if i.never else f"{i.what} overdue", _since(i), "")
        for i in overdue
    ]
    for f in findings:
        if f.severity == "accepted" or f.code in OVERDUE or f.code in HEALTH_CODES:
            continue
        rank = _RANKS.get(f.code)
        since = ""
        if f.code == "agreement-expired" and life is not None and life.ended_on is not None:
            since = life.ended_on.isoformat()
        elif f.code == "countersignature-pending" and "countersignature" in due:
            newest = life.versions[-1].version if life and life.versions else None
            since = newest.signed_on.isoformat() if newest and newest.signed_on else ""
        if rank is None:
            rule = RULES.get(f.code)
            operational = rule is not None and rule.operational
            rank = 3 if f.severity == "error" and not operational else 7
        found.append(Action(rank, f.message, since, _PAGES.get(f.code, "")))
    return found


def _since(item: Item) -> str:
    return "" if item.never else item.due.isoformat()


def worst_verdict(
    scenarios: dict[Scenario, ScenarioEstimate],
    names: dict[str, str],
    accepted: Sequence[Finding] = (),
) -> str:
    """The worst verdict of any system in any covered scenario, in words, with the system
    and the scenario where it is a gap: "CAD server: no copy survives after ransomware",
    and "(accepted gap)" where the client accepted it in writing."""
    rank = {verdict: i for i, verdict in enumerate(VERDICTS)}
    found = [
        (rank[s.verdict(system)], i, system, s.scenario)
        for i, s in enumerate(scenarios.values())
        if s.covered
        for system in s.systems
    ]
    if not found:
        return "no recovery estimated"
    verdict_rank, _, system, scenario = min(found)
    verdict = VERDICTS[verdict_rank]
    if verdict in ("meets", "no objective", "not affected"):
        return {"meets": "meets every RTO", "no objective": "no objectives set"}.get(
            verdict, "no system affected"
        )
    words = f"{names.get(system, system)}: {VERDICT_WORDS[verdict]} {SCENARIO_AFTER[scenario]}"
    if _accepted(accepted, scenario, system, verdict):
        words += " (accepted gap)"
    return words


# ----------------------------------------------------------------------- totals, chart


@dataclass(frozen=True, slots=True)
class Total:
    token: str  # the state it filters the table by
    words: str  # "backup not standing"
    count: int
    tone: Tone


TOTALS: tuple[tuple[str, str, Tone], ...] = (
    ("needs-action", "need action", "warn"),
    ("backup-not-standing", "backup not standing", "bad"),
    ("dr-not-standing", "disaster recovery not standing", "bad"),
    ("bc-not-standing", "business continuity not standing", "bad"),
    ("gaps-accepted", "with accepted gaps", "accepted"),
    ("agreement-ended", "agreements ended", "bad"),
    ("agreement-ending", "agreements ending within 60 days", "warn"),
    ("awaiting-signature", "awaiting the client's signature", "warn"),
    ("overdue", "with overdue tests or reviews", "warn"),
    ("backup-problem", "with stale or failing backups", "bad"),
    ("no-evidence", "with backups without evidence", "unknown"),
    ("cannot-load", "files that cannot be loaded", "bad"),
)


def _counted(rows: list[Summary]) -> Counter[str]:
    return Counter(token for row in rows for token in row.states)


def totals(rows: list[Summary], counted: Counter[str] | None = None) -> list[Total]:
    """The counts the dashboard opens with; each filters the table to its clients."""
    counted = _counted(rows) if counted is None else counted
    return [Total("all", "clients", len(rows), "ok")] + [
        Total(token, words, counted[token], tone) for token, words, tone in TOTALS
    ]


def filters(rows: list[Summary]) -> list[Total]:
    """Every state the table can be filtered by, with its count: the totals, then each
    scenario's groups."""
    counted = _counted(rows)
    found = totals(rows, counted)
    for scenario in SCENARIOS:
        for group, words, tone in CHART_GROUPS:
            token = f"{scenario}-{group}"
            if counted.get(token):
                title = SCENARIO_TITLES[scenario].lower()
                found.append(Total(token, f"{title}: {words}", counted[token], tone))
    return found


CHART_GROUPS: tuple[tuple[str, str, Tone], ...] = (
    ("meets", "meet the RTO", "ok"),
    ("accepted", "accept the gap", "accepted"),
    ("misses", "miss the RTO", "bad"),
    ("unknown", "not estimated", "unknown"),
    ("not-covered", "not covered", "off"),
)


def _chart_group(cell: str) -> str:
    tone = SCENARIO_CELLS[cell][1]
    return {"ok": "meets", "accepted": "accepted", "bad": "misses", "off": "not-covered"}.get(
        tone, "unknown"
    )


def chart_counts(rows: list[Summary]) -> dict[Scenario, dict[str, int]]:
    """Per scenario, how many loadable clients meet, accept the gap, miss, are not
    estimated, or are not covered."""
    counts: dict[Scenario, dict[str, int]] = {
        s: {g: 0 for g, _, _ in CHART_GROUPS} for s in SCENARIOS
    }
    for row in rows:
        for scenario, cell in row.scenarios.items():
            counts[scenario][_chart_group(cell)] += 1
    return counts


# ----------------------------------------------------------------------- the files


def as_csv(rows: Iterable[Summary]) -> str:
    """One header line of the columns' keys, one line per client."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([c.key for c in COLUMNS])
    for row in rows:
        writer.writerow([_inert(c.read(row).text) for c in COLUMNS])
    return out.getvalue()


def _inert(value: str) -> str:
    """A spreadsheet reads a cell that starts with =, +, -, @ or a tab as a formula: such
    a value (a client's name can be anything) is written after an apostrophe, which
    spreadsheets show as text and hide."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def as_json(rows: Iterable[Summary], moment: dt.datetime, provider: str) -> str:
    """The columns described, then one object per client (numbers as numbers, dates as
    ISO text, an empty value as null; `needs_action` a list)."""
    clients = []
    for row in rows:
        data: dict[str, object] = {c.key: c.read(row).value for c in COLUMNS}
        data["needs_action"] = [{"what": a.words, "since": a.since or None} for a in row.actions]
        clients.append(data)
    document = {
        "format": FORMAT,
        "version": VERSION,
        "provider": provider,
        "as_of": moment.isoformat(timespec="seconds"),
        "columns": [{"key": c.key, "title": c.title, "kind": c.kind} for c in COLUMNS],
        "clients": clients,
    }
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


def columns_reference() -> str:
    """The columns as docs/portfolio.md lists them: key, title, kind, in the table or not,
    and what each means."""
    lines = [
        "| key | title | kind | in the table | what it says |",
        "| --- | --- | --- | --- | --- |",
    ]
    for c in COLUMNS:
        about = c.about.replace("|", "\\|")
        lines.append(
            f"| `{c.key}` | {c.title} | {c.kind} | {'yes' if c.table else 'no'} | {about} |"
        )
    return "\n".join(lines) + "\n"
