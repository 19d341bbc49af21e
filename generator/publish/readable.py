"""Whether nginx's worker can read what publishing wrote.

nginx reads the releases and the access files as its worker user (Debian's
www-data), not as the user who published. A file it cannot read answers 500 at
the first sign-in, so `publish` and `access add` check, from the files' owners
and modes, and say what to run when it cannot.
"""

from __future__ import annotations

import grp
import os
import pwd
import re
import shlex
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from generator.publish import PublishError

NGINX_CONF = Path("/etc/nginx/nginx.conf")
_USER = re.compile(r"^\s*user\s+([^\s;]+)", re.M)


@dataclass(frozen=True, slots=True)
class Reader:
    """A user as the kernel checks them: their id and every group they are in."""

    name: str
    uid: int
    group: str  # the user's own group, the one to give files to
    groups: frozenset[int]

    def can(self, path: Path, need: int) -> bool:
        """Whether this user has the `need` bits (4 read, 1 enter) on `path`."""
        if self.uid == 0:
            return True
        info = path.stat()
        if info.st_uid == self.uid:
            bits = info.st_mode >> 6
        elif info.st_gid in self.groups:
            bits = info.st_mode >> 3
        else:
            bits = info.st_mode
        return bits & need == need


def nginx_user(name: str | None) -> Reader | None:
    """The user nginx's workers run as: `name` when given, else the `user` line of
    this host's nginx.conf; None where nginx is not on this host (nothing to check)."""
    if name is None:
        try:
            found = _USER.search(NGINX_CONF.read_text("utf-8", "replace"))
        except OSError:
            return None
        if found is None:
            return None
        name = found[1]
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        raise PublishError(f"nginx's user {name!r} is not a user of this host") from None
    groups = {entry.pw_gid, *(g.gr_gid for g in grp.getgrall() if name in g.gr_mem)}
    try:
        group = grp.getgrgid(entry.pw_gid).gr_name
    except KeyError:
        group = str(entry.pw_gid)
    return Reader(name, entry.pw_uid, group, frozenset(groups))


def problem(reader: Reader, folder: Path, paths: Iterable[Path]) -> str | None:
    """What `reader` cannot reach or read among `paths` (all inside `folder`), and
    the command that lets it: None when it can read them all."""
    folder = folder.absolute()
    for parent in reversed(folder.parents):
        if not reader.can(parent, 1):
            where = shlex.quote(str(parent))
            return (
                f"nginx ({reader.name}) cannot enter {parent}: run chmod o+x {where}"
                " (or publish elsewhere)"
            )
    for path in (folder, *paths):
        path = path.absolute()
        try:
            info = path.lstat()
        except FileNotFoundError:  # not written (yet): nginx finds nothing to read
            continue
        directory = stat.S_ISDIR(info.st_mode)
        if not reader.can(path, 5 if directory else 4):
            where, group = shlex.quote(str(folder)), shlex.quote(reader.group)
            return (
                f"nginx ({reader.name}) cannot read {path}: run chgrp -R {group} {where}"
                f" && chmod -R g+rX {where} && find {where} -type d -exec chmod g+s {{}} +"
            )
    return None


def tree(folder: Path) -> Iterable[Path]:
    """Every folder and file under `folder` but dotfiles, without following links."""
    for top, folders, names in os.walk(folder):
        for name in (*folders, *names):
            if not name.startswith("."):
                yield Path(top) / name


def served(target: Path) -> list[Path]:
    """The access files nginx reads: the staff's and each client's served file."""
    folder = target / "access"
    return [folder / "staff.htpasswd", folder / "served", *sorted(folder.glob("served/*.htpasswd"))]
