"""From a ranking to quotable passages: which chunks to show and which sentences answer.

Every string put in a Passage is a slice of the cleaned document text, so quotes are verbatim by
construction; `tests/test_search.py` checks it for every result of every dev question.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from retrieval.documents import Chunk, Document, Section
from retrieval.index import IndexBundle, tokenize
from retrieval.results import Passage, permalink
from retrieval.search import Hit, Ranking, covered

#: A quote is the best sentence plus neighbours that score nearly as well, up to this length.
QUOTE_MAX_CHARS = 500
NEIGHBOUR_RATIO = 0.7
SENTENCE_OVERLAP_WEIGHT = 0.25


@dataclass(frozen=True)
class ChunkView:
    chunk: Chunk
    document: Document
    section: Section


def compose(
    ranking: Ranking,
    views: list[ChunkView],
    bundle: IndexBundle,
    k: int,
    offset: int,
    base_url: str | None,
) -> list[Passage]:
    """Passages `offset`..`offset + k` of the ranking, one per distinct stretch of text."""
    chosen: list[tuple[Hit, ChunkView]] = []
    for hit in ranking.hits:
        view = views[hit.row]
        if any(_overlaps(view.chunk, other.chunk) for _, other in chosen):
            continue  # a grouped answer or an overlapping piece already shown
        chosen.append((hit, view))
        if len(chosen) >= offset + k:
            break
    return [
        _passage(rank, hit, view, bundle, ranking.terms, base_url)
        for rank, (hit, view) in enumerate(chosen[offset:], start=offset + 1)
    ]


def _overlaps(a: Chunk, b: Chunk) -> bool:
    return a.doc_id == b.doc_id and a.span.start < b.span.end and b.span.start < a.span.end


def _passage(
    rank: int,
    hit: Hit,
    view: ChunkView,
    bundle: IndexBundle,
    terms: dict[str, float],
    base_url: str | None,
) -> Passage:
    chunk, document, section = view.chunk, view.document, view.section
    sentences = _answering_sentences(hit, chunk.text, bundle, terms)
    # one run from the first answering sentence to the last: they are contiguous
    highlights = ((sentences[0][0], sentences[-1][1]),) if sentences else ()
    quote = chunk.text[highlights[0][0] : highlights[0][1]] if highlights else chunk.text
    return Passage(
        rank=rank,
        score=hit.score,
        chunk_id=chunk.chunk_id,
        doc_id=document.doc_id,
        doc_type=document.doc_type,
        title=document.title,
        section=section.label,
        anchor=section.anchor,
        answer_heading=section.answer_heading,
        question=section.question.of(document.text) if section.question else None,
        text=chunk.text,
        quote=quote,
        highlights=highlights,
        span=chunk.span,
        url=document.url,
        permalink=permalink(base_url, document.doc_id, chunk.span),
        date=document.date,
        ministers=tuple(document.ministers),
    )


def _answering_sentences(
    hit: Hit, text: str, bundle: IndexBundle, terms: dict[str, float]
) -> list[tuple[int, int]]:
    """The best sentence and its near-as-good neighbours, as contiguous (start, end) in `text`.

    A sentence scores by its cosine with the question plus the share of the question's word
    weight it contains (as `coverage` does for chunks).
    """
    if len(hit.sentences) <= 1:
        return [(0, len(text))] if text else []
    rows = [row for row, _ in hit.sentences]
    spans = [(int(bundle.sentence_spans[r, 1]), int(bundle.sentence_spans[r, 2])) for r in rows]
    stems = [set(tokens) for tokens in tokenize([text[s:e] for s, e in spans])]
    overlap = covered(terms, lambda t: np.array([t in st for st in stems]), len(stems))
    scores = np.array([cosine for _, cosine in hit.sentences]) + SENTENCE_OVERLAP_WEIGHT * overlap
    best = int(scores.argmax())
    first = last = best
    for step in (1, -1):
        i = best + step
        while 0 <= i < len(spans) and scores[i] >= NEIGHBOUR_RATIO * scores[best]:
            lo, hi = min(first, i), max(last, i)
            if spans[hi][1] - spans[lo][0] > QUOTE_MAX_CHARS:
                break
            first, last = lo, hi
            i += step
    return spans[first : last + 1]
