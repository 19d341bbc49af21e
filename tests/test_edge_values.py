"""Values at the edges of their types, zeros that mean nothing, values too long, two
files for one client, and the YAML mistakes a new user makes: each a finding at its
file:line:col, never a crash, and the other clients built as usual.

Each case changes one thing in the base client (conftest.CLIENT, whose line numbers
these tests rely on) and pins the exact finding lines.
"""

from __future__ import annotations

import datetime as dt
import getpass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import CLIENT, TODAY, TinyProject, with_change
from generator.format import units
from generator.format.reader import MAX_TEXT
from generator.project.layout import Project
from generator.project.record import check_project
from generator.site import portfolio as portfolio_

FILE = "clients/acme.yaml"


def lines_of(tiny: TinyProject, text: str) -> list[str]:
    tiny.client(text)
    return tiny.lines()


def hints(tiny: TinyProject) -> list[tuple[str, str | None]]:
    return [(f.code, f.hint) for f in tiny.findings() if f.severity != "accepted"]


# ------------------------------------------------------- values at the edge of their type


@pytest.mark.parametrize(
    ("old", "new", "expected", "hint"),
    [
        pytest.param(
            "data: 420 GB,",
            "data: " + "9" * 5000 + " GB,",
            "clients/acme.yaml:14:44: error schema/out-of-range: systems[0].data: "
            "'9999999999999999999999999999999999999999'... (5,003 characters) "
            "has a number of 5,000 digits",
            "a size is written with at most 24 digits, like 420 GB or 2 TB",
            id="size-of-5000-digits",
        ),
        pytest.param(
            "data: 420 GB,",
            "data: 1001 PB,",
            "clients/acme.yaml:14:44: error schema/out-of-range: systems[0].data: "
            "'1001 PB' is more than 1000 PB",
            "a size is at most 1000 PB (an exabyte)",
            id="size-above-an-exabyte",
        ),
        pytest.param(
            "data: 60 GB,",
            "data: 0.1 B,",
            "clients/acme.yaml:15:41: error schema/out-of-range: systems[1].data: "
            "'0.1 B' is less than a byte",
            "a size is a byte or more, like 420 GB",
            id="size-below-a-byte",
        ),
        pytest.param(
            "  download_bandwidth: 200 Mbps\n",
            "  download_bandwidth: 0.001 bps\n",
            "clients/acme.yaml:40:23: error schema/out-of-range: "
            "disaster_recovery.download_bandwidth: '0.001 bps' is slower than 1 bps",
            "a link speed is 1 bps or more, like 200 Mbps",
            id="link-slower-than-1-bps",
        ),
        pytest.param(
            "  download_bandwidth: 200 Mbps\n",
            "  download_bandwidth: 99999 Gbps\n",
            "clients/acme.yaml:40:23: error schema/out-of-range: "
            "disaster_recovery.download_bandwidth: '99999 Gbps' is faster than 10000 Gbps",
            "a link speed is at most 10000 Gbps",
            id="link-faster-than-10-tbps",
        ),
        pytest.param(
            "  restore_rate: 400 GB/h\n",
            "  restore_rate: 0.5 B/h\n",
            "clients/acme.yaml:41:17: error schema/out-of-range: "
            "disaster_recovery.restore_rate: '0.5 B/h' is slower than 1 B/h",
            "a throughput is 1 B/h or more, like 400 GB/h",
            id="restore-slower-than-a-byte-an-hour",
        ),
        pytest.param(
            "{every: 90d, last: 2026-09-14}",
            "{every: 99999999999d, last: 2026-09-14}",
            "clients/acme.yaml:26:27: error schema/out-of-range: backups[0].restore_test.every: "
            "'99999999999d' is longer than 100 years",
            "a duration is at most 100 y",
            id="interval-past-any-calendar",
        ),
        pytest.param(
            "  term: 12mo\n",
            "  term: 1201mo\n",
            "clients/acme.yaml:11:9: error schema/out-of-range: agreement.term: "
            "'1201mo' is longer than 100 years",
            "a duration is at most 100 y",
            id="term-of-100-years-and-a-month",
        ),
        pytest.param(
            "  effective: 2026-11-01\n",
            "  effective: 9999-12-01\n",
            "clients/acme.yaml:10:14: error schema/out-of-range: agreement.effective: "
            "9999-12-01 is outside the years 1900 to 2999",
            "dates run from 1900-01-01 to 2999-12-31",
            id="effective-in-9999",
        ),
        pytest.param(
            "last: 2026-09-14}",
            "last: 0001-01-01}",
            "clients/acme.yaml:26:38: error schema/out-of-range: backups[0].restore_test.last: "
            "0001-01-01 is outside the years 1900 to 2999",
            "dates run from 1900-01-01 to 2999-12-31",
            id="last-test-in-year-1",
        ),
        pytest.param(
            "  version: 1\n",
            "  version: 10000\n",
            "clients/acme.yaml:9:12: error schema/out-of-range: agreement.version: "
            "the number 10000 is more than 9999",
            None,
            id="version-10000",
        ),
        pytest.param(
            "  version: 1\n",
            "  version: " + "9" * 5000 + "\n",
            "clients/acme.yaml:9:12: error schema/wrong-type: agreement.version: expected a "
            "whole number, got '9999999999999999999999999999999999999999'... (5,000 characters)",
            None,
            id="version-of-5000-digits",
        ),
    ],
)
def test_a_value_past_its_bounds_is_a_finding(
    tiny: TinyProject, old: str, new: str, expected: str, hint: str | None
) -> None:
    assert lines_of(tiny, with_change(old, new)) == [expected]
    assert [h for _, h in hints(tiny)] == [hint]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        pytest.param("  effective: 2026-11-01\n", "  effective: 2999-12-01\n", id="effective"),
        pytest.param("  term: 12mo\n", "  term: 100y\n", id="term"),
        pytest.param("data: 420 GB,", "data: 1000 PB,", id="size"),
        pytest.param(
            "  download_bandwidth: 200 Mbps\n", "  download_bandwidth: 1 bps\n", id="slow"
        ),
    ],
)
def test_the_bounds_themselves_are_taken(tiny: TinyProject, old: str, new: str) -> None:
    tiny.client(with_change(old, new))
    assert not [f for f in tiny.findings() if f.is_schema]


def test_the_latest_date_plus_the_longest_term_is_a_date(tiny: TinyProject) -> None:
    # Today `check` passed and `build` crashed on the last day of the agreement.
    text = with_change("  effective: 2026-11-01\n", "  effective: 2999-12-31\n")
    tiny.client(with_change("  term: 12mo\n", "  term: 100y\n", text=text))
    [record] = check_project(Project.at(tiny.root), (), TODAY).clients
    assert record.client is not None
    assert record.client.agreement.last_day == dt.date(3099, 12, 30)


# ------------------------------------------------------------ zero where zero is nonsense


@pytest.mark.parametrize(
    ("old", "new", "expected", "hint"),
    [
        pytest.param(
            "    every: 4h\n",
            "    every: 0h\n",
            "clients/acme.yaml:20:12: error schema/zero: backups[0].every: "
            "must be more than zero (0 h)",
            "write how often the backup runs, like 4h: every 0 h would meet any RPO",
            id="backup-every",
        ),
        pytest.param(
            "    retention: 30d\n",
            "    retention: 0d\n",
            "clients/acme.yaml:21:16: error schema/zero: backups[0].retention: "
            "must be more than zero (0 d)",
            "write how long each backup is kept, like 30d",
            id="retention",
        ),
        pytest.param(
            "  term: 12mo\n",
            "  term: 0mo\n",
            "clients/acme.yaml:11:9: error schema/zero: agreement.term: "
            "must be more than zero (0 mo)",
            "write how long the agreement runs, like 12mo",
            id="term",
        ),
        pytest.param(
            "{system: mail, rto: 8h,",
            "{system: mail, rto: 0h,",
            "clients/acme.yaml:46:27: error schema/zero: disaster_recovery.objectives[1].rto: "
            "must be more than zero (0 h)",
            "write the longest the client accepts waiting, like 8h",
            id="rto",
        ),
        pytest.param(
            "mtd: 5d}",
            "mtd: 0d}",
            "clients/acme.yaml:45:45: error schema/zero: disaster_recovery.objectives[0].mtd: "
            "must be more than zero (0 d)",
            "write how long the business can do without it, like 5d",
            id="mtd",
        ),
        pytest.param(
            "data: 420 GB,",
            "data: 0 GB,",
            "clients/acme.yaml:14:44: error schema/zero: systems[0].data: "
            "must be more than zero (0 GB)",
            "write how much data it holds, like 420 GB (an estimate will do)",
            id="data",
        ),
        pytest.param(
            "  download_bandwidth: 200 Mbps\n",
            "  download_bandwidth: 0 Mbps\n",
            "clients/acme.yaml:40:23: error schema/zero: disaster_recovery.download_bandwidth: "
            "must be more than zero (0 Mbps)",
            "write the link's speed, like 200 Mbps",
            id="link-speed",
        ),
        pytest.param(
            "  restore_rate: 400 GB/h\n",
            "  restore_rate: 0 GB/h\n",
            "clients/acme.yaml:41:17: error schema/zero: disaster_recovery.restore_rate: "
            "must be more than zero (0 GB/h)",
            "write how fast data is written back, like 400 GB/h",
            id="restore-rate",
        ),
        pytest.param(
            "{every: 180d, last: 2026-08-01}",
            "{every: 0d, last: 2026-08-01}",
            "clients/acme.yaml:36:27: error schema/zero: backups[1].restore_test.every: "
            "must be more than zero (0 d)",
            "write how often it is due, like 90d or 12mo",
            id="restore-test-every",
        ),
        pytest.param(
            "  test: {every: 12mo,",
            "  test: {every: 0mo,",
            "clients/acme.yaml:48:17: error schema/zero: disaster_recovery.test.every: "
            "must be more than zero (0 mo)",
            "write how often it is due, like 90d or 12mo",
            id="dr-test-every",
        ),
        pytest.param(
            "measured: {pms: 30h}",
            "measured: {pms: 0h}",
            "clients/acme.yaml:48:57: error schema/zero: disaster_recovery.test.measured.pms: "
            "must be more than zero (0 h)",
            "write the time the test took, like 30h",
            id="measured",
        ),
        pytest.param(
            "  plan_reviewed: 2026-06-30\n",
            "  plan_reviewed: 2026-06-30\n  review_every: 0mo\n",
            "clients/acme.yaml:56:17: error schema/zero: business_continuity.review_every: "
            "must be more than zero (0 mo)",
            "write how often the plan is reviewed, like 12mo",
            id="review-every",
        ),
    ],
)
def test_zero_where_zero_is_nonsense(
    tiny: TinyProject, old: str, new: str, expected: str, hint: str
) -> None:
    assert lines_of(tiny, with_change(old, new)) == [expected]
    assert hints(tiny) == [("schema/zero", hint)]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        pytest.param("{procurement: 2d,", "{procurement: 0d,", id="procurement"),
        pytest.param(
            "  network_reconfiguration: 6h\n",
            "  network_reconfiguration: 0h\n",
            id="network-reconfiguration",
        ),
        pytest.param("  validation: 2h\n", "  validation: 0h\n", id="validation"),
    ],
)
def test_zero_that_means_none_is_taken(tiny: TinyProject, old: str, new: str) -> None:
    assert lines_of(tiny, with_change(old, new)) == []


def test_an_rpo_of_zero_is_an_objective_no_backup_meets(tiny: TinyProject) -> None:
    # Zero data loss is a real objective; the rules say no backup achieves it.
    text = with_change("{system: pms, rto: 72h, rpo: 4h,", "{system: pms, rto: 72h, rpo: 0h,")
    assert lines_of(tiny, text) == [
        "clients/acme.yaml:45:36: error rpo-unachievable: Practice server: RPO 0 h, "
        f"but {words} it is restored from backups made every 4 h"
        for words in ("after loss of the site", "after ransomware", "if its server fails")
    ]


def test_term_of_zero_months_through_tripod_check(tiny: TinyProject) -> None:
    tiny.client(with_change("  term: 12mo\n", "  term: 0mo\n"))
    run = tiny.tripod("check")
    assert run.code == 1
    assert run.out.splitlines() == [
        "clients/acme.yaml:11:9: error schema/zero: agreement.term: must be more than zero (0 mo)",
        "    hint: write how long the agreement runs, like 12mo",
    ]


# -------------------------------------------------------------------- long values


def test_a_value_longer_than_the_limit_is_one_finding(tiny: TinyProject) -> None:
    long = "x" * (MAX_TEXT + 1)
    assert lines_of(tiny, with_change("\nname: Acme Dental\n", f"\nname: {long}\n")) == [
        "clients/acme.yaml:2:7: error schema/too-long: name: the value is 10,001 characters "
        "long; a value is at most 10,000"
    ]
    assert hints(tiny) == [
        ("schema/too-long", "shorten it: keep long documents elsewhere and name them here")
    ]


def test_a_value_of_the_limit_is_taken(tiny: TinyProject) -> None:
    text = with_change("\nname: Acme Dental\n", f"\nname: {'x' * MAX_TEXT}\n")
    assert lines_of(tiny, text) == []


def test_a_key_longer_than_the_limit_is_one_finding(tiny: TinyProject) -> None:
    # An explicit key (`? ...`): a plain one is refused by YAML past 1024 characters.
    long = "k" * (MAX_TEXT + 1)
    text = with_change("\nname: Acme Dental\n", f"\n? {long}\n: 1\nname: Acme\n")
    assert lines_of(tiny, text) == [
        "clients/acme.yaml:2:3: error schema/too-long: a key in the document: the value is "
        "10,001 characters long; a value is at most 10,000"
    ]


def test_a_plain_key_longer_than_yaml_allows(tiny: TinyProject) -> None:
    text = with_change("\nname: Acme Dental\n", f"\n{'k' * 1025}: 1\nname: Acme\n")
    assert lines_of(tiny, text) == [
        "clients/acme.yaml:2:1: error schema/yaml: not valid YAML: a key longer than "
        "1,024 characters"
    ]


def test_a_900_kb_value_through_tripod_check(tiny: TinyProject) -> None:
    # The value never reaches the secret patterns: the length is checked first.
    long = "password is " + "a " * 450_000
    tiny.client(with_change("  communications: SMS call tree\n", f"  communications: {long}\n"))
    run = tiny.tripod("check")
    assert run.code == 1
    assert run.out.splitlines() == [
        "clients/acme.yaml:54:19: error schema/too-long: business_continuity.communications: "
        "the value is 900,011 characters long; a value is at most 10,000",
        "    hint: shorten it: keep long documents elsewhere and name them here",
    ]


# ----------------------------------------------------------- YAML a new user writes


@pytest.mark.parametrize(
    ("old", "new", "expected", "hint"),
    [
        pytest.param(
            "    method: image\n",
            "\tmethod: image\n",
            "clients/acme.yaml:19:1: error schema/yaml: not valid YAML: a tab in the indentation",
            "indent with spaces, not tabs: YAML does not allow tabs there",
            id="tab",
        ),
        pytest.param(
            "  recovery_site: Provider data centre\n",
            "  recovery_site: Provider data centre\n  \tnote: x\n",
            "clients/acme.yaml:39:3: error schema/yaml: not valid YAML: a tab in the indentation",
            "indent with spaces, not tabs: YAML does not allow tabs there",
            id="tab-after-spaces",
        ),
        pytest.param(
            "  recovery_site: Provider data centre\n",
            "  recovery_site: Provider: data centre\n",
            "clients/acme.yaml:38:26: error schema/yaml: not valid YAML: the value contains ': ', "
            "which YAML reads as another key",
            'quote the value, like key: "value: with colon"',
            id="value-with-colon",
        ),
        pytest.param(
            "  recovery_site: Provider data centre\n",
            "  recovery_site Provider data centre\n",
            "clients/acme.yaml:38:3: error schema/yaml: not valid YAML: this line has a key "
            "without a ':' after it",
            "write key: value, with a space after the colon",
            id="key-without-colon",
        ),
        pytest.param(
            "  recovery_site: Provider data centre\n",
            '  recovery_site: "Provider data centre\n',
            "clients/acme.yaml:38:18: error schema/yaml: not valid YAML: the quoted value that "
            'starts here is never closed with "',
            'close the quote; inside "..." a " is written \\"',
            id="unclosed-quote",
        ),
        pytest.param(
            "  - {where: local, location: NAS}\n",
            "  - {where: local, location: NAS\n",
            "clients/acme.yaml:23:9: error schema/yaml: not valid YAML: the { here is never "
            "closed with }",
            "close it with } on this line, or separate its entries with commas",
            id="unclosed-brace",
        ),
        pytest.param(
            "  recovery_site: Provider data centre\n",
            "  recovery_site: 'Provider's data centre'\n",
            "clients/acme.yaml:38:28: error schema/yaml: not valid YAML: did not find expected "
            "key (while parsing a block mapping)",
            "inside '...' a ' is written '', like 'it''s'",
            id="quote-inside-quotes",
        ),
        pytest.param(
            "    method: image\n",
            "     method: image\n",
            "clients/acme.yaml:19:6: error schema/yaml: not valid YAML: did not find expected key "
            "(while parsing a block mapping that starts on line 17)",
            "line it up with the entries above it: the indentation says where a line belongs",
            id="indented-too-far",
        ),
        pytest.param(
            "  systems: [pms]\n",
            "  systems: [pms]]\n",
            "clients/acme.yaml:18:19: error schema/yaml: not valid YAML: did not find expected key "
            "(while parsing a block mapping that starts on line 17)",
            "remove the extra ]",
            id="extra-bracket",
        ),
        pytest.param(
            "  - id: mail-saas\n",
            "  - id: mail-saas\n    systems:\n      mail\n        note: x\n",
            "clients/acme.yaml:30:13: error schema/yaml: not valid YAML: a key inside a value: "
            "this line is indented further than the key above",
            "indent it like the keys above, or quote a value that contains ': '",
            id="key-inside-a-value",
        ),
    ],
)
def test_yaml_mistakes_are_pointed_at_their_line_with_what_to_do(
    tiny: TinyProject, old: str, new: str, expected: str, hint: str
) -> None:
    assert lines_of(tiny, with_change(old, new)) == [expected]
    assert hints(tiny) == [("schema/yaml", hint)]


def test_a_value_with_a_colon_through_tripod_check(tiny: TinyProject) -> None:
    tiny.client(with_change("  staff_access: Remote", "  staff_access: Note: Remote"))
    run = tiny.tripod("check")
    assert run.code == 1
    assert run.out.splitlines() == [
        "clients/acme.yaml:53:21: error schema/yaml: not valid YAML: the value contains ': ', "
        "which YAML reads as another key",
        '    hint: quote the value, like key: "value: with colon"',
    ]


@pytest.mark.parametrize("speed", ["50 mbps", "50 MBPS", "1 gbps", "512 kbps"])
def test_link_speeds_in_any_case(tiny: TinyProject, speed: str) -> None:
    tiny.client(with_change("  download_bandwidth: 200 Mbps\n", f"  download_bandwidth: {speed}\n"))
    assert not [f for f in tiny.findings() if f.is_schema]


def test_a_link_speed_in_bytes_is_still_refused(tiny: TinyProject) -> None:
    text = with_change("  download_bandwidth: 200 Mbps\n", "  download_bandwidth: 50 MBps\n")
    assert lines_of(tiny, text) == [
        "clients/acme.yaml:40:23: error schema/bad-unit: disaster_recovery.download_bandwidth: "
        "'50 MBps': unknown unit 'MBps'; link speeds use bps, Kbps, Mbps or Gbps; link speeds "
        "are in bits per second"
    ]


def test_a_lower_case_link_speed_through_tripod_check(tiny: TinyProject) -> None:
    tiny.client(with_change("  download_bandwidth: 200 Mbps\n", "  download_bandwidth: 200 mbps\n"))
    run = tiny.tripod("check", "--format", "json")
    assert run.code == 0
    assert run.json()["findings"] == []


# ------------------------------------------------- type errors and references at once


def test_a_wrong_type_and_a_dangling_reference_in_one_round(tiny: TinyProject) -> None:
    text = with_change(
        "    encrypted: true\n    restore_test: {every: 90d",
        "    encrypted: yes\n    restore_test: {every: 90d",
    )
    text = with_change("  systems: [mail]\n", "  systems: [mial]\n", text=text)
    assert lines_of(tiny, text) == [
        "clients/acme.yaml:25:16: error schema/wrong-type: backups[0].encrypted: "
        "expected true or false, got 'yes'",
        "clients/acme.yaml:28:15: error schema/dangling-reference: "
        "'mial' is not a system in this file",
    ]


def test_a_reference_to_an_entry_with_a_broken_id_is_not_also_dangling(
    tiny: TinyProject,
) -> None:
    # The system's id is a list: that is the finding, not every backup that names it.
    text = with_change("  - {id: mail, name: Hosted mail,", "  - {id: [mail], name: Hosted mail,")
    assert lines_of(tiny, text) == [
        "clients/acme.yaml:15:10: error schema/wrong-type: systems[1].id: expected text, got a list"
    ]


def test_a_reference_that_is_not_an_id_is_only_a_bad_id(tiny: TinyProject) -> None:
    text = with_change("  systems: [mail]\n", "  systems: [Mail]\n")
    assert lines_of(tiny, text) == [
        "clients/acme.yaml:28:15: error schema/bad-id: backups[1].systems[0]: 'Mail' is not an id"
    ]


def test_both_rounds_at_once_through_tripod_check(tiny: TinyProject) -> None:
    text = with_change("  term: 12mo\n", "  term: twelve months\n")
    tiny.client(with_change("  owner: maria\n", "  owner: mario\n", text=text))
    run = tiny.tripod("check")
    assert run.code == 1
    assert [line for line in run.out.splitlines() if not line.startswith("    ")] == [
        "clients/acme.yaml:11:9: error schema/bad-unit: agreement.term: 'twelve months' is "
        "not a duration: write a number and a unit, like 4h, 2 days or 12mo",
        "clients/acme.yaml:50:10: error schema/dangling-reference: "
        "'mario' is not a contact or third party in this file",
    ]


# ------------------------------------------------------------ one client, one file


def test_every_spelling_of_the_extension_is_read(tiny: TinyProject) -> None:
    tiny.write("clients/acme.YAML", CLIENT)
    tiny.write("clients/bee.Yml", CLIENT.replace("id: acme\n", "id: bee\n"))
    records = check_project(Project.at(tiny.root), (), TODAY).clients
    assert [(r.file, r.client and r.client.id) for r in records] == [
        ("clients/acme.YAML", "acme"),
        ("clients/bee.Yml", "bee"),
    ]
    assert Project.at(tiny.root).client_file("bee") == tiny.root / "clients/bee.Yml"


def test_two_files_for_one_client_are_one_error_and_neither_is_loaded(
    tiny: TinyProject,
) -> None:
    tiny.write("clients/acme.yaml", CLIENT)
    tiny.write("clients/acme.yml", CLIENT)
    tiny.write("clients/bee.yaml", CLIENT.replace("id: acme\n", "id: bee\n"))
    assert tiny.lines() == [
        "clients/acme.yaml:1:5: error schema/duplicate-client: the client 'acme' also has "
        "the file clients/acme.yml"
    ]
    records = check_project(Project.at(tiny.root), (), TODAY).clients
    assert [(r.file, r.client is not None) for r in records] == [
        ("clients/acme.yaml", False),
        ("clients/bee.yaml", True),
    ]


def test_three_spellings_of_one_client(tiny: TinyProject) -> None:
    for name in ("acme.yaml", "acme.yml", "acme.YAML"):
        tiny.write(f"clients/{name}", CLIENT)
    assert tiny.lines() == [
        "clients/acme.YAML:1:5: error schema/duplicate-client: the client 'acme' also has "
        "the file clients/acme.yaml and clients/acme.yml"
    ]


def test_naming_the_second_file_still_reports_the_first(tiny: TinyProject) -> None:
    tiny.write("clients/acme.yaml", CLIENT)
    tiny.write("clients/acme.yml", CLIENT)
    assert tiny.lines(str(tiny.root / "clients/acme.yml")) == [
        "clients/acme.yml:1:5: error schema/duplicate-client: the client 'acme' also has "
        "the file clients/acme.yaml"
    ]


def test_two_files_for_one_client_through_tripod_build(tiny_site: TinyProject) -> None:
    tiny_site.write("clients/acme.yaml", CLIENT)
    tiny_site.write("clients/bee.YAML", CLIENT.replace("id: acme\n", "id: bee\n"))
    assert tiny_site.tripod("build").code == 0
    tiny_site.write("clients/acme.yml", CLIENT)
    run = tiny_site.tripod("build")
    assert run.code == 1, run.err
    assert "Traceback" not in run.err
    site = tiny_site.root / "site"
    # acme keeps the site it had before its second file appeared.
    assert sorted(p.name for p in (site / "clients").iterdir()) == ["acme", "bee"]
    assert (site / "internal" / "index.html").is_file()
    kept = [line for line in run.err.splitlines() if "not built" in line]
    assert kept == ["clients/acme.yaml: not built, last good site kept: the file cannot be loaded"]
    # Publishing is not stopped by the two files either: acme is published once.
    target = tiny_site.root.parent / "srv"
    run = tiny_site.tripod("publish", "--target", str(target), "--nginx-user", getpass.getuser())
    assert run.code == 0, run.err
    assert sorted(p.name for p in (target / "current" / "clients").iterdir()) == ["acme", "bee"]


# --------------------------------------------------------- every edge, never a crash

# Where each quantity, date and number of the base client is written: the text
# before the value, the value, and the kind of value it is.
SLOTS: list[tuple[str, str, str]] = [
    ("  version: ", "1", "version"),
    ("  effective: ", "2026-11-01", "date"),
    ("  term: ", "12mo", "duration"),
    ("name: Practice server, data: ", "420 GB", "size"),
    ("name: Hosted mail, data: ", "60 GB", "size"),
    ("    every: ", "4h", "duration"),
    ("    retention: ", "30d", "duration"),
    ("    restore_test: {every: ", "90d", "duration"),
    ("{every: 90d, last: ", "2026-09-14", "date"),
    ("    every: ", "24h", "duration"),
    ("    retention: ", "1y", "duration"),
    ("    restore_test: {every: ", "180d", "duration"),
    ("{every: 180d, last: ", "2026-08-01", "date"),
    ("{procurement: ", "2d", "duration"),
    ("  download_bandwidth: ", "200 Mbps", "speed"),
    ("  restore_rate: ", "400 GB/h", "throughput"),
    ("  network_reconfiguration: ", "6h", "duration"),
    ("  validation: ", "2h", "duration"),
    ("{system: pms, rto: ", "72h", "duration"),
    ("{system: pms, rto: 72h, rpo: ", "4h", "duration"),
    ("rpo: 4h, mtd: ", "5d", "duration"),
    ("{system: mail, rto: ", "8h", "duration"),
    ("  test: {every: ", "12mo", "duration"),
    ("  test: {every: 12mo, last: ", "2026-03-02", "date"),
    ("measured: {pms: ", "30h", "duration"),
    ("  plan_reviewed: ", "2026-06-30", "date"),
]


def _spans() -> list[tuple[int, int, str]]:
    """Where each slot's value is in the base client: start, end and kind, in order."""
    spans, at = [], 0
    for before, value, kind in SLOTS:
        found = CLIENT.index(before + value, at)
        start = found + len(before)
        spans.append((start, start + len(value), kind))
        at = found
    return spans


SPANS = _spans()

NUMBERS = st.one_of(
    st.sampled_from(
        [
            "0",
            "00",
            "0.0",
            "-1",
            "-0",
            "0.5",
            "1",
            "0." + "0" * 30 + "1",
            "0." + "0" * 5000 + "1",
            "9" * 24,
            "9" * 25,
            "9" * 5000,
            "1" + "0" * 23,
            "99999999999",
            "1e400",
            ".5",
            "1.",
            "nan",
            "-inf",
        ]
    ),
    st.integers(0, 10**30).map(str),
    st.decimals(0, 10**12, places=6, allow_nan=False, allow_infinity=False).map(str),
)
UNITS = {
    "duration": ["m", "min", "h", "d", "w", "mo", "y", "years", "s", "H", ""],
    "size": ["B", "KB", "GB", "PB", "PiB", "b", "gb", "EB", ""],
    "speed": ["bps", "Kbps", "mbps", "GBPS", "MBps", "Tbps", ""],
    "throughput": ["B/h", "GB/h", "PB/s", "PiB/s", "GB/min", "Gb/s", ""],
}
DATES = st.one_of(
    st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)).map(dt.date.isoformat),
    st.sampled_from(
        [
            "0001-01-01",
            "9999-12-31",
            "2999-12-31",
            "1900-01-01",
            "1899-12-31",
            "3000-01-01",
            "0000-01-01",
            "2026-02-30",
            "99999-01-01",
            "2026-11-26",
        ]
    ),
)
VERSIONS = st.one_of(
    st.integers(-10, 10**6).map(str),
    st.sampled_from(["9" * 5000, "1.5", "0x10", "1e9", "9999", "10000"]),
)
ODD = st.sampled_from(["~", "true", "[]", "{}", '""', "'0'", "-", "[1, 2]"])


@st.composite
def edge_value(draw: st.DrawFn, kind: str) -> str:
    if draw(st.integers(0, 9)) == 0:
        return draw(ODD)
    if kind == "date":
        return draw(DATES)
    if kind == "version":
        return draw(VERSIONS)
    space = draw(st.sampled_from(["", " "]))
    return f"{draw(NUMBERS)}{space}{draw(st.sampled_from(UNITS[kind]))}"


@st.composite
def edge_clients(draw: st.DrawFn) -> str:
    chosen = draw(st.sets(st.integers(0, len(SPANS) - 1), min_size=1, max_size=4))
    text = CLIENT
    for i in sorted(chosen, reverse=True):  # from the end: the earlier spans stay put
        start, end, kind = SPANS[i]
        text = text[:start] + draw(edge_value(kind)) + text[end:]
    if draw(st.booleans()):
        review = draw(edge_value("duration"))
        text = with_change("  plan_reviewed:", f"  review_every: {review}\n  plan_reviewed:", text)
    return text


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=edge_clients())
def test_every_quantity_and_date_at_its_edges_is_a_finding_never_a_crash(
    tiny: TinyProject, text: str
) -> None:
    path = tiny.client(text)
    count = text.count("\n") + 1
    portfolio = check_project(Project.at(tiny.root), (), TODAY)
    [record] = portfolio.clients
    for finding in record.findings:
        assert finding.file == FILE
        assert 1 <= finding.line <= count and finding.column >= 1, finding.text()
    client = record.client
    assert (client is None) == any(f.is_schema for f in record.findings)
    if client is None:
        return
    # Everything that works a date or an estimate out of the values, as the build does.
    assert units.EARLIEST <= client.agreement.last_day <= dt.date(3100, 12, 31)
    record.terms.canonical  # noqa: B018
    for scenario in record.estimates.values():
        for estimate in scenario.systems.values():
            units.format_hours(estimate.total)
    schedules = [b.restore_test for b in client.backups if b.restore_test]
    if client.disaster_recovery and client.disaster_recovery.test:
        schedules.append(client.disaster_recovery.test)
    for schedule in schedules:
        if schedule.last:
            schedule.every.after(schedule.last)
    bc = client.business_continuity
    if bc.plan_reviewed:
        bc.review_every.after(bc.plan_reviewed)
    portfolio_.summaries(portfolio)
    assert path.is_file()


# ------------------------------------------------- one bad client, the others built


BAD = with_change(
    "  download_bandwidth: 200 Mbps\n",
    "  download_bandwidth: 0 Mbps\n",
    text=with_change(
        "  effective: 2026-11-01\n",
        "  effective: 9999-11-01\n",
        text=with_change(
            "data: 60 GB,",
            "data: " + "9" * 5000 + " GB,",
            text=CLIENT.replace("id: acme\n", "id: bad\n"),
        ),
    ),
)


@pytest.mark.real_command
def test_one_client_at_its_edges_does_not_stop_the_others(tiny_site: TinyProject) -> None:
    tiny_site.client()
    tiny_site.client(BAD, "bad")
    check = tiny_site.tripod("check")
    assert check.code == 1
    assert "unexpected error" not in check.err
    problems = [line for line in check.out.splitlines() if line.startswith("clients/bad.yaml")]
    assert problems == [
        "clients/bad.yaml:10:14: error schema/out-of-range: agreement.effective: 9999-11-01 is "
        "outside the years 1900 to 2999",
        "clients/bad.yaml:15:41: error schema/out-of-range: systems[1].data: "
        "'9999999999999999999999999999999999999999'... (5,003 characters) has a number of "
        "5,000 digits",
        "clients/bad.yaml:40:23: error schema/zero: disaster_recovery.download_bandwidth: "
        "must be more than zero (0 Mbps)",
    ]
    build = tiny_site.tripod("build")
    assert build.code == 1
    assert "unexpected error" not in build.err and "Traceback" not in build.err
    site = tiny_site.root / "site"
    assert sorted(p.name for p in (site / "clients").iterdir()) == ["acme"]
    assert (site / "internal" / "index.html").is_file()
    assert [line for line in build.err.splitlines() if "not built" in line] == [
        "clients/bad.yaml: not built, last good site kept: the file cannot be loaded"
    ]


def test_the_date_arithmetic_helpers_stay_in_range() -> None:
    # The bounds are what keep them safe: the latest date plus the longest interval.
    latest = units.LATEST
    assert units.parse_duration("1200 mo").after(latest) == dt.date(3099, 12, 31)
    assert units.parse_duration("100 y").after(latest) == dt.date(3099, 12, 31)
    assert units.parse_duration("36500 d").after(latest) < dt.date.max
    assert Path(FILE).suffix == ".yaml"


def test_tripod_new_does_not_add_a_second_file_for_a_client(tiny: TinyProject) -> None:
    tiny.write("clients/acme.yml", CLIENT)
    run = tiny.tripod("new", "acme")
    assert run.code == 2
    assert run.err == "tripod: clients/acme.yml already exists; it was left as it is\n"
    assert sorted(p.name for p in (tiny.root / "clients").iterdir()) == ["acme.yml"]
