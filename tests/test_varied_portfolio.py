"""The benchmark's varied portfolio (bench/portfolio.py): the real `tripod check` finds
every state it was written to have, on the clients planned, and nothing it was not."""

from __future__ import annotations

import collections
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, TODAY, TRIPOD

sys.path.insert(0, str(REPO / "bench"))

from portfolio import add_states, plan_states, write_portfolio

CLIENTS = 80

# What `check` finds for each planned state (the findings of a client with it).
EXPECTED = {
    "ended": {"agreement-expired"},
    "ending": {"renewal-due"},
    "failing": {"backup-failing"},
    "stale": {"rpo-breached"},
    "accepted": {"rto-unachievable"},
}


@pytest.fixture(scope="module")
def varied(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str], dict]:
    root = tmp_path_factory.mktemp("varied") / "project"
    ids = write_portfolio(root, CLIENTS, varied=True)
    add_states(root, ids, TODAY)
    env = {**os.environ, "TRIPOD_TODAY": TODAY.isoformat()}
    run = subprocess.run(
        [TRIPOD, "check", "--format", "json"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 1, run.stderr  # errors: the legs not standing, the ended ones
    return root, ids, json.loads(run.stdout)


def _clients(report: dict) -> dict[str, set[str]]:
    """Per code, the clients it was found for (accepted gaps included)."""
    found: dict[str, set[str]] = collections.defaultdict(set)
    for finding in report["findings"] + report["accepted"]:
        found[finding["code"]].add(finding["client"])
    return found


def test_every_kind_of_finding_is_there(varied: tuple[Path, list[str], dict]) -> None:
    _, _, report = varied
    found = _clients(report)
    for code in (
        "agreement-expired",
        "renewal-due",
        "countersignature-pending",
        "bc-no-owner",
        "bc-no-access",
        "unprotected-system",
        "no-surviving-copy",
        "restore-test-overdue",
        "dr-test-overdue",
        "bc-review-overdue",
        "rpo-breached",
        "backup-failing",
    ):
        assert found[code], f"no {code}"
    assert {f["severity"] for f in report["accepted"]} == {"accepted"}
    assert {f["code"] for f in report["accepted"]} == {"rto-unachievable"}
    # Nothing the portfolio did not mean: every file reads, the issued terms are the
    # file's, every acknowledgement names a gap that exists.
    unintended = {"terms-changed", "stale-acknowledgement", "evidence-unreadable", "data-grown"}
    codes = {f["code"] for f in report["findings"]}
    assert not codes & unintended
    assert not [c for c in codes if c.startswith("schema/")]


def test_each_state_is_found_on_the_clients_planned(varied: tuple[Path, list[str], dict]) -> None:
    root, ids, report = varied
    found = _clients(report)
    planned = plan_states(CLIENTS)
    for state, codes in EXPECTED.items():
        having = {cid for cid, states in zip(ids, planned, strict=True) if state in states}
        assert having, state
        for code in codes:
            assert having <= found[code], (state, code, having - found[code])
    for state, codes in (("ended", "agreement-expired"), ("ending", "renewal-due")):
        having = {cid for cid, states in zip(ids, planned, strict=True) if state in states}
        assert found[codes] == having
    bc = {cid for cid, states in zip(ids, planned, strict=True) if "bc-down" in states}
    assert found["bc-no-owner"] | found["bc-no-access"] == bc
    awaiting = {cid for cid, states in zip(ids, planned, strict=True) if "awaiting" in states}
    assert found["countersignature-pending"] <= awaiting
    none = [cid for cid, states in zip(ids, planned, strict=True) if "no-evidence" in states]
    assert none and not any((root / "evidence" / cid).exists() for cid in none)


def test_long_and_odd_names(varied: tuple[Path, list[str], dict]) -> None:
    root, ids, _ = varied
    names = [
        json.loads(line.split(": ", 1)[1]) if line.startswith('name: "') else line[6:]
        for cid in ids
        for line in (root / "clients" / f"{cid}.yaml").read_text("utf-8").splitlines()
        if line.startswith("name: ")
    ]
    assert any(len(name) >= 80 for name in names)
    for special in ("&", "<", ">", '"', "'", "*", "|", "[", "]"):
        assert any(special in name for name in names), special


def test_the_same_seed_writes_the_same_portfolio(tmp_path: Path) -> None:
    def digest(root: Path) -> str:
        ids = write_portfolio(root, 20, varied=True)
        add_states(root, ids, TODAY)
        files = sorted(p for p in root.rglob("*") if p.is_file())
        return hashlib.sha256(
            b"".join(p.relative_to(root).as_posix().encode() + p.read_bytes() for p in files)
        ).hexdigest()

    assert digest(tmp_path / "a") == digest(tmp_path / "b")
