"""The committed example agreements verify as the README shows.

Harbour Dental Group's versions were signed with the example certificate in
`certs/example-provider.pem` (self-signed, listed in the example provider.yaml,
so trusted); version 2 was countersigned by pyHanko, whose revision updates the
XMP's and the document information's dates and producer. The README quotes the
whole output of one `tripod verify`; this test runs that command in the
repository and compares, line for line.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from conftest import REPO, TRIPOD

EXAMPLES = sorted(REPO.glob("agreements/*/v*/*.pdf"))


def verify(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRIPOD_")}
    return subprocess.run(
        [TRIPOD, "verify", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def readme_example() -> tuple[str, str]:
    """The README's `$ tripod verify ...` console block: the command and its output."""
    text = (REPO / "README.md").read_text("utf-8")
    blocks = re.findall(r"```console\n\$ (tripod verify [^\n]+)\n(.*?)```", text, re.S)
    assert len(blocks) == 1, "the README quotes one tripod verify"
    return blocks[0]


@pytest.mark.real_command
def test_the_readme_verify_example_exactly() -> None:
    command, output = readme_example()
    args = command.split()[2:]
    assert args == ["agreements/harbour-dental/v2/agreement-executed.pdf"]
    assert f"tripod verify {args[0]}\n" in (REPO / "README.md").read_text("utf-8")
    done = verify(*args)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stderr == ""
    assert done.stdout == output
    strict = verify("--strict", *args)
    assert strict.returncode == 0, strict.stdout
    assert strict.stdout == output


@pytest.mark.real_command
@pytest.mark.parametrize("pdf", EXAMPLES, ids=lambda p: p.relative_to(REPO).as_posix())
def test_every_example_agreement_verifies(pdf: Path) -> None:
    relative = pdf.relative_to(REPO).as_posix()
    for options in ((), ("--strict",)):
        done = verify(*options, relative)
        assert done.returncode == 0, done.stdout + done.stderr
        lines = done.stdout.splitlines()
        assert lines[0].startswith(
            "Provider: certification signature by Southern Cross IT Services Pty Ltd "
            "(example signing certificate), "
        ), done.stdout
        assert "  trusted: yes (its certificate chains to one listed in provider.yaml)" in lines
        assert "terms match the archived terms of that version" in lines
        assert not [line for line in lines if line.startswith(("problem", "not trusted", "warn"))]
        if pdf.name == "agreement-executed.pdf":
            assert "the client's signer is the named signatory, Maria Chen" in lines
        else:
            assert lines[-2] == "awaiting the client's signature"
        assert lines[-1] == "verified"


def test_the_examples_are_there() -> None:
    names = [p.relative_to(REPO).as_posix() for p in EXAMPLES]
    assert "agreements/harbour-dental/v2/agreement-executed.pdf" in names
    assert len(names) >= 3
