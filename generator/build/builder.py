"""`tripod build`: every client's versioned site, and the provider's dashboard.

Each client is built on its own, from its own files, into a staging folder
beside its live folder; only a complete build is swapped in. A client whose
file cannot be loaded keeps its last good site. Nothing here prints.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import json
import multiprocessing
import os
import shutil
import time
import uuid
import zipfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment

from generator import render
from generator.agreement.document import render_agreement
from generator.errors import TripodError
from generator.findings import Finding
from generator.format.model import Client, Provider
from generator.project.layout import ClientReport, Project, Report, check_project
from generator.site.engine import build_site, escape_html
from generator.site.pages import PAGES, IssuedVersion, SiteData, VersionInfo, banner, write_pages
from generator.terms import archive
from generator.terms import canonical as terms
from generator.terms.changelog import changelog

DRAFT = "agreement-draft.pdf"
INPUTS = ".tripod-inputs"  # in each client folder: the key of what it was built from


class BuildError(TripodError):
    """The build cannot run at all (exit 1 or 2, as the CLI decides)."""


@dataclass(slots=True)
class Outcome:
    client: str
    file: str
    built: bool
    versions: int = 0
    reason: str | None = None  # why the last good site was kept
    cached: bool = False  # nothing it depends on changed: the site was left as it was
    reused: int = 0  # issued versions whose sites were unchanged and kept


@dataclass(slots=True)
class BuildResult:
    outcomes: list[Outcome] = field(default_factory=list)
    dashboard: bool = False
    seconds: float = 0.0

    @property
    def kept(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.built]


def nav() -> list[dict[str, str]]:
    return [{title: name} for title, name in PAGES]


@dataclass(slots=True)
class Builder:
    """Builds into `<project>/site/`, staging under `site/.staging/`."""

    project: Project
    today: dt.date
    env: Environment = field(init=False)
    site_url: str | None = field(init=False, default=None)

    shared: bytes = field(init=False, default=b"")

    def __post_init__(self) -> None:
        self.env = render.environment(self.project.templates_dir)
        self.site_url = _base_url(self.project.root / "mkdocs.yml")
        root = self.project.root
        digest = hashlib.sha256()
        for path in (root / "provider.yaml", root / "mkdocs.yml"):
            digest.update(path.read_bytes() if path.is_file() else b"")
        digest.update(_tree_digest(self.project.templates_dir))
        digest.update(_tree_digest(Path(__file__).parents[1]))  # Tripod's own code
        digest.update(_versions().encode())
        self.shared = digest.digest()

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
        assets = self.project.templates_dir / "site" / "assets"
        if not assets.is_dir():
            assets = render.PACKAGE_TEMPLATES / "site" / "assets"
        write_pages(self.env, data, docs, assets)
        build_site(
            base_config=self.project.root / "mkdocs.yml",
            docs_dir=docs,
            site_dir=out,
            site_name=data.client.name,
            nav=nav(),
            site_url=url,
            extra={"tripod_banner": escape_html(banner(data.version, data.client))},
            offline=offline,
        )

    def versions(
        self, client: Client, provider: Provider, findings: list[Finding], packed: bool = False
    ) -> list[tuple[SiteData, list[tuple[str, Path]]]]:
        """Each version of the client's site: current first, then issued ones, newest first.

        The signed PDFs of version N are in the site's `vN/` folder, two levels up
        from a page; in a pack they are in `agreements/`, beside the pages.
        """
        issued = archive.issued_versions(self.project.agreements_dir, client.id)
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
            )
            for v in issued
        )
        template = self.project.template_fingerprint()
        now = terms.terms(client, provider, template)
        differ = bool(issued) and issued[-1].canonical != terms.canonical(now)
        changes = tuple(changelog(issued[-1].terms, now)) if differ else ()
        result: list[tuple[SiteData, list[tuple[str, Path]]]] = [
            (
                SiteData(
                    client,
                    provider,
                    VersionInfo(
                        "current", True, listed, differ, changes, DRAFT if packed else f"../{DRAFT}"
                    ),
                    self.today,
                    findings,
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
            data = SiteData(
                archive.client_of(v), archive.provider_of(v, provider), frozen, v.effective
            )
            result.append((data, v.documents()))
        return result

    def inputs(self, report: ClientReport) -> str:
        """A key over everything a client's sites depend on; the same key, the same sites.

        The client's file, the project-wide inputs (provider.yaml, mkdocs.yml,
        templates, Tripod itself and the versions of the packages it renders
        with), the client's archived versions, and its findings, which carry
        the date-dependent part (a test going overdue).
        """
        client = report.client
        assert client is not None
        digest = hashlib.sha256(self.shared)
        digest.update((self.project.root / report.file).read_bytes())
        digest.update(_tree_digest(self.project.agreements_dir / client.id))
        findings = [f.as_json() for f in report.findings]
        digest.update(json.dumps(findings, sort_keys=True, default=str).encode())
        return digest.hexdigest()

    def version_inputs(self, client_id: str) -> dict[str, str]:
        """For each issued version N, a key over everything its site depends on: the
        archived versions up to N (terms and signed files) and the project-wide
        inputs. Its pages never change with the client's file, the findings or the date."""
        digest = hashlib.sha256(self.shared)
        digest.update(client_id.encode() + b"\0")
        keys = {}
        for issued in archive.issued_versions(self.project.agreements_dir, client_id):
            digest.update(f"{issued.label}\0".encode() + _tree_digest(issued.folder))
            keys[issued.label] = digest.copy().hexdigest()
        return keys

    def build_client(self, report: ClientReport, provider: Provider) -> Outcome:
        client = report.client
        assert client is not None
        live = self.root / "clients" / client.id
        key = self.inputs(report)
        before = _read_inputs(live / INPUTS)
        if before.get("site") == key:
            return Outcome(client.id, report.file, True, 0, cached=True)
        stage = self.stage(client.id)
        try:
            versions = self.versions(client, provider, report.findings)
            entries = []
            keys = self.version_inputs(client.id)
            reused = 0
            for data, documents in versions:
                label = data.version.label
                out = stage / label
                entries.append(_version_entry(data, client, versions[0][0].version.issued))
                was = before.get("versions", {}).get(label)
                if (
                    not data.version.current
                    and was == keys[label]
                    and _link_tree(live / label, out)
                ):
                    reused += 1
                    continue
                self.build_version(
                    data, out, stage / ".docs" / label, self.url("clients", client.id, label)
                )
                for _, path in documents:
                    shutil.copy2(path, out / path.name)
            self.draft(client, provider, stage / "current" / DRAFT)
            shutil.rmtree(stage / ".docs")
            for label in ("current", *keys):
                self.store.deduplicate(stage / label / "assets")
            _link_tree(stage / "current", stage / "latest")
            (stage / "versions.json").write_text(json.dumps(entries, indent=2) + "\n", "utf-8")
            (stage / "index.html").write_text(_REDIRECT, "utf-8")
            record = {"site": key, "versions": keys}
            (stage / INPUTS).write_text(json.dumps(record, indent=2) + "\n", "utf-8")
            _swap(stage, live)
        finally:
            shutil.rmtree(stage, ignore_errors=True)
        return Outcome(client.id, report.file, True, len(versions), reused=reused)

    def draft(self, client: Client, provider: Provider, target: Path) -> None:
        """The draft agreement of the current terms, marked DRAFT and unsigned."""
        issued = archive.issued_versions(self.project.agreements_dir, client.id)
        earlier = [v for v in issued if v.number < client.agreement.version]
        canonical = terms.canonical(
            terms.terms(client, provider, self.project.template_fingerprint())
        )
        rendered = render_agreement(
            self.env,
            self.project.templates_dir,
            canonical,
            provider,
            earlier[-1].terms if earlier else None,
            draft=True,
        )
        target.write_bytes(rendered.pdf)

    # ------------------------------------------------------------ dashboard

    def build_dashboard(self, report: Report) -> None:
        from generator.site.dashboard import dashboard_pages

        stage = self.stage("internal")
        try:
            docs = stage / ".docs"
            pages = dashboard_pages(self.env, report, self.project, self.today)
            docs.mkdir()
            for name, text in pages.items():
                (docs / name).write_text(text, "utf-8")
            assets = self.project.templates_dir / "site" / "assets"
            if assets.is_dir():
                shutil.copytree(assets, docs / "assets")
            provider = report.provider.model
            build_site(
                base_config=self.project.root / "mkdocs.yml",
                docs_dir=docs,
                site_dir=stage / "site",
                site_name=f"{provider.name if provider else 'Provider'}: client dashboard",
                nav=[{"Clients": "index.md"}, {"Findings": "findings.md"}],
                site_url=self.url("internal"),
                extra={"tripod_banner": "Internal: for the provider's staff, never for clients."},
            )
            self.store.deduplicate(stage / "site" / "assets")
            _swap(stage / "site", self.root / "internal")
        finally:
            shutil.rmtree(stage, ignore_errors=True)

    # ------------------------------------------------------------ pack

    def pack(self, report: ClientReport, provider: Provider, target: Path) -> Path:
        """The break-glass zip: the current site for file://, with the signed agreements."""
        client = report.client
        assert client is not None
        stage = self.stage(f"pack-{client.id}")
        try:
            data, _ = self.versions(client, provider, report.findings, packed=True)[0]
            out = stage / client.id
            self.build_version(data, out, stage / ".docs", None, offline=True)
            self.draft(client, provider, out / DRAFT)
            for issued in archive.issued_versions(self.project.agreements_dir, client.id):
                for _, path in issued.documents():
                    agreements = out / "agreements"
                    agreements.mkdir(exist_ok=True)
                    shutil.copy2(path, agreements / f"{issued.label}-{path.name}")
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(target.name + ".partial")
            _zip(out, partial, client.id, self.today)
            os.replace(partial, target)
        finally:
            shutil.rmtree(stage, ignore_errors=True)
        return target


_REDIRECT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Redirecting</title>
<meta http-equiv="refresh" content="0; url=latest/"></head>
<body><a href="latest/">Go to the current documentation</a></body></html>
"""


def _version_entry(
    data: SiteData, client: Client, issued: tuple[IssuedVersion, ...]
) -> dict[str, object]:
    version = data.version
    if version.current:
        in_force = version.in_force
        draft = in_force is None or version.terms_differ
        title = f"current (draft of v{client.agreement.version})" if draft else "current"
        return {"version": "current", "title": title, "aliases": ["latest"]}
    newest = issued[-1] if issued else None
    title = version.label
    if newest is not None and version.label == f"v{newest.number}":
        title += " (in force)" if newest.executed else " (awaiting the client's signature)"
    return {"version": version.label, "title": title, "aliases": []}


# What shapes the output besides Tripod's own code: an upgrade rebuilds every site.
_RENDERERS = (
    "mkdocs", "mkdocs-material", "pymdown-extensions", "markdown", "jinja2", "markupsafe",
    "pygments", "weasyprint", "pydyf", "tinycss2", "cssselect2", "fonttools",
)  # fmt: skip


def _versions() -> str:
    from importlib import metadata

    found = []
    for name in _RENDERERS:
        try:
            found.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name} absent")
    return "\n".join(found)


def _tree_digest(folder: Path) -> bytes:
    """Names and contents of every file below a folder (empty when it does not exist)."""
    digest = hashlib.sha256()
    if folder.is_dir():
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
                digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.digest()


def _read_inputs(path: Path) -> dict[str, Any]:
    """The keys a client folder was built from (empty when unknown or unreadable)."""
    try:
        record = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def _link_tree(source: Path, target: Path) -> bool:
    """`target` as a copy of `source` made of hard links (copies where links fail).
    False when there is no such source."""
    if not source.is_dir():
        return False
    shutil.copytree(source, target, copy_function=link_or_copy)
    return True


def link_or_copy(source: str, target: str) -> None:
    """A hard link to a built file (nothing writes into one in place), or a copy where
    links cannot be made."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


@dataclass(frozen=True, slots=True)
class Store:
    """One copy of each distinct asset of the built sites, by content.

    A site's assets (Material's scripts, styles and fonts, Tripod's own) that
    are identical to one already stored become hard links to it, so a thousand
    clients' sites hold the theme once on disk while each client folder stays
    complete on its own: copy it anywhere and it works. (`latest/` and an
    unchanged issued version are hard links to what they copy, whole.)
    Nothing writes into a built file in place, so shared inodes stay intact.
    """

    folder: Path

    def deduplicate(self, tree: Path) -> None:
        if not tree.is_dir():
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        for path in sorted(tree.rglob("*")):
            if not path.is_file() or path.is_symlink():
                continue
            stat = path.stat()
            if stat.st_nlink > 1:
                continue  # already a link: an unchanged version kept as it was
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            stored = self.folder / digest
            try:
                os.link(path, stored)  # the first of its kind: it becomes the stored copy
                continue
            except FileExistsError:
                pass
            except OSError:
                return  # a filesystem without hard links: plain copies it is
            spare = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}")
            try:
                os.link(stored, spare)
            except OSError:
                continue
            os.replace(spare, path)

    def prune(self) -> None:
        """Forgets stored files no built site uses any more."""
        if not self.folder.is_dir():
            return
        for path in self.folder.iterdir():
            try:
                if path.stat().st_nlink == 1:
                    path.unlink()
            except OSError:
                pass


def _swap(new: Path, live: Path) -> None:
    """Puts a complete folder in place of the live one, keeping the live one until then."""
    live.parent.mkdir(parents=True, exist_ok=True)
    old = None
    if live.exists():
        old = live.with_name(f".{live.name}.old-{uuid.uuid4().hex[:8]}")
        os.replace(live, old)
    os.replace(new, live)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _zip(folder: Path, target: Path, prefix: str, today: dt.date) -> None:
    stamp = (today.year, today.month, today.day, 0, 0, 0)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive_:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                info = zipfile.ZipInfo(f"{prefix}/{path.relative_to(folder).as_posix()}", stamp)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                archive_.writestr(info, path.read_bytes())


def _base_url(config: Path) -> str | None:
    """The `site_url` of the project's mkdocs.yml, ending in a slash, or None."""
    try:
        for line in config.read_text("utf-8").splitlines():
            if line.startswith("site_url:"):
                value = line.split(":", 1)[1].split("#", 1)[0].strip().strip("'\"")
                return value.rstrip("/") + "/" if value else None
    except OSError:
        return None
    return None


# What a worker process builds with: set in the parent just before the pool
# forks, so each worker inherits it instead of receiving it pickled.
_WORK: tuple[Builder, Provider, dict[str, ClientReport]] | None = None


def _build_one(file: str) -> Outcome:
    assert _WORK is not None
    builder, provider, entries = _WORK
    return builder.build_client(entries[file], provider)


def _build_all(
    builder: Builder,
    provider: Provider,
    entries: list[ClientReport],
    jobs: int,
    on_step: Callable[[str], None] | None,
) -> dict[str, Outcome]:
    """Each client's sites, on `jobs` processes; each client is built on its own, so the
    output is the same whatever the number of workers."""
    global _WORK
    done: dict[str, Outcome] = {}
    if jobs <= 1 or len(entries) <= 1:
        for entry in entries:
            done[entry.file] = builder.build_client(entry, provider)
            if on_step:
                on_step(entry.file)
        return done
    _WORK = (builder, provider, {e.file: e for e in entries})
    # Out of the collector's sight, the parent's objects are not written to by a
    # worker's collections, so their pages stay shared instead of being copied.
    gc.freeze()
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
            futures = {pool.submit(_build_one, e.file): e.file for e in entries}
            for future in as_completed(futures):
                done[futures[future]] = future.result()
                if on_step:
                    on_step(futures[future])
    finally:
        gc.unfreeze()
        _WORK = None
    return done


def in_shard(file: str, k: int, n: int) -> bool:
    """Whether a client file falls in part K of N: by a hash of its name, so the
    split stays put when other clients come and go."""
    name = file.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big") % n == k - 1


def build(
    project: Project,
    names: tuple[str, ...],
    today: dt.date,
    on_step: Callable[[str], None] | None = None,
    on_start: Callable[[int], None] | None = None,
    jobs: int | None = None,
    shard: tuple[int, int] | None = None,
) -> tuple[BuildResult, Report]:
    """Builds the named clients' sites (all when none are named) and the dashboard.

    `jobs` worker processes build clients in parallel (default: one per core).
    `shard` (K, N) builds only the K-th of N stable parts of the clients, so N
    machines can share the work; the first part also builds the dashboard.
    """
    started = time.monotonic()
    report = check_project(project, (), today)
    provider = report.provider.model
    if provider is None:
        raise BuildError("provider.yaml cannot be loaded; fix it first (tripod check)")
    wanted = {project.display(p) for p in project.client_files(names)}
    chosen = [c for c in report.clients if c.file in wanted]
    if shard is not None:
        chosen = [c for c in chosen if in_shard(c.file, *shard)]
    if on_start:
        on_start(len(chosen) + 1)
    builder = Builder(project, today)
    result = BuildResult()
    buildable = []
    kept: dict[str, Outcome] = {}
    for entry in chosen:
        client = entry.client
        secret = any(f.code == "secret-like-value" for f in entry.findings)
        if client is None or secret:
            why = (
                "a value looks like a secret and would be published"
                if secret
                else "the file cannot be loaded"
            )
            kept[entry.file] = Outcome(
                client.id if client else entry.file, entry.file, False, reason=why
            )
            if on_step:
                on_step(entry.file)
        else:
            buildable.append(entry)
    built = _build_all(builder, provider, buildable, jobs or os.cpu_count() or 1, on_step)
    result.outcomes = [kept.get(e.file) or built[e.file] for e in chosen]
    if shard is None or shard[0] == 1:
        builder.build_dashboard(report)
        result.dashboard = True
    if on_step:
        on_step("dashboard")
    shutil.rmtree(builder.staging, ignore_errors=True)
    builder.store.prune()
    result.seconds = time.monotonic() - started
    return result, report
