"""A document as a page: its text cut into segments with section anchors and one marked span."""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

from retrieval.documents import Document, Section, Span

_SPAN_REF = re.compile(r"(\d{1,9})-(\d{1,9})")
DESCRIPTION_CHARS = 200  # Open Graph descriptions are cut (at a word) to about this length


@dataclass(frozen=True)
class Segment:
    """A stretch of the text, preceded by the anchors of the sections that start there."""

    text: str
    anchors: tuple[str, ...] = ()
    mark_open: str | None = None  # the <mark> id when the marked span starts here
    mark_close: bool = False  # the marked span ends after this segment


def parse_span(ref: str | None, document: Document) -> Span | None:
    """'START-END' as a non-empty span inside the document text; None if it is not one."""
    match = _SPAN_REF.fullmatch(ref or "")
    if match is None:
        return None
    start, end = int(match[1]), int(match[2])
    return Span(start, end) if start < end <= len(document.text) else None


def mark_id(span: Span) -> str:
    return f"p-{span.start}-{span.end}"


def section_start(section: Section) -> int:
    return section.question.start if section.question else section.body.start


def segments(document: Document, marked: Span | None) -> list[Segment]:
    """The whole text, cut where a section starts and where the marked span starts and ends."""
    anchors: dict[int, list[str]] = {}
    for section in document.sections:
        anchors.setdefault(section_start(section), []).append(section.anchor)
    cuts = {0, len(document.text), *anchors}
    if marked is not None:
        cuts |= {marked.start, marked.end}
    points = sorted(cuts)
    return [
        Segment(
            text=document.text[start:end],
            anchors=tuple(anchors.get(start, ())),
            mark_open=mark_id(marked) if marked and start == marked.start else None,
            mark_close=bool(marked and end == marked.end),
        )
        for start, end in pairwise(points)
    ]


def section_at(document: Document, span: Span) -> Section | None:
    """The section a passage belongs to; of sections sharing one answer, the one that owns it."""
    containing = [
        s
        for s in document.sections
        if s.body.start <= span.start < s.body.end
        or (s.question and s.question.start <= span.start < s.question.end)
    ]
    return next((s for s in containing if s.answered_in is None), None) or next(
        iter(containing), None
    )


def summary(document: Document) -> str:
    """What a link to the whole document says about it: its first section that is not a header."""
    body = next((s.body for s in document.sections if s.kind != "header"), None)
    return shorten(body.of(document.text) if body else document.text)


def shorten(text: str, limit: int = DESCRIPTION_CHARS) -> str:
    """`text` on one line, cut at a word boundary to at most `limit` characters plus '…'."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit + 1].rsplit(" ", 1)[0] if " " in flat[:limit] else flat[:limit]
    return cut.rstrip(" ,;:") + "…"
