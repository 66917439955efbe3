"""Sentence boundaries inside a text, as character spans (pysbd, Dutch rules).

Text extracted from PDFs is hard-wrapped: a line break inside a paragraph is not a sentence end
("… die wordt bekostigd\\nuit de subsidieregeling ADL-assistentie."). So a line break only ends
a sentence where the line reads as finished — it ends in closing punctuation, is a short heading,
or the next line starts a list item — and a blank line always does; within those stretches pysbd
finds the sentences.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pysbd

_FINISHED = re.compile(r"[.?!:;]['’”\")\]]*\s*$")
_LIST_ITEM = re.compile(r"^\s*(?:[-–•*·]|\d{1,2}[.)])\s")
#: A line this short without closing punctuation is a heading, not a wrapped sentence.
HEADING_MAX_CHARS = 60


@lru_cache(maxsize=1)
def _segmenter() -> pysbd.Segmenter:
    return pysbd.Segmenter(language="nl", clean=False, char_span=False)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Spans of the sentences of `text`, whitespace trimmed."""
    spans: list[tuple[int, int]] = []
    for start, end in _stretches(text):
        # line breaks inside a stretch are wrapping: pysbd sees spaces, offsets stay the same
        flat = text[start:end].replace("\n", " ")
        cursor = 0
        for sentence in _segmenter().segment(flat):
            piece = sentence.strip()
            if not piece:
                continue
            found = flat.find(piece, cursor)
            if found < 0:  # pysbd changed the text: keep the rest of the stretch as one sentence
                spans.append((start + cursor, end))
                break
            spans.append((start + found, start + found + len(piece)))
            cursor = found + len(piece)
    return [(s, e) for s, e in (_trim(text, s, e) for s, e in spans) if e > s]


def _stretches(text: str) -> list[tuple[int, int]]:
    """Runs of lines that may hold one sentence across their line breaks."""
    stretches: list[tuple[int, int]] = []
    start = 0
    lines = text.split("\n")
    offset = 0
    for index, line in enumerate(lines):
        end = offset + len(line)
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if (
            not line.strip()
            or not following.strip()
            or _FINISHED.search(line)
            or _LIST_ITEM.match(following)
            or (_short(line) and following.strip()[:1].isupper())
        ):
            if text[start:end].strip():
                stretches.append((start, end))
            start = end + 1
        offset = end + 1
    if text[start:].strip():
        stretches.append((start, len(text)))
    return stretches


def _short(line: str) -> bool:
    return len(line.strip()) <= HEADING_MAX_CHARS and not line.rstrip().endswith(",")


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    piece = text[start:end]
    return start + len(piece) - len(piece.lstrip()), end - len(piece) + len(piece.rstrip())
