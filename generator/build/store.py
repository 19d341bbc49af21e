"""One copy on disk of each asset the built sites share."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from generator.files import spare


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
            if path.stat().st_nlink > 1:
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
            link = spare(path, "link")
            try:
                os.link(stored, link)
            except OSError:
                continue
            os.replace(link, path)

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
