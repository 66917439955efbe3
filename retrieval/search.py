"""Hybrid search: dense (FAISS) and lexical (BM25) rankings fused, off-corpus questions declined.

Plain reciprocal-rank fusion of BM25 and USE is worse than BM25 alone on Dutch questions (it
throws away how sure each signal is), and BM25 is useless on English questions over Dutch text.
So the two signals are fused by calibrated score, weighted by the question's language:

    dense    = cosine of question and chunk, averaged with the best-matching sentence's
    lexical  = BM25 score, divided by the best BM25 score for that question (0..1)
    coverage = share of the question's word weight found in the chunk (0..1), a word weighing
               more the rarer it is in Dutch at large (wordfreq): unlike the corpus's own IDF
               this holds for words the corpus never uses ("pizza", "pensioenhervorming")
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
from wordfreq import zipf_frequency

from retrieval.embedding import Embedder
from retrieval.index import IndexBundle, stem, words
from retrieval.results import QuestionError
from retrieval.settings import DEFAULT_MODEL, Settings


@dataclass(frozen=True)
class ModelProfile:
    """How to read one model's cosines; calibrated with bench/calibrate.py and bench/README.md."""

    sentence_weight: float  # share of the best sentence's cosine in `dense` (vs the whole chunk's)
    min_confidence: float  # decline below this


#: USE is a sentence encoder: a chunk is judged half by its best sentence. Passage encoders
#: (EmbeddingGemma, e5, …) judge the chunk whole. Unknown models get the passage profile and a
#: middling threshold: calibrate and set MIN_CONFIDENCE for them.
PROFILES: tuple[tuple[str, ModelProfile], ...] = (
    (DEFAULT_MODEL, ModelProfile(sentence_weight=0.5, min_confidence=0.29)),
    ("embeddinggemma", ModelProfile(sentence_weight=0.0, min_confidence=0.45)),
)
DEFAULT_PROFILE = ModelProfile(sentence_weight=0.0, min_confidence=0.40)
CONFIDENCE_COVERAGE_WEIGHT = 0.1


def model_profile(settings: Settings) -> ModelProfile:
    name = settings.embedding_model.lower()
    profile = next((p for family, p in PROFILES if family in name), DEFAULT_PROFILE)
    if settings.min_confidence is not None:
        profile = ModelProfile(profile.sentence_weight, settings.min_confidence)
    return profile


def dense_weight(fusion: str, p_english: float) -> float:
    """Share of the dense signal: half for Dutch questions, all of it for English ones (BM25 over
    Dutch text cannot match English words); in between as the language is uncertain."""
    if fusion in ("dense", "lexical"):
        return 1.0 if fusion == "dense" else 0.0
    return 0.5 + 0.5 * p_english


#: Zipf frequency above which a word carries (almost) no weight: "de" is 7.5, "kabinet" 4.6.
ZIPF_CEILING = 8.0


def word_weight(word: str) -> float:
    return max(ZIPF_CEILING - zipf_frequency(word, "nl"), 0.5)


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
    identifier = py3langid.langid.LanguageIdentifier.from_model_file(
        py3langid.langid.MODEL_FILE, norm_probs=True
    )
    identifier.set_languages(["nl", "en"])
    return identifier


def detect_language(question: str) -> tuple[str, float]:
    """'nl' or 'en', and the probability that the question is English."""
    language, probability = _language_identifier().classify(question)
    return language, float(probability if language == "en" else 1 - probability)


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
    def __init__(
        self,
        embedder: Embedder,
        bundle: IndexBundle,
        candidates: int,
        profile: ModelProfile,
        fusion: str = "hybrid",
    ) -> None:
        self.embedder = embedder
        self.bundle = bundle
        self.candidates = candidates
        self.profile = profile
        self.fusion = fusion
        spans = bundle.sentence_spans
        # sentence rows of each chunk row: sentences are stored grouped by chunk, in order
        self._sentence_start = np.searchsorted(spans[:, 0], np.arange(len(bundle.chunk_ids) + 1))

    def rank(self, question: str) -> Ranking:
        language, p_english = detect_language(question)
        w_dense = dense_weight(self.fusion, p_english)
        query = self.embedder.encode_queries([question])[0]

        rows, _ = self.bundle.dense.search(query, self.candidates)
        query_words = words([question])[0]
        term_ids = self.bundle.lexical.term_ids(stem(query_words))
        bm25 = self.bundle.lexical.scores(term_ids)
        lexical_rows = np.argsort(-bm25)[: self.candidates]
        lexical_rows = lexical_rows[bm25[lexical_rows] > 0]
        rows = np.unique(np.concatenate([rows, lexical_rows]).astype(np.int64))
        if len(rows) == 0:
            return Ranking(language, 0.0, [], query)

        dense, best = self._dense_scores(query, rows)
        top_bm25 = float(bm25.max())
        lexical = bm25[rows] / top_bm25 if top_bm25 > 0 else np.zeros(len(rows))
        coverage = self._coverage(query_words, term_ids, rows)
        fused = w_dense * dense + (1 - w_dense) * lexical
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

    def _coverage(
        self, query_words: list[str], term_ids: list[int | None], rows: np.ndarray
    ) -> np.ndarray:
        weights: dict[int | str | None, float] = {}
        for word, term in zip(query_words, term_ids, strict=True):
            key = term if term is not None else word  # unknown words count, each on its own
            weights[key] = max(weights.get(key, 0.0), word_weight(word))
        total = sum(weights.values())
        if not total:
            return np.zeros(len(rows))
        found = np.zeros(len(rows))
        for key, weight in weights.items():
            if not isinstance(key, str):
                found += weight * self.bundle.lexical.contains(key, rows)
        return found / total

    def _dense_scores(
        self, query: np.ndarray, rows: np.ndarray
    ) -> tuple[np.ndarray, list[tuple[int, ...]]]:
        """Chunk cosine, blended with its best sentence's; and each chunk's sentences by score."""
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
            alpha = self.profile.sentence_weight
            scores[i] = (1 - alpha) * chunk_scores[i] + alpha * sims.max()
            best.append(tuple(int(lo + j) for j in np.argsort(-sims)))
        return scores, best
