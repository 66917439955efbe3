"""The questions behind answer buttons, by the short id their `callback_data` carries.

Kept in the database, not in memory, so a button works whichever process receives the press:
the polling bot after a restart, or any of several webhook workers.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import Column, Text, delete
from sqlmodel import Field, SQLModel, col

from retrieval.store import Store

#: How long an answer's buttons keep working.
KEEP = timedelta(days=30)


class AskedQuestion(SQLModel, table=True):
    __tablename__ = "asked_question"

    qid: str = Field(primary_key=True, max_length=16)
    question: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC), index=True)


class AskedQuestions:
    def __init__(self, store: Store) -> None:
        self._store = store
        SQLModel.metadata.create_all(store.engine, tables=[AskedQuestion.__table__])  # type: ignore[list-item]

    def add(self, question: str) -> str:
        """Remember `question`; its id (8 URL-safe characters) goes into the buttons."""
        qid = secrets.token_urlsafe(6)
        with self._store.session() as session:
            cutoff = datetime.now(UTC) - KEEP
            session.exec(delete(AskedQuestion).where(col(AskedQuestion.created_at) < cutoff))
            session.add(AskedQuestion(qid=qid, question=question))
            session.commit()
        return qid

    def get(self, qid: str) -> str | None:
        with self._store.session() as session:
            row = session.get(AskedQuestion, qid)
            return row.question if row else None
