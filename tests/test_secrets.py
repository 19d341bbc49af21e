"""The one-pass secret scan, and the quick test of whole files, agree with the patterns."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.format.secrets import _PATTERNS, _RULES, looks_like_secret, might_hold_secret, redact

PIECES = st.sampled_from(
    [
        "AKIA",
        "ABCDEFGHIJKLMNOP",
        "password",
        "Password",
        "=",
        ": ",
        "Tr0ub4dor!",
        "hunter2",
        "https://",
        "user:pass@",
        "host",
        "-----BEGIN ",
        "PRIVATE KEY-----",
        "token",
        "api_key",
        "AccountKey=",
        "abcdefghijklmnopqrstuvwxyz0123",
        "eyJ",
        ".",
        " ",
        "from the manager",
        "ghp_",
        "x" * 36,
        "xoxb-",
        "sk_live_",
        "AIza",
    ]
)


@given(st.lists(PIECES, max_size=8).map("".join))
def test_the_combined_scan_finds_what_the_patterns_find(text: str) -> None:
    expected = next((what for what, pattern in _PATTERNS if pattern.search(text)), None)
    assert looks_like_secret(text) == expected
    if expected is not None:
        assert "[redacted]" in redact(text)


@pytest.mark.parametrize("rule", _RULES, ids=[what for what, _, _ in _RULES])
@given(data=st.data())
def test_every_match_holds_one_of_its_clues(
    rule: tuple[str, re.Pattern[str], tuple[str, ...]], data: st.DataObject
) -> None:
    # A file without any clue is passed over whole: a match without its clue would be missed.
    _, pattern, clues = rule
    text = data.draw(st.from_regex(pattern))
    assert pattern.search(text)
    assert might_hold_secret(text)
    assert any(clue in text.casefold() for clue in clues)


def test_a_clean_text_holds_no_clue() -> None:
    assert not might_hold_secret("Nightly image to the NAS, 14 days kept; restore tested in March.")
    assert might_hold_secret("the pasSword: Tr0ub4dor!")
    assert might_hold_secret("AccountKEY=abc")
