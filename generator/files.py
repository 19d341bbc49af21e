"""Writing files and folders so that a reader never sees one half-done.

Every write a reader may see goes through here: a new file or folder is made
beside the old one and then takes its place in one rename, an exchange of two
folders, or the switch of a symbolic link. Used by the build, publishing, the
agreements, the access files and the evidence.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import fcntl
import hashlib
import os
import re
import shutil
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def spare(path: Path, what: str = "new") -> Path:
    """A hidden name beside `path` that nothing else uses."""
    return path.with_name(f".{path.name}.{what}-{uuid.uuid4().hex[:8]}")


@contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """A temporary path beside `path`; when the block ends without an error it
    takes `path`'s place in one rename, else it is removed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = spare(path)
    try:
        yield partial
        os.replace(partial, path)
    finally:
        if partial.is_dir() and not partial.is_symlink():
            shutil.rmtree(partial, ignore_errors=True)
        else:
            partial.unlink(missing_ok=True)


def write_bytes(
    path: Path, data: bytes, mode: int | None = None, *, keep_group: bool = False
) -> None:
    """`path` holds `data`, whole, or what it held before; `mode` whatever the umask.

    `keep_group`: the new file gets the group the old one had (one given by hand,
    such as the web server's) where the writer may give it; otherwise, as for a
    first write, it gets the group the system gives (the folder's, if set-group-ID).
    """
    with replacing(path) as partial:
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # less the umask
        try:
            if mode is not None:
                os.fchmod(descriptor, mode)
            if keep_group:
                _keep_group(descriptor, path)
            view = memoryview(data)
            while view:
                view = view[os.write(descriptor, view) :]
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def write_text(path: Path, text: str, mode: int | None = None, *, keep_group: bool = False) -> None:
    write_bytes(path, text.encode("utf-8"), mode, keep_group=keep_group)


def _keep_group(descriptor: int, path: Path) -> None:
    # No old file, or not a member of its group: the group the system gave stays.
    with contextlib.suppress(FileNotFoundError, PermissionError):
        os.fchown(descriptor, -1, path.stat().st_gid)


def _exchange(a: Path, b: Path) -> bool:
    """Swaps two paths in one step (Linux's renameat2); False where the system cannot."""
    libc = _libc()
    if libc is None:
        return False
    result = libc.renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(b))


_LIBC: list[ctypes.CDLL | None] = []


def _libc() -> ctypes.CDLL | None:
    if not _LIBC:
        name = ctypes.util.find_library("c")
        try:
            libc = ctypes.CDLL(name, use_errno=True) if name else None
        except OSError:
            libc = None
        _LIBC.append(libc if libc is not None and hasattr(libc, "renameat2") else None)
    return _LIBC[0]


@dataclass(frozen=True, slots=True)
class Leftover:
    """A folder a build meant to remove and could not (a read-only file or folder)."""

    path: Path
    error: OSError


def remove_tree(path: Path) -> Leftover | None:
    """Removes a folder (or a file, or a link) with all it holds; what stays, if any."""
    errors: list[OSError] = []

    def failed(_function: object, _path: str, excinfo: object) -> None:
        error = excinfo[1] if isinstance(excinfo, tuple) else excinfo
        if isinstance(error, OSError) and not isinstance(error, FileNotFoundError):
            errors.append(error)

    if path.is_symlink() or path.is_file():
        try:
            path.unlink()
        except FileNotFoundError:
            return None
        except OSError as e:
            return Leftover(path, e)
        return None
    if not path.exists():
        return None
    if sys.version_info >= (3, 12):
        shutil.rmtree(path, onexc=failed)
    else:
        shutil.rmtree(path, onerror=failed)
    return Leftover(path, errors[0]) if errors and os.path.lexists(path) else None


def swap_folder(new: Path, live: Path) -> Leftover | None:
    """Puts the complete folder `new` in place of `live` and removes the old one.

    There is no moment without a complete `live`: where the system exchanges two
    names at once (Linux's renameat2) the two folders trade places; elsewhere
    `live` is a symbolic link to a hidden folder beside it, switched in one
    rename to the new one. (The first switch on such a system turns the folder
    into a link: a kill in that instant leaves it aside, which `repair` puts
    back.) Returns the old folder if it could not be removed.
    """
    live.parent.mkdir(parents=True, exist_ok=True)
    if live.is_symlink():
        return _switch_folder(new, live)
    if not live.exists():
        os.rename(new, live)  # nothing to replace: one rename
        return None
    # Beside the live folder first: an exchange in one folder changes no `..`, so
    # it needs no write permission on the two folders themselves.
    beside = spare(live, "new")
    os.rename(new, beside)
    try:
        exchanged = _exchange(beside, live)
    except OSError:
        remove_tree(beside)
        raise
    if exchanged:
        return remove_tree(beside)  # `beside` now names the old folder
    return _switch_folder(beside, live)


def _switch_folder(new: Path, live: Path) -> Leftover | None:
    target = spare(live, "site")
    os.rename(new, target)
    try:
        return _switch_to(target, live)
    except OSError:
        remove_tree(target)
        raise


def _switch_to(target: Path, live: Path) -> Leftover | None:
    if live.is_symlink():
        old = live.parent / os.readlink(live)
        switch_link(live, target.name)
        return remove_tree(old) if _hidden_beside(old, live) else None
    aside = spare(live, "old")
    os.rename(live, aside)
    try:
        switch_link(live, target.name)
    except OSError:
        os.rename(aside, live)
        raise
    return remove_tree(aside)


def _hidden_beside(path: Path, live: Path) -> bool:
    return path.parent == live.parent and _SPARE.fullmatch(path.name) is not None


# The names `spare` gives: `.<name>.<what>-<8 hex digits>`.
_SPARE = re.compile(r"\.(?P<name>.+)\.(?P<what>new|old|site|link)-[0-9a-f]{8}")


@dataclass(slots=True)
class Repaired:
    restored: list[Path] = field(default_factory=list)  # put back after a kill mid-swap
    removed: list[Path] = field(default_factory=list)
    leftovers: list[Leftover] = field(default_factory=list)


def repair(folder: Path) -> Repaired:
    """Undoes what a process killed in `swap_folder` or `replacing` left in `folder`.

    A folder set aside (`.<name>.old-*`) while no `<name>` exists is put back;
    a link pointing nowhere is removed; every other spare name (a half-written
    file, a staged folder, an old one not yet removed, a hidden folder no link
    points to) is removed. Run it while no other process writes in `folder`.
    """
    done = Repaired()
    if not folder.is_dir():
        return done
    entries = sorted(folder.iterdir(), key=lambda p: p.name)
    for path in entries:
        if path.is_symlink() and not path.exists() and _SPARE.fullmatch(path.name) is None:
            path.unlink()
            done.removed.append(path)
    for path in entries:
        match = _SPARE.fullmatch(path.name)
        if match is None or not os.path.lexists(path):
            continue
        live = folder / match["name"]
        if match["what"] == "old" and not os.path.lexists(live) and path.is_dir():
            try:
                os.rename(path, live)
            except OSError as e:
                done.leftovers.append(Leftover(path, e))
            else:
                done.restored.append(live)
            continue
        if match["what"] == "site" and live.is_symlink() and os.readlink(live) == path.name:
            continue
        leftover = remove_tree(path)
        if leftover is None:
            done.removed.append(path)
        else:
            done.leftovers.append(leftover)
    return done


def switch_link(link: Path, target: str) -> None:
    """Points the symbolic link `link` at `target` with one rename of a new link."""
    new = spare(link)
    os.symlink(target, new)
    try:
        os.replace(new, link)
    except OSError:
        new.unlink(missing_ok=True)
        raise


def link_or_copy(source: str, target: str) -> None:
    """A hard link to a built file (nothing writes into one in place), or a copy where
    links cannot be made."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def link_tree(source: Path, target: Path) -> bool:
    """`target` as a copy of `source` made of hard links (copies where links fail).
    False when there is no such source."""
    if not source.is_dir():
        return False
    shutil.copytree(source, target, copy_function=link_or_copy)
    return True


def tree_digest(folder: Path) -> bytes:
    """Names and contents of every file below a folder (empty when it does not exist)."""
    digest = hashlib.sha256()
    if folder.is_dir():
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
                digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.digest()


@contextmanager
def creating(folder: Path) -> Iterator[Path]:
    """A staging folder beside `folder` that becomes `folder` when the block ends
    without an error: it appears whole or not at all, and never replaces a folder
    that holds anything (the rename fails instead)."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    stage = spare(folder)
    stage.mkdir()
    try:
        yield stage
        os.rename(stage, folder)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


class Held(Exception):
    """Another process holds the lock; `holder` is what it wrote into the lock file."""

    def __init__(self, holder: str) -> None:
        super().__init__(holder)
        self.holder = holder


@contextmanager
def exclusive(
    path: Path,
    holder: str,
    wait: float,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Holds the lock file `path` (flock) for the block, waiting up to `wait` seconds.

    `holder` (who, since when) is written into the file while it is held, for the
    next one to read: `on_wait` is called with it once when the lock is busy, and
    `Held` raised with it when the wait is over. The system releases the lock
    when the holder ends, however it ends, and with it every process it forked
    (build workers hold it too, so none outlives it unseen).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
    try:
        deadline = time.monotonic() + wait
        told = False
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                who = os.pread(descriptor, 4096, 0).decode("utf-8", "replace").strip()
                left = deadline - time.monotonic()
                if left <= 0:
                    raise Held(who) from None
                if on_wait is not None and not told:
                    on_wait(who)
                    told = True
                time.sleep(min(0.1, left))
        data = holder.encode("utf-8")
        os.pwrite(descriptor, data, 0)
        os.ftruncate(descriptor, len(data))
        try:
            yield
        finally:
            os.ftruncate(descriptor, 0)
    finally:
        os.close(descriptor)
