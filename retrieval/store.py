"""The database: documents, their chunks and the embedding cache, through SQLModel.

SQLite in the data directory by default; PostgreSQL (or anything SQLAlchemy speaks) by
`DATABASE_URL`. The FAISS and BM25 files are derived from what is here and can always be rebuilt.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from sqlalchemy import Column, LargeBinary, Text, delete
from sqlalchemy.engine import make_url
from sqlmodel import Field, Session, SQLModel, col, create_engine, select

from retrieval.documents import Chunk, Document, Span


class DocumentRecord(SQLModel, table=True):
    __tablename__ = "document"

    doc_id: str = Field(primary_key=True, max_length=200)
    content_hash: str = Field(max_length=64)
    doc_type: str = Field(max_length=40)
    title: str = Field(sa_column=Column(Text, nullable=False))
    date: str | None = Field(default=None, max_length=10)
    source_file: str | None = Field(default=None, sa_column=Column(Text))
    data: str = Field(sa_column=Column(Text, nullable=False))  # the whole Document as JSON

    def to_document(self) -> Document:
        return Document.from_dict(json.loads(self.data))


class ChunkRecord(SQLModel, table=True):
    __tablename__ = "chunk"

    id: int | None = Field(default=None, primary_key=True)
    chunk_id: str = Field(unique=True, max_length=300)
    doc_id: str = Field(foreign_key="document.doc_id", index=True, max_length=200)
    section: str = Field(max_length=300)
    start: int
    end: int
    context: str = Field(sa_column=Column(Text, nullable=False))
    content_hash: str = Field(max_length=64)

    def to_chunk(self, document_text: str) -> Chunk:
        span = Span(self.start, self.end)
        return Chunk(
            self.chunk_id, self.doc_id, self.section, span, span.of(document_text), self.context
        )


class EmbeddingRecord(SQLModel, table=True):
    """One cached vector, keyed by a hash of model and text (see `embedding.text_key`)."""

    __tablename__ = "embedding"

    key: str = Field(primary_key=True, max_length=64)
    vector: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class Store:
    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            self.engine = create_engine(
                url, connect_args={"check_same_thread": False, "timeout": 30}
            )
        else:
            self.engine = create_engine(url, pool_pre_ping=True)
        SQLModel.metadata.create_all(self.engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with Session(self.engine) as session:
            yield session

    # --- documents and chunks ---------------------------------------------------------------
    def documents(self) -> list[Document]:
        with self.session() as s:
            rows = s.exec(select(DocumentRecord).order_by(DocumentRecord.doc_id)).all()
            return [r.to_document() for r in rows]

    def document(self, doc_id: str) -> Document | None:
        with self.session() as s:
            record = s.get(DocumentRecord, doc_id)
            return record.to_document() if record else None

    def document_hashes(self) -> dict[str, str]:
        with self.session() as s:
            return dict(s.exec(select(DocumentRecord.doc_id, DocumentRecord.content_hash)).all())

    def chunk_records(self) -> list[ChunkRecord]:
        with self.session() as s:
            return list(s.exec(select(ChunkRecord).order_by(col(ChunkRecord.id))).all())

    def replace_document(self, document: Document, chunks: Iterable[Chunk], version: str) -> None:
        """Put `document` and its chunks in place of any older version, in one transaction.

        `version` is the hash that tells a later ingest whether the document changed.
        """
        with self.session() as s:
            s.exec(delete(ChunkRecord).where(col(ChunkRecord.doc_id) == document.doc_id))
            s.merge(
                DocumentRecord(
                    doc_id=document.doc_id,
                    content_hash=version,
                    doc_type=document.doc_type,
                    title=document.title,
                    date=document.date,
                    source_file=document.source_file,
                    data=json.dumps(document.to_dict(), ensure_ascii=False),
                )
            )
            s.flush()
            s.add_all(
                ChunkRecord(
                    chunk_id=c.chunk_id,
                    doc_id=c.doc_id,
                    section=c.section,
                    start=c.quote.start,
                    end=c.quote.end,
                    context=c.context,
                    content_hash=c.content_hash,
                )
                for c in chunks
            )
            s.commit()

    def remove_document(self, doc_id: str) -> bool:
        with self.session() as s:
            s.exec(delete(ChunkRecord).where(col(ChunkRecord.doc_id) == doc_id))
            removed = s.exec(delete(DocumentRecord).where(col(DocumentRecord.doc_id) == doc_id))
            s.commit()
            return bool(removed.rowcount)

    # --- embedding cache --------------------------------------------------------------------
    def cached_vectors(self, keys: Iterable[str]) -> dict[str, np.ndarray]:
        wanted = list(dict.fromkeys(keys))
        found: dict[str, np.ndarray] = {}
        with self.session() as s:
            for i in range(0, len(wanted), 500):
                batch = wanted[i : i + 500]
                rows = s.exec(select(EmbeddingRecord).where(col(EmbeddingRecord.key).in_(batch)))
                found.update((r.key, np.frombuffer(r.vector, dtype=np.float32)) for r in rows)
        return found

    def save_vectors(self, vectors: dict[str, np.ndarray]) -> None:
        with self.session() as s:
            for key, vector in vectors.items():
                s.merge(EmbeddingRecord(key=key, vector=np.asarray(vector, np.float32).tobytes()))
            s.commit()
