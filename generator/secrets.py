"""Values that look like secrets: a client file is published, so none may be in it."""

from __future__ import annotations

import re

# (what it looks like, pattern). Deliberately specific: a false alarm on a
# harmless value is an error a user cannot silence.
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("a private key block", re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----")),
    ("an AWS access key id", re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16}\b")),
    (
        "a GitHub token",
        re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})"),
    ),
    ("a Slack token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    ("a Google API key", re.compile(r"\bAIza[0-9A-Za-z_\-]{35}\b")),
    ("a Stripe secret key", re.compile(r"\b[sr]k_live_[0-9A-Za-z]{16,}")),
    ("an Azure storage account key", re.compile(r"AccountKey=[A-Za-z0-9+/=]{20,}", re.I)),
    (
        "a JSON web token",
        re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
    ),
    ("a URL with a password", re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@", re.I)),
    (
        "a password or key assignment",
        re.compile(
            r"(?i)\b(?:password|passwd|pwd|passphrase|secret|client[_-]?secret|api[_-]?key"
            r"|access[_-]?key|secret[_-]?key|token|auth[_-]?token)\s*=\s*\S+"
        ),
    ),
    # "password: Tr0ub4dor!" but not "password: from the practice manager".
    ("a password", re.compile(r"(?i)\b(?:password|passwd|passphrase)\s*:\s*\S*[0-9!@#$%^&*]\S*")),
)


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
