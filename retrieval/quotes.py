"""Which sentences of a passage answer the question: the quote.

A sentence scores by

    its cosine with the question (where the model's sentence vectors are stored)
  + OVERLAP   * the share of the question's word weight it holds
  + FIRST     if it opens the section's body: a minister's answer and a Q&A page's answer
                say the essential first ("Nee.", "De letter 'O' komt … niet voor."); on the
                rijksoverheid.nl pages the first sentence alone holds the answer a person marked
                in two of three pages
  + ASKED_FOR if it holds what the question asks for: a number for "hoeveel", a date for
                "wanneer", a reason for "waarom", a person for "wie"

A sentence that repeats the document's title restates the question's topic and never wins. The
best sentence is extended by neighbours that score nearly as well, then by the sentences after it
until the quote is `MIN_CHARS` long ("Nee." alone answers nothing citable), up to `MAX_CHARS`.
The weights were chosen on the dev questions' quotes and on the rijksoverheid.nl pages asked their
own question (bench/bench_quality.py reports both).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from retrieval.terms import QuestionTerms, index_tokens

OVERLAP = 0.25
FIRST = 0.3
ASKED_FOR = 0.1
NEIGHBOUR_RATIO = 0.7
MIN_CHARS = 180
MAX_CHARS = 400

_NUMBER = (
    r"\d|\b(?:één|twee|drie|vier|vijf|zes|zeven|acht|negen|tien|twintig|honderd|duizend"
    r"|miljoen|miljard)\b"
)
_MONTHS = "januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december"
#: (what the question asks, what a sentence that answers it holds), Dutch and English.
ASKS: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...] = tuple(
    (re.compile(asks, re.IGNORECASE), re.compile(holds, re.IGNORECASE))
    for asks, holds in (
        (r"\b(?:hoeveel|hoe (?:groot|hoog|veel)|welk percentage|how (?:many|much))\b", _NUMBER),
        (
            r"\b(?:wanneer|sinds|hoe ?lang|welk jaar|when|since|how long|what year)\b",
            rf"\b(?:1[89]\d\d|20\d\d|{_MONTHS}|Q[1-4]|dagen|weken|maanden|jaar|jaren|eind|begin)\b",
        ),
        (r"\b(?:waarom|why)\b", r"\b(?:omdat|doordat|daarom|vanwege|want|zodat|reden)\b"),
        (
            r"\b(?:wie|who)\b",
            r"\b(?:minister|staatssecretaris|voorzitter|commissie|[A-Z][a-z]+ \(\w+\))",
        ),
    )
)


def answering_span(
    question: str,
    terms: QuestionTerms,
    text: str,
    sentences: Sequence[tuple[int, int]],
    cosines: Sequence[float] | None,
    *,
    opens_section: bool,
    title: str,
) -> tuple[int, int] | None:
    """The quote's (start, end) in `text`: contiguous sentences; None for an empty text."""
    if not sentences:
        return (0, len(text)) if text.strip() else None
    pieces = [text[s:e] for s, e in sentences]
    stems = [set(tokens) for tokens in index_tokens(pieces)]
    scores = OVERLAP * terms.covered(lambda t: np.array([t in st for st in stems]), len(stems))
    if cosines is not None:
        scores = scores + np.asarray(cosines, dtype=float)
    if opens_section:
        scores[0] += FIRST
    for asks, holds in ASKS:
        if asks.search(question):
            scores += ASKED_FOR * np.array([bool(holds.search(p)) for p in pieces])
    restates = np.array([_same(p, title) for p in pieces])
    if not restates.all():
        scores[restates] = -np.inf
    best = int(scores.argmax())
    first = last = best
    for step in (1, -1):
        i = best + step
        while 0 <= i < len(sentences) and scores[i] >= NEIGHBOUR_RATIO * scores[best]:
            if not _fits(sentences, min(first, i), max(last, i)):
                break
            first, last = min(first, i), max(last, i)
            i += step
    while (
        sentences[last][1] - sentences[first][0] < MIN_CHARS
        and last + 1 < len(sentences)
        and _fits(sentences, first, last + 1)
    ):
        last += 1
    return sentences[first][0], sentences[last][1]


def _fits(sentences: Sequence[tuple[int, int]], first: int, last: int) -> bool:
    return sentences[last][1] - sentences[first][0] <= MAX_CHARS


def _same(sentence: str, title: str) -> bool:
    squash = " ".join(sentence.split()).rstrip(".").lower()
    return bool(squash) and squash == " ".join(title.split()).rstrip(".").lower()
