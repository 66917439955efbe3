"""Sections -> Chunks: a question with its answer is the unit; long bodies split on paragraphs.

Short headed sections of a web page or memo are merged up to the chunk size (one chunk holds the
page's answer with its short sub-sections, headings included as they stand in the text); a
Kamervraag's questions are never merged, each question with its answer stays a unit.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from retrieval.documents import Chunk, Document, Section, Span
from retrieval.parsing.sections import ANSWER
from retrieval.sentences import sentence_spans

#: Changes whenever the rules below cut documents differently: stored documents are re-chunked.
CHUNKER_VERSION = 4
_PARAGRAPH = re.compile(r"[^\n]+(?:\n(?!\s*\n)[^\n]+)*")


def chunk_document(document: Document, max_chars: int, overlap_chars: int) -> list[Chunk]:
    chunks: list[Chunk] = []
    for group in section_groups(document.sections, max_chars):
        first = group[0]
        context = section_context(document, group)
        body = Span(first.body.start, group[-1].body.end)
        for n, span in enumerate(split_span(document.text, body, max_chars, overlap_chars)):
            chunks.append(
                Chunk(
                    chunk_id=f"{document.doc_id}:{first.anchor}:{n}",
                    doc_id=document.doc_id,
                    section=first.label,
                    span=span,
                    text=span.of(document.text),
                    context=context,
                )
            )
    return chunks


def section_groups(sections: Sequence[Section], max_chars: int) -> list[list[Section]]:
    """Sections in order, a `text` section joining the one before it (a `text` section or a
    Q&A page's answer, never a numbered question's: a delay notice is not part of its answer)
    while the two together fit in `max_chars`."""
    groups: list[list[Section]] = []
    for section in sections:
        if groups:
            last = groups[-1]
            fits = section.body.end - last[0].body.start <= max_chars
            follows = last[-1].body.end <= section.body.start
            joins = last[-1].kind == "text" or (last[-1].kind == "qa" and last[-1].label == ANSWER)
            if section.kind == "text" and joins and fits and follows:
                last.append(section)
                continue
        groups.append([section])
    return groups


def section_context(document: Document, group: Sequence[Section]) -> str:
    """What is searched beside a chunk's text: the title, the sections, the first's question."""
    parts = [document.title, *(section.label for section in group)]
    if group[0].question is not None:
        parts.append(group[0].question.of(document.text))
    return "\n".join(dict.fromkeys(parts))  # a page's question is often its title too


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
