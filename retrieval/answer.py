"""From a ranking to quotable passages: which chunks to show and which sentences answer.

Every string put in a Passage is a slice of the cleaned document text, so quotes are verbatim by
construction; `tests/test_search.py` checks it for every result of every dev question.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from retrieval.documents import Chunk, Document, DocumentInfo, Section
from retrieval.embedding import Encoder
from retrieval.index import IndexBundle
from retrieval.quotes import answering_span
from retrieval.results import Passage, permalink
from retrieval.rows import MadeOnDemand
from retrieval.search import Hit, HybridSearcher, Ranking, model_profile
from retrieval.sentences import sentence_spans
from retrieval.settings import Settings
from retrieval.terms import QuestionTerms


@dataclass(frozen=True)
class ChunkView:
    chunk: Chunk
    document: Document
    section: Section


class ChunkViews(MadeOnDemand[ChunkView]):
    """The chunk, document and section of each index row, made when asked for (see
    `generation.ChunkRows`)."""

    def __init__(self, chunks: Sequence[Chunk], documents: Mapping[str, Document]) -> None:
        self._chunks = chunks
        self._documents = documents

    def __len__(self) -> int:
        return len(self._chunks)

    def _make(self, row: int) -> ChunkView:
        chunk = self._chunks[row]
        document = self._documents[chunk.doc_id]
        section = document.section(chunk.section)
        assert section is not None  # checked when the generation was loaded
        return ChunkView(chunk, document, section)


def searcher_for(
    settings: Settings,
    embedder: Encoder,
    bundle: IndexBundle,
    unanswered: np.ndarray,
) -> HybridSearcher:
    """The searcher over one index; `unanswered` flags the rows of questions still waiting for
    their answer (see `unanswered_rows`)."""
    return HybridSearcher(
        embedder,
        bundle,
        settings.candidates,
        model_profile(settings),
        unanswered,
        settings.min_confidence,
    )


def unanswered_rows(
    doc_ids: Sequence[str], labels: Sequence[str], documents: Mapping[str, DocumentInfo]
) -> np.ndarray:
    """Whether each row (its document and section label) is a question still waiting for its
    answer."""
    kinds: dict[str, dict[str, str]] = {}
    for doc_id in dict.fromkeys(doc_ids):
        kinds[doc_id] = {}
        for section in documents[doc_id].sections:  # a repeated label means its first section
            kinds[doc_id].setdefault(section.label, section.kind)
    flags = (kinds[d][label] == "question" for d, label in zip(doc_ids, labels, strict=True))
    return np.fromiter(flags, dtype=bool, count=len(doc_ids))


def compose(
    ranking: Ranking,
    views: Sequence[ChunkView],
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
        _passage(rank, hit, view, bundle, ranking.question, ranking.terms, base_url)
        for rank, (hit, view) in enumerate(chosen[offset:], start=offset + 1)
    ]


def _overlaps(a: Chunk, b: Chunk) -> bool:
    return a.doc_id == b.doc_id and a.span.start < b.span.end and b.span.start < a.span.end


def _passage(
    rank: int,
    hit: Hit,
    view: ChunkView,
    bundle: IndexBundle,
    question: str,
    terms: QuestionTerms,
    base_url: str | None,
) -> Passage:
    chunk, document, section = view.chunk, view.document, view.section
    if hit.sentences:
        rows = [row for row, _ in hit.sentences]
        sentences = [
            (int(bundle.sentence_spans[r, 1]), int(bundle.sentence_spans[r, 2])) for r in rows
        ]
        cosines: list[float] | None = [cosine for _, cosine in hit.sentences]
    else:
        sentences, cosines = sentence_spans(chunk.text), None
    span = answering_span(
        question,
        terms,
        chunk.text,
        sentences,
        cosines,
        opens_section=chunk.span.start == section.body.start,
        title=document.title,
    )
    highlights = (span,) if span else ()
    quote = chunk.text[span[0] : span[1]] if span else chunk.text
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
        unanswered=hit.unanswered,
        ministry=document.ministry,
    )
