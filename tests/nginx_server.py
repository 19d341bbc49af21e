"""A real nginx (Debian's package) on loopback, serving what `tripod publish` laid out,
with the configuration it generated. Without nginx the tests that need it fail
(`make test` installs it)."""

from __future__ import annotations

import base64
import http.client
import os
import pwd
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from conftest import system_tool

# The nginx these tests start runs its workers as the user running the tests (root
# runs them as root): `tripod publish` and `access add` check that this user can
# read what they write, instead of the user of the host's own nginx.conf.
os.environ.setdefault("TRIPOD_NGINX_USER", pwd.getpwuid(os.geteuid()).pw_name)


def nginx_binary() -> str:
    return system_tool("nginx", "nginx", "/usr/sbin/nginx", "/sbin/nginx")


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes


@dataclass
class Nginx:
    """nginx serving `target` (a `tripod publish --target`) on 127.0.0.1:`port`."""

    binary: str
    target: Path
    folder: Path
    port: int
    user: str | None = None  # the workers' user (default: root when run as root)
    conf: Path | None = None  # the server to include (default: the target's tripod.conf)

    @property
    def config(self) -> Path:
        return self.folder / "nginx.conf"

    def start(self) -> None:
        for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi", "logs"):
            (self.folder / name).mkdir(parents=True, exist_ok=True)
        user = ""
        if os.geteuid() == 0:
            user = f"user {self.user};\n" if self.user else "user root root;\n"
        temp = "\n".join(
            f"    {kind}_temp_path {self.folder / name};"
            for kind, name in (
                ("client_body", "body"),
                ("proxy", "proxy"),
                ("fastcgi", "fastcgi"),
                ("uwsgi", "uwsgi"),
                ("scgi", "scgi"),
            )
        )
        self.config.write_text(
            f"""daemon off;
master_process on;
{user}worker_processes 1;
pid {self.folder / "nginx.pid"};
error_log {self.folder / "logs" / "error.log"} warn;
events {{ worker_connections 512; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
{temp}
    include {quoted_include(self.conf or self.target / "nginx" / "tripod.conf")};
}}
"""
        )
        check = self.run("-t")
        assert check.returncode == 0, check.stderr
        with (self.folder / "logs" / "stderr.log").open("wb") as stderr:
            self.process = subprocess.Popen(
                [self.binary, "-c", str(self.config), "-p", str(self.folder)],
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                assert self.process.poll() is None, self.error_log()
                time.sleep(0.05)
        raise AssertionError("nginx did not start listening")

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [self.binary, "-c", str(self.config), "-p", str(self.folder), *args],
            capture_output=True,
            text=True,
            timeout=30,
        )

    def reload(self) -> None:
        """Re-reads the configuration (after a publish changed it), as an operator would."""
        check = self.run("-t")
        assert check.returncode == 0, check.stderr
        os.kill(self.process.pid, signal.SIGHUP)
        time.sleep(0.5)

    def stop(self) -> None:
        if getattr(self, "process", None) is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def error_log(self) -> str:
        found = []
        for name in ("stderr.log", "error.log"):
            path = self.folder / "logs" / name
            found.append(path.read_text() if path.exists() else "")
        return "".join(found)

    def url(self, path: str, user: str | None = None, password: str | None = None) -> str:
        from urllib.parse import quote

        credentials = f"{quote(user, safe='')}:{quote(password or '', safe='')}@" if user else ""
        return f"http://{credentials}127.0.0.1:{self.port}{path}"

    def get(
        self,
        path: str,
        user: str | None = None,
        password: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        """One request with `path` sent exactly as written (no normalising, no re-encoding)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.putrequest("GET", path, skip_accept_encoding=True)
            if user is not None:
                token = base64.b64encode(f"{user}:{password}".encode()).decode()
                connection.putheader("Authorization", f"Basic {token}")
            for name, value in (headers or {}).items():
                connection.putheader(name, value)
            connection.endheaders()
            response = connection.getresponse()
            body = response.read()
            return Response(response.status, {k.lower(): v for k, v in response.getheaders()}, body)
        finally:
            connection.close()


def quoted_include(path: Path) -> str:
    """A path as nginx's `include` reads it whatever its characters: in double
    quotes, with `\\` and `"` escaped, and glob(3)'s `*?[` escaped (nginx reads
    a path with one of those as a pattern)."""
    text = str(path)
    if any(c in text for c in "*?["):
        text = "".join("\\" + c if c in "*?[\\" else c for c in text)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def start_nginx(
    target: Path, folder: Path, port: int, user: str | None = None, conf: Path | None = None
) -> Nginx:
    server = Nginx(nginx_binary(), target, folder, port, user, conf)
    server.start()
    return server
