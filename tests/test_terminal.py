"""What a value in a client file can do to a terminal: nothing. It is shown, escaped.

A newline in a system's name once printed a line of its own in `tripod check`
(a forged finding), and escape sequences reached the terminal (colours, a
hyperlink, a cleared screen).
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import TinyProject, with_change
from generator.findings import Finding, visible

FORGED = "clients/x.yaml:1:1: error forged"
# A newline and a forged finding, colour (CSI), a hyperlink (OSC 8 ... BEL), a
# C1 control sequence introducer, and a right-to-left override.
NAME = f"Hosted mail\n{FORGED} \x1b[31mred\x1b[0m \x1b]8;;https://evil.example/\x07link\x1b]8;;\x07 \x9b2J \u202eok"
SHOWN = (
    "Hosted mail\\nclients/x.yaml:1:1: error forged \\x1b[31mred\\x1b[0m "
    "\\x1b]8;;https://evil.example/\\x07link\\x1b]8;;\\x07 \\x9b2J \\u202eok"
)
REASON = "Daily\r\n\x1b[2Jis enough"


def _client(tiny: TinyProject) -> None:
    text = with_change("name: Hosted mail,", f"name: {json.dumps(NAME)},")
    text = with_change("rto: 8h, rpo: 4h", "rto: 1h, rpo: 4h", text)  # one more finding naming it
    tiny.client(with_change("reason: Daily is enough", f"reason: {json.dumps(REASON)}", text))


def _no_control(text: str) -> None:
    assert "\x1b" not in text and "\x07" not in text and "\x9b" not in text
    assert "\r" not in text and "\u202e" not in text


@pytest.mark.real_command
def test_check_prints_values_with_their_control_characters_escaped(tiny: TinyProject) -> None:
    _client(tiny)
    run = tiny.tripod("check")
    assert run.code == 1
    assert run.out.splitlines() == [
        f"clients/acme.yaml:46:27: error rto-unachievable: {SHOWN}: RTO 1 h, but recovery "
        "after ransomware takes an estimated 2.1 h",
        "    hint: estimate: investigation none agreed + restore 0.1 h + validation 2 h",
        f"clients/acme.yaml:46:27: error rto-unachievable: {SHOWN}: RTO 1 h, but recovery "
        "if the cloud account is lost takes an estimated 2.1 h",
        "    hint: estimate: restore 0.1 h + validation 2 h",
        f"clients/acme.yaml:46:36: accepted rpo-unachievable: {SHOWN}: RPO 4 h, "
        "but after ransomware it is restored from backups made every 24 h",
        "    accepted by Maria Chen: Daily\\r\\n\\x1b[2Jis enough",
        f"clients/acme.yaml:46:36: accepted rpo-unachievable: {SHOWN}: RPO 4 h, "
        "but if the cloud account is lost it is restored from backups made every 24 h",
        "    accepted by Maria Chen: Daily\\r\\n\\x1b[2Jis enough",
    ]
    assert run.err == "1 client checked: 2 errors, 0 warnings, 2 accepted gaps\n"
    _no_control(run.out + run.err)
    assert not any(line.startswith(FORGED) for line in run.out.splitlines())


def test_json_keeps_every_value_as_it_is(tiny: TinyProject) -> None:
    _client(tiny)
    run = tiny.tripod("check", "--format", "json")
    _no_control(run.out)  # JSON's escapes, \u001b and the like, not the bytes
    data = run.json()
    assert data["findings"][0]["message"].startswith(NAME + ": RTO 1 h")
    assert data["accepted"][0]["reason"] == REASON


def test_workflow_annotations_escape_as_the_runner_reads_them(tiny: TinyProject) -> None:
    _client(tiny)
    run = tiny.tripod("check", "--format", "github")
    lines = run.out.splitlines()
    assert [line.split(" ", 1)[0] for line in lines] == [
        "::error", "::error", "::notice", "::notice"
    ]  # fmt: skip
    assert lines[1] == (
        "::error file=clients/acme.yaml,line=46,col=27,title=rto-unachievable::"
        + SHOWN.replace("\\n", "%0A")
        + ": RTO 1 h, but recovery if the cloud account is lost takes an estimated 2.1 h "
        "(estimate: restore 0.1 h + validation 2 h)"
    )
    assert lines[2].endswith("; accepted by Maria Chen: Daily%0D%0A\\x1b[2Jis enough")
    _no_control(run.out + run.err)


def test_a_percent_sign_survives_an_annotation(tiny: TinyProject) -> None:
    tiny.client(with_change("name: Hosted mail,", 'name: "Mail 100%0A",'))
    line = tiny.tripod("check", "--format", "github").out.splitlines()[0]
    assert "Mail 100%250A: RPO 4 h" in line


@given(st.text())
def test_a_finding_is_one_line_whatever_its_values(value: str) -> None:
    finding = Finding(f"clients/{value}.yaml", 1, 1, "code", "error", value, value)
    text = finding.text()
    assert len(text.splitlines()) == 1
    assert not any(c in text for c in "\x1b\x07\x9b\r\n\x85\u2028\u2029")
    assert visible(value) == value or "\\" in visible(value)
