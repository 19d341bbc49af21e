"""One client's versioned site, and the provider's dashboard.

Each client is built on its own, from its own record, into a staging folder
beside its live folder; only a complete build is swapped in. Nothing here
prints.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import traceback
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import Environment

from generator import render
from generator.agreement.document import render_agreement
from generator.build import keys
from generator.build.digest import Digest
from generator.build.store import Store
from generator.errors import TripodError, UsageError
from generator.files import (
    Leftover,
    Repaired,
    link_or_copy,
    link_tree,
    remove_tree,
    repair,
    swap_folder,
    write_text,
)
from generator.format.load import Loaded
from generator.format.model import Client, Provider
from generator.project.layout import Project
from generator.project.record import ClientRecord, TermsRecord, end_of
from generator.site.engine import build_site, escape_html
from generator.site.pages import (
    PAGES,
    IssuedVersion,
    SiteData,
    VersionInfo,
    banner,
    copy_assets,
    write_pages,
)
from generator.terms.changelog import changelog
from generator.terms.lifecycle import Lifecycle

DRAFT = "agreement-draft.pdf"


class BuildError(TripodError):
    """The build cannot run at all."""


@dataclass(slots=True)
class Outcome:
    client: str
    file: str
    built: bool
    versions: int = 0
    reason: str | None = None  # why the last good site was kept
    cached: bool = False  # nothing it depends on changed: the site was left as it was
    reused: int = 0  # issued versions whose sites were unchanged and kept
    failed: bool = False  # the build of this client broke: its last good site was kept
    trace: str | None = None  # where an unexpected error came from, for --verbose
    leftovers: list[Leftover] = field(default_factory=list)  # old folders that stayed


def failure(error: Exception) -> tuple[str, str | None]:
    """Why a build failed, in one line, and the traceback where the error is not Tripod's."""
    if isinstance(error, TripodError):
        return str(error), None
    text = "".join(traceback.format_exception(error))
    return f"unexpected error: {type(error).__name__}: {error}", text


def nav() -> list[dict[str, str]]:
    return [{title: name} for title, name in PAGES]


@dataclass(slots=True)
class Builder:
    """Builds into `<project>/site/`, staging under `site/.staging/`."""

    project: Project
    today: dt.date
    now: dt.datetime | None = None  # the moment the checks judged at (aware)
    env: Environment = field(init=False)
    site_url: str | None = field(init=False, default=None)
    shared: bytes = field(init=False, default=b"")
    dashboard_unchanged: bool = field(init=False, default=False)  # nothing it shows changed

    def __post_init__(self) -> None:
        self.env = render.environment(self.project.templates_dir)
        self.site_url = _base_url(self.project.base_config)
        self.shared = keys.shared(self.project)

    @property
    def root(self) -> Path:
        return self.project.root / "site"

    @property
    def staging(self) -> Path:
        return self.root / ".staging"

    @property
    def store(self) -> Store:
        return Store(self.root / ".store")

    def stage(self, name: str) -> Path:
        folder = self.staging / f"{name}-{uuid.uuid4().hex[:8]}"
        folder.mkdir(parents=True)
        return folder

    def repair(self) -> Repaired:
        """Puts right what a build killed mid-way left: its staging folders, a site
        set aside mid-swap (put back), old sites not yet removed, half-written packs.
        Only under the build lock: nothing else is building."""
        done = Repaired()
        leftover = remove_tree(self.staging)
        if leftover is not None:
            done.leftovers.append(leftover)
        for folder in (self.root, self.root / "clients", self.root / "packs"):
            found = repair(folder)
            done.restored += found.restored
            done.removed += found.removed
            done.leftovers += found.leftovers
        return done

    def swap(self, new: Path, live: Path) -> Leftover | None:
        try:
            return swap_folder(new, live)
        except OSError as e:
            where = self.project.display(live)
            raise BuildError(f"{where} cannot be replaced: {e.strerror or e}") from e

    def url(self, *parts: str) -> str | None:
        return self.site_url + "/".join(parts) + "/" if self.site_url else None

    # ------------------------------------------------------------ one site

    def build_version(
        self,
        data: SiteData,
        out: Path,
        docs: Path,
        url: str | None,
        offline: bool = False,
    ) -> None:
        write_pages(self.env, data, docs, self.project.template("site/assets"))
        build_site(
            base_config=self.project.base_config,
            docs_dir=docs,
            site_dir=out,
            site_name=data.client.name,
            nav=nav(),
            site_url=url,
            extra={"tripod_banner": escape_html(banner(data.version, data.client))},
            offline=offline,
        )

    def versions(
        self, record: ClientRecord, packed: bool = False
    ) -> list[tuple[SiteData, list[tuple[str, Path]]]]:
        """Each version of the client's site: current first, then issued ones, newest first.

        The signed PDFs of version N are in the site's `vN/` folder, two levels up
        from a page; in a pack they are in `agreements/`, beside the pages.
        """
        client, provider, issued = record.client, record.provider, record.issued
        assert client is not None and provider is not None
        listed = tuple(
            IssuedVersion(
                v.number,
                v.effective,
                v.fingerprint,
                v.signature_state,
                v.executed,
                tuple(
                    (
                        label,
                        f"agreements/{v.label}-{path.name}"
                        if packed
                        else f"../../{v.label}/{path.name}",
                    )
                    for label, path in v.documents()
                ),
                development=v.development,
                countersigned=v.countersignature,
            )
            for v in issued
        )
        differ = record.terms_differ
        changes = tuple(changelog(issued[-1].terms, record.terms.data)) if differ else ()
        current = VersionInfo(
            "current",
            True,
            listed,
            differ,
            changes,
            DRAFT if packed else f"../{DRAFT}",
            record.lifecycle(self.today),
        )
        result: list[tuple[SiteData, list[tuple[str, Path]]]] = [
            (
                SiteData(
                    client,
                    provider,
                    current,
                    self.today,
                    record.findings,
                    estimates=record.estimates,
                    now=self.now,
                    evidence=record.evidence,
                ),
                [],
            )
        ]
        for i, v in reversed(list(enumerate(issued))):
            since = tuple(changelog(issued[i - 1].terms, v.terms)) if i else ()
            frozen = VersionInfo(
                v.label, False, tuple(x for x in listed if x.number <= v.number), False, since
            )
            # As of its effective date: an issued version's pages never depend on the build day.
            terms = TermsRecord.of(v, provider)
            data = SiteData(
                terms.client, terms.provider, frozen, v.effective, estimates=terms.estimates
            )
            result.append((data, v.documents()))
        return result

    def site_key(self, record: ClientRecord) -> str:
        """The key of a buildable client's current site, as of the build's moment."""
        moment = self.now or end_of(self.today, record.provider)
        return keys.site(self.shared, self.project.root, record, moment)

    def build_client(self, record: ClientRecord, key: str) -> Outcome:
        """One client's sites (`key`: its current site's, `site_key`); whatever goes
        wrong, an outcome: the other clients are built all the same, and this one keeps
        its last good site."""
        try:
            return self._build_client(record, key)
        except UsageError:
            raise  # the environment, not this client: every client would fail the same way
        except Exception as e:  # one client's failure is its own, never the whole build's
            reason, trace = failure(e)
            name = record.client.id if record.client else record.file
            return Outcome(name, record.file, False, reason=reason, failed=True, trace=trace)

    def is_built(self, client_id: str, key: str) -> bool:
        """Whether a client's live site was built from `key`."""
        return keys.read(self.root / "clients" / client_id / keys.INPUTS).get("site") == key

    def _build_client(self, record: ClientRecord, key: str) -> Outcome:
        client = record.client
        assert client is not None
        live = self.root / "clients" / client.id
        before = keys.read(live / keys.INPUTS)
        if before.get("site") == key:
            return Outcome(client.id, record.file, True, 0, cached=True)
        stage = self.stage(client.id)
        try:
            versions = self.versions(record)
            entries = []
            version_keys = keys.versions(self.shared, record)
            reused = 0
            for data, documents in versions:
                label = data.version.label
                out = stage / label
                entries.append(_version_entry(data, client, versions[0][0].version.lifecycle))
                was = before.get("versions", {}).get(label)
                if (
                    not data.version.current
                    and was == version_keys[label]
                    and link_tree(live / label, out)
                ):
                    reused += 1
                    continue
                self.build_version(
                    data, out, stage / ".docs" / label, self.url("clients", client.id, label)
                )
                for _, path in documents:
                    shutil.copy2(path, out / path.name)
            drafted = keys.draft(self.shared, record)
            kept = live / "current" / DRAFT
            if before.get("draft") == drafted and kept.is_file():
                link_or_copy(str(kept), str(stage / "current" / DRAFT))  # the same terms
            else:
                self.draft(record, stage / "current" / DRAFT)
            shutil.rmtree(stage / ".docs")
            for label in ("current", *version_keys):
                self.store.deduplicate(stage / label / "assets")
            link_tree(stage / "current", stage / "latest")
            (stage / "versions.json").write_text(json.dumps(entries, indent=2) + "\n", "utf-8")
            (stage / "index.html").write_text(_REDIRECT, "utf-8")
            built = {"site": key, "versions": version_keys, "draft": drafted}
            (stage / keys.INPUTS).write_text(json.dumps(built, indent=2) + "\n", "utf-8")
            leftover = self.swap(stage, live)
        finally:
            remove_tree(stage)
        outcome = Outcome(client.id, record.file, True, len(versions), reused=reused)
        if leftover is not None:
            outcome.leftovers.append(leftover)
        return outcome

    def draft(self, record: ClientRecord, target: Path) -> None:
        """The draft agreement of the current terms, marked DRAFT and unsigned."""
        assert record.client is not None
        earlier = record.before(record.client.agreement.version)
        rendered = render_agreement(
            self.env,
            self.project.template("agreement/agreement.css").parent,
            record.terms,
            earlier.terms if earlier else None,
            draft=True,
        )
        target.write_bytes(rendered.pdf)

    # ------------------------------------------------------------ dashboard

    @property
    def _dashboard_inputs(self) -> Path:
        """Where the key of what the live dashboard was laid out from is kept: local
        state (it holds the files' stamps), so beside the digests, not in the site."""
        return self.project.state_dir / "cache" / "dashboard.json"

    def dashboard_current(self, inputs: str) -> bool:
        """Whether the live dashboard was laid out from digests worked out from the
        same files (`inputs`, their key, as last time): then it is left as it is
        without even being laid out again."""
        live = self.root / "internal"
        known = keys.read(self._dashboard_inputs)
        self.dashboard_unchanged = (
            known.get("inputs") == inputs
            and keys.read(live / keys.INPUTS).get("dashboard") == known.get("dashboard")
            and (live / "index.html").is_file()
        )
        return self.dashboard_unchanged

    def _laid_out(self, inputs: str | None, key: str) -> None:
        if inputs is None:
            return
        try:
            self._dashboard_inputs.parent.mkdir(parents=True, exist_ok=True)
            write_text(self._dashboard_inputs, json.dumps({"inputs": inputs, "dashboard": key}))
        except OSError:
            return  # known later, that is all

    def build_dashboard(
        self,
        provider: Loaded[Provider],
        now: dt.datetime,
        digests: list[Digest],
        inputs: str | None = None,
    ) -> Leftover | None:
        """Builds site/internal/ from every client's digest as of `now`, unless nothing
        it shows changed since the last build: then it is left as it is. `inputs` is a
        key over what the digests were worked out from, where every one was kept from an
        earlier build (`dashboard_current`), recorded for the next build."""
        from generator.project.due import Item, calendar_of
        from generator.site import portfolio as pf
        from generator.site.dashboard import (
            ICON_STYLES,
            SCRIPTS,
            STYLES,
            dashboard_pages,
            icon_styles,
            put_table,
            table,
        )

        live = self.root / "internal"
        before = keys.read(live / keys.INPUTS)
        here = (live / "index.html").is_file()
        rows = [d.summary for d in digests]
        details = [(d.findings, d.quotes) for d in digests]
        pages = dashboard_pages(self.env, provider, now, rows, details)
        name = provider.model.name if provider.model else ""
        # Each client's events were written once, with its digest: here they are only
        # put in order (overdue first, then by date) and together.
        due = sorted(
            (pair for d in digests for pair in zip(d.items, d.events, strict=True)),
            key=lambda pair: Item.sort_key(pair[0]),
        )
        files: dict[str, str | bytes] = {
            "portfolio.csv": pf.as_csv(rows),
            "portfolio.json": pf.as_json(rows, now, name),
            "due.ics": calendar_of((e for _, e in due), f"{name or 'Tripod'}: coming due"),
        }
        board = table(rows)
        key = keys.dashboard(self.shared, {**pages, **files, "table": board})
        record = json.dumps({"dashboard": key}) + "\n"
        if here and before.get("dashboard") == key:
            self.dashboard_unchanged = True
            self._laid_out(inputs, key)  # known sooner next time
            return None
        stage = self.stage("internal")
        try:
            docs = stage / ".docs"
            docs.mkdir()
            for page, text in pages.items():
                (docs / page).write_text(text, "utf-8")
            copy_assets(self.project.template("site/assets"), docs / "assets")
            copy_assets(self.project.template("internal/assets"), docs / "assets")
            (docs / ICON_STYLES).write_text(icon_styles(), "utf-8")
            site = stage / "site"
            build_site(
                base_config=self.project.base_config,
                docs_dir=docs,
                site_dir=site,
                site_name=f"{name or 'Provider'}: client dashboard",
                nav=[{"Clients": "index.md"}, {"Findings": "findings.md"}],
                site_url=self.url("internal"),
                extra={"tripod_banner": "Internal: for the provider's staff, never for clients."},
                styles=STYLES,
                scripts=SCRIPTS,
            )
            put_table(site / "index.html", board)
            self.store.deduplicate(site / "assets")
            for file, content in files.items():
                data = content.encode() if isinstance(content, str) else content
                (site / file).write_bytes(data)
            (site / keys.INPUTS).write_text(record, "utf-8")
            leftover = self.swap(site, live)
            self._laid_out(inputs, key)
            return leftover
        finally:
            remove_tree(stage)


_REDIRECT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Redirecting</title>
<meta http-equiv="refresh" content="0; url=latest/"></head>
<body><a href="latest/">Go to the current documentation</a></body></html>
"""


def _version_entry(data: SiteData, client: Client, life: Lifecycle | None) -> dict[str, object]:
    version = data.version
    if version.current:
        draft = version.newest is None or version.terms_differ
        title = f"current (draft of v{client.agreement.version})" if draft else "current"
        return {"version": "current", "title": title, "aliases": ["latest"]}
    title = version.label
    standing = life.of(int(version.label[1:])) if life else None
    if standing is not None and standing.state in ("in force", "awaiting the client's signature"):
        title += f" ({standing.state})"
    return {"version": version.label, "title": title, "aliases": []}


def _base_url(config: Path) -> str | None:
    """The `site_url` of the MkDocs configuration, ending in a slash, or None."""
    try:
        for line in config.read_text("utf-8").splitlines():
            if line.startswith("site_url:"):
                value = line.split(":", 1)[1].split("#", 1)[0].strip().strip("'\"")
                return value.rstrip("/") + "/" if value else None
    except OSError:
        return None
    return None
