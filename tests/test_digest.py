"""What a build keeps of each client between builds (generator/build/digest.py): an
unchanged client is neither loaded nor checked again, and the cache changes nothing
but speed."""

from __future__ import annotations

import datetime as dt
import os
import pickle
import shutil
import time
from pathlib import Path

import pytest
from helpers import dashboard_table

from conftest import CLIENT, TODAY, TinyProject
from generator.build import digest
from generator.project.record import Checker

pytestmark = pytest.mark.slow


def settle(root: Path, *paths: Path) -> None:
    """The files (every input, when none is named) as if written a minute ago: past the
    window in which a change could go unseen by their stamps (a file changed within it
    is checked again at the next build)."""
    past = time.time() - 60
    if not paths:
        paths = tuple(
            p for f in ("clients", "agreements", "evidence") for p in (root / f).rglob("*")
        )
    for path in paths:
        if path.is_file():
            os.utime(path, (past, past))


def two_clients(project: TinyProject) -> None:
    project.client()
    project.client(CLIENT.replace("id: acme", "id: other").replace("Acme", "Other"), "other")
    settle(project.root)


def checked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The client files the builds load and check, in this process (--jobs 1)."""
    seen: list[str] = []
    real = Checker.record

    def counting(self: Checker, path: Path):  # type: ignore[no-untyped-def]
        seen.append(path.name)
        return real(self, path)

    monkeypatch.setattr(Checker, "record", counting)
    return seen


def build(project: TinyProject, *args: str, today: dt.date = TODAY) -> str:
    run = project.tripod("build", "--jobs", "1", *args, today=today)
    assert run.code == 0, run.err
    return run.err


def tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def test_an_unchanged_client_is_neither_loaded_nor_checked_again(
    tiny_site: TinyProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    two_clients(tiny_site)
    seen = checked(monkeypatch)
    build(tiny_site)
    assert set(seen) == {"acme.yaml", "other.yaml"}
    seen.clear()
    err = build(tiny_site)
    assert seen == []
    assert "built 0 client sites (0 versions), 2 unchanged since the last build" in err
    assert "and the dashboard (unchanged)" in err
    # One client edited: that one alone is loaded, checked and built again.
    path = tiny_site.root / "clients" / "acme.yaml"
    path.write_text(path.read_text().replace("Acme Dental", "Acme Dental Care"))
    settle(tiny_site.root, path)
    err = build(tiny_site)
    assert set(seen) == {"acme.yaml"}
    assert "built 1 client site" in err
    table = dashboard_table((tiny_site.root / "site/internal/index.html").read_text("utf-8"))
    assert "Acme Dental Care" in table
    # The next day, every finding may have changed: every client is checked again.
    seen.clear()
    build(tiny_site, today=TODAY + dt.timedelta(days=1))
    assert set(seen) == {"acme.yaml", "other.yaml"}


def test_a_file_changed_just_before_its_build_is_checked_again(
    tiny_site: TinyProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    two_clients(tiny_site)
    path = tiny_site.root / "clients" / "acme.yaml"
    path.write_text(path.read_text().replace("Acme Dental", "Acme Dental Care"))
    seen = checked(monkeypatch)
    build(tiny_site)
    seen.clear()
    # acme's file changed within two seconds of its stamping: a second change within
    # the same timestamp would go unseen, so its digest was not kept.
    build(tiny_site)
    assert set(seen) == {"acme.yaml"}


def test_the_cache_changes_nothing_but_speed(tiny_site: TinyProject, tmp_path: Path) -> None:
    from generator.evidence import store
    from generator.evidence.records import Run

    two_clients(tiny_site)
    tiny_site.issue_terms("other")
    build(tiny_site)
    # Edits of each kind, each built with the digests the builds before it kept.
    path = tiny_site.root / "clients" / "acme.yaml"
    path.write_text(path.read_text().replace("Acme Dental", "Acme Dental Care"))
    settle(tiny_site.root, path)
    build(tiny_site)
    moment = dt.datetime(2026, 11, 25, 20, tzinfo=dt.UTC)
    ran = Run("restic", "s3:backups/acme", None, moment, None, "success", None)
    written = store.backup_file(tiny_site.root, "acme", "pms-image")
    store.write(written, [ran])
    settle(tiny_site.root, written)
    build(tiny_site)
    later = TODAY + dt.timedelta(days=30)
    build(tiny_site, today=later)
    # The same inputs built from nothing, with no cache: the same bytes.
    cold = tmp_path / "cold"
    shutil.copytree(tiny_site.root, cold, ignore=shutil.ignore_patterns("site", ".tripod"))
    fresh = TinyProject(cold)
    build(fresh, today=later)
    kept, anew = tree(tiny_site.root / "site"), tree(cold / "site")
    assert kept.keys() == anew.keys()
    assert [name for name in kept if kept[name] != anew[name]] == []
    # Deleting the cache costs speed only: nothing is rebuilt.
    shutil.rmtree(tiny_site.root / ".tripod" / "cache")
    err = build(tiny_site, today=later)
    assert "built 0 client sites" in err
    assert "and the dashboard (unchanged)" in err


def test_a_digest_that_is_not_tripods_is_never_run(tiny_site: TinyProject, tmp_path: Path) -> None:
    two_clients(tiny_site)
    build(tiny_site)
    folder = tiny_site.root / ".tripod" / "cache" / "clients"
    kept = sorted(folder.iterdir())
    assert len(kept) == 2
    mark = tmp_path / "ran"

    class Hostile:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (os.system, (f"touch {mark}",))

    kept[0].write_bytes(pickle.dumps(Hostile()))
    kept[1].write_bytes(kept[1].read_bytes()[:50])  # as a build killed mid-write could leave
    err = build(tiny_site)
    assert not mark.exists()
    assert "built 0 client sites" in err
    assert all(p.read_bytes().startswith(b"\x80") for p in folder.iterdir())
    # A sound heading with a hostile digest behind it, read when the dashboard is laid out.
    for path in folder.iterdir():
        heading = pickle.dumps(pickle.loads(path.read_bytes()), pickle.HIGHEST_PROTOCOL)
        path.write_bytes(heading + pickle.dumps(Hostile()))
    other = tiny_site.root / "clients" / "other.yaml"
    other.write_text(other.read_text().replace("Other Dental", "Other Dental Group"))
    settle(tiny_site.root, other)
    err = build(tiny_site)
    assert not mark.exists()
    assert "built 1 client site" in err
    table = dashboard_table((tiny_site.root / "site/internal/index.html").read_text("utf-8"))
    assert {"Acme Dental", "Other Dental Group"} <= set(table)


def test_building_one_client_keeps_the_dashboard_true_to_the_others(
    tiny_site: TinyProject,
) -> None:
    two_clients(tiny_site)
    build(tiny_site)
    other = tiny_site.root / "site/clients/other/current/index.html"
    stamp = other.stat().st_mtime_ns
    path = tiny_site.root / "clients" / "other.yaml"
    path.write_text(path.read_text().replace("Other Dental", "Other Dental Group"))
    settle(tiny_site.root, path)
    err = build(tiny_site, "acme")
    assert "built 0 client sites (0 versions), 1 unchanged" in err
    assert other.stat().st_mtime_ns == stamp  # not named: not built
    table = dashboard_table((tiny_site.root / "site/internal/index.html").read_text("utf-8"))
    assert "Other Dental Group" in table  # but the dashboard shows its file as it is
    assert "built 1 client site" in build(tiny_site)
    assert other.stat().st_mtime_ns != stamp


def test_a_digest_is_kept_for_its_stamps_and_context_only(tmp_path: Path) -> None:
    from generator.site.portfolio import Summary

    cache = digest.Cache(tmp_path / "cache", b"context")
    kept = digest.Digest("clients/a.yaml", "a", None, [], Summary("a", "A", "a", True), [], [], [])
    now = time.time_ns()
    old: tuple[digest.Stamp, ...] = (("file", 10, now - 10**10, now, 1),)
    cache.put(kept, old, now)
    found = cache.get("clients/a.yaml", old)
    assert found is not None and (found.name, found.site) == ("a", None)
    assert found.digest() == kept
    assert cache.get("clients/a.yaml", (("file", 11, now - 10**10, now, 1),)) is None
    assert digest.Cache(tmp_path / "cache", b"another day").get("clients/a.yaml", old) is None
    # Changed a moment before it was stamped: not kept, and the older digest is gone.
    racy: tuple[digest.Stamp, ...] = (("file", 12, now - 10**9, now, 1),)
    cache.put(kept, racy, now)
    assert cache.get("clients/a.yaml", old) is None
    assert cache.get("clients/a.yaml", racy) is None
    cache.put(kept, old, now)
    cache.prune([])
    assert list((tmp_path / "cache").iterdir()) == []


def test_a_site_rebuilt_for_its_evidence_keeps_its_draft_agreement(
    tiny_site: TinyProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The draft depends on the terms alone: evidence, findings and the date rebuild the
    site, and the draft comes along as it was, not rendered again."""
    from generator.build.builder import Builder
    from generator.evidence import store
    from generator.evidence.records import Run

    two_clients(tiny_site)
    drawn: list[str] = []
    real = Builder.draft

    def counting(self: Builder, record, target):  # type: ignore[no-untyped-def]
        drawn.append(record.client.id)
        return real(self, record, target)

    monkeypatch.setattr(Builder, "draft", counting)
    build(tiny_site)
    assert sorted(drawn) == ["acme", "other"]
    pdf = tiny_site.root / "site/clients/acme/current/agreement-draft.pdf"
    before = pdf.read_bytes()
    drawn.clear()
    moment = dt.datetime(2026, 11, 25, 20, tzinfo=dt.UTC)
    ran = Run("restic", "s3:backups/acme", None, moment, None, "success", None)
    store.write(store.backup_file(tiny_site.root, "acme", "pms-image"), [ran])
    assert "built 1 client site" in build(tiny_site)
    assert drawn == []
    assert pdf.read_bytes() == before
    # A test overdue a month later: the site again, the draft still as it was.
    assert "built 2 client sites" in build(tiny_site, today=TODAY + dt.timedelta(days=30))
    assert drawn == []
    # New terms: a new draft.
    path = tiny_site.root / "clients" / "acme.yaml"
    path.write_text(path.read_text().replace("Acme Dental", "Acme Dental Care"))
    build(tiny_site)
    assert drawn == ["acme"]
    assert pdf.read_bytes() != before
