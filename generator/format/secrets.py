"""Values that look like secrets: a client file is published, so none may be in it."""

from __future__ import annotations

import re

# (what it looks like, pattern, clues). Deliberately specific: a false alarm
# on a harmless value is an error a user cannot silence. The clues are
# casefolded text every match contains (one of them at least): a file without
# any is clean without a search.
_RULES: tuple[tuple[str, re.Pattern[str], tuple[str, ...]], ...] = (
    (
        "a private key block",
        re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----"),
        ("-----begin",),
    ),
    (
        "an AWS access key id",
        re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16}\b"),
        ("akia", "asia", "agpa", "aida", "aroa"),
    ),
    (
        "a GitHub token",
        re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})"),
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
    ),
    ("a Slack token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}"), ("xox",)),
    ("a Google API key", re.compile(r"\bAIza[0-9A-Za-z_\-]{35}\b"), ("aiza",)),
    ("a Stripe secret key", re.compile(r"\b[sr]k_live_[0-9A-Za-z]{16,}"), ("k_live_",)),
    (
        "an Azure storage account key",
        re.compile(r"AccountKey=[A-Za-z0-9+/=]{20,}", re.I),
        ("accountkey=",),
    ),
    (
        "a JSON web token",
        re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
        ("eyj",),
    ),
    (
        "a URL with a password",
        re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@", re.I),
        ("://",),
    ),
    (
        "a password or key assignment",
        re.compile(
            r"(?i)\b(?:password|passwd|pwd|passphrase|secret|client[_-]?secret|api[_-]?key"
            r"|access[_-]?key|secret[_-]?key|token|auth[_-]?token)\s*=\s*\S+"
        ),
        ("=",),
    ),
    # "password: Tr0ub4dor!" but not "password: from the practice manager".
    (
        "a password",
        re.compile(r"(?i)\b(?:password|passwd|passphrase)\s*:\s*\S*[0-9!@#$%^&*]\S*"),
        ("passw", "passp"),
    ),
)
_PATTERNS = tuple((what, pattern) for what, pattern, _ in _RULES)
_CLUES = tuple(clue for _, _, clues in _RULES for clue in clues)


# One pass over each value: every pattern as a named alternative (inline flags
# scoped to their own group), so a clean value costs a single search.
_ANY = re.compile(
    "|".join(
        f"(?P<p{i}>(?{'i' if pattern.flags & re.IGNORECASE else ''}:{pattern.pattern.removeprefix('(?i)')}))"
        if pattern.flags & re.IGNORECASE
        else f"(?P<p{i}>{pattern.pattern})"
        for i, (_, pattern) in enumerate(_PATTERNS)
    )
)


def might_hold_secret(text: str) -> bool:
    """False only when nothing in the text can look like a secret: a quick test for whole files."""
    folded = text.casefold()  # as case-insensitive patterns match: the Kelvin sign is a k
    return any(clue in folded for clue in _CLUES)


def looks_like_secret(text: str) -> str | None:
    """What the text looks like (for the message), or None. Never returns the secret."""
    match = _ANY.search(text)
    if match is None:
        return None
    # The first pattern (in the list's order) that matches names it, as before.
    return next(what for what, pattern in _PATTERNS if pattern.search(text))


def redact(text: str) -> str:
    """The text with anything that looks like a secret replaced, for messages that quote values."""
    for _, pattern in _PATTERNS:
        text = pattern.sub("[redacted]", text)
    return text
