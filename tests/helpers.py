"""Helpers that several test modules share (imported by name, not through conftest)."""

from __future__ import annotations

from devtools import DevTools  # noqa: F401  (the browser tests import it from here)


def in_order(text: str, *parts: str) -> None:
    """Each part is in `text`, after the one before it."""
    at = 0
    for part in parts:
        found = text.find(part, at)
        assert found >= 0, f"{part!r} not found after position {at}: ...{text[at : at + 300]}..."
        at = found + len(part)
