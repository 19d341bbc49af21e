"""A Tripod project on disk: where its files are, and checking all of it.

A project is a folder with `provider.yaml` and `clients/`, the way an MkDocs
project is a folder with `mkdocs.yml`.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from generator.findings import Finding
from generator.format import model
from generator.format.load import Loaded, load_client, load_provider
from generator.format.model import SLUG_PATTERN
from generator.rules.check import check
from generator.rules.registry import acknowledgeable
from generator.terms import archive
from generator.terms import canonical as terms

_SLUG = re.compile(SLUG_PATTERN)


class ProjectError(Exception):
    """The project cannot be used as asked (exit 2): a usage or environment problem."""


@dataclass(frozen=True, slots=True)
class Project:
    root: Path

    @classmethod
    def at(cls, directory: Path) -> Project:
        root = directory.resolve()
        if not (root / "provider.yaml").is_file():
            raise ProjectError(
                f"{directory} is not a Tripod project: it has no provider.yaml "
                "(run tripod in the project folder, or pass --project DIR)"
            )
        return cls(root)

    @property
    def clients_dir(self) -> Path:
        return self.root / "clients"

    @property
    def provider_file(self) -> Path:
        return self.root / "provider.yaml"

    @property
    def agreements_dir(self) -> Path:
        return self.root / "agreements"

    @property
    def templates_dir(self) -> Path:
        return self.root / "templates"

    @property
    def state_dir(self) -> Path:
        """Caches, the development key and other local state; git-ignored."""
        return self.root / ".tripod"

    def display(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def client_file(self, client_id: str) -> Path:
        return self.clients_dir / f"{client_id}.yaml"

    def client_files(self, names: tuple[str, ...] = ()) -> list[Path]:
        """The files of the named clients (ids or paths), or of every client."""
        if not names:
            if not self.clients_dir.is_dir():
                return []
            return sorted(
                p
                for p in self.clients_dir.iterdir()
                if p.suffix in (".yaml", ".yml") and p.is_file()
            )
        files = []
        for name in names:
            path = Path(name) if name.endswith((".yaml", ".yml")) else self.client_file(name)
            if not name.endswith((".yaml", ".yml")) and not _SLUG.fullmatch(name):
                raise ProjectError(f"{name!r} is not a client id")
            if not path.is_absolute() and name.endswith((".yaml", ".yml")):
                path = Path.cwd() / path
            if not path.is_file():
                raise ProjectError(f"no client {name!r}: {self.display(path)} does not exist")
            files.append(path)
        return files

    def template_fingerprint(self) -> str:
        folder = self.templates_dir / "agreement"
        files = (
            [(p.relative_to(folder).as_posix(), p.read_bytes()) for p in folder.rglob("*.html")]
            if folder.is_dir()
            else []
        )
        return terms.template_fingerprint(files)

    def issued_terms(self, client_id: str, version: int) -> bytes | None:
        """The canonical terms archived for an issued version, or None."""
        path = self.agreements_dir / client_id / f"v{version}" / archive.TERMS
        try:
            return terms.canonical(json.loads(path.read_bytes()))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as e:
            raise ProjectError(f"{self.display(path)} cannot be read: {e}") from e


@dataclass(slots=True)
class ClientReport:
    file: str
    loaded: Loaded[model.Client]
    findings: list[Finding] = field(default_factory=list)

    @property
    def client(self) -> model.Client | None:
        return self.loaded.model


@dataclass(slots=True)
class Report:
    provider: Loaded[model.Provider]
    clients: list[ClientReport]

    @property
    def findings(self) -> list[Finding]:
        found = [*self.provider.findings, *(f for c in self.clients for f in c.findings)]
        return sorted(found, key=Finding.sort_key)


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Loading makes many small objects and no reference cycles to speak of;
    the cyclic collector would walk the growing list of reports again and
    again for nothing (a third of the time of a check of 1,000 clients)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def check_project(project: Project, names: tuple[str, ...], today: dt.date) -> Report:
    """Loads and checks the provider and the named clients (all when none are named)."""
    with _no_cycle_collection():
        return _check_project(project, names, today)


def _check_project(project: Project, names: tuple[str, ...], today: dt.date) -> Report:
    provider = load_provider(project.provider_file, "provider.yaml", project.root)
    template = project.template_fingerprint() if provider.model else ""
    reports = []
    codes = acknowledgeable()
    for path in project.client_files(names):
        file = project.display(path)
        loaded = load_client(path, file, today, codes)
        findings = list(loaded.findings)
        client = loaded.model
        if client is not None:
            current = issued = None
            if provider.model is not None:
                issued = project.issued_terms(client.id, client.agreement.version)
                if issued is not None:
                    current = terms.canonical(terms.terms(client, provider.model, template))
            findings += check(client, loaded.source, file, today, issued, current)
        reports.append(ClientReport(file, loaded, findings))
    return Report(provider, reports)
