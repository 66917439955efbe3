"""Sentence boundaries inside a text, as character spans (sentencex, Dutch rules).

Text extracted from PDFs is hard-wrapped: a line break inside a paragraph is not a sentence end
("… die wordt bekostigd\\nuit de subsidieregeling ADL-assistentie."). So a line break only ends
a sentence where the line reads as finished — it ends in closing punctuation, is a short heading,
or the next line starts a list item — and a blank line always does; within those stretches
sentencex (Wikimedia's rule-based segmenter, with Dutch abbreviations) finds the sentences. It is
fast enough for a corpus of tens of millions of characters (pysbd, used before, splits ~30,000
characters a second: 20 minutes for sgd-historisch); two rules on top of it keep a piece that
cannot stand alone with its neighbour: a bare list number ("1.") joins the sentence after it, and
a piece followed by one that starts in lower case ("o.a. | een test") did not end a sentence.
"""

from __future__ import annotations

import re

import sentencex

_FINISHED = re.compile(r"[.?!:;]['’”\")\]]*\s*$")
_LIST_ITEM = re.compile(r"^\s*(?:[-–•*·]|\d{1,2}[.)])\s")
#: A line this short without closing punctuation is a heading, not a wrapped sentence.
HEADING_MAX_CHARS = 60


#: Quote marks are hidden from the segmenter (same length, so offsets hold): it never splits
#: between an opening and a closing mark, and OCR'd text uses them as apostrophes ("Café‘s").
_QUOTES = str.maketrans(dict.fromkeys("'\"‘’‚‛“”„«»‹›`´", " "))
_ENUMERATOR = re.compile(r"^\(?\d{1,2}[.)]?$|^[a-z][.)]$")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Spans of the sentences of `text`, whitespace trimmed."""
    spans: list[tuple[int, int]] = []
    for start, end in _stretches(text):
        # line breaks inside a stretch are wrapping: the segmenter sees spaces
        stretch = text[start:end]
        flat = stretch.replace("\n", " ").translate(_QUOTES)
        pieces: list[tuple[int, int]] = []
        for boundary in sentencex.get_sentence_boundaries("nl", flat):
            s, e = _trim(stretch, boundary["start_index"], boundary["end_index"])
            if e <= s:
                continue
            if pieces and _continues(flat, pieces[-1], s):
                pieces[-1] = (pieces[-1][0], e)
            else:
                pieces.append((s, e))
        spans.extend((start + s, start + e) for s, e in pieces)
    return spans


def _continues(flat: str, previous: tuple[int, int], start: int) -> bool:
    """Whether the piece at `start` goes on with the one before (see the module's rules)."""
    return bool(_ENUMERATOR.match(flat[previous[0] : previous[1]]) or flat[start].islower())


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
