"""The portfolio's table as files: `tripod report --format csv|json` and the build's
site/internal/portfolio.csv and portfolio.json, read back by Python's csv and json."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from helpers import example_project

from conftest import REPO, TinyProject, with_change
from generator.site.portfolio import COLUMNS, columns_reference

KEYS = [c.key for c in COLUMNS]


@pytest.fixture(scope="module")
def examples(tmp_path_factory: pytest.TempPathFactory) -> TinyProject:
    return example_project(tmp_path_factory.mktemp("examples"), built=True)


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_the_report_as_csv_round_trips_with_every_client(examples: TinyProject) -> None:
    run = examples.tripod("report")
    assert run.code == 0, run.err
    assert run.out.splitlines()[0] == ",".join(KEYS)
    rows = _csv(run.out)
    assert [r["id"] for r in rows] == ["harbour-dental", "lawson-reid", "ridgeline-fabrication"]
    harbour = rows[0]
    assert {k: harbour[k] for k in ("backup", "disaster_recovery", "agreement", "term_ends")} == {
        "backup": "in place",
        "disaster_recovery": "attention",
        "agreement": "ended",
        "term_ends": "2026-10-31",
    }
    assert harbour["agreement_words"] == (
        "The agreement ended on 2026-10-31: no version is in force."
    )
    lawson = rows[1]
    assert (lawson["backup"], lawson["errors"], lawson["backup_health"]) == (
        "not standing",
        "2",
        "stale",
    )
    assert lawson["needs_action"].startswith(
        "Document management server and Scanned files archive backup: stale: no successful run"
    )
    # An accepted gap is said as one, in its scenario and in the worst recovery.
    ridgeline = rows[2]
    assert ridgeline["ransomware"] == "accepted"
    assert ridgeline["worst_recovery"] == (
        "CAD drawings file server: no copy survives after ransomware (accepted gap)"
    )


def test_the_report_as_json_has_the_same_columns_typed(examples: TinyProject) -> None:
    run = examples.tripod("report", "--format", "json")
    assert run.code == 0, run.err
    data = json.loads(run.out)
    assert (data["format"], data["version"], data["provider"]) == (
        "tripod-portfolio",
        1,
        "Southern Cross IT",
    )
    assert [c["key"] for c in data["columns"]] == KEYS
    assert len(data["clients"]) == 3
    rows = {c["id"]: c for c in data["clients"]}
    assert list(rows["lawson-reid"]) == KEYS
    assert rows["lawson-reid"]["errors"] == 2  # numbers are numbers
    assert rows["harbour-dental"]["terms_changed"] is True
    assert rows["harbour-dental"]["in_force"] is None  # empty is null
    assert rows["ridgeline-fabrication"]["needs_action"][0] == {
        "what": "DR test overdue",
        "since": "2026-11-20",
    }
    # The CSV and the JSON say the same, value for value.
    csv_rows = _csv(examples.tripod("report").out)
    for row in csv_rows:
        for key in KEYS:
            value = rows[row["id"]][key]
            if key == "needs_action":
                continue
            shown = "" if value is None else {True: "yes", False: "no"}.get(value, value)
            if isinstance(value, int) and not isinstance(value, bool):
                shown = str(value)
            assert row[key] == shown, (row["id"], key)


def test_the_build_writes_the_same_files_beside_the_dashboard(examples: TinyProject) -> None:
    internal = examples.root / "site" / "internal"
    assert (internal / "portfolio.csv").read_text("utf-8") == examples.tripod("report").out
    assert (internal / "portfolio.json").read_text("utf-8") == (
        examples.tripod("report", "--format", "json").out
    )
    page = (internal / "index.html").read_text("utf-8")
    assert 'href="portfolio.csv"' in page and 'href="portfolio.json"' in page


def test_the_report_names_clients_and_keeps_a_file_that_cannot_be_loaded(
    tiny: TinyProject,
) -> None:
    tiny.client()
    tiny.client(with_change("id: acme\n", "id: broken\n") + "  - [\n", "broken")
    tiny.client(with_change("id: acme\nname: Acme Dental\n", "id: zed\nname: Zed Dental\n"), "zed")
    rows = _csv(tiny.tripod("report").out)
    assert [r["id"] for r in rows] == ["acme", "broken", "zed"]
    broken = rows[1]
    assert (broken["file"], broken["backup"], broken["business_continuity"]) == (
        "clients/broken.yaml",
        "cannot be loaded",
        "cannot be loaded",
    )
    assert re.match(
        r"clients/broken\.yaml cannot be loaded: clients/broken\.yaml:\d+:\d+: ",
        broken["needs_action"],
    ), broken["needs_action"]
    named = _csv(tiny.tripod("report", "zed").out)
    assert [r["name"] for r in named] == ["Zed Dental"]


def test_a_value_a_spreadsheet_would_run_is_written_as_text(tiny: TinyProject) -> None:
    formula = '=HYPERLINK("http://example.invalid","x")'
    tiny.client(with_change("name: Acme Dental\n", f"name: '{formula}'\n"))
    run = tiny.tripod("report")
    assert run.code == 0, run.err
    assert _csv(run.out)[0]["name"] == "'" + formula
    # JSON is for programs: the name as it is.
    data = json.loads(tiny.tripod("report", "--format", "json").out)
    assert data["clients"][0]["name"] == formula


def test_the_documented_columns_are_the_columns() -> None:
    docs = (REPO / "docs" / "portfolio.md").read_text("utf-8")
    assert columns_reference() in docs
