"""What a built site depends on, as keys: the same key, the same site.

A client folder records the keys it was built from (`.tripod-inputs`): one
for its current site, one per issued version. A build compares them with the
keys of its inputs and leaves alone what has not changed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zoneinfo
from pathlib import Path
from typing import Any

from generator.agreement.pdf import engine_versions
from generator.files import tree_digest
from generator.format.load import Loaded
from generator.format.model import Provider
from generator.project.layout import Project
from generator.project.record import Checker, ClientRecord
from generator.render.health import client_health

INPUTS = ".tripod-inputs"  # in each client folder

# What shapes the output besides Tripod's own code: an upgrade rebuilds every site.
_RENDERERS = (
    "mkdocs", "mkdocs-material", "pymdown-extensions", "markdown", "jinja2", "markupsafe",
    "pygments", "weasyprint", "pydyf", "tinycss2", "cssselect2", "fonttools",
)  # fmt: skip

_CODE = Path(__file__).resolve().parents[1]  # Tripod's own code, its default templates included


def renderer_versions() -> str:
    from importlib import metadata

    found = []
    for name in _RENDERERS:
        try:
            found.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name} absent")
    found.append(engine_versions())  # HarfBuzz and Pango shape the PDFs too
    return "\n".join(found)


def shared(project: Project) -> bytes:
    """A key over what every site depends on: provider.yaml, the project's mkdocs.yml
    and templates, Tripod itself, and the versions of the packages it renders with."""
    digest = hashlib.sha256()
    for path in (project.provider_file, project.root / "mkdocs.yml"):
        digest.update(path.read_bytes() if path.is_file() else b"")
    digest.update(tree_digest(project.templates_dir))
    digest.update(tree_digest(_CODE))
    digest.update(renderer_versions().encode())
    return digest.digest()


def site(common: bytes, root: Path, record: ClientRecord, now: dt.datetime) -> str:
    """A key over everything a client's current site depends on: the project-wide
    inputs, the client's file, its archived versions, its evidence (an import
    rebuilds its current site, and no other), the agreement's lifecycle on the day, its findings, which carry the
    date-dependent part (a test going overdue), and, with evidence, what its backups'
    health shows of the build's moment (the day, what is wrong since when)."""
    assert record.client is not None and record.agreements is not None
    digest = hashlib.sha256(common)
    digest.update((root / record.file).read_bytes())
    digest.update(tree_digest(record.agreements / record.client.id))
    digest.update(tree_digest(root / "evidence" / record.client.id))
    findings = [f.as_json() for f in record.findings]
    digest.update(json.dumps(findings, sort_keys=True, default=str).encode())
    # The agreement's state on the day: a version taking effect changes no finding.
    life = record.lifecycle(now.date())
    digest.update(json.dumps([life.sentence, *(s.words for s in life.versions)]).encode())
    evidence = record.evidence
    if evidence.backups and record.provider is not None:
        zone = zoneinfo.ZoneInfo(record.provider.timezone)
        shown = [h.key() for h in client_health(record.client, evidence, now, zone).values()]
        digest.update(json.dumps(shown).encode())
    return digest.hexdigest()


def draft(common: bytes, record: ClientRecord) -> str:
    """A key over everything the draft agreement depends on: the project-wide inputs, the
    current terms and those of the version before them. Never the date, the findings or
    the evidence: a site rebuilt for those keeps its draft as it was."""
    assert record.client is not None
    digest = hashlib.sha256(common)
    digest.update(record.terms.canonical + b"\0")
    earlier = record.before(record.client.agreement.version)
    digest.update(earlier.canonical if earlier else b"")
    return digest.hexdigest()


def versions(common: bytes, record: ClientRecord) -> dict[str, str]:
    """For each issued version N, a key over everything its site depends on: the
    archived versions up to N (terms and signed files) and the project-wide
    inputs. Its pages never change with the client's file, the findings or the date."""
    assert record.client is not None
    digest = hashlib.sha256(common)
    digest.update(record.client.id.encode() + b"\0")
    keys = {}
    for issued in record.issued:
        digest.update(f"{issued.label}\0".encode() + tree_digest(issued.folder))
        keys[issued.label] = digest.copy().hexdigest()
    return keys


def dashboard(common: bytes, written: dict[str, str | bytes]) -> str:
    """A key over everything the dashboard depends on: the project-wide inputs and what
    Tripod writes for it (its pages' Markdown, the portfolio files, the calendar), which
    carry every client's findings, summary and dates. The same key, the same dashboard:
    a build that changes no line of it leaves it as it is."""
    digest = hashlib.sha256(common)
    for name, content in sorted(written.items()):
        data = content.encode() if isinstance(content, str) else content
        digest.update(f"{name}\0{len(data)}\0".encode() + data)
    return digest.hexdigest()


def context(common: bytes, checker: Checker) -> bytes:
    """A key over what every client's findings and dashboard row depend on besides the
    client's own files: the shared inputs, the provider as loaded, and the day and the
    moment judged at."""
    digest = hashlib.sha256(common)
    provider = checker.provider.model
    digest.update(provider.model_dump_json().encode() if provider else b"")
    digest.update(f"\0{checker.today.isoformat()}\0{checker.moment.isoformat()}\0".encode())
    digest.update(checker.template.encode())
    return digest.digest()


def inputs(common: bytes, provider: Loaded[Provider], stamps: dict[str, tuple[Any, ...]]) -> str:
    """A key over what the dashboard is worked out from when every client's digest was
    kept: the context, the provider's findings, and each client file's stamps."""
    digest = hashlib.sha256(common)
    findings = [f.as_json() for f in provider.findings]
    digest.update(json.dumps(findings, sort_keys=True, default=str).encode())
    for file, found in sorted(stamps.items()):
        digest.update(json.dumps([file, found]).encode())
    return digest.hexdigest()


def read(path: Path) -> dict[str, Any]:
    """The keys a client folder was built from (empty when unknown or unreadable)."""
    try:
        record = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}
