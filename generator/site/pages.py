"""A client's site as Markdown pages: what each page says, before MkDocs renders it.

`write_pages` renders the templates in `templates/site/` for one version of a
client into a docs folder of its own, so that a site never contains anything
of another client. MkDocs is not imported here.
"""

from __future__ import annotations

import datetime as dt
import shutil
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment

from generator.errors import UsageError
from generator.evidence.store import Evidence
from generator.findings import Finding
from generator.format import units
from generator.format.model import Client, Provider, Scenario
from generator.project.record import end_of
from generator.render import render_template
from generator.render.values import facts, health_views
from generator.rules import legs
from generator.rules.recovery import ScenarioEstimate
from generator.terms.lifecycle import Lifecycle

# (title, file, template): the site's navigation, in order. Titles are fixed
# words, never text from a client file.
PAGES: tuple[tuple[str, str], ...] = (
    ("Overview", "index.md"),
    ("Backups", "backups.md"),
    ("Disaster recovery", "disaster-recovery.md"),
    ("Business continuity", "business-continuity.md"),
    ("Responsibilities", "responsibilities.md"),
    ("Contacts", "contacts.md"),
    ("Recovery runbook", "runbook.md"),
    ("Known limitations", "limitations.md"),
    ("Agreement", "agreement.md"),
)
ASSETS = Path("site") / "assets"


@dataclass(frozen=True, slots=True)
class IssuedVersion:
    """An issued agreement version as the site lists it."""

    number: int
    effective: dt.date
    fingerprint: str
    signature_state: str  # in plain words
    executed: bool = False  # signed by both parties
    documents: tuple[tuple[str, str], ...] = ()  # (label, link relative to a page)
    development: bool = False  # the provider signed with the development key
    countersigned: str | None = None  # who countersigned, the named signatory or why not


@dataclass(frozen=True, slots=True)
class VersionInfo:
    """Which version this site is, and what else exists."""

    label: str  # "current", "v1", ...
    current: bool
    issued: tuple[IssuedVersion, ...] = ()
    # For the current version: whether its terms differ from the newest issued version.
    terms_differ: bool = False
    changelog: tuple[str, ...] = ()
    draft: str | None = None  # link to the draft agreement PDF, from a page
    # For the current version: each issued version's state on the build's day. None for
    # an issued version kept for the record, whose pages never depend on the date.
    lifecycle: Lifecycle | None = None

    @property
    def newest(self) -> IssuedVersion | None:
        return self.issued[-1] if self.issued else None


@dataclass(slots=True)
class SiteData:
    """One version of a client's site: whose, which, as of when, and the facts it shows."""

    client: Client
    provider: Provider
    version: VersionInfo
    today: dt.date
    findings: list[Finding] = field(default_factory=list)
    estimates: dict[Scenario, ScenarioEstimate] = field(kw_only=True)
    # The moment the checks judged at (aware, in the provider's time zone); None for an
    # issued version, whose pages never depend on the build.
    now: dt.datetime | None = field(default=None, kw_only=True)
    # What the backups actually did, for the current version's "Backup health" (a version
    # kept for the record shows none: evidence is a record, never terms).
    evidence: Evidence | None = field(default=None, kw_only=True)


def banner(version: VersionInfo, client: Client) -> str:
    """The line across the top of every page: which version this is and, for the current
    one, the lifecycle's sentence (the agreement page and the dashboard say the same)."""
    newest = version.newest
    if not version.current:
        also = f" Version {newest.number} is the newest." if newest else ""
        return (
            f"This is agreement version {version.label[1:]} as issued, kept for the record.{also}"
        )
    if newest is None:
        return (
            f"No agreement has been issued yet: this documentation describes the draft of "
            f"version {client.agreement.version}."
        )
    text = version.lifecycle.sentence if version.lifecycle else ""
    if version.terms_differ:
        text += (
            f" The terms below are the draft of version {client.agreement.version}, not yet issued."
        )
    return text.strip()


def _next_due(last: dt.date | None, every: units.Duration) -> dt.date | None:
    return every.after(last) if last else None


def context(data: SiteData) -> dict[str, Any]:
    """The values every page of one version of the site reads."""
    accepted = [f for f in data.findings if f.severity == "accepted"]
    values = facts(data.client, data.provider, data.estimates, accepted)
    values.update(
        version=data.version,
        today=data.today,
        legs=legs.status(data.findings),
        open_findings=[f for f in data.findings if f.severity in ("error", "warning")],
        next_due=_next_due,
        leg_icon={"green": "success", "amber": "warning", "red": "danger"},
        health=None,
    )
    if data.version.current:
        now = data.now or end_of(data.today, data.provider)
        values.update(
            health=health_views(data.client, data.provider, data.evidence or Evidence(), now),
            built=now.astimezone(zoneinfo.ZoneInfo(data.provider.timezone)),
        )
    return values


def write_pages(env: Environment, data: SiteData, docs: Path, assets: Path) -> None:
    """Renders every page of one version of a client's site into `docs`."""
    docs.mkdir(parents=True, exist_ok=True)
    values = context(data)
    for _, name in PAGES:
        page = render_template(env, f"site/{name}", values)
        (docs / name).write_text(page, "utf-8")
    if assets.is_dir():
        copy_assets(assets, docs / "assets")


def copy_assets(assets: Path, target: Path) -> None:
    """The site's assets copied into a site, refusing symbolic links: a link's
    target (anything on the building machine) would be copied into every site."""
    for path in (assets, *assets.rglob("*")):
        if path.is_symlink():
            raise UsageError(
                f"{path} is a symbolic link: a site's assets are copied into every client's"
                " site, so put the file itself there"
            )
    shutil.copytree(assets, target, dirs_exist_ok=True)
