"""Turning source texts into Documents: detect the format, clean it, cut it into Sections.

One module per source format, each with `matches(text)` and `parse(text, source_file)`; the
first format that matches parses the text, and Tweede Kamer extraction text is the fallback.
"""

from __future__ import annotations

from pathlib import Path

from retrieval.documents import Document
from retrieval.parsing import beslisnota, kamerbrief, kamervraag, tweedekamer, webpage
from retrieval.parsing.errors import ParseError

__all__ = ["ParseError", "parse_file", "parse_text"]

# Most specific first: a Kamervraag page or a memo could also pass the looser letter test.
_FORMATS = (kamervraag, beslisnota, kamerbrief, webpage)


def parse_text(text: str, *, source_file: str | None = None) -> Document:
    """Parse a document's text in whichever supported format it is written."""
    if not text.strip():
        raise ParseError(f"{source_file or 'text'}: empty document")
    parser = next((fmt for fmt in _FORMATS if fmt.matches(text)), tweedekamer)
    document = parser.parse(text, source_file)
    if not document.sections:
        raise ParseError(f"{source_file or 'text'}: no sections found")
    return document


def parse_file(path: Path) -> Document:
    """Parse a UTF-8 text file; unreadable, binary, empty or non-UTF-8 files raise ParseError."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ParseError(f"{path.name}: cannot read file ({error.strerror})") from error
    if b"\x00" in data:
        raise ParseError(f"{path.name}: binary file, expected UTF-8 text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        reason = f"{error.reason} at byte {error.start}"
        raise ParseError(f"{path.name}: not UTF-8 text ({reason})") from error
    return parse_text(text, source_file=path.name)
