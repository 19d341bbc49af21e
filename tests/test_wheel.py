"""Tripod installed from a built wheel, into a provider's own repository.

The wheel must carry everything a project does not: the default templates,
fonts, assets and MkDocs configuration. A project with only provider.yaml and
clients/ can then make a client file, check it, build its site and issue its
agreement; a template of its own still comes first.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import CLIENT, PROVIDER, REPO, TODAY

pytestmark = pytest.mark.slow


def _run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["TRIPOD_TODAY"] = TODAY.isoformat()
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=900
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtual environment with Tripod installed from its wheel (not editable)."""
    root = tmp_path_factory.mktemp("wheel")
    source = root / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    shutil.copytree(REPO / "generator", source / "generator",
                    ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    built = _run(sys.executable, "-m", "pip", "wheel", "--no-deps",
                 "-q", "-w", root / "dist", source)  # fmt: skip
    assert built.returncode == 0, built.stderr
    (wheel,) = (root / "dist").glob("tripod-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for shipped in (
        "generator/templates/mkdocs.yml",
        "generator/templates/agreement/agreement.html",
        "generator/templates/agreement/fonts/DejaVuSans.ttf",
        "generator/templates/site/assets/stylesheets/tripod.css",
        "generator/templates/site/overrides/main.html",
        "generator/format/starter.yaml",
    ):
        assert shipped in names, shipped
    venv = root / "venv"
    assert _run(sys.executable, "-m", "venv", venv).returncode == 0
    done = _run(venv / "bin" / "python", "-m", "pip", "install", "-q", wheel)
    assert done.returncode == 0, done.stderr
    return venv


def test_a_project_with_only_its_files_works_from_the_wheel(
    installed: Path, tmp_path: Path
) -> None:
    tripod = installed / "bin" / "tripod"
    project = tmp_path / "provider-repo"
    (project / "clients").mkdir(parents=True)
    code = "import generator; print(generator.__file__)"
    where = _run(installed / "bin" / "python", "-c", code, cwd=project)
    assert where.stdout.startswith(str(installed)), where.stdout  # not the repository's copy
    (project / "provider.yaml").write_text(PROVIDER)

    made = _run(tripod, "new", "starter-co", cwd=project)
    assert made.returncode == 0, made.stderr
    assert (project / "clients" / "starter-co.yaml").read_text().startswith("#")
    (project / "clients" / "starter-co.yaml").unlink()

    (project / "clients" / "acme.yaml").write_text(CLIENT)
    (project / "templates" / "site").mkdir(parents=True)
    (project / "templates" / "site" / "contacts.md").write_text("# Contacts\n\nOur own page.\n")
    checked = _run(tripod, "check", cwd=project)
    assert checked.returncode == 0, checked.stdout + checked.stderr

    built = _run(tripod, "build", cwd=project)
    assert built.returncode == 0, built.stderr
    current = project / "site" / "clients" / "acme" / "current"
    assert "Our own page." in (current / "contacts" / "index.html").read_text()
    assert "Acme" in (current / "backups" / "index.html").read_text()  # a default template
    assert (current / "assets" / "stylesheets" / "tripod.css").is_file()
    assert (current / "agreement-draft.pdf").read_bytes().startswith(b"%PDF-")
    assert (project / "site" / "internal" / "index.html").is_file()

    issued = _run(tripod, "issue", "acme", cwd=project)
    assert issued.returncode == 0, issued.stderr
    assert (project / "agreements" / "acme" / "v1" / "agreement-signed.pdf").is_file()
    verified = _run(tripod, "verify", "agreements/acme/v1/agreement-signed.pdf", cwd=project)
    assert "terms match the archived terms of that version" in verified.stdout
