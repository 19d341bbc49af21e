"""Releases of the built sites under <target>/releases/, and the switch of
<target>/current from one to another.

A release is complete before `current` points at it: the link is replaced by
rename(2), so a reader gets a whole old page or a whole new one. The last few
releases stay for `--rollback`. Files are hard links to the built ones where
the target is on the same filesystem (nothing writes into a built file in
place), so a release of a thousand clients costs little.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path

from generator import files
from generator.project.layout import Project
from generator.publish import CURRENT, NGINX, RELEASES, access, readable
from generator.publish import PublishError as PublishError  # the command line's name for it
from generator.publish.config import Server, check_path, nginx_check, write_config

_RELEASE = re.compile(r"[0-9]{8}T[0-9]{6}Z(?:-[0-9]+)?")
_REMEMBERED = "server.json"


@dataclass(slots=True)
class Published:
    release: str
    clients: list[str]
    unbuilt: list[str] = field(default_factory=list)  # clients with a file but no built site
    removed: list[str] = field(default_factory=list)  # old releases deleted
    config_changed: bool = False
    unreadable: str | None = None  # what nginx's user cannot read, and what to run


def publish(
    project: Project,
    target: Path,
    server: Server | None,
    keep: int = 5,
    nginx_user: str | None = None,
) -> Published:
    """Lays out the built sites as a new release and makes it the current one.

    `server` None: as the target was last published (its nginx/server.json).
    `nginx_user`: who nginx's workers run as (default: as this host's nginx.conf
    says); what they cannot read is reported. Not checked when the target is
    served from another host (`server.root`)."""
    server = server or remembered_server(target)
    server.check()
    reader = None if server.root else readable.nginx_user(nginx_user)
    if keep < 1:
        raise PublishError("--keep must be at least 1: the current release is kept")
    site = project.root / "site"
    if not (site / "internal" / "index.html").is_file():
        raise PublishError("there is no built site to publish: run tripod build first")
    target = target.resolve()
    check_path("--target", str(target))
    if target == site.resolve() or target.is_relative_to(site.resolve()):
        raise PublishError("the target cannot be inside site/: tripod build replaces it")
    # Two files for one id (x.yaml and x.yml) are one client, and one error of check's.
    ids = list(dict.fromkeys(p.stem for p in project.client_files()))
    built = [i for i in ids if (site / "clients" / i / "index.html").is_file()]
    releases = target / RELEASES
    releases.mkdir(parents=True, exist_ok=True)
    name = _release_name(releases)
    with files.replacing(releases / name) as stage:
        for client in built:
            _copy(site / "clients" / client, stage / "clients" / client)
        _copy(site / "internal", stage / "internal")
    access.ensure(target, built)
    kept = release_names(target)[-keep:]  # the new release is the newest
    before = {p: p.read_bytes() for p in (target / NGINX).glob("*.conf")}
    changed = write_config(target, server, kept)
    if changed and server.root is None:  # served from here: nginx here can say
        _nginx_accepts(target, before, releases / name)
    _remember(target, server)
    _switch(target, name)
    removed = _prune(target, kept)
    unreadable = None
    if reader is not None:
        unreadable = readable.problem(
            reader, target / "access", readable.served(target)
        ) or readable.problem(reader, releases, [releases / name, *readable.tree(releases / name)])
    return Published(name, built, [i for i in ids if i not in built], removed, changed, unreadable)


def _nginx_accepts(target: Path, before: dict[Path, bytes], release: Path) -> None:
    """Refuses a configuration nginx -t refuses (a certificate that is not there,
    say), putting back the one nginx runs with and dropping the new release.

    A file this user may not read (a TLS key only root reads) proves nothing
    against the configuration: nginx's master reads it as root."""
    complaint = nginx_check(target)
    if complaint is None or "Permission denied" in complaint:
        return
    for path in (target / NGINX).glob("*.conf"):
        if path not in before:
            path.unlink()
    for path, data in before.items():
        files.write_bytes(path, data, 0o644)
    shutil.rmtree(release, ignore_errors=True)
    raise PublishError(
        f"nginx -t refuses the new configuration: {complaint} (nothing was switched)"
    )


def remembered_server(target: Path) -> Server:
    """The server options the target was last published with (defaults if none)."""
    try:
        data = json.loads((target / NGINX / _REMEMBERED).read_text("utf-8"))
        return Server(**{k: v for k, v in data.items() if k in Server.__dataclass_fields__})
    except (OSError, ValueError, TypeError):
        return Server()


def _remember(target: Path, server: Server) -> None:
    text = json.dumps(asdict(server), indent=2) + "\n"
    files.write_text(target / NGINX / _REMEMBERED, text, 0o644)


def rollback(target: Path) -> str:
    """Makes the release before the current one current again; returns its name."""
    target = target.resolve()
    names = release_names(target)
    now = current_release(target)
    if now is None or now not in names:
        raise PublishError(f"{target} has no current release to roll back from")
    earlier = names[: names.index(now)]
    if not earlier:
        raise PublishError(f"release {now} is the oldest kept: there is nothing to roll back to")
    _switch(target, earlier[-1])
    return earlier[-1]


def release_names(target: Path) -> list[str]:
    folder = target / RELEASES
    if not folder.is_dir():
        return []
    names = [p.name for p in folder.iterdir() if _RELEASE.fullmatch(p.name) and p.is_dir()]
    return sorted(names, key=_order)


def current_release(target: Path) -> str | None:
    link = target / CURRENT
    if not link.is_symlink():
        return None
    return Path(os.readlink(link)).name


def _order(name: str) -> tuple[str, int]:
    stamp, _, n = name.partition("-")
    return stamp, int(n or 1)


def _release_name(releases: Path) -> str:
    """The time of publishing, numbered after the newest release if the clock disagrees."""
    name = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    existing = [p.name for p in releases.iterdir() if _RELEASE.fullmatch(p.name)]
    newest = max(existing, key=_order, default=None)
    if newest is not None and _order(name) <= _order(newest):
        stamp, n = _order(newest)
        name = f"{stamp}-{n + 1}"
    return name


def _copy(source: Path, target: Path) -> None:
    """A built folder without its dotfiles (the build's own records), as hard links.

    A symbolic link is refused: copying it would copy whatever it points at (a
    file anywhere on this machine) into the release, where nginx serves it."""

    def ignored(folder: str, names: list[str]) -> list[str]:
        for name in names:
            path = Path(folder) / name
            if not name.startswith(".") and path.is_symlink():
                raise PublishError(
                    f"{path} is a symbolic link: a release holds no links (build again,"
                    " and put no links into site/)"
                )
        return [n for n in names if n.startswith(".")]

    if source.is_symlink():
        raise PublishError(f"{source} is a symbolic link: a release holds no links")
    shutil.copytree(source, target, ignore=ignored, copy_function=files.link_or_copy)


def _switch(target: Path, name: str) -> None:
    """Points `current` at a release with one rename: never missing, never half-made."""
    files.switch_link(target / CURRENT, f"{RELEASES}/{name}")


def _prune(target: Path, kept: list[str]) -> list[str]:
    """Removes the releases not kept, never the one being served."""
    now = current_release(target)
    removed = []
    for name in release_names(target):
        if name not in kept and name != now:
            shutil.rmtree(target / RELEASES / name, ignore_errors=True)
            removed.append(name)
    return removed
