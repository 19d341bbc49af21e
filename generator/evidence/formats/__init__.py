"""The export formats `tripod import` reads, by name: each module's `parse(data, options)`
returns the export's runs, each with where it came from, or raises `Problem` at the
first thing that is not what the format expects (see `generator.evidence.importing`).
"""

from __future__ import annotations

import importlib

from generator.evidence.importing import Format

NAMES: tuple[str, ...] = ("restic", "borg", "kopia", "pbs", "veeam", "csv")
"""Every format, in the order the help lists them."""


def parser(name: str) -> Format:
    """The format's parse function (its module is imported only when asked for)."""
    if name not in NAMES:
        raise KeyError(name)
    module = importlib.import_module(f"generator.evidence.formats.{name}_format")
    parse: Format = module.parse
    return parse
