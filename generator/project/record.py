"""One record per client: everything Tripod knows of it, each fact computed once.

`check_project` reads provider.yaml and the client files, checks each client
and keeps a `ClientRecord` for it: the file as loaded and its findings, and,
the first time something asks for them, its issued versions, its current
terms and its recovery estimates. The check, the sites, the agreement and
the dashboard read these records instead of working the facts out again.

An agreement version, the draft or an issued one, is a `TermsRecord`: the
client and the provider as those terms describe them, and what the documents
print about them (the recovery estimates, the gaps the client accepted).
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from generator.evidence import store as evidence_store
from generator.evidence.store import Evidence, EvidenceError
from generator.findings import Finding
from generator.format import model
from generator.format.load import Loaded, load_client, load_provider
from generator.format.model import Scenario
from generator.format.reader import SourceMap
from generator.project.layout import Project
from generator.project.workers import fork_pool, inherited, inheriting
from generator.rules import evidence as evidence_rules
from generator.rules.check import check
from generator.rules.recovery import ScenarioEstimate, estimates
from generator.rules.registry import AgreementFacts, acknowledgeable
from generator.terms import archive
from generator.terms import canonical as terms
from generator.terms import lifecycle as lifecycle_


@dataclass(frozen=True, eq=False)
class TermsRecord:
    """The terms of one agreement version, and the facts its documents print."""

    canonical: bytes
    configured: model.Provider  # the provider as provider.yaml has it now

    @classmethod
    def of(cls, issued: archive.Issued, provider: model.Provider) -> TermsRecord:
        record = cls(issued.canonical, provider)
        record.__dict__["client"] = archive.client_of(issued)  # names the folder if unreadable
        return record

    @cached_property
    def data(self) -> dict[str, Any]:
        return archive.loads(self.canonical)

    @cached_property
    def client(self) -> model.Client:
        """The client as the terms describe it: no records (test dates, phone numbers)."""
        return archive.client_from_terms(self.data)

    @cached_property
    def provider(self) -> model.Provider:
        """The provider with the identity the terms give it."""
        return archive.provider_with(self.data, self.configured)

    @cached_property
    def fingerprint(self) -> str:
        return terms.fingerprint(self.canonical)

    @property
    def before_scenarios(self) -> bool:
        """Whether these terms were issued before scenarios existed: they cover loss of
        the site only (their frozen sites say so)."""
        return "scenarios" not in self.data

    @cached_property
    def scenarios(self) -> tuple[Scenario, ...] | None:
        """The scenarios these terms may cover; None: every one the file does not leave out."""
        return ("site-loss",) if self.before_scenarios else None

    @cached_property
    def estimates(self) -> dict[Scenario, ScenarioEstimate]:
        """Every scenario's estimates under these terms."""
        return estimates(self.client, self.scenarios)

    @cached_property
    def accepted(self) -> list[Finding]:
        """The gaps the client accepted in these terms, as of their effective date (so a
        document never depends on the day it is rendered)."""
        client = self.client
        found = check(
            client, SourceMap(), "", client.agreement.effective, scenario_estimates=self.estimates
        )
        return [f for f in found if f.severity == "accepted"]


@dataclass(eq=False)
class ClientRecord:
    """One client file: what it says, what is wrong with it, and what follows from it."""

    file: str
    loaded: Loaded[model.Client]
    findings: list[Finding] = field(default_factory=list)
    provider: model.Provider | None = None
    agreements: Path | None = None  # the project's agreements/ folder
    template: str = ""  # the fingerprint of the agreement template's wording
    root: Path | None = None  # the project's root, where evidence/ is

    @property
    def client(self) -> model.Client | None:
        return self.loaded.model

    @property
    def blocked(self) -> str | None:
        """Why the client gets no new site or agreement, or None."""
        if self.client is None:
            return "the file cannot be loaded"
        if any(f.code == "secret-like-value" for f in self.findings):
            return "a value looks like a secret and would be published"
        return None

    def _client(self) -> model.Client:
        if self.client is None:
            raise ValueError(f"{self.file} is not loadable")
        return self.client

    @cached_property
    def issued(self) -> list[archive.Issued]:
        """The issued versions, oldest first."""
        if self.agreements is None:
            return []
        return archive.issued_versions(self.agreements, self._client().id)

    @cached_property
    def terms(self) -> TermsRecord:
        """The terms of the file as it is now (the draft, or the version in force)."""
        if self.provider is None:
            raise ValueError("provider.yaml is not loadable")
        data = terms.terms_of(self._client(), self.provider, self.template, self.estimates)
        record = TermsRecord(terms.canonical(data), self.provider)
        record.__dict__["data"] = data
        return record

    @cached_property
    def estimates(self) -> dict[Scenario, ScenarioEstimate]:
        """The recovery estimates of the file as it is now, per scenario."""
        return estimates(self._client())

    @cached_property
    def evidence_read(self) -> tuple[Evidence, list[EvidenceError]]:
        """What the backups actually did (evidence/<id>/), and the evidence files that
        could not be read (each left out whole)."""
        if self.root is None or self.client is None:
            return Evidence(), []
        return evidence_store.load(self.root, self.client.id)

    @property
    def evidence(self) -> Evidence:
        return self.evidence_read[0]

    @property
    def terms_differ(self) -> bool:
        """Whether the file's terms differ from the newest issued version's."""
        return bool(self.issued) and self.issued[-1].canonical != self.terms.canonical

    @cached_property
    def lifecycle_versions(self) -> list[lifecycle_.Version]:
        """What the lifecycle needs of each issued version. Only the newest, when not
        executed, has its issue date read (the provider's signing time in its PDF): no
        other version's is ever shown or judged."""
        found = []
        zone = zoneinfo.ZoneInfo(self.provider.timezone if self.provider else "UTC")
        for i, v in enumerate(self.issued):
            signed_at = v.signed_at if i == len(self.issued) - 1 and not v.executed else None
            signed_on = signed_at.astimezone(zone).date() if signed_at else None
            found.append(
                lifecycle_.Version(
                    v.number, v.effective, v.last_day, v.executed, signed_on, v.development
                )
            )
        return found

    def lifecycle(self, today: dt.date) -> lifecycle_.Lifecycle:
        """Each issued version's state on `today`, and the agreement's in one sentence."""
        return lifecycle_.lifecycle(self.lifecycle_versions, today)

    def agreement_facts(self, today: dt.date) -> AgreementFacts:
        """The lifecycle on `today` as the rules read it."""
        life = self.lifecycle(today)
        now, waiting = life.in_force, life.awaiting
        return AgreementFacts(
            (now.number, now.end) if now else None,
            life.later_executed,
            life.ended_on,
            (waiting.number, waiting.version.signed_on) if waiting else None,
            self.issued[-1].number if self.issued else 0,
        )

    def before(self, number: int) -> archive.Issued | None:
        """The newest issued version before version `number`."""
        earlier = [v for v in self.issued if v.number < number]
        return earlier[-1] if earlier else None


_NEVER = dt.datetime.min.replace(tzinfo=dt.UTC)


@dataclass(slots=True)
class Portfolio:
    """The provider and every client read for one command."""

    provider: Loaded[model.Provider]
    clients: list[ClientRecord]
    # The moment deadlines were judged at (aware, in the provider's time zone): --now, or
    # the end of the day checked. Its date is the day the date rules judged by.
    now: dt.datetime = _NEVER

    @property
    def findings(self) -> list[Finding]:
        found = [*self.provider.findings, *(f for c in self.clients for f in c.findings)]
        return sorted(found, key=Finding.sort_key)


def _stem(path: Path) -> str:
    return path.name.rsplit(".", 1)[0]


def _spellings(project: Project) -> dict[str, list[Path]]:
    """Every client file by the id its name gives, in name order."""
    found: dict[str, list[Path]] = {}
    for path in project.client_files():
        found.setdefault(_stem(path), []).append(path)
    return found


def _refuse_twins(
    loaded: Loaded[model.Client], project: Project, path: Path, twins: list[Path]
) -> None:
    """Two files for one client id (`x.yaml` and `x.yml`): one error naming them all,
    and neither is built, since either could be the one meant."""
    others = " and ".join(project.display(p) for p in twins if p != path)
    line, column = loaded.source.locate(("id",))
    client_id = _stem(path)
    loaded.model = None
    loaded.findings.append(
        Finding(
            project.display(path),
            line,
            column,
            "schema/duplicate-client",
            "error",
            f"the client {client_id!r} also has the file {others}",
            "keep one file per client: merge them into one and remove the other",
            client_id,
        )
    )


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Loading makes many small objects and no reference cycles to speak of;
    the cyclic collector would walk the growing list of records again and
    again for nothing (a third of the time of a check of 1,000 clients)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def check_project(
    project: Project, names: tuple[str, ...], today: dt.date, now: dt.datetime | None = None
) -> Portfolio:
    """Loads and checks the provider and the named clients (all when none are named), as
    of `now` (aware; default the end of `today` in the provider's time zone)."""
    with _no_cycle_collection():
        return _check_project(project, names, today, now)


def end_of(today: dt.date, provider: model.Provider | None) -> dt.datetime:
    """The last moment of a day in the provider's time zone (UTC without a provider)."""
    zone = zoneinfo.ZoneInfo(provider.timezone if provider else "UTC")
    return dt.datetime.combine(today, dt.time.max, zone)


@dataclass(slots=True)
class Checker:
    """What checking one client takes, the same for every client of one command: the
    provider, the agreement template's fingerprint, the day and the moment judged at.
    Each client is checked on its own, so a worker process can check the clients it
    builds."""

    project: Project
    provider: Loaded[model.Provider]
    today: dt.date
    moment: dt.datetime
    template: str = ""
    codes: tuple[str, ...] = ()
    spellings: dict[str, list[Path]] = field(default_factory=dict)

    @classmethod
    def of(cls, project: Project, today: dt.date, now: dt.datetime | None = None) -> Checker:
        """Loads the provider; `now` (aware, or in the provider's time zone) is the moment
        judged at, its date the day (default: the end of `today` in the provider's zone)."""
        provider = load_provider(project.provider_file, "provider.yaml", project.root)
        moment = end_of(today, provider.model)
        if now is not None:  # a time without a zone is the provider's; its day is the date checked
            zone = moment.tzinfo
            moment = (now if now.tzinfo else now.replace(tzinfo=zone)).astimezone(zone)
            today = moment.date()
        template = project.template_fingerprint() if provider.model else ""
        return cls(
            project, provider, today, moment, template, acknowledgeable(), _spellings(project)
        )

    def twins(self, path: Path) -> list[Path]:
        """Every file for the client id `path` names (one, unless `x.yaml` has an `x.yml`)."""
        if path.parent != self.project.clients_dir:
            return []
        return self.spellings.get(_stem(path), [path])

    def record(self, path: Path) -> ClientRecord:
        """One client file loaded and checked."""
        project, today = self.project, self.today
        file = project.display(path)
        loaded = load_client(path, file, today, self.codes)
        twins = self.twins(path)
        if len(twins) > 1:
            _refuse_twins(loaded, project, path, twins)
        provider = self.provider.model
        record = ClientRecord(
            file,
            loaded,
            list(loaded.findings),
            provider,
            project.agreements_dir,
            self.template,
            project.root,
        )
        client = loaded.model
        if client is None:
            return record
        current = issued = None
        facts = None
        if provider is not None:
            version = client.agreement.version
            issued = next((v.canonical for v in record.issued if v.number == version), None)
            if issued is not None:
                current = record.terms.canonical
            facts = record.agreement_facts(today)
        evidence, unreadable = record.evidence_read
        record.findings += check(
            client,
            loaded.source,
            file,
            today,
            issued,
            current,
            record.estimates,
            now=self.moment,
            evidence=evidence,
            agreement=facts,
        )
        record.findings += evidence_rules.unreadable(unreadable, client.id)
        return record

    def files(self, names: tuple[str, ...] = ()) -> list[Path]:
        """The named client files (all when none are named), one per client id: of `x.yaml`
        and `x.yml`, the first names the other."""
        files = self.project.client_files(names)
        chosen = []
        for path in files:
            twins = self.twins(path)
            if len(twins) > 1 and path != twins[0] and twins[0] in files:
                continue
            chosen.append(path)
        return chosen


def _check_project(
    project: Project, names: tuple[str, ...], today: dt.date, now: dt.datetime | None
) -> Portfolio:
    checker = Checker.of(project, today, now)
    records = [checker.record(path) for path in checker.files(names)]
    return Portfolio(checker.provider, records, checker.moment)


# ----------------------------------------------------------------------- findings alone


@dataclass(frozen=True, slots=True)
class Checked:
    """What `tripod check` needs of one client file: whether it loads, and its findings."""

    file: str
    loadable: bool
    findings: list[Finding]


@dataclass(slots=True)
class Findings:
    """The provider and every client's findings, for one command."""

    provider: Loaded[model.Provider]
    clients: list[Checked]

    @property
    def findings(self) -> list[Finding]:
        found = [*self.provider.findings, *(f for c in self.clients for f in c.findings)]
        return sorted(found, key=Finding.sort_key)


# The smallest share of clients worth a process of its own: below it, forking costs
# more than it saves.
_PER_WORKER = 40


def _checked(checker: Checker, paths: list[Path]) -> list[Checked]:
    found = []
    for path in paths:
        record = checker.record(path)
        found.append(Checked(record.file, record.client is not None, record.findings))
    return found


def _check_part(paths: list[Path]) -> list[Checked]:
    with _no_cycle_collection():
        return _checked(inherited(), paths)


def check_findings(
    project: Project,
    names: tuple[str, ...],
    today: dt.date,
    now: dt.datetime | None = None,
    jobs: int | None = None,
) -> Findings:
    """Every finding of the provider and the named clients (all when none are named),
    as `check_project` finds them, on `jobs` processes (default: one per core) where
    there are clients enough to share."""
    checker = Checker.of(project, today, now)
    paths = checker.files(names)
    workers = min(jobs or os.cpu_count() or 1, len(paths) // _PER_WORKER)
    if workers <= 1:
        with _no_cycle_collection():
            return Findings(checker.provider, _checked(checker, paths))
    # Parts in order, several per worker, so a worker that finishes early takes another.
    size = max(1, len(paths) // (workers * 4))
    parts = [paths[i : i + size] for i in range(0, len(paths), size)]
    with inheriting(checker), fork_pool(workers) as pool:
        done = list(pool.map(_check_part, parts))
    return Findings(checker.provider, [c for part in done for c in part])
