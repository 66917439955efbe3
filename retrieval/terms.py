"""Words as the lexical index and the questions see them: stems, compound parts, weights.

Dutch writes compounds as one word ("rookgasafvoer", "defensiebeurs"), so a question about "de
afvoer van rookgas" and a text about "rookgasafvoer" share no word. Every word is indexed as its
stem and, when it is a compound, also as the stems of its parts, found in wordfreq's Dutch
lexicon (no maintained Dutch decompounder exists on PyPI; `compound-split` splits German nouns).

A question word weighs more the rarer it is in Dutch at large (wordfreq): unlike the corpus's own
IDF, that also holds for words the corpus never uses ("pizza", "kilometerheffing"), which is what
tells an off-corpus question apart.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache

import bm25s
import numpy as np
import Stemmer
from wordfreq import get_frequency_dict, zipf_frequency

#: Zipf frequency above which a word carries (almost) no weight: "de" is 7.5, "kabinet" 4.6.
ZIPF_CEILING = 8.0
MIN_WEIGHT = 0.5
#: Compound parts: at least this long, and at least this common in Dutch (Zipf scale).
PART_MIN_CHARS = 3
PART_MIN_ZIPF = 2.5
SHORT_PART_MIN_ZIPF = 3.5  # a three-letter part must be a common word ("erf", "gas")
#: Words this common are not split: "vergunning" is not "ver" + "gunning".
SPLIT_MAX_ZIPF = 4.0
COMPOUND_MIN_CHARS = 7
LINKING = ("s", "e", "en")  # rijk-s-overheid, paard-e-bloem, mens-en-rechten
#: How much a compound's parts count, beside the whole word, in a question's weight.
PART_WEIGHT = 0.5
#: A question's key words: its rarest ones, which name what it is about.
KEY_WORDS = 3


@lru_cache(maxsize=1)
def _zipf() -> dict[str, float]:
    return {w: math.log10(f) + 9 for w, f in get_frequency_dict("nl", wordlist="best").items()}


def zipf(word: str) -> float:
    return _zipf().get(word, 0.0)


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("dutch")


def stem(words: list[str]) -> list[str]:
    return _stemmer().stemWords(words)


def words(texts: list[str], stopwords: str = "nl") -> list[list[str]]:
    """Lower-cased words of each text, without the language's stopwords."""
    return bm25s.tokenize(texts, stopwords=stopwords, return_ids=False, show_progress=False)


@cache
def compound_parts(word: str) -> tuple[str, ...]:
    """The parts of a Dutch compound, left to right; () for a word that is not one.

    The split into the fewest parts wins, and among those the one whose rarest part is most
    common; a part that is not a word itself is split again ("rookgasafvoer" -> rook, gas,
    afvoer), so "paspoortnummer" is paspoort + nummer, not pas + poort + nummer.
    """
    if len(word) < COMPOUND_MIN_CHARS or not word.isalpha() or zipf(word) >= SPLIT_MAX_ZIPF:
        return ()
    best: tuple[int, float, tuple[str, ...]] = (-len(word), 0.0, ())
    for cut in range(PART_MIN_CHARS, len(word) - PART_MIN_CHARS + 1):
        left, right = word[:cut], word[cut:]
        right_parts = (right,) if _is_part(right) else compound_parts(right)
        if not right_parts:
            continue
        for head in (left, *(left[: -len(g)] for g in LINKING if left.endswith(g))):
            left_parts = (head,) if _is_part(head) else compound_parts(head)
            if left_parts:
                parts = (*left_parts, *right_parts)
                best = max(best, (-len(parts), min(zipf(p) for p in parts), parts))
    return best[2]


def _is_part(word: str) -> bool:
    if len(word) < PART_MIN_CHARS:
        return False
    return zipf(word) >= (SHORT_PART_MIN_ZIPF if len(word) == PART_MIN_CHARS else PART_MIN_ZIPF)


def index_tokens(texts: list[str]) -> list[list[str]]:
    """What the lexical index holds per text: the stems of its words and of compound parts."""
    return [_with_parts(ws) for ws in words(texts)]


def _with_parts(word_list: list[str]) -> list[str]:
    parts = [p for w in word_list for p in compound_parts(w)]
    return stem(word_list + parts)


def word_weight(word: str, language: str = "nl") -> float:
    frequency = zipf(word) if language == "nl" else zipf_frequency(word, language)
    return max(ZIPF_CEILING - frequency, MIN_WEIGHT)


#: The ways a question word can be found in a text, each with how much finding it that way
#: counts: the word's own stem (1), all parts of a compound (`PART_WEIGHT`: "pensioen" and
#: "hervorming" in a text do not make it about "pensioenhervorming"), a translation (1).
Readings = tuple[tuple[float, tuple[str, ...]], ...]


@dataclass(frozen=True)
class QuestionTerms:
    """A question's lexical terms (stem -> weight, for BM25), and per question word its weight
    and the readings that count as finding it."""

    weights: dict[str, float]
    words: tuple[tuple[float, Readings], ...]

    def key(self) -> QuestionTerms:
        """The words that name what the question is about: its `KEY_WORDS` rarest."""
        rarest = sorted(self.words, key=lambda word: -word[0])
        return QuestionTerms(self.weights, tuple(rarest[:KEY_WORDS]))

    def covered(self, has: Callable[[str], np.ndarray], n: int) -> np.ndarray:
        """For `n` texts where `has(stem)` tells which hold a stem: the share of the question's
        word weight each holds (none for a question without words)."""
        total = sum(weight for weight, _ in self.words)
        found: np.ndarray = np.zeros(n)
        for weight, readings in self.words:
            credit: np.ndarray | float = 0.0
            for value, stems in readings:
                every: np.ndarray | bool = True
                for term in stems:
                    every = every & has(term)
                credit = np.maximum(credit, value * np.asarray(every, dtype=float))
            found = found + weight * credit
        return found / total if total else found

    def present(self, known: Callable[[str], bool]) -> float:
        """The share of the question's word weight that the corpus has a word for (1.0 for a
        question without words)."""
        return (
            float(self.covered(lambda term: np.asarray([known(term)]), 1)[0]) if self.words else 1.0
        )


def question_terms(question: str) -> QuestionTerms:
    """The stems of a Dutch question's words (stopwords dropped), weighted by their rarest word,
    and their compound parts at `PART_WEIGHT`."""
    weights: dict[str, float] = {}
    entries: dict[str, tuple[float, Readings]] = {}
    question_words = words([question])[0]
    for word, term in zip(question_words, stem(question_words), strict=True):
        weight = word_weight(word)
        add_term(weights, term, weight)
        parts = list(compound_parts(word))
        part_terms = tuple(stem(parts))
        for part, part_term in zip(parts, part_terms, strict=True):
            add_term(weights, part_term, PART_WEIGHT * word_weight(part))
        readings = ((1.0, (term,)), (PART_WEIGHT, part_terms)) if part_terms else ((1.0, (term,)),)
        if weight > entries.get(term, (0.0, ()))[0]:
            entries[term] = (weight, readings)
    return QuestionTerms(weights, tuple(entries.values()))


def add_term(weights: dict[str, float], term: str, weight: float) -> None:
    weights[term] = max(weights.get(term, 0.0), weight)
