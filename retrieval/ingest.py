"""Getting documents into the database, and the database into a search index.

Unchanged documents are skipped by version, and unchanged text is never embedded again: vectors
are cached in the database under a hash of model and text. Everything here writes, so only the
writer calls it (see `retrieval.writer`).
"""

from __future__ import annotations

import hashlib
import itertools
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

from retrieval.chunking import CHUNKER_VERSION, chunk_document
from retrieval.corpus import load_corpus
from retrieval.documents import Chunk, Document
from retrieval.embedding import PIECE, Embedder, text_key
from retrieval.index import DenseIndex, IndexBundle, LexicalIndex
from retrieval.merging import merge_versions, question_and_answer
from retrieval.parsing import ParseError
from retrieval.segments import VectorSegments
from retrieval.sentences import sentence_spans
from retrieval.settings import Settings
from retrieval.store import Store, StoredChunk
from retrieval.vocabulary import Vocabulary

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
    recipe = (
        f"{document.content_hash}:{settings.chunk_chars}:{settings.chunk_overlap_chars}"
        f":{CHUNKER_VERSION}"
    )
    return hashlib.sha256(recipe.encode()).hexdigest()


@dataclass(frozen=True)
class Claim:
    """An item of a batch and the document id it claims, with where the document comes from."""

    item: str  # what was asked for: a file, a URL, an id, "FILE line N"
    doc_id: str
    source: str | None  # the path or URL the document is read from
    title: str | None = None
    document: Document | None = None

    @classmethod
    def of(cls, item: str, document: Document) -> Claim:
        return cls(item, document.doc_id, document.source_file, document.title, document)

    def describe(self) -> str:
        title = f" (“{self.title}”)" if self.title else ""
        return f"{self.source or self.item}{title}"


def same_origin(a: Claim, b: Claim) -> bool:
    """Whether two claims to one id may follow each other: the same path or URL (a record
    stored by an older version kept only the file name), the same title when neither has a
    source, or the question and the answered version of one Kamervraag (see `merging`)."""
    if a.source and b.source:
        if a.source == b.source or ("/" not in a.source and a.source == _name(b.source)):
            return True
    elif not (a.source or b.source) and a.title == b.title:
        return True
    return bool(a.document and b.document and question_and_answer(a.document, b.document))


def _name(source: str) -> str:
    return source.rstrip("/").rsplit("/", 1)[-1]


def refused_claims(claims: Iterable[Claim]) -> dict[str, str]:
    """Items that claim an id another item of the same batch claims from elsewhere: each of
    them, with a message naming the others. None of them may be written: neither wins."""
    by_id: dict[str, list[Claim]] = defaultdict(list)
    for claim in claims:
        by_id[claim.doc_id].append(claim)
    refused: dict[str, str] = {}
    for doc_id, group in by_id.items():
        if all(same_origin(a, b) for a, b in itertools.combinations(group, 2)):
            continue
        for claim in group:
            others = "; ".join(o.describe() for o in group if o is not claim)
            refused[claim.item] = f"{doc_id} is also claimed by {others}; none of them was added"
    return refused


def conflict_message(stored: Document, incoming: Document) -> str:
    old, new = Claim.of(stored.doc_id, stored), Claim.of(incoming.doc_id, incoming)
    return (
        f"{incoming.doc_id} is already stored from {old.describe()}; not replaced by "
        f"{new.describe()} (add it with --replace to replace it)"
    )


def ingest_documents(
    store: Store, settings: Settings, documents: Iterable[Document], replace: bool = False
) -> IngestReport:
    """Store new and changed documents with their chunks; leave unchanged ones alone.

    A changed Kamervraag is merged with its stored version (see `merging`), so an answer that
    arrives after its question updates the question's document in place. A document that
    would replace one read from elsewhere (see `same_origin`) is refused and reported, unless
    `replace` asks for it.
    """
    report = IngestReport()
    known = store.document_versions()
    for incoming in documents:
        document, version = incoming, document_version(incoming, settings)
        if incoming.doc_id in known and known[incoming.doc_id] != version:
            stored = store.document(incoming.doc_id)
            if stored and not same_origin(Claim.of("", stored), Claim.of("", incoming)):
                if not replace:
                    what = incoming.source_file or incoming.doc_id
                    report.failed[what] = conflict_message(stored, incoming)
                    continue
                stored = None  # replaced as asked, not merged
            document = merge_versions(stored, incoming)
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
    """Parse every folder first, so a broken file, or two files with one id, stops the run
    before anything is written."""
    documents = [
        doc for folder in folders for doc in load_corpus(folder, settings.max_document_bytes)
    ]
    if refused := refused_claims(Claim.of(d.source_file or d.doc_id, d) for d in documents):
        raise ParseError("; ".join(f"{item}: {why}" for item, why in refused.items()))
    return ingest_documents(store, settings, documents)


def fingerprint(model_id: str, records: Sequence[StoredChunk]) -> str:
    digest = hashlib.sha256(model_id.encode())
    for r in records:
        digest.update(f"\x00{r.chunk_id}\x00{r.content_hash}".encode())
    return digest.hexdigest()


def refresh_index(
    store: Store,
    embedder: Embedder,
    previous: IndexBundle | None,
    chunks: Sequence[Chunk],
    records: Sequence[StoredChunk],
    batch_size: int = 32,
    progress: bool = False,
    sentences: bool = True,
    previous_chunks: Sequence[Chunk] = (),
) -> IndexBundle:
    """An index for `chunks`: `previous` (over `previous_chunks`) updated in place when it is
    large, else rebuilt. `sentences`: embed every sentence too (for a sentence encoder, whose
    ranking reads them).

    Either way only text the cache does not hold is embedded. Rebuilding reads every vector
    back from the cache, which is cheap for a small corpus; a large one keeps the previous index's
    vectors and removes/adds only the rows of changed documents (see `update_index`), which
    changes `previous`.
    """
    if previous is not None and len(records) >= INCREMENTAL_MIN_CHUNKS:
        bundle = update_index(
            store,
            embedder,
            previous,
            chunks,
            records,
            batch_size,
            progress,
            sentences,
            previous_chunks,
        )
        if bundle is not None:
            return bundle
    return build_index(store, embedder, chunks, records, batch_size, progress, sentences)


def build_index(
    store: Store,
    embedder: Embedder,
    chunks: Sequence[Chunk],
    records: Sequence[StoredChunk],
    batch_size: int = 32,
    progress: bool = False,
    sentences: bool = True,
) -> IndexBundle:
    """Embed (from cache where possible) and index `chunks`, which are aligned with `records`."""
    sentence_rows, sentence_texts = _sentences(chunks, 0, sentences)
    chunk_vectors = embed_cached(
        store, embedder, [c.search_text for c in chunks], batch_size, progress, "chunks"
    )
    sentence_vectors = embed_cached(
        store, embedder, sentence_texts, batch_size, progress, "sentences"
    )
    return IndexBundle(
        fingerprint=fingerprint(embedder.model_id, records),
        chunk_ids=[r.chunk_id for r in records],
        chunk_hashes=[r.content_hash for r in records],
        record_ids=[r.id for r in records if r.id is not None],
        dense=DenseIndex.build(chunk_vectors),
        lexical=LexicalIndex.build([c.search_text for c in chunks]),
        sentence_vectors=VectorSegments.of(sentence_vectors),
        sentence_spans=sentence_rows,
        vocabulary=build_vocabulary(store, embedder, chunks, batch_size, progress),
    )


def update_index(
    store: Store,
    embedder: Embedder,
    previous: IndexBundle,
    chunks: Sequence[Chunk],
    records: Sequence[StoredChunk],
    batch_size: int = 32,
    progress: bool = False,
    sentences: bool = True,
    previous_chunks: Sequence[Chunk] = (),
) -> IndexBundle | None:
    """`previous` with the rows of removed or changed chunks taken out and the new ones added.

    Rows stay in chunk-record order: the rows kept must be the first records (new records get
    higher ids, so they come last). Returns None when that does not hold: rebuild. The dense
    index (exact or inverted lists) and BM25 drop and add rows in place, the vocabulary counts
    the words of the chunks that went and came (`previous_chunks` are the previous rows' chunks):
    only the new chunks are embedded, split into sentences and tokenised.
    """
    keys = row_keys(records)
    wanted = set(keys)
    old_keys = previous.row_keys()
    if old_keys is None:
        return None
    keep = np.array([key in wanted for key in old_keys], dtype=bool)
    kept = int(keep.sum())
    if [key for key, k in zip(old_keys, keep, strict=True) if k] != keys[:kept]:
        return None
    added = chunks[kept:]
    texts = [c.search_text for c in added]
    previous.dense.replace_rows(
        keep, embed_cached(store, embedder, texts, batch_size, progress, "chunks")
    )
    # sentences of kept chunks move up to their chunk's new row; the new chunks' ones follow
    new_row_of = np.cumsum(keep) - 1
    spans = previous.sentence_spans
    keep_sentences = keep[spans[:, 0]] if len(spans) else np.zeros(0, dtype=bool)
    kept_spans = spans[keep_sentences].copy()
    kept_spans[:, 0] = new_row_of[kept_spans[:, 0]]
    added_spans, added_texts = _sentences(added, kept, sentences)
    added_vectors = embed_cached(store, embedder, added_texts, batch_size, progress, "sentences")
    log.info("Index updated in place: %d rows removed, %d added", len(keep) - kept, len(added))
    return IndexBundle(
        fingerprint=fingerprint(embedder.model_id, records),
        chunk_ids=[r.chunk_id for r in records],
        chunk_hashes=[r.content_hash for r in records],
        record_ids=[r.id for r in records if r.id is not None],
        dense=previous.dense,
        lexical=previous.lexical.updated(keep, texts),
        sentence_vectors=previous.sentence_vectors.updated(keep_sentences, added_vectors),
        sentence_spans=np.concatenate([kept_spans, added_spans]),
        vocabulary=_updated_vocabulary(
            store, embedder, previous, previous_chunks, keep, chunks, batch_size, progress
        ),
    )


def _updated_vocabulary(
    store: Store,
    embedder: Embedder,
    previous: IndexBundle,
    previous_chunks: Sequence[Chunk],
    keep: np.ndarray,
    chunks: Sequence[Chunk],
    batch_size: int,
    progress: bool,
) -> Vocabulary:
    """The previous vocabulary less the words of the chunks that went and plus those of the
    chunks that came (`chunks[kept:]`); built anew where it kept no counts."""
    vocabulary = previous.vocabulary
    if vocabulary is None or not vocabulary.counts or len(previous_chunks) != len(keep):
        return build_vocabulary(store, embedder, chunks, batch_size, progress)
    return vocabulary.updated(
        [previous_chunks[row].search_text for row in np.flatnonzero(~keep)],
        [c.search_text for c in chunks[int(keep.sum()) :]],
        lambda words: embed_cached(store, embedder, words, batch_size, progress, "words"),
    )


def build_vocabulary(
    store: Store,
    embedder: Embedder,
    chunks: Sequence[Chunk],
    batch_size: int = 32,
    progress: bool = False,
) -> Vocabulary:
    """The corpus's words with their vectors; only words the cache lacks are embedded."""
    return Vocabulary.build(
        [c.search_text for c in chunks],
        lambda words: embed_cached(store, embedder, words, batch_size, progress, "words"),
        embedder.dimension,
    )


def row_keys(records: Sequence[StoredChunk]) -> list[tuple[int | None, str]]:
    """A row is the same only as long as its database record and text are: a replaced
    document's chunks get new records, so their rows are dropped and added again."""
    return [(r.id, r.content_hash) for r in records]


def _sentences(
    chunks: Sequence[Chunk], first_row: int, wanted: bool
) -> tuple[np.ndarray, list[str]]:
    """(row, start, end) of every sentence of `chunks` (rows counted from `first_row`), and
    their texts; none unless `wanted`."""
    rows: list[tuple[int, int, int]] = []
    texts: list[str] = []
    for row, chunk in enumerate(chunks if wanted else (), start=first_row):
        for start, end in sentence_spans(chunk.text):
            rows.append((row, start, end))
            texts.append(chunk.text[start:end])
    return np.asarray(rows, dtype=np.int32).reshape(-1, 3), texts


@dataclass
class CachedEmbedder:
    """An Embedder whose every text goes through the embedding cache: what the writer's own
    searches (calibrating declining) embed is embedded once, like the chunks."""

    store: Store
    embedder: Embedder

    @property
    def model_id(self) -> str:
        return self.embedder.model_id

    @property
    def dimension(self) -> int:
        return self.embedder.dimension

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return embed_cached(self.store, self.embedder, texts, 32, False, "", query=True)

    def encode_documents(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        return embed_cached(self.store, self.embedder, texts, batch_size, False, "")


def embed_cached(
    store: Store,
    embedder: Embedder,
    texts: Sequence[str],
    batch_size: int,
    progress: bool,
    what: str,
    query: bool = False,
) -> np.ndarray:
    """Vectors for `texts`, embedding only those the cache does not hold yet; `query`: as
    questions (a model's query prompt), cached apart from the same text as a passage."""
    model = f"{embedder.model_id}\x00query" if query else embedder.model_id
    keys = [text_key(model, t) for t in texts]
    cached = store.cached_vectors(keys)
    missing = list(dict.fromkeys(k for k in keys if k not in cached))
    text_of = dict(zip(keys, texts, strict=True))
    with tqdm(
        total=len(missing),
        desc=f"Embedding {what}",
        unit=" texts",
        disable=not (progress and missing),
    ) as bar:
        done = 0
        wanted = [text_of[k] for k in missing]
        stream = (
            (
                (piece, embedder.encode_queries(piece))
                for piece in [wanted[i : i + PIECE] for i in range(0, len(wanted), PIECE)]
            )
            if query
            else embedder.encode_stream(wanted, batch_size)
        )
        for piece, vectors in stream:
            new = dict(zip(missing[done : done + len(piece)], vectors, strict=True))
            done += len(piece)
            store.save_vectors(new)
            cached.update(new)
            bar.update(len(piece))
    if not keys:
        return np.zeros((0, embedder.dimension), dtype=np.float32)
    return np.stack([cached[k] for k in keys]).astype(np.float32)
