"""The same terms give the same PDF bytes, in any process, or no PDF at all.

WeasyPrint subsets fonts with HarfBuzz where it can and with fontTools where it
cannot; fontTools stamps each subset font with the time it ran, so two renders
of the same terms would differ. Tripod renders only with HarfBuzz's subsetter
and says so, in one line, where it is missing.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from contextlib import redirect_stderr
from pathlib import Path

import pytest

from conftest import TRIPOD, TinyProject, with_change

pytestmark = pytest.mark.slow

DRAFT = Path("site/clients/acme/current/agreement-draft.pdf")


def _build(root: Path, seed: str) -> bytes:
    env = {**os.environ, "PYTHONHASHSEED": seed, "TRIPOD_TODAY": "2026-11-20"}
    done = subprocess.run(
        [TRIPOD, "build", "--jobs", "1"], cwd=root, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return (root / DRAFT).read_bytes()


def test_the_same_terms_give_the_same_pdf_bytes_in_any_process(
    tiny_site: TinyProject, tmp_path: Path
) -> None:
    tiny_site.client()
    other = tmp_path / "copy"
    shutil.copytree(tiny_site.root, other)
    first = _build(tiny_site.root, "1")
    second = _build(other, "2")
    assert first.startswith(b"%PDF-")
    assert first == second
    # A change of terms does change the bytes: the comparison above can fail.
    tiny_site.client(with_change("rto: 8h", "rto: 12h"))
    assert _build(tiny_site.root, "1") != first


def test_without_harfbuzz_subsetting_no_pdf_is_written_and_one_line_says_why(
    tiny_site: TinyProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    from weasyprint.text import ffi

    from generator.cli import main

    tiny_site.client()
    assert tiny_site.tripod("build").code == 0
    before = (tiny_site.root / DRAFT).read_bytes()
    tiny_site.client(with_change("rto: 8h", "rto: 12h"))
    monkeypatch.setattr(ffi, "harfbuzz_subset", None)
    err = io.StringIO()
    with redirect_stderr(err), pytest.raises(SystemExit) as exit_:
        main(["--project", str(tiny_site.root), "build", "--jobs", "1"])
    assert exit_.value.code == 2
    lines = err.getvalue().strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("tripod: PDFs need HarfBuzz's font subsetter (libharfbuzz-subset0")
    assert "apt-get install libharfbuzz-subset0" in lines[0]
    assert (tiny_site.root / DRAFT).read_bytes() == before  # the last good site stays
