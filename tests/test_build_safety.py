"""Builds against each other, against a kill at the wrong moment, and against one
client that breaks: the live sites are always complete, and one client never
takes the others down."""

from __future__ import annotations

import functools
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import CLIENT, TRIPOD, TinyProject, free_port, system_tool, with_change
from generator import files
from generator.build.builder import Builder

SINCE = r"since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC"


def two_clients(project: TinyProject) -> None:
    project.client()
    project.client(CLIENT.replace("id: acme", "id: other").replace("Acme", "Other"), "other")


def complete(site: Path) -> bool:
    """A client's site as a reader needs it: every part there."""
    return all(
        (site / part).is_file()
        for part in (
            "index.html",
            "versions.json",
            ".tripod-inputs",
            "current/index.html",
            "current/contacts/index.html",
            "current/agreement-draft.pdf",
            "latest/index.html",
        )
    )


def spares(folder: Path) -> list[str]:
    """Names a swap or a half-written file leaves when it does not finish."""
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if files._SPARE.fullmatch(p.name))


def assert_clean(root: Path) -> None:
    site = root / "site"
    assert not (site / ".staging").exists()
    for folder in (site, site / "clients"):
        # Where the system cannot exchange two folders, a site folder is a link to a
        # hidden folder beside it: that one is not a leftover.
        linked = [os.readlink(p) for p in folder.iterdir() if p.is_symlink()]
        assert [name for name in spares(folder) if name not in linked] == []


def env_for(root: Path) -> dict[str, str]:
    return {**os.environ, "TRIPOD_TODAY": "2026-11-25"}


# ---------------------------------------------------------------- one build at a time

HOLD = """
import sys
from pathlib import Path
from generator.build.lock import building
from generator.project.layout import Project
with building(Project.at(Path(sys.argv[1])), "tripod serve", 0):
    print("held", flush=True)
    sys.stdin.read()
"""


@pytest.fixture
def holder(tiny_site: TinyProject) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the project's build lock, as a rebuild of `tripod serve` does."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(tiny_site.root)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline() == "held\n"
    yield process
    process.kill()
    process.wait()
    process.stdin.close()  # type: ignore[union-attr]
    process.stdout.close()


@pytest.mark.real_command
def test_a_build_says_who_holds_the_lock_and_waits_for_it(
    tiny_site: TinyProject, holder: subprocess.Popen[str]
) -> None:
    tiny_site.client()
    busy = (
        rf"tripod: another build of this project is running \(pid {holder.pid}, tripod serve,"
        rf" {SINCE}\): gave up after 0 s \(--wait SECONDS to wait longer\)\n"
    )
    run = tiny_site.tripod("build", "--wait", "0")
    assert run.code == 2
    assert re.fullmatch(busy, run.err), run.err
    assert not (tiny_site.root / "site").exists()
    run = tiny_site.tripod("pack", "acme", "--wait", "0")
    assert run.code == 2
    assert re.fullmatch(busy, run.err), run.err

    with subprocess.Popen(
        [TRIPOD, "build"],
        cwd=tiny_site.root,
        env=env_for(tiny_site.root),
        stderr=subprocess.PIPE,
        text=True,
    ) as waiting:
        assert waiting.stderr is not None
        line = waiting.stderr.readline()
        assert re.fullmatch(
            rf"tripod: waiting for another build of this project to end \(pid {holder.pid},"
            rf" tripod serve, {SINCE}\), up to 600 s\n",
            line,
        ), line
        holder.kill()  # the system releases the lock of a process that dies, however it dies
        rest = waiting.stderr.read()
        assert waiting.wait() == 0, rest
    assert rest.startswith("built 1 client site (1 version) and the dashboard")
    assert complete(tiny_site.root / "site" / "clients" / "acme")


@pytest.mark.real_command
def test_two_builds_at_once_run_one_after_the_other(tiny_site: TinyProject) -> None:
    two_clients(tiny_site)
    builds = [
        subprocess.Popen(
            [TRIPOD, "build", "--jobs", "1"],
            cwd=tiny_site.root,
            env=env_for(tiny_site.root),
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    errors = [b.communicate()[1] for b in builds]
    assert [b.returncode for b in builds] == [0, 0], errors
    for err in errors:
        assert "built " in err.splitlines()[-1]
    for client in ("acme", "other"):
        assert complete(tiny_site.root / "site" / "clients" / client)
    assert_clean(tiny_site.root)


@pytest.mark.real_command
def test_serve_holds_the_lock_only_while_it_builds(tiny_site: TinyProject) -> None:
    tiny_site.client()
    with subprocess.Popen(
        [TRIPOD, "serve", "--port", str(free_port())],
        cwd=tiny_site.root,
        env=env_for(tiny_site.root),
        stderr=subprocess.PIPE,
        text=True,
        # Ctrl-C stops the preview, also when these tests run in the background, whose
        # shell has them ignore it (a process started so keeps SIGINT ignored).
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    ) as serve:
        assert serve.stderr is not None
        try:
            lines = [serve.stderr.readline() for _ in range(2)]
            assert lines[0].startswith("built 1 client site"), lines
            assert lines[1].startswith("serving site/ at http://127.0.0.1:"), lines
            # Nothing changed, so the preview is idle: a build beside it need not wait.
            run = tiny_site.tripod("build", "--wait", "0")
            assert run.code == 0, run.err
            assert "1 unchanged since the last build" in run.err
        finally:
            serve.send_signal(signal.SIGINT)
            serve.communicate(timeout=60)
    assert complete(tiny_site.root / "site" / "clients" / "acme")
    assert_clean(tiny_site.root)


# ---------------------------------------------------------------- a kill at any step


class Killed(BaseException):
    """The process ends here: nothing after this step runs, no handler sees it."""


def _tree(folder: Path, word: str) -> Path:
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text(word)
    (folder / "sub" / "b.txt").write_text(word)
    return folder


def _seen(live: Path) -> str | None:
    """What a reader finds at `live`: the old site or the new one, whole, or nothing."""
    if not live.is_dir():
        return None
    words = {(live / "a.txt").read_text(), (live / "sub" / "b.txt").read_text()}
    assert len(words) == 1, "a site made of two builds"
    return words.pop()


def _killing(real: Callable[..., Any], steps: list[int], kill_at: int) -> Callable[..., Any]:
    """`real`, counted as one step of the swap: the process is killed at step `kill_at`."""

    def run(*args: Any, **kwargs: Any) -> Any:
        if steps[0] == kill_at:
            raise Killed
        steps[0] += 1
        return real(*args, **kwargs)

    return run


@pytest.mark.parametrize("mode", ["exchange", "first-link", "link"])
def test_a_swap_killed_at_any_step_leaves_a_whole_site_and_is_repaired(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    """`exchange`: the system swaps two folders in one step (Linux). `first-link`: it
    cannot, and the client folder becomes a symbolic link; `link`: it already is one."""
    missing_seen = False
    for kill_at in range(50):
        root = tmp_path / str(kill_at)
        parent = root / "clients"
        live = parent / "acme"
        if mode == "link":
            with monkeypatch.context() as m:
                m.setattr(files, "_exchange", lambda a, b: False)
                _tree(parent / "acme", "older")
                files.swap_folder(_tree(root / "stage0", "old"), live)
            assert live.is_symlink()
        else:
            _tree(live, "old")
        new = _tree(root / "staging" / "acme", "new")
        steps = [0]

        step = functools.partial(_killing, steps=steps, kill_at=kill_at)

        with monkeypatch.context() as m:
            if mode == "exchange":
                m.setattr(files, "_exchange", step(files._exchange))
            else:
                m.setattr(files, "_exchange", lambda a, b: False)
            for name in ("rename", "replace", "symlink"):
                m.setattr(os, name, step(getattr(os, name)))
            m.setattr(files, "remove_tree", step(files.remove_tree))
            try:
                files.swap_folder(new, live)
            except Killed:
                finished = False
            else:
                finished = True
        if finished:
            assert kill_at >= 3, "the swap has fewer steps than expected"
            assert _seen(live) == "new"
            linked = os.readlink(live) if live.is_symlink() else None
            assert [n for n in spares(parent) if n != linked] == []
            break
        seen = _seen(live)
        if seen is None:
            # Only where the folder first becomes a link, between two renames: the
            # old site is whole beside it, and the next build puts it back.
            assert mode == "first-link", kill_at
            assert [n for n in spares(parent) if n.startswith(".acme.old-")]
            missing_seen = True
        else:
            assert seen in ("old", "new"), kill_at
        repaired = files.repair(parent)
        assert repaired.leftovers == []
        assert _seen(live) in ("old", "new"), kill_at
        if seen is None:
            assert repaired.restored == [live]
            assert _seen(live) == "old"
        linked = os.readlink(live) if live.is_symlink() else None
        assert [n for n in spares(parent) if n != linked] == [], kill_at
    else:
        pytest.fail("the swap never finished")
    assert missing_seen == (mode == "first-link")


KILLER = """
import os, signal, sys
from generator import files
from generator.cli import main

def die():
    os.kill(os.getpid(), signal.SIGKILL)

real = files._exchange
if sys.argv[1] == "after-exchange":
    def exchange(a, b):
        real(a, b)
        die()
    files._exchange = exchange
else:  # "mid-switch": a system without the exchange; killed once the old site is aside
    files._exchange = lambda a, b: False
    files.switch_link = lambda link, target: die()
main(sys.argv[2:])
"""


@pytest.mark.real_command
@pytest.mark.parametrize("moment", ["after-exchange", "mid-switch"])
def test_a_build_killed_mid_swap_is_repaired_by_the_next(
    tiny_site: TinyProject, moment: str
) -> None:
    two_clients(tiny_site)
    assert tiny_site.tripod("build").code == 0
    clients = tiny_site.root / "site" / "clients"
    tiny_site.client(with_change("Acme Dental\n", "Acme Dental Two\n"))
    killed = subprocess.run(
        [sys.executable, "-c", KILLER, moment, "build", "--jobs", "1"],
        cwd=tiny_site.root,
        env=env_for(tiny_site.root),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    if moment == "after-exchange":
        # The new site is in place; the old one waits beside it to be removed.
        assert complete(clients / "acme")
        assert "Acme Dental Two" in (clients / "acme" / "current" / "index.html").read_text()
        assert [n for n in spares(clients) if n.startswith(".acme.new-")]
    else:
        # The one instant without the folder: the old site, whole, beside it.
        assert not (clients / "acme").exists()
        (aside,) = [clients / n for n in spares(clients) if n.startswith(".acme.old-")]
        assert complete(aside)
    assert complete(clients / "other")

    # The killed build's lock went with it: the next one neither waits nor fails.
    run = tiny_site.tripod("build", "--wait", "0")
    assert run.code == 0, run.err
    if moment == "mid-switch":
        assert run.err.splitlines()[0] == (
            "site/clients/acme: put back (a build stopped mid-way had set it aside)"
        )
    else:
        assert len(run.err.splitlines()) == 1
    assert complete(clients / "acme")
    assert "Acme Dental Two" in (clients / "acme" / "current" / "index.html").read_text()
    assert_clean(tiny_site.root)


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state in ("Z", "X")


@pytest.mark.slow
@pytest.mark.real_command
def test_builds_killed_at_any_moment_never_leave_a_site_missing(tiny_site: TinyProject) -> None:
    """SIGKILL to the build (not to its workers) at moments spread over a build: each
    time, every client's site is whole, no worker lives on, and the next build puts
    everything right."""
    two_clients(tiny_site)
    tiny_site.client(CLIENT.replace("id: acme", "id: third").replace("Acme", "Third"), "third")
    assert tiny_site.tripod("build").code == 0
    clients = tiny_site.root / "site" / "clients"
    for n, moment in enumerate((0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0)):
        for name in ("acme", "other", "third"):
            text = CLIENT.replace("id: acme", f"id: {name}").replace("Acme", f"{name} {n}")
            tiny_site.client(text, name)
        with subprocess.Popen(
            [TRIPOD, "build", "--jobs", "2"],
            cwd=tiny_site.root,
            env=env_for(tiny_site.root),
            stderr=subprocess.DEVNULL,
        ) as build:
            try:
                build.wait(timeout=moment)
            except subprocess.TimeoutExpired:
                workers = _children(build.pid)
                build.kill()
                build.wait()
                for worker in workers:
                    for _ in range(600):
                        if _gone(worker):
                            break
                        time.sleep(0.05)
                    assert _gone(worker), f"worker {worker} outlived the build"
        for name in ("acme", "other", "third"):
            assert complete(clients / name), (moment, name)
    run = tiny_site.tripod("build", "--wait", "0")
    assert run.code == 0, run.err
    for name in ("acme", "other", "third"):
        assert f"{name} 6" in (clients / name / "current" / "index.html").read_text()
    assert_clean(tiny_site.root)


def test_without_the_exchange_a_client_folder_is_a_link_switched_whole(
    tiny_site: TinyProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(files, "_exchange", lambda a, b: False)
    tiny_site.client()
    assert tiny_site.tripod("build").code == 0
    live = tiny_site.root / "site" / "clients" / "acme"
    assert live.is_dir() and not live.is_symlink()  # the first build has nothing to replace
    for name in ("Acme Dental Two", "Acme Dental Three"):
        tiny_site.client(with_change("Acme Dental\n", f"{name}\n"))
        run = tiny_site.tripod("build")
        assert run.code == 0, run.err
        assert live.is_symlink() and re.fullmatch(r"\.acme\.site-[0-9a-f]{8}", os.readlink(live))
        assert name in (live / "current" / "index.html").read_text()
        assert complete(live)
        assert_clean(tiny_site.root)


# ---------------------------------------------------------------- what cannot be removed


@pytest.fixture
def chattr(tiny_site: TinyProject) -> Iterator[str]:
    """Debian's chattr, to mark paths immutable (even root cannot change what is in
    them); every mark under the project is taken off after the test."""
    tool = system_tool("chattr", "e2fsprogs")
    yield tool
    subprocess.run([tool, "-R", "-i", str(tiny_site.root / "site")], check=True)


def test_an_old_site_that_cannot_be_removed_is_reported_every_build_until_it_is(
    tiny_site: TinyProject, chattr: str
) -> None:
    tiny_site.client()
    assert tiny_site.tripod("build").code == 0
    clients = tiny_site.root / "site" / "clients"
    subprocess.run([chattr, "+i", str(clients / "acme" / "current")], check=True)
    tiny_site.client(with_change("Acme Dental\n", "Acme Dental Two\n"))
    run = tiny_site.tripod("build")
    assert run.code == 0, run.err
    (old,) = spares(clients)
    line = (
        f"tripod: site/clients/{old}, left over from a build, could not be removed"
        " (Operation not permitted): remove it by hand"
    )
    assert run.err.splitlines()[0] == line
    assert "Acme Dental Two" in (clients / "acme" / "current" / "index.html").read_text()
    run = tiny_site.tripod("build")  # nothing to build, and still said
    assert run.err.splitlines()[0] == line
    subprocess.run([chattr, "-i", str(clients / old / "current")], check=True)
    run = tiny_site.tripod("build")
    assert run.code == 0 and len(run.err.splitlines()) == 1, run.err
    assert_clean(tiny_site.root)


def test_a_client_folder_that_cannot_be_replaced_keeps_its_site_and_the_others_are_built(
    tiny_site: TinyProject, chattr: str
) -> None:
    two_clients(tiny_site)
    assert tiny_site.tripod("build").code == 0
    clients = tiny_site.root / "site" / "clients"
    before = (clients / "acme" / "current" / "index.html").read_bytes()
    subprocess.run([chattr, "+i", str(clients / "acme")], check=True)
    tiny_site.client(with_change("Acme Dental\n", "Acme Dental Two\n"))
    tiny_site.client(CLIENT.replace("id: acme", "id: other").replace("Acme", "Other Two"), "other")
    run = tiny_site.tripod("build")
    assert run.code == 1
    assert run.err.splitlines()[0] == (
        "clients/acme.yaml: not built, last good site kept:"
        " site/clients/acme cannot be replaced: Operation not permitted"
    )
    assert (clients / "acme" / "current" / "index.html").read_bytes() == before
    assert "Other Two" in (clients / "other" / "current" / "index.html").read_text()
    assert_clean(tiny_site.root)


# ---------------------------------------------------------------- one client breaks


def _raising_contacts(project: TinyProject) -> None:
    """The default contacts page, with one line that fails for the client `other`."""
    from generator import DEFAULTS

    text = (DEFAULTS / "site" / "contacts.md").read_text("utf-8")
    project.write(
        "templates/site/contacts.md",
        text + '{% if client.id == "other" %}{{ 1 // 0 }}{% endif %}\n',
    )


@pytest.mark.real_command
def test_one_client_that_breaks_the_build_keeps_its_site_and_the_others_are_built(
    tiny_site: TinyProject,
) -> None:
    two_clients(tiny_site)
    assert tiny_site.tripod("build").code == 0
    clients = tiny_site.root / "site" / "clients"
    other = {p: p.read_bytes() for p in (clients / "other").rglob("*") if p.is_file()}
    _raising_contacts(tiny_site)
    tiny_site.client(with_change("Acme Dental\n", "Acme Dental Two\n"))
    tiny_site.client(CLIENT.replace("id: acme", "id: other").replace("Acme", "Other Two"), "other")
    run = tiny_site.tripod("build")
    assert run.code == 1
    assert run.err.splitlines() == [
        "clients/other.yaml: not built, last good site kept:"
        " unexpected error: ZeroDivisionError: integer division or modulo by zero",
        "    (run with --verbose for the traceback)",
        run.err.splitlines()[2],
    ]
    assert re.fullmatch(
        r"built 1 client site \(1 version\) and the dashboard in [0-9.]+ s;"
        r" 1 kept their last good site",
        run.err.splitlines()[2],
    )
    assert "Acme Dental Two" in (clients / "acme" / "current" / "index.html").read_text()
    assert {p: p.read_bytes() for p in (clients / "other").rglob("*") if p.is_file()} == other
    dashboard = (tiny_site.root / "site" / "internal" / "index.html").read_text()
    assert "Acme Dental Two" in dashboard and "Other Two" in dashboard
    assert_clean(tiny_site.root)

    run = tiny_site.tripod("--verbose", "build")
    assert run.code == 1
    assert "Traceback (most recent call last):" in run.err
    assert "ZeroDivisionError: integer division or modulo by zero" in run.err


def test_a_worker_that_dies_fails_its_client_only(
    tiny_site: TinyProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    two_clients(tiny_site)
    parent = os.getpid()
    real = Builder._build_client

    def dying(self: Builder, record, key):  # type: ignore[no-untyped-def]
        if record.client.id == "other" and os.getpid() != parent:
            os._exit(9)  # as a crash in a library, or the kernel out of memory, would
        return real(self, record, key)

    monkeypatch.setattr(Builder, "_build_client", dying)
    run = tiny_site.tripod("build", "--jobs", "2")
    assert run.code == 1
    assert run.err.splitlines()[0] == (
        "clients/other.yaml: not built, last good site kept:"
        " the process building it ended unexpectedly (killed, or out of memory)"
    )
    assert complete(tiny_site.root / "site" / "clients" / "acme")
    assert (tiny_site.root / "site" / "internal" / "index.html").is_file()


def test_a_dashboard_that_breaks_leaves_the_client_sites_built(
    tiny_site: TinyProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    import generator.site.dashboard

    tiny_site.client()

    def broken(*args: object) -> dict[str, str]:
        raise RuntimeError("no dashboard today")

    monkeypatch.setattr(generator.site.dashboard, "dashboard_pages", broken)
    run = tiny_site.tripod("build")
    assert run.code == 1
    lines = run.err.splitlines()
    assert lines[0] == (
        "site/internal: not built, last good dashboard kept:"
        " unexpected error: RuntimeError: no dashboard today"
    )
    assert re.fullmatch(
        r"built 1 client site \(1 version\) in [0-9.]+ s, not the dashboard", lines[-1]
    )
    assert complete(tiny_site.root / "site" / "clients" / "acme")
    assert_clean(tiny_site.root)
