"""Sections -> chunks: whole units where they fit, paragraph cuts with overlap where not."""

from __future__ import annotations

from itertools import pairwise

from retrieval.chunking import chunk_document, split_span
from retrieval.corpus import load_corpus
from retrieval.documents import Span
from retrieval.settings import BUNDLED_CORPUS

TEXT = "\n\n".join(
    f"Alinea {n}. " + " ".join(["Dit is een zin met woorden."] * 8) for n in range(10)
)


def test_a_short_body_is_one_chunk() -> None:
    assert split_span(TEXT, Span(0, 200), 1200, 200) == [Span(0, 200)]


def test_a_long_body_is_cut_on_paragraphs_with_overlap_and_nothing_lost() -> None:
    whole = Span(0, len(TEXT))
    pieces = split_span(TEXT, whole, 600, 250)
    assert len(pieces) > 2
    assert pieces[0].start == 0 and pieces[-1].end == len(TEXT)
    for before, after in pairwise(pieces):
        assert after.start < before.end  # overlap: the next piece repeats the last paragraph
        assert after.start > before.start
    for piece in pieces:
        text = piece.of(TEXT)
        assert len(text) <= 600
        assert text.startswith("Alinea") and text.endswith(".")  # cut between paragraphs


def test_bundled_corpus_chunks_know_their_document_section_and_question() -> None:
    for document in load_corpus(BUNDLED_CORPUS):
        chunks = chunk_document(document, 1200, 200)
        assert len({c.chunk_id for c in chunks}) == len(chunks)
        for chunk in chunks:
            assert document.text[chunk.span.start : chunk.span.end] == chunk.text
            section = document.section(chunk.section)
            assert section is not None
            assert chunk.context.startswith(document.title)
            if section.question is not None:
                assert section.question.of(document.text) in chunk.context
