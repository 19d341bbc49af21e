"""Bad input of every kind: a readable finding at the right place, never a traceback.

Each case changes one thing in the base client (conftest.CLIENT, whose line
numbers these tests rely on) or writes a whole small file, and pins the exact
finding lines: `file:line:col: severity code: message`.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import generator
from conftest import CLIENT, TODAY, TinyProject, with_change
from generator.format import load, reader
from generator.format.load import load_client
from generator.format.reader import MAX_BYTES, MAX_NODES
from generator.project.layout import Project
from generator.project.record import check_project

FILE = "clients/acme.yaml"


def lines_of(tiny: TinyProject, text: str | bytes) -> list[str]:
    tiny.client(text)
    return tiny.lines()


def hints(tiny: TinyProject) -> list[tuple[str, str | None]]:
    return [(f.code, f.hint) for f in tiny.findings() if f.severity != "accepted"]


def loaded_client(tiny: TinyProject) -> Any:
    """The client model of the one client file (None when it is not loadable)."""
    report = check_project(Project.at(tiny.root), (), TODAY)
    assert len(report.clients) == 1
    return report.clients[0].client


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    """Billion laughs: each level is `width` aliases of the level before."""
    text = "a: &a [" + ",".join(["lol"] * width) + "]\n"
    for level in range(1, levels):
        name, previous = chr(ord("a") + level), chr(ord("a") + level - 1)
        text += f"{name}: &{name} [" + ",".join([f"*{previous}"] * width) + "]\n"
    return text


def big_file() -> str:
    """50 MB: a valid client followed by one enormous comment."""
    return CLIENT + "# " + "x" * (50 * 1024 * 1024) + "\n"


def nested_brackets(levels: int) -> str:
    return "a: " + "[" * levels + "]" * levels + "\n"


BINARY = bytes(range(256)) * 4


# ------------------------------------------------ YAML 1.2 core schema, as editors read it


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(
            "    encrypted: true\n    restore_test: {every: 90d",
            "    encrypted: yes\n    restore_test: {every: 90d",
            [
                "clients/acme.yaml:25:16: error schema/wrong-type: backups[0].encrypted: "
                "expected true or false, got 'yes'"
            ],
            id="yes-is-text",
        ),
        pytest.param(
            "standby: false",
            "standby: on",
            [
                "clients/acme.yaml:39:40: error schema/wrong-type: disaster_recovery.hardware.standby: "
                "expected true or false, got 'on'"
            ],
            id="on-is-text",
        ),
        pytest.param(
            "immutable: true}\n    encrypted: true\n    restore_test: {every: 90d",
            "immutable: NO}\n    encrypted: true\n    restore_test: {every: 90d",
            [
                "clients/acme.yaml:24:63: error schema/wrong-type: backups[0].copies[1].immutable: "
                "expected true or false, got 'NO'"
            ],
            id="NO-is-text",
        ),
    ],
)
def test_only_true_and_false_are_booleans(
    tiny: TinyProject, old: str, new: str, expected: list[str]
) -> None:
    assert lines_of(tiny, with_change(old, new)) == expected
    assert hints(tiny) == [("schema/wrong-type", "only true and false are booleans (YAML 1.2)")]


def test_a_number_for_a_boolean_is_a_wrong_type(tiny: TinyProject) -> None:
    text = with_change("Object storage, immutable: true}", "Object storage, immutable: 1}")
    assert lines_of(tiny, text) == [
        "clients/acme.yaml:24:63: error schema/wrong-type: backups[0].copies[1].immutable: "
        "expected true or false, got the number 1"
    ]


@pytest.mark.parametrize("spelling", ["true", "True", "TRUE"])
def test_true_in_the_core_schema_spellings_is_a_boolean(tiny: TinyProject, spelling: str) -> None:
    tiny.client(with_change("standby: false", f"standby: {spelling}"))
    assert tiny.lines() == []
    assert loaded_client(tiny).disaster_recovery.hardware.standby is True


@pytest.mark.parametrize(
    ("old", "new", "path", "value"),
    [
        pytest.param("\nname: Acme Dental\n", "\nname: NO\n", ("name",), "NO", id="NO"),
        pytest.param("\nname: Acme Dental\n", "\nname: yes\n", ("name",), "yes", id="yes"),
        pytest.param("\nname: Acme Dental\n", "\nname: on\n", ("name",), "on", id="on"),
        pytest.param("\nname: Acme Dental\n", "\nname: 1.10\n", ("name",), "1.10", id="1.10-name"),
        pytest.param("\nname: Acme Dental\n", "\nname: 1e3\n", ("name",), "1e3", id="1e3"),
        pytest.param("\nname: Acme Dental\n", "\nname: 0x1F\n", ("name",), "0x1F", id="hex"),
        pytest.param("\nname: Acme Dental\n", "\nname: .inf\n", ("name",), ".inf", id="inf"),
        pytest.param(
            "\nname: Acme Dental\n", "\nname: 2026-01-01\n", ("name",), "2026-01-01", id="date"
        ),
        pytest.param(
            "\nname: Acme Dental\n", "\nname: 'null'\n", ("name",), "null", id="quoted-null"
        ),
        pytest.param(
            "location: NAS}",
            "location: 1.10}",
            ("backups", 0, "copies", 0, "location"),
            "1.10",
            id="1.10-location",
        ),
        pytest.param(
            "location: NAS}",
            "location: 12:30}",
            ("backups", 0, "copies", 0, "location"),
            "12:30",
            id="12:30",
        ),
        pytest.param(
            'phone: "+61 2 5550 0101"',
            "phone: 0255500101",
            ("contacts", 0, "phone"),
            "0255500101",
            id="phone-leading-zero",
        ),
        pytest.param(
            "  specialist: resilient\n",
            "  specialist: ~\n",
            ("business_continuity", "specialist"),
            None,
            id="tilde-is-null",
        ),
        pytest.param(
            "  specialist: resilient\n",
            "  specialist: null\n",
            ("business_continuity", "specialist"),
            None,
            id="null-is-null",
        ),
        pytest.param(
            "  specialist: resilient\n",
            "  specialist:\n",
            ("business_continuity", "specialist"),
            None,
            id="empty-is-null",
        ),
    ],
)
def test_plain_scalars_keep_their_text_where_text_is_meant(
    tiny: TinyProject, old: str, new: str, path: tuple[str | int, ...], value: str | None
) -> None:
    tiny.client(with_change(old, new))
    assert tiny.lines() == []
    found: Any = loaded_client(tiny)
    for part in path:
        found = found[part] if isinstance(part, int) else getattr(found, part)
    assert found == value
    assert value is None or type(found) is str


def test_null_where_text_is_required_is_a_missing_field(tiny: TinyProject) -> None:
    # A blank value is a value not given: for a required field, a missing field.
    assert lines_of(tiny, with_change("\nname: Acme Dental\n", "\nname: ~\n")) == [
        "clients/acme.yaml:2:1: error schema/missing-field: missing required field 'name'"
    ]


def test_null_where_a_boolean_has_a_default_takes_the_default(tiny: TinyProject) -> None:
    assert lines_of(tiny, with_change("standby: false", "standby: null")) == []
    assert loaded_client(tiny).disaster_recovery.hardware.standby is False
    assert lines_of(tiny, with_change("encrypted: true", "encrypted:", count=2)) == [
        "clients/acme.yaml:25:5: error schema/missing-field: missing required field 'encrypted' "
        "in backups[0]",
        "clients/acme.yaml:35:5: error schema/missing-field: missing required field 'encrypted' "
        "in backups[1]",
    ]


def test_an_empty_owner_is_null_and_a_rule_finding_not_a_schema_error(tiny: TinyProject) -> None:
    assert lines_of(tiny, with_change("  owner: maria\n", "  owner:\n")) == [
        "clients/acme.yaml:50:9: error bc-no-owner: business continuity has no owner: "
        "someone must own it, the client or a specialist it names"
    ]


def test_a_boolean_where_text_is_meant_hints_at_quoting(tiny: TinyProject) -> None:
    assert lines_of(tiny, with_change("\nname: Acme Dental\n", "\nname: true\n")) == [
        "clients/acme.yaml:2:7: error schema/wrong-type: name: expected text, got true"
    ]
    assert hints(tiny) == [("schema/wrong-type", "quote it if it is meant as text")]


def test_a_decimal_where_a_whole_number_is_meant_keeps_its_spelling(tiny: TinyProject) -> None:
    assert lines_of(tiny, with_change("  version: 1\n", "  version: 1.10\n")) == [
        "clients/acme.yaml:9:12: error schema/wrong-type: agreement.version: "
        "expected a whole number, got the number 1.10"
    ]


def test_a_number_is_text_where_an_id_is_meant_also_as_a_key(tiny: TinyProject) -> None:
    # System id 2024 is a valid slug; as a key of test.measured it must stay that id.
    tiny.client(CLIENT.replace("pms", "2024"))
    assert tiny.lines() == []
    dr = loaded_client(tiny).disaster_recovery
    assert list(dr.test.measured) == ["2024"]


def test_whitespace_only_text_is_empty(tiny: TinyProject) -> None:
    assert lines_of(tiny, with_change("\nname: Acme Dental\n", "\nname: '   '\n")) == [
        "clients/acme.yaml:2:7: error schema/empty: name: must not be empty"
    ]


def test_empty_text_is_empty(tiny: TinyProject) -> None:
    assert lines_of(tiny, with_change("\nname: Acme Dental\n", "\nname: ''\n")) == [
        "clients/acme.yaml:2:7: error schema/empty: name: must not be empty"
    ]


# ----------------------------------------------------------- keys, tags, merges, aliases


def test_duplicate_key_points_at_the_second_and_names_the_first_line(tiny: TinyProject) -> None:
    text = with_change(
        "\nlegal_name: Acme Dental Pty Ltd\n", "\nlegal_name: Acme Dental Pty Ltd\nname: Again\n"
    )
    assert lines_of(tiny, text) == [
        "clients/acme.yaml:4:1: error schema/duplicate-key: 'name' appears twice in the document "
        "(first on line 2)"
    ]
    assert hints(tiny) == [
        ("schema/duplicate-key", "YAML keeps only the last one: remove one of them")
    ]


def test_duplicate_key_in_a_flow_mapping(tiny: TinyProject) -> None:
    text = with_change(
        "{id: pms, name: Practice server,", "{id: pms, name: Practice server, id: pms2,"
    )
    assert lines_of(tiny, text) == [
        "clients/acme.yaml:14:38: error schema/duplicate-key: 'id' appears twice in systems[0] "
        "(first on line 14)"
    ]


def test_a_quoted_key_is_the_same_key(tiny: TinyProject) -> None:
    text = with_change(
        "\nlegal_name: Acme Dental Pty Ltd\n", '\nlegal_name: Acme Dental Pty Ltd\n"name": b\n'
    )
    assert lines_of(tiny, text) == [
        "clients/acme.yaml:4:1: error schema/duplicate-key: 'name' appears twice in the document "
        "(first on line 2)"
    ]


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("[a]", "a key in the document is not a name"),
        ("~", "the key '~' in the document is not a field name"),
        ("true", "the key 'true' in the document is not a field name"),
    ],
)
def test_a_key_that_is_not_a_name(tiny: TinyProject, key: str, expected: str) -> None:
    text = with_change(
        "\nlegal_name: Acme Dental Pty Ltd\n", f"\nlegal_name: Acme Dental Pty Ltd\n{key}: b\n"
    )
    assert lines_of(tiny, text) == [f"clients/acme.yaml:4:1: error schema/bad-key: {expected}"]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(
            "\nname: Acme Dental\n",
            "\nname: !!str Acme Dental\n",
            "clients/acme.yaml:2:7: error schema/tag: name has the tag 'tag:yaml.org,2002:str'",
            id="str",
        ),
        pytest.param(
            "location: NAS}",
            "location: !custom NAS}",
            "clients/acme.yaml:23:34: error schema/tag: backups[0].copies[0].location "
            "has the tag '!custom'",
            id="custom",
        ),
        pytest.param(
            "agreement:\n",
            "agreement: !!map\n",
            "clients/acme.yaml:8:12: error schema/tag: agreement has the tag 'tag:yaml.org,2002:map'",
            id="map",
        ),
    ],
)
def test_tags_are_refused(tiny: TinyProject, old: str, new: str, expected: str) -> None:
    assert lines_of(tiny, with_change(old, new)) == [expected]
    assert hints(tiny) == [
        ("schema/tag", "remove the tag: Tripod files use plain YAML values only")
    ]


def test_merge_key_is_refused(tiny: TinyProject) -> None:
    text = with_change(
        "  - {where: local, location: NAS}\n",
        "  - {<<: {immutable: false}, where: local, location: NAS}\n",
    )
    assert lines_of(tiny, text) == [
        "clients/acme.yaml:23:10: error schema/merge-key: merge keys (<<) are not allowed"
    ]
    assert hints(tiny) == [("schema/merge-key", "write the fields out")]


def test_merge_key_in_a_block_mapping_drops_the_merged_fields(tiny: TinyProject) -> None:
    text = with_change(
        "    restore_test: {every: 90d, last: 2026-09-14}\n",
        "    restore_test:\n      <<: {every: 90d}\n      last: 2026-09-14\n",
    )
    assert lines_of(tiny, text) == [
        "clients/acme.yaml:26:5: error schema/missing-field: missing required field 'every' "
        "in backups[0].restore_test",
        "clients/acme.yaml:27:7: error schema/merge-key: merge keys (<<) are not allowed",
    ]


ANCHORED = with_change(
    "location: Object storage, immutable: true}",
    "location: &store Object storage, immutable: true}",
)


def test_an_anchor_alone_is_harmless(tiny: TinyProject) -> None:
    assert lines_of(tiny, ANCHORED) == []


def test_each_alias_is_pointed_at_and_nothing_else(tiny: TinyProject) -> None:
    # The aliased values are not read: only the aliases are reported, where each is
    # written (not "expected text, got nothing" at the anchor's line, nor an empty list).
    text = with_change(
        "location: Provider storage}",
        "location: *store}",
        text=with_change("location: SaaS vendor,", "location: *store,", text=ANCHORED),
    )
    assert lines_of(tiny, text) == [
        "clients/acme.yaml:33:36: error schema/alias: *store repeats an anchored value",
        "clients/acme.yaml:34:36: error schema/alias: *store repeats an anchored value",
    ]
    assert (
        hints(tiny)
        == [
            (
                "schema/alias",
                "write the value out: anchors and aliases are not allowed in Tripod files",
            )
        ]
        * 2
    )


def test_recursive_alias(tiny: TinyProject) -> None:
    assert lines_of(tiny, CLIENT + "exclusions: &x [a, *x]\n") == [
        "clients/acme.yaml:58:20: error schema/alias: *x repeats an anchored value"
    ]


def test_alias_bomb_is_refused_fast_in_bounded_memory(tiny: TinyProject) -> None:
    tiny.client(alias_bomb())
    tracemalloc.start()
    start = time.perf_counter()
    try:
        findings = tiny.findings()
        elapsed = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert elapsed < 0.5
    assert peak < 20_000_000
    assert all(f.is_schema for f in findings)
    aliases = [f.text() for f in findings if f.code == "schema/alias"]
    assert aliases == [
        f"clients/acme.yaml:{line}:{column}: error schema/alias: "
        f"*{chr(ord('a') + line - 2)} repeats an anchored value"
        for line in range(2, 10)
        for column in range(8, 33, 3)
    ]


# ------------------------------------------------------------------- not a document


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(
            "  systems: [pms]\n",
            "  systems: [pms\n",
            "clients/acme.yaml:18:14: error schema/yaml: not valid YAML: "
            "the [ here is never closed with ]",
            id="unclosed-bracket",
        ),
        pytest.param(
            "  - {where: local, location: NAS}\n",
            "  - {where: local, location: NAS\n",
            "clients/acme.yaml:23:9: error schema/yaml: not valid YAML: "
            "the { here is never closed with }",
            id="unclosed-brace",
        ),
        pytest.param(
            "    method: image\n",
            "     method: image\n",
            "clients/acme.yaml:19:6: error schema/yaml: not valid YAML: did not find expected key "
            "(while parsing a block mapping that starts on line 17)",
            id="indented-too-far",
        ),
        pytest.param(
            "    method: image\n",
            "   method: image\n",
            "clients/acme.yaml:19:4: error schema/yaml: not valid YAML: did not find expected '-' "
            "indicator (while parsing a block collection that starts on line 17)",
            id="indented-too-little",
        ),
        pytest.param(
            "    method: image\n",
            "\tmethod: image\n",
            "clients/acme.yaml:19:1: error schema/yaml: not valid YAML: a tab in the indentation",
            id="tab-indent",
        ),
        pytest.param(
            "    method: image\n",
            "  \t  method: image\n",
            "clients/acme.yaml:19:3: error schema/yaml: not valid YAML: a tab in the indentation",
            id="tab-inside-indent",
        ),
    ],
)
def test_broken_yaml(tiny: TinyProject, old: str, new: str, expected: str) -> None:
    assert lines_of(tiny, with_change(old, new)) == [expected]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "", "clients/acme.yaml:1:1: error schema/empty: the file is empty", id="empty"
        ),
        pytest.param(
            "\n\n   \n", "clients/acme.yaml:1:1: error schema/empty: the file is empty", id="blank"
        ),
        pytest.param(
            "# just a comment\n# and another\n",
            "clients/acme.yaml:1:1: error schema/empty: the file is empty",
            id="comments-only",
        ),
        pytest.param(
            "~\n", "clients/acme.yaml:1:1: error schema/empty: the file has no fields", id="null"
        ),
        pytest.param(
            "---\n",
            "clients/acme.yaml:1:1: error schema/empty: the file has no fields",
            id="bare-start",
        ),
        pytest.param(
            "- id: acme\n- name: Acme\n",
            "clients/acme.yaml:1:1: error schema/wrong-type: expected a mapping of fields "
            "(like `id: ...`), got a list",
            id="list-at-top",
        ),
        pytest.param(
            "acme\n",
            "clients/acme.yaml:1:1: error schema/wrong-type: expected a mapping of fields "
            "(like `id: ...`), got 'acme'",
            id="text-at-top",
        ),
        pytest.param(
            "42\n",
            "clients/acme.yaml:1:1: error schema/wrong-type: expected a mapping of fields "
            "(like `id: ...`), got the number 42",
            id="number-at-top",
        ),
        pytest.param(
            CLIENT + "---\nid: other\n",
            "clients/acme.yaml:58:1: error schema/yaml: not valid YAML: but found another document "
            "(expected a single document in the stream)",
            id="two-documents",
        ),
    ],
)
def test_not_a_client_document(tiny: TinyProject, text: str, expected: str) -> None:
    assert lines_of(tiny, text) == [expected]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("---\n" + CLIENT, id="start-marker"),
        pytest.param(CLIENT + "...\n", id="end-marker"),
    ],
)
def test_one_document_with_markers_is_fine(tiny: TinyProject, text: str) -> None:
    assert lines_of(tiny, text) == []


def test_a_50_mb_file_is_refused_by_size_fast(tiny: TinyProject) -> None:
    tiny.client(big_file())
    start = time.perf_counter()
    found = tiny.lines()
    assert time.perf_counter() - start < 1.0
    assert found == [
        "clients/acme.yaml:1:1: error schema/too-large: "
        "the file is 52,430,637 bytes; a Tripod file is at most 1,000,000"
    ]


def test_a_50_mb_file_is_refused_without_reading_it_into_memory(tmp_path: Path) -> None:
    path = tmp_path / "acme.yaml"
    path.write_text(big_file(), "utf-8")
    tracemalloc.start()
    try:
        loaded = load_client(path, FILE, TODAY)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [f.code for f in loaded.findings] == ["schema/too-large"]
    assert peak < 4 * MAX_BYTES  # bounded by the limit, not by the file


def test_one_byte_over_the_limit(tiny: TinyProject) -> None:
    text = CLIENT + "#" + "x" * (MAX_BYTES - len(CLIENT)) + "\n"
    assert lines_of(tiny, text) == [
        "clients/acme.yaml:1:1: error schema/too-large: "
        "the file is 1,000,002 bytes; a Tripod file is at most 1,000,000"
    ]


def test_too_many_values_is_one_finding_not_one_per_value(tiny: TinyProject) -> None:
    # The values past the limit are not read; they are not "nothing" either.
    text = CLIENT + "exclusions: [" + ", ".join(["x"] * (MAX_NODES + 500)) + "]\n"
    start = time.perf_counter()
    found = lines_of(tiny, text)
    assert time.perf_counter() - start < 5
    assert found == [
        "clients/acme.yaml:58:299672: error schema/too-large: "
        "the document is nested too deeply or has too many values"
    ]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param(
            CLIENT.replace("Maria Chen", "Mar\xeda Chen").encode("latin-1"),
            "clients/acme.yaml:5:26: error schema/encoding: the file is not UTF-8 (byte 0xed)",
            id="latin-1",
        ),
        pytest.param(
            "id: acme\nname: Caf\xe9 \u2013 \xe9\xe9\n".encode() + b"legal_name: \xe9\n",
            "clients/acme.yaml:3:13: error schema/encoding: the file is not UTF-8 (byte 0xe9)",
            id="after-multibyte-text",
        ),
        pytest.param(
            "id: acme\r\nname: ok\r\nlegal_name: x\xff\r\n".encode("latin-1"),
            "clients/acme.yaml:3:14: error schema/encoding: the file is not UTF-8 (byte 0xff)",
            id="crlf",
        ),
        pytest.param(
            CLIENT.encode("utf-16"),
            "clients/acme.yaml:1:1: error schema/encoding: the file is not UTF-8 (byte 0xff)",
            id="utf-16",
        ),
        pytest.param(
            BINARY,
            "clients/acme.yaml:2:118: error schema/encoding: the file is not UTF-8 (byte 0x80)",
            id="binary",
        ),
    ],
)
def test_not_utf8_points_at_the_bad_byte(tiny: TinyProject, raw: bytes, expected: str) -> None:
    assert lines_of(tiny, raw) == [expected]
    assert hints(tiny) == [("schema/encoding", "save it as UTF-8")]


def test_utf8_bom_is_accepted(tiny: TinyProject) -> None:
    assert lines_of(tiny, b"\xef\xbb\xbf" + CLIENT.encode()) == []


def test_utf8_bom_does_not_shift_positions(tiny: TinyProject) -> None:
    text = with_change("\nname: Acme Dental\n", "\nname: [Acme]\n")
    assert lines_of(tiny, b"\xef\xbb\xbf" + text.encode()) == [
        "clients/acme.yaml:2:7: error schema/wrong-type: name: expected text, got a list"
    ]


def test_crlf_line_ends_keep_positions(tiny: TinyProject) -> None:
    text = with_change("data: 420 GB,", "data: 420 Gb,").replace("\n", "\r\n")
    assert lines_of(tiny, text) == [
        "clients/acme.yaml:14:44: error schema/bad-unit: systems[0].data: '420 Gb': unknown unit "
        "'Gb'; sizes use B, KB, MB, GB, TB, PB or KiB, MiB, GiB, TiB, PiB; a lower-case b means "
        "bits: sizes are in bytes (B)"
    ]


def test_control_character_is_pointed_at_in_one_line(tiny: TinyProject) -> None:
    tiny.client(with_change("\nname: Acme Dental\n", "\nname: Acme\x07Dental\n"))
    found = [f for f in tiny.findings() if f.severity != "accepted"]
    assert [(f.file, f.line, f.column, f.code) for f in found] == [(FILE, 2, 11, "schema/yaml")]
    assert "\n" not in found[0].message


def test_unicode_line_separator_is_not_a_line_break(tiny: TinyProject) -> None:
    # YAML 1.2 (editors) reads U+2028 as a character, not a line break: whatever is
    # reported must be on the line where it is, never on a later one.
    tiny.client(with_change("\nname: Acme Dental\n", "\nname: Acme\u2028Dental\n"))
    assert [f.line for f in tiny.findings() if f.severity != "accepted"] in ([], [2])


def test_10000_nested_brackets(tiny: TinyProject) -> None:
    start = time.perf_counter()
    found = lines_of(tiny, nested_brackets(10_000))
    assert time.perf_counter() - start < 1.0
    assert found == [
        "clients/acme.yaml:1:1003: error schema/yaml: not valid YAML: exceeded maximum nesting "
        "depth (while increasing flow level)"
    ]


def test_10000_unclosed_brackets(tiny: TinyProject) -> None:
    assert lines_of(tiny, "a: " + "[" * 10_000 + "\n") == [
        "clients/acme.yaml:1:1003: error schema/yaml: not valid YAML: exceeded maximum nesting "
        "depth (while increasing flow level)"
    ]


def test_nesting_deeper_than_a_client_ever_needs(tiny: TinyProject) -> None:
    text = with_change("\nname: Acme Dental\n", "\nname: " + "[" * 100 + "]" * 100 + "\n")
    # Only the depth finding: values cut off at the limit are not validated.
    assert lines_of(tiny, text) == [
        "clients/acme.yaml:2:39: error schema/too-large: "
        "the document is nested too deeply or has too many values",
    ]


def _pure_python_load(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The loader, reading with a reader imported afresh where PyYAML has no libyaml
    (its pure-Python fallback)."""
    monkeypatch.delattr(yaml, "CParser", raising=False)
    monkeypatch.delattr(yaml, "cyaml", raising=False)
    name = "generator._reader_without_libyaml"
    spec = importlib.util.spec_from_file_location(name, Path(reader.__file__))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    module.__package__ = generator.__name__
    monkeypatch.setitem(sys.modules, name, module)
    spec.loader.exec_module(module)
    assert "CParser" not in module._Parser.__name__
    monkeypatch.setattr(load, "reader", module)
    return load


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(CLIENT, [], id="base-client"),
        pytest.param(
            with_change("data: 420 GB,", "data: 420 Gb,"),
            ["clients/acme.yaml:14:44: error schema/bad-unit"],
            id="bad-unit",
        ),
        pytest.param(nested_brackets(10_000), ["clients/acme.yaml:1:"], id="10000-brackets"),
        pytest.param(
            with_change("    method: image\n", "\tmethod: image\n"),
            ["clients/acme.yaml:19:1: error schema/yaml: not valid YAML: a tab in the indentation"],
            id="tab",
        ),
        pytest.param(
            with_change("  recovery_site: Provider", "  recovery_site: Provider: our"),
            [
                "clients/acme.yaml:38:26: error schema/yaml: not valid YAML: the value contains "
                "': ', which YAML reads as another key"
            ],
            id="value-with-colon",
        ),
        pytest.param(
            with_change("  systems: [pms]\n", "  systems: [pms\n"),
            ["clients/acme.yaml:18:14: error schema/yaml: not valid YAML: the [ here is never"],
            id="unclosed-bracket",
        ),
        pytest.param(
            with_change("  recovery_site: Provider", '  recovery_site: "Provider'),
            ["clients/acme.yaml:38:18: error schema/yaml: not valid YAML: the quoted value"],
            id="unclosed-quote",
        ),
        pytest.param(
            with_change("  recovery_site: Provider", "  recovery_site Provider"),
            ["clients/acme.yaml:38:3: error schema/yaml: not valid YAML: this line has a key"],
            id="key-without-colon",
        ),
    ],
)
def test_without_libyaml_the_fallback_parser_works(
    monkeypatch: pytest.MonkeyPatch, text: str, expected: list[str]
) -> None:
    module = _pure_python_load(monkeypatch)
    loaded = module.load_model(text.encode(), FILE, load.model.Client, TODAY)
    found = [f.text() for f in loaded.findings]
    assert len(found) == len(expected)
    for line, start in zip(found, expected, strict=True):
        assert line.startswith(start)


# -------------------------------------------------------------------------- wrong types


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(
            "  hardware: {procurement: 2d, standby: false}\n",
            "  hardware: [2d, false]\n",
            "clients/acme.yaml:39:13: error schema/wrong-type: disaster_recovery.hardware: "
            "expected a mapping of fields, got a list",
            id="list-for-mapping",
        ),
        pytest.param(
            "  signatories: {client: maria}\n",
            "  signatories: maria\n",
            "clients/acme.yaml:12:16: error schema/wrong-type: agreement.signatories: "
            "expected a mapping of fields, got 'maria'",
            id="text-for-mapping",
        ),
        pytest.param(
            "  systems: [pms]\n",
            "  systems: {pms: yes}\n",
            "clients/acme.yaml:18:14: error schema/wrong-type: backups[0].systems: "
            "expected a list, got a mapping",
            id="mapping-for-list",
        ),
        pytest.param(
            "acknowledged:\n  - {check",
            "acknowledged:\n  {check",
            "clients/acme.yaml:57:3: error schema/wrong-type: acknowledged: "
            "expected a list, got a mapping",
            id="block-mapping-for-list",
        ),
        pytest.param(
            'contacts:\n  - {id: maria, name: Maria Chen, role: Practice Manager, phone: "+61 2 5550 0101"}\n',
            "contacts: 5\n",
            "clients/acme.yaml:4:11: error schema/wrong-type: contacts: "
            "expected a list, got the number 5",
            id="number-for-list",
        ),
        pytest.param(
            "  recovery_site: Provider data centre\n",
            "  recovery_site: {a: b}\n",
            "clients/acme.yaml:38:18: error schema/wrong-type: disaster_recovery.recovery_site: "
            "expected text, got a mapping",
            id="mapping-for-text",
        ),
        pytest.param(
            "\nname: Acme Dental\n",
            "\nname: [Acme]\n",
            "clients/acme.yaml:2:7: error schema/wrong-type: name: expected text, got a list",
            id="list-for-text",
        ),
        pytest.param(
            "  version: 1\n",
            "  version: two\n",
            "clients/acme.yaml:9:12: error schema/wrong-type: agreement.version: "
            "expected a whole number, got 'two'",
            id="text-for-number",
        ),
        pytest.param(
            "  version: 1\n",
            '  version: "1"\n',
            "clients/acme.yaml:9:12: error schema/wrong-type: agreement.version: "
            "expected a whole number, got '1'",
            id="quoted-number",
        ),
        pytest.param(
            "  version: 1\n",
            "  version: 0\n",
            "clients/acme.yaml:9:12: error schema/out-of-range: agreement.version: "
            "the number 0 is less than 1",
            id="version-0",
        ),
    ],
)
def test_wrong_types(tiny: TinyProject, old: str, new: str, expected: str) -> None:
    assert lines_of(tiny, with_change(old, new)) == [expected]


# ------------------------------------------------------------ unknown and missing fields


def test_unknown_field_with_a_typo_gets_did_you_mean(tiny: TinyProject) -> None:
    text = with_change(
        "immutable: true}\n    encrypted: true\n    restore_test: {every: 90d",
        "imutable: true}\n    encrypted: true\n    restore_test: {every: 90d",
    )
    assert lines_of(tiny, text) == [
        "clients/acme.yaml:24:52: error schema/unknown-field: unknown field 'imutable' "
        "in backups[0].copies[1]"
    ]
    assert hints(tiny) == [
        (
            "schema/unknown-field",
            "did you mean 'immutable'? fields here: where, location, immutable, offline, on_system",
        )
    ]


def test_unknown_top_level_field(tiny: TinyProject) -> None:
    text = with_change(
        "\nlegal_name: Acme Dental Pty Ltd\n", "\nlegal_name: Acme Dental Pty Ltd\nnotes: x\n"
    )
    assert lines_of(tiny, text) == [
        "clients/acme.yaml:4:1: error schema/unknown-field: unknown field 'notes'"
    ]
    assert hints(tiny) == [
        (
            "schema/unknown-field",
            "fields here: id, name, legal_name, contacts, third_parties, agreement, systems, "
            "backups, disaster_recovery, business_continuity, responsibilities, acknowledged, "
            "exclusions",
        )
    ]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(
            "\nlegal_name: Acme Dental Pty Ltd\n",
            "\n",
            "clients/acme.yaml:1:1: error schema/missing-field: missing required field 'legal_name'",
            id="top-level",
        ),
        pytest.param(
            "  network_reconfiguration: 6h\n",
            "",
            "clients/acme.yaml:37:1: error schema/missing-field: missing required field "
            "'network_reconfiguration' in disaster_recovery",
            id="in-a-section",
        ),
        pytest.param(
            "  invocation: {client: maria, provider: Service desk lead}\n",
            "  invocation: {provider: Service desk lead}\n",
            "clients/acme.yaml:47:3: error schema/missing-field: missing required field 'client' "
            "in disaster_recovery.invocation",
            id="nested-mapping",
        ),
        pytest.param(
            "data: 420 GB, criticality: critical",
            "criticality: critical",
            "clients/acme.yaml:14:5: error schema/missing-field: missing required field 'data' "
            "in systems[0]",
            id="list-item-flow",
        ),
        pytest.param(
            "    method: image\n",
            "",
            "clients/acme.yaml:17:5: error schema/missing-field: missing required field 'method' "
            "in backups[0]",
            id="list-item-block",
        ),
    ],
)
def test_missing_required_field_points_at_the_parent(
    tiny: TinyProject, old: str, new: str, expected: str
) -> None:
    assert lines_of(tiny, with_change(old, new)) == [expected]


# ------------------------------------------------------------ units, ids, values, dates


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(
            "    every: 4h\n",
            "    every: 4 hrs ago\n",
            "clients/acme.yaml:20:12: error schema/bad-unit: backups[0].every: '4 hrs ago': "
            "unknown unit 'hrs ago'; durations use min, h, d, w, mo or y (4h, 2 days, 12mo)",
            id="every-4-hrs-ago",
        ),
        pytest.param(
            "    every: 4h\n",
            "    every: 4\n",
            "clients/acme.yaml:20:12: error schema/bad-unit: backups[0].every: 4 has no unit: "
            "a duration is written like 4h",
            id="every-no-unit",
        ),
        pytest.param(
            "    every: 4h\n",
            "    every: -4h\n",
            "clients/acme.yaml:20:12: error schema/bad-unit: backups[0].every: '-4h' is not a "
            "duration: write a number and a unit, like 4h, 2 days or 12mo",
            id="every-negative",
        ),
        pytest.param(
            "data: 420 GB,",
            "data: 420 Gb,",
            "clients/acme.yaml:14:44: error schema/bad-unit: systems[0].data: '420 Gb': unknown "
            "unit 'Gb'; sizes use B, KB, MB, GB, TB, PB or KiB, MiB, GiB, TiB, PiB; a lower-case "
            "b means bits: sizes are in bytes (B)",
            id="data-in-bits",
        ),
        pytest.param(
            "data: 420 GB,",
            "data: 420,",
            "clients/acme.yaml:14:44: error schema/bad-unit: systems[0].data: 420 has no unit: "
            "a size is written like 420 GB",
            id="data-no-unit",
        ),
        pytest.param(
            "data: 420 GB,",
            "data: 4.20,",
            "clients/acme.yaml:14:44: error schema/bad-unit: systems[0].data: 4.20 has no unit: "
            "a size is written like 420 GB",
            id="data-decimal-no-unit",
        ),
        pytest.param(
            "data: 420 GB,",
            "data: true,",
            "clients/acme.yaml:14:44: error schema/bad-unit: systems[0].data: "
            "expected a size, like 420 GB",
            id="data-boolean",
        ),
        pytest.param(
            "  download_bandwidth: 200 Mbps\n",
            "  download_bandwidth: 200 MBps\n",
            "clients/acme.yaml:40:23: error schema/bad-unit: disaster_recovery.download_bandwidth: "
            "'200 MBps': unknown unit 'MBps'; link speeds use bps, Kbps, Mbps or Gbps; "
            "link speeds are in bits per second",
            id="bandwidth-in-bytes",
        ),
        pytest.param(
            "  restore_rate: 400 GB/h\n",
            "  restore_rate: 400 GB/day\n",
            "clients/acme.yaml:41:17: error schema/bad-unit: disaster_recovery.restore_rate: "
            "'400 GB/day' is not a throughput: write a size per hour or second, like 400 GB/h",
            id="rate-per-day",
        ),
    ],
)
def test_bad_units(tiny: TinyProject, old: str, new: str, expected: str) -> None:
    assert lines_of(tiny, with_change(old, new)) == [expected]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(
            "id: acme\n",
            "id: Acme Dental\n",
            "clients/acme.yaml:1:5: error schema/bad-id: id: 'Acme Dental' is not an id",
            id="client-id",
        ),
        pytest.param(
            "  - id: pms-image\n",
            "  - id: pms_image\n",
            "clients/acme.yaml:17:9: error schema/bad-id: backups[0].id: 'pms_image' is not an id",
            id="backup-id",
        ),
    ],
)
def test_bad_id(tiny: TinyProject, old: str, new: str, expected: str) -> None:
    assert lines_of(tiny, with_change(old, new)) == [expected]
    assert hints(tiny) == [
        ("schema/bad-id", "ids are lowercase letters, digits and single hyphens, like pms-image")
    ]


def test_one_bad_id_in_a_list_is_only_that_finding(tiny: TinyProject) -> None:
    # Not also "backups[0].systems: must not be empty": the list has an entry.
    assert lines_of(tiny, with_change("  systems: [pms]\n", "  systems: [Pms]\n")) == [
        "clients/acme.yaml:18:15: error schema/bad-id: backups[0].systems[0]: 'Pms' is not an id"
    ]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(
            "criticality: critical",
            "criticality: urgent",
            "clients/acme.yaml:14:65: error schema/bad-value: systems[0].criticality: "
            "expected 'critical', 'important' or 'deferrable', got 'urgent'",
            id="criticality",
        ),
        pytest.param(
            "hosting: cloud",
            "hosting: Cloud",
            "clients/acme.yaml:15:81: error schema/bad-value: systems[1].hosting: "
            "expected 'on-premises' or 'cloud', got 'Cloud'",
            id="hosting-case",
        ),
        pytest.param(
            "    method: image\n",
            "    method: tape\n",
            "clients/acme.yaml:19:13: error schema/bad-value: backups[0].method: "
            "expected 'image', 'file', 'database', 'saas' or 'snapshot', got 'tape'",
            id="method",
        ),
    ],
)
def test_bad_enum_value(tiny: TinyProject, old: str, new: str, expected: str) -> None:
    assert lines_of(tiny, with_change(old, new)) == [expected]


ACKNOWLEDGEABLE = (
    "'no-surviving-copy', 'rpo-unachievable', 'rto-unachievable', 'rto-above-mtd', "
    "'measured-over-rto', 'no-offsite-copy' or 'mutable-offsite'"
)


@pytest.mark.parametrize(
    ("new", "got"),
    [
        pytest.param("check: rpo-unachievble", "'rpo-unachievble'", id="misspelt"),
        pytest.param("check: unprotected-system", "'unprotected-system'", id="not-acknowledgeable"),
        pytest.param("check: Rpo-Unachievable", "'Rpo-Unachievable'", id="not-an-id"),
        pytest.param("check: 5", "the number 5", id="number"),
        pytest.param("check: [rpo-unachievable]", "a list", id="list"),
    ],
)
def test_an_acknowledgement_names_a_gap_that_can_be_accepted(
    tiny: TinyProject, new: str, got: str
) -> None:
    # The rules say which codes these are; the project hands them to the loader.
    assert lines_of(tiny, with_change("check: rpo-unachievable", new)) == [
        f"clients/acme.yaml:57:13: error schema/bad-value: acknowledged[0].check: "
        f"expected {ACKNOWLEDGEABLE}, got {got}"
    ]


@pytest.mark.parametrize("count", [1, 2, 6])
def test_an_unknown_acknowledgement_reads_like_any_other_bad_choice(count: int) -> None:
    from typing import Literal

    from pydantic import TypeAdapter, ValidationError

    from generator.format.model import Acknowledgement
    from generator.rules.registry import acknowledgeable

    codes = acknowledgeable()[:count]
    data = {"check": "x", "system": "mail", "reason": "Fine", "accepted_by": "maria"}
    with pytest.raises(ValidationError) as ours:
        Acknowledgement.model_validate(data, context={"acknowledgeable": codes})
    with pytest.raises(ValidationError) as literal:
        TypeAdapter(Literal[codes]).validate_python("x", strict=True)
    (error,) = ours.value.errors()
    assert (error["type"], error["ctx"], error["msg"]) == (
        "literal_error",
        literal.value.errors()[0]["ctx"],
        literal.value.errors()[0]["msg"],
    )


def test_without_the_codes_an_acknowledgement_names_any_code(tmp_path: Path) -> None:
    # Read without checking (an issued agreement's terms): the format knows no rule.
    path = tmp_path / "acme.yaml"
    path.write_text(with_change("check: rpo-unachievable", "check: retired-rule"))
    loaded = load_client(path, FILE, TODAY)
    assert loaded.findings == []
    assert loaded.model is not None
    assert loaded.model.acknowledged[0].check == "retired-rule"
    path.write_text(with_change("check: rpo-unachievable", "check: Retired"))
    assert [f.text() for f in load_client(path, FILE, TODAY).findings] == [
        f"{FILE}:57:13: error schema/bad-id: acknowledged[0].check: 'Retired' is not an id"
    ]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(
            "  effective: 2026-11-01\n",
            "  effective: 2026-02-30\n",
            "clients/acme.yaml:10:14: error schema/bad-date: agreement.effective: "
            "'2026-02-30' is not a date on the calendar",
            id="30-february",
        ),
        pytest.param(
            "  effective: 2026-11-01\n",
            "  effective: 2026/01/01\n",
            "clients/acme.yaml:10:14: error schema/bad-date: agreement.effective: "
            "expected a date written YYYY-MM-DD, like 2026-03-02",
            id="slashes",
        ),
        pytest.param(
            "  test: {every: 12mo, last: 2026-03-02,",
            "  test: {every: 12mo, last: 2026-13-02,",
            "clients/acme.yaml:48:29: error schema/bad-date: disaster_recovery.test.last: "
            "'2026-13-02' is not a date on the calendar",
            id="month-13",
        ),
        pytest.param(
            "last: 2026-09-14}",
            "last: 2026-11-26}",
            "clients/acme.yaml:26:38: error schema/future-date: backups[0].restore_test.last: "
            "2026-11-26 is in the future: this records when it last happened",
            id="last-tomorrow",
        ),
        pytest.param(
            "  plan_reviewed: 2026-06-30\n",
            "  plan_reviewed: 2027-01-01\n",
            "clients/acme.yaml:55:18: error schema/future-date: business_continuity.plan_reviewed: "
            "2027-01-01 is in the future: this records when it last happened",
            id="reviewed-next-year",
        ),
    ],
)
def test_bad_dates(tiny: TinyProject, old: str, new: str, expected: str) -> None:
    assert lines_of(tiny, with_change(old, new)) == [expected]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        pytest.param("last: 2026-09-14}", "last: 2026-11-25}", id="last-today"),
        pytest.param(
            "  effective: 2026-11-01\n", "  effective: 2027-11-01\n", id="effective-future"
        ),
    ],
)
def test_dates_that_are_fine(tiny: TinyProject, old: str, new: str) -> None:
    assert lines_of(tiny, with_change(old, new)) == []


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(
            "systems:\n  - {id: pms, name: Practice server, data: 420 GB, criticality: critical, "
            "hosting: on-premises}\n  - {id: mail, name: Hosted mail, data: 60 GB, "
            "criticality: important, hosting: cloud}\n",
            "systems: []\n",
            "clients/acme.yaml:13:10: error schema/empty: systems: must not be empty",
            id="systems",
        ),
        pytest.param(
            "  systems: [pms]\n",
            "  systems: []\n",
            "clients/acme.yaml:18:14: error schema/empty: backups[0].systems: must not be empty",
            id="backup-systems",
        ),
    ],
)
def test_empty_list_where_one_entry_is_required(
    tiny: TinyProject, old: str, new: str, expected: str
) -> None:
    assert lines_of(tiny, with_change(old, new)) == [expected]


# ------------------------------------------------------------ references and ids


@pytest.mark.parametrize(
    ("old", "new", "expected", "hint"),
    [
        pytest.param(
            "  systems: [pms]\n",
            "  systems: [psm]\n",
            "clients/acme.yaml:18:15: error schema/dangling-reference: "
            "'psm' is not a system in this file",
            "did you mean 'pms'?",
            id="backup-system",
        ),
        pytest.param(
            "    - {system: mail, rto: 8h",
            "    - {system: crm, rto: 8h",
            "clients/acme.yaml:46:16: error schema/dangling-reference: "
            "'crm' is not a system in this file",
            "known: pms, mail",
            id="objective-system",
        ),
        pytest.param(
            "  invocation:",
            "  recovery_order: [pms, mail, crm]\n  invocation:",
            "clients/acme.yaml:47:31: error schema/dangling-reference: "
            "'crm' is not a system in this file",
            "known: pms, mail",
            id="recovery-order",
        ),
        pytest.param(
            "measured: {pms: 30h}",
            "measured: {crm: 30h}",
            # the key, not its value
            "clients/acme.yaml:48:52: error schema/dangling-reference: "
            "'crm' is not a system in this file",
            "known: pms, mail",
            id="test-measured-key",
        ),
        pytest.param(
            "  invocation: {client: maria,",
            "  invocation: {client: mario,",
            "clients/acme.yaml:47:24: error schema/dangling-reference: "
            "'mario' is not a contact in this file",
            "did you mean 'maria'?",
            id="invocation-client",
        ),
        pytest.param(
            "  signatories: {client: maria}",
            "  signatories: {client: bob}",
            "clients/acme.yaml:12:25: error schema/dangling-reference: "
            "'bob' is not a contact in this file",
            "known: maria",
            id="signatories-client",
        ),
        pytest.param(
            "  owner: maria\n",
            "  owner: nobody\n",
            "clients/acme.yaml:50:10: error schema/dangling-reference: "
            "'nobody' is not a contact or third party in this file",
            "known: maria, resilient",
            id="bc-owner",
        ),
        pytest.param(
            "  specialist: resilient\n",
            "  specialist: maria\n",
            "clients/acme.yaml:51:15: error schema/dangling-reference: "
            "'maria' is not a third party in this file",
            "known: resilient",
            id="bc-specialist-is-a-contact",
        ),
        pytest.param(
            "{check: rpo-unachievable, system: mail,",
            "{check: rpo-unachievable, system: crm,",
            "clients/acme.yaml:57:39: error schema/dangling-reference: "
            "'crm' is not a system in this file",
            "known: pms, mail",
            id="acknowledged-system",
        ),
        pytest.param(
            "accepted_by: maria}",
            "accepted_by: resilient}",
            "clients/acme.yaml:57:83: error schema/dangling-reference: "
            "'resilient' is not a contact in this file",
            "known: maria",
            id="acknowledged-accepted-by",
        ),
    ],
)
def test_dangling_reference_points_at_the_reference(
    tiny: TinyProject, old: str, new: str, expected: str, hint: str
) -> None:
    assert lines_of(tiny, with_change(old, new)) == [expected]
    assert hints(tiny) == [("schema/dangling-reference", hint)]


def test_dangling_exclusion_system(tiny: TinyProject) -> None:
    text = CLIENT + (
        "exclusions:\n"
        "  - Staff devices are not backed up.\n"
        "  - {system: cctv, reason: Not worth keeping}\n"
    )
    assert lines_of(tiny, text) == [
        "clients/acme.yaml:60:14: error schema/dangling-reference: "
        "'cctv' is not a system in this file"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            with_change(
                "criticality: important, hosting: cloud}\n",
                "criticality: important, hosting: cloud}\n"
                "  - {id: pms, name: Other, data: 1 GB, criticality: deferrable, hosting: cloud}\n",
            ),
            "clients/acme.yaml:16:10: error schema/duplicate-id: the system 'pms' is defined twice "
            "(first on line 14)",
            id="systems",
        ),
        pytest.param(
            with_change("  - id: mail-saas\n", "  - id: pms-image\n"),
            "clients/acme.yaml:27:9: error schema/duplicate-id: "
            "the backup 'pms-image' is defined twice (first on line 17)",
            id="backups",
        ),
        pytest.param(
            with_change(
                "  specialist: resilient\n",
                "  specialist: maria\n",
                text=with_change("  - {id: resilient,", "  - {id: maria,"),
            ),
            "clients/acme.yaml:7:10: error schema/duplicate-id: "
            "the contact or third party 'maria' is defined twice (first on line 5)",
            id="contact-and-third-party",
        ),
        pytest.param(
            with_change("  invocation:", "  recovery_order: [pms, mail, pms]\n  invocation:"),
            "clients/acme.yaml:47:31: error schema/duplicate-id: "
            "the place in the recovery order of 'pms' is defined twice (first on line 47)",
            id="recovery-order",
        ),
        pytest.param(
            with_change(
                "  specialist: resilient\n",
                "  specialist: provider\n",
                text=with_change("  - {id: resilient,", "  - {id: provider,"),
            ),
            "clients/acme.yaml:7:10: error schema/reserved-id: "
            "'provider' names a party of the agreement",
            id="third-party-named-provider",
        ),
        pytest.param(
            with_change("id: acme\n", "id: acme-dental\n"),
            "clients/acme.yaml:1:5: error schema/file-name: "
            "id 'acme-dental' differs from the file name 'acme'",
            id="file-name",
        ),
    ],
)
def test_ids(tiny: TinyProject, text: str, expected: str) -> None:
    assert lines_of(tiny, text) == [expected]


def test_file_name_hint(tiny: TinyProject) -> None:
    tiny.client(with_change("id: acme\n", "id: acme-dental\n"))
    assert hints(tiny) == [
        ("schema/file-name", "rename the file to acme-dental.yaml or set id: acme")
    ]


# -------------------------------------------------------------------- secrets


@pytest.mark.parametrize(
    ("old", "new", "expected", "secret"),
    [
        pytest.param(
            "location: NAS}",
            "location: AKIAIOSFODNN7EXAMPLE}",
            "clients/acme.yaml:23:34: error secret-like-value: backups[0].copies[0].location "
            "looks like an AWS access key id; it would be published",
            "AKIAIOSFODNN7EXAMPLE",
            id="aws-key",
        ),
        pytest.param(
            "  communications: SMS call tree\n",
            "  communications: |\n"
            "    -----BEGIN RSA PRIVATE KEY-----\n"
            "    MIIEpAIBAAKCAQEA\n"
            "    -----END RSA PRIVATE KEY-----\n",
            "clients/acme.yaml:54:19: error secret-like-value: business_continuity.communications "
            "looks like a private key block; it would be published",
            "MIIEpAIBAAKCAQEA",
            id="private-key",
        ),
        pytest.param(
            "location: NAS}",
            "location: password=hunter2}",
            "clients/acme.yaml:23:34: error secret-like-value: backups[0].copies[0].location "
            "looks like a password or key assignment; it would be published",
            "hunter2",
            id="password-assignment",
        ),
        pytest.param(
            "location: NAS}",
            'location: "smb://backup:hunter2@nas.local/share"}',
            "clients/acme.yaml:23:34: error secret-like-value: backups[0].copies[0].location "
            "looks like a URL with a password; it would be published",
            "hunter2",
            id="url-with-password",
        ),
    ],
)
def test_secret_like_value(
    tiny: TinyProject, old: str, new: str, expected: str, secret: str
) -> None:
    found = lines_of(tiny, with_change(old, new))
    assert found == [expected]
    assert secret not in found[0]
    assert hints(tiny) == [
        ("secret-like-value", "keep secrets in the password manager and refer to them by name")
    ]


SECRET_PIECES = st.sampled_from(
    [
        "AKIA",
        "IOSFODNN7EXAMPLE",
        "password",
        "Passphrase",
        "=",
        ": ",
        "Tr0ub4dor!",
        "https://",
        "backup:hunter2@",
        "-----BEGIN ",
        "RSA ",
        "PRIVATE KEY-----",
        "<",
        ">",
        "fill me in",
        "'",
        "\\",
        " ",
        "  ",
        "nightly to the NAS",
        "xoxb-",
        "0123456789abcdef",
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    values=st.lists(st.lists(SECRET_PIECES, max_size=6).map("".join), min_size=1, max_size=4),
    style=st.sampled_from([None, "'", '"', "|", ">"]),
    width=st.integers(min_value=8, max_value=80),
)
def test_the_whole_file_shortcut_never_changes_the_findings(
    values: list[str], style: str | None, width: int
) -> None:
    # Files whose text shows no clue skip the scan of each value; written in any
    # style, folded at any width, a value found by the scan must show its clue.
    text = yaml.dump(
        {f"note{i}": value for i, value in enumerate(values)},
        default_style=style,
        width=width,
        allow_unicode=True,
    )
    raw = text.encode()
    shortcut = load.read_yaml(raw, FILE)[2]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(load, "_may_flag", lambda _: True)  # every value scanned
        scanned = load.read_yaml(raw, FILE)[2]
    assert shortcut == scanned


@pytest.mark.parametrize(
    "line",
    [
        'note: "\\x41KIAIOSFODNN7EXAMPLE"',
        'note: "pass\\u0077ord: Tr0ub4dor!"',
        'note: "AK\\\n  IAIOSFODNN7EXAMPLE"',
    ],
)
def test_a_secret_written_with_escapes_is_found(line: str) -> None:
    problems = load.read_yaml(line.encode(), FILE)[2]
    assert [p.code for p in problems] == ["secret-like-value"]


def test_plain_words_about_a_password_are_not_a_secret(tiny: TinyProject) -> None:
    assert (
        lines_of(tiny, with_change("location: NAS}", "location: password is in the vault}")) == []
    )


@pytest.mark.parametrize(
    ("old", "new", "secret"),
    [
        pytest.param("data: 420 GB,", "data: password=hunter2,", "hunter2", id="in-a-unit"),
        pytest.param(
            "criticality: critical",
            "criticality: AKIAIOSFODNN7EXAMPLE",
            "AKIAIOSFODNN7EXAMPLE",
            id="in-an-enum",
        ),
        pytest.param(
            "\nlegal_name: Acme Dental Pty Ltd\n",
            "\nlegal_name: Acme Dental Pty Ltd\nAKIAIOSFODNN7EXAMPLE: x\n",
            "AKIAIOSFODNN7EXAMPLE",
            id="as-a-key",
        ),
    ],
)
def test_no_finding_repeats_a_secret(tiny: TinyProject, old: str, new: str, secret: str) -> None:
    tiny.client(with_change(old, new))
    found = [f for f in tiny.findings() if f.severity != "accepted"]
    assert "secret-like-value" in [f.code for f in found]
    for finding in found:
        assert secret not in finding.message
        assert secret not in (finding.hint or "")


# ------------------------------------------------ not loadable: schema findings only


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(
            "data: 420 GB,",
            "data: 420 Gb,",
            "clients/acme.yaml:14:44: error schema/bad-unit: systems[0].data: '420 Gb': unknown "
            "unit 'Gb'; sizes use B, KB, MB, GB, TB, PB or KiB, MiB, GiB, TiB, PiB; a lower-case "
            "b means bits: sizes are in bytes (B)",
            id="bad-unit",
        ),
        pytest.param(
            "  systems: [pms]\n",
            "  systems: [crm]\n",
            "clients/acme.yaml:18:15: error schema/dangling-reference: "
            "'crm' is not a system in this file",
            id="dangling-reference",
        ),
        pytest.param(
            "    method: image\n",
            "    method: image\n    methd: image\n",
            "clients/acme.yaml:20:5: error schema/unknown-field: unknown field 'methd' in backups[0]",
            id="unknown-field",
        ),
    ],
)
def test_a_file_that_is_not_loadable_gets_no_rule_findings(
    tiny: TinyProject, old: str, new: str, expected: str
) -> None:
    # Without its alternate workplace the base client breaks a rule (dr-without-bc) ...
    no_workplace = with_change("  alternate_workplace: Sister practice\n", "")
    tiny.client(no_workplace)
    assert [f.code for f in tiny.findings() if f.severity != "accepted"] == ["dr-without-bc"]
    # ... which is not reported while the file cannot be loaded.
    tiny.client(with_change(old, new, text=no_workplace))
    assert tiny.lines() == [expected]
    assert loaded_client(tiny) is None


# ------------------------------------------------------------------- provider.yaml


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(
            'after_hours: "+61 2 5550 0111"\n',
            "",
            "provider.yaml:1:1: error schema/missing-field: missing required field 'after_hours'",
            id="missing-field",
        ),
        pytest.param(
            "signatory: {name: Tom Baker, title: Service Delivery Manager}\n",
            "signatory: {name: Tom Baker}\n",
            "provider.yaml:7:1: error schema/missing-field: missing required field 'title' "
            "in signatory",
            id="missing-nested-field",
        ),
        pytest.param(
            "signatory: {name: Tom Baker, title: Service Delivery Manager}\n",
            "signatory: {name: Tom Baker, title: Service Delivery Manager}\n"
            "certificates:\n  - certs/provider.pem\n",
            "provider.yaml:9:5: error schema/missing-file: certs/provider.pem does not exist",
            id="missing-certificate",
        ),
        pytest.param(
            "signatory: {name: Tom Baker, title: Service Delivery Manager}\n",
            "signatory: {name: Tom Baker, title: Service Delivery Manager}\nlogo: logo.png\n",
            "provider.yaml:8:7: error schema/missing-file: logo.png does not exist",
            id="missing-logo",
        ),
        pytest.param(
            "signatory: {name: Tom Baker, title: Service Delivery Manager}\n",
            "signatory: {name: Tom Baker, title: Service Delivery Manager}\ncolour: blue\n",
            "provider.yaml:8:1: error schema/unknown-field: unknown field 'colour'",
            id="unknown-field",
        ),
        pytest.param(
            "email: servicedesk@southerncross.example\n",
            "email: servicedesk@southerncross.example\nemail: other@example.com\n",
            "provider.yaml:7:1: error schema/duplicate-key: 'email' appears twice in the document "
            "(first on line 6)",
            id="duplicate-key",
        ),
    ],
)
def test_provider_problems_are_reported_against_provider_yaml(
    tiny: TinyProject, old: str, new: str, expected: str
) -> None:
    from conftest import PROVIDER

    tiny.write("provider.yaml", with_change(old, new, text=PROVIDER))
    assert lines_of(tiny, CLIENT) == [expected]


def test_a_certificate_that_exists_is_fine(tiny: TinyProject) -> None:
    from conftest import PROVIDER

    tiny.write("certs/provider.pem", "-----BEGIN CERTIFICATE-----\n")
    tiny.write("provider.yaml", PROVIDER + "certificates: [certs/provider.pem]\n")
    assert lines_of(tiny, CLIENT) == []


def test_broken_provider_yaml(tiny: TinyProject) -> None:
    tiny.write("provider.yaml", "name: [Southern Cross\n")
    assert lines_of(tiny, CLIENT) == [
        "provider.yaml:1:7: error schema/yaml: not valid YAML: the [ here is never closed with ]"
    ]


# ------------------------------------------------------------------ tripod check


FINDING_LINE = re.compile(r"clients/acme\.yaml:\d+:\d+: error schema/[a-z-]+: \S.*")


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(BINARY, id="binary-garbage"),
        pytest.param(alias_bomb(), id="alias-bomb"),
        pytest.param(nested_brackets(10_000), id="10000-brackets"),
        pytest.param(big_file(), id="50-mb"),
        pytest.param(
            with_change("\nname: Acme Dental\n", "\nname: Acme\x07Dental\n"), id="control-character"
        ),
    ],
)
def test_tripod_check_on_the_worst_inputs(tiny: TinyProject, content: str | bytes) -> None:
    tiny.client(content)
    expected = tiny.lines()
    run = tiny.tripod("check")
    assert run.code == 1
    assert "Traceback" not in run.err
    assert "unexpected error" not in run.err
    out = run.out.splitlines()
    finding_lines = [line for line in out if not line.startswith("    hint: ")]
    assert finding_lines == expected
    assert all(FINDING_LINE.fullmatch(line) for line in finding_lines)
    assert run.err.splitlines()[-1].endswith("; 1 not loadable")


def test_tripod_check_reports_provider_problems(tiny: TinyProject) -> None:
    from conftest import PROVIDER

    tiny.write("provider.yaml", with_change('after_hours: "+61 2 5550 0111"\n', "", text=PROVIDER))
    tiny.client()
    run = tiny.tripod("check")
    assert run.code == 1
    assert "Traceback" not in run.err
    assert run.out.splitlines() == [
        "clients/acme.yaml:46:36: accepted rpo-unachievable: Hosted mail: RPO 4 h, but after "
        "ransomware it is restored from backups made every 24 h",
        "    accepted by Maria Chen: Daily is enough",
        "clients/acme.yaml:46:36: accepted rpo-unachievable: Hosted mail: RPO 4 h, but if the "
        "cloud account is lost it is restored from backups made every 24 h",
        "    accepted by Maria Chen: Daily is enough",
        "provider.yaml:1:1: error schema/missing-field: missing required field 'after_hours'",
    ]


# ------------------------------------------------------------------ scenarios

SCENARIO_AT = "  test: {every: 12mo, last: 2026-03-02, measured: {pms: 30h}}\n"


def with_scenario(block: str) -> str:
    return with_change(SCENARIO_AT, SCENARIO_AT + "  scenarios:\n" + block)


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        pytest.param(
            "    site-loss: {investigation: 2d}\n",
            "clients/acme.yaml:50:17: error schema/unknown-field: unknown field 'investigation' "
            "in disaster_recovery.scenarios.site-loss",
            id="investigation-is-ransomwares",
        ),
        pytest.param(
            "    server-failure: {restore_rate: 50 GB/h}\n",
            "clients/acme.yaml:50:22: error schema/unknown-field: unknown field 'restore_rate' "
            "in disaster_recovery.scenarios.server-failure",
            id="restore-rate-only-where-the-spec-allows",
        ),
        pytest.param(
            "    ransomware: {dwell_time: 0d}\n",
            "clients/acme.yaml:50:30: error schema/zero: disaster_recovery.scenarios.ransomware"
            ".dwell_time: must be more than zero (0 d)",
            id="zero-dwell-time",
        ),
        pytest.param(
            "    ransomware: {cloud: yes}\n",
            "clients/acme.yaml:50:25: error schema/wrong-type: disaster_recovery.scenarios."
            "ransomware.cloud: expected true or false, got 'yes'",
            id="yaml-1.2-booleans",
        ),
    ],
)
def test_a_scenario_takes_only_its_own_keys(tiny: TinyProject, block: str, expected: str) -> None:
    assert lines_of(tiny, with_scenario(block)) == [expected]


def test_copies_and_acknowledgements_take_the_new_fields(tiny: TinyProject) -> None:
    text = with_change(
        "{where: local, location: NAS}", "{where: local, location: NAS, offline: true}"
    )
    text = with_change("system: mail, reason:", "system: mail, scenario: ransomware, reason:", text)
    text = with_change(
        "  validation: 2h\n",
        "  validation: 2h\n  recovery_target: provider-cloud\n  provisioning: 4h\n  courier: 2d\n",
        text,
    )
    tiny.client(text)
    loaded = load_client(tiny.root / "clients" / "acme.yaml", "clients/acme.yaml", TODAY)
    assert loaded.model is not None, [f.text() for f in loaded.findings]
    client = loaded.model
    assert client.backups[0].copies[0].offline and not client.backups[0].copies[0].on_system
    assert client.acknowledged[0].scenario == "ransomware"
    dr = client.disaster_recovery
    assert dr is not None and dr.recovery_target == "provider-cloud"
    assert str(dr.provisioning) == "4 h" and str(dr.courier) == "2 d"


def test_a_bad_scenario_name_in_an_acknowledgement(tiny: TinyProject) -> None:
    text = with_change("system: mail, reason:", "system: mail, scenario: fire, reason:")
    assert lines_of(tiny, text) == [
        "clients/acme.yaml:57:55: error schema/bad-value: acknowledged[0].scenario: expected "
        "'server-failure', 'site-loss', 'ransomware' or 'cloud-account-loss', got 'fire'"
    ]


def test_a_bad_recovery_target(tiny: TinyProject) -> None:
    text = with_change("  validation: 2h\n", "  validation: 2h\n  recovery_target: cloud\n")
    [line] = lines_of(tiny, text)
    assert line.startswith("clients/acme.yaml:44:20: error schema/bad-value:")
    assert "'client-site' or 'provider-cloud'" in line


def test_check_shared_across_processes_finds_what_one_process_finds(
    tiny: TinyProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past a few dozen clients `tripod check` splits them across processes: the same
    findings, in the same order, the same summary and the same exit code."""
    import os

    from generator.project import record
    from generator.project.workers import fork_pool

    for i in range(9):
        text = CLIENT.replace("id: acme", f"id: c{i}").replace("Acme", f"Client {i}")
        tiny.client(text, f"c{i}")
    tiny.client(CLIENT.replace("every: 90d", "every: 7d"), "acme")  # a test overdue
    tiny.write("clients/broken.yaml", "id: broken\nname: [unclosed\n")  # not loadable
    tiny.write("clients/c3.yml", CLIENT.replace("id: acme", "id: c3"))  # one id, two files
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    pools: list[int] = []

    def counted(workers: int):  # type: ignore[no-untyped-def]
        pools.append(workers)
        return fork_pool(workers)

    monkeypatch.setattr(record, "fork_pool", counted)
    runs = []
    for share in (10**6, 1):  # one process; then four, with a part of one client each
        monkeypatch.setattr(record, "_PER_WORKER", share)
        runs.append(tiny.tripod("check", "--format", "json"))
        runs.append(tiny.tripod("check"))
    assert pools == [4, 4]  # the second pair of runs was shared across processes
    assert runs[0].code == runs[2].code == 1
    assert runs[0].out == runs[2].out
    assert (runs[1].out, runs[1].err) == (runs[3].out, runs[3].err)
    found = json.loads(runs[0].out)["findings"]
    assert len(found) > 2
    assert {f["file"] for f in found} >= {"clients/acme.yaml", "clients/broken.yaml"}
    assert runs[1].err.startswith("11 clients checked: ")
