"""A Tripod project on disk: where its files are.

A project is a folder with `provider.yaml` and `clients/`, the way an MkDocs
project is a folder with `mkdocs.yml`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from generator import DEFAULTS
from generator.errors import UsageError
from generator.format.model import is_id
from generator.terms import canonical as terms


def is_client_file(name: str) -> bool:
    """Whether a file name is a client file's: .yaml or .yml, in any case."""
    return name.lower().endswith((".yaml", ".yml"))


class ProjectError(UsageError):
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
        """A path as the project names it: relative to its root where it is inside it."""
        clients = self.clients_dir
        if path.parent == clients and not path.is_symlink() and not clients.is_symlink():
            return f"clients/{path.name}"  # a client file: the root is resolved already
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def client_file(self, client_id: str) -> Path:
        """The file of a client: `clients/<id>.yaml`, or the one there is under
        another spelling of the extension (`.yml`, `.YAML`...)."""
        default = self.clients_dir / f"{client_id}.yaml"
        if default.is_file() or not self.clients_dir.is_dir():
            return default
        spelt = [p for p in self.client_files() if p.name.rsplit(".", 1)[0] == client_id]
        return spelt[0] if spelt else default

    def client_files(self, names: tuple[str, ...] = ()) -> list[Path]:
        """The files of the named clients (ids or paths), or of every client: every
        spelling of the extension (.yaml, .yml, .YAML, .Yml...) is the same."""
        if not names:
            if not self.clients_dir.is_dir():
                return []
            return sorted(
                p for p in self.clients_dir.iterdir() if is_client_file(p.name) and p.is_file()
            )
        files = []
        for name in names:
            is_path = is_client_file(name)
            if not is_path and not is_id(name):
                raise ProjectError(f"{name!r} is not a client id")
            path = Path(name) if is_path else self.client_file(name)
            if not path.is_absolute() and is_path:
                path = Path.cwd() / path
            if not path.is_file():
                raise ProjectError(f"no client {name!r}: {self.display(path)} does not exist")
            files.append(path)
        return files

    @property
    def base_config(self) -> Path:
        """The MkDocs configuration the sites derive from: the project's, or Tripod's."""
        own = self.root / "mkdocs.yml"
        return own if own.is_file() else DEFAULTS / "mkdocs.yml"

    def template(self, relative: str) -> Path:
        """A template, asset or font: the project's own copy, or Tripod's default."""
        own = self.templates_dir / relative
        return own if own.exists() else DEFAULTS / relative

    def template_fingerprint(self) -> str:
        """A fingerprint of the agreement template's wording: its HTML files, the
        project's own where it has them and Tripod's defaults for the rest."""
        found: dict[str, bytes] = {}
        for base in (DEFAULTS / "agreement", self.templates_dir / "agreement"):
            if base.is_dir():
                for path in base.rglob("*.html"):
                    found[path.relative_to(base).as_posix()] = path.read_bytes()
        return terms.template_fingerprint(sorted(found.items()))
