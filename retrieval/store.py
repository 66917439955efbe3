"""The database: documents, their chunks and the embedding cache, through SQLModel.

SQLite in the data directory by default; PostgreSQL (or anything SQLAlchemy speaks) by
`DATABASE_URL`. The index generations are derived from what is here and can always be rebuilt.

Only the writer (see `retrieval.writer`) changes documents and chunks. A SQLite file that is
deleted or replaced under a running process (a restore from backup) is noticed and reopened.
Database trouble a person must fix (a bad URL, a server that is down, a read-only file) is raised
as `DatabaseUnavailable` with one line that names the setting.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Column, LargeBinary, Text, delete, inspect, text
from sqlalchemy.engine import Engine as SqlEngine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError, SQLAlchemyError
from sqlmodel import Field, Session, SQLModel, col, create_engine, select

from retrieval.documents import Chunk, Document
from retrieval.errors import SettingError

log = logging.getLogger(__name__)


class DatabaseUnavailable(SettingError):
    """The database cannot be opened, reached or written; the message says what to do."""


class DocumentRecord(SQLModel, table=True):
    __tablename__ = "document"

    doc_id: str = Field(primary_key=True, max_length=200)
    version: str = Field(max_length=64)  # see `ingest.document_version`
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


@dataclass(frozen=True)
class StoredChunk:
    """A chunk record as the writer reads it back: plain values, no ORM state (tens of
    thousands are read at once)."""

    id: int
    chunk_id: str
    doc_id: str
    section: str
    start: int
    end: int
    context: str
    content_hash: str

    @property
    def row(self) -> list[Any]:
        """The chunk as a generation saves it (see `generation.ChunkRows`)."""
        return [self.doc_id, self.section, self.start, self.end, self.context]


class EmbeddingRecord(SQLModel, table=True):
    """One cached vector, keyed by a hash of model and text (see `embedding.text_key`)."""

    __tablename__ = "embedding"

    key: str = Field(primary_key=True, max_length=64)
    vector: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class MetaRecord(SQLModel, table=True):
    """Facts about the database itself, such as whether the configured corpus was loaded."""

    __tablename__ = "meta"

    key: str = Field(primary_key=True, max_length=100)
    value: str = Field(sa_column=Column(Text, nullable=False))


#: MetaRecord key: set once the first run loaded the configured corpus (or a corpus was chosen).
SEEDED = "corpus_seeded"


class Store:
    def __init__(self, url: str, setting: str = "DATABASE_URL") -> None:
        """Opens (and creates or migrates) the database; DatabaseUnavailable says why it cannot.

        `setting` is what the user set to choose this database, for messages.
        """
        self.setting = setting
        try:
            self.url = make_url(url)
        except ArgumentError as exc:
            raise DatabaseUnavailable(
                f"{setting} is not a database URL ({url!r}): use e.g. "
                "postgresql+psycopg://user@host/dbname, or leave DATABASE_URL unset for SQLite "
                "in VRAAGBAAK_DATA_DIR."
            ) from exc
        self.where = self.url.render_as_string(hide_password=True)
        self.path = self._sqlite_path()
        self._lock = threading.Lock()
        self.engine = self._open()

    def _sqlite_path(self) -> Path | None:
        """The SQLite file, where it is one plainly named (not in memory, not a `file:` URI)."""
        if self.url.get_backend_name() != "sqlite" or self.url.database in (None, "", ":memory:"):
            return None
        if self.url.query.get("uri") in ("true", "1"):
            return None
        return Path(self.url.database).absolute()

    def _open(self) -> SqlEngine:
        if self.path is not None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise DatabaseUnavailable(
                    f"{self.setting}: cannot create {self.path.parent} ({exc.strerror}): choose "
                    "a folder this user can write to."
                ) from exc
        try:
            if self.path is not None:
                engine = create_engine(
                    self.url, connect_args={"check_same_thread": False, "timeout": 30}
                )
            else:
                engine = create_engine(self.url, pool_pre_ping=True)
        except (NoSuchModuleError, ImportError) as exc:
            raise DatabaseUnavailable(
                f"{self.setting}: no driver for {self.url.drivername!r} is installed ({exc}); "
                "vraagbaak runs on SQLite (leave DATABASE_URL unset) or PostgreSQL "
                "(postgresql+psycopg://…, the `postgres` extra)."
            ) from exc
        try:
            with engine.begin() as connection:
                _migrate(connection)
                SQLModel.metadata.create_all(connection)
        except SQLAlchemyError as exc:
            engine.dispose()
            raise self.explain(exc) from exc
        self._identity = self._file_identity()
        return engine

    def _file_identity(self) -> tuple[int, int] | None:
        if self.path is None:
            return None
        try:
            stat = self.path.stat()
        except OSError:
            return None
        return stat.st_dev, stat.st_ino

    def _follow_the_file(self) -> None:
        """Reopen when the SQLite file was deleted or replaced since it was opened."""
        if self.path is None or self._file_identity() == self._identity:
            return
        with self._lock:
            if self._file_identity() == self._identity:
                return
            gone = "deleted" if self._file_identity() is None else "replaced"
            log.warning("The database file %s was %s: opening it again", self.path, gone)
            old, self.engine = self.engine, self._open()
            old.dispose()

    def explain(self, exc: SQLAlchemyError) -> DatabaseUnavailable:
        """The one line a person needs for a database error."""
        message = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        lowered = message.lower()
        if "readonly" in lowered or "read-only" in lowered:
            return DatabaseUnavailable(
                f"The database {self.where} is read-only: make it writable for this user, or "
                f"point {self.setting} at one that is."
            )
        if self.path is not None and "unable to open" in lowered:
            return DatabaseUnavailable(
                f"Cannot open the database file {self.path}: {self.setting} must name a folder "
                "this user can read and write."
            )
        if isinstance(exc, OperationalError) and self.path is None:
            return DatabaseUnavailable(
                f"Cannot reach the database {self.where} ({message}): start the server or fix "
                f"{self.setting}."
            )
        return DatabaseUnavailable(
            f"Database error in {self.where} ({message}); see {self.setting}."
        )

    @contextmanager
    def session(self) -> Iterator[Session]:
        self._follow_the_file()
        try:
            with Session(self.engine) as session:
                yield session
        except OperationalError as exc:
            raise self.explain(exc) from exc

    def check_writable(self) -> None:
        """DatabaseUnavailable unless this process may write (a read-only file, a replica)."""
        with self.session() as s:
            s.merge(MetaRecord(key="write_check", value=datetime.now(UTC).isoformat()))
            s.flush()
            s.rollback()

    # --- documents and chunks ---------------------------------------------------------------
    def document(self, doc_id: str) -> Document | None:
        with self.session() as s:
            record = s.get(DocumentRecord, doc_id)
            return record.to_document() if record else None

    def document_versions(self) -> dict[str, str]:
        """doc_id -> version of every stored document."""
        with self.session() as s:
            return dict(s.exec(select(DocumentRecord.doc_id, DocumentRecord.version)).all())

    def documents(self, doc_ids: Iterable[str] | None = None) -> dict[str, tuple[Document, str]]:
        """doc_id -> (document, version) of these stored documents (default: all of them), in
        doc_id order; ids not stored are left out."""
        query = select(DocumentRecord.data, DocumentRecord.version)
        with self.session() as s:
            if doc_ids is None:
                rows = list(s.exec(query).all())
            else:
                wanted = list(dict.fromkeys(doc_ids))
                rows = [
                    row
                    for i in range(0, len(wanted), 500)
                    for row in s.exec(
                        query.where(col(DocumentRecord.doc_id).in_(wanted[i : i + 500]))
                    ).all()
                ]
        documents = (Document.from_dict(json.loads(data)) for data, _ in rows)
        found = {d.doc_id: (d, version) for d, (_, version) in zip(documents, rows, strict=True)}
        return dict(sorted(found.items()))

    def chunk_records(self) -> list[StoredChunk]:
        """Every chunk record, in id order (plain values: tens of thousands are read at once)."""
        columns = [getattr(ChunkRecord, f.name) for f in fields(StoredChunk)]
        with self.session() as s:
            rows = s.exec(select(*columns).order_by(col(ChunkRecord.id))).all()
            return [StoredChunk(*row) for row in rows]

    def replace_document(self, document: Document, chunks: Iterable[Chunk], version: str) -> None:
        """Put `document` and its chunks in place of any older version, in one transaction.

        `version` is the hash that tells a later ingest whether the document changed.
        """
        with self.session() as s:
            s.exec(delete(ChunkRecord).where(col(ChunkRecord.doc_id) == document.doc_id))
            s.merge(
                DocumentRecord(
                    doc_id=document.doc_id,
                    version=version,
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
                    start=c.span.start,
                    end=c.span.end,
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

    # --- facts about the database -----------------------------------------------------------
    def meta(self, key: str) -> str | None:
        with self.session() as s:
            record = s.get(MetaRecord, key)
            return record.value if record else None

    def set_meta(self, key: str, value: str) -> None:
        with self.session() as s:
            s.merge(MetaRecord(key=key, value=value))
            s.commit()

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


def _migrate(connection: object) -> None:
    """Bring a database made by an older vraagbaak to the current tables, in place."""
    inspector = inspect(connection)
    if "document" in inspector.get_table_names():
        columns = {c["name"] for c in inspector.get_columns("document")}
        if "content_hash" in columns and "version" not in columns:  # renamed: it is a version
            connection.execute(text("ALTER TABLE document RENAME COLUMN content_hash TO version"))  # type: ignore[attr-defined]
