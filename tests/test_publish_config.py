"""The nginx configuration `tripod publish` writes, byte for byte, for a few
combinations of server options; `--update-golden` rewrites tests/golden/nginx/.

The releases hold inline scripts and styles, a script with a source and a JSON
data block, and a page shared by two releases as a hard link, so the policy's
hashes are in the files too. The target's own path is written as /TARGET.
"""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest

from conftest import REPO
from generator.errors import UsageError
from generator.publish import PublishError
from generator.publish.access import AccessError
from generator.publish.config import Server, write_config

GOLDEN = REPO / "tests" / "golden" / "nginx"
RELEASES = ["20250101T000000Z", "20250102T000000Z"]
FILES = ["tripod.conf", "tripod-site.conf", "tripod-headers.conf"]

PAGE = b"""<!doctype html><html><head>
<script>var base = "..";</script>
<script src="assets/bundle.js"></script>
<script type="application/json" id="config">{"a": 1}</script>
<style>.md-typeset { color: red }</style>
</head><body><script>
  document.body.dataset.scheme = "default";
</script></body></html>
"""

CASES = {
    "plain": Server(),
    "listen": Server(listen="127.0.0.1:8080"),
    "listen-ipv6": Server(listen="[::1]:8080"),
    "server-name": Server(server_name="docs.example.org www.example.org"),
    "root": Server(root="/srv/tripod"),
    "tls": Server(tls_certificate="/etc/ssl/tripod.pem", tls_certificate_key="/etc/ssl/tripod.key"),
    "tls-all": Server(
        listen="8443",
        server_name="docs.example.org",
        tls_certificate="/etc/ssl/tripod.pem",
        tls_certificate_key="/etc/ssl/tripod.key",
        root="/srv/tripod",
    ),
}


def _releases(target: Path) -> None:
    first = target / "releases" / RELEASES[0]
    second = target / "releases" / RELEASES[1]
    (first / "internal").mkdir(parents=True)
    (second / "internal").mkdir(parents=True)
    (first / "internal" / "index.html").write_bytes(PAGE)
    os.link(first / "internal" / "index.html", second / "internal" / "index.html")
    (second / "internal" / "other.html").write_bytes(
        b"<script>var other = 2;</script><style>p{margin:0}</style>"
    )


@pytest.mark.parametrize("case", sorted(CASES))
def test_config_as_golden(request: pytest.FixtureRequest, tmp_path: Path, case: str) -> None:
    target = tmp_path / "target"
    _releases(target)
    assert write_config(target, CASES[case], RELEASES) is True
    assert write_config(target, CASES[case], RELEASES) is False  # unchanged: no reload
    modes = {stat.S_IMODE((target / "nginx" / name).stat().st_mode) for name in FILES}
    assert modes == {0o644}
    written = {
        name: (target / "nginx" / name).read_bytes().replace(os.fsencode(target), b"/TARGET")
        for name in FILES
    }
    golden = GOLDEN / case
    if request.config.getoption("--update-golden"):
        shutil.rmtree(golden, ignore_errors=True)
        golden.mkdir(parents=True)
        for name, data in written.items():
            (golden / name).write_bytes(data)
    for name, data in written.items():
        assert data == (golden / name).read_bytes(), (
            f"{case}/{name} differs from tests/golden/nginx: check the change,"
            " then run pytest --update-golden"
        )


def test_publishing_and_access_errors_end_the_command_with_exit_code_2() -> None:
    assert issubclass(PublishError, UsageError) and PublishError.exit_code == 2
    assert issubclass(AccessError, UsageError) and AccessError.exit_code == 2
