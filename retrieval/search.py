"""Hybrid search: dense (FAISS) and lexical (BM25) rankings fused, off-corpus questions declined.

Plain reciprocal-rank fusion of BM25 and USE is worse than BM25 alone on Dutch questions (it
throws away how sure each signal is), and BM25 is useless on English questions over Dutch text.
So the two signals are fused by calibrated score, weighted by the question's language:

    dense    = cosine of question and chunk, averaged with the best-matching sentence's
    lexical  = BM25 score, divided by the best BM25 score for that question (0..1)
    coverage = share of the question's rare-word (IDF) mass found in the chunk (0..1)
    fused    = w_dense * dense + w_lex * (lexical + coverage) / 2

`lexical` is relative to the question's best chunk, so it ranks but cannot tell whether anything
answers at all. `confidence` = the best `dense + 0.1 * coverage` among the candidates is absolute:
calibrated on the dev questions against 175 rijksoverheid.nl questions on other topics
(bench/calibrate.py), it declines those while keeping the answerable ones.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import py3langid

from retrieval.embedding import Embedder
from retrieval.index import IndexBundle, tokenize
from retrieval.results import QuestionError
from retrieval.settings import DEFAULT_MODEL, Settings


@dataclass(frozen=True)
class Weights:
    dense: float
    lexical: float


#: Per question language. English questions over Dutch text lean on the multilingual encoder.
LANGUAGE_WEIGHTS = {"nl": Weights(dense=0.5, lexical=0.5), "en": Weights(dense=0.9, lexical=0.1)}


#: Below this confidence a question is declined; calibrated per model family (bench/calibrate.py).
MIN_CONFIDENCE: tuple[tuple[str, float], ...] = ((DEFAULT_MODEL, 0.27), ("embeddinggemma", 0.30))
DEFAULT_MIN_CONFIDENCE = 0.30
CONFIDENCE_COVERAGE_WEIGHT = 0.1


def min_confidence(settings: Settings) -> float:
    if settings.min_confidence is not None:
        return settings.min_confidence
    name = settings.embedding_model.lower()
    return next((v for family, v in MIN_CONFIDENCE if family in name), DEFAULT_MIN_CONFIDENCE)


@dataclass(frozen=True)
class Hit:
    row: int  # chunk row in the index bundle
    score: float  # fused
    dense: float
    lexical: float
    coverage: float
    best_sentences: tuple[int, ...]  # rows into the bundle's sentence arrays, best first


@dataclass(frozen=True)
class Ranking:
    language: str
    confidence: float
    hits: list[Hit]
    query_vector: np.ndarray


@lru_cache(maxsize=1)
def _language_identifier() -> py3langid.langid.LanguageIdentifier:
    identifier = py3langid.langid.LanguageIdentifier.from_model_file(py3langid.langid.MODEL_FILE)
    identifier.set_languages(["nl", "en"])
    return identifier


def detect_language(question: str) -> str:
    return _language_identifier().classify(question)[0]


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_question(question: str, max_chars: int) -> str:
    """The question as searched, or QuestionError with a message for the person who asked."""
    text = unicodedata.normalize("NFC", _CONTROL.sub(" ", question or "")).strip()
    text = re.sub(r"\s+", " ", text)
    if not re.search(r"\w", text):
        raise QuestionError("Empty question: please ask something, e.g. 'Wat is spyware?'")
    if len(text) > max_chars:
        raise QuestionError(
            f"That question is {len(text):,} characters long; please keep it under {max_chars:,}."
        )
    return text


class HybridSearcher:
    def __init__(self, embedder: Embedder, bundle: IndexBundle, candidates: int) -> None:
        self.embedder = embedder
        self.bundle = bundle
        self.candidates = candidates
        spans = bundle.sentence_spans
        # sentence rows of each chunk row: sentences are stored grouped by chunk, in order
        self._sentence_start = np.searchsorted(spans[:, 0], np.arange(len(bundle.chunk_ids) + 1))

    def rank(self, question: str) -> Ranking:
        language = detect_language(question)
        weights = LANGUAGE_WEIGHTS[language]
        query = self.embedder.encode_queries([question])[0]

        rows, _ = self.bundle.dense.search(query, self.candidates)
        token_ids, unknown = self.bundle.lexical.query_ids(tokenize([question])[0])
        bm25 = self.bundle.lexical.scores(token_ids)
        lexical_rows = np.argsort(-bm25)[: self.candidates]
        lexical_rows = lexical_rows[bm25[lexical_rows] > 0]
        rows = np.unique(np.concatenate([rows, lexical_rows]).astype(np.int64))
        if len(rows) == 0:
            return Ranking(language, 0.0, [], query)

        dense, best = self._dense_scores(query, rows)
        top_bm25 = float(bm25.max())
        lexical = bm25[rows] / top_bm25 if top_bm25 > 0 else np.zeros(len(rows))
        coverage = self.bundle.lexical.coverage(token_ids, unknown, rows)
        fused = weights.dense * dense + weights.lexical * (lexical + coverage) / 2
        absolute = dense + CONFIDENCE_COVERAGE_WEIGHT * coverage

        order = np.argsort(-fused)
        hits = [
            Hit(
                int(rows[i]),
                float(fused[i]),
                float(dense[i]),
                float(lexical[i]),
                float(coverage[i]),
                best[i],
            )
            for i in order
        ]
        return Ranking(language, float(absolute.max()), hits, query)

    def _dense_scores(
        self, query: np.ndarray, rows: np.ndarray
    ) -> tuple[np.ndarray, list[tuple[int, ...]]]:
        """Chunk cosine, averaged with its best sentence's; and each chunk's sentences by score."""
        chunk_vectors = np.stack([self.bundle.dense.index.reconstruct(int(r)) for r in rows])
        chunk_scores = chunk_vectors @ query
        scores = np.empty(len(rows))
        best: list[tuple[int, ...]] = []
        for i, row in enumerate(rows):
            lo, hi = self._sentence_start[row], self._sentence_start[row + 1]
            if hi == lo:
                scores[i] = chunk_scores[i]
                best.append(())
                continue
            sims = self.bundle.sentence_vectors[lo:hi].astype(np.float32) @ query
            scores[i] = (chunk_scores[i] + sims.max()) / 2
            best.append(tuple(int(lo + j) for j in np.argsort(-sims)))
        return scores, best
