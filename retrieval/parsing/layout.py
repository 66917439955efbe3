"""Finding lines and paragraphs in cleaned text by offset, so every Span points into it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from retrieval.documents import Span


@dataclass(frozen=True)
class Line:
    start: int
    end: int  # end of the line's text, before the newline
    text: str  # stripped


def lines(text: str) -> Iterator[Line]:
    """Every line of `text` with its offsets."""
    offset = 0
    for raw in text.split("\n"):
        yield Line(offset, offset + len(raw), raw.strip())
        offset += len(raw) + 1


def trimmed(text: str, start: int, end: int) -> Span | None:
    """The span of text[start:end] without surrounding whitespace, or None when it is empty."""
    piece = text[start:end]
    stripped = piece.strip()
    if not stripped:
        return None
    offset = start + len(piece) - len(piece.lstrip())
    return Span(offset, offset + len(stripped))


def paragraphs(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Blank-line separated paragraphs of text[start:end]."""
    stop = len(text) if end is None else end
    found = []
    for match in re.finditer(r"(?:[^\n]|\n(?![ \t]*\n))+", text[start:stop]):
        span = trimmed(text, start + match.start(), start + match.end())
        if span:
            found.append(span)
    return found
