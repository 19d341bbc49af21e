"""The stages depend one way, and each heavy dependency stays behind one module.

The contracts live in pyproject.toml and `make lint` runs them; here they run
on the code as it is, and on a copy with one import that breaks a contract, to
show that a break is caught.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

LINT_IMPORTS = str(Path(sys.executable).with_name("lint-imports"))


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [LINT_IMPORTS, "--no-cache"], cwd=root, env=env, capture_output=True, text=True
    )


def test_the_code_keeps_every_contract() -> None:
    done = _lint(REPO)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        pytest.param(
            "generator/agreement/document.py",
            "from generator.site import pages",
            "Stages depend one way",
            id="agreement-borrows-the-site",
        ),
        pytest.param(
            "generator/format/model.py",
            "from generator.rules import legs",
            "Stages depend one way",
            id="format-knows-a-rule",
        ),
        pytest.param(
            "generator/publish/releases.py",
            "from generator.build import builder",
            "Stages depend one way",
            id="publish-imports-the-build",
        ),
        pytest.param(
            "generator/site/pages.py", "import yaml", "PyYAML behind", id="yaml-outside-the-loader"
        ),
        pytest.param(
            "generator/build/run.py",
            "import click",
            "Only the command line talks to the user",
            id="click-below-the-cli",
        ),
    ],
)
def test_a_broken_contract_is_caught(tmp_path: Path, module: str, line: str, contract: str) -> None:
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copytree(REPO / "generator", tmp_path / "generator",
                    ignore=shutil.ignore_patterns("__pycache__", "templates"))  # fmt: skip
    path = tmp_path / module
    text = path.read_text()
    head, sep, rest = text.partition("\nfrom __future__ import annotations\n")
    path.write_text(head + sep + line + "\n" + rest)
    done = _lint(tmp_path)
    assert done.returncode == 1, done.stdout
    broken = [row for row in done.stdout.splitlines() if " BROKEN" in row]
    assert len(broken) == 1 and broken[0].startswith(contract), done.stdout
