"""The search indexes: FAISS over chunk vectors, BM25 (Dutch stemming) over chunk text.

Both are derived from the database and written atomically as one versioned folder: a new
folder is filled, then the `CURRENT` pointer is swapped in one `os.replace`. A reader never sees
half an index, and a crash mid-write leaves the previous one in place.
"""

from __future__ import annotations

import json
import logging
import math
import os
import shutil
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import bm25s
import faiss
import numpy as np
import Stemmer

log = logging.getLogger(__name__)
logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every index build at DEBUG

#: Below this many vectors an exact (flat) index is both fastest to build and fast enough to search.
EXACT_LIMIT = 100_000
FORMAT_VERSION = 1


class IndexUnavailable(RuntimeError):
    """The index files are missing, stale or unreadable: rebuild them."""


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("dutch")


def tokenize(texts: list[str]) -> list[list[str]]:
    """Lower-cased, Dutch-stopword-free, Snowball-stemmed tokens, alike for chunks and queries."""
    return bm25s.tokenize(
        texts, stopwords="nl", stemmer=_stemmer(), return_ids=False, show_progress=False
    )


class LexicalIndex:
    def __init__(self, retriever: bm25s.BM25) -> None:
        self.retriever = retriever
        indptr = np.asarray(retriever.scores["indptr"])
        self._df = np.diff(indptr)  # postings are per token: their lengths are document frequencies
        self._n = int(retriever.scores["num_docs"])

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

    def query_ids(self, tokens: list[str]) -> tuple[list[int], int]:
        """Known token ids of a query, and how many of its tokens the corpus never uses."""
        vocab = self.retriever.vocab_dict
        known = [vocab[t] for t in tokens if t in vocab]
        return known, len(tokens) - len(known)

    def scores(self, token_ids: list[int]) -> np.ndarray:
        if not token_ids:
            return np.zeros(self._n, dtype=np.float32)
        return self.retriever.get_scores(token_ids)

    def coverage(self, token_ids: list[int], unknown: int, rows: np.ndarray) -> np.ndarray:
        """Share of the query's IDF mass that each chunk in `rows` contains (0..1).

        Unlike a BM25 score this is absolute: a question whose rare words the corpus lacks
        ("pizza", "pensioenhervorming") stays low however well its common words match.
        """
        idf_unknown = math.log(1 + (self._n + 0.5) / 0.5)
        total = unknown * idf_unknown
        found = np.zeros(len(rows), dtype=np.float64)
        scores = self.retriever.scores
        for t in dict.fromkeys(token_ids):
            df = float(self._df[t])
            idf = math.log(1 + (self._n - df + 0.5) / (df + 0.5))
            total += idf
            postings = scores["indices"][scores["indptr"][t] : scores["indptr"][t + 1]]
            found += idf * np.isin(rows, postings)
        return found / total if total else found


class DenseIndex:
    def __init__(self, index: faiss.Index) -> None:
        self.index = index

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
    """Everything search needs besides the database, aligned by chunk row."""

    fingerprint: str  # of the model and the chunks: a mismatch means stale
    chunk_ids: list[str]
    dense: DenseIndex
    lexical: LexicalIndex
    sentence_vectors: np.ndarray  # (S, dim) float16, the sentences of all chunks
    sentence_spans: np.ndarray  # (S, 3) int32: chunk row, start, end (offsets inside the chunk)

    def save(self, root: Path) -> None:
        root.mkdir(parents=True, exist_ok=True)
        folder = root / f"v{FORMAT_VERSION}-{self.fingerprint[:12]}-{time.time_ns()}"
        folder.mkdir()
        self.dense.save(folder / "dense.faiss")
        self.lexical.save(folder / "bm25")
        np.save(folder / "sentence_vectors.npy", self.sentence_vectors)
        np.save(folder / "sentence_spans.npy", self.sentence_spans)
        manifest = {
            "format": FORMAT_VERSION,
            "fingerprint": self.fingerprint,
            "chunk_ids": self.chunk_ids,
        }
        (folder / "manifest.json").write_text(json.dumps(manifest))
        pointer = root / "CURRENT.tmp"
        pointer.write_text(folder.name)
        os.replace(pointer, root / "CURRENT")
        for old in root.iterdir():
            if old.is_dir() and old.name != folder.name:
                shutil.rmtree(old, ignore_errors=True)

    @classmethod
    def load(cls, root: Path, fingerprint: str) -> IndexBundle:
        """The saved index if it matches `fingerprint`; IndexUnavailable says why not."""
        try:
            folder = root / (root / "CURRENT").read_text().strip()
            manifest = json.loads((folder / "manifest.json").read_text())
        except (OSError, ValueError) as exc:
            raise IndexUnavailable(f"no readable index in {root} ({exc})") from exc
        if manifest.get("format") != FORMAT_VERSION or manifest.get("fingerprint") != fingerprint:
            raise IndexUnavailable("the index was built from another model or corpus")
        try:
            bundle = cls(
                fingerprint=fingerprint,
                chunk_ids=list(manifest["chunk_ids"]),
                dense=DenseIndex.load(folder / "dense.faiss"),
                lexical=LexicalIndex.load(folder / "bm25"),
                sentence_vectors=np.load(folder / "sentence_vectors.npy"),
                sentence_spans=np.load(folder / "sentence_spans.npy"),
            )
        except Exception as exc:  # faiss and bm25s raise assorted errors on damaged files
            raise IndexUnavailable(f"the index in {folder} is damaged ({exc})") from exc
        n = len(bundle.chunk_ids)
        if bundle.dense.index.ntotal != n or bundle.lexical._n != n:
            raise IndexUnavailable(f"the index in {folder} is inconsistent")
        return bundle
