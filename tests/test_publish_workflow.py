"""The example publish workflow (docs/ci/github-actions-publish.yml), its steps run
for real: `tripod check`, `build` and `publish`, then its deploy script with
rsync over a stand-in for ssh that runs the "web host's" commands in a local
folder. What lands there is what nginx would serve.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from conftest import CLIENT, REPO, TRIPOD, TinyProject, system_tool, with_change

WORKFLOW = REPO / "docs" / "ci" / "github-actions-publish.yml"

SSH = """#!/bin/sh
# Stands in for ssh to the web host: runs the command here.
while [ $# -gt 0 ]; do
  case "$1" in
    -i|-o|-l|-p) shift 2 ;;
    -*) shift ;;
    *) break ;;
  esac
done
shift
exec sh -c "$*"
"""

RECORD = """#!/bin/sh
echo "$(basename "$0") $*" >> "{log}"
"""

SUDO = """#!/bin/sh
exec "$@"
"""


def _workflow() -> dict[str, Any]:
    from generator.format.load import read_yaml

    data, _, problems = read_yaml(WORKFLOW.read_bytes(), str(WORKFLOW))
    assert problems == []
    assert isinstance(data, dict)
    return data


def _step(name: str) -> dict[str, Any]:
    steps = _workflow()["jobs"]["publish"]["steps"]
    step: dict[str, Any] = next(s for s in steps if s.get("name") == name)
    return step


def test_the_workflow_checks_every_change_and_publishes_only_main() -> None:
    data = _workflow()
    assert data["on"]["push"]["branches"] == ("main",)
    assert "pull_request" in data["on"]
    assert _step("Check")["run"] == "tripod check --format github"
    assert "if" not in _step("Check") and "if" not in _step("Build")
    for name in ("Lay out the release", "Copy to the web host and switch"):
        assert _step(name)["if"] == "github.event_name == 'push' && github.ref == 'refs/heads/main'"
    # No password or key is written into the workflow: they come from secrets.
    text = WORKFLOW.read_text()
    assert "${{ secrets.DEPLOY_SSH_KEY }}" in text and "BEGIN" not in text


@pytest.fixture
def host(tmp_path: Path) -> dict[str, str]:
    """The environment the workflow's steps run in, with a stand-in web host."""
    system_tool("rsync", "rsync")
    shims = tmp_path / "bin"
    shims.mkdir()
    log = tmp_path / "host-commands.log"
    for name, text in {
        "ssh": SSH,
        "sudo": SUDO,
        "nginx": RECORD.format(log=log),
        "systemctl": RECORD.format(log=log),
    }.items():
        (shims / name).write_text(text)
        (shims / name).chmod(0o755)
    home = tmp_path / "home"
    home.mkdir()
    tripod = Path(TRIPOD).parent
    return {
        **os.environ,
        "PATH": f"{shims}:{tripod}:{os.environ['PATH']}",
        "HOME": str(home),
        "DEPLOY_SSH_KEY": "stand-in key",
        "DEPLOY_KNOWN_HOSTS": "stand-in host key",
        "DEPLOY_HOST": "web.example",
        "DEPLOY_USER": "deploy",
        "DEPLOY_ROOT": str(tmp_path / "host" / "srv" / "tripod"),
        "DOCS_NAME": "docs.example.com",
        "TRIPOD_TODAY": "2026-11-25",
        "LOG": str(log),
    }


def _run(
    step: str, cwd: Path, env: dict[str, str], overrides: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """A step's script, with its own literal `env:` values (the rest come from the host)."""
    definition = _step(step)
    literal = {k: v for k, v in definition.get("env", {}).items() if "${{" not in v}
    return subprocess.run(
        ["bash", "-c", definition["run"]],
        cwd=cwd,
        env={**env, **literal, **overrides},
        capture_output=True,
        text=True,
        timeout=180,
    )


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


@pytest.mark.slow
def test_the_workflow_publishes_to_the_web_host_and_switches(
    tiny_site: TinyProject, host: dict[str, str]
) -> None:
    tiny_site.client()
    tiny_site.client(CLIENT.replace("id: acme", "id: other"), "other")
    root = Path(host["DEPLOY_ROOT"])
    log = Path(host["LOG"])

    def deploy(**overrides: str) -> str:
        shutil.rmtree(tiny_site.root / "publish", ignore_errors=True)  # a fresh runner
        for step in ("Check", "Build", "Lay out the release", "Copy to the web host and switch"):
            done = _run(step, tiny_site.root, host, overrides)
            assert done.returncode == 0, (step, done.stdout, done.stderr)
        return os.readlink(tiny_site.root / "publish" / "current").rsplit("/", 1)[1]

    first = deploy()
    assert os.readlink(root / "current") == f"releases/{first}"
    served = root / "current"
    assert _files(served) == _files(tiny_site.root / "publish" / "releases" / first)
    assert "Acme Dental" in (served / "clients" / "acme" / "current" / "index.html").read_text()
    assert not list(served.rglob(".tripod-inputs"))
    conf = (root / "nginx" / "tripod.conf").read_text()
    assert f'include "{root}/nginx/tripod-site.conf";' in conf
    assert 'ssl_certificate "/etc/letsencrypt/live/docs.example.com/fullchain.pem";' in conf
    assert log.read_text().splitlines() == ["nginx -t", "systemctl reload nginx"]

    # A second push changes one client: the switch moves, unchanged files are hard
    # links to the first release's, and nginx is not reloaded (same configuration).
    tiny_site.client(with_change("Acme Dental\n", "Acme Dental Care\n"))
    second = deploy()
    assert second != first
    assert os.readlink(root / "current") == f"releases/{second}"
    assert (
        "Acme Dental Care" in (served / "clients" / "acme" / "current" / "index.html").read_text()
    )
    old, new = root / "releases" / first, root / "releases" / second
    page = "clients/other/current/index.html"
    assert (old / page).stat().st_ino == (new / page).stat().st_ino
    changed = "clients/acme/current/index.html"
    assert (old / changed).stat().st_ino != (new / changed).stat().st_ino
    assert log.read_text().splitlines() == ["nginx -t", "systemctl reload nginx"]
    assert not [p for p in (root / "releases").iterdir() if p.name.startswith(".")]

    # Older releases beyond KEEP are removed on the host; the current one stays.
    third = deploy(KEEP="1")
    assert sorted(p.name for p in (root / "releases").iterdir()) == [third]
