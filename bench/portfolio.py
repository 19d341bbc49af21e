"""A synthetic, seeded portfolio of client files for the benchmark.

Clients vary in size (1 to 9 systems), hosting, backups, objectives and
issued versions, and every one passes `tripod check` without errors, so a
build does the full work for each.
"""

from __future__ import annotations

import datetime as dt
import json
import os
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


def write_portfolio(root: Path, count: int, seed: int = 1, varied: bool = False) -> list[str]:
    """A scratch project at `root` with `count` clients; returns their ids. `varied`:
    with the states of `plan_states` in their files (then `add_states`, with the same
    seed, adds their issued versions and evidence)."""
    rng = random.Random(seed)
    states = plan_states(count, seed) if varied else []
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "provider.yaml", root / "provider.yaml")
    shutil.copytree(REPO / "certs", root / "certs", dirs_exist_ok=True)
    clients = root / "clients"
    clients.mkdir(exist_ok=True)
    ids = []
    for index in range(count):
        text = varied_yaml(index, rng, states[index]) if varied else client_yaml(index, rng)
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


# ------------------------------------------------------------------ a varied portfolio
#
# `write_portfolio(root, count, varied=True)` then `add_states(root, ids, today)`:
# the same clients, but with the states a provider's dashboard must show, in set
# shares of the portfolio (each state on round(share * count) clients, chosen by a
# seeded generator, so the same seed always gives the same portfolio). States in
# one group exclude each other; the others fall where they fall.

AGREEMENT_STATES = {"ended": 0.05, "ending": 0.05, "awaiting": 0.05, "in-force": 0.55}
"""The agreement's issued versions: the rest of the clients have none (a draft)."""
EVIDENCE_STATES = {"no-evidence": 0.05, "stale": 0.04, "failing": 0.04}
"""What the backups did: the rest have a good run every day."""
OTHER_STATES = {
    "bc-down": 0.05,  # business continuity not standing: no owner, or no staff access
    "backup-down": 0.03,  # backup not standing: a system with no backup, or no offsite copy
    "accepted": 0.10,  # an RTO too short to meet, accepted by the client
    "overdue": 0.10,  # a restore test, a DR test or a BC review overdue
    "long-name": 0.03,  # a name of 80+ characters
    "odd-name": 0.03,  # a name with HTML and Markdown's special characters
}
LONG_NAMES = (
    "The Very Long-Named Regional Association of Independent Veterinary Practitioners "
    "and Animal Hospitals of Greater Western Sydney",
    "Northern Beaches Community Physiotherapy, Sports Medicine and Rehabilitation "
    "Centre Incorporated",
    "Associated Consulting Structural, Civil, Geotechnical and Environmental "
    "Engineers of New South Wales",
)
ODD_NAMES = (
    'Smith & Jones <Legal> "Partners"',
    "O'Brien *Design* | Studio [North]",
    "Lee & Lee <b>Accounting</b> [a](b)",
    "R&D | *Labs* & <script>x</script> 'Ltd'",
)


def plan_states(count: int, seed: int = 1) -> list[frozenset[str]]:
    """Each client's states (by its position in the portfolio), seeded."""
    rng = random.Random(seed * 7919 + 17)
    states: list[set[str]] = [set() for _ in range(count)]
    for group in (AGREEMENT_STATES, EVIDENCE_STATES):
        order = rng.sample(range(count), count)
        at = 0
        for state, share in group.items():
            for index in order[at : at + round(share * count)]:
                states[index].add(state)
            at += round(share * count)
    for state, share in OTHER_STATES.items():
        chosen = sorted(rng.sample(range(count), round(share * count)))
        for k, index in enumerate(chosen):
            # `state#k`: the k-th client with the state, so that its kinds alternate.
            states[index] |= {state, f"{state}#{k}"}
    return [frozenset(s) for s in states]


def _nth(states: frozenset[str], state: str) -> int:
    """Which client with `state` this is (0 for the first), for its kinds to alternate."""
    return next(int(s.split("#")[1]) for s in states if s.startswith(f"{state}#"))


def _replace(text: str, old: str, new: str) -> str:
    assert old in text, f"{old!r} is not in the generated client"
    return text.replace(old, new, 1)


def varied_yaml(index: int, rng: random.Random, states: frozenset[str]) -> str:
    """The client `client_yaml` writes (drawing the same numbers), changed for its states."""
    import re

    text = client_yaml(index, rng)
    pick = random.Random(index)  # the choices within a state, without touching `rng`
    hosting = re.findall(r"  - \{id: s(\d+), name: [^,]+, .*hosting: ([a-z-]+)\}", text)
    on_premises = [int(i) for i, where in hosting if where == "on-premises"]
    name = None
    if "long-name" in states:
        name = f"{LONG_NAMES[_nth(states, 'long-name') % len(LONG_NAMES)]} {index}"
    elif "odd-name" in states:
        name = f"{ODD_NAMES[_nth(states, 'odd-name') % len(ODD_NAMES)]} {index}"
    if name is not None:
        kind_line = re.search(r"^name: .*$", text, re.M)
        assert kind_line is not None
        text = _replace(text, kind_line[0], f"name: {json.dumps(name)}")
        legal = re.search(r"^legal_name: .*$", text, re.M)
        assert legal is not None
        text = _replace(text, legal[0], f"legal_name: {json.dumps(name + ' Pty Ltd')}")
    effective = re.search(r"^  effective: (.*)$", text, re.M)
    assert effective is not None
    month = pick.randint(3, 11)  # in force until 2027-02-28 at the earliest: no renewal due
    day = {
        "ended": f"2025-{pick.randint(1, 10):02d}-01",  # ended 2025-12-31 .. 2026-09-30
        "ending": f"2025-12-{pick.randint(1, 28):02d}",  # ends 2026-11-30 .. 2026-12-27
        "awaiting": f"2026-{pick.randint(10, 11):02d}-01",
        "in-force": f"2026-{month:02d}-01",
    }
    for state, date in day.items():
        if state in states:
            text = _replace(text, effective[0], f"  effective: {date}")
    if "bc-down" in states:
        if _nth(states, "bc-down") % 2 == 0:
            text = _replace(text, "  owner: owner\n", "")
        else:
            text = _replace(text, "  staff_access: Laptops and the cloud systems\n", "")
    if "backup-down" in states:
        if on_premises and _nth(states, "backup-down") % 2 == 0:
            # The on-premises system's backup keeps its only copy on the premises.
            s = on_premises[0]
            at = text.index(f"  - id: b{s}\n")
            end = text.index("immutable: true}\n", at) + len("immutable: true}\n")
            block = text[at:end].replace(
                "      - {where: offsite, location: Object storage, immutable: true}\n", ""
            )
            text = text[:at] + block + text[end:]
        else:
            # A system no backup covers and no exclusion names.
            text = _replace(
                text,
                "backups:\n",
                "  - {id: legacy, name: Legacy accounts PC, data: 60 GB, criticality: "
                "deferrable, hosting: on-premises}\nbackups:\n",
            )
    if "overdue" in states:
        which = _nth(states, "overdue") % 3
        if which == 0:
            text = _replace(
                text,
                "restore_test: {every: 90d, last: 2026-10-01}",
                f"restore_test: {{every: 90d, last: 2026-0{pick.randint(1, 7)}-01}}",
            )
        elif which == 1:
            text = _replace(
                text,
                "  test: {every: 12mo, last: 2026-06-01}",
                f"  test: {{every: 12mo, last: 2025-0{pick.randint(1, 9)}-01}}",
            )
        else:
            text = _replace(
                text,
                "  plan_reviewed: 2026-05-01",
                f"  plan_reviewed: 2025-0{pick.randint(1, 9)}-15",
            )
    if "accepted" in states:
        s = on_premises[0] if on_premises else 0
        text = _replace(
            text,
            f"    - {{system: s{s}, rto: 30d, rpo: 24h}}",
            f"    - {{system: s{s}, rto: 2h, rpo: 24h}}",
        )
        text = _replace(
            text,
            "exclusions:\n",
            "acknowledged:\n"
            f"  - {{check: rto-unachievable, system: s{s}, reason: The owner accepts a longer "
            "outage than the hardware allows, accepted_by: owner}\n"
            "exclusions:\n",
        )
    return text


EXAMPLE = REPO / "agreements" / "harbour-dental" / "v2"
"""An executed version signed with the example certificate (trusted by the provider file
the portfolio copies): its PDFs stand for every executed version of the portfolio."""


def _stand_in_signed(signed: dt.datetime) -> bytes:
    """A provider-signed PDF as the archive reads it: present, with a signing time. A
    real signature cannot be back-dated without the provider's key, and the lifecycle
    reads no more of the file (as in the lifecycle tests)."""
    stamp = signed.strftime("%Y%m%d%H%M%S")
    return f"%PDF-1.7\n1 0 obj << /ByteRange [0 1 2 3] /Type /Sig /M (D:{stamp}Z) >>\n".encode()


def _place(source: Path, target: Path, placed: dict[Path, Path]) -> None:
    """`source` at `target`: hard-linked to its first copy in the project where possible."""
    first = placed.get(source)
    if first is not None:
        try:
            os.link(first, target)
            return
        except OSError:
            pass
    shutil.copyfile(source, target)
    placed.setdefault(source, target)


def add_states(
    root: Path, ids: list[str], today: dt.date, seed: int = 1, days: int = 30
) -> dict[str, int]:
    """The issued versions and the evidence of a varied portfolio's states (`seed` as given
    to `write_portfolio`): executed versions (ended, ending within 60 days, in force),
    versions awaiting the client's signature (signed 5 to 90 days ago), and `days` of
    daily runs of every backup, the first backup stale (newest run 8 to 40 days old) or
    failing (its last three runs failed) where planned, none for clients without
    evidence. Returns how many clients have each state."""
    from generator.evidence import store
    from generator.evidence.records import Run
    from generator.format.load import load_client, load_provider
    from generator.project.layout import Project
    from generator.terms import archive
    from generator.terms import canonical as terms

    states = plan_states(len(ids), seed)
    provider = load_provider(root / "provider.yaml", "provider.yaml", root).model
    assert provider is not None
    fingerprint = Project.at(root).template_fingerprint()
    placed: dict[Path, Path] = {}
    end_of_day = dt.datetime.combine(today, dt.time(2), dt.UTC)
    counts: dict[str, int] = {}
    for cid, planned in zip(ids, states, strict=True):
        for state in (s for s in planned if "#" not in s):
            counts[state] = counts.get(state, 0) + 1
        client = load_client(root / "clients" / f"{cid}.yaml", cid, today).model
        assert client is not None, cid
        pick = random.Random(f"{seed}-{cid}")
        issued = planned & {"ended", "ending", "in-force", "awaiting"}
        if issued:
            folder = root / "agreements" / cid / f"v{client.agreement.version}"
            folder.mkdir(parents=True, exist_ok=True)
            data = terms.terms_of(client, provider, fingerprint)
            (folder / archive.TERMS).write_bytes(terms.canonical(data))
            if "awaiting" in planned:
                signed = end_of_day - dt.timedelta(days=pick.randint(5, 90))
                (folder / archive.SIGNED).write_bytes(_stand_in_signed(signed))
            else:
                for name in (archive.SIGNED, archive.EXECUTED):
                    _place(EXAMPLE / name, folder / name, placed)
                owner = next(c.name for c in client.contacts if c.id == "owner")
                note = {"signer": owner, "signatory": owner, "matches": True, "reason": None}
                (folder / archive.SIGNER).write_text(json.dumps(note, indent=2) + "\n")
        if "no-evidence" in planned:
            continue
        sizes = {s.id: int(s.data.bytes) for s in client.systems}
        for n, backup in enumerate(client.backups):
            size = sum(sizes[s] for s in backup.systems)
            first = n == 0
            late = pick.randint(8, 40) if first and "stale" in planned else 0
            starts = [end_of_day - dt.timedelta(days=late + day) for day in range(days)]
            runs = [
                Run(
                    "restic",
                    f"s3:backups/{cid}",
                    f"{cid}-{backup.id}-{i:04d}",
                    start,
                    start + dt.timedelta(minutes=40),
                    "success",
                    size,
                )
                for i, start in enumerate(starts)
            ]
            if first and "failing" in planned:
                runs += [
                    Run(
                        "restic",
                        f"s3:backups/{cid}",
                        f"{cid}-{backup.id}-failed-{hour}",
                        end_of_day + dt.timedelta(hours=hour),
                        end_of_day + dt.timedelta(hours=hour, minutes=5),
                        "failed",
                        None,
                    )
                    for hour in (1, 2, 3)
                ]
            store.write(store.backup_file(root, cid, backup.id), runs)
    return counts
