"""PDF files, through their text layer (pypdf); pages without one are reported, never skipped
silently. The extracted text is then parsed like any other document text."""

from __future__ import annotations

import io
import logging

from pypdf import PdfReader
from pypdf.errors import PdfReadError

from retrieval import parsing
from retrieval.documents import Document
from retrieval.parsing.errors import ParseError

log = logging.getLogger(__name__)

#: A page with fewer non-blank characters than this (none, or a page number) has no text layer.
MIN_PAGE_CHARS = 5


def page_texts(data: bytes, name: str) -> list[str]:
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise ParseError(f"{name}: encrypted PDF")
        return [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError) as error:
        raise ParseError(f"{name}: unreadable PDF ({error})") from error


def parse(data: bytes, name: str) -> Document:
    pages = page_texts(data, name)
    scanned = [n for n, text in enumerate(pages, 1) if len("".join(text.split())) < MIN_PAGE_CHARS]
    if len(scanned) == len(pages):
        raise ParseError(f"{name}: no text layer on any of its {len(pages)} page(s) (scanned?)")
    if scanned:
        log.warning(
            "%s: page(s) %s have no text layer (scanned?) and are not searchable",
            name,
            ", ".join(map(str, scanned)),
        )
    return parsing.parse_text("\n\n".join(pages), source_file=name)
