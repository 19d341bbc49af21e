"""The `tripod` command as a user runs it: new, schema, the example project, errors."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import jsonschema
import pytest

from conftest import REPO, TRIPOD, TinyProject
from generator.format.schema import json_schema
from generator.project.reference import reference
from generator.rules.registry import acknowledgeable

pytestmark = pytest.mark.real_command


def test_new_writes_a_starter_that_passes_once_filled_in(tiny: TinyProject) -> None:
    run = tiny.tripod("new", "acme-plumbing")
    assert run.code == 0, run.err
    assert (
        run.out
        == "wrote clients/acme-plumbing.yaml: fill in the <placeholders>, then run tripod check\n"
    )
    path = tiny.root / "clients" / "acme-plumbing.yaml"
    text = path.read_text()
    assert text.startswith("# yaml-language-server: $schema=../schema/client.schema.json\n")

    # Unfilled, every placeholder is a finding that points at it.
    unfilled = tiny.tripod("check")
    assert unfilled.code == 1
    placeholders = re.findall(r"<[^<>\n]*>", text.split("\nid:", 1)[1])
    assert len(placeholders) == 18
    assert (
        "error schema/placeholder: name is still the placeholder <everyday name of the client>"
        in unfilled.out
    )
    assert (
        "error schema/placeholder: systems[0].data is still the placeholder <how much data, such as 500 GB>"
        in unfilled.out
    )

    filled = text
    for placeholder in placeholders:
        example = re.search(r"such as ([^>]+)>", placeholder)
        filled = filled.replace(placeholder, example.group(1) if example else "Filled in", 1)
    path.write_text(filled)
    run = tiny.tripod("check")
    assert run.code == 0, run.out
    assert " error " not in run.out

    # The comments name the four built-in scenarios, and every commented-out optional key
    # is a working example: uncommented, the file still checks and the estimates use them.
    head, body = filled.split("\nid:", 1)
    for scenario in ("server-failure", "site-loss", "ransomware", "cloud-account-loss"):
        assert scenario in head
    uncommented = re.sub(r"(?m)^( *)# ( *(?:- )?[a-z_-]+:)", r"\1\2", body)
    for key in (
        "offline: true",
        "on_system: true",
        "restore_rate:",
        "validation:",
        "recovery_target: provider-cloud",
        "provisioning:",
        "scenarios:",
        "investigation: 2d",
        "covered: false",
    ):
        assert re.search(rf"(?m)^ +(- )?{key}", uncommented), key
    path.write_text(f"{head}\nid:{uncommented}")
    run = tiny.tripod("check")
    assert run.code == 0, run.out
    assert " error " not in run.out
    assert "estimate-incomplete" not in run.out  # restore_rate applies
    run = tiny.tripod("estimate", "acme-plumbing", "--scenario", "ransomware")
    assert run.code == 0, run.err
    assert "investigation 48 h" in run.out
    assert re.search(r"(?m)^ +Investigation +48 h$", run.out), run.out
    run = tiny.tripod("estimate", "acme-plumbing", "--scenario", "server-failure")
    assert run.code == 0, run.err
    assert "not covered: Every server is a virtual machine" in run.out


def test_new_refuses_to_overwrite_and_bad_ids(tiny: TinyProject) -> None:
    tiny.client()
    before = (tiny.root / "clients" / "acme.yaml").read_bytes()
    run = tiny.tripod("new", "acme")
    assert (run.code, run.out) == (2, "")
    assert run.err == "tripod: clients/acme.yaml already exists; it was left as it is\n"
    assert (tiny.root / "clients" / "acme.yaml").read_bytes() == before
    run = tiny.tripod("new", "Acme Plumbing")
    assert run.code == 2
    assert "is not a client id" in run.err


def editor_view(path) -> object:
    """The file's data as an editor's YAML 1.2 reader sees it (dates are text)."""
    from generator.format.load import read_yaml

    def plain(value: object) -> object:
        if isinstance(value, tuple):
            return [plain(v) for v in value]
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        return value

    data, _, problems = read_yaml(path.read_bytes(), str(path))
    assert problems == []
    return plain(data)


def test_schema_is_the_committed_one_and_validates_the_examples() -> None:
    committed = json.loads((REPO / "schema" / "client.schema.json").read_text())
    run = subprocess.run([TRIPOD, "schema"], capture_output=True, text=True, check=True)
    assert json.loads(run.stdout) == committed == json_schema("client", acknowledgeable()), (
        "run `make docs`"
    )
    provider = json.loads((REPO / "schema" / "provider.schema.json").read_text())
    assert provider == json_schema("provider"), "run `make docs`"

    validator = jsonschema.Draft202012Validator(committed)
    for path in sorted((REPO / "clients").glob("*.yaml")):
        validator.validate(editor_view(path))
    jsonschema.Draft202012Validator(provider).validate(editor_view(REPO / "provider.yaml"))
    broken = editor_view(REPO / "clients" / "harbour-dental.yaml")
    broken["backups"][0]["copies"][0]["imutable"] = True
    with pytest.raises(jsonschema.ValidationError, match="imutable"):
        validator.validate(broken)
    broken = editor_view(REPO / "clients" / "harbour-dental.yaml")
    broken["systems"][0]["data"] = "420 Gb"
    with pytest.raises(jsonschema.ValidationError, match="420 Gb"):
        validator.validate(broken)


def test_format_reference_is_current_and_complete() -> None:
    committed = (REPO / "docs" / "client-format.md").read_text()
    assert committed == reference(), "run `make docs`"
    from generator.format.model import Client, Provider
    from generator.project.reference import _models
    from generator.rules.registry import RULES

    for rule in RULES:
        assert f"| `{rule}` |" in committed
    for cls in [*_models(Client), *_models(Provider)]:
        for name, info in cls.model_fields.items():
            field = info.alias or name  # as the file spells it
            assert f"| `{field}` |" in committed, f"{cls.__name__}.{field}"


def test_example_project_passes_and_accepts_its_gaps() -> None:
    run = subprocess.run(
        [TRIPOD, "check", "--format", "json"],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={"TRIPOD_TODAY": "2026-11-25"},
    )
    assert run.returncode == 0, run.stdout
    report = json.loads(run.stdout)
    # The only errors are operational, which do not fail the check: what the evidence
    # shows (Lawson & Reid's offsite backup went stale on 2026-11-21) and the agreement's
    # life (Harbour Dental's v2 ended on 2026-10-31 and v3 is not signed yet).
    errors = {
        (f["client"], f["code"], f["system"])
        for f in report["findings"]
        if f["severity"] == "error"
    }
    assert errors == {
        ("lawson-reid", "rpo-breached", "dms"),
        ("lawson-reid", "rpo-breached", "archive"),
        ("harbour-dental", "agreement-expired", None),
    }
    strict = subprocess.run(
        [TRIPOD, "check", "--strict"],
        cwd=REPO,
        capture_output=True,
        env={"TRIPOD_TODAY": "2026-11-25"},
    )
    assert strict.returncode == 1
    # Each gap per scenario it is found in: the JSON names the scenario.
    accepted = {(a["client"], a["code"], a["system"], a["scenario"]) for a in report["accepted"]}
    assert accepted == {
        ("harbour-dental", "rpo-unachievable", "mail", "ransomware"),
        ("harbour-dental", "rpo-unachievable", "mail", "cloud-account-loss"),
        ("lawson-reid", "rto-unachievable", "dms", "server-failure"),
        ("lawson-reid", "rto-unachievable", "dms", "site-loss"),
        ("lawson-reid", "rto-unachievable", "dms", "ransomware"),
        ("ridgeline-fabrication", "no-surviving-copy", "cad", "ransomware"),
    }
    clients = sorted(p.stem for p in (REPO / "clients").glob("*.yaml"))
    assert len(clients) >= 3


def test_not_a_project_is_a_usage_error(tmp_path) -> None:
    run = subprocess.run([TRIPOD, "check"], cwd=tmp_path, capture_output=True, text=True)
    assert run.returncode == 2
    assert run.stderr.startswith("tripod: ")
    assert "has no provider.yaml" in run.stderr
    assert "Traceback" not in run.stderr
    run = subprocess.run(
        [TRIPOD, "--project", str(REPO), "check", "nobody"], capture_output=True, text=True
    )
    assert (run.returncode, run.stderr) == (
        2,
        "tripod: no client 'nobody': clients/nobody.yaml does not exist\n",
    )
    run = subprocess.run(
        [TRIPOD, "check", "--format", "xml"], cwd=REPO, capture_output=True, text=True
    )
    assert run.returncode == 2 and "Invalid value for '--format'" in run.stderr


def test_check_imports_nothing_heavy() -> None:
    """`tripod check` runs in pre-commit hooks and editors: it must start fast."""
    code = (
        "import sys\n"
        "from generator.cli import main\n"
        "try:\n"
        f"    main(['--project', {str(REPO)!r}, 'check'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = [m for m in ('weasyprint', 'pyhanko', 'mkdocs', 'jinja2', 'rich') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip().splitlines()[-1] == "[]"


def test_unexpected_errors_are_one_line_unless_verbose(tiny: TinyProject) -> None:
    tiny.client()
    agreements = tiny.root / "agreements" / "acme" / "v1"
    agreements.mkdir(parents=True)
    (agreements / "terms.json").write_text("{not json")
    run = tiny.tripod("check")
    assert run.code == 2
    assert run.err.startswith("tripod: agreements/acme/v1/terms.json cannot be read")
    assert len(run.err.splitlines()) == 1


def test_a_bug_is_one_line_and_a_traceback_only_with_verbose(
    tiny: TinyProject, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import generator.project.record
    from generator.cli import main

    def broken(*_: object) -> None:
        raise RuntimeError("something inside broke")

    monkeypatch.setattr(generator.project.record, "check_findings", broken)
    tiny.client()
    for verbose in (False, True):
        with pytest.raises(SystemExit) as exit_:
            main(["--project", str(tiny.root), *(["--verbose"] if verbose else []), "check"])
        assert exit_.value.code == 2
        err = capsys.readouterr().err
        if verbose:
            assert "Traceback (most recent call last)" in err
            assert err.rstrip().endswith("RuntimeError: something inside broke")
        else:
            assert err == (
                "tripod: unexpected error: RuntimeError: something inside broke "
                "(run with --verbose for details)\n"
            )


def test_the_example_sharded_workflow_builds_every_shard_once() -> None:
    from generator.format.load import read_yaml

    path = REPO / "docs" / "ci" / "github-actions-sharded-build.yml"
    data, _, problems = read_yaml(path.read_bytes(), str(path))
    assert problems == []
    build = data["jobs"]["build"]
    shards = list(build["strategy"]["matrix"]["shard"])
    runs = [step["run"] for step in build["steps"] if "run" in step]
    command = next(r for r in runs if r.startswith("tripod build"))
    total = int(command.rsplit("/", 1)[1])
    assert shards == list(range(1, total + 1))
    assert command == "tripod build --shard ${{ matrix.shard }}/" + str(total)
