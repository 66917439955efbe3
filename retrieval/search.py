"""Hybrid search: dense (FAISS) and lexical (BM25) candidates, ranked by fused features.

A question is read first (`analyse`): its language, its vector, and its lexical terms — the stems
of its words and of their compound parts (see `terms`), or, for an English question, the Dutch
words of the corpus nearest to its words (see `vocabulary`). Candidates are the best chunks by
each signal; each gets features:

    dense      cosine of question and chunk, blended for a sentence encoder (USE) with its best
               sentence's cosine (the model profile says how much)
    lexical    BM25 of the weighted terms, divided by the best BM25 for the question (0..1)
    coverage   share of the question's term weight the chunk contains (0..1), a word weighing
               more the rarer it is in Dutch (English) at large
    unanswered 1 for a question that still waits for its answer, else 0

    fused = w * dense + (1 - w) * lexical + c * coverage - u * unanswered

with w between the profile's Dutch and English dense weight by the probability that the question
is English. The weights are fitted on the corpus's own question -> answer pairs
(bench/fit_fusion.py), not on the evaluation questions. Whether anything answers at all is a
separate decision (`decline`), calibrated on each corpus when its index is built.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from contextlib import AbstractContextManager
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import py3langid
from bm25s.stopwords import STOPWORDS_DUTCH, STOPWORDS_EN_PLUS
from threadpoolctl import ThreadpoolController

from retrieval.decline import DeclineModel, Signals
from retrieval.embedding import Encoder
from retrieval.errors import QuestionError
from retrieval.index import IndexBundle
from retrieval.settings import DEFAULT_MODEL, Settings
from retrieval.terms import QuestionTerms, question_terms
from retrieval.vocabulary import english_terms


@dataclass(frozen=True)
class Fusion:
    """How candidate features add up to a chunk's score; fitted by bench/fit_fusion.py."""

    dense_dutch: float  # share of the dense signal (vs BM25) for a Dutch question
    dense_english: float  # ... for an English one (BM25 then runs on translated terms)
    coverage: float
    unanswered: float  # subtracted for a question that waits for its answer

    def dense_weight(self, p_english: float) -> float:
        return self.dense_dutch + (self.dense_english - self.dense_dutch) * p_english


@dataclass(frozen=True)
class ModelProfile:
    """How to read one model's cosines."""

    sentence_weight: float  # share of the best sentence's cosine in `dense` (vs the whole chunk's)
    fusion: Fusion
    decline: DeclineModel  # used until an index is calibrated on its own corpus

    @property
    def key(self) -> str:
        """Changes whenever the profile does (and an index's calibration with it)."""
        return hashlib.sha256(repr(self).encode()).hexdigest()[:12]


#: USE is a sentence encoder: a chunk is judged partly by its best sentence. Passage encoders
#: (EmbeddingGemma, e5, …) judge the chunk whole and need no sentence vectors. The Dutch weights
#: are fitted by bench/fit_fusion.py on the grown corpus's own questions; an English question
#: leans on the dense signal (its BM25 runs on translations, which no Dutch question can fit).
#: The decline model is each corpus's own; a corpus with too few questions to calibrate on (the
#: five bundled documents) uses the one the grown corpus calibrates (bench/calibrate.py).
PROFILES: tuple[tuple[str, ModelProfile], ...] = (
    (
        DEFAULT_MODEL,
        ModelProfile(
            0.25,
            Fusion(0.5, 0.8, 1.5, 0.5),
            DeclineModel(
                (0.370, 1.084, 0.209), -1.300, 0.362, 0.330, "calibrated on the grown corpus"
            ),
        ),
    ),
    (
        # fitted alike (bench/fit_fusion.py --model …/embeddinggemma): its dense signal carries
        # most of the ranking, and the coverage feature adds nothing to it on the corpus's questions
        "embeddinggemma",
        ModelProfile(
            0.0,
            Fusion(0.8, 0.9, 0.0, 0.5),
            DeclineModel(
                (1.120, 1.070, 0.150), -1.763, 0.344, 0.302, "calibrated on the grown corpus"
            ),
        ),
    ),
)
#: Any other model: a passage encoder with the fusion fitted for USE and no default decline model
#: (every corpus of 8 questions or more calibrates its own; a smaller one answers everything).
DEFAULT_PROFILE = ModelProfile(0.0, Fusion(0.5, 0.8, 1.5, 0.5), DeclineModel.neutral())
ONLY = {"dense": Fusion(1.0, 1.0, 0.0, 0.0), "lexical": Fusion(0.0, 0.0, 0.0, 0.0)}


def model_profile(settings: Settings) -> ModelProfile:
    name = settings.embedding_model.lower()
    profile = next((p for family, p in PROFILES if family in name), DEFAULT_PROFILE)
    if settings.fusion in ONLY:
        profile = ModelProfile(profile.sentence_weight, ONLY[settings.fusion], profile.decline)
    return profile


@lru_cache(maxsize=1)
def _language_identifier() -> py3langid.langid.LanguageIdentifier:
    identifier = py3langid.langid.LanguageIdentifier.from_model_file(
        py3langid.langid.MODEL_FILE, norm_probs=True
    )
    identifier.set_languages(["nl", "en"])
    return identifier


#: A function word of one language only ("wat", "hoe"; "what", "does") moves a short question's
#: odds this much (log-odds): py3langid alone reads "Wat is spyware?" as English.
FUNCTION_WORD_LOG_ODDS = 2.0


@lru_cache(maxsize=1)
def _function_words() -> tuple[frozenset[str], frozenset[str]]:
    dutch, english = set(STOPWORDS_DUTCH), set(STOPWORDS_EN_PLUS)
    return frozenset(dutch - english), frozenset(english - dutch)


def detect_language(question: str) -> tuple[str, float]:
    """'nl' or 'en', and the probability that the question is English: py3langid's, moved by the
    question's function words of one language only."""
    language, probability = _language_identifier().classify(question)
    p_english = min(
        max(float(probability if language == "en" else 1 - probability), 1e-6), 1 - 1e-6
    )
    dutch, english = _function_words()
    tokens = re.findall(r"\w+", question.lower())
    votes = sum(t in english for t in tokens) - sum(t in dutch for t in tokens)
    log_odds = math.log(p_english / (1 - p_english)) + FUNCTION_WORD_LOG_ODDS * votes
    p_english = 1 / (1 + math.exp(-log_odds))
    return ("en" if p_english >= 0.5 else "nl"), p_english


@lru_cache(maxsize=1)
def _thread_pools() -> ThreadpoolController:
    return ThreadpoolController()  # made at the first question: BLAS and FAISS are loaded by then


def one_thread() -> AbstractContextManager[object]:
    """OpenMP (FAISS's scans) on one thread while a question is read and ranked, for the calling
    thread (OpenMP's count is per thread) and restored after. Its scans over the vectors are
    memory-bound: a second thread only waits (or spins) for the first and takes a core from the
    other processes. BLAS's count is the process's, so a reader sets it once
    (`blas_on_one_thread`)."""
    return _thread_pools().limit(limits=1, user_api="openmp")


def blas_on_one_thread() -> None:
    """BLAS (numpy's products, FAISS's) on one thread for the rest of this process: a reader
    answers each question on one thread, and on 2 cores two web workers answer the scale level's
    questions in about half the time so (bench/bench_retrieval.py). Set once, not per question,
    because a per-call limit restored by two threads at once could leave either count."""
    _thread_pools().limit(limits=1, user_api="blas")


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


@dataclass(frozen=True)
class Query:
    """A question as search reads it."""

    text: str
    language: str
    p_english: float
    vector: np.ndarray
    terms: QuestionTerms
    present: float  # share of the question's word weight the corpus has a word for


@dataclass(frozen=True)
class Hit:
    row: int  # chunk row in the index bundle
    score: float  # fused
    dense: float
    lexical: float
    coverage: float
    unanswered: bool
    sentences: tuple[tuple[int, float], ...]  # (row in the bundle's sentence arrays, cosine)


@dataclass(frozen=True)
class Ranking:
    question: str
    language: str
    p_english: float
    confidence: float  # probability that the corpus answers the question
    hits: list[Hit]
    terms: QuestionTerms
    signals: Signals


@dataclass(frozen=True)
class Candidates:
    """Every feature of the candidate chunks, aligned by position."""

    rows: np.ndarray
    dense: np.ndarray  # blended with the best sentence's cosine
    sentence: np.ndarray  # best sentence's cosine (the chunk's own where it has no sentences)
    lexical: np.ndarray
    coverage: np.ndarray
    key_covered: np.ndarray  # the coverage of the question's key words
    unanswered: np.ndarray  # bool
    sentences: list[tuple[tuple[int, float], ...]]


class HybridSearcher:
    def __init__(
        self,
        embedder: Encoder,
        bundle: IndexBundle,
        candidates: int,
        profile: ModelProfile,
        unanswered: np.ndarray | None = None,
        min_confidence: float | None = None,
    ) -> None:
        """`unanswered` flags the rows of questions still waiting for their answer;
        `min_confidence` overrides the decline threshold."""
        self.embedder = embedder
        self.bundle = bundle
        self.candidates = candidates
        self.profile = profile
        self.decline = (bundle.decline or profile.decline).with_threshold(min_confidence)
        n = len(bundle.chunk_ids)
        self.unanswered = np.zeros(n, dtype=bool) if unanswered is None else unanswered
        spans = bundle.sentence_spans
        # sentence rows of each chunk row: sentences are stored grouped by chunk, in order
        self._sentence_start = np.searchsorted(spans[:, 0], np.arange(len(bundle.chunk_ids) + 1))

    def analyse(self, question: str, vector: np.ndarray | None = None) -> Query:
        """The question read; `vector`: its query vector when it is already known."""
        language, p_english = detect_language(question)
        with one_thread():
            if vector is None:
                vector = self.embedder.encode_queries([question])[0]
            if p_english >= 0.5:
                vocabulary, embed = self.bundle.vocabulary, self.embedder.encode_documents
                terms = english_terms(question, vocabulary, embed)
            else:
                terms = question_terms(question)
        present = terms.present(lambda term: self.bundle.lexical.term_id(term) is not None)
        return Query(question, language, p_english, vector, terms, present)

    def rank(self, question: str, allowed: np.ndarray | None = None) -> Ranking:
        """Candidates best first. `allowed` (bool per row) limits the search to some rows."""
        return self.rank_query(self.analyse(question), allowed)

    def rank_query(self, query: Query, allowed: np.ndarray | None = None) -> Ranking:
        with one_thread():
            found = self.candidates_for(query, allowed)
        fusion = self.profile.fusion
        w = fusion.dense_weight(query.p_english)
        fused = (
            w * found.dense
            + (1 - w) * found.lexical
            + fusion.coverage * found.coverage
            - fusion.unanswered * found.unanswered
        )
        order = np.argsort(-fused)
        columns = (found.rows, fused, found.dense, found.lexical, found.coverage, found.unanswered)
        hits = [
            Hit(*features, found.sentences[i])
            for i, *features in zip(
                order.tolist(), *(c[order].tolist() for c in columns), strict=True
            )
        ]
        signals = Signals.of(query.present, found.dense, found.key_covered[order])
        return Ranking(
            query.text,
            query.language,
            query.p_english,
            self.decline.probability(signals),
            hits,
            query.terms,
            signals,
        )

    def candidates_for(self, query: Query, allowed: np.ndarray | None = None) -> Candidates:
        bundle = self.bundle
        dense_rows, _ = bundle.dense.search(query.vector, self.candidates, allowed)
        bm25 = bundle.lexical.scores(query.terms.weights)
        if allowed is not None:
            bm25[~allowed] = 0.0
        lexical_rows = top_rows(bm25, self.candidates)
        rows = np.union1d(dense_rows, lexical_rows).astype(np.int64)
        if len(rows) == 0:
            return Candidates(rows, *(np.zeros(0) for _ in range(6)), [])
        chunk_scores = bundle.dense.vectors(rows) @ query.vector
        sentence, sentences = self.sentence_scores(query.vector, rows, chunk_scores)
        alpha = self.profile.sentence_weight
        top_bm25 = float(bm25.max())
        lexical = bm25[rows] / top_bm25 if top_bm25 > 0 else np.zeros(len(rows))
        return Candidates(
            rows=rows,
            dense=(1 - alpha) * chunk_scores + alpha * sentence,
            sentence=sentence,
            lexical=lexical,
            coverage=bundle.lexical.coverage(query.terms, rows),
            key_covered=bundle.lexical.coverage(query.terms.key(), rows),
            unanswered=self.unanswered[rows],
            sentences=sentences,
        )

    def sentence_scores(
        self, query: np.ndarray, rows: np.ndarray, chunk_scores: np.ndarray
    ) -> tuple[np.ndarray, list[tuple[tuple[int, float], ...]]]:
        """Each chunk's best sentence cosine (its own cosine where it has no sentences), and
        every sentence's cosine, by chunk."""
        lo, hi = self._sentence_start[rows], self._sentence_start[rows + 1]
        best = chunk_scores.copy()
        counts = hi - lo
        if not counts.any():
            return best, [()] * len(rows)
        # the candidates' sentence rows, run after run, and where each chunk's run starts
        starts = np.cumsum(counts) - counts
        index = np.arange(int(counts.sum())) + np.repeat(lo - starts, counts)
        sims = self.bundle.sentence_vectors.gather(index) @ query
        has = counts > 0
        best[has] = np.maximum.reduceat(sims, starts[has])
        values = sims.tolist()
        sentences = [
            tuple(zip(range(a, a + n), values[at : at + n], strict=True))
            for a, n, at in zip(lo.tolist(), counts.tolist(), starts.tolist(), strict=True)
        ]
        return best, sentences


def top_rows(scores: np.ndarray, k: int) -> np.ndarray:
    """The rows of the k highest positive scores, without sorting all of them."""
    rows = np.argpartition(-scores, k)[:k] if len(scores) > k else np.arange(len(scores))
    return rows[scores[rows] > 0]
