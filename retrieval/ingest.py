"""Getting documents into the database, and the database into a search index.

Unchanged documents are skipped by content hash, and unchanged text is never embedded again:
vectors are cached in the database under a hash of model and text.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

from retrieval.chunking import chunk_document
from retrieval.corpus import load_corpus
from retrieval.documents import Chunk, Document
from retrieval.embedding import Embedder, text_key
from retrieval.index import DenseIndex, IndexBundle, LexicalIndex
from retrieval.sentences import sentence_spans
from retrieval.settings import Settings
from retrieval.store import ChunkRecord, Store

log = logging.getLogger(__name__)


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated)


def stored_hash(document: Document, settings: Settings) -> str:
    """A document's version in the store: its content plus how it was chunked."""
    recipe = f"{document.content_hash}:{settings.chunk_chars}:{settings.chunk_overlap_chars}"
    return hashlib.sha256(recipe.encode()).hexdigest()


def ingest_documents(
    store: Store, settings: Settings, documents: Iterable[Document]
) -> IngestReport:
    """Store new and changed documents with their chunks; leave unchanged ones alone."""
    report = IngestReport()
    known = store.document_hashes()
    for document in documents:
        version = stored_hash(document, settings)
        if known.get(document.doc_id) == version:
            report.unchanged.append(document.doc_id)
            continue
        chunks = chunk_document(document, settings.chunk_chars, settings.chunk_overlap_chars)
        store.replace_document(document, chunks, version)
        (report.updated if document.doc_id in known else report.added).append(document.doc_id)
    return report


def ingest_folders(store: Store, settings: Settings, folders: Sequence[Path]) -> IngestReport:
    """Parse every folder first, so a broken file stops the run before anything is written."""
    documents = [doc for folder in folders for doc in load_corpus(folder)]
    return ingest_documents(store, settings, documents)


def fingerprint(model_id: str, records: Sequence[ChunkRecord]) -> str:
    digest = hashlib.sha256(model_id.encode())
    for r in records:
        digest.update(f"\x00{r.chunk_id}\x00{r.content_hash}".encode())
    return digest.hexdigest()


def build_index(
    store: Store,
    embedder: Embedder,
    chunks: Sequence[Chunk],
    records: Sequence[ChunkRecord],
    batch_size: int = 32,
    progress: bool = False,
) -> IndexBundle:
    """Embed (from cache where possible) and index `chunks`, which are aligned with `records`."""
    sentence_rows: list[tuple[int, int, int]] = []
    sentence_texts: list[str] = []
    for row, chunk in enumerate(chunks):
        for start, end in sentence_spans(chunk.text):
            sentence_rows.append((row, start, end))
            sentence_texts.append(chunk.text[start:end])
    chunk_vectors = embed_cached(
        store, embedder, [c.search_text for c in chunks], batch_size, progress, "chunks"
    )
    sentence_vectors = embed_cached(
        store, embedder, sentence_texts, batch_size, progress, "sentences"
    )
    return IndexBundle(
        fingerprint=fingerprint(embedder.model_id, records),
        chunk_ids=[c.chunk_id for c in chunks],
        dense=DenseIndex.build(chunk_vectors),
        lexical=LexicalIndex.build([c.search_text for c in chunks]),
        sentence_vectors=sentence_vectors.astype(np.float16),
        sentence_spans=np.asarray(sentence_rows, dtype=np.int32).reshape(-1, 3),
    )


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
        total=len(missing), desc=f"Embedding {what}", unit=" texts", disable=not progress
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
