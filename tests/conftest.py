"""Shared fixtures: tiny projects on disk, and the real `tripod` command."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest
from devtools import CHROMIUM_FLAGS  # noqa: F401  (the browser tests import it from here)

from generator import DEFAULTS
from generator.findings import Finding
from generator.project.layout import Project
from generator.project.record import check_project

REPO = Path(__file__).resolve().parent.parent
TRIPOD = str(Path(sys.executable).with_name("tripod"))
TODAY = dt.date(2026, 11, 25)


def system_tool(name: str, package: str, *places: str) -> str:
    """A Debian package's program (on PATH or at one of `places`). Missing, the test
    fails: `make test` installs every package the tests use (scripts/system-packages)."""
    found = shutil.which(name) or next((p for p in places if Path(p).is_file()), None)
    if found is None:
        pytest.fail(
            f"{name} is not installed: install Debian's {package} "
            f"(make test does, through scripts/system-packages)",
            pytrace=False,
        )
    return found


def free_ports(count: int = 1) -> list[int]:
    """Ports on 127.0.0.1 that no one listens on, for a server a test starts. Picked at
    random (parallel workers and other test runs pick their own) below the kernel's
    ephemeral range, so that no outgoing connection takes one before the server binds it."""
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    pick = random.SystemRandom()  # not the `random` state that hypothesis seeds
    held: list[socket.socket] = []
    try:
        while len(held) < count:
            candidate = socket.socket()
            try:
                candidate.bind(("127.0.0.1", pick.randrange(10_000, low)))
            except OSError:
                candidate.close()
                continue
            held.append(candidate)
        return [s.getsockname()[1] for s in held]
    finally:
        for s in held:
            s.close()


def free_port() -> int:
    return free_ports(1)[0]


class PageText(HTMLParser):
    """What a person reads on a page (scripts and styles left out), and its links."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.links: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self.skip += 1
        if tag == "a":
            self.links += [v for k, v in attrs if k == "href" and v]

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.skip -= 1

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.parts).split())


def read_page(html: str) -> PageText:
    parser = PageText()
    parser.feed(html)
    parser.close()
    return parser


PROVIDER = """\
name: Southern Cross IT
legal_name: Southern Cross IT Services Pty Ltd
address: Level 4, 120 Clarence Street, Sydney NSW 2000
phone: "+61 2 5550 0100"
after_hours: "+61 2 5550 0111"
email: servicedesk@southerncross.example
signatory: {name: Tom Baker, title: Service Delivery Manager}
"""

# A client that passes every check on TODAY (no errors, no warnings, one accepted gap).
# Tests change one thing in it and pin the finding; keep its lines where they are.
CLIENT = """\
id: acme
name: Acme Dental
legal_name: Acme Dental Pty Ltd
contacts:
  - {id: maria, name: Maria Chen, role: Practice Manager, phone: "+61 2 5550 0101"}
third_parties:
  - {id: resilient, name: Resilient Continuity Co, role: BC specialist}
agreement:
  version: 1
  effective: 2026-11-01
  term: 12mo
  signatories: {client: maria}
systems:
  - {id: pms, name: Practice server, data: 420 GB, criticality: critical, hosting: on-premises}
  - {id: mail, name: Hosted mail, data: 60 GB, criticality: important, hosting: cloud}
backups:
  - id: pms-image
    systems: [pms]
    method: image
    every: 4h
    retention: 30d
    copies:
      - {where: local, location: NAS}
      - {where: offsite, location: Object storage, immutable: true}
    encrypted: true
    restore_test: {every: 90d, last: 2026-09-14}
  - id: mail-saas
    systems: [mail]
    method: saas
    every: 24h
    retention: 1y
    copies:
      - {where: offsite, location: SaaS vendor, immutable: true}
      - {where: offsite, location: Provider storage}
    encrypted: true
    restore_test: {every: 180d, last: 2026-08-01}
disaster_recovery:
  recovery_site: Provider data centre
  hardware: {procurement: 2d, standby: false}
  download_bandwidth: 200 Mbps
  restore_rate: 400 GB/h
  network_reconfiguration: 6h
  validation: 2h
  objectives:
    - {system: pms, rto: 72h, rpo: 4h, mtd: 5d}
    - {system: mail, rto: 8h, rpo: 4h}
  invocation: {client: maria, provider: Service desk lead}
  test: {every: 12mo, last: 2026-03-02, measured: {pms: 30h}}
business_continuity:
  owner: maria
  specialist: resilient
  alternate_workplace: Sister practice
  staff_access: Remote desktop into the DR site
  communications: SMS call tree
  plan_reviewed: 2026-06-30
acknowledged:
  - {check: rpo-unachievable, system: mail, reason: Daily is enough, accepted_by: maria}
"""


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="Rewrite the golden files under tests/golden/ from the current output.",
    )


@dataclass
class Run:
    code: int
    out: str
    err: str

    def json(self) -> dict:
        return json.loads(self.out)


@dataclass
class TinyProject:
    """A project folder in tmp_path, built one file at a time."""

    root: Path

    def write(self, relative: str, text: str | bytes) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(textwrap.dedent(text) if text.startswith("\n") else text, "utf-8")
        return path

    def client(self, text: str = CLIENT, client_id: str = "acme") -> Path:
        return self.write(f"clients/{client_id}.yaml", text)

    def findings(self, *names: str, today: dt.date = TODAY) -> list[Finding]:
        return check_project(Project.at(self.root), names, today).findings

    def lines(self, *names: str, today: dt.date = TODAY) -> list[str]:
        """Findings as `file:line:col: severity code: message`, accepted gaps left out."""
        return [f.text() for f in self.findings(*names, today=today) if f.severity != "accepted"]

    def issue_terms(self, client_id: str = "acme", version: int = 1) -> bytes:
        """Archives a client's canonical terms, as they are now, as issued version N."""
        from generator.format.load import load_client, load_provider
        from generator.terms import canonical as terms

        client = load_client(self.root / f"clients/{client_id}.yaml", client_id, TODAY).model
        provider = load_provider(self.root / "provider.yaml", "provider.yaml", self.root).model
        assert client is not None and provider is not None
        fingerprint = Project.at(self.root).template_fingerprint()
        canonical = terms.canonical(terms.terms_of(client, provider, fingerprint))
        self.write(f"agreements/{client_id}/v{version}/terms.json", canonical)
        return canonical

    def tripod(self, *args: str, today: dt.date | None = TODAY, stdin: str | None = None) -> Run:
        env = {**os.environ}
        if today is not None:
            env["TRIPOD_TODAY"] = today.isoformat()
        if not _REAL_COMMAND[0]:
            return _in_process(list(args), self.root, env, stdin)
        done = subprocess.run(
            [TRIPOD, *args],
            cwd=self.root,
            env=env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
        )
        return Run(done.returncode, done.stdout, done.stderr)


# Whether `TinyProject.tripod` starts the installed command in a process of its
# own (tests marked `real_command`, or every test with TRIPOD_TESTS_REAL=1) or
# runs its `main` in this process: the same code, without a second of imports
# per call.
_REAL_COMMAND = [os.environ.get("TRIPOD_TESTS_REAL") == "1"]


@pytest.fixture(autouse=True)
def _command_kind(request: pytest.FixtureRequest) -> Iterator[None]:
    everywhere = os.environ.get("TRIPOD_TESTS_REAL") == "1"
    _REAL_COMMAND[0] = everywhere or request.node.get_closest_marker("real_command") is not None
    yield
    _REAL_COMMAND[0] = everywhere


def _in_process(args: list[str], cwd: Path, env: dict[str, str], stdin: str | None) -> Run:
    """`tripod ARGS` run by this process, as the command would run it."""
    import contextlib
    import io
    import warnings

    from generator.cli import main

    out, err = io.StringIO(), io.StringIO()
    saved_env, saved_cwd, saved_stdin = dict(os.environ), os.getcwd(), sys.stdin
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    sys.stdin = io.TextIOWrapper(io.BytesIO((stdin or "").encode()), encoding="utf-8")
    code: object = 0
    try:
        with (
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
            warnings.catch_warnings(),
        ):
            # As the command's own process would: warnings are not the tests' errors here.
            warnings.simplefilter("ignore")
            try:
                main(args)
            except SystemExit as e:
                code = e.code
    finally:
        sys.stdin = saved_stdin
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
    return Run(
        code if isinstance(code, int) else (0 if code is None else 1),
        out.getvalue(),
        err.getvalue(),
    )


@pytest.fixture
def tiny(tmp_path: Path) -> TinyProject:
    project = TinyProject(tmp_path)
    project.write("provider.yaml", PROVIDER)
    (tmp_path / "clients").mkdir()
    return project


@pytest.fixture
def tiny_site(tiny: TinyProject) -> TinyProject:
    """A tiny project that can build sites (with Tripod's default templates)."""
    return tiny


def own_mkdocs_yml() -> str:
    """Tripod's default MkDocs configuration, as a project's own copy of it reads."""
    text = (DEFAULTS / "mkdocs.yml").read_text("utf-8")
    assert text.count("custom_dir: site/overrides") == 1
    return text.replace(
        "custom_dir: site/overrides", f"custom_dir: {DEFAULTS / 'site' / 'overrides'}"
    )


def with_change(old: str, new: str, text: str = CLIENT, count: int = 1) -> str:
    """The base client with one exact change; fails loudly if `old` is not there."""
    assert text.count(old) == count, f"{old!r} appears {text.count(old)} times"
    return text.replace(old, new)
