"""The search indexes: FAISS over chunk vectors, BM25 (Dutch stemming) over chunk text.

Both are derived from the database; `retrieval.generation` saves them, with the documents they
were built from, as one generation that readers load whole.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import bm25s
import faiss
import numpy as np
import Stemmer

from retrieval.errors import IndexUnavailable

log = logging.getLogger(__name__)
logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every index build at DEBUG

#: Below this many vectors an exact (flat) index is both fastest to build and fast enough to search.
EXACT_LIMIT = 100_000


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("dutch")


def words(texts: list[str]) -> list[list[str]]:
    """Lower-cased words without Dutch stopwords."""
    return bm25s.tokenize(texts, stopwords="nl", return_ids=False, show_progress=False)


def tokenize(texts: list[str]) -> list[list[str]]:
    """Lower-cased, Dutch-stopword-free, Snowball-stemmed tokens, alike for chunks and queries."""
    return [stem(ws) for ws in words(texts)]


def stem(word_list: list[str]) -> list[str]:
    return _stemmer().stemWords(word_list)


class LexicalIndex:
    def __init__(self, retriever: bm25s.BM25) -> None:
        self.retriever = retriever
        self.size = int(retriever.scores["num_docs"])

    @classmethod
    def build(cls, texts: list[str]) -> LexicalIndex:
        retriever = bm25s.BM25()
        retriever.index(tokenize(texts), show_progress=False)
        return cls(retriever)

    def save(self, folder: Path) -> None:
        self.retriever.save(str(folder))

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        return cls(bm25s.BM25.load(str(folder), mmap=False))

    def term_id(self, stem: str) -> int | None:
        """The stem's vocabulary id, None where the corpus never uses it."""
        return self.retriever.vocab_dict.get(stem)

    def term_ids(self, stems: list[str]) -> list[int | None]:
        return [self.term_id(s) for s in stems]

    def scores(self, term_ids: list[int | None]) -> np.ndarray:
        known = [t for t in term_ids if t is not None]
        if not known:
            return np.zeros(self.size, dtype=np.float32)
        return self.retriever.get_scores(known)

    def contains(self, term_id: int | None, rows: np.ndarray) -> np.ndarray:
        """Which of `rows` contain the term: membership in its postings list."""
        if term_id is None:
            return np.zeros(len(rows), dtype=bool)
        scores = self.retriever.scores
        return np.isin(
            rows, scores["indices"][scores["indptr"][term_id] : scores["indptr"][term_id + 1]]
        )


class DenseIndex:
    def __init__(self, index: faiss.Index) -> None:
        self.index = index
        if isinstance(index, faiss.IndexIVF):  # fusion reads candidates' vectors back by id
            index.make_direct_map()

    @classmethod
    def build(cls, vectors: np.ndarray) -> DenseIndex:
        n, dim = vectors.shape
        if n < EXACT_LIMIT:
            index: faiss.Index = faiss.IndexFlatIP(dim)
        else:  # inverted lists over 8-bit scalar-quantised vectors: a quarter of the memory
            nlist = int(4 * math.sqrt(n))
            index = faiss.index_factory(dim, f"IVF{nlist},SQ8", faiss.METRIC_INNER_PRODUCT)
            sample = vectors[np.random.default_rng(0).choice(n, min(n, nlist * 40), replace=False)]
            index.train(sample)
            faiss.extract_index_ivf(index).nprobe = 32
        index.add(vectors)
        return cls(index)

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        scores, rows = self.index.search(query.reshape(1, -1), min(k, self.index.ntotal))
        keep = rows[0] >= 0
        return rows[0][keep], scores[0][keep]

    def save(self, path: Path) -> None:
        faiss.write_index(self.index, str(path))

    @classmethod
    def load(cls, path: Path) -> DenseIndex:
        return cls(faiss.read_index(str(path)))


@dataclass
class IndexBundle:
    """Everything search needs besides the documents, aligned by chunk row.

    Written into, and read back from, one generation folder (see `retrieval.generation`).
    """

    fingerprint: str  # of the model and the chunks: a mismatch means stale
    chunk_ids: list[str]
    chunk_hashes: list[str]  # content hash per row
    dense: DenseIndex
    lexical: LexicalIndex
    sentence_vectors: np.ndarray  # (S, dim) float16, the sentences of all chunks
    sentence_spans: np.ndarray  # (S, 3) int32: chunk row, start, end (offsets inside the chunk)
    record_ids: list[int] = field(default_factory=list)  # chunk record id per row, for updates

    def write(self, folder: Path) -> dict[str, object]:
        """Writes the index files into `folder`; returns what the manifest keeps to read them."""
        self.dense.save(folder / "dense.faiss")
        self.lexical.save(folder / "bm25")
        np.save(folder / "sentence_vectors.npy", self.sentence_vectors)
        np.save(folder / "sentence_spans.npy", self.sentence_spans)
        return {
            "fingerprint": self.fingerprint,
            "chunk_ids": self.chunk_ids,
            "chunk_hashes": self.chunk_hashes,
            "record_ids": self.record_ids,
        }

    @classmethod
    def read(cls, folder: Path, manifest: dict[str, object]) -> IndexBundle:
        """The index `write` put in `folder`; IndexUnavailable if the files do not add up."""
        try:
            bundle = cls(
                fingerprint=str(manifest["fingerprint"]),
                chunk_ids=list(manifest["chunk_ids"]),  # type: ignore[call-overload]
                chunk_hashes=list(manifest["chunk_hashes"]),  # type: ignore[call-overload]
                record_ids=list(manifest["record_ids"]),  # type: ignore[call-overload]
                dense=DenseIndex.load(folder / "dense.faiss"),
                lexical=LexicalIndex.load(folder / "bm25"),
                sentence_vectors=np.load(folder / "sentence_vectors.npy"),
                sentence_spans=np.load(folder / "sentence_spans.npy"),
            )
        except Exception as exc:  # faiss and bm25s raise assorted errors on damaged files
            raise IndexUnavailable(f"the index in {folder} is damaged ({exc})") from exc
        n = len(bundle.chunk_ids)
        if bundle.dense.index.ntotal != n or bundle.lexical.size != n:
            raise IndexUnavailable(f"the index in {folder} is inconsistent")
        return bundle
