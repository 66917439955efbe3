"""The one error parsing raises, so callers can tell a bad file from a bug."""

from __future__ import annotations


class ParseError(ValueError):
    """A file or text that cannot become a Document; the message names the file when known."""


def too_large(name: str, size: int, limit: int, at_least: bool = False) -> str:
    """The message for a document over the size limit (the setting MAX_DOCUMENT_BYTES)."""
    more = " or more" if at_least else ""
    return (
        f"{name}: {size:,} bytes{more}, over the limit of {limit:,} bytes per document "
        "(MAX_DOCUMENT_BYTES)"
    )
