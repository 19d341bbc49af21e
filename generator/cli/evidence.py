"""`tripod import` and `tripod record-test`: what the backups actually did, into the
evidence files beside the client files (see the SPEC's "Evidence")."""

from __future__ import annotations

import hashlib
from pathlib import Path

import click

from generator.cli import common
from generator.errors import UsageError
from generator.evidence import importing, store
from generator.evidence.formats import NAMES, parser
from generator.evidence.records import DrTest, EvidenceFile, RestoreTest
from generator.format import units
from generator.format.model import SCENARIOS, Backup, Client, Provider
from generator.project.layout import Project


def _client(ctx: click.Context, client_id: str) -> tuple[Project, Provider, Client]:
    """The project, the provider and the loadable client; a usage error, listing the
    clients there are, for one that is not."""
    from generator.format.load import load_client, load_provider

    project = common.project(ctx)
    known = sorted(p.name.rsplit(".", 1)[0] for p in project.client_files())
    if client_id not in known:
        listed = ", ".join(known) if known else "none yet"
        raise UsageError(f"no client {client_id!r}; the clients are: {listed}")
    provider = load_provider(project.provider_file, "provider.yaml", project.root).model
    if provider is None:
        raise UsageError("provider.yaml cannot be loaded: run tripod check")
    (path,) = project.client_files((client_id,))
    client = load_client(path, project.display(path), None).model
    if client is None:
        raise UsageError(f"{project.display(path)} cannot be loaded: run tripod check {client_id}")
    return project, provider, client


def _backup(client: Client, backup_id: str) -> Backup:
    for backup in client.backups:
        if backup.id == backup_id:
            return backup
    listed = ", ".join(b.id for b in client.backups) or "none"
    raise UsageError(f"{client.id} has no backup {backup_id!r}; its backups are: {listed}")


def _copy(backup: Backup, copy: str | None) -> str | None:
    """--copy as given, if it names a copy of the backup by where or by position."""
    if copy is None:
        return None
    wheres = {c.where for c in backup.copies}
    if copy in wheres or (copy.isdigit() and 1 <= int(copy) <= len(backup.copies)):
        return copy
    raise UsageError(
        f"--copy {copy!r} names no copy of {backup.id}: give where it is kept "
        f"({' or '.join(sorted(wheres))}) or its position (1 to {len(backup.copies)})"
    )


@click.command("import")
@click.argument("format_", metavar="FORMAT", type=click.Choice(NAMES))
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--client", "client_id", required=True, metavar="ID", help="The client.")
@click.option("--backup", "backup_id", required=True, metavar="ID", help="Its backup.")
@click.option(
    "--copy",
    metavar="C",
    help="The copy the runs prove, by where it is kept (local, offsite) or its position "
    "(1, 2...); without it, every copy of the backup.",
)
@click.option(
    "--timezone",
    "zone",
    metavar="TZ",
    help="The time zone of times written without one (borg's, a spreadsheet's); default "
    "the provider's.",
)
@click.option(
    "--repository",
    metavar="NAME",
    help="Where the runs are stored, for exports that do not say (restic's, a CSV's).",
)
@common.TODAY_OPTION
@common.NOW_OPTION
@click.pass_context
def import_command(
    ctx: click.Context,
    format_: str,
    file: Path,
    client_id: str,
    backup_id: str,
    copy: str | None,
    zone: str | None,
    repository: str | None,
    today: str | None,
    now: str | None,
) -> None:
    """Import FILE, a backup tool's export in FORMAT, as runs of a client's backup.

    FORMAT: restic (`restic snapshots --json`), borg (`borg list --json` or
    `borg info --json`), kopia (`kopia snapshot list --json`), pbs (Proxmox Backup
    Server's snapshot list as JSON), veeam (backup sessions exported from
    PowerShell as CSV or JSON), csv (the generic layout of docs/evidence.md).

    The runs are merged into evidence/CLIENT/BACKUP.jsonl: importing the same
    export twice adds nothing. An export with anything wrong in it is refused
    whole, and nothing is written. Exit 0, 1 when the export is refused, 2 on
    usage errors.
    """
    project, provider, client = _client(ctx, client_id)
    backup = _backup(client, backup_id)
    if backup.id == store.DR_TESTS:
        raise UsageError(f"a backup may not be called {store.DR_TESTS!r}: rename it to import")
    try:
        where = importing.zone(zone or provider.timezone)
    except ValueError as e:
        raise UsageError(f"--timezone: {e}") from None
    options = importing.Options(
        now=common.moment(today, now, provider.timezone),
        zone=where,
        zone_given=zone is not None,
        repository=repository,
        copy=_copy(backup, copy),
    )
    try:
        data = file.read_bytes()
    except OSError as e:
        raise UsageError(f"{file} cannot be read: {e.strerror}") from None
    path = store.backup_file(project.root, client.id, backup.id)
    done = importing.import_runs(
        parser(format_), data, str(file), options, path, project.display(path)
    )
    common.echo(
        f"{done.file}: {common.plural(done.read, 'run')} read, {done.added} new, {done.total} kept"
    )


@click.command("record-test")
@click.argument("client_id", metavar="CLIENT")
@click.option("--backup", "backup_id", metavar="ID", help="The backup restored from.")
@click.option("--system", "system_id", metavar="ID", help="The system restored.")
@click.option("--result", type=click.Choice(["passed", "failed"]), help="How it went.")
@click.option("--duration", metavar="DURATION", help="How long the restore took, such as 2h.")
@click.option("--note", metavar="TEXT", help="What was restored, what went wrong.")
@click.option(
    "--evidence",
    "evidence_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="A file that shows it (a screenshot, a report): only its name and SHA-256 are kept.",
)
@click.option("--date", "date_text", metavar="YYYY-MM-DD", help="When (default: today).")
@click.option("--dr", is_flag=True, help="A DR test (with --scenario and --measured).")
@click.option("--scenario", type=click.Choice(SCENARIOS), help="The DR test's scenario.")
@click.option(
    "--measured",
    metavar="SYSTEM=DURATION",
    multiple=True,
    help="A DR test's measured time for one system, such as pms=30h (repeat it).",
)
@click.pass_context
def record_test_command(
    ctx: click.Context,
    client_id: str,
    backup_id: str | None,
    system_id: str | None,
    result: str | None,
    duration: str | None,
    note: str | None,
    evidence_file: Path | None,
    date_text: str | None,
    dr: bool,
    scenario: str | None,
    measured: tuple[str, ...],
) -> None:
    """Record a restore test (or, with --dr, a DR test) of CLIENT by hand.

    A restore test: --backup, --system, --result and, where measured,
    --duration; a DR test: --dr --scenario NAME --measured SYSTEM=30h .... It is
    kept in the same evidence files as imported runs. Exit 0, 2 on usage errors.
    """
    project, _, client = _client(ctx, client_id)
    date = common.today(date_text)
    systems = {s.id for s in client.systems}
    if dr:
        if scenario is None or not measured:
            raise UsageError("a DR test needs --scenario and at least one --measured SYSTEM=TIME")
        times: dict[str, str] = {}
        for item in measured:
            system, sep, value = item.partition("=")
            if not sep or system not in systems:
                raise UsageError(
                    f"--measured {item!r}: write SYSTEM=DURATION with one of {', '.join(sorted(systems))}"
                )
            times[system] = _duration(value, f"--measured {item!r}")
        path = store.dr_file(project.root, client.id)
        shown = project.display(path)
        kept = store.read(path, shown)
        store.write(path, [*kept, DrTest(date, scenario, times)])
        common.echo(f"{shown}: DR test of {date} recorded")
        return
    if backup_id is None or system_id is None or result is None:
        raise UsageError("a restore test needs --backup, --system and --result (or --dr)")
    backup = _backup(client, backup_id)
    if system_id not in backup.systems:
        raise UsageError(
            f"{backup.id} does not back up {system_id!r}; it backs up {', '.join(backup.systems)}"
        )
    proof = None
    if evidence_file is not None:
        digest = hashlib.sha256(evidence_file.read_bytes()).hexdigest()
        proof = EvidenceFile(evidence_file.name, digest)
    test = RestoreTest(
        date,
        system_id,
        "passed" if result == "passed" else "failed",
        None if duration is None else _duration(duration, "--duration"),
        note,
        proof,
    )
    path = store.backup_file(project.root, client.id, backup.id)
    shown = project.display(path)
    kept = store.read(path, shown)
    store.write(path, [*kept, test])
    common.echo(f"{shown}: restore test of {date} recorded ({result})")


def _duration(text: str, option: str) -> str:
    try:
        units.parse_duration(text)
    except units.UnitError as e:
        raise UsageError(f"{option}: {e}") from None
    return text.strip()
