"""`tripod estimate CLIENT [--scenario NAME] [--format text|json]`: the breakdown per
scenario and system, the verdicts and the options, as a person and a program read them.
The JSON is checked against the keys docs/estimate-json.md documents."""

from __future__ import annotations

import json
import re

import pytest

from conftest import REPO, TinyProject, with_change

RTO_48 = with_change("rto: 72h", "rto: 48h")
SPEC_EXAMPLE = with_change(
    "download_bandwidth: 200 Mbps",
    "download_bandwidth: 100 Mbps",
    with_change("data: 420 GB", "data: 2 TB"),
)

TOP = {"client", "scenarios"}
SCENARIO = {"scenario", "title", "covered", "reason", "parameters", "systems"}
PARAMETERS = {
    "recovery_target",
    "restore_rate",
    "courier",
    "courier_assumed",
    "download_bandwidth",
    "procurement",
    "standby",
    "provisioning",
    "network_reconfiguration",
    "validation",
}
RANSOMWARE = {"investigation", "dwell_time", "cloud", "replace_hardware"}
SYSTEM = {
    "system",
    "name",
    "status",
    "phases",
    "total_hours",
    "lower_bound",
    "rto_hours",
    "rpo_hours",
    "verdict",
    "rpo_verdict",
    "source",
    "after",
    "accepted",
    "options",
}
PHASE = {"phase", "hours", "state"}
OPTION = {"option", "gap", "closes", "outcome", "total_hours", "lower_bound", "description"}


def documented_keys() -> set[str]:
    """Every key docs/estimate-json.md names in backquotes in its tables' first column."""
    text = (REPO / "docs" / "estimate-json.md").read_text("utf-8")
    keys: set[str] = set()
    for line in text.splitlines():
        if line.startswith("| `"):
            keys |= set(re.findall(r"`([a-z_]+)`", line.split("|")[1]))
    return keys


def test_the_documented_keys_are_the_keys() -> None:
    documented = documented_keys()
    for keys in (SCENARIO, SYSTEM, OPTION):
        assert keys <= documented, keys - documented


@pytest.mark.real_command
def test_text(tiny: TinyProject) -> None:
    tiny.client(RTO_48)
    run = tiny.tripod("estimate", "acme", "--scenario", "site-loss")
    assert run.code == 0, run.err
    assert run.err == ""
    assert run.out.splitlines() == [
        "Acme Dental: estimated recovery per scenario",
        "",
        "Loss of the site",
        "  recovery at the client's site; restore rate 400 GB/h; courier 1 day (assumed)",
        "  Practice server: misses the RTO (RTO 48 h, RPO 4 h)",
        "      Hardware       48 h",
        "      Download       4.7 h",
        "      Restore        1.1 h",
        "      Network        6 h",
        "      Validation     2 h",
        "      Total          61.7 h",
        "    restored from Object storage (offsite copy of the Practice server backup, every 4 h)",
        "    What would meet the RTO:",
        "      - recovery into the provider's cloud: 13.1 h, meets it; bring it up in the "
        "provider's infrastructure from its offsite copy: provisioning 4 h (assumed) instead "
        "of hardware, no download",
        "      - standby hardware: 13.7 h, meets it; keep replacement hardware on standby: no "
        "48 h of procurement",
        "  Hosted mail: not affected",
    ]


def test_text_of_every_scenario_with_an_unknown_phase_and_an_accepted_gap(
    tiny: TinyProject,
) -> None:
    tiny.client(with_change("  restore_rate: 400 GB/h\n", ""))
    run = tiny.tripod("estimate", "acme")
    assert run.code == 0, run.err
    lines = run.out.splitlines()
    assert [line for line in lines if line and not line.startswith(" ")][1:] == [
        "Server failure",
        "Loss of the site",
        "Ransomware",
        "Loss of a cloud account",
    ]
    # An unknown phase is never 0 h; the total is a lower bound.
    assert "      Restore        not estimated" in lines
    assert "      Total          at least 50 h" in lines  # 48 + restore + 2
    assert "  Practice server: not determined against the RTO (RTO 3 d, RPO 4 h)" in lines
    assert "      Investigation  none agreed" in lines
    assert "    rpo-unachievable accepted by Maria Chen: Daily is enough" in lines
    assert not any(" 0 h" in line for line in lines)


@pytest.mark.real_command
def test_json(tiny: TinyProject) -> None:
    tiny.client(with_change("rto: 72h", "rto: 60h", SPEC_EXAMPLE))
    run = tiny.tripod("estimate", "acme", "--format", "json")
    assert run.code == 0, run.err
    data = json.loads(run.out)
    assert set(data) == TOP and data["client"] == "acme"
    assert [s["scenario"] for s in data["scenarios"]] == [
        "server-failure",
        "site-loss",
        "ransomware",
        "cloud-account-loss",
    ]
    for scenario in data["scenarios"]:
        assert set(scenario) == SCENARIO
        extra = RANSOMWARE if scenario["scenario"] == "ransomware" else set()
        assert set(scenario["parameters"]) == PARAMETERS | extra
        for system in scenario["systems"]:
            assert set(system) == SYSTEM
            assert all(set(p) == PHASE for p in system["phases"])
            assert all(set(o) == OPTION for o in system["options"])
    site = data["scenarios"][1]
    assert site["parameters"]["download_bandwidth"] == "100 Mbps"
    assert site["parameters"]["courier"] == "1 d" and site["parameters"]["courier_assumed"]
    pms = site["systems"][0]
    assert pms["system"] == "pms" and pms["name"] == "Practice server"
    # 2 TB over 100 Mbps is 44.44 h; 48 + 44.44 + 5 + 6 + 2 = 105.44 h.
    assert pms["phases"] == [
        {"phase": "hardware", "hours": 48.0, "state": "estimated"},
        {"phase": "download", "hours": 44.44, "state": "estimated"},
        {"phase": "restore", "hours": 5.0, "state": "estimated"},
        {"phase": "network", "hours": 6.0, "state": "estimated"},
        {"phase": "validation", "hours": 2.0, "state": "estimated"},
    ]
    assert (pms["total_hours"], pms["lower_bound"], pms["rto_hours"], pms["rpo_hours"]) == (
        105.44,
        False,
        60.0,
        4.0,
    )
    assert (pms["verdict"], pms["rpo_verdict"]) == ("misses", "meets")
    assert pms["source"] == {
        "backup": "pms-image",
        "where": "offsite",
        "location": "Object storage",
        "every_hours": 4.0,
    }
    assert [(o["option"], o["closes"], o["total_hours"]) for o in pms["options"]] == [
        ("provider-cloud", True, 17.0),  # 4 h assumed + 5 + 6 + 2
        ("standby", True, 57.44),  # without the 48 h of procurement
        ("courier", False, 85.0),  # 1 d instead of the 44.44 h download
    ]
    mail = site["systems"][1]
    assert (mail["status"], mail["phases"], mail["total_hours"], mail["verdict"]) == (
        "not affected",
        [],
        None,
        "not affected",
    )
    ransomware_mail = data["scenarios"][2]["systems"][1]
    assert ransomware_mail["phases"][0] == {
        "phase": "investigation",
        "hours": None,
        "state": "none agreed",
    }
    assert ransomware_mail["accepted"] == [
        {"code": "rpo-unachievable", "accepted_by": "Maria Chen", "reason": "Daily is enough"}
    ]
    assert [o["option"] for o in ransomware_mail["options"]] == ["backup-interval"]


def test_json_of_one_scenario_and_the_documented_example(tiny: TinyProject) -> None:
    tiny.client(RTO_48)
    run = tiny.tripod("estimate", "acme", "--scenario", "site-loss", "--format", "json")
    assert run.code == 0
    (site,) = run.json()["scenarios"]
    text = (REPO / "docs" / "estimate-json.md").read_text("utf-8")
    example = json.loads(text.split("```json\n", 1)[1].split("```", 1)[0])
    (documented,) = example["scenarios"]
    assert site["systems"][0] == documented["systems"][0]
    assert site["parameters"] == documented["parameters"]


def test_a_scenario_left_out(tiny: TinyProject) -> None:
    text = with_change(
        "  test: {every: 12mo",
        "  scenarios:\n    server-failure: {covered: false, reason: Every server is a VM}\n"
        "  test: {every: 12mo",
    )
    tiny.client(text)
    run = tiny.tripod("estimate", "acme", "--scenario", "server-failure")
    assert run.out.splitlines()[2:] == ["Server failure", "  not covered: Every server is a VM"]
    data = tiny.tripod("estimate", "acme", "--format", "json").json()
    left_out = data["scenarios"][0]
    assert (left_out["covered"], left_out["reason"], left_out["systems"]) == (
        False,
        "Every server is a VM",
        [],
    )


def test_an_unknown_scenario_is_a_usage_error(tiny: TinyProject) -> None:
    tiny.client()
    run = tiny.tripod("estimate", "acme", "--scenario", "flood")
    assert run.code == 2
    assert run.out == ""
    assert len(run.err.splitlines()) == 1
    assert "'flood' is not one of" in run.err and "tripod estimate --help" in run.err


def test_an_unknown_client_is_a_usage_error(tiny: TinyProject) -> None:
    run = tiny.tripod("estimate", "nobody")
    assert (run.code, run.out) == (2, "")
    assert run.err == "tripod: no client 'nobody': clients/nobody.yaml does not exist\n"


def test_a_file_that_cannot_be_loaded(tiny: TinyProject) -> None:
    tiny.client(with_change("data: 420 GB", "data: 420 GBs"))
    run = tiny.tripod("estimate", "acme")
    assert run.code == 1
    first = run.out.splitlines()[0]
    assert first.startswith("clients/acme.yaml:14:") and " error schema" in first
    assert run.err == "tripod: clients/acme.yaml cannot be loaded: no estimate\n"


def test_names_are_printed_with_their_control_characters_escaped(tiny: TinyProject) -> None:
    tiny.client(with_change("name: Practice server,", 'name: "Practice\\e[2J server",'))
    run = tiny.tripod("estimate", "acme", "--scenario", "site-loss")
    assert run.code == 0
    assert "\x1b" not in run.out
    assert "  Practice\\x1b[2J server: meets the RTO (RTO 3 d, RPO 4 h)" in run.out.splitlines()
    data = tiny.tripod("estimate", "acme", "--format", "json").json()
    assert data["scenarios"][0]["systems"][0]["name"] == "Practice\x1b[2J server"


def test_a_system_without_a_surviving_copy(tiny: TinyProject) -> None:
    tiny.client(
        with_change("location: Object storage, immutable: true}", "location: Object storage}")
    )
    run = tiny.tripod("estimate", "acme", "--scenario", "ransomware")
    assert "  Practice server: no copy of it survives ransomware" in run.out.splitlines()
    data = tiny.tripod("estimate", "acme", "--scenario", "ransomware", "--format", "json").json()
    system = data["scenarios"][0]["systems"][0]
    assert (system["status"], system["verdict"], system["total_hours"], system["phases"]) == (
        "no surviving copy",
        "no surviving copy",
        None,
        [],
    )


def test_a_gap_nothing_priced_closes(tiny: TinyProject) -> None:
    # The mail (cloud) after ransomware: 2.15 h against 1 h, nothing to buy.
    tiny.client(
        with_change("{system: mail, rto: 8h, rpo: 4h}", "{system: mail, rto: 1h, rpo: 24h}")
    )
    run = tiny.tripod("estimate", "acme", "--scenario", "ransomware")
    lines = run.out.splitlines()
    assert "  Hosted mail: misses the RTO (RTO 1 h, RPO 24 h)" in lines
    assert (
        "    No option priced here would meet the RTO: a faster restore, or a longer RTO agreed"
        in lines
    )
