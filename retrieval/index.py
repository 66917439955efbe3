"""The search indexes: FAISS over chunk vectors, BM25 (Dutch stems and compound parts) over
chunk text, and the corpus's vocabulary as vectors.

All are derived from the database; `retrieval.generation` saves them, with the documents they
were built from, as one generation that readers load whole.
"""

from __future__ import annotations

import json
import logging
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import faiss
import numpy as np
from scipy import sparse

from retrieval.decline import DeclineModel
from retrieval.errors import IndexUnavailable
from retrieval.precision import as_float16, as_float32
from retrieval.segments import VectorSegments
from retrieval.terms import QuestionTerms, index_tokens
from retrieval.vocabulary import Vocabulary

log = logging.getLogger(__name__)

#: Below this many vectors an exact (flat) index is both fastest to build and fast enough to search.
EXACT_LIMIT = 100_000


#: BM25's parameters: bm25s's and Lucene's defaults.
K1, B = 1.5, 0.75
_LEXICAL_FILES = ("indptr", "rows", "tf", "tfc", "lengths")


class LexicalIndex:
    """BM25 over the chunks' terms (Lucene's variant, scored as bm25s scores it).

    bm25s stores every (term, chunk) score with the corpus's IDF and average length baked in, so
    one chunk more rewrites them all. This index stores what Lucene stores instead: each term's
    postings (the rows that hold it, sorted, with its frequency there) and each row's length, and
    takes the IDF at query time. So a change drops and adds rows in place (`updated`): only the
    new chunks' text is tokenised. Each posting's length-normalised frequency (`tfc`, which
    depends on the average length) is recomputed with every change and stored, so a question
    reads it as bm25s reads its scores. Its scores are bm25s's (tests/test_terms.py checks it).
    """

    def __init__(
        self,
        terms: list[str],
        indptr: np.ndarray,
        rows: np.ndarray,
        tf: np.ndarray,
        tfc: np.ndarray,
        lengths: np.ndarray,
    ) -> None:
        self.terms = terms
        # plain arrays over the same memory: a memory map is indexed 4-10 times slower (its
        # Python subclass), and a question indexes them hundreds of times
        arrays = (np.asarray(a) for a in (indptr, rows, tf, tfc, lengths))
        self.indptr, self.rows, self.tf, self.tfc, self.lengths = arrays
        self.size = len(lengths)

    @cached_property
    def vocabulary(self) -> dict[str, int]:
        """term -> its id (built on first use: an update does not need it)."""
        return {term: i for i, term in enumerate(self.terms)}

    @classmethod
    def build(cls, texts: list[str], terms: Sequence[str] = ()) -> LexicalIndex:
        """The index of `texts`; its term ids start with `terms` (those of an index it extends)."""
        tokens = index_tokens(texts)
        vocabulary = {term: i for i, term in enumerate(terms)}
        ids = [vocabulary.setdefault(t, len(vocabulary)) for row in tokens for t in row]
        lengths = np.array([len(row) for row in tokens], dtype=np.int32)
        matrix = sparse.csc_matrix(  # duplicates summed: frequencies
            (
                np.ones(len(ids), dtype=np.float32),
                (np.repeat(np.arange(len(tokens)), lengths), np.asarray(ids, dtype=np.int64)),
            ),
            shape=(len(tokens), len(vocabulary)),
        )
        matrix.sort_indices()
        tf = matrix.data.astype(np.float32)
        rows = matrix.indices.astype(np.int32)
        indptr = matrix.indptr.astype(np.int64)
        return cls(list(vocabulary), indptr, rows, tf, _normalised(tf, rows, lengths), lengths)

    def updated(self, keep: np.ndarray, added: list[str]) -> LexicalIndex:
        """This index with only the rows `keep` (bool per row) left, and `added` after them.

        Works on the postings: each term's kept postings (renumbered) are followed by its
        postings in the added rows, which all come after them; only `added` is tokenised."""
        fresh = self.build(added, self.terms)
        in_kept = keep[self.rows]
        before = np.concatenate([[0], np.cumsum(in_kept)])  # kept postings before each posting
        kept_counts = np.zeros(len(fresh.terms), dtype=np.int64)
        kept_counts[: len(self.terms)] = before[self.indptr[1:]] - before[self.indptr[:-1]]
        added_counts = np.diff(fresh.indptr)
        indptr = np.concatenate([[0], np.cumsum(kept_counts + added_counts)])
        rows = np.empty(indptr[-1], dtype=np.int32)
        tf = np.empty(indptr[-1], dtype=np.float32)
        kept = np.flatnonzero(in_kept)
        term = np.repeat(np.arange(len(fresh.terms)), kept_counts)
        at = indptr[term] + np.arange(len(kept)) - before[self.indptr[term]]
        rows[at] = (np.cumsum(keep) - 1)[self.rows[kept]]
        tf[at] = self.tf[kept]
        term = np.repeat(np.arange(len(fresh.terms)), added_counts)
        at = indptr[term] + kept_counts[term] + np.arange(len(fresh.rows)) - fresh.indptr[term]
        rows[at] = fresh.rows + int(keep.sum())
        tf[at] = fresh.tf
        lengths = np.concatenate([self.lengths[keep], fresh.lengths]).astype(np.int32)
        return LexicalIndex(fresh.terms, indptr, rows, tf, _normalised(tf, rows, lengths), lengths)

    def save(self, folder: Path) -> None:
        folder.mkdir()
        for name in _LEXICAL_FILES:
            np.save(folder / f"{name}.npy", getattr(self, name))
        (folder / "terms.json").write_text(json.dumps(self.terms, ensure_ascii=False))

    @classmethod
    def load(cls, folder: Path, mmap: bool = False) -> LexicalIndex:
        terms = json.loads((folder / "terms.json").read_text())
        mode = "r" if mmap else None
        arrays = [np.load(folder / f"{name}.npy", mmap_mode=mode) for name in _LEXICAL_FILES]
        return cls(terms, *arrays)

    @property
    def nbytes(self) -> int:
        return sum(getattr(self, name).nbytes for name in _LEXICAL_FILES)

    def term_id(self, stem: str) -> int | None:
        """The stem's vocabulary id, None where the corpus does not use it (or no longer)."""
        term_id = self.vocabulary.get(stem)
        if term_id is None or self.indptr[term_id] == self.indptr[term_id + 1]:
            return None
        return term_id

    def _postings(self, term_id: int) -> tuple[np.ndarray, np.ndarray]:
        """The rows that hold the term, and its length-normalised frequency in each."""
        lo, hi = self.indptr[term_id], self.indptr[term_id + 1]
        return self.rows[lo:hi], self.tfc[lo:hi]

    def scores(self, weights: dict[str, float]) -> np.ndarray:
        """BM25 of every row for weighted terms: the sum of each term's scores times its weight."""
        total = np.zeros(self.size, dtype=np.float32)
        for term, weight in weights.items():
            term_id = self.term_id(term)
            if term_id is None:
                continue
            rows, tfc = self._postings(term_id)
            df = len(rows)
            total[rows] += weight * math.log(1 + (self.size - df + 0.5) / (df + 0.5)) * tfc
        return total

    def coverage(self, terms: QuestionTerms, rows: np.ndarray) -> np.ndarray:
        """For each of `rows`, the share of the question's word weight it holds."""
        return terms.covered(lambda term: self.contains(self.term_id(term), rows), len(rows))

    def used_outside(self, term_id: int | None, rows: np.ndarray) -> bool:
        """Whether any row but `rows` contains the term."""
        if term_id is None:
            return False
        return bool(np.isin(self._postings(term_id)[0], rows, invert=True).any())

    def contains(self, term_id: int | None, rows: np.ndarray) -> np.ndarray:
        """Which of `rows` contain the term: a binary search of its (sorted) postings."""
        if term_id is None or len(rows) == 0:
            return np.zeros(len(rows), dtype=bool)
        postings = self._postings(term_id)[0]
        at = np.searchsorted(postings, rows)
        return (at < len(postings)) & (postings[np.minimum(at, len(postings) - 1)] == rows)


def _normalised(tf: np.ndarray, rows: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Each posting's length-normalised frequency, as BM25 scores it (`LexicalIndex`)."""
    average = float(lengths.mean()) if len(lengths) else 1.0
    norm = K1 * (1 - B + B * lengths / max(average, 1e-9))
    return (tf / (tf + norm[rows])).astype(np.float32)


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

    def search(
        self, query: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The k nearest rows (and scores); with `allowed` (bool per row), among those only."""
        params = None
        if allowed is not None:
            selector = faiss.IDSelectorBitmap(np.packbits(allowed, bitorder="little"))
            ivf = faiss.try_extract_index_ivf(self.index)
            if ivf is not None:
                params = faiss.SearchParametersIVF(sel=selector, nprobe=ivf.nprobe)
            else:
                params = faiss.SearchParameters(sel=selector)
        k = min(k, self.index.ntotal)
        scores, rows = self.index.search(query.reshape(1, -1), k, params=params)
        keep = rows[0] >= 0
        return rows[0][keep], scores[0][keep]

    def replace_rows(self, keep: np.ndarray, added: np.ndarray) -> None:
        """In place: the rows not kept (bool per row) dropped, the rest numbered 0.. in order,
        and `added` appended after them. Exact and inverted-list indexes alike: an IVF index
        keeps each vector's row as its id, so the ids left are renumbered list by list."""
        removed = np.flatnonzero(~keep).astype(np.int64)
        ivf = faiss.try_extract_index_ivf(self.index)
        if ivf is None:
            self.index.remove_ids(removed)
            self.index.add(added)
            return
        ivf.set_direct_map_type(faiss.DirectMap.NoMap)  # remove_ids cannot keep an array map
        ivf.remove_ids(faiss.IDSelectorBatch(removed))
        new_row_of = (np.cumsum(keep) - 1).astype(np.int64)
        lists = ivf.invlists
        for number in range(ivf.nlist):
            size = lists.list_size(number)
            if size and len(removed):
                ids = faiss.rev_swig_ptr(lists.get_ids(number), size).copy()
                renumbered = np.ascontiguousarray(new_row_of[ids])
                codes = faiss.rev_swig_ptr(lists.get_codes(number), size * lists.code_size).copy()
                lists.update_entries(
                    number, 0, size, faiss.swig_ptr(renumbered), faiss.swig_ptr(codes)
                )
        first = int(keep.sum())
        ivf.add_with_ids(added, np.arange(first, first + len(added), dtype=np.int64))
        ivf.make_direct_map()

    def vectors(self, rows: np.ndarray) -> np.ndarray:
        """The stored vectors of `rows` (approximate for a quantised index)."""
        if len(rows) == 0:
            return np.zeros((0, self.index.d), dtype=np.float32)
        return self.index.reconstruct_batch(np.asarray(rows, dtype=np.int64))

    def save(self, path: Path) -> None:
        faiss.write_index(self.index, str(path))

    @classmethod
    def load(cls, path: Path, mmap: bool = False) -> DenseIndex:
        """`mmap`: the vectors stay in the file, read-only, their pages shared by every process
        that maps it (readers); a writer that changes the index in place loads it whole."""
        flags = faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY if mmap else 0
        return cls(faiss.read_index(str(path), flags))


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
    sentence_vectors: VectorSegments  # (S, dim) float16, the sentences of all chunks
    sentence_spans: np.ndarray  # (S, 3) int32: chunk row, start, end (offsets inside the chunk)
    record_ids: list[int] = field(default_factory=list)  # chunk record id per row, for updates
    vocabulary: Vocabulary | None = None  # the corpus's words as vectors (English questions)
    decline: DeclineModel | None = None  # calibrated on this corpus (None: the model's default)
    #: what `decline` was calibrated on: {"documents": n, "changed": documents changed since,
    #: "profile": the ranking profile's key} (see `calibration.reusable`)
    calibration: dict[str, object] | None = None

    def row_keys(self) -> list[tuple[int, str]] | None:
        """(chunk record id, content hash) per row, the key `ingest.row_keys` gives the stored
        chunks; None for an index saved without its record ids."""
        if len(self.record_ids) != len(self.chunk_hashes):
            return None
        return list(zip(self.record_ids, self.chunk_hashes, strict=True))

    def write(self, folder: Path, segments: Path) -> dict[str, object]:
        """Writes the index files into `folder`, and the sentence vectors' new segments into
        `segments` (shared by generations); returns what the manifest keeps to read them."""
        self.dense.save(folder / "dense.faiss")
        self.lexical.save(folder / "bm25")
        names = self.sentence_vectors.save(segments)
        np.save(folder / "sentence_positions.npy", self.sentence_vectors.positions)
        np.save(folder / "sentence_spans.npy", self.sentence_spans)
        vocabulary = self.vocabulary or Vocabulary([], [], np.zeros((0, self.dense.index.d)))
        np.save(folder / "vocabulary.npy", as_float16(vocabulary.vectors))
        (folder / "vocabulary.json").write_text(
            json.dumps(
                {
                    "stems": vocabulary.stems,
                    "words": vocabulary.words,
                    "counts": vocabulary.counts,
                    "common": vocabulary.common,
                },
                ensure_ascii=False,
            )
        )
        return {
            "fingerprint": self.fingerprint,
            "chunk_ids": self.chunk_ids,
            "chunk_hashes": self.chunk_hashes,
            "record_ids": self.record_ids,
            "sentence_segments": names,
            "decline": self.decline.to_json() if self.decline else None,
            "calibration": self.calibration,
        }

    @classmethod
    def read(
        cls, folder: Path, segments: Path, manifest: dict[str, object], mmap: bool = False
    ) -> IndexBundle:
        """The index `write` put in `folder` and `segments`; IndexUnavailable if the files do not
        add up. The sentence vectors' segments are always mapped; with `mmap` (readers), FAISS
        and BM25 are too, not copied, so the web workers and the bot share one copy of their
        pages."""
        try:
            bundle = cls(
                fingerprint=str(manifest["fingerprint"]),
                chunk_ids=list(manifest["chunk_ids"]),  # type: ignore[call-overload]
                chunk_hashes=list(manifest["chunk_hashes"]),  # type: ignore[call-overload]
                record_ids=list(manifest["record_ids"]),  # type: ignore[call-overload]
                dense=DenseIndex.load(folder / "dense.faiss", mmap),
                lexical=LexicalIndex.load(folder / "bm25", mmap),
                sentence_vectors=VectorSegments.load(
                    segments,
                    manifest["sentence_segments"],  # type: ignore[arg-type]
                    np.load(folder / "sentence_positions.npy"),
                ),
                sentence_spans=np.load(folder / "sentence_spans.npy"),
                vocabulary=_load_vocabulary(folder),
                decline=_load_decline(manifest["decline"]),  # type: ignore[arg-type]
                calibration=manifest.get("calibration"),  # type: ignore[arg-type]
            )
        except Exception as exc:  # faiss and bm25s raise assorted errors on damaged files
            raise IndexUnavailable(f"the index in {folder} is damaged ({exc})") from exc
        n = len(bundle.chunk_ids)
        sentences = bundle.sentence_vectors
        if (
            bundle.dense.index.ntotal != n
            or bundle.lexical.size != n
            or len(sentences) != len(bundle.sentence_spans)
            or (len(sentences) > 0 and sentences.positions.max() >= sentences.stored)
        ):
            raise IndexUnavailable(f"the index in {folder} is inconsistent")
        return bundle


def _load_vocabulary(folder: Path) -> Vocabulary:
    words = json.loads((folder / "vocabulary.json").read_text())
    vectors = as_float32(np.load(folder / "vocabulary.npy"))
    counts = Counter(words.get("counts", {}))
    return Vocabulary(words["stems"], words["words"], vectors, counts, words.get("common", {}))


def _load_decline(data: dict[str, object] | None) -> DeclineModel | None:
    return DeclineModel.from_json(data) if data else None
