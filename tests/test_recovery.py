"""The recovery-time estimate after loss of the site (SPEC, "Scenarios and estimated
recovery time"); the other scenarios are in test_scenarios.py."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import TinyProject, with_change
from generator.format.load import load_client
from generator.format.model import Client
from generator.rules.recovery import Phase, estimate, recovery_order

# Figures used below. At 100 Mbps, 1 GB (8e9 bit) takes 80 s = 1/45 h, so 450 GB
# downloads in exactly 10 h. At 450 GB/h, 450 GB restores in 1 h. Procurement 2d = 48 h.
GB_PER_HOUR_AT_100_MBPS = 45
RANK = {"critical": 0, "important": 1, "deferrable": 2}


def system(
    system_id: str, data: str, criticality: str = "critical", hosting: str = "on-premises"
) -> dict[str, Any]:
    return {
        "id": system_id,
        "name": system_id.title(),
        "data": data,
        "criticality": criticality,
        "hosting": hosting,
    }


def backup(backup_id: str, *systems: str, offsite: bool = True) -> dict[str, Any]:
    copies: tuple[dict[str, Any], ...] = ({"where": "local", "location": "NAS"},)
    if offsite:
        copies += ({"where": "offsite", "location": "Object storage", "immutable": True},)
    return {
        "id": backup_id,
        "systems": systems,
        "method": "image",
        "every": "4h",
        "retention": "30d",
        "copies": copies,
        "encrypted": True,
    }


def dr(**changes: Any) -> dict[str, Any]:
    """DR parameters: procurement 48 h, 100 Mbps, 450 GB/h, network 6 h, validation 2 h."""
    base: dict[str, Any] = {
        "recovery_site": "Provider data centre",
        "hardware": {"procurement": "2d", "standby": False},
        "download_bandwidth": "100 Mbps",
        "restore_rate": "450 GB/h",
        "network_reconfiguration": "6h",
        "validation": "2h",
        "invocation": {"client": "maria", "provider": "Service desk lead"},
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def client(
    systems: tuple[dict[str, Any], ...],
    backups: tuple[dict[str, Any], ...] | None = None,
    disaster_recovery: dict[str, Any] | None = None,
) -> Client:
    """A client whose systems are each backed up offsite, unless `backups` says otherwise."""
    if backups is None:
        backups = tuple(backup(f"{s['id']}-backup", s["id"]) for s in systems)
    data: dict[str, Any] = {
        "id": "acme",
        "name": "Acme",
        "legal_name": "Acme Pty Ltd",
        "contacts": ({"id": "maria", "name": "Maria Chen"},),
        "agreement": {
            "version": 1,
            "effective": "2026-11-01",
            "term": "12mo",
            "signatories": {"client": "maria"},
        },
        "systems": systems,
        "backups": backups,
    }
    if disaster_recovery is not None:
        data["disaster_recovery"] = disaster_recovery
    return Client.model_validate(data)


# ------------------------------------------------------------ one system


def test_on_premises_system_adds_every_part() -> None:
    [pms] = estimate(client((system("pms", "450 GB"),), disaster_recovery=dr())).values()
    assert (pms.system, pms.position, pms.scenario, pms.status) == (
        "pms",
        1,
        "site-loss",
        "estimated",
    )
    assert pms.phases == (
        Phase("hardware", Fraction(48)),  # procurement 2d
        Phase("download", Fraction(10)),  # 450 GB * 8 = 3.6e12 bit / 1e8 bit/s = 36 000 s = 10 h
        Phase("restore", Fraction(1)),  # 450 GB / 450 GB/h
        Phase("network", Fraction(6)),
        Phase("validation", Fraction(2)),
    )
    assert pms.total == 67  # 48 + 10 + 1 + 6 + 2
    assert not pms.lower_bound
    assert pms.recoverable and pms.reason is None
    assert pms.after == ()
    assert list(pms.parts().items()) == [  # every phase, in order, 0 where it does not apply
        ("investigation", 0),
        ("hardware", 48),
        ("provisioning", 0),
        ("download", 10),
        ("restore", 1),
        ("network", 6),
        ("validation", 2),
    ]


def test_standby_hardware_takes_no_procurement_time() -> None:
    disaster_recovery = dr(hardware={"procurement": "2d", "standby": True})
    pms = estimate(client((system("pms", "450 GB"),), disaster_recovery=disaster_recovery))["pms"]
    assert pms.hardware == 0
    assert pms.total == 19  # 0 + 10 + 1 + 6 + 2


def test_restore_rate_and_validation_are_optional() -> None:
    disaster_recovery = dr(restore_rate=None, validation=None)
    pms = estimate(client((system("pms", "450 GB"),), disaster_recovery=disaster_recovery))["pms"]
    assert (pms.restore, pms.validation) == (0, 0)
    assert pms.total == 64  # 48 + 10 + 6: a lower bound, the restore time being unknown
    # Unknown is not zero: the restore is unknown, the validation none agreed.
    assert pms.phase("restore") == Phase("restore", Fraction(0), "unknown")
    assert pms.phase("validation") == Phase("validation", Fraction(0), "none agreed")
    assert pms.lower_bound and pms.unknown == ("restore",)
    assert pms.none_agreed == ("validation",)


def test_restore_and_download_use_decimal_units() -> None:
    disaster_recovery = dr(download_bandwidth="1 Gbps", restore_rate="100 MB/s")
    pms = estimate(client((system("pms", "2 TB"),), disaster_recovery=disaster_recovery))["pms"]
    # 2e12 B * 8 = 1.6e13 bit / 1e9 bit/s = 16 000 s = 40/9 h
    assert pms.download == Fraction(40, 9)
    # 2e12 B / 1e8 B/s = 20 000 s = 50/9 h
    assert pms.restore == Fraction(50, 9)
    assert pms.total == 48 + Fraction(40, 9) + Fraction(50, 9) + 6 + 2  # 66 h


def test_loss_of_the_site_does_not_affect_a_cloud_system() -> None:
    c = client((system("mail", "90 GB", hosting="cloud"),), disaster_recovery=dr())
    mail = estimate(c)["mail"]
    assert (mail.status, mail.affected, mail.recoverable) == ("not affected", False, False)
    assert mail.phases == ()


def test_cloud_system_needs_no_hardware_and_no_link() -> None:
    c = client((system("mail", "90 GB", hosting="cloud"),), disaster_recovery=dr())
    mail = estimate(c, "cloud-account-loss")["mail"]
    # 90 GB / 450 GB/h = 0.2 h restore, + 2 h validation; nothing else
    assert mail.phases == (Phase("restore", Fraction(1, 5)), Phase("validation", Fraction(2)))
    assert mail.total == Fraction(11, 5)


def test_cloud_system_without_restore_rate_or_validation_takes_no_time() -> None:
    disaster_recovery = dr(restore_rate=None, validation=None)
    mail = estimate(
        client((system("mail", "90 GB", hosting="cloud"),), disaster_recovery=disaster_recovery),
        "cloud-account-loss",
    )["mail"]
    assert mail.total == 0
    assert mail.recoverable
    # ...but never reads as instant: the restore is unknown, the total a lower bound.
    assert mail.lower_bound


def test_the_base_client_from_a_file(tiny: TinyProject) -> None:
    path = tiny.client()
    loaded = load_client(path, "clients/acme.yaml", None)
    assert loaded.model is not None, loaded.findings
    result = estimate(loaded.model)
    assert list(result) == ["pms", "mail"]
    # pms: 48 h + 420e9*8/200e6 = 16 800 s = 14/3 h + 420/400 = 21/20 h + 6 h + 2 h
    assert result["pms"].download == Fraction(14, 3)
    assert result["pms"].restore == Fraction(21, 20)
    assert result["pms"].total == Fraction(3703, 60)  # 61.7 h, within the RTO of 72 h
    # mail (cloud) is not touched by loss of the site; if its account is lost: 60 / 400 = 3/20 h + 2 h
    assert not result["mail"].affected
    assert estimate(loaded.model, "cloud-account-loss")["mail"].total == Fraction(43, 20)


def test_standby_read_from_a_file(tiny: TinyProject) -> None:
    path = tiny.client(with_change("standby: false", "standby: true"))
    loaded = load_client(path, "clients/acme.yaml", None)
    assert loaded.model is not None, loaded.findings
    # 3703/60 - 48 = 823/60 h
    assert estimate(loaded.model)["pms"].total == Fraction(823, 60)


# ------------------------------------------------------------ the shared link


def three_systems(**changes: Any) -> Client:
    return client(
        (
            system("pms", "450 GB", "critical"),
            system("mail", "90 GB", "important", "cloud"),
            system("files", "900 GB", "deferrable"),
        ),
        disaster_recovery=dr(**changes),
    )


def test_second_on_premises_download_includes_the_first() -> None:
    result = estimate(three_systems())
    assert list(result) == ["pms", "mail", "files"]
    assert [e.position for e in result.values()] == [1, 2, 3]
    # pms: 450 GB = 10 h of download
    assert result["pms"].download == 10
    assert result["pms"].total == 67  # 48 + 10 + 1 + 6 + 2
    # mail, in between, is cloud: not affected, and not on the link
    assert not result["mail"].affected
    # files: (450 + 900) GB / 45 GB/h = 30 h on the link (mail's 90 GB not counted)
    assert result["files"].download == 30
    assert result["files"].after == ("pms",)
    # 48 + 30 + 900/450 = 2 + 6 + 2
    assert result["files"].total == 88


def test_hardware_is_waited_for_once_not_per_system() -> None:
    result = estimate(three_systems())
    assert result["pms"].hardware == result["files"].hardware == 48
    assert result["files"].total - result["pms"].total == 21  # (30 - 10) + (2 - 1)


def test_third_on_premises_system_waits_for_both() -> None:
    c = client(
        (system("a", "45 GB"), system("b", "90 GB"), system("c", "135 GB")),
        disaster_recovery=dr(restore_rate=None, validation=None),
    )
    result = estimate(c)
    assert [result[s].download for s in "abc"] == [1, 3, 6]  # 45/45; (45+90)/45; (45+90+135)/45
    assert result["c"].after == ("a", "b")
    assert result["c"].total == 60  # 48 + 6 + 0 + 6 + 0


def test_explicit_order_changes_who_waits() -> None:
    result = estimate(three_systems(recovery_order=("files", "pms")))
    assert list(result) == ["files", "pms", "mail"]
    assert result["files"].download == 20  # 900 / 45
    assert result["pms"].download == 30  # (900 + 450) / 45
    assert result["pms"].after == ("files",)
    assert result["pms"].position == 2
    assert result["mail"].position == 3
    assert result["files"].total == 78  # 48 + 20 + 2 + 6 + 2
    assert result["pms"].total == 87  # 48 + 30 + 1 + 6 + 2


def test_faster_link_shortens_only_downloads() -> None:
    result = estimate(three_systems(download_bandwidth="1 Gbps"))
    # 10x the speed: 1 h and 3 h on the link
    assert result["pms"].download == 1
    assert result["files"].download == 3
    assert result["pms"].total == 58  # 48 + 1 + 1 + 6 + 2
    assert result["files"].total == 61  # 48 + 3 + 2 + 6 + 2


# ------------------------------------------------------------ the order


def test_default_order_is_criticality_then_file_order() -> None:
    c = client(
        (
            system("cctv", "1 TB", "deferrable"),
            system("wiki", "1 GB", "important", "cloud"),
            system("pms", "1 GB", "critical"),
            system("xray", "1 GB", "critical"),
            system("crm", "1 GB", "important"),
        ),
        disaster_recovery=dr(),
    )
    assert recovery_order(c) == ["pms", "xray", "wiki", "crm", "cctv"]
    result = estimate(c)
    assert list(result) == ["pms", "xray", "wiki", "crm", "cctv"]
    assert [result[s].position for s in result] == [1, 2, 3, 4, 5]
    assert result["cctv"].after == ("pms", "xray", "crm")


def test_default_order_without_disaster_recovery_section() -> None:
    c = client((system("cctv", "1 TB", "deferrable"), system("pms", "1 GB", "critical")))
    assert recovery_order(c) == ["pms", "cctv"]


def test_listed_systems_come_first_then_the_others_by_criticality() -> None:
    c = client(
        (
            system("cctv", "1 TB", "deferrable"),
            system("pms", "1 GB", "critical"),
            system("crm", "1 GB", "important"),
            system("xray", "1 GB", "critical"),
        ),
        disaster_recovery=dr(recovery_order=("crm", "cctv")),
    )
    assert recovery_order(c) == ["crm", "cctv", "pms", "xray"]
    assert list(estimate(c)) == ["crm", "cctv", "pms", "xray"]


def test_systems_without_backup_are_not_in_the_order() -> None:
    c = client(
        (system("pms", "1 GB"), system("legacy", "1 GB")),
        backups=(backup("pms-image", "pms"),),
        disaster_recovery=dr(),
    )
    assert recovery_order(c) == ["pms"]
    assert list(estimate(c)) == ["pms"]  # no objective for legacy either


# ------------------------------------------------------------ unrecoverable


def test_system_without_backup_is_unrecoverable() -> None:
    c = client(
        (system("pms", "450 GB"), system("legacy", "450 GB")),
        backups=(backup("pms-image", "pms"),),
        disaster_recovery=dr(
            objectives=(
                {"system": "pms", "rto": "72h", "rpo": "4h"},
                {"system": "legacy", "rto": "72h", "rpo": "4h"},
            )
        ),
    )
    result = estimate(c)
    assert list(result) == ["pms", "legacy"]
    legacy = result["legacy"]
    assert legacy.recoverable is False
    assert legacy.reason is not None and "no backup" in legacy.reason
    assert legacy.position == 2
    assert legacy.total == 0
    assert result["pms"].total == 67  # unaffected: 48 + 10 + 1 + 6 + 2


def test_on_premises_system_without_offsite_copy_is_unrecoverable() -> None:
    c = client(
        (system("nas", "900 GB"), system("pms", "450 GB", "important")),
        backups=(backup("nas-local", "nas", offsite=False), backup("pms-image", "pms")),
        disaster_recovery=dr(),
    )
    result = estimate(c)
    assert list(result) == ["nas", "pms"]
    nas = result["nas"]
    assert nas.recoverable is False
    assert nas.status == "no surviving copy"
    assert nas.reason == "no copy of it survives loss of the site"
    assert nas.total == 0
    # Nothing of nas can be downloaded: pms has the link to itself, 450 / 45 = 10 h.
    assert result["pms"].download == 10
    assert result["pms"].after == ()
    assert result["pms"].recoverable


def test_local_and_offsite_backups_together_make_it_recoverable() -> None:
    c = client(
        (system("pms", "450 GB"),),
        backups=(backup("pms-local", "pms", offsite=False), backup("pms-cloud", "pms")),
        disaster_recovery=dr(),
    )
    pms = estimate(c)["pms"]
    assert pms.recoverable and pms.total == 67


def test_cloud_system_with_no_backup_is_unrecoverable() -> None:
    c = client(
        (system("mail", "90 GB", hosting="cloud"),),
        backups=(),
        disaster_recovery=dr(objectives=({"system": "mail", "rto": "8h", "rpo": "24h"},)),
    )
    mail = estimate(c, "ransomware")["mail"]
    assert (mail.recoverable, mail.status) == (False, "no backup")
    assert mail.reason is not None and "no backup" in mail.reason
    assert not estimate(c)["mail"].affected  # loss of the site does not touch it


def test_no_disaster_recovery_section_no_estimate() -> None:
    c = client((system("pms", "450 GB"), system("mail", "90 GB", hosting="cloud")))
    assert c.disaster_recovery is None
    assert estimate(c) == {}


# ------------------------------------------------------------ properties

SYSTEMS = st.lists(
    st.tuples(
        st.integers(1, 5000),  # GB (a system with no data is refused)
        st.sampled_from(["critical", "important", "deferrable"]),
        st.sampled_from(["on-premises", "cloud"]),
    ),
    min_size=1,
    max_size=6,
)


def build(
    specs: list[tuple[int, str, str]],
    mbps: int,
    standby: bool,
    rate: int | None,
    explicit: tuple[str, ...] | None,
) -> Client:
    systems = tuple(
        system(f"s{i}", f"{gb} GB", criticality, hosting)
        for i, (gb, criticality, hosting) in enumerate(specs)
    )
    return client(
        systems,
        disaster_recovery=dr(
            hardware={"procurement": "2d", "standby": standby},
            download_bandwidth=f"{mbps} Mbps",
            restore_rate=f"{rate} GB/h" if rate else None,
            recovery_order=explicit,
        ),
    )


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[Any, ...]:
    specs = draw(SYSTEMS)
    ids = [f"s{i}" for i in range(len(specs))]
    explicit = draw(
        st.one_of(
            st.none(),
            st.permutations(ids).flatmap(
                lambda p: st.integers(0, len(p)).map(lambda n: tuple(p[:n]))
            ),
        )
    )
    return (
        specs,
        draw(st.integers(1, 10_000)),
        draw(st.booleans()),
        draw(st.one_of(st.none(), st.integers(1, 2000))),
        explicit,
    )


def hand_order(specs: list[tuple[int, str, str]], explicit: tuple[str, ...] | None) -> list[str]:
    listed = list(explicit or ())
    rest = [i for i in range(len(specs)) if f"s{i}" not in listed]
    rest.sort(key=lambda i: (RANK[specs[i][1]], i))
    return listed + [f"s{i}" for i in rest]


@settings(max_examples=80, deadline=None)
@given(scenarios())
def test_every_estimate_equals_the_hand_formula(scenario: tuple[Any, ...]) -> None:
    specs, mbps, standby, rate, explicit = scenario
    result = estimate(build(specs, mbps, standby, rate, explicit))
    order = hand_order(specs, explicit)
    assert list(result) == order
    assert recovery_order(build(specs, mbps, standby, rate, explicit)) == order
    on_link = 0  # GB downloaded so far, this system's included
    for position, system_id in enumerate(order, start=1):
        gb, _, hosting = specs[int(system_id[1:])]
        got = result[system_id]
        assert got.position == position
        restore = Fraction(gb, rate) if rate else 0
        if hosting == "cloud":  # loss of the site does not touch it
            assert not got.affected
            continue
        assert got.recoverable
        assert got.lower_bound == (rate is None)
        on_link += gb
        # GB * 8e9 bit / (Mbps * 1e6 bit/s) / 3600 s/h = GB * 8000 / (Mbps * 3600) h
        download = Fraction(on_link * 8000, mbps * 3600)
        hardware = 0 if standby else 48
        assert got.download == download
        assert got.total == hardware + download + restore + 6 + 2


@settings(max_examples=60, deadline=None)
@given(scenarios(), st.data())
def test_more_data_never_shortens_a_later_on_premises_estimate(
    scenario: tuple[Any, ...], data: st.DataObject
) -> None:
    specs, mbps, standby, rate, explicit = scenario
    index = data.draw(st.integers(0, len(specs) - 1))
    extra = data.draw(st.integers(1, 5000))
    grown = list(specs)
    grown[index] = (specs[index][0] + extra, specs[index][1], specs[index][2])
    before = estimate(build(specs, mbps, standby, rate, explicit))
    after = estimate(build(grown, mbps, standby, rate, explicit))
    order = hand_order(specs, explicit)
    changed = f"s{index}"
    grown_is_on_premises = specs[index][2] == "on-premises"
    for system_id in order[order.index(changed) + 1 :]:
        if specs[int(system_id[1:])][2] == "on-premises" and grown_is_on_premises:
            # it waits for the extra data on the shared link
            assert after[system_id].total > before[system_id].total
        else:
            assert after[system_id].total == before[system_id].total
    for system_id in order[: order.index(changed)]:
        assert after[system_id].total == before[system_id].total
    assert after[changed].total >= before[changed].total


@settings(max_examples=60, deadline=None)
@given(scenarios(), st.integers(1, 10_000))
def test_more_bandwidth_never_lengthens_an_estimate(scenario: tuple[Any, ...], more: int) -> None:
    specs, mbps, standby, rate, explicit = scenario
    before = estimate(build(specs, mbps, standby, rate, explicit))
    after = estimate(build(specs, mbps + more, standby, rate, explicit))
    assert list(after) == list(before)
    for system_id, old in before.items():
        assert after[system_id].total <= old.total
        assert after[system_id].total - after[system_id].download == old.total - old.download
