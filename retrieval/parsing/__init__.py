"""Turning source texts into Documents: detect the format, clean it, cut it into Sections.

One module per source format, each with `matches(text)` and `parse(text, source_file)`; the
first format that matches parses the text, and Tweede Kamer extraction text is the fallback.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from retrieval.documents import Document
from retrieval.parsing import (
    aanhangsel,
    beslisnota,
    html_page,
    kamerbrief,
    kamerstuk,
    kamervraag,
    pdf,
    tweedekamer,
    webpage,
    xml_officiele,
)
from retrieval.parsing.errors import ParseError, too_large

__all__ = ["ParseError", "parse_bytes", "parse_file", "parse_text"]

# Most specific first: a Kamervraag page or a memo could also pass the looser letter test, and
# an Aanhangsel page the Kamerstuk test.
_FORMATS = (kamervraag, beslisnota, kamerbrief, webpage, aanhangsel, kamerstuk)


def parse_text(text: str, *, source_file: str | None = None) -> Document:
    """Parse a document's text in whichever supported format it is written."""
    if not text.strip():
        raise ParseError(f"{source_file or 'text'}: empty document")
    parser = next((fmt for fmt in _FORMATS if fmt.matches(text)), tweedekamer)
    document = parser.parse(text, source_file)
    if not document.sections:
        raise ParseError(f"{source_file or 'text'}: no sections found")
    return document


def parse_file(path: Path, max_bytes: int | None = None) -> Document:
    """Parse a file by its type: officielebekendmakingen XML, HTML, PDF, else UTF-8 text.

    Unreadable, binary, empty or non-UTF-8 text files, and files over `max_bytes`, raise
    ParseError. The Document's `source_file` is the file's absolute path.
    """
    try:
        if max_bytes is not None and (size := path.stat().st_size) > max_bytes:
            raise ParseError(too_large(str(path), size, max_bytes))
        data = path.read_bytes()
    except OSError as error:
        raise ParseError(f"{path.name}: cannot read file ({error.strerror})") from error
    return replace(parse_bytes(data, path.name), source_file=str(path.resolve()))


def parse_bytes(data: bytes, name: str) -> Document:
    """Parse a file's contents; `name` (a file name or URL) tells its type with the contents."""
    suffix = name.lower().rsplit("?", 1)[0].rsplit(".", 1)[-1]
    if suffix == "xml" or xml_officiele.matches(data):
        return xml_officiele.parse(data, name)
    if suffix == "pdf" or data.startswith(b"%PDF"):
        return pdf.parse(data, name)
    if suffix in ("html", "htm") or html_page.matches(data):
        return html_page.parse(data, name)
    if b"\x00" in data:
        raise ParseError(f"{name}: binary file, expected UTF-8 text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        reason = f"{error.reason} at byte {error.start}"
        raise ParseError(f"{name}: not UTF-8 text ({reason})") from error
    return parse_text(text, source_file=name)
