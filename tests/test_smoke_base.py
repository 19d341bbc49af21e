from conftest import TinyProject


def test_base_client_passes_every_check(tiny: TinyProject) -> None:
    tiny.client()
    assert tiny.lines() == []
    accepted = [f.text() for f in tiny.findings() if f.severity == "accepted"]
    assert accepted == [
        "clients/acme.yaml:46:36: accepted rpo-unachievable: Hosted mail: RPO 4 h, but after "
        "ransomware it is restored from backups made every 24 h",
        "clients/acme.yaml:46:36: accepted rpo-unachievable: Hosted mail: RPO 4 h, but if the "
        "cloud account is lost it is restored from backups made every 24 h",
    ]
