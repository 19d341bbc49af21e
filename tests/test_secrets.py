"""The one-pass secret scan agrees with the patterns it is made of."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from generator.secrets import _PATTERNS, looks_like_secret, redact

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
