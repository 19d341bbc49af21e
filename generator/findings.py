"""Findings: what `check` reports, as values."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning", "accepted"]

# What a terminal or a log may act on rather than show: C0 and C1 controls
# (newline, ESC, CSI...), DEL, and the marks that reorder or break lines of
# text (bidirectional overrides, the Unicode line and paragraph separators).
_CONTROL = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _shown(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


def visible(text: str, keep: str = "") -> str:
    """The text with every control character written as an escape (a newline as
    `\\n`, ESC as `\\x1b`): a value printed in a line can neither start a line of
    its own nor speak to the terminal. `keep` are characters left as they are."""
    return _CONTROL.sub(lambda m: m.group() if m.group() in keep else _shown(m), text)


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing wrong (or accepted) in one file, at one place."""

    file: str
    line: int
    column: int
    code: str
    severity: Severity
    message: str
    hint: str | None = None
    client: str | None = None
    system: str | None = None
    # For accepted gaps: who accepted it and why.
    accepted_by: str | None = None
    reason: str | None = None
    # The scenario a per-scenario finding concerns (server-failure, site-loss...).
    scenario: str | None = None
    extra: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    @property
    def is_schema(self) -> bool:
        return self.code == "schema" or self.code.startswith("schema/")

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.file, self.line, self.column, self.code, self.message)

    def text(self) -> str:
        """The one-line form; whatever a value holds, it stays one line."""
        return visible(
            f"{self.file}:{self.line}:{self.column}: {self.severity} {self.code}: {self.message}"
        )

    def as_json(self) -> dict[str, object]:
        data: dict[str, object] = {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "hint": self.hint,
            "client": self.client,
            "system": self.system,
            "scenario": self.scenario,
        }
        if self.severity == "accepted":
            data["accepted_by"] = self.accepted_by
            data["reason"] = self.reason
        return data
