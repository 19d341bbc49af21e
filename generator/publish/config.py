"""The nginx configuration for a published target: the server options, checked,
and the files under <target>/nginx/, rendered from the templates in nginx/."""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined

from generator import files
from generator.publish import CURRENT, NGINX, RELEASES, PublishError
from generator.publish.csp import content_security_policy, inline_hashes

_SERVER_NAME = re.compile(r"[A-Za-z0-9_*.-]+(?: [A-Za-z0-9_*.-]+)*")
_LISTEN = re.compile(r"(?:[0-9.]+:|\[[0-9a-fA-F:]+\]:)?[0-9]{1,5}")
# nginx reads `$` as the start of a variable in root and auth_basic_user_file and
# has no escape for it; a control character would end a comment or a directive.
_UNWRITABLE = re.compile(r"[$\x00-\x1f\x7f]")
_GLOB = re.compile(r"[*?\[]")
# What nginx reads the configuration with may list it: it holds no secret.
_MODE = 0o644


@dataclass(frozen=True, slots=True)
class Server:
    """How nginx listens: the address, the names, and TLS when certificates are given."""

    listen: str | None = None  # default: 443 with TLS, else 80
    server_name: str = "_"
    tls_certificate: str | None = None
    tls_certificate_key: str | None = None
    root: str | None = None  # where the target folder is on the web host (default: here)

    def check(self) -> None:
        """Every value goes into the configuration as it is: none may end a directive."""
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
            if value is not None:
                check_path(option, value)

    @property
    def tls(self) -> bool:
        return self.tls_certificate is not None


def check_path(option: str, value: str) -> None:
    """A path nginx can be given in quotes: absolute, with no `$` or control
    character (nginx has no way to write them), no `..`, and text."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise PublishError(f"{option} {value!r}: the path is not UTF-8 text") from None
    if not value.startswith("/") or "/../" in f"{value}/" or _UNWRITABLE.search(value):
        raise PublishError(
            f"{option} {value!r}: write an absolute path without '..', '$' or control"
            " characters (nginx cannot be given those)"
        )


def quoted(path: str, *, include: bool = False) -> str:
    """`path` as one nginx string: in double quotes, with the backslash and the
    quote escaped, so a space, `;`, `{` or `}` in it end nothing. `include` reads
    `*`, `?` and `[` as a pattern: those are escaped as glob(3) reads them."""
    if include and _GLOB.search(path):
        path = re.sub(r"([*?\[\\])", r"\\\1", path)
    return '"' + path.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_config(target: Path, server: Server, releases: list[str]) -> bool:
    """Writes the nginx configuration under <target>/nginx/ for the releases named
    (those kept for rollback); True when it changed (nginx must then be reloaded)."""
    scripts, styles = inline_hashes([target / RELEASES / n for n in releases])
    folder = target / NGINX
    changed = False
    for name, text in configuration(target, server, scripts, styles).items():
        path = folder / name
        if path.is_file() and path.read_text("utf-8") == text:
            continue
        files.write_text(path, text, _MODE)
        changed = True
    return changed


def configuration(
    target: Path, server: Server, scripts: list[str], styles: list[str]
) -> dict[str, str]:
    """The files of <target>/nginx/ by name, allowing the inline scripts and
    styles given by their CSP hashes."""
    root = server.root or str(target)
    check_path("--server-root" if server.root else "--target", root)
    values = {
        "current_dir": quoted(f"{root}/{CURRENT}"),
        "headers_conf": quoted(f"{root}/{NGINX}/tripod-headers.conf", include=True),
        "site_conf": quoted(f"{root}/{NGINX}/tripod-site.conf", include=True),
        "main_conf": quoted(f"{root}/{NGINX}/tripod.conf", include=True),
        # $client is nginx's: the path around it is quoted with it.
        "served": quoted(f"{root}/access/served/")[:-1] + '$client.htpasswd"',
        "staff": quoted(f"{root}/access/staff.htpasswd"),
        "tls_certificate": quoted(server.tls_certificate or ""),
        "tls_certificate_key": quoted(server.tls_certificate_key or ""),
        "server": server,
        "listen": server.listen or ("443" if server.tls else "80"),
        "tls": server.tls,
        "csp": content_security_policy(scripts, styles),
    }
    names = ["tripod.conf", "tripod-site.conf", "tripod-headers.conf"]
    return {name: _templates().get_template(name).render(values) for name in names}


@functools.cache
def _templates() -> Environment:
    """Configuration text, not HTML: nothing is escaped here (paths are quoted
    by `quoted`, the other options were checked), and a block's own line leaves
    no blank line behind."""
    return Environment(
        loader=PackageLoader("generator.publish", "nginx"),
        undefined=StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


_NGINX = ("/usr/sbin/nginx", "/sbin/nginx", "/usr/local/sbin/nginx")
# "2026/01/01 00:00:00 [emerg] 12#12: " before nginx's own words.
_LOG_PREFIX = re.compile(r"^\S+ \S+ \[(?:emerg|crit|alert)\] \d+#\d+: ")


def nginx_check(target: Path) -> str | None:
    """`nginx -t` on the configuration under <target>/nginx/, included in an http
    block as the operator includes it: nginx's complaint in one line, or None
    when it passes or nginx is not installed here. nginx -t opens no port."""
    binary = shutil.which("nginx") or next((p for p in _NGINX if os.access(p, os.X_OK)), None)
    if binary is None:
        return None
    with tempfile.TemporaryDirectory(prefix="tripod-nginx-") as scratch:
        folder = Path(scratch)
        main = folder / "nginx.conf"
        main.write_text(
            f"pid {quoted(str(folder / 'nginx.pid'))};\n"
            f"error_log {quoted(str(folder / 'error.log'))};\n"
            "events {}\n"
            f"http {{\n    include {quoted(str(target / NGINX / 'tripod.conf'), include=True)};\n}}\n",
            "utf-8",
        )
        try:
            done = subprocess.run(
                [binary, "-t", "-q", "-c", str(main), "-p", str(folder)],
                capture_output=True,
                text=True,
                timeout=60,
            )
        except (OSError, subprocess.TimeoutExpired) as e:
            return f"nginx -t could not run: {e}"
    if done.returncode == 0:
        return None
    # The [emerg] line says why; an [alert] may come first (nginx run by a user who
    # cannot open its default error log says so, and goes on).
    found = sorted(done.stderr.splitlines(), key=lambda line: "[emerg]" not in line)
    return _LOG_PREFIX.sub("", (found or ["failed"])[0]).strip()
