"""Hybrid search: dense (FAISS) and lexical (BM25) rankings fused, off-corpus questions declined.

Plain reciprocal-rank fusion of BM25 and USE is worse than BM25 alone on Dutch questions (it
throws away how sure each signal is), and BM25 is useless on English questions over Dutch text.
So the two signals are fused by score, weighted by the question's language:

    dense    = cosine of question and chunk, blended with its best sentence's for a sentence
               encoder such as USE (the model's profile says how much)
    lexical  = BM25 score, divided by the best BM25 score for that question (0..1)
    fused    = w * dense + (1 - w) * lexical,  w = 0.5 + 0.5 * P(the question is English)
    coverage = share of the question's word weight found in the chunk (0..1), a word weighing
               more the rarer it is in Dutch at large (wordfreq): unlike the corpus's own IDF
               this holds for words the corpus never uses ("pizza", "pensioenhervorming")

`lexical` is relative to the question's best chunk, so it ranks but cannot tell whether anything
answers at all. `confidence` = the best `dense + 0.1 * coverage` among the candidates is absolute:
calibrated on the dev questions against 175 rijksoverheid.nl questions on other topics
(bench/calibrate.py), it declines those while keeping the answerable ones.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
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


def question_terms(question: str) -> dict[str, float]:
    """The question's stems (stopwords dropped), each weighted by its rarest word."""
    terms: dict[str, float] = {}
    query_words = words([question])[0]
    for word, term in zip(query_words, stem(query_words), strict=True):
        terms[term] = max(terms.get(term, 0.0), word_weight(word))
    return terms


def covered(terms: dict[str, float], present: Callable[[str], np.ndarray], n: int) -> np.ndarray:
    """For n texts, the share of the terms' weight they contain; `present(stem)` says which do."""
    found = np.zeros(n)
    for term, weight in terms.items():
        found += weight * present(term)
    total = sum(terms.values())
    return found / total if total else found


@dataclass(frozen=True)
class Hit:
    row: int  # chunk row in the index bundle
    score: float  # fused
    dense: float
    lexical: float
    coverage: float
    sentences: tuple[tuple[int, float], ...]  # (row in the bundle's sentence arrays, cosine)


@dataclass(frozen=True)
class Ranking:
    language: str
    confidence: float
    hits: list[Hit]
    terms: dict[str, float]  # the question's weighted stems (`question_terms`)


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
        terms = question_terms(question)
        lexical_index = self.bundle.lexical
        bm25 = lexical_index.scores(lexical_index.term_ids(list(terms)))
        lexical_rows = np.argsort(-bm25)[: self.candidates]
        lexical_rows = lexical_rows[bm25[lexical_rows] > 0]
        rows = np.unique(np.concatenate([rows, lexical_rows]).astype(np.int64))
        if len(rows) == 0:
            return Ranking(language, 0.0, [], terms)

        dense, sentences = self._dense_scores(query, rows)
        top_bm25 = float(bm25.max())
        lexical = bm25[rows] / top_bm25 if top_bm25 > 0 else np.zeros(len(rows))
        coverage = covered(
            terms, lambda t: lexical_index.contains(lexical_index.term_id(t), rows), len(rows)
        )
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
                sentences[i],
            )
            for i in order
        ]
        return Ranking(language, float(absolute.max()), hits, terms)

    def _dense_scores(
        self, query: np.ndarray, rows: np.ndarray
    ) -> tuple[np.ndarray, list[tuple[tuple[int, float], ...]]]:
        """Chunk cosine, blended with its best sentence's; and each chunk's sentence cosines."""
        chunk_vectors = np.stack([self.bundle.dense.index.reconstruct(int(r)) for r in rows])
        chunk_scores = chunk_vectors @ query
        scores = np.empty(len(rows))
        sentences: list[tuple[tuple[int, float], ...]] = []
        for i, row in enumerate(rows):
            lo, hi = self._sentence_start[row], self._sentence_start[row + 1]
            if hi == lo:
                scores[i] = chunk_scores[i]
                sentences.append(())
                continue
            sims = self.bundle.sentence_vectors[lo:hi].astype(np.float32) @ query
            alpha = self.profile.sentence_weight
            scores[i] = (1 - alpha) * chunk_scores[i] + alpha * sims.max()
            sentences.append(tuple((int(lo + j), float(sim)) for j, sim in enumerate(sims)))
        return scores, sentences
