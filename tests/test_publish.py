"""`tripod publish` and `tripod access` end to end: a project with two clients is
built and published by the real commands, users are added with `tripod access`,
and Debian's nginx serves the release with the configuration publish wrote. The
tests read it as a person would: status codes, headers, page text and bytes.

One project and one nginx serve most tests (building takes seconds); the tests
that publish again (a stream of requests during publishes, rollback, --keep)
work on a copy of the project with a second target and a second nginx, so they
never disturb what the others read.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import os
import re
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import CLIENT, PROVIDER, Run, TinyProject, free_port, read_page, with_change
from nginx_server import Nginx, Response, start_nginx

pytestmark = [pytest.mark.real_command, pytest.mark.nginx]

ACME_USER, ACME_PASSWORD = "alice", "acme reads its own plan"
OTHER_USER, OTHER_PASSWORD = "olga", "other reads its own plan"
STAFF_USER, STAFF_PASSWORD = "sam", "staff read the dashboard"

OTHER_NAME = "Wombat Veterinary"  # appears on other's pages and the dashboard, never on acme's
# acme as issued (v1), then moved on to a draft of version 2.
ACME = with_change("  version: 1\n", "  version: 2\n")
OTHER = CLIENT.replace("id: acme", "id: other").replace("Acme Dental", OTHER_NAME)

# Requests a second the stream test makes: the generated server allows each address
# 20 a second (in bursts of 200) and answers 429 beyond that.
STREAM_RATE = 15


# ------------------------------------------------------------------ helpers


def text(body: bytes) -> str:
    return read_page(body.decode("utf-8")).text


class _InlineScripts(HTMLParser):
    """The text of every inline <script> a browser would run (no src, not a JSON data block)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.scripts: list[str] = []
        self._current: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "script":
            return
        found = {k: v or "" for k, v in attrs}
        if "src" in found or found.get("type", "").strip().lower() == "application/json":
            self._current = None
            return
        self._current = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._current is not None:
            self.scripts.append("".join(self._current))
            self._current = None

    def handle_data(self, data: str) -> None:
        if self._current is not None:
            self._current.append(data)


def inline_scripts(page: Path) -> list[str]:
    # Browsers hash a script's text after turning CR LF and CR into LF.
    source = page.read_text("utf-8").replace("\r\n", "\n").replace("\r", "\n")
    parser = _InlineScripts()
    parser.feed(source)
    parser.close()
    return parser.scripts


def csp_directives(header: str) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def release_of(target: Path) -> str:
    """The release `current` points at, as the link says."""
    link = os.readlink(target / "current")
    assert link.startswith("releases/"), link
    return Path(link).name


def releases(target: Path) -> list[str]:
    return sorted(p.name for p in (target / "releases").iterdir())


def make_project(root: Path) -> TinyProject:
    """acme with an issued v1 and a draft of v2 (current, latest, v1), and other."""
    project = TinyProject(root)
    project.write("provider.yaml", PROVIDER)
    project.client(CLIENT)
    project.issue_terms("acme", 1)
    project.client(ACME)
    project.client(OTHER, "other")
    return project


def build(project: TinyProject) -> None:
    run = project.tripod("build")
    assert run.code == 0, run.err


def publish(project: TinyProject, target: Path, port: int, *extra: str) -> str:
    """`tripod publish` to `target`; the name of the release it switched in."""
    run = project.tripod(
        "publish", "--target", str(target), "--listen", f"127.0.0.1:{port}", *extra
    )
    assert run.code == 0, run.err
    name = release_of(target)
    assert f"{target}/current -> releases/{name}" in run.err, run.err
    return name


def access(project: TinyProject, target: Path, *args: str, password: str | None = None) -> Run:
    stdin = None if password is None else password + "\n"
    extra = ("--password-stdin",) if password is not None else ()
    return project.tripod("access", *args, *extra, "--target", str(target), stdin=stdin)


@dataclass
class Served:
    project: TinyProject
    target: Path
    port: int
    nginx: Nginx

    @property
    def release(self) -> Path:
        return self.target / "current"

    def acme(self, path: str) -> Response:
        return self.nginx.get(path, ACME_USER, ACME_PASSWORD)

    def file(self, path: str) -> bytes:
        """The bytes of a URL path as published under <target>/current/."""
        relative = path.lstrip("/")
        if relative.endswith("/"):
            relative += "index.html"
        return (self.release / relative).read_bytes()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The project built, published, with a user for each client and one for the staff,
    and nginx serving it."""
    root = tmp_path_factory.mktemp("publish")
    project = make_project(root / "project")
    build(project)
    target, port = root / "srv", free_port()
    run = project.tripod("publish", "--target", str(target), "--listen", f"127.0.0.1:{port}")
    assert run.code == 0, run.err
    assert "2 client sites no one can open yet (acme, other)" in run.err, run.err
    for args, password in (
        (("add", "acme", ACME_USER), ACME_PASSWORD),
        (("add", "other", OTHER_USER), OTHER_PASSWORD),
        (("add", "--staff", STAFF_USER), STAFF_PASSWORD),
    ):
        added = access(project, target, *args, password=password)
        assert added.code == 0, added.err
    server = start_nginx(target, root / "nginx", port)
    try:
        yield Served(project, target, port, server)
    finally:
        server.stop()


# ------------------------------------------------------------------ reading


@pytest.mark.parametrize(
    "path, expected",
    [
        ("/clients/acme/current/", "Version 1 awaits the client's signature"),
        ("/clients/acme/latest/", "The terms below are the draft of version 2, not yet issued."),
        ("/clients/acme/v1/", "This is agreement version 1 as issued, kept for the record."),
        ("/clients/acme/current/backups/", "Southern Cross IT backs up Acme Dental's systems"),
        ("/clients/acme/v1/backups/", "Southern Cross IT backs up Acme Dental's systems"),
    ],
)
def test_a_client_reads_its_own_pages(served: Served, path: str, expected: str) -> None:
    response = served.acme(path)
    assert response.status == 200, response.body[:200]
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.body == served.file(path)
    assert expected in text(response.body)
    assert "Acme Dental" in text(response.body)
    assert OTHER_NAME not in text(response.body)


def test_a_client_downloads_its_pdf_and_versions(served: Served) -> None:
    pdf = served.acme("/clients/acme/current/agreement-draft.pdf")
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body.startswith(b"%PDF")
    assert pdf.body == served.file("/clients/acme/current/agreement-draft.pdf")

    versions = served.acme("/clients/acme/versions.json")
    assert versions.status == 200
    assert versions.headers["content-type"] == "application/json"
    assert versions.body == served.file("/clients/acme/versions.json")
    listed = json.loads(versions.body)
    assert [v["version"] for v in listed] == ["current", "v1"]
    assert listed[0]["aliases"] == ["latest"]

    landing = served.acme("/clients/acme/")
    assert landing.status == 200
    assert b"url=latest/" in landing.body


def test_the_other_client_reads_its_own_pages(served: Served) -> None:
    response = served.nginx.get("/clients/other/current/", OTHER_USER, OTHER_PASSWORD)
    assert response.status == 200
    assert OTHER_NAME in text(response.body)
    assert "Acme" not in text(response.body)
    assert response.body == served.file("/clients/other/current/")


# ------------------------------------------------------------------ refusals


def _refused(response: Response) -> None:
    assert response.status == 401, (response.status, response.body[:200])
    assert response.headers["www-authenticate"].startswith("Basic ")
    assert OTHER_NAME.encode() not in response.body
    assert b"Acme Dental" not in response.body


def test_refusals(served: Served) -> None:
    nginx = served.nginx
    # acme's credentials open neither the other client's site nor the dashboard.
    _refused(served.acme("/clients/other/current/"))
    _refused(served.acme("/clients/other/versions.json"))
    _refused(served.acme("/internal/"))
    _refused(nginx.get("/clients/acme/current/", OTHER_USER, OTHER_PASSWORD))
    _refused(nginx.get("/clients/acme/current/", STAFF_USER, "not the staff password"))
    # No credentials, or a wrong password.
    for path in ("/clients/acme/current/", "/clients/acme/current/agreement-draft.pdf"):
        _refused(nginx.get(path))
        _refused(nginx.get(path, ACME_USER, ACME_PASSWORD + "x"))
        _refused(nginx.get(path, ACME_USER, ""))
        _refused(nginx.get(path, "nobody", ACME_PASSWORD))
    _refused(nginx.get("/internal/"))
    _refused(nginx.get("/internal/", STAFF_USER, "not the staff password"))
    # Without credentials an unknown client looks like a known one.
    known, unknown = nginx.get("/clients/other/current/"), nginx.get("/clients/nosuch/current/")
    assert (unknown.status, unknown.headers["www-authenticate"], unknown.body) == (
        known.status,
        known.headers["www-authenticate"],
        known.body,
    )
    # The staff get the dashboard, which lists every client.
    dashboard = nginx.get("/internal/", STAFF_USER, STAFF_PASSWORD)
    assert dashboard.status == 200
    shown = text(dashboard.body)
    assert "Southern Cross IT: client dashboard" in shown
    assert "Internal: for the provider's staff, never for clients." in shown
    assert "Acme Dental" in shown and OTHER_NAME in shown
    assert dashboard.body == served.file("/internal/")


def test_the_staff_read_every_clients_site_with_their_own_credentials(served: Served) -> None:
    for path, name in (
        ("/clients/acme/current/", "Acme Dental"),
        ("/clients/other/latest/", OTHER_NAME),
    ):
        response = served.nginx.get(path, STAFF_USER, STAFF_PASSWORD)
        assert response.status == 200, path
        assert name in text(response.body)
        assert response.body == served.file(path)


def _answer(response: Response) -> tuple[int, dict[str, str], bytes]:
    """A response as a client sees it, but for the time it was sent."""
    return (
        response.status,
        {k: v for k, v in response.headers.items() if k != "date"},
        response.body,
    )


def test_an_unknown_client_is_refused_exactly_like_a_known_one(served: Served) -> None:
    credentials = [
        (ACME_USER, ACME_PASSWORD),  # a client's user, at another client
        (ACME_USER, "a wrong password!"),
        (STAFF_USER, "not the staff password"),  # a name in every client's file
        ("nobody", "a wrong password!"),  # a name in no file
        (None, None),
    ]
    for path in ("current/", "current/backups/", "versions.json", "current/agreement-draft.pdf"):
        for user, password in credentials:
            known = served.nginx.get(f"/clients/other/{path}", user, password)
            unknown = served.nginx.get(f"/clients/nosuch/{path}", user, password)
            assert known.status == 401, (path, user)
            assert _answer(unknown) == _answer(known), (path, user)


def test_an_unknown_client_costs_the_same_password_check_as_a_known_one(served: Served) -> None:
    """The time of a refusal is the time of the password check: a name in the
    client's file costs one SHA-512-crypt, a name in none costs nothing. An
    unknown client is checked against the staff's file, whose entries are in
    every client's file with the same hashes: the same names cost the same
    work. That the check happens is seen without a clock: the staff's right
    password passes it (and finds nothing there), a wrong one does not."""
    site = (served.target / "nginx" / "tripod-site.conf").read_text()
    refused = site[site.index("location @refused {") :].split("}", 1)[0]
    staff_file = served.target / "access" / "staff.htpasswd"
    assert f'auth_basic_user_file "{staff_file}";' in refused
    assert 'auth_basic "Tripod";' in refused  # the realm of the clients' sites
    staff = dict(line.split(":", 1) for line in staff_file.read_text().splitlines())
    for client in ("acme", "other"):
        served_file = served.target / "access" / "served" / f"{client}.htpasswd"
        entries = dict(line.split(":", 1) for line in served_file.read_text().splitlines())
        assert {user: entries[user] for user in staff} == staff
    assert all(h.startswith("$6$") and "rounds=" not in h for h in staff.values())

    unknown = served.nginx.get("/clients/nosuch/current/", STAFF_USER, STAFF_PASSWORD)
    assert unknown.status == 404  # checked, and right: the staff know the clients anyway
    assert b"Southern Cross IT" not in unknown.body
    wrong = served.nginx.get("/clients/nosuch/current/", STAFF_USER, STAFF_PASSWORD + "!")
    assert wrong.status == 401


@pytest.mark.parametrize(
    ("path", "location"),
    [
        ("/clients/acme", "/clients/acme/"),
        ("/clients/nosuch", "/clients/nosuch/"),  # the same answer: existence is not told
        ("/internal", "/internal/"),
    ],
)
def test_a_folder_without_its_slash_goes_on_to_the_folder(
    served: Served, path: str, location: str
) -> None:
    answer = served.nginx.get(path)
    assert answer.status == 301
    assert answer.headers["location"] == location


TRICKS = [
    "/clients/acme/current/../../other/current/",
    "/clients/acme/../other/current/",
    "/clients/acme/current/../../other/current/index.html",
    "/clients/./acme/../other/current/",
    "/clients/acme/current/../../../internal/",
    "/internal/../clients/other/current/",
    "//clients/other/current/",
    "/clients/acme%2F..%2Fother/current/",
    "/clients/acme%2f..%2fother/current/",
    "/clients/acme/current/%2e%2e/%2e%2e/other/current/",
    "/clients/acme/%2E%2E/other/current/",
    "/clients/acme/current/%2e%2e%2f%2e%2e%2fother/current/",
    "/clients/acme/current/%252e%252e/%252e%252e/other/current/",
    "/clients/acme%252F..%252Fother/current/",
    "/clients/OTHER/current/",
    "/clients/Other/current/",
    "/clients/Acme/current/",
    "/clients/ACME/current/",
    "/clients/acme./current/",
    "/clients/other./current/",
    "/clients/acme/current/..\\..\\other\\current\\",
    "/clients/acme\\..\\other/current/",
    "/clients/acme/current/%5c..%5c..%5cother%5ccurrent%5c",
    "/clients/acme/..;/other/current/",
    "/clients/acme/current/%00/../../other/current/",
    "/clients/other%00/current/",
    "/clients/acme%00/../other/current/",
]


@pytest.mark.parametrize("path", TRICKS)
def test_path_tricks_never_reach_another_client(served: Served, path: str) -> None:
    response = served.acme(path)
    # 400: nginx refuses a NUL byte in a path before any location is chosen.
    assert response.status in (400, 401, 404), (response.status, response.body[:200])
    assert OTHER_NAME.encode() not in response.body
    assert b"Southern Cross IT" not in response.body  # no page of any site at all
    assert b"Index of" not in response.body


def test_dotfiles_are_neither_published_nor_served(served: Served) -> None:
    built = served.project.root / "site" / "clients" / "acme" / ".tripod-inputs"
    assert built.is_file()  # the build's own record, next to the site
    assert not (served.release / "clients" / "acme" / ".tripod-inputs").exists()
    assert [p for p in served.release.rglob(".*")] == []
    for path in (
        "/clients/acme/.tripod-inputs",
        "/clients/acme/%2etripod-inputs",
        "/clients/acme/current/.tripod-inputs",
    ):
        response = served.acme(path)
        assert response.status == 404, path
        assert built.read_bytes() not in response.body


def test_folders_are_never_listed(served: Served) -> None:
    for path in (
        "/clients/acme/current/assets/",
        "/clients/acme/current/assets/javascripts/",
        "/clients/acme/current/search/",
    ):
        response = served.acme(path)
        assert response.status == 404, path
        assert b"Index of" not in response.body
        assert b"bundle." not in response.body
    response = served.nginx.get("/internal/search/", STAFF_USER, STAFF_PASSWORD)
    assert response.status == 404
    assert b"Index of" not in response.body


# ------------------------------------------------------------------ headers


def test_a_page_gets_the_security_headers(served: Served) -> None:
    response = served.acme("/clients/acme/current/backups/")
    assert response.status == 200
    headers = response.headers
    policy = headers["content-security-policy"]
    directives = csp_directives(policy)
    assert directives["default-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in policy
    assert "'unsafe-eval'" not in policy
    assert "*" not in " ".join(w for words in directives.values() for w in words)
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-frame-options"] == "DENY"
    cache = [p.strip() for p in headers["cache-control"].split(",")]
    assert "private" in cache and "no-cache" in cache
    assert "immutable" not in headers["cache-control"]


ISOLATION = {
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


@pytest.mark.parametrize(
    ("path", "who", "status"),
    [
        ("/clients/acme/current/", "acme", 200),
        ("/clients/acme/current/agreement-draft.pdf", "acme", 200),
        ("/clients/acme/versions.json", "acme", 200),
        ("/internal/", "staff", 200),
        ("/clients/acme/current/", None, 401),
        ("/clients/nosuch/current/", None, 401),
        ("/clients/acme/current/no-such-page/", "acme", 404),
        ("/elsewhere", None, 404),
    ],
)
def test_every_answer_carries_the_isolation_headers(
    served: Served, path: str, who: str | None, status: int
) -> None:
    user, password = {
        "acme": (ACME_USER, ACME_PASSWORD),
        "staff": (STAFF_USER, STAFF_PASSWORD),
    }.get(who or "", (None, None))
    response = served.nginx.get(path, user, password)
    assert response.status == status
    assert {name: response.headers.get(name) for name in ISOLATION} == ISOLATION


def test_a_hashed_bundle_is_cached_for_good_and_a_pdf_gets_no_policy(served: Served) -> None:
    folder = served.release / "clients" / "acme" / "current" / "assets" / "javascripts"
    [bundle] = folder.glob("bundle.*.min.js")
    response = served.acme(f"/clients/acme/current/assets/javascripts/{bundle.name}")
    assert response.status == 200
    assert response.body == bundle.read_bytes()
    cache = {part.strip() for part in response.headers["cache-control"].split(",")}
    assert cache == {"private", "max-age=31536000", "immutable"}  # a year, never revalidated
    [style] = (folder.parent / "stylesheets").glob("main.*.min.css")
    styled = served.acme(f"/clients/acme/current/assets/stylesheets/{style.name}")
    assert styled.status == 200
    assert {p.strip() for p in styled.headers["cache-control"].split(",")} == cache

    pdf = served.acme("/clients/acme/current/agreement-draft.pdf")
    assert pdf.status == 200
    assert "content-security-policy" not in pdf.headers
    assert pdf.headers["x-content-type-options"] == "nosniff"
    assert "immutable" not in pdf.headers["cache-control"]


def test_every_inline_script_is_allowed_by_its_hash(served: Served) -> None:
    policy = served.acme("/clients/acme/current/").headers["content-security-policy"]
    allowed = set(csp_directives(policy)["script-src"])
    staff = served.nginx.get("/internal/", STAFF_USER, STAFF_PASSWORD)
    assert staff.headers["content-security-policy"] == policy
    pages = sorted(served.release.rglob("*.html"))
    assert len(pages) > 20
    checked = 0
    for page in pages:
        for script in inline_scripts(page):
            digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
            assert f"'sha256-{digest}'" in allowed, (page, script[:200])
            checked += 1
    assert checked >= len(pages)  # Material writes inline scripts on every page


# ------------------------------------------------------------------ refusing to publish


def test_publishing_nothing_built_fails_and_leaves_the_live_release(
    served: Served, tiny_site: TinyProject
) -> None:
    tiny_site.client()
    before = (release_of(served.target), releases(served.target))
    config = {p.name: p.read_bytes() for p in (served.target / "nginx").iterdir()}
    run = tiny_site.tripod(
        "publish", "--target", str(served.target), "--listen", f"127.0.0.1:{served.port}"
    )
    assert run.code == 2
    assert run.out == ""
    assert run.err == "tripod: there is no built site to publish: run tripod build first\n"
    assert (release_of(served.target), releases(served.target)) == before
    assert {p.name: p.read_bytes() for p in (served.target / "nginx").iterdir()} == config
    assert served.acme("/clients/acme/current/").status == 200


def test_a_short_password_is_refused_and_no_password_is_ever_shown(served: Served) -> None:
    file = served.target / "access" / "clients" / "acme.htpasswd"
    before = file.read_bytes()
    short = "tooShort99"
    run = access(served.project, served.target, "add", "acme", "bob", password=short)
    assert run.code == 2
    assert run.err == (
        "tripod: the password is 10 characters; use at least 12"
        " (a passphrase of a few words is easiest)\n"
    )
    assert short not in run.out + run.err
    assert file.read_bytes() == before
    assert short.encode() not in file.read_bytes()
    listed = access(served.project, served.target, "list", "acme")
    assert listed.code == 0 and listed.out == f"{ACME_USER}\n"
    # Nor is a good one shown or stored as typed.
    assert ACME_PASSWORD.encode() not in before
    staff = (served.target / "access" / "staff.htpasswd").read_bytes()
    assert STAFF_PASSWORD.encode() not in staff
    assert re.fullmatch(rb"sam:\$6\$[./0-9A-Za-z]{16}\$[./0-9A-Za-z]{86}\n", staff), staff


def test_removing_a_user_takes_effect_without_reloading_nginx(served: Served) -> None:
    password = "carol's own passphrase"
    added = access(served.project, served.target, "add", "acme", "carol", password=password)
    assert added.code == 0, added.err
    assert added.err == "carol can now read acme's site\n"
    assert password not in added.out + added.err
    path = "/clients/acme/current/"
    assert served.nginx.get(path, "carol", password).status == 200
    assert access(served.project, served.target, "list", "acme").out == "alice\ncarol\n"
    removed = access(served.project, served.target, "remove", "acme", "carol")
    assert removed.code == 0, removed.err
    assert served.nginx.get(path, "carol", password).status == 401
    assert served.acme(path).status == 200  # the others keep their access
    assert access(served.project, served.target, "list", "acme").out == "alice\n"


# ------------------------------------------------------------------ publishing again


@pytest.fixture(scope="module")
def republished(served: Served, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A copy of the built project, published to a second target with a second nginx."""
    root = tmp_path_factory.mktemp("republish")
    shutil.copytree(served.project.root, root / "project", symlinks=True)
    project = TinyProject(root / "project")
    target, port = root / "srv", free_port()
    publish(project, target, port)
    added = access(project, target, "add", "acme", ACME_USER, password=ACME_PASSWORD)
    assert added.code == 0, added.err
    server = start_nginx(target, root / "nginx", port)
    try:
        yield Served(project, target, port, server)
    finally:
        server.stop()


def _named(name: str) -> str:
    return with_change("name: Acme Dental\n", f"name: {name}\n", ACME)


@pytest.mark.slow
def test_a_publish_during_reading_serves_whole_old_or_whole_new_pages(
    republished: Served,
) -> None:
    site = republished
    pages = {
        "/clients/acme/current/index.html": "clients/acme/current/index.html",
        "/clients/acme/current/backups/": "clients/acme/current/backups/index.html",
    }
    published: dict[str, set[bytes]] = {path: set() for path in pages}
    kept: dict[Path, bytes] = {}

    def record(release: str) -> None:
        for path, relative in pages.items():
            file = site.target / "releases" / release / relative
            published[path].add(file.read_bytes())
            kept[file] = file.read_bytes()

    record(release_of(site.target))
    responses: list[tuple[float, str, int, bytes]] = []  # (started, path, status, body)
    failures: list[BaseException] = []
    finished = threading.Event()

    def read() -> None:
        after = 0
        try:
            while len(responses) < 5000 and after < 20:
                path = list(pages)[len(responses) % len(pages)]
                started = time.monotonic()
                response = site.acme(path)
                responses.append((started, path, response.status, response.body))
                if finished.is_set():
                    after += 1
                time.sleep(max(0.0, 1 / STREAM_RATE - (time.monotonic() - started)))
        except BaseException as e:  # reported by the test, not lost in the thread
            failures.append(e)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        for name in ("Acme Dental Clinic", "Acme Dental", "Acme Dental Clinic"):
            site.project.client(_named(name))
            build(site.project)
            record(publish(site.project, site.target, site.port))
        last = release_of(site.target)
        switched = time.monotonic()
    finally:
        finished.set()
        reader.join(timeout=60)
    assert not reader.is_alive()
    assert failures == []

    assert len(responses) > 60
    for _, path, status, body in responses:
        assert status == 200, (path, status, body[:200])
        assert body in published[path], (path, text(body)[:300])
    for path in pages:
        seen = {body for _, p, _, body in responses if p == path}
        assert len(seen) >= 2, f"{path}: the publishes were never seen while reading"
    latest = {path: site.file(path) for path in pages}
    assert Path(os.readlink(site.release)).name == last
    tail = [(path, body) for started, path, _, body in responses if started > switched]
    assert tail and all(body == latest[path] for path, body in tail)
    assert "Acme Dental Clinic" in text(latest["/clients/acme/current/index.html"])
    # A build writes new files: the releases' hard links still hold what was published.
    assert all(file.read_bytes() == data for file, data in kept.items())
    assert not [n for n in releases(site.target) if n.startswith(".")]


@pytest.mark.slow
def test_rollback_and_keep(republished: Served) -> None:
    site = republished
    page = "/clients/acme/current/"
    site.project.client(_named("Acme Dental Before"))
    build(site.project)
    before = publish(site.project, site.target, site.port)
    site.project.client(_named("Acme Dental After"))
    build(site.project)
    after = publish(site.project, site.target, site.port)
    assert "Acme Dental After" in text(site.acme(page).body)

    run = site.project.tripod("publish", "--target", str(site.target), "--rollback")
    assert run.code == 0, run.err
    assert run.err == f"rolled back: current -> releases/{before}\n"
    assert release_of(site.target) == before
    assert after in releases(site.target)  # a rollback deletes nothing
    response = site.acme(page)
    assert response.status == 200
    assert "Acme Dental Before" in text(response.body)
    assert "Acme Dental After" not in text(response.body)
    assert (
        response.body == (site.target / "releases" / before / page[1:] / "index.html").read_bytes()
    )

    names = [publish(site.project, site.target, site.port, "--keep", "2") for _ in range(3)]
    assert len(set(names)) == 3
    assert set(releases(site.target)) == set(names[-2:])
    assert release_of(site.target) == names[-1]
    response = site.acme(page)
    assert response.status == 200
    assert "Acme Dental After" in text(response.body)

    run = site.project.tripod("publish", "--target", str(site.target), "--rollback")
    assert run.code == 0, run.err
    assert release_of(site.target) == names[-2]
    assert site.acme(page).status == 200
    run = site.project.tripod("publish", "--target", str(site.target), "--rollback")
    assert run.code == 2
    assert run.err == (
        f"tripod: release {names[-2]} is the oldest kept: there is nothing to roll back to\n"
    )
    assert release_of(site.target) == names[-2]

    # The server options are remembered: a publish that gives none keeps them.
    conf = (site.target / "nginx" / "tripod.conf").read_text()
    assert f"listen 127.0.0.1:{site.port};" in conf
    run = site.project.tripod("publish", "--target", str(site.target))
    assert run.code == 0, run.err
    assert "nginx configuration" not in run.err
    assert (site.target / "nginx" / "tripod.conf").read_text() == conf
    assert site.acme(page).status == 200


# ------------------------------------------------------------------ the layout's promises


def test_a_release_is_hard_links_to_the_built_files(served: Served) -> None:
    site = served.project.root / "site"
    release = served.target / "releases" / release_of(served.target)
    published = [p for p in sorted(release.rglob("*")) if p.is_file()]
    assert len(published) > 50
    for file in published:
        built = site / file.relative_to(release)
        same = (built.stat().st_dev, built.stat().st_ino) == (
            file.stat().st_dev,
            file.stat().st_ino,
        )
        assert same, f"{file} is a copy of {built}, not a hard link to it"


def test_a_symbolic_link_in_the_built_site_is_never_published(
    served: Served, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("the provider's private notes\n")
    project = TinyProject(tmp_path / "project")
    shutil.copytree(served.project.root, project.root, symlinks=True)
    link = project.root / "site" / "clients" / "acme" / "current" / "notes.txt"
    link.symlink_to(secret)
    target = tmp_path / "srv"
    run = project.tripod("publish", "--target", str(target))
    assert run.code == 2, run.err
    assert run.err == (
        f"tripod: {link} is a symbolic link: a release holds no links (build again,"
        " and put no links into site/)\n"
    )
    assert not (target / "current").exists()
    assert [p for p in (target / "releases").iterdir()] == []  # no half-made release left


def test_nginx_follows_no_symbolic_link_inside_a_release(served: Served, tmp_path: Path) -> None:
    """A link put into the live release by hand (publish makes none) is not followed."""
    secret_dir = tmp_path / "outside"
    secret_dir.mkdir()
    (secret_dir / "index.html").write_text("the provider's private notes\n")
    (secret_dir / "notes.txt").write_text("the provider's private notes\n")
    folder = served.release / "clients" / "acme" / "current"
    links = {
        folder / "notes.txt": secret_dir / "notes.txt",
        folder / "outside": secret_dir,
        folder / "twin.html": folder / "index.html",  # even to a file inside the release
    }
    try:
        for link, to in links.items():
            link.symlink_to(to)
        for path in (
            "/clients/acme/current/notes.txt",
            "/clients/acme/current/outside/",
            "/clients/acme/current/outside/notes.txt",
            "/clients/acme/current/twin.html",
        ):
            for user, password in ((ACME_USER, ACME_PASSWORD), (STAFF_USER, STAFF_PASSWORD)):
                response = served.nginx.get(path, user, password)
                assert response.status in (401, 403, 404), (path, user, response.status)
                assert b"private notes" not in response.body
                assert b"Acme Dental" not in response.body
        assert served.acme("/clients/acme/current/").status == 200  # the real page still is
    finally:
        for link in links:
            link.unlink(missing_ok=True)


def test_each_address_gets_bursts_of_200_then_20_a_second_then_429(
    served: Served, tmp_path: Path
) -> None:
    """Its own nginx (the limit is per server): 600 requests on one connection, as
    fast as they go. The first 201 pass (the one allowed now and the burst); past
    them nginx lets 20 a second through and answers the rest 429."""
    port = free_port()
    conf = tmp_path / "tripod.conf"
    text = (served.target / "nginx" / "tripod.conf").read_text()
    conf.write_text(text.replace(f"listen 127.0.0.1:{served.port};", f"listen 127.0.0.1:{port};"))
    server = start_nginx(served.target, tmp_path / "nginx", port, conf=conf)
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        statuses = []
        started = time.monotonic()
        for _ in range(600):
            connection.request("GET", "/clients/acme/current/")
            response = connection.getresponse()
            response.read()
            statuses.append(response.status)
            if response.getheader("Connection", "").lower() == "close":
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        took = time.monotonic() - started
        connection.close()
        limited = server.get("/clients/acme/current/")
    finally:
        server.stop()
    assert set(statuses) == {401, 429}
    assert statuses[:201] == [401] * 201  # the burst: none delayed, none refused
    passed = statuses.count(401)
    # The rate, counted: however long the loop took, at most 20 a second more.
    assert passed <= 201 + 20 * took + 2, (passed, took)
    assert statuses.count(429) >= 1
    assert limited.status == 429
    assert {name: limited.headers.get(name) for name in ISOLATION} == ISOLATION


# ------------------------------------------------------------------ paths and permissions


def test_a_target_path_with_spaces_and_braces_is_written_quoted(
    served: Served, tmp_path: Path
) -> None:
    """A space would end the path, `;` end the directive, `}` the block, and `[`
    make `include` a pattern: quoted, nginx reads the path as it is."""
    target = tmp_path / 'srv with space; } { "quoted" [x] #1'
    port = free_port()
    run = served.project.tripod("publish", "--target", str(target), "--listen", f"127.0.0.1:{port}")
    assert run.code == 0, run.err
    added = access(served.project, target, "add", "acme", ACME_USER, password=ACME_PASSWORD)
    assert added.code == 0, added.err
    server = start_nginx(target, tmp_path / "nginx", port)  # `nginx -t` first
    try:
        page = server.get("/clients/acme/current/", ACME_USER, ACME_PASSWORD)
        assert page.status == 200
        assert page.body == (target / "current" / "clients/acme/current/index.html").read_bytes()
        assert server.get("/clients/acme/current/").status == 401
        assert server.get("/clients/nosuch/current/", STAFF_USER, "wrong").status == 401
    finally:
        server.stop()


@pytest.mark.parametrize("name", ["srv$client", "srv\nroot /", "srv\tx"])
def test_a_target_path_nginx_cannot_be_given_is_refused(
    served: Served, tmp_path: Path, name: str
) -> None:
    target = tmp_path / name
    run = served.project.tripod("publish", "--target", str(target))
    assert run.code == 2
    assert run.err.startswith(f"tripod: --target {str(target)!r}: write an absolute path"), run.err
    assert run.err.count("\n") == 1
    assert not target.exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="nginx's workers change user only when run as root")
def test_publish_says_what_to_run_when_nginx_cannot_read_the_access_files(
    served: Served, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Published as root, the access files are root's with mode 0640; nginx's
    workers run as www-data: the first sign-in would answer 500. Publish and
    `access add` say so, and the command they print is all it takes."""
    import grp
    import pwd
    import subprocess
    import tempfile

    try:
        pwd.getpwnam("www-data")
        group = grp.getgrgid(pwd.getpwnam("www-data").pw_gid).gr_name
    except KeyError:
        pytest.skip("no www-data user")
    # www-data must reach the target: not under pytest's own 0700 folder.
    target = Path(tempfile.mkdtemp(prefix="tripod-readable-", dir="/tmp"))
    target.chmod(0o755)
    monkeypatch.setenv("TRIPOD_NGINX_USER", "www-data")
    server = None
    try:
        port = free_port()
        run = served.project.tripod(
            "publish", "--target", str(target), "--listen", f"127.0.0.1:{port}"
        )
        access_dir = target / "access"
        assert run.code == 1, run.err
        last = run.err.splitlines()[-1]
        command = (
            f"chgrp -R {group} {access_dir} && chmod -R g+rX {access_dir}"
            f" && find {access_dir} -type d -exec chmod g+s {{}} +"
        )
        assert last == (
            f"tripod: nginx (www-data) cannot read {access_dir / 'staff.htpasswd'}: run {command}"
        )
        assert f"{target}/current -> releases/" in run.err  # published all the same
        added = access(served.project, target, "add", "acme", ACME_USER, password=ACME_PASSWORD)
        assert added.code == 1
        assert added.err.splitlines() == [f"{ACME_USER} can now read acme's site", last]

        server = start_nginx(target, tmp_path / "nginx", port, user="www-data")
        page = "/clients/acme/current/"
        assert server.get(page, ACME_USER, ACME_PASSWORD).status == 500  # as it was

        subprocess.run(command, shell=True, check=True)
        assert server.get(page, ACME_USER, ACME_PASSWORD).status == 200
        again = served.project.tripod("publish", "--target", str(target))
        assert again.code == 0, again.err
        added = access(served.project, target, "add", "acme", "bob", password=OTHER_PASSWORD)
        assert added.code == 0, added.err
        assert server.get(page, "bob", OTHER_PASSWORD).status == 200
        assert server.get(page, ACME_USER, ACME_PASSWORD).status == 200
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(target, ignore_errors=True)


def test_a_symbolic_link_among_the_site_assets_is_refused(
    tiny: TinyProject, tmp_path: Path
) -> None:
    """templates/site/assets is copied into every client's site: a link there
    would copy what it points at (any file of the building machine) into each."""
    secret = tmp_path / "secret.txt"
    secret.write_text("the provider's private notes\n")
    tiny.client()
    tiny.write("templates/site/assets/stylesheets/extra.css", "p { margin: 0 }\n")
    link = tiny.root / "templates" / "site" / "assets" / "notes.txt"
    link.symlink_to(secret)
    run = tiny.tripod("build")
    assert run.code == 2, (run.out, run.err)
    assert run.err.splitlines()[-1] == (
        f"tripod: {link} is a symbolic link: a site's assets are copied into every client's"
        " site, so put the file itself there"
    )
    assert not any((tiny.root / "site").rglob("notes.txt"))


def test_a_configuration_nginx_refuses_is_not_switched_in(served: Served, tmp_path: Path) -> None:
    """Publish runs nginx -t (when nginx is here) on a changed configuration: a
    refusal is said in one line, and the live release and configuration stay."""
    target, port = tmp_path / "srv", free_port()
    name = publish(served.project, target, port)
    config = {p.name: p.read_bytes() for p in (target / "nginx").iterdir()}
    missing = tmp_path / "no-such" / "cert.pem"
    bad = ("--tls-cert", str(missing), "--tls-key", str(tmp_path / "no-such" / "key.pem"))
    run = served.project.tripod("publish", "--target", str(target), *bad)
    assert run.code == 2
    assert run.err.count("\n") == 1, run.err
    assert run.err.startswith(
        f'tripod: nginx -t refuses the new configuration: cannot load certificate "{missing}"'
    ), run.err
    assert run.err.endswith(" (nothing was switched)\n"), run.err
    assert (release_of(target), releases(target)) == (name, [name])
    assert {p.name: p.read_bytes() for p in (target / "nginx").iterdir()} == config

    first = tmp_path / "first"
    run = served.project.tripod("publish", "--target", str(first), *bad)
    assert run.code == 2 and "nginx -t refuses" in run.err
    assert not (first / "current").exists()
    assert list((first / "nginx").glob("*.conf")) == []
    assert list((first / "releases").iterdir()) == []
