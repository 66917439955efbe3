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
    #: word -> stem of every word used at least MIN_COUNT times (what an update re-reads)
    common: dict[str, str] = field(default_factory=dict)

    @classmethod
    def build(
        cls, texts: Sequence[str], embed: Callable[[list[str]], np.ndarray], dimension: int
    ) -> Vocabulary:
        """The words of `texts` used at least `MIN_COUNT` times, each stem by its commonest
        form (ties: the first alphabetically), embedded with `embed`; commonest first."""
        counts = word_counts(texts)
        listed = [w for w, n in counts.items() if n >= MIN_COUNT]
        common = dict(zip(listed, stem(listed), strict=True))
        form: dict[str, str] = {}
        for word in sorted(listed, key=lambda w: (-counts[w], w)):
            form.setdefault(common[word], word)
        forms = list(form.values())
        vectors = embed(forms) if forms else np.zeros((0, dimension), dtype=np.float32)
        return cls(list(form), forms, vectors, counts, common)

    def updated(
        self,
        removed: Sequence[str],
        added: Sequence[str],
        embed: Callable[[list[str]], np.ndarray],
    ) -> Vocabulary:
        """This vocabulary without the words of the texts `removed` and with those of `added`,
        as `build` would make it: only the stems of words whose count changed are looked at,
        and only a form it does not hold yet is embedded. New stems come last."""
        delta = word_counts(added)
        delta.subtract(word_counts(removed))
        changed = [w for w, n in delta.items() if n]
        counts = self.counts.copy()
        counts.update(delta)
        common = dict(self.common) if self.common or not self.counts else self._stemmed()
        before = {w: common[w] for w in changed if w in common}
        for word in changed:
            if counts[word] <= 0:
                del counts[word]
            if counts[word] < MIN_COUNT:
                common.pop(word, None)
        unstemmed = [w for w in changed if counts[w] >= MIN_COUNT and w not in common]
        common.update(zip(unstemmed, stem(unstemmed), strict=True))
        affected = set(before.values()) | {common[w] for w in changed if w in common}
        members: dict[str, list[str]] = {s: [] for s in affected}
        for word, word_stem in common.items():
            if word_stem in affected:
                members[word_stem].append(word)
        row_of = {s: row for row, s in enumerate(self.stems)}
        words, keep = list(self.words), np.ones(len(self.stems), dtype=bool)
        renamed: dict[int, str] = {}
        appended: list[tuple[str, str]] = []
        for word_stem, candidates in members.items():
            form = min(candidates, key=lambda w: (-counts[w], w)) if candidates else None
            row = row_of.get(word_stem)
            if row is None:
                if form is not None:
                    appended.append((word_stem, form))
            elif form is None:
                keep[row] = False
            elif form != words[row]:
                renamed[row] = words[row] = form
        new = list(renamed.values()) + [form for _, form in appended]
        vectors = embed(new) if new else np.zeros((0, self.vectors.shape[1]), dtype=np.float32)
        kept = np.array(self.vectors, dtype=np.float32)  # a copy: the previous one stays as it was
        kept[list(renamed)] = vectors[: len(renamed)]
        return Vocabulary(
            [s for s, k in zip(self.stems, keep, strict=True) if k] + [s for s, _ in appended],
            [w for w, k in zip(words, keep, strict=True) if k] + [f for _, f in appended],
            np.concatenate([kept[keep], vectors[len(renamed) :]]),
            counts,
            common,
        )

    def _stemmed(self) -> dict[str, str]:
        """`common` of a vocabulary saved without it."""
        listed = [w for w, n in self.counts.items() if n >= MIN_COUNT]
        return dict(zip(listed, stem(listed), strict=True))

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
