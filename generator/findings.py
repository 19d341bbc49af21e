"""Findings: what `check` reports, as values."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning", "accepted"]


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
    extra: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    @property
    def is_schema(self) -> bool:
        return self.code == "schema" or self.code.startswith("schema/")

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.file, self.line, self.column, self.code, self.message)

    def text(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.severity} {self.code}: {self.message}"

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
        }
        if self.severity == "accepted":
            data["accepted_by"] = self.accepted_by
            data["reason"] = self.reason
        return data
