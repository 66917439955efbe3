"""The corpus's own words as vectors: how an English question is read in the corpus's Dutch.

BM25 over Dutch text cannot match an English question ("horse passport", "population register"),
and a multilingual sentence encoder alone is one weak signal. But the same encoder places single
words of both languages close together: "passport" is nearest to "paspoort", "valid" to
"geldig", "elections" to "verkiezingen". So every word the corpus uses is embedded once (through
the embedding cache, so only new words ever are), and an English question word is replaced by
the corpus words nearest to it, weighted by how near they are. The same lookup says when a
question word has no counterpart in the corpus at all, which is evidence that the corpus cannot
answer it.

At scale it is kept up to date, not rebuilt: the word counts are saved with it, a change
subtracts the words of the chunks that went and adds those of the chunks that came, and only a
word that newly reaches `MIN_COUNT` is embedded. `MIN_COUNT` also bounds it on OCR'd text, whose
misreadings are mostly seen once (sgd-historisch: 145,000 distinct words, 69,000 seen twice).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from retrieval.terms import QuestionTerms, add_term, stem, word_weight, words

#: Words shorter than this, or used fewer times in the corpus, are not looked up.
MIN_CHARS = 3
MIN_COUNT = 2
#: A corpus word stands for a question word from this cosine on (single-word USE cosines:
#: passport/paspoort 0.84, valid/geldig 0.90, Thursday/donderdag only 0.76 behind vrijdag 0.80).
MIN_SIMILARITY = 0.75
NEIGHBOURS = 3


@dataclass
class Vocabulary:
    """One representative word per stem the corpus uses, with its vector (rows aligned)."""

    stems: list[str]
    words: list[str]
    vectors: np.ndarray  # (n, dim) float32, normalised
    counts: Counter[str] = field(default_factory=Counter)  # every word's count, rare ones too

    @classmethod
    def build(
        cls, texts: Sequence[str], embed: Callable[[list[str]], np.ndarray], dimension: int
    ) -> Vocabulary:
        """The words of `texts` used at least `MIN_COUNT` times, each stem by its commonest
        form, embedded with `embed`."""
        return cls.of_counts(word_counts(texts), embed, dimension)

    def updated(
        self,
        removed: Sequence[str],
        added: Sequence[str],
        embed: Callable[[list[str]], np.ndarray],
    ) -> Vocabulary:
        """This vocabulary without the words of the texts `removed` and with those of `added`:
        only a form it does not hold yet is embedded."""
        counts = self.counts.copy()
        counts.subtract(word_counts(removed))
        counts.update(word_counts(added))
        return self.of_counts(+counts, embed, self.vectors.shape[1], self)

    @classmethod
    def of_counts(
        cls,
        counts: Counter[str],
        embed: Callable[[list[str]], np.ndarray],
        dimension: int,
        previous: Vocabulary | None = None,
    ) -> Vocabulary:
        """The vocabulary of `counts`; the forms `previous` holds keep their vector and stem."""
        row_of = {word: row for row, word in enumerate(previous.words)} if previous else {}
        stems = dict(zip(previous.words, previous.stems, strict=True)) if previous else {}
        # commonest first, ties alphabetically: the same forms however the counts came about
        common = sorted(
            (w for w, n in counts.items() if n >= MIN_COUNT), key=lambda w: (-counts[w], w)
        )
        unstemmed = [w for w in common if w not in stems]
        stems.update(zip(unstemmed, stem(unstemmed), strict=True))
        form: dict[str, str] = {}
        for word in common:
            form.setdefault(stems[word], word)  # the commonest form wins
        forms = list(form.values())
        rows = np.array([row_of.get(w, -1) for w in forms], dtype=np.int64)
        vectors = np.empty((len(forms), dimension), dtype=np.float32)
        if previous is not None:
            vectors[rows >= 0] = previous.vectors[rows[rows >= 0]]
        new = [w for w, row in zip(forms, rows, strict=True) if row < 0]
        if new:
            vectors[rows < 0] = embed(new)
        return cls(list(form), forms, vectors, counts)

    def nearest(self, vectors: np.ndarray) -> list[list[tuple[str, float]]]:
        """For each (normalised) word vector, the corpus stems at least `MIN_SIMILARITY` near."""
        if not len(self.stems) or not len(vectors):
            return [[] for _ in range(len(vectors))]
        # one matrix product reads the vocabulary once for all the question's words (FAISS's
        # flat search reads it once per word: 40 ms instead of 16 for six words at 56,000 stems)
        scores = np.asarray(vectors, dtype=np.float32) @ self.vectors.T
        k = min(NEIGHBOURS, scores.shape[1])
        rows = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        best = np.take_along_axis(scores, rows, axis=1)
        order = np.argsort(-best, axis=1, kind="stable")
        rows, best = np.take_along_axis(rows, order, 1), np.take_along_axis(best, order, 1)
        return [
            [
                (self.stems[r], s)
                for r, s in zip(row_ids, row_scores, strict=True)
                if s >= MIN_SIMILARITY
            ]
            for row_ids, row_scores in zip(rows.tolist(), best.tolist(), strict=True)
        ]


def word_counts(texts: Sequence[str]) -> Counter[str]:
    return Counter(w for ws in words(list(texts)) for w in ws if _wordlike(w))


def _wordlike(word: str) -> bool:
    return len(word) >= MIN_CHARS and word.isalpha()


def english_terms(
    question: str, vocabulary: Vocabulary | None, embed: Callable[[list[str]], np.ndarray]
) -> QuestionTerms:
    """An English question's terms: each word's own stem (names, acronyms and loanwords match as
    they are) and the corpus words nearest to it, weighted by their cosine."""
    question_words = list(dict.fromkeys(words([question], stopwords="en_plus")[0]))
    if not question_words:
        return QuestionTerms({}, ())
    near = vocabulary.nearest(embed(question_words)) if vocabulary else [[]] * len(question_words)
    weights: dict[str, float] = {}
    entries = []
    for word, own, translations in zip(question_words, stem(question_words), near, strict=True):
        weight = word_weight(word, "en")
        add_term(weights, own, weight)
        for term, similarity in translations:
            add_term(weights, term, weight * similarity)
        readings = ((1.0, (own,)), *((1.0, (term,)) for term, _ in translations))
        entries.append((weight, readings))
    return QuestionTerms(weights, tuple(entries))
