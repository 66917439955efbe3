"""Sentence boundaries inside a text, as character spans (pysbd, Dutch rules)."""

from __future__ import annotations

import re
from functools import lru_cache

import pysbd

_LINES = re.compile(r"[^\n]+")


@lru_cache(maxsize=1)
def _segmenter() -> pysbd.Segmenter:
    return pysbd.Segmenter(language="nl", clean=False, char_span=False)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Spans of the sentences of `text`, whitespace trimmed; a line break always ends a sentence."""
    spans: list[tuple[int, int]] = []
    for line in _LINES.finditer(text):
        cursor = line.start()
        for sentence in _segmenter().segment(line.group()):
            piece = sentence.strip()
            if not piece:
                continue
            start = text.find(piece, cursor, line.end())
            if start < 0:  # pysbd changed the text: keep the rest of the line as one sentence
                spans.append((cursor, line.end()))
                break
            spans.append((start, start + len(piece)))
            cursor = start + len(piece)
    return [(s, e) for s, e in spans if text[s:e].strip()]
