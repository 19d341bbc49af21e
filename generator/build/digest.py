"""What a build keeps of each client between builds, so that an unchanged client is
neither loaded nor checked again.

A client's `Digest` is everything the dashboard and the build need of it: its
findings, its dashboard row, its due items and their calendar events, the quotes
that would close its gaps, and the key of its current site. A worker that builds
a client (or only checks it) works the digest out from the client's record; the
build keeps it in `.tripod/cache/clients/`, with the stamps (size, times, inode) of
every file it was worked out from, as git's index does.

A kept digest is used only while:
- the stamps of the client's file, of `agreements/<id>/` and of `evidence/<id>/`
  are the same (stat only: nothing is read or hashed);
- the project-wide inputs are the same (`provider.yaml` as loaded, `mkdocs.yml`,
  the templates, Tripod and the packages it renders with: the build's shared key);
- the moment judged at is the same. A build judges at the end of its day (or at
  `--now`), so a digest holds for the rest of the day and the next day's first
  build checks every client again: a due date, an RPO deadline or the end of a
  term can only change a finding from one day to the next.

A file changed less than two seconds before it was stamped could change again
within the same timestamp: its digest is not kept ("racily clean", in git's
words), so the next build checks it again. Deleting the cache costs speed, never
correctness; a digest that cannot be read is a digest not kept. Digests are read
back with an unpickler that accepts Tripod's own record types and nothing else.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import pickle
import stat
import uuid
from dataclasses import dataclass
from pathlib import Path

from generator.findings import Finding
from generator.format.units import Duration
from generator.project.due import Item, event, record_items
from generator.project.record import ClientRecord
from generator.site import portfolio as pf
from generator.site.dashboard import details

FORMAT = 1  # a digest written by another format is not read
RACY_NS = 2_000_000_000  # a file changed this close to its stamping is checked again


@dataclass(slots=True)
class Digest:
    """What the build knows of one client file, as of one moment."""

    file: str
    name: str  # the client's id, or the file's stem when it cannot be loaded
    blocked: str | None  # why it gets no new site, or None
    findings: list[Finding]
    summary: pf.Summary
    items: list[Item]  # due items
    events: list[bytes]  # the items' calendar events, in the same order
    quotes: list[tuple[Finding, list[str]]]  # what would close each RTO or RPO gap
    site: str | None = None  # the key of its current site (None when blocked)


def digest_of(record: ClientRecord, now: dt.datetime, site: str | None) -> Digest:
    """A client's digest as of `now` (in the provider's time zone)."""
    client = record.client
    items = record_items(record, now.date())
    summary = pf.summary(record, record.provider, now, items)
    findings, quotes = details(record)
    return Digest(
        record.file,
        client.id if client else summary.id,
        record.blocked,
        findings,
        summary,
        items,
        [event(item, now.date()) for item in items],
        quotes,
        site,
    )


# ----------------------------------------------------------------------- stamps

Stamp = tuple[str, int, int, int, int]  # relative path, size, mtime, ctime (ns), inode


def _stamp(path: str, name: str) -> Stamp | None:
    try:
        found = os.stat(path)
    except OSError:
        return None
    if not stat.S_ISREG(found.st_mode):
        return None
    return (name, found.st_size, found.st_mtime_ns, found.st_ctime_ns, found.st_ino)


def _tree(folder: str, prefix: str, into: list[Stamp]) -> None:
    try:
        with os.scandir(folder) as listed:
            entries = sorted((e.name, e.path, e.is_dir(follow_symlinks=False)) for e in listed)
    except OSError:
        return
    for name, path, folder_ in entries:
        if folder_:
            _tree(path, f"{prefix}/{name}", into)
        else:
            found = _stamp(path, f"{prefix}/{name}")
            if found is not None:
                into.append(found)


def stamps(root: Path, path: Path, twins: list[Path]) -> tuple[Stamp, ...]:
    """The stamps of what a client's digest is worked out from: its file, its issued
    versions and its evidence, and the names of the other files for its id."""
    client_id = path.name.rsplit(".", 1)[0]
    found: list[Stamp] = []
    own = _stamp(str(path), "file")
    if own is not None:
        found.append(own)
    found += [("twin/" + p.name, 0, 0, 0, 0) for p in twins if p != path]
    base = str(root)
    _tree(os.path.join(base, "agreements", client_id), "agreements", found)
    _tree(os.path.join(base, "evidence", client_id), "evidence", found)
    return tuple(found)


def racy(found: tuple[Stamp, ...], taken_ns: int) -> bool:
    """Whether a file changed so close to `taken_ns` that a change within the same
    timestamp could go unseen."""
    return any(s[2] >= taken_ns - RACY_NS for s in found)


# ----------------------------------------------------------------------- the cache

_ALLOWED = {
    ("builtins", "set"),
    ("builtins", "frozenset"),
    ("datetime", "date"),
    ("datetime", "datetime"),
    ("datetime", "time"),
    ("datetime", "timedelta"),
    ("datetime", "timezone"),
    ("fractions", "Fraction"),
    *(
        (kind.__module__, kind.__qualname__)
        for kind in (Digest, Finding, Item, Duration, pf.Summary, pf.Action)
    ),
}


class _Unpickler(pickle.Unpickler):
    """Tripod's own record types and the few standard ones they hold: nothing else."""

    def find_class(self, module: str, name: str) -> type:
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(f"{module}.{name} is not a digest's")
        found: type = super().find_class(module, name)
        return found


@dataclass(slots=True)
class Kept:
    """A kept digest's heading: enough to tell whether its client needs building; the
    rest is read only when the dashboard is laid out again."""

    file: str
    name: str
    blocked: str | None
    site: str | None
    rest: bytes  # the digest, pickled

    def digest(self) -> Digest | None:
        """The whole digest, or None when it cannot be read."""
        try:
            found = _Unpickler(io.BytesIO(self.rest)).load()
        except Exception:  # not ours: worked out again
            return None
        return found if isinstance(found, Digest) and found.file == self.file else None


@dataclass(slots=True)
class Cache:
    """Digests under `folder`, one file per client, for one shared key and moment."""

    folder: Path
    context: bytes  # the shared key and the moment: a digest of another is not used

    def _path(self, file: str) -> Path:
        name = hashlib.sha256(file.encode()).hexdigest()[:24]
        return self.folder / f"{name}.digest"

    def get(self, file: str, found: tuple[Stamp, ...]) -> Kept | None:
        """The kept digest of a client file, if it still holds."""
        try:
            data = self._path(file).read_bytes()
            stream = io.BytesIO(data)
            heading = _Unpickler(stream).load()
            fmt, context, kept_file, kept_stamps, name, blocked, site = heading
        except Exception:  # missing, half-written, or not ours: worked out again
            return None
        if (fmt, context, kept_file, kept_stamps) != (FORMAT, self.context, file, found):
            return None
        if not isinstance(name, str) or not isinstance(site, str | None):
            return None
        if not isinstance(blocked, str | None):
            return None
        return Kept(file, name, blocked, site, data[stream.tell() :])

    def put(self, digest: Digest, found: tuple[Stamp, ...], taken_ns: int) -> None:
        """Keeps a digest worked out from files stamped `found` at `taken_ns`; one whose
        files changed just before is not kept, and neither is any old one."""
        path = self._path(digest.file)
        if racy(found, taken_ns):
            path.unlink(missing_ok=True)
            return
        heading = (
            FORMAT,
            self.context,
            digest.file,
            found,
            digest.name,
            digest.blocked,
            digest.site,
        )
        data = pickle.dumps(heading, pickle.HIGHEST_PROTOCOL) + pickle.dumps(
            digest, pickle.HIGHEST_PROTOCOL
        )
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            spare = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}")
            spare.write_bytes(data)
            os.replace(spare, path)
        except OSError:
            return  # a cache that cannot be written costs speed only

    def prune(self, files: list[str]) -> None:
        """Removes the digests of files that are gone, and what an interrupted build left."""
        keep = {self._path(f).name for f in files}
        try:
            entries = list(os.scandir(self.folder))
        except OSError:
            return
        for entry in entries:
            if entry.name not in keep:
                try:
                    os.unlink(entry.path)
                except OSError:
                    continue
