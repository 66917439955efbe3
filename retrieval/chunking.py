"""Sections -> Chunks: a question with its answer is the unit; long bodies split on paragraphs."""

from __future__ import annotations

import re
from collections.abc import Iterator

from retrieval.documents import Chunk, Document, Section, Span
from retrieval.sentences import sentence_spans

_PARAGRAPH = re.compile(r"[^\n]+(?:\n(?!\s*\n)[^\n]+)*")


def chunk_document(document: Document, max_chars: int, overlap_chars: int) -> list[Chunk]:
    chunks: list[Chunk] = []
    for section in document.sections:
        context = section_context(document, section)
        for n, span in enumerate(split_span(document.text, section.body, max_chars, overlap_chars)):
            chunks.append(
                Chunk(
                    chunk_id=f"{document.doc_id}:{section.anchor}:{n}",
                    doc_id=document.doc_id,
                    section=section.label,
                    span=span,
                    text=span.of(document.text),
                    context=context,
                )
            )
    return chunks


def section_context(document: Document, section: Section) -> str:
    """What is searched beside a chunk's text: the title, the section, and its question."""
    parts = [document.title, section.label]
    if section.question is not None:
        parts.append(section.question.of(document.text))
    return "\n".join(parts)


def split_span(text: str, span: Span, max_chars: int, overlap_chars: int) -> list[Span]:
    """Cut `span` into pieces of at most `max_chars` on paragraph (else sentence) boundaries.

    Consecutive pieces share trailing units of up to `overlap_chars`, so a sentence near a cut is
    whole in at least one piece.
    """
    if span.end - span.start <= max_chars:
        return [span]
    units = list(_units(text, span, max_chars))
    pieces: list[Span] = []
    first = 0
    while first < len(units):
        last = first
        while last + 1 < len(units) and units[last + 1][1] - units[first][0] <= max_chars:
            last += 1
        pieces.append(Span(units[first][0], units[last][1]))
        if last == len(units) - 1:
            break
        nxt = last + 1
        while nxt - 1 > first and units[last][1] - units[nxt - 1][0] <= overlap_chars:
            nxt -= 1
        first = nxt
    return pieces


def _units(text: str, span: Span, max_chars: int) -> Iterator[tuple[int, int]]:
    """Paragraphs of the span; a paragraph longer than `max_chars` is given as its sentences."""
    body = span.of(text)
    for para in _PARAGRAPH.finditer(body):
        start, end = span.start + para.start(), span.start + para.end()
        if end - start <= max_chars:
            yield start, end
        else:
            yield from ((start + s, start + e) for s, e in sentence_spans(text[start:end]))
