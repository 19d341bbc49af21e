"""HTML to PDF with WeasyPrint: the only importer of weasyprint.

The same HTML, fonts and dates give the same bytes: the document's dates and
the attachment's dates are set explicitly (WeasyPrint does not read
SOURCE_DATE_EPOCH), and the file identifier is a hash of the content. Fonts
are subset by HarfBuzz: WeasyPrint's fallback (fontTools) stamps each font it
subsets with the time it ran, so without HarfBuzz's subsetter no PDF is
written at all rather than one whose bytes differ from run to run.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import datetime as dt
import logging
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.errors import TripodError, UsageError

PX_TO_PT = 0.75  # CSS px are 1/96 in, PDF points 1/72 in


class PdfError(TripodError):
    """WeasyPrint could not render the document; the message says why in one line."""


class PdfUnavailable(UsageError):
    """This machine cannot render PDFs as Tripod promises them (a missing library)."""


SUBSETTER = (
    "PDFs need HarfBuzz's font subsetter (libharfbuzz-subset0, HarfBuzz 4.1 or newer), "
    "which is missing: without it the same terms would not give the same bytes "
    "(on Debian: apt-get install libharfbuzz-subset0)"
)


def _weasyprint() -> Any:
    """WeasyPrint, once it is known to render reproducibly here."""
    with warnings.catch_warnings():
        # WeasyPrint's own notice that the subsetter is missing: said below, in one line.
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            import weasyprint
            from weasyprint.text import ffi
        except OSError as e:  # Pango or HarfBuzz missing
            raise PdfUnavailable(f"WeasyPrint cannot start: {e}") from e
    if ffi.harfbuzz_subset is None or not ffi.harfbuzz.hb_version_atleast(4, 1, 0):
        raise PdfUnavailable(SUBSETTER)
    return weasyprint


def engine_versions() -> str:
    """The versions of the system libraries that shape the PDF's bytes, read from the
    libraries themselves without starting WeasyPrint (a build with nothing to render
    stays quick)."""
    found = []
    for name, library, symbol in (
        ("harfbuzz", "harfbuzz", "hb_version_string"),
        ("pango", "pango-1.0", "pango_version_string"),
    ):
        path = ctypes.util.find_library(library)
        try:
            function = getattr(ctypes.CDLL(path), symbol) if path else None
        except (OSError, AttributeError):
            function = None
        if function is None:
            found.append(f"{name} absent")
            continue
        function.restype = ctypes.c_char_p
        found.append(f"{name}=={function().decode()}")
    return "\n".join(found)


@dataclass(frozen=True, slots=True)
class Box:
    """Where an element landed: 0-based page, and its box in PDF points from the bottom left."""

    page: int
    x1: float
    y1: float
    x2: float
    y2: float


@dataclass(frozen=True, slots=True)
class Rendered:
    pdf: bytes
    pages: int
    boxes: dict[str, Box]


def render(
    html: str,
    base: Path,
    *,
    when: dt.datetime,
    attachment: bytes,
    attachment_name: str,
    anchors: tuple[str, ...] = (),
) -> Rendered:
    """Renders `html` (its relative URLs resolved against `base`) as PDF/A-3b.

    `attachment` travels inside the PDF under `attachment_name`; `anchors` are
    element ids whose boxes the caller needs (to place signature fields).
    """
    HTML = _weasyprint().HTML

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    try:
        document = HTML(string=html, base_url=str(base) + "/").render()
        stamp = when.isoformat()
        document.metadata.created = stamp
        document.metadata.modified = stamp
        document.metadata.generator = "Tripod"
        boxes = {}
        for index, page in enumerate(document.pages):
            height = page.height
            for name, (x1, y1, x2, y2) in page.anchors.items():
                if name in anchors and name not in boxes:
                    boxes[name] = Box(
                        index,
                        x1 * PX_TO_PT,
                        (height - y2) * PX_TO_PT,
                        x2 * PX_TO_PT,
                        (height - y1) * PX_TO_PT,
                    )
        with warnings.catch_warnings():
            # WeasyPrint never closes its sRGB profile's file; it is freed, with a
            # ResourceWarning, as soon as the write is done.
            warnings.simplefilter("ignore", ResourceWarning)
            pdf = _write(document, attachment, attachment_name, when)
    except (ValueError, OSError) as e:
        raise PdfError(f"rendering the agreement: {' '.join(str(e).split())}") from e
    missing = [a for a in anchors if a not in boxes]
    if missing:
        raise PdfError(f"the agreement template has no element with id {', '.join(missing)}")
    return Rendered(pdf, len(document.pages), boxes)


def _write(document: Any, attachment: bytes, attachment_name: str, when: dt.datetime) -> bytes:
    Attachment = _weasyprint().Attachment

    pdf: bytes = document.write_pdf(
        pdf_variant="pdf/a-3b",
        attachments=[
            Attachment(
                string=attachment.decode("utf-8"),
                name=attachment_name,
                description="The canonical terms of this agreement",
                created=when,
                modified=when,
                relationship="Source",
            )
        ],
    )
    return pdf
