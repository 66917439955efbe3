"""Documents without numbered questions: headed sections, and the question-and-answer page.

A text, HTML or PDF document that is not a Kamervraag or a known letter is still more than a run
of paragraphs: short lines without closing punctuation head the paragraphs under them, and a page
that opens with a question ("Hoe lang is een uittreksel uit de BRP geldig?") is a question with
its answer. The sections made here keep those together, so chunking can merge a heading's short
paragraphs up to the chunk size with the heading (and the page's question) as their context.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from retrieval.documents import Section, Span

#: A heading is one short line: at most this many words and characters.
HEADING_MAX_WORDS = 12
HEADING_MAX_CHARS = 100
#: A page's opening question is at most this long.
QUESTION_MAX_CHARS = 300
INTRODUCTION = "Inleiding"
ANSWER = "Antwoord"


@dataclass(frozen=True)
class Block:
    """A paragraph, a list item or a heading of the document text."""

    span: Span
    heading: bool


def looks_like_heading(text: str) -> bool:
    """A short single line that does not read as a sentence or a list item."""
    return (
        "\n" not in text
        and len(text) <= HEADING_MAX_CHARS
        and len(text.split()) <= HEADING_MAX_WORDS
        and text[:1].isalnum()
        and text[:1].upper() == text[:1]
        and not re.search(r"[.,;:!]$", text)
    )


def text_blocks(text: str, paragraphs: Sequence[Span]) -> list[Block]:
    """Paragraphs with their heading flag; a heading needs body text after it."""
    blocks = [Block(p, looks_like_heading(p.of(text))) for p in paragraphs]
    return [
        Block(b.span, b.heading and i + 1 < len(blocks) and not blocks[i + 1].heading)
        for i, b in enumerate(blocks)
    ]


def is_question(text: str) -> bool:
    return text.endswith("?") and len(text) <= QUESTION_MAX_CHARS


def headed_sections(text: str, blocks: Sequence[Block]) -> list[Section]:
    """One section per heading (its label), holding the blocks up to the next heading.

    A document that opens with a question (its first block, or its first heading) gets a
    question-and-answer section: that question, answered by the blocks that follow it. Text
    before the first heading is the "Inleiding". Labels are made unique within the document.
    """
    sections: list[Section] = []
    seen: Counter[str] = Counter()
    start = 0
    if len(blocks) > 1 and is_question(blocks[0].span.of(text)) and not blocks[1].heading:
        answer = _until_heading(blocks, 1)
        sections.append(
            Section(
                ANSWER,
                "qa",
                Span(blocks[1].span.start, blocks[answer - 1].span.end),
                question=blocks[0].span,
            )
        )
        start = answer
    label: str | None = None
    first = start
    for index in range(start, len(blocks) + 1):
        if index < len(blocks) and not blocks[index].heading:
            continue
        if index > first:
            body = Span(blocks[first].span.start, blocks[index - 1].span.end)
            name = label or INTRODUCTION
            seen[name] += 1
            unique = f"{name} ({seen[name]})" if seen[name] > 1 else name
            sections.append(Section(unique, "text", body))
        if index < len(blocks):
            label = " ".join(blocks[index].span.of(text).split())
            first = index + 1
    return sections


def _until_heading(blocks: Sequence[Block], start: int) -> int:
    """The index of the first heading at or after `start` (len(blocks) if none)."""
    return next((i for i in range(start, len(blocks)) if blocks[i].heading), len(blocks))
