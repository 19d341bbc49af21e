"""`tripod publish`: the built sites laid out for a web server, switched in at once.

    <target>/releases/<id>/clients/<client>/...   one release per publish
    <target>/releases/<id>/internal/...           the provider's dashboard
    <target>/current -> releases/<id>             the one nginx serves
    <target>/access/clients/<client>.htpasswd     who may read each client's site
    <target>/access/staff.htpasswd                who may read the dashboard (and every site)
    <target>/access/served/<client>.htpasswd      the two together: what nginx checks
    <target>/nginx/tripod.conf                    a server for this layout
    <target>/nginx/tripod-site.conf               its locations, to include elsewhere

A release is complete before `current` points at it: the link is replaced by
rename(2), so a reader gets a whole old page or a whole new one. The last few
releases stay for `--rollback`. Files are hard links to the built ones where
the target is on the same filesystem (nothing writes into a built file in
place), so a release of a thousand clients costs little.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

from generator.files import link_or_copy
from generator.project.layout import Project
from generator.publish import access

RELEASES = "releases"
CURRENT = "current"
NGINX = "nginx"
_RELEASE = re.compile(r"[0-9]{8}T[0-9]{6}Z(?:-[0-9]+)?")
_SCRIPT = re.compile(rb"<script(?P<attrs>[^>]*)>(?P<body>.*?)</script>", re.S)
_STYLE = re.compile(rb"<style[^>]*>(?P<body>.*?)</style>", re.S)
_SERVER_NAME = re.compile(r"[A-Za-z0-9_*.-]+(?: [A-Za-z0-9_*.-]+)*")
_LISTEN = re.compile(r"(?:[0-9.]+:|\[[0-9a-fA-F:]+\]:)?[0-9]{1,5}")
_PATH = re.compile(r"/[A-Za-z0-9._/@+-]*")


class PublishError(Exception):
    """Publishing cannot go ahead; the message says why in one line."""


@dataclass(frozen=True, slots=True)
class Server:
    """How nginx listens: the address, the names, and TLS when certificates are given."""

    listen: str | None = None  # default: 443 with TLS, else 80
    server_name: str = "_"
    tls_certificate: str | None = None
    tls_certificate_key: str | None = None
    root: str | None = None  # where the target folder is on the web host (default: here)

    def check(self) -> None:
        if self.listen is not None and not _LISTEN.fullmatch(self.listen):
            raise PublishError(f"--listen {self.listen!r}: write PORT or ADDRESS:PORT")
        if not _SERVER_NAME.fullmatch(self.server_name):
            raise PublishError(f"--server-name {self.server_name!r} is not a host name")
        if (self.tls_certificate is None) != (self.tls_certificate_key is None):
            raise PublishError("give both --tls-cert and --tls-key, or neither")
        for option, value in (
            ("--tls-cert", self.tls_certificate),
            ("--tls-key", self.tls_certificate_key),
            ("--server-root", self.root),
        ):
            if value is not None and (not _PATH.fullmatch(value) or "/../" in f"{value}/"):
                raise PublishError(f"{option} {value!r}: write an absolute path, plain characters")


@dataclass(slots=True)
class Published:
    release: str
    clients: list[str]
    unbuilt: list[str] = field(default_factory=list)  # clients with a file but no built site
    removed: list[str] = field(default_factory=list)  # old releases deleted
    config_changed: bool = False


# ------------------------------------------------------------------ publish


def publish(project: Project, target: Path, server: Server | None, keep: int = 5) -> Published:
    """Lays out the built sites as a new release and makes it the current one.

    `server` None: as the target was last published (its nginx/server.json)."""
    server = server or remembered_server(target)
    server.check()
    if keep < 1:
        raise PublishError("--keep must be at least 1: the current release is kept")
    site = project.root / "site"
    if not (site / "internal" / "index.html").is_file():
        raise PublishError("there is no built site to publish: run tripod build first")
    target = target.resolve()
    if target == site.resolve() or target.is_relative_to(site.resolve()):
        raise PublishError("the target cannot be inside site/: tripod build replaces it")
    ids = [p.stem for p in project.client_files()]
    built = [i for i in ids if (site / "clients" / i / "index.html").is_file()]
    releases = target / RELEASES
    releases.mkdir(parents=True, exist_ok=True)
    name = _release_name(releases)
    stage = releases / f".{name}.partial-{uuid.uuid4().hex[:8]}"
    try:
        for client in built:
            _copy(site / "clients" / client, stage / "clients" / client)
        _copy(site / "internal", stage / "internal")
        os.replace(stage, releases / name)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    access.ensure(target, built)
    kept = release_names(target)[-keep:]  # the new release is the newest
    changed = write_config(target, server, kept)
    _remember(target, server)
    _switch(target, name)
    removed = _prune(target, kept)
    return Published(name, built, [i for i in ids if i not in built], removed, changed)


_REMEMBERED = "server.json"


def remembered_server(target: Path) -> Server:
    """The server options the target was last published with (defaults if none)."""
    try:
        data = json.loads((target / NGINX / _REMEMBERED).read_text("utf-8"))
        return Server(**{k: v for k, v in data.items() if k in Server.__dataclass_fields__})
    except (OSError, ValueError, TypeError):
        return Server()


def _remember(target: Path, server: Server) -> None:
    path = target / NGINX / _REMEMBERED
    partial = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}")
    partial.write_text(json.dumps(asdict(server), indent=2) + "\n", "utf-8")
    os.replace(partial, path)


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
    """A built folder without its dotfiles (the build's own records), as hard links."""
    shutil.copytree(
        source,
        target,
        ignore=lambda _, names: [n for n in names if n.startswith(".")],
        copy_function=link_or_copy,
    )


def _switch(target: Path, name: str) -> None:
    """Points `current` at a release with one rename: never missing, never half-made."""
    spare = target / f".{CURRENT}-{uuid.uuid4().hex[:8]}"
    os.symlink(f"{RELEASES}/{name}", spare)
    os.replace(spare, target / CURRENT)


def _prune(target: Path, kept: list[str]) -> list[str]:
    """Removes the releases not kept, never the one being served."""
    now = current_release(target)
    removed = []
    for name in release_names(target):
        if name not in kept and name != now:
            shutil.rmtree(target / RELEASES / name, ignore_errors=True)
            removed.append(name)
    return removed


# ------------------------------------------------------------------ nginx


def inline_hashes(releases: list[Path]) -> tuple[list[str], list[str]]:
    """CSP hashes of every inline script and style in the releases' pages.

    Material writes a few small inline scripts (the base URL of each page,
    the colour scheme, the tabs); allowing exactly those by hash keeps
    'unsafe-inline' out of the policy. Every kept release is covered, so a
    rollback needs no new configuration. A file shared by releases (a hard
    link) is read once. JSON data blocks are not scripts."""
    scripts: set[str] = set()
    styles: set[str] = set()
    seen: set[tuple[int, int]] = set()
    for release in releases:
        for page in release.rglob("*.html"):
            stat = page.stat()
            if (stat.st_dev, stat.st_ino) in seen:
                continue
            seen.add((stat.st_dev, stat.st_ino))
            text = page.read_bytes()
            for match in _SCRIPT.finditer(text):
                attrs = match["attrs"]
                if b"src=" in attrs or b"application/json" in attrs:
                    continue
                scripts.add(_csp_hash(match["body"]))
            for match in _STYLE.finditer(text):
                styles.add(_csp_hash(match["body"]))
    return sorted(scripts), sorted(styles)


def _csp_hash(body: bytes) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(body).digest()).decode() + "'"


def content_security_policy(scripts: list[str], styles: list[str]) -> str:
    """As strict as Material allows. Each relaxation, and why:

    - script-src: 'self' plus the hashes of Material's inline scripts (above).
    - img-src data: Material draws its icons as CSS masks from data: URLs.
    - connect-src 'self': search fetches its index, the version selector
      versions.json.
    - worker-src 'self': search runs in a web worker loaded from the site.
    """
    return "; ".join(
        [
            "default-src 'none'",
            "script-src " + " ".join(["'self'", *scripts]),
            "style-src " + " ".join(["'self'", *styles]),
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "worker-src 'self'",
            "manifest-src 'self'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def write_config(target: Path, server: Server, releases: list[str]) -> bool:
    """Writes the nginx configuration under <target>/nginx/ for the releases named
    (those kept for rollback); True when it changed (nginx must then be reloaded)."""
    root = server.root or str(target)
    scripts, styles = inline_hashes([target / RELEASES / n for n in releases])
    tls = server.tls_certificate is not None
    files = {
        "tripod.conf": server_config(root, server, content_security_policy(scripts, styles)),
        "tripod-site.conf": site_config(root),
        "tripod-headers.conf": headers_config(tls),
    }
    folder = target / NGINX
    folder.mkdir(parents=True, exist_ok=True)
    changed = False
    for name, text in files.items():
        path = folder / name
        if path.is_file() and path.read_text("utf-8") == text:
            continue
        partial = folder / f".{name}.{uuid.uuid4().hex[:8]}"
        partial.write_text(text, "utf-8")
        os.replace(partial, path)
        changed = True
    return changed


_GENERATED = "# Generated by `tripod publish`: regenerate rather than edit.\n"


def headers_config(tls: bool) -> str:
    """The response headers of every answer (nginx drops a server's add_header in a
    location that has its own, so every such location includes this file)."""
    lines = [
        _GENERATED.rstrip(),
        "# An empty value sends no header: PDFs get no Content-Security-Policy.",
        'add_header Content-Security-Policy "$tripod_csp" always;',
        'add_header Cache-Control "$tripod_cache" always;',
        'add_header X-Content-Type-Options "nosniff" always;',
        'add_header Referrer-Policy "no-referrer" always;',
        'add_header X-Frame-Options "DENY" always;',
        'add_header Cross-Origin-Opener-Policy "same-origin" always;',
        'add_header Cross-Origin-Resource-Policy "same-origin" always;',
        'add_header Permissions-Policy "camera=(), microphone=(), geolocation=()" always;',
    ]
    if tls:
        lines.append('add_header Strict-Transport-Security "max-age=31536000" always;')
    return "\n".join(lines) + "\n"


def site_config(root: str) -> str:
    """The locations serving `<root>/current`, inside the server block."""
    client = "(?<client>[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?)"
    return f"""\
{_GENERATED}# Serves {root}/{CURRENT}, the release `tripod publish` switched in last.
root {root}/{CURRENT};
index index.html;
autoindex off;
server_tokens off;
charset utf-8;
absolute_redirect off;
# Nothing in a release is a symbolic link: follow none below the root.
disable_symlinks on from=$document_root;
include {root}/{NGINX}/tripod-headers.conf;

# An unknown client is refused exactly like a known one without credentials:
# the answers do not tell which client folders exist.
error_page 403 = @refused;
location @refused {{
    auth_basic off;
    include {root}/{NGINX}/tripod-headers.conf;
    add_header WWW-Authenticate 'Basic realm="Tripod"' always;  # as auth_basic sends it
    return 401;
}}

# A folder without its slash: on to the folder, whether or not it exists.
location ~ "^/clients/{client}$" {{
    return 301 $uri/;
}}
location = /internal {{
    return 301 /internal/;
}}

# Each client's folder, behind that client's own credentials (or the staff's).
location ~ "^/clients/{client}/" {{
    auth_basic "Tripod";
    auth_basic_user_file {root}/access/served/$client.htpasswd;
    location ~ "/\\." {{
        return 404;
    }}
    location ~ "/$" {{
        try_files ${{uri}}index.html =404;  # a folder without a page: not found, never listed
    }}
}}

# The dashboard, behind the provider's staff credentials.
location ^~ /internal/ {{
    auth_basic "Tripod staff";
    auth_basic_user_file {root}/access/staff.htpasswd;
    location ~ "/\\." {{
        return 404;
    }}
    location ~ "/$" {{
        try_files ${{uri}}index.html =404;  # a folder without a page: not found, never listed
    }}
}}

location / {{
    return 404;
}}
"""


def server_config(root: str, server: Server, csp: str) -> str:
    """A whole server for the layout, with what it needs at http level: include this
    file in nginx's http block."""
    tls = server.tls_certificate is not None
    listen = server.listen or ("443" if tls else "80")
    if tls:
        transport = f"""\
    listen {listen} ssl http2;
    ssl_certificate {server.tls_certificate};
    ssl_certificate_key {server.tls_certificate_key};
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_cache shared:tripod_tls:10m;"""
    else:
        transport = f"""\
    # Plain HTTP: only on loopback or behind a proxy that terminates TLS.
    # Basic auth sends the password with every request.
    listen {listen};"""
    redirect = ""
    if tls:
        redirect = f"""
# Plain HTTP only sends readers on to HTTPS, before any password is asked for.
server {{
    listen 80;
    server_name {server.server_name};
    return 301 https://$host$request_uri;
}}
"""
    return f"""\
{_GENERATED}# Include it in nginx's http block, e.g. in /etc/nginx/conf.d/tripod.conf:
#     include {root}/{NGINX}/tripod.conf;

# Each address may make 20 requests a second, in bursts of 200: a page loads
# with its assets at once, while guessing passwords stays slow.
limit_req_zone $binary_remote_addr zone=tripod:10m rate=20r/s;

# Pages and unhashed assets are checked for changes on every use; Material's
# bundles carry a content hash in their names and are kept for good. Behind
# credentials, nothing may sit in a shared cache.
map $uri $tripod_cache {{
    default "private, no-cache";
    "~\\.[0-9a-f]{{8,}}\\.min\\.(?:js|css)$" "private, max-age=31536000, immutable";
}}

map $uri $tripod_csp {{
    default "{csp}";
    "~\\.pdf$" "";
}}

server {{
{transport}
    server_name {server.server_name};
    limit_req zone=tripod burst=200 nodelay;
    limit_req_status 429;
    include {root}/{NGINX}/tripod-site.conf;
}}
{redirect}"""
