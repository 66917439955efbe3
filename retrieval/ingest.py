"""Getting documents into the database, and the database into a search index.

Unchanged documents are skipped by version, and unchanged text is never embedded again: vectors
are cached in the database under a hash of model and text. Everything here writes, so only the
writer calls it (see `retrieval.writer`).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import faiss
import numpy as np
from tqdm import tqdm

from retrieval.chunking import chunk_document
from retrieval.corpus import load_corpus
from retrieval.documents import Chunk, Document
from retrieval.embedding import Embedder, text_key
from retrieval.index import DenseIndex, IndexBundle, LexicalIndex
from retrieval.merging import merge_versions
from retrieval.parsing import ParseError
from retrieval.sentences import sentence_spans
from retrieval.settings import Settings
from retrieval.sources.fetch import SourceError
from retrieval.store import ChunkRecord, Store

log = logging.getLogger(__name__)

#: From this many chunks on, a changed corpus updates the saved index instead of rebuilding it.
INCREMENTAL_MIN_CHUNKS = 5_000


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # what (file, URL, id) -> why

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    def merge(self, other: IngestReport) -> None:
        for name in ("added", "updated", "unchanged", "removed"):
            getattr(self, name).extend(getattr(other, name))
        self.failed.update(other.failed)


def document_version(document: Document, settings: Settings) -> str:
    """A document's version in the store: a hash of its content and of how it was chunked."""
    recipe = f"{document.content_hash}:{settings.chunk_chars}:{settings.chunk_overlap_chars}"
    return hashlib.sha256(recipe.encode()).hexdigest()


def ingest_documents(
    store: Store, settings: Settings, documents: Iterable[Document]
) -> IngestReport:
    """Store new and changed documents with their chunks; leave unchanged ones alone.

    A changed Kamervraag is merged with its stored version (see `merging`), so an answer that
    arrives after its question updates the question's document in place.
    """
    report = IngestReport()
    known = store.document_versions()
    for incoming in documents:
        document, version = incoming, document_version(incoming, settings)
        if incoming.doc_id in known and known[incoming.doc_id] != version:
            document = merge_versions(store.document(incoming.doc_id), incoming)
            version = document_version(document, settings)
        if known.get(document.doc_id) == version:
            report.unchanged.append(document.doc_id)
            continue
        chunks = chunk_document(document, settings.chunk_chars, settings.chunk_overlap_chars)
        store.replace_document(document, chunks, version)
        (report.updated if document.doc_id in known else report.added).append(document.doc_id)
        known[document.doc_id] = version
    return report


def remove_documents(store: Store, doc_ids: Iterable[str]) -> IngestReport:
    """Delete documents with their chunks; ids that are not stored are reported as failed."""
    report = IngestReport()
    for doc_id in doc_ids:
        if store.remove_document(doc_id):
            report.removed.append(doc_id)
        else:
            report.failed[doc_id] = "no such document"
    return report


def ingest_folders(store: Store, settings: Settings, folders: Sequence[Path]) -> IngestReport:
    """Parse every folder first, so a broken file stops the run before anything is written."""
    documents = [doc for folder in folders for doc in load_corpus(folder)]
    return ingest_documents(store, settings, documents)


def add_each(
    store: Store, settings: Settings, items: Iterable[str], load: Callable[[str], Document]
) -> IngestReport:
    """Load and store each item on its own: a failure is reported and the rest go on."""
    report = IngestReport()
    for item in items:
        try:
            document = load(item)
        except (ParseError, SourceError, OSError) as error:
            report.failed[item] = str(error)
            continue
        report.merge(ingest_documents(store, settings, [document]))
    return report


def fingerprint(model_id: str, records: Sequence[ChunkRecord]) -> str:
    digest = hashlib.sha256(model_id.encode())
    for r in records:
        digest.update(f"\x00{r.chunk_id}\x00{r.content_hash}".encode())
    return digest.hexdigest()


def refresh_index(
    store: Store,
    embedder: Embedder,
    previous: IndexBundle | None,
    chunks: Sequence[Chunk],
    records: Sequence[ChunkRecord],
    batch_size: int = 32,
    progress: bool = False,
) -> IndexBundle:
    """An index for `chunks`: `previous` updated in place when it is large, else rebuilt.

    Either way only text the cache does not hold is embedded. Rebuilding reads every vector
    back from the cache, which is cheap for a small corpus; a large one keeps the previous index's
    vectors and removes/adds only the rows of changed documents (see `update_index`), which
    changes `previous`.
    """
    if previous is not None and len(records) >= INCREMENTAL_MIN_CHUNKS:
        bundle = update_index(store, embedder, previous, chunks, records, batch_size, progress)
        if bundle is not None:
            return bundle
    return build_index(store, embedder, chunks, records, batch_size, progress)


def build_index(
    store: Store,
    embedder: Embedder,
    chunks: Sequence[Chunk],
    records: Sequence[ChunkRecord],
    batch_size: int = 32,
    progress: bool = False,
) -> IndexBundle:
    """Embed (from cache where possible) and index `chunks`, which are aligned with `records`."""
    sentence_rows, sentence_texts = _sentences(chunks, first_row=0)
    chunk_vectors = embed_cached(
        store, embedder, [c.search_text for c in chunks], batch_size, progress, "chunks"
    )
    sentence_vectors = embed_cached(
        store, embedder, sentence_texts, batch_size, progress, "sentences"
    )
    return IndexBundle(
        fingerprint=fingerprint(embedder.model_id, records),
        chunk_ids=[c.chunk_id for c in chunks],
        chunk_hashes=[r.content_hash for r in records],
        record_ids=[r.id for r in records if r.id is not None],
        dense=DenseIndex.build(chunk_vectors),
        lexical=LexicalIndex.build([c.search_text for c in chunks]),
        sentence_vectors=sentence_vectors.astype(np.float16),
        sentence_spans=sentence_rows,
    )


def update_index(
    store: Store,
    embedder: Embedder,
    previous: IndexBundle,
    chunks: Sequence[Chunk],
    records: Sequence[ChunkRecord],
    batch_size: int = 32,
    progress: bool = False,
) -> IndexBundle | None:
    """`previous` with the rows of removed or changed chunks taken out and the new ones added.

    Rows stay in chunk-record order: the rows kept must be the first records (new records get
    higher ids, so they come last). Returns None when that does not hold or the dense index
    cannot drop rows in place (IVF keeps ids, so its rows would no longer line up): rebuild.
    BM25 has no incremental update and is rebuilt from the chunk texts, which embeds nothing.
    """
    if not isinstance(previous.dense.index, faiss.IndexFlat):
        return None
    keys = row_keys(records)
    wanted = set(keys)
    if len(previous.record_ids) != len(previous.chunk_hashes):
        return None
    old_keys = list(zip(previous.record_ids, previous.chunk_hashes, strict=True))
    keep = np.array([key in wanted for key in old_keys], dtype=bool)
    kept = int(keep.sum())
    if [key for key, k in zip(old_keys, keep, strict=True) if k] != keys[:kept]:
        return None
    added = chunks[kept:]
    dense = previous.dense.index
    dense.remove_ids(np.flatnonzero(~keep).astype(np.int64))
    texts = [c.search_text for c in added]
    dense.add(embed_cached(store, embedder, texts, batch_size, progress, "chunks"))
    # sentences of kept chunks move up to their chunk's new row; the new chunks' ones follow
    new_row_of = np.cumsum(keep) - 1
    spans = previous.sentence_spans
    keep_sentences = keep[spans[:, 0]] if len(spans) else np.zeros(0, dtype=bool)
    kept_spans = spans[keep_sentences].copy()
    kept_spans[:, 0] = new_row_of[kept_spans[:, 0]]
    added_spans, added_texts = _sentences(added, first_row=kept)
    added_vectors = embed_cached(store, embedder, added_texts, batch_size, progress, "sentences")
    log.info("Index updated in place: %d rows removed, %d added", len(keep) - kept, len(added))
    return IndexBundle(
        fingerprint=fingerprint(embedder.model_id, records),
        chunk_ids=[c.chunk_id for c in chunks],
        chunk_hashes=[r.content_hash for r in records],
        record_ids=[r.id for r in records if r.id is not None],
        dense=previous.dense,
        lexical=LexicalIndex.build([c.search_text for c in chunks]),
        sentence_vectors=np.concatenate(
            [previous.sentence_vectors[keep_sentences], added_vectors.astype(np.float16)]
        ),
        sentence_spans=np.concatenate([kept_spans, added_spans]),
    )


def row_keys(records: Sequence[ChunkRecord]) -> list[tuple[int | None, str]]:
    """A row is the same only as long as its database record and text are: a replaced
    document's chunks get new records, so their rows are dropped and added again."""
    return [(r.id, r.content_hash) for r in records]


def _sentences(chunks: Sequence[Chunk], first_row: int) -> tuple[np.ndarray, list[str]]:
    """(row, start, end) of every sentence of `chunks` (rows counted from `first_row`), and
    their texts."""
    rows: list[tuple[int, int, int]] = []
    texts: list[str] = []
    for row, chunk in enumerate(chunks, start=first_row):
        for start, end in sentence_spans(chunk.text):
            rows.append((row, start, end))
            texts.append(chunk.text[start:end])
    return np.asarray(rows, dtype=np.int32).reshape(-1, 3), texts


def embed_cached(
    store: Store,
    embedder: Embedder,
    texts: Sequence[str],
    batch_size: int,
    progress: bool,
    what: str,
) -> np.ndarray:
    """Vectors for `texts`, embedding only those the cache does not hold yet."""
    keys = [text_key(embedder.model_id, t) for t in texts]
    cached = store.cached_vectors(keys)
    missing = list(dict.fromkeys(k for k in keys if k not in cached))
    text_of = dict(zip(keys, texts, strict=True))
    step = max(batch_size * 8, 256)
    with tqdm(
        total=len(missing),
        desc=f"Embedding {what}",
        unit=" texts",
        disable=not (progress and missing),
    ) as bar:
        for i in range(0, len(missing), step):
            batch = missing[i : i + step]
            vectors = embedder.encode_documents([text_of[k] for k in batch], batch_size)
            new = dict(zip(batch, vectors, strict=True))
            store.save_vectors(new)
            cached.update(new)
            bar.update(len(batch))
    if not keys:
        return np.zeros((0, embedder.dimension), dtype=np.float32)
    return np.stack([cached[k] for k in keys]).astype(np.float32)
