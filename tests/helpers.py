"""Helpers that several test modules share (imported by name, not through conftest)."""

from __future__ import annotations

import shutil
from pathlib import Path

from devtools import DevTools  # noqa: F401  (the browser tests import it from here)

from conftest import REPO, TinyProject


def in_order(text: str, *parts: str) -> None:
    """Each part is in `text`, after the one before it."""
    at = 0
    for part in parts:
        found = text.find(part, at)
        assert found >= 0, f"{part!r} not found after position {at}: ...{text[at : at + 300]}..."
        at = found + len(part)


def dashboard_table(page: str) -> dict[str, dict[str, str]]:
    """The dashboard's table as a reader sees it: each client's row by its name, each cell's
    words by its column's title ("Backup": "in place")."""
    from html.parser import HTMLParser

    class Table(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.rows: list[dict[str, str]] = []
            self.label: str | None = None
            self.inside = False

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found = dict(attrs)
            if tag == "table" and found.get("id") == "tp-table":
                self.inside = True
            elif self.inside and tag == "tr" and "data-states" in found:
                self.rows.append({})
            elif self.inside and tag == "td":
                self.label = found.get("data-label") or ""
                self.rows[-1][self.label] = ""

        def handle_endtag(self, tag: str) -> None:
            if tag == "td":
                self.label = None
            elif tag == "table":
                self.inside = False

        def handle_data(self, data: str) -> None:
            if self.label is not None:
                cell = self.rows[-1][self.label] + data
                self.rows[-1][self.label] = " ".join(cell.split())

    parser = Table()
    parser.feed(page)
    return {row["Client"]: row for row in parser.rows}


def example_project(root: Path, built: bool = False) -> TinyProject:
    """A copy of the example project (provider, clients, certificates, evidence and the
    issued agreements) at `root`, as a TinyProject; `built` by the real `tripod build`."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "provider.yaml", root / "provider.yaml")
    for name in ("clients", "certs", "evidence", "agreements"):
        shutil.copytree(REPO / name, root / name)
    project = TinyProject(root)
    if built:
        run = project.tripod("build")
        assert run.code == 0, run.err
    return project
