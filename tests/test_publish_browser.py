"""The published sites in a real browser, through nginx, under the generated
Content-Security-Policy.

The example project is built and published by the real `tripod build` and
`tripod publish`, with a client user and a staff user added by `tripod access`;
Debian's nginx serves it with the configuration publish wrote. Headless Chromium
loads each page with credentials in the URL and logs every console message to
stderr (`--enable-logging=stderr`), where a blocked inline script, style, fetch
or worker shows up as a `:INFO:CONSOLE` line. A page passes when there are none
and the DOM shows that Material's scripts ran. A second nginx, serving the same
release with the script hashes taken out of the policy, shows that the check
does catch a broken policy.

Without chromium or nginx these tests fail (`make test` installs them).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from helpers import DevTools
from test_browser import Dom, _chromium, _selector

from conftest import CHROMIUM_FLAGS, REPO, TinyProject, free_port
from generator.site.pages import PAGES
from nginx_server import Nginx, nginx_binary, start_nginx

pytestmark = [pytest.mark.real_command, pytest.mark.browser, pytest.mark.nginx, pytest.mark.slow]

CLIENT_ID = "harbour-dental"  # the example client with issued versions (v1, v2)
CLIENT_NAME = "Harbour Dental Group"
CLIENT_USER, CLIENT_PASSWORD = "alice", "harbour reads its plan"
STAFF_USER, STAFF_PASSWORD = "bob", "staff read the dashboard"
SITE = f"/clients/{CLIENT_ID}"
SEARCH_WORD = "retention"  # a word on the backups page and on no other page

# A console message as Chromium logs it with --enable-logging=stderr, at any level:
#   [pid:tid:MMDD/HHMMSS.us:INFO:CONSOLE:48] "Executing inline script violates ...", source: ...
_CONSOLE = re.compile(r":(?:INFO|WARNING|ERROR|FATAL|VERBOSE\d*):CONSOLE\b")


@dataclass(frozen=True)
class Loaded:
    url: str
    dom: Dom
    console: list[str]  # the console lines Chromium logged, whole


@dataclass
class Published:
    project: TinyProject
    target: Path
    nginx: Nginx
    load: Callable[[str], Loaded]  # a URL, through Chromium; each URL loaded once
    load_until: Callable[[str, str], Loaded]  # a URL, waiting for an expression to be true

    def client_url(self, path: str) -> str:
        return self.nginx.url(path, CLIENT_USER, CLIENT_PASSWORD)

    def staff_url(self, path: str) -> str:
        return self.nginx.url(path, STAFF_USER, STAFF_PASSWORD)


# ------------------------------------------------------------------ browser


def _flags(profile: Path) -> list[str]:
    return [
        *CHROMIUM_FLAGS,
        f"--user-data-dir={profile}",
        # Every console message (CSP violations among them) goes to stderr.
        "--enable-logging=stderr",
        "--v=0",
    ]


def _console(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if _CONSOLE.search(line)]


def _load(chromium: str, profile: Path, url: str) -> Loaded:
    """One page in headless Chromium: the DOM after its scripts ran (in virtual time,
    which waits for the page's own fetches), and every console message it logged."""
    command = [chromium, *_flags(profile), "--virtual-time-budget=8000", "--dump-dom", url]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"chromium failed on {url}: {done.stderr[-2000:]}"
    assert "<html" in done.stdout, f"chromium printed no DOM for {url}: {done.stderr[-2000:]}"
    return Loaded(url, Dom(done.stdout), _console(done.stderr))


def _load_until(chromium: str, profile: Path, url: str, ready: str, limit: float = 20) -> Loaded:
    """Opens a page and waits, in real time, until the JavaScript expression `ready` is
    true (or `limit` seconds pass); then the DOM and every console message so far."""
    log = profile.with_name(profile.name + ".log")
    browser = DevTools(chromium, profile, log, _flags(profile))
    try:
        browser.page("Page.navigate", url=url)
        deadline = time.monotonic() + limit
        loaded = f"Boolean(location.href !== 'about:blank' && ({ready}))"
        while not browser.evaluate(loaded) and time.monotonic() < deadline:
            time.sleep(0.1)
        source = None
        while source is None and time.monotonic() < deadline + 5:
            source = browser.evaluate("document.documentElement.outerHTML")
    finally:
        browser.close()
    assert isinstance(source, str) and "<html" in source, f"no DOM for {url}: {source!r}"
    return Loaded(url, Dom(source), _console(log.read_text("utf-8", "replace")))


def _material_ran(dom: Dom) -> bool:
    """Material's bundle ran to the end of its start-up: it swapped no-js for js on
    <html>, and its palette component (which needs the helpers an inline script
    defines) marked <body> with the colour scheme's media query."""
    root = dom.all(tag="html")
    body = dom.all(tag="body")
    return (
        len(root) == 1
        and "js" in root[0].classes
        and "no-js" not in root[0].classes
        and len(body) == 1
        and "data-md-color-media" in body[0].attrs
    )


def _heading(dom: Dom) -> str:
    headings = [h.text for h in dom.all(tag="h1") if h.within("md-content")]
    assert len(headings) == 1, f"expected one <h1> in the content, found {headings}"
    return headings[0]


def _quiet(loaded: Loaded) -> None:
    assert loaded.console == [], (
        f"{loaded.url} logged {len(loaded.console)} console message(s) under the CSP:\n"
        + "\n".join(loaded.console)
    )


# ------------------------------------------------------------------ the published project


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Published]:
    """The example project built, published for nginx on a free loopback port, with one
    user for CLIENT_ID and one staff user, served by nginx until the module ends."""
    chromium = _chromium()
    nginx_binary()  # fail before building anything
    root = tmp_path_factory.mktemp("examples")
    for name in ("provider.yaml",):
        shutil.copy(REPO / name, root / name)
    for name in ("clients", "certs", "agreements"):
        shutil.copytree(REPO / name, root / name)
    project = TinyProject(root)
    run = project.tripod("build")
    assert run.code == 0, run.err

    target = tmp_path_factory.mktemp("target")
    port = free_port()
    run = project.tripod("publish", "--target", str(target), "--listen", f"127.0.0.1:{port}")
    assert run.code == 0, run.err
    for who, password in (
        ((CLIENT_ID, CLIENT_USER), CLIENT_PASSWORD),
        (("--staff", STAFF_USER), STAFF_PASSWORD),
    ):
        run = project.tripod(
            "access", "add", *who, "--password-stdin", "--target", str(target), stdin=password
        )
        assert run.code == 0, run.err

    nginx = start_nginx(target, tmp_path_factory.mktemp("nginx"), port)
    loaded: dict[str, Loaded] = {}

    def load(url: str) -> Loaded:
        if url not in loaded:
            loaded[url] = _load(chromium, tmp_path_factory.mktemp("chromium-profile"), url)
        return loaded[url]

    def load_until(url: str, ready: str) -> Loaded:
        return _load_until(chromium, tmp_path_factory.mktemp("chromium-profile"), url, ready)

    try:
        yield Published(project, target, nginx, load, load_until)
    finally:
        nginx.stop()


def _release(published: Published) -> Path:
    return published.target / "current"


# ------------------------------------------------------------------ 1. every page, quiet

# (who, path, <title>, <h1>): every page of the current site, two pages of the issued
# versions (v2 in force, v1 kept for the record), and the staff's dashboard.
_CURRENT = [
    ("client", f"{SITE}/current/", CLIENT_NAME, "Overview")
    if name == "index.md"
    else (
        "client",
        f"{SITE}/current/{name.removesuffix('.md')}/",
        f"{title} - {CLIENT_NAME}",
        title,
    )
    for title, name in PAGES
]
PAGE_CASES = [
    *_CURRENT,
    ("client", f"{SITE}/v2/", CLIENT_NAME, "Overview"),
    ("client", f"{SITE}/v1/agreement/", f"Agreement - {CLIENT_NAME}", "Agreement"),
    ("staff", "/internal/", None, "Clients"),
]


@pytest.mark.parametrize(
    ("who", "path", "title", "heading"), PAGE_CASES, ids=[case[1] for case in PAGE_CASES]
)
def test_page_loads_under_the_csp_without_console_messages(
    published: Published, who: str, path: str, title: str | None, heading: str
) -> None:
    # The page is served with the strict policy (else a quiet console proves nothing).
    user, password = (
        (CLIENT_USER, CLIENT_PASSWORD) if who == "client" else (STAFF_USER, STAFF_PASSWORD)
    )
    response = published.nginx.get(path, user, password)
    assert response.status == 200, (path, response.status)
    csp = response.headers.get("content-security-policy", "")
    assert "script-src 'self' 'sha256-" in csp, csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, csp

    url = published.client_url(path) if who == "client" else published.staff_url(path)
    loaded = published.load(url)
    _quiet(loaded)
    dom = loaded.dom
    assert _material_ran(dom), f"Material's scripts did not run on {path}"
    assert _heading(dom) == heading
    if title is not None:
        assert dom.title == title
    else:
        assert "dashboard" in dom.title, dom.title
    if who == "client":
        # The version selector is drawn by the bundle from versions.json.
        assert dom.all("md-version"), f"no version selector on {path}"


# ------------------------------------------------------------------ 2. the check can fail


def test_a_policy_without_the_script_hashes_is_reported(
    published: Published, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The same release behind a policy lacking the hashes: Chromium reports the
    blocked inline scripts on the console, and Material does not start."""
    path = f"{SITE}/current/backups/"
    good = published.load(published.client_url(path))
    _quiet(good)
    assert _material_ran(good.dom)

    # A copy of the generated server with `script-src 'self';` and another port; it
    # includes the real target's locations and headers, so only the policy differs.
    config = (published.target / "nginx" / "tripod.conf").read_text("utf-8")
    broken = tmp_path_factory.mktemp("broken-target")
    port = free_port()
    changed, hashes = re.subn(
        r"script-src 'self'(?: 'sha256-[^']+')+;", "script-src 'self';", config
    )
    assert hashes == 1, "the generated policy has no script-src with hashes"
    listen = f"listen 127.0.0.1:{published.nginx.port};"
    assert changed.count(listen) == 1, changed
    changed = changed.replace(listen, f"listen 127.0.0.1:{port};")
    (broken / "nginx").mkdir()
    (broken / "nginx" / "tripod.conf").write_text(changed, "utf-8")

    server = start_nginx(broken, tmp_path_factory.mktemp("broken-nginx"), port)
    try:
        response = server.get(path, CLIENT_USER, CLIENT_PASSWORD)
        assert response.status == 200
        assert "script-src 'self';" in response.headers.get("content-security-policy", "")
        bad = published.load(server.url(path, CLIENT_USER, CLIENT_PASSWORD))
    finally:
        server.stop()

    violations = [
        line
        for line in bad.console
        if "Content Security Policy" in line and "inline script" in line and "script-src" in line
    ]
    assert violations, "no CSP violation was reported:\n" + "\n".join(bad.console)
    assert not _material_ran(bad.dom), "Material started without its inline scripts"


# ------------------------------------------------------------------ 3. version selector


def test_the_version_selector_works_under_the_csp(published: Published) -> None:
    versions = json.loads(
        (_release(published) / "clients" / CLIENT_ID / "versions.json").read_text("utf-8")
    )
    names = [v["version"] for v in versions]
    assert names[0] == "current" and {"v1", "v2"} <= set(names), names
    # Absolute links on the page's origin, without the credentials.
    origin = f"http://127.0.0.1:{published.nginx.port}"
    expected = [
        (f"{origin}{SITE}/{v['version']}/", v["title"], " ".join(v["aliases"])) for v in versions
    ]
    titles = {v["version"]: v["title"] for v in versions}

    # The client's own folder redirects to latest/, the current version.
    for path, shown in (
        (f"{SITE}/current/", titles["current"]),
        (f"{SITE}/v2/", titles["v2"]),
        (f"{SITE}/", titles["current"]),
    ):
        loaded = published.load(published.client_url(path))
        _quiet(loaded)
        assert loaded.dom.title == CLIENT_NAME, path
        assert _selector(loaded.dom) == (shown, expected), path


# ------------------------------------------------------------------ 4. search


def test_search_works_under_the_csp(published: Published) -> None:
    """Material's search runs in a web worker that fetches search/search_index.json;
    ?q= makes the page run a search as it opens."""
    index = json.loads(
        (
            _release(published) / "clients" / CLIENT_ID / "current" / "search" / "search_index.json"
        ).read_text("utf-8")
    )
    pages = {
        doc["location"].split("/")[0] for doc in index["docs"] if SEARCH_WORD in doc["text"].lower()
    }
    assert pages == {"backups"}, f"{SEARCH_WORD!r} is not on the backups page alone: {pages}"

    # Material shows "No matching documents", "1 matching document", "N matching documents".
    shown = (
        "/^[0-9]+ matching document/"
        ".test(document.querySelector('.md-search-result__meta')?.textContent)"
    )
    loaded = published.load_until(published.client_url(f"{SITE}/current/?q={SEARCH_WORD}"), shown)
    _quiet(loaded)
    dom = loaded.dom
    results = [urlsplit(a.attrs["href"]) for a in dom.all("md-search-result__link", "a")]
    assert results, "the search found nothing"
    assert [r.path for r in results] == [f"{SITE}/current/backups/"], results
    assert all(not r.username for r in results), "a result link carries credentials"
    assert dom.one("md-search-result__meta").text == "1 matching document"
