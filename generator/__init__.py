"""Tripod: backups, disaster recovery and business continuity, in writing."""

from pathlib import Path

DEFAULTS = Path(__file__).resolve().parent / "templates"
"""The default templates, fonts, assets and MkDocs configuration, shipped with
Tripod; a project's own `templates/` (file by file) and `mkdocs.yml` come first."""
