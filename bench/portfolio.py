"""A synthetic, seeded portfolio of client files for the benchmark.

Clients vary in size (1 to 9 systems), hosting, backups, objectives and
issued versions, and every one passes `tripod check` without errors, so a
build does the full work for each.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
KINDS = ("Dental", "Legal", "Accounting", "Engineering", "Medical", "Logistics", "Design", "Retail")
SYSTEMS = (
    ("File server", "on-premises"),
    ("Practice database", "on-premises"),
    ("ERP server", "on-premises"),
    ("CAD file store", "on-premises"),
    ("Microsoft 365", "cloud"),
    ("Accounting (cloud)", "cloud"),
    ("CRM (cloud)", "cloud"),
    ("Phone system", "cloud"),
    ("CCTV recorder", "on-premises"),
)


def client_yaml(index: int, rng: random.Random) -> str:
    cid = f"client-{index:04d}"
    kind = rng.choice(KINDS)
    count = rng.randint(1, len(SYSTEMS))
    chosen = rng.sample(SYSTEMS, count)
    lines = [
        f"id: {cid}",
        f"name: {kind} Client {index}",
        f"legal_name: {kind} Client {index} Pty Ltd",
        "contacts:",
        f'  - {{id: owner, name: Owner {index}, role: Director, phone: "+61 2 5550 {index % 10000:04d}"}}',
        f"  - {{id: office, name: Office Manager {index}, role: Office Manager}}",
        "third_parties:",
        "  - {id: bc-co, name: Continuity Co, role: Business continuity specialist}",
        "agreement:",
        f"  version: {rng.randint(1, 3)}",
        f"  effective: 2026-{rng.randint(1, 11):02d}-01",
        "  term: 12mo",
        "  signatories: {client: owner}",
        "systems:",
    ]
    for i, (name, hosting) in enumerate(chosen):
        size = rng.choice(("40 GB", "120 GB", "400 GB", "900 GB", "1.5 TB"))
        crit = rng.choice(("critical", "important", "deferrable"))
        lines.append(
            f"  - {{id: s{i}, name: {name}, data: {size}, criticality: {crit}, hosting: {hosting}}}"
        )
    lines.append("backups:")
    for i, (_, hosting) in enumerate(chosen):
        every = rng.choice(("1h", "4h", "12h", "24h"))
        method = "saas" if hosting == "cloud" else rng.choice(("image", "file", "database"))
        lines += [
            f"  - id: b{i}",
            f"    systems: [s{i}]",
            f"    method: {method}",
            f"    every: {every}",
            "    retention: 30d",
            "    copies:",
            "      - {where: local, location: NAS}",
            "      - {where: offsite, location: Object storage, immutable: true}",
            "    encrypted: true",
            "    restore_test: {every: 90d, last: 2026-10-01}",
        ]
    lines += [
        "disaster_recovery:",
        "  recovery_site: Provider data centre",
        f"  hardware: {{procurement: {rng.choice(('1d', '2d', '3d'))}, standby: {rng.choice(('true', 'false'))}}}",
        f"  download_bandwidth: {rng.choice(('500 Mbps', '1 Gbps'))}",
        "  restore_rate: 500 GB/h",
        "  network_reconfiguration: 4h",
        "  validation: 2h",
        "  objectives:",
    ]
    for i, _ in enumerate(chosen):
        lines.append(f"    - {{system: s{i}, rto: 30d, rpo: 24h}}")
    lines += [
        "  invocation: {client: owner, provider: Service desk lead}",
        "  test: {every: 12mo, last: 2026-06-01}",
        "business_continuity:",
        "  owner: owner",
        "  specialist: bc-co",
        "  alternate_workplace: Staff work from home",
        "  staff_access: Laptops and the cloud systems",
        "  communications: SMS call tree",
        "  plan_reviewed: 2026-05-01",
        "exclusions:",
        "  - Staff personal devices are not backed up.",
    ]
    return "\n".join(lines) + "\n"


def write_portfolio(root: Path, count: int, seed: int = 1) -> list[str]:
    """A scratch project at `root` with `count` clients; returns their ids."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "provider.yaml", root / "provider.yaml")
    shutil.copytree(REPO / "certs", root / "certs", dirs_exist_ok=True)
    clients = root / "clients"
    clients.mkdir(exist_ok=True)
    ids = []
    for index in range(count):
        text = client_yaml(index, rng)
        cid = text.split("\n", 1)[0].split(": ", 1)[1]
        (clients / f"{cid}.yaml").write_text(text, "utf-8")
        ids.append(cid)
    return ids


def issue_versions(root: Path, today: object, share: float = 0.5, seed: int = 2) -> int:
    """Archives the current terms as an issued version (terms only) for a share of the clients."""
    from generator.format.load import load_client, load_provider
    from generator.project.layout import Project
    from generator.terms import canonical as terms

    rng = random.Random(seed)
    project = Project.at(root)
    provider = load_provider(root / "provider.yaml", "provider.yaml", root).model
    assert provider is not None
    fingerprint = project.template_fingerprint()
    issued = 0
    for path in sorted((root / "clients").glob("*.yaml")):
        if rng.random() >= share:
            continue
        client = load_client(path, path.name, today).model
        assert client is not None, path
        for version in range(1, client.agreement.version):
            folder = root / "agreements" / client.id / f"v{version}"
            folder.mkdir(parents=True, exist_ok=True)
            data = terms.terms_of(client, provider, fingerprint)
            data["client"]["agreement"]["version"] = version
            (folder / "terms.json").write_bytes(terms.canonical(data))
            issued += 1
    return issued


def write_evidence(root: Path, ids: list[str], today: object, days: int = 365) -> int:
    """A year of daily runs of every backup of every client (each proving every copy,
    sized as declared), as `tripod import` would have kept them; returns the record count."""
    import datetime as dt

    from generator.evidence import store
    from generator.evidence.records import Run
    from generator.format.load import load_client

    assert isinstance(today, dt.date)
    end = dt.datetime.combine(today, dt.time(2), dt.UTC)
    count = 0
    for cid in ids:
        client = load_client(root / "clients" / f"{cid}.yaml", cid, today).model
        assert client is not None
        sizes = {s.id: int(s.data.bytes) for s in client.systems}
        for backup in client.backups:
            size = sum(sizes[s] for s in backup.systems)
            runs = [
                Run(
                    "restic",
                    f"s3:backups/{cid}",
                    f"{cid}-{backup.id}-{day:04d}",
                    end - dt.timedelta(days=day),
                    end - dt.timedelta(days=day) + dt.timedelta(minutes=40),
                    "success",
                    size,
                )
                for day in range(days)
            ]
            store.write(store.backup_file(root, cid, backup.id), runs)
            count += len(runs)
    return count


def export_csv(path: Path, runs: int, today: object) -> None:
    """A generic CSV export of `runs` hourly runs ending on `today`."""
    import datetime as dt

    assert isinstance(today, dt.date)
    end = dt.datetime.combine(today, dt.time(0), dt.UTC)
    rows = ["start,end,status,bytes,id"]
    for i in range(runs):
        start = end - dt.timedelta(hours=i + 1)
        finish = start + dt.timedelta(minutes=20)
        rows.append(f"{start.isoformat()},{finish.isoformat()},success,{10**9 + i},run-{i}")
    path.write_text("\n".join(rows) + "\n", "utf-8")
