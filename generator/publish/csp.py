"""The Content-Security-Policy of the published pages, with the hashes of their
inline scripts and styles."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

_SCRIPT = re.compile(rb"<script(?P<attrs>[^>]*)>(?P<body>.*?)</script>", re.S)
_STYLE = re.compile(rb"<style[^>]*>(?P<body>.*?)</style>", re.S)


def inline_hashes(releases: list[Path]) -> tuple[list[str], list[str]]:
    """CSP hashes of every inline script and style in the releases' pages.

    Material writes a few small inline scripts (the base URL of each page,
    the colour scheme, the tabs); allowing exactly those by hash keeps
    'unsafe-inline' out of the policy. Every kept release is covered, so a
    rollback needs no new configuration. A file shared by releases (a hard
    link) is read once. JSON data blocks are not scripts."""
    scripts: set[str] = set()
    styles: set[str] = set()
    seen: set[tuple[int, int]] = set()
    for release in releases:
        for page in release.rglob("*.html"):
            stat = page.stat()
            if (stat.st_dev, stat.st_ino) in seen:
                continue
            seen.add((stat.st_dev, stat.st_ino))
            text = page.read_bytes()
            for match in _SCRIPT.finditer(text):
                attrs = match["attrs"]
                if b"src=" in attrs or b"application/json" in attrs:
                    continue
                scripts.add(_csp_hash(match["body"]))
            for match in _STYLE.finditer(text):
                styles.add(_csp_hash(match["body"]))
    return sorted(scripts), sorted(styles)


def _csp_hash(body: bytes) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(body).digest()).decode() + "'"


def content_security_policy(scripts: list[str], styles: list[str]) -> str:
    """As strict as Material allows. Each relaxation, and why:

    - script-src: 'self' plus the hashes of Material's inline scripts (above).
    - img-src data: Material draws its icons as CSS masks from data: URLs.
    - connect-src 'self': search fetches its index, the version selector
      versions.json.
    - worker-src 'self': search runs in a web worker loaded from the site.
    """
    return "; ".join(
        [
            "default-src 'none'",
            "script-src " + " ".join(["'self'", *scripts]),
            "style-src " + " ".join(["'self'", *styles]),
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "worker-src 'self'",
            "manifest-src 'self'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )
