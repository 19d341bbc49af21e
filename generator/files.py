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
import hashlib
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
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


def swap_folder(new: Path, live: Path) -> None:
    """Puts the complete folder `new` in place of `live` and removes the old one.

    Where the system exchanges two names at once there is no moment without a
    `live` folder; elsewhere the old one is renamed aside first, for the
    instant between two renames.
    """
    live.parent.mkdir(parents=True, exist_ok=True)
    if not live.exists():
        os.replace(new, live)
        return
    if _exchange(new, live):
        shutil.rmtree(new, ignore_errors=True)  # `new` now names the old folder
        return
    old = spare(live, "old")
    os.replace(live, old)
    os.replace(new, live)
    shutil.rmtree(old, ignore_errors=True)


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
