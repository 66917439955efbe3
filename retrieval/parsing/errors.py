"""The one error parsing raises, so callers can tell a bad file from a bug."""

from __future__ import annotations


class ParseError(ValueError):
    """A file or text that cannot become a Document; the message names the file when known."""
