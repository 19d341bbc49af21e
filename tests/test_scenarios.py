"""Scenarios (SPEC, "Scenarios and estimated recovery time"): what each loses, which
copies survive, the phases in order, per-scenario parameters and objectives, scenarios
left out, the rules per scenario, acknowledgements per scenario, and the terms.

Each case changes the base CLIENT (conftest) in one way and pins the findings with
file:line:col. Without changes, the base client's estimates are, in hours:
server failure 48 + 21/20 + 2 (the NAS survives: no download), loss of the site
48 + 14/3 + 21/20 + 6 + 2, ransomware 14/3 + 21/20 + 6 + 2 (no hardware, no
investigation agreed), and for the mail (cloud) 3/20 + 2 after ransomware or loss of
its account.
"""

from __future__ import annotations

import json
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import CLIENT, TODAY, TinyProject, with_change
from generator.findings import Finding
from generator.format import units
from generator.format.load import load_client
from generator.format.model import SCENARIOS, Client, Provider
from generator.format.reader import SourceMap
from generator.project.record import TermsRecord
from generator.render import values
from generator.rules.check import check
from generator.rules.recovery import (
    LEGACY_REASON,
    PHASES,
    Estimate,
    Phase,
    estimate,
    estimates,
    worst_first,
)
from generator.terms import canonical as terms

F = "clients/acme.yaml"
TEST_LINE = "  test: {every: 12mo, last: 2026-03-02, measured: {pms: 30h}}\n"
NAS = "      - {where: local, location: NAS}\n"
OFFSITE = "      - {where: offsite, location: Object storage, immutable: true}\n"
MAIL_RPO = {
    "ransomware": "Hosted mail: RPO 4 h, but after ransomware it is restored from backups made "
    "every 24 h",
    "cloud-account-loss": "Hosted mail: RPO 4 h, but if the cloud account is lost it is restored "
    "from backups made every 24 h",
}


def with_scenarios(block: str, text: str = CLIENT) -> str:
    """The client with a `scenarios:` block under disaster_recovery, from line 49 on."""
    return with_change(TEST_LINE, TEST_LINE + "  scenarios:\n" + block, text)


def loaded(tiny: TinyProject, text: str = CLIENT) -> Client:
    result = load_client(tiny.client(text), F, None)
    assert result.model is not None, [f.text() for f in result.findings]
    return result.model


def problems(tiny: TinyProject) -> list[Finding]:
    return [f for f in tiny.findings() if f.severity != "accepted"]


def accepted(tiny: TinyProject) -> list[tuple[str, str | None, str]]:
    return [(f.code, f.scenario, f.message) for f in tiny.findings() if f.severity == "accepted"]


# ------------------------------------------------------------- the base client


def test_every_scenario_of_the_base_client(tiny: TinyProject) -> None:
    result = estimates(loaded(tiny))
    assert list(result) == list(SCENARIOS)
    assert all(s.covered for s in result.values())
    pms = {name: s.systems["pms"] for name, s in result.items()}
    mail = {name: s.systems["mail"] for name, s in result.items()}
    # A server failure: hardware, then a restore from the surviving local copy.
    assert pms["server-failure"].phases == (
        Phase("hardware", Fraction(48)),
        Phase("restore", Fraction(21, 20)),
        Phase("validation", Fraction(2)),
    )
    assert pms["server-failure"].source is not None
    assert pms["server-failure"].source.location == "NAS"
    assert pms["site-loss"].total == Fraction(3703, 60)
    assert pms["site-loss"].source is not None
    assert pms["site-loss"].source.location == "Object storage"
    # Ransomware: the hardware is wiped and reused; no investigation time is agreed.
    assert pms["ransomware"].phases == (
        Phase("investigation", Fraction(0), "none agreed"),
        Phase("download", Fraction(14, 3)),
        Phase("restore", Fraction(21, 20)),
        Phase("network", Fraction(6)),
        Phase("validation", Fraction(2)),
    )
    assert pms["ransomware"].none_agreed == ("investigation",)
    assert not pms["cloud-account-loss"].affected
    assert [mail[s].affected for s in SCENARIOS] == [False, False, True, True]
    assert mail["cloud-account-loss"].total == mail["ransomware"].total == Fraction(43, 20)
    verdicts = {name: {s: r.verdict(s) for s in r.systems} for name, r in result.items()}
    assert verdicts == {
        "server-failure": {"pms": "meets", "mail": "not affected"},
        "site-loss": {"pms": "meets", "mail": "not affected"},
        "ransomware": {"pms": "meets", "mail": "meets"},
        "cloud-account-loss": {"pms": "not affected", "mail": "meets"},
    }


def test_the_effective_parameters_include_the_defaults(tiny: TinyProject) -> None:
    ransomware = estimates(loaded(tiny))["ransomware"].parameters
    assert ransomware.dwell_time == units.Duration(Fraction(14), "d")
    assert (ransomware.cloud, ransomware.replace_hardware) == (True, False)
    assert ransomware.investigation is None
    assert ransomware.courier == units.Duration(Fraction(1), "d") and ransomware.courier_assumed
    assert ransomware.restore_rate == units.parse_throughput("400 GB/h")
    assert ransomware.terms() == {
        "covered": True,
        "reason": None,
        "recovery_target": "client-site",
        "restore_rate": "400 GB/h",
        "courier": "1 d",
        "objectives": {
            "mail": {"rto": "8 h", "rpo": "4 h", "mtd": None},
            "pms": {"rto": "72 h", "rpo": "4 h", "mtd": "5 d"},
        },
        "investigation": None,
        "dwell_time": "14 d",
        "cloud": True,
        "replace_hardware": False,
    }


def test_the_overview_puts_the_worst_verdict_first(tiny: TinyProject) -> None:
    # The mail misses its RTO after ransomware (2 days of investigation); the practice
    # server meets its own in every scenario.
    client = loaded(tiny, with_scenarios("    ransomware: {investigation: 2d}\n"))
    result = estimates(client)
    assert result["ransomware"].verdict("mail") == "misses"
    assert worst_first(result) == ["mail", "pms"]
    assert worst_first(estimates(loaded(tiny))) == ["pms", "mail"]  # all met: recovery order


# ------------------------------------------------------------ what survives


def test_a_copy_on_the_server_does_not_survive_its_failure(tiny: TinyProject) -> None:
    text = with_change(NAS, "      - {where: local, location: Snapshots, on_system: true}\n")
    pms = estimate(loaded(tiny, text), "server-failure")["pms"]
    # The offsite copy is downloaded, over a link the server has to itself.
    assert [p.name for p in pms.phases] == ["hardware", "download", "restore", "validation"]
    assert pms.download == Fraction(14, 3)
    assert tiny.lines() == []


def test_no_surviving_copy_after_a_server_failure(tiny: TinyProject) -> None:
    text = with_change(NAS, "      - {where: local, location: Snapshots, on_system: true}\n")
    text = with_change(
        OFFSITE,
        "      - {where: offsite, location: Object storage, immutable: true, on_system: true}\n",
        text,
    )
    tiny.client(text)
    assert tiny.lines() == [
        f"{F}:14:5: error no-surviving-copy: Practice server: no copy of it survives a failure "
        "of its server, so it cannot be recovered"
    ]
    (found,) = problems(tiny)
    assert (found.scenario, found.system) == ("server-failure", "pms")
    assert found.hint == "keep a copy somewhere other than the server itself"


def test_no_surviving_copy_after_ransomware_and_no_rpo_or_rto_for_it(tiny: TinyProject) -> None:
    # A 1 h RPO fails wherever a copy survives; after ransomware none does, so only
    # no-surviving-copy is reported for that scenario.
    text = with_change(OFFSITE, "      - {where: offsite, location: Object storage}\n")
    tiny.client(with_change("rpo: 4h, mtd", "rpo: 1h, mtd", text))
    assert tiny.lines() == [
        f"{F}:14:5: error no-surviving-copy: Practice server: no copy of it survives "
        "ransomware, so it cannot be recovered",
        f"{F}:45:36: error rpo-unachievable: Practice server: RPO 1 h, but after loss of the "
        "site it is restored from backups made every 4 h",
        f"{F}:45:36: error rpo-unachievable: Practice server: RPO 1 h, but if its server fails "
        "it is restored from backups made every 4 h",
    ]
    assert problems(tiny)[0].hint == (
        "make one of its copies immutable (object lock) or offline (tape, a rotated disk)"
    )


def test_an_offline_local_copy_survives_ransomware_without_a_download(tiny: TinyProject) -> None:
    text = with_change(NAS, "      - {where: local, location: Rotated disk, offline: true}\n")
    text = with_change(OFFSITE, "      - {where: offsite, location: Object storage}\n", text)
    pms = estimate(loaded(tiny, text), "ransomware")["pms"]
    assert [p.name for p in pms.phases] == [
        "investigation",
        "restore",
        "network",
        "validation",
    ]
    assert pms.total == Fraction(21, 20) + 6 + 2
    assert tiny.lines() == []


def test_ransomware_can_leave_the_cloud_alone(tiny: TinyProject) -> None:
    tiny.client(with_scenarios("    ransomware: {cloud: false}\n"))
    assert tiny.lines() == []
    assert accepted(tiny) == [
        ("rpo-unachievable", "cloud-account-loss", MAIL_RPO["cloud-account-loss"])
    ]


def test_ransomware_with_replaced_hardware_waits_for_it(tiny: TinyProject) -> None:
    client = loaded(tiny, with_scenarios("    ransomware: {replace_hardware: true}\n"))
    pms = estimate(client, "ransomware")["pms"]
    assert pms.hardware == 48
    assert pms.total == 48 + Fraction(823, 60)


def test_downloads_after_ransomware_share_the_link(tiny: TinyProject) -> None:
    files = (
        "  - {id: files, name: File server, data: 180 GB, criticality: important, "
        "hosting: on-premises}\n"
    )
    text = with_change("hosting: cloud}\n", "hosting: cloud}\n" + files)
    text = with_change("systems: [pms]", "systems: [pms, files]", text)
    result = estimate(loaded(tiny, text), "ransomware")
    # 180 GB at 200 Mbps is 2 h, after the practice server's 14/3 h.
    assert result["files"].after == ("pms",)
    assert result["files"].download == Fraction(14, 3) + 2
    # One server at a time: no waiting for the other's download.
    assert estimate(loaded(tiny, text), "server-failure")["files"].after == ()


# --------------------------------------------------- the provider's cloud


PROVIDER_CLOUD = "  recovery_target: provider-cloud\n  provisioning: 4h\n"


def test_recovery_into_the_providers_cloud(tiny: TinyProject) -> None:
    text = with_change("  validation: 2h\n", "  validation: 2h\n" + PROVIDER_CLOUD)
    result = estimates(loaded(tiny, text))
    for scenario in ("server-failure", "site-loss"):
        pms = result[scenario].systems["pms"]
        # No hardware and no download: provisioning, then restore, cut-over, validation.
        assert pms.phases == (
            Phase("provisioning", Fraction(4)),
            Phase("restore", Fraction(21, 20)),
            Phase("network", Fraction(6)),
            Phase("validation", Fraction(2)),
        ), scenario
        assert pms.source is not None and pms.source.where == "offsite"
    ransomware = result["ransomware"].systems["pms"]
    assert [p.name for p in ransomware.phases] == [
        "investigation",
        "provisioning",
        "restore",
        "network",
        "validation",
    ]


def test_provisioning_not_given_is_none_agreed(tiny: TinyProject) -> None:
    text = with_change(
        "  validation: 2h\n", "  validation: 2h\n  recovery_target: provider-cloud\n"
    )
    pms = estimate(loaded(tiny, text))["pms"]
    assert pms.phase("provisioning") == Phase("provisioning", Fraction(0), "none agreed")
    assert not pms.lower_bound


def test_the_providers_cloud_uses_only_offsite_copies(tiny: TinyProject) -> None:
    text = with_change("  validation: 2h\n", "  validation: 2h\n" + PROVIDER_CLOUD)
    text = with_change(
        OFFSITE, "      - {where: local, location: Second NAS, immutable: true}\n", text
    )
    tiny.client(text)
    assert [(f.code, f.scenario) for f in problems(tiny)] == [
        ("no-surviving-copy", "server-failure"),
        ("no-surviving-copy", "site-loss"),
        ("no-surviving-copy", "ransomware"),
        ("three-two-one", None),
    ]


# ------------------------------------------- per-scenario objectives and rules


def test_a_scenario_objective_overrides_and_points_at_its_own_line(tiny: TinyProject) -> None:
    block = (
        "    ransomware:\n"
        "      investigation: 2d\n"
        "      objectives:\n"
        "        - {system: pms, rto: 60h}\n"
        "        - {system: mail, rto: 3d}\n"
    )
    tiny.client(with_scenarios(block))
    assert tiny.lines() == [
        f"{F}:53:30: error rto-unachievable: Practice server: RTO 60 h, but recovery after "
        "ransomware takes an estimated 61.7 h"
    ]
    (found,) = problems(tiny)
    assert found.scenario == "ransomware"
    # No hardware to buy after ransomware: a faster link (350 Mbps: the download in
    # 8/3 h, 59.7 h in all) or the provider's cloud (48 + 4 assumed + 1.05 + 6 + 2).
    assert found.hint == (
        "a 350 Mbps link would bring it to 59.7 h; or recovery into the provider's cloud: "
        "61 h (estimate: investigation 48 h + download 4.7 h + restore 1.1 h + network 6 h + "
        "validation 2 h)"
    )
    objectives = estimates(loaded(tiny, with_scenarios(block)))["ransomware"].objectives("pms")
    assert objectives is not None
    # Only the RTO is overridden: the RPO and MTD are the base ones.
    assert (objectives.rpo, objectives.mtd) == (
        units.parse_duration("4h"),
        units.parse_duration("5d"),
    )
    assert objectives.rpo_at == ("disaster_recovery", "objectives", 0, "rpo")
    assert objectives.overridden == frozenset({"rto"})


def test_the_investigation_time_can_miss_the_rto_with_the_base_objective(
    tiny: TinyProject,
) -> None:
    tiny.client(with_scenarios("    ransomware: {investigation: 3d}\n"))
    assert tiny.lines() == [
        f"{F}:45:26: error rto-unachievable: Practice server: RTO 3 d, but recovery after "
        "ransomware takes an estimated 3 d 14 h",
        f"{F}:46:27: error rto-unachievable: Hosted mail: RTO 8 h, but recovery after "
        "ransomware takes an estimated 3 d 2 h",
    ]


def test_an_rto_beyond_the_mtd_in_one_scenario(tiny: TinyProject) -> None:
    block = "    ransomware:\n      objectives:\n        - {system: pms, rto: 6d}\n"
    tiny.client(with_scenarios(block))
    assert tiny.lines() == [
        f"{F}:52:30: error rto-above-mtd: Practice server: RTO 6 d is longer than its maximum "
        "tolerable downtime of 5 d after ransomware"
    ]
    assert problems(tiny)[0].scenario == "ransomware"


def test_a_scenario_objective_naming_no_system_is_a_schema_error(tiny: TinyProject) -> None:
    block = "    ransomware:\n      objectives:\n        - {system: pmz, rto: 6d}\n"
    tiny.client(with_scenarios(block))
    assert tiny.lines() == [
        f"{F}:52:20: error schema/dangling-reference: 'pmz' is not a system in this file"
    ]


def test_short_clean_history_follows_the_dwell_time(tiny: TinyProject) -> None:
    tiny.client(with_scenarios("    ransomware: {dwell_time: 60d}\n"))
    assert tiny.lines() == [
        f"{F}:21:16: warning short-clean-history: Practice server: after ransomware its "
        "surviving copies are kept 30 days, less than the 60 days an attacker may go "
        "unnoticed: the newest clean restore point may have aged out"
    ]


def test_a_lower_bound_above_the_rto_misses_it(tiny: TinyProject) -> None:
    # Without a restore rate: site loss at least 48 + 14/3 + 6 + 2 = 60.7 h, above 50 h;
    # a server failure at least 48 + 2 = 50 h: not above, so not determined.
    text = with_change("  restore_rate: 400 GB/h\n", "")
    tiny.client(with_change("rto: 72h", "rto: 50h", text))
    lines = tiny.lines()
    assert (
        f"{F}:44:26: error rto-unachievable: Practice server: RTO 50 h, but recovery after "
        "loss of the site takes at least 60.7 h (restore time not estimated)"
    ) in lines
    assert [line for line in lines if "rto-unachievable" in line and "server fails" in line] == []
    result = estimates(loaded(tiny, with_change("rto: 72h", "rto: 50h", text)))
    assert result["server-failure"].verdict("pms") == "not determined"
    assert result["site-loss"].verdict("pms") == "misses"


def test_a_scenario_restore_rate_leaves_no_estimate_incomplete(tiny: TinyProject) -> None:
    text = with_change("  restore_rate: 400 GB/h\n", "")
    block = "    ransomware: {restore_rate: 100 GB/h}\n    cloud-account-loss: {restore_rate: 50 GB/h}\n"
    tiny.client(with_scenarios(block, text))
    assert [(f.code, f.scenario, f.line) for f in problems(tiny)] == [
        ("estimate-incomplete", "server-failure", 37),
        ("estimate-incomplete", "site-loss", 37),
    ]
    mail = estimate(loaded(tiny, with_scenarios(block, text)), "cloud-account-loss")["mail"]
    assert mail.restore == Fraction(60, 50)


def test_measured_times_belong_to_the_scenario_tested(tiny: TinyProject) -> None:
    text = with_change(
        TEST_LINE,
        "  test: {every: 12mo, last: 2026-03-02, measured: {pms: 30h}, scenario: ransomware}\n",
    )
    block = "  scenarios:\n    ransomware:\n      objectives:\n        - {system: pms, rto: 24h}\n"
    tiny.client(text.replace("business_continuity:\n", block + "business_continuity:\n"))
    assert tiny.lines() == [
        f"{F}:48:57: warning measured-over-rto: Practice server: the last DR test took 30 h, "
        "longer than its RTO of 24 h"
    ]


# ----------------------------------------------------- scenarios left out


def test_a_scenario_left_out_is_not_checked(tiny: TinyProject) -> None:
    block = "    ransomware: {covered: false, reason: The client runs no Windows machines}\n"
    tiny.client(with_scenarios(block))
    assert tiny.lines() == []
    assert accepted(tiny) == [
        ("rpo-unachievable", "cloud-account-loss", MAIL_RPO["cloud-account-loss"])
    ]
    ransomware = estimates(loaded(tiny, with_scenarios(block)))["ransomware"]
    assert not ransomware.covered and ransomware.systems == {}
    assert ransomware.parameters.reason == "The client runs no Windows machines"


def test_a_scenario_left_out_needs_a_reason(tiny: TinyProject) -> None:
    tiny.client(with_scenarios("    server-failure: {covered: false}\n"))
    assert tiny.lines() == [
        f"{F}:50:31: error schema/missing-field: server-failure is not covered but gives no "
        "reason: the agreement prints why"
    ]


def test_an_unknown_scenario_is_a_schema_error(tiny: TinyProject) -> None:
    tiny.client(with_scenarios("    flood: {covered: false, reason: No river}\n"))
    [line] = tiny.lines()
    assert line.startswith(f"{F}:50:5: error schema/unknown-field:")


# -------------------------------------------------------- acknowledgements

ACK = "  - {check: rpo-unachievable, system: mail, reason: Daily is enough, accepted_by: maria}\n"


def test_an_acknowledgement_for_one_scenario_leaves_the_others(tiny: TinyProject) -> None:
    tiny.client(
        with_change(
            ACK,
            "  - {check: rpo-unachievable, system: mail, scenario: ransomware, "
            "reason: Daily is enough, accepted_by: maria}\n",
        )
    )
    assert tiny.lines() == [
        f"{F}:46:36: error rpo-unachievable: {MAIL_RPO['cloud-account-loss']}",
    ]
    assert accepted(tiny) == [("rpo-unachievable", "ransomware", MAIL_RPO["ransomware"])]


def test_an_acknowledgement_for_a_scenario_without_the_gap_is_stale(tiny: TinyProject) -> None:
    tiny.client(
        with_change(
            ACK,
            "  - {check: rpo-unachievable, system: mail, scenario: site-loss, "
            "reason: Daily is enough, accepted_by: maria}\n",
        )
    )
    assert tiny.lines()[-1] == (
        f"{F}:57:5: warning stale-acknowledgement: the accepted gap rpo-unachievable for "
        "Hosted mail after loss of the site no longer exists"
    )


def test_the_old_code_no_offsite_copy_means_site_loss(tiny: TinyProject) -> None:
    text = with_change(
        OFFSITE, "      - {where: local, location: Object storage, immutable: true}\n"
    )
    tiny.client(
        text
        + "  - {check: no-offsite-copy, system: pms, reason: A fire is unlikely, accepted_by: maria}\n"
    )
    assert tiny.lines() == [
        f"{F}:23:7: warning three-two-one: Practice server backup keeps no copy offsite"
    ]
    assert accepted(tiny)[0] == (
        "no-surviving-copy",
        "site-loss",
        "Practice server: no copy of it survives loss of the site, so it cannot be recovered",
    )


def test_the_old_code_mutable_offsite_means_ransomware(tiny: TinyProject) -> None:
    text = with_change(OFFSITE, "      - {where: offsite, location: Object storage}\n")
    tiny.client(
        text
        + "  - {check: mutable-offsite, system: pms, reason: Offsite is a locked safe, accepted_by: maria}\n"
    )
    assert tiny.lines() == []
    assert accepted(tiny)[0][:2] == ("no-surviving-copy", "ransomware")


def test_an_old_code_is_stale_only_when_it_matches_nothing(tiny: TinyProject) -> None:
    tiny.client(
        CLIENT
        + "  - {check: mutable-offsite, system: pms, reason: Offsite is a locked safe, accepted_by: maria}\n"
    )
    assert tiny.lines() == [
        f"{F}:58:5: warning stale-acknowledgement: the accepted gap mutable-offsite for "
        "Practice server after ransomware no longer exists"
    ]


def test_one_acknowledgement_per_gap_and_scenario(tiny: TinyProject) -> None:
    tiny.client(CLIENT + ACK)
    [line] = tiny.lines()
    assert "schema/duplicate" in line
    two = CLIENT + ACK.replace("system: mail,", "system: mail, scenario: ransomware,")
    tiny.client(two)
    assert tiny.lines() == []


# ------------------------------------------------------------------ terms


def test_the_terms_carry_every_scenarios_parameters(tiny: TinyProject) -> None:
    tiny.client()
    canonical = tiny.issue_terms()
    data = json.loads(canonical)
    assert set(data["scenarios"]) == set(SCENARIOS)
    assert data["scenarios"]["ransomware"]["dwell_time"] == "14 d"
    assert data["scenarios"]["site-loss"]["courier"] == "1 d"
    # A tuned scenario changes the terms.
    tiny.client(with_scenarios("    ransomware: {dwell_time: 30d}\n"))
    assert [f.code for f in problems(tiny)] == ["terms-changed"]


def test_terms_issued_before_scenarios_cover_loss_of_the_site_only(tiny: TinyProject) -> None:
    from generator.format.load import load_provider

    tiny.client()
    canonical = tiny.issue_terms()
    old = json.loads(canonical)
    del old["scenarios"]
    provider = load_provider(tiny.root / "provider.yaml", "provider.yaml", tiny.root).model
    assert provider is not None
    record = TermsRecord(terms.canonical(old), provider)
    assert record.before_scenarios
    covered = {name: s.covered for name, s in record.estimates.items()}
    assert covered == {
        "server-failure": False,
        "site-loss": True,
        "ransomware": False,
        "cloud-account-loss": False,
    }
    ransomware = record.estimates["ransomware"].parameters
    assert ransomware.predates_scenarios and ransomware.reason == LEGACY_REASON
    # The gaps it accepted are those of loss of the site: the mail is not touched by it.
    assert record.accepted == []
    assert not TermsRecord(canonical, provider).before_scenarios


def test_the_example_agreements_predate_scenarios() -> None:
    from conftest import REPO
    from generator.format.load import load_provider
    from generator.terms import archive

    provider = load_provider(REPO / "provider.yaml", "provider.yaml", REPO).model
    assert provider is not None
    for issued in archive.issued_versions(REPO / "agreements", "harbour-dental"):
        record = TermsRecord.of(issued, provider)
        assert record.before_scenarios, issued.label
        assert [n for n, s in record.estimates.items() if s.covered] == ["site-loss"]
        assert record.estimates["site-loss"].systems["pms"].recoverable
        # What the frozen site's pages read to say so.
        facts = values.facts(record.client, record.provider, record.estimates, record.accepted)
        assert facts["site_loss_only"], issued.label
        assert list(facts["estimates"]) == ["pms", "mail"]


# ------------------------------------------------------ the real command


@pytest.mark.real_command
def test_check_json_names_the_scenario(tiny: TinyProject) -> None:
    tiny.client(with_change(OFFSITE, "      - {where: offsite, location: Object storage}\n"))
    run = tiny.tripod("check", "--format", "json")
    assert run.code == 1, run.err
    data = run.json()
    assert data["findings"] == [
        {
            "file": F,
            "line": 14,
            "column": 5,
            "code": "no-surviving-copy",
            "severity": "error",
            "message": "Practice server: no copy of it survives ransomware, so it cannot be "
            "recovered",
            "hint": "make one of its copies immutable (object lock) or offline (tape, a rotated "
            "disk)",
            "client": "acme",
            "system": "pms",
            "scenario": "ransomware",
        }
    ]
    assert [a["scenario"] for a in data["accepted"]] == ["ransomware", "cloud-account-loss"]


# ------------------------------------------------------------- properties


def test_two_terabytes_over_100_mbps_is_44_44_hours() -> None:
    hours = units.transfer_hours(units.parse_size("2 TB"), units.parse_link_speed("100 Mbps"))
    assert hours == Fraction(400, 9)  # 1.6e13 bit / 1e8 bit/s = 160 000 s
    assert round(float(hours), 2) == 44.44
    assert units.format_hours(hours) == "44.4 h"


def client_text(gb: int, mbps: int, rate: int | None, standby: bool, cloud: bool) -> str:
    text = with_change("data: 420 GB", f"data: {gb} GB")
    text = with_change("download_bandwidth: 200 Mbps", f"download_bandwidth: {mbps} Mbps", text)
    rate_line = f"  restore_rate: {rate} GB/h\n" if rate else ""
    text = with_change("  restore_rate: 400 GB/h\n", rate_line, text)
    text = with_change("standby: false", f"standby: {str(standby).lower()}", text)
    return with_scenarios(f"    ransomware: {{cloud: {str(cloud).lower()}}}\n", text)


FIGURES = st.tuples(
    st.integers(1, 20_000),  # GB
    st.integers(1, 10_000),  # Mbps
    st.one_of(st.none(), st.integers(1, 2_000)),  # GB/h
    st.booleans(),
    st.booleans(),
)


def load_text(text: str) -> Client:
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "acme.yaml"
        path.write_text(text, "utf-8")
        result = load_client(path, "acme.yaml", None)
    assert result.model is not None, [f.text() for f in result.findings]
    return result.model


@settings(max_examples=60, deadline=None)
@given(FIGURES)
def test_every_phase_is_an_exact_fraction_and_the_total_their_sum(figures: tuple) -> None:
    result = estimates(load_text(client_text(*figures)))
    for scenario in result.values():
        for est in scenario.systems.values():
            assert all(type(p.hours) is Fraction for p in est.phases)
            assert type(est.total) is Fraction
            known = sum((p.hours for p in est.phases if p.state != "unknown"), Fraction(0))
            # Never below the sum of its known phases (an unknown phase only adds).
            assert est.total >= known
            assert est.total == sum((p.hours for p in est.phases), Fraction(0))
            assert [p.name for p in est.phases] == [n for n in PHASES if est.phase(n)]
            assert est.lower_bound == (figures[2] is None and est.recoverable)


@settings(max_examples=40, deadline=None)
@given(FIGURES, st.integers(1, 2_000))
def test_a_lower_bound_is_never_above_the_estimate_with_a_rate(figures: tuple, rate: int) -> None:
    gb, mbps, _, standby, cloud = figures
    unknown = estimates(load_text(client_text(gb, mbps, None, standby, cloud)))
    known = estimates(load_text(client_text(gb, mbps, rate, standby, cloud)))
    for name, scenario in unknown.items():
        for system_id, est in scenario.systems.items():
            other = known[name].systems[system_id]
            assert est.total <= other.total
            assert other.total - est.total == other.restore


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 40), st.sampled_from([100, 200, 400, 800, 1600]), st.booleans())
def test_an_estimate_equal_to_the_rto_meets_it(k: int, mbps: int, standby: bool) -> None:
    # 2.7 TB * k over these links and at 1350 GB/h: whole minutes, so the RTO can equal it.
    text = client_text(2700 * k, mbps, 1350, standby, True)
    pms = estimate(load_text(text))["pms"]
    minutes = pms.total * 60
    assert minutes.denominator == 1
    met = load_text(with_change("rto: 72h", f"rto: {minutes}min", text))
    assert estimates(met)["site-loss"].verdict("pms") == "meets"
    found = check(met, SourceMap(), F, TODAY)
    assert [f for f in found if f.code == "rto-unachievable" and f.scenario == "site-loss"] == []
    missed = load_text(with_change("rto: 72h", f"rto: {minutes - 1}min", text))
    assert estimates(missed)["site-loss"].verdict("pms") == "misses"
    found = check(missed, SourceMap(), F, TODAY)
    assert [f.scenario for f in found if f.code == "rto-unachievable"][:1] == ["site-loss"]


# ------------------------------------------------------------------ pages


def test_an_unknown_restore_time_is_never_printed_as_zero(tiny_site: TinyProject) -> None:
    from conftest import read_page

    text = with_change("  restore_rate: 400 GB/h\n", "")
    tiny_site.client(with_change("  validation: 2h\n", "", text))
    run = tiny_site.tripod("build")
    assert run.code == 0, run.err
    current = tiny_site.root / "site" / "clients" / "acme" / "current"
    dr = read_page((current / "disaster-recovery" / "index.html").read_text("utf-8")).text
    # 48 h + 4.7 h + 6 h, the restore not estimated and no validation agreed.
    assert "Practice server 48 h 4.7 h not estimated 6 h none agreed at least 58.7 h" in dr
    assert "not determined" in dr
    runbook = read_page((current / "runbook" / "index.html").read_text("utf-8")).text
    assert "Practice server: back in at least 58.7 h" in runbook
    assert "Hosted mail: not affected by loss of the site" in runbook


def test_the_changes_since_terms_without_scenarios_name_them(tiny: TinyProject) -> None:
    from generator.terms.changelog import changelog

    tiny.client()
    old = json.loads(tiny.issue_terms())
    del old["scenarios"]  # as issued before scenarios existed
    tiny.client(with_scenarios("    ransomware:\n      investigation: 2d\n"))
    new = TermsRecord(tiny.issue_terms(version=2), loaded_provider(tiny))
    assert changelog(old, new.data) == [
        "Disaster recovery, ransomware: investigation time set to 2 d",
        "Recovery is now agreed for server failure, ransomware and loss of a cloud account, "
        "as well as loss of the site",
    ]


def loaded_provider(tiny: TinyProject) -> Provider:
    from generator.format.load import load_provider

    provider = load_provider(tiny.root / "provider.yaml", "provider.yaml", tiny.root).model
    assert provider is not None
    return provider


def test_an_estimate_of_unknown_phases_only_is_never_zero_hours() -> None:
    phases = (
        Phase("restore", Fraction(0), "unknown"),
        Phase("validation", Fraction(0), "none agreed"),
    )
    est = Estimate("mail", 0, "cloud-account-loss", "estimated", phases)
    assert est.total == 0 and est.lower_bound
    assert est.total_shown == "not estimated"
    assert est.total_words == "not estimated (restore time unknown)"
    known = Estimate("pms", 0, "site-loss", "estimated", (Phase("hardware", Fraction(48)), *phases))
    assert known.total_shown == "at least 48 h"
    assert known.total_words == "at least 48 h (restore time not estimated)"
    exact = Estimate.of("pms", 0, hardware=Fraction(48), restore=Fraction(3, 2))
    assert exact.total_shown == exact.total_words == "49.5 h"
