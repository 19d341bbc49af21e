"""The `tripod` command: the only package that prints or exits.

One module per group of commands (check, estimate, build, agreement, project, publish);
this one holds the group and `main`, which turns every `TripodError` into
one line and its exit code.

Exit codes: 0 success, 1 findings with errors (or failed verification),
2 usage or environment errors. Errors are one readable line; a traceback only
with --verbose.
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path

import click

from generator.cli import (
    agreement,
    build,
    check,
    common,
    due,
    estimate,
    evidence,
    keys,
    project,
    publish,
    report,
)
from generator.errors import TripodError


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--project",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="The project folder (the one with provider.yaml and clients/).",
)
@click.option("--verbose", is_flag=True, help="Show tracebacks for unexpected errors.")
@click.version_option(package_name="tripod")
@click.pass_context
def cli(ctx: click.Context, project: Path, verbose: bool) -> None:
    """Backups, disaster recovery and business continuity, in writing.

    Validates the client files of the project, finds the gaps between what each
    client expects and what its setup can deliver, and renders the results.
    """
    ctx.ensure_object(dict)
    ctx.obj["project"] = project
    ctx.obj["verbose"] = verbose


for command in (
    check.check_command,
    estimate.estimate_command,
    evidence.import_command,
    evidence.record_test_command,
    due.due_command,
    report.report_command,
    build.build_command,
    build.serve_command,
    build.pack_command,
    agreement.issue_command,
    agreement.countersign_command,
    keys.client_key_command,
    agreement.record_command,
    agreement.verify_command,
    agreement.diff_command,
    project.new_command,
    project.schema_command,
    publish.publish_command,
    publish.access_group,
):
    cli.add_command(command)


def main(argv: list[str] | None = None) -> None:
    verbose = "--verbose" in (argv if argv is not None else sys.argv[1:])
    try:
        code = cli.main(args=argv, prog_name="tripod", standalone_mode=False)
    except TripodError as e:
        common.echo(f"tripod: {e}", err=True)
        sys.exit(e.exit_code)
    except click.exceptions.Exit as e:
        sys.exit(e.exit_code)
    except click.Abort:
        click.echo("tripod: interrupted", err=True)
        sys.exit(130)
    except click.UsageError as e:  # the command line itself: one line, and where to look
        command = e.ctx.command_path if e.ctx is not None else "tripod"
        click.echo(f"tripod: {e.format_message().rstrip('.')} (see {command} --help)", err=True)
        sys.exit(2)
    except click.ClickException as e:
        e.show()
        sys.exit(e.exit_code)
    except KeyboardInterrupt:
        click.echo("tripod: interrupted", err=True)
        sys.exit(130)
    except Exception as e:  # the last line of defence: never a traceback for a user
        if verbose:
            traceback.print_exc()
        else:
            common.echo(
                f"tripod: unexpected error: {type(e).__name__}: {e} (run with --verbose for details)",
                err=True,
            )
        sys.exit(2)
    sys.exit(code if isinstance(code, int) else 0)
