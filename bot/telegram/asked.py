"""The questions behind answer buttons, by the short id their `callback_data` carries.

Kept in the database, not in memory, so a button works whichever process receives the press:
the polling bot after a restart, or any of several webhook workers. A question is kept with the
view it was answered in (its period and order), so "Newest first", "More results" and
"Timeline" show what the answer above them was about.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Column, Text, delete, inspect, text
from sqlmodel import Field, SQLModel, col

from retrieval.filters import SearchFilter, Sort, parse_sort
from retrieval.store import Store

#: How long an answer's buttons keep working.
KEEP = timedelta(days=30)


class AskedQuestion(SQLModel, table=True):
    __tablename__ = "asked_question"

    qid: str = Field(primary_key=True, max_length=16)
    question: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC), index=True)
    view: str | None = Field(default=None, sa_column=Column(Text))  # JSON: filters and sort


@dataclass(frozen=True)
class Asked:
    """A question as it was searched: its text without the period, the filter and the order."""

    question: str
    filters: SearchFilter = field(default_factory=SearchFilter)
    sort: Sort = "relevance"

    def to_view(self) -> str:
        return json.dumps({"filters": self.filters.to_json(), "sort": self.sort})

    @classmethod
    def from_row(cls, row: AskedQuestion) -> Asked:
        if not row.view:  # asked before views were kept
            return cls(row.question)
        view = json.loads(row.view)
        return cls(row.question, SearchFilter.parse(**view["filters"]), parse_sort(view["sort"]))


class AskedQuestions:
    def __init__(self, store: Store) -> None:
        self._store = store
        SQLModel.metadata.create_all(store.engine, tables=[AskedQuestion.__table__])  # type: ignore[list-item]
        with store.engine.begin() as connection:  # a table made before views were kept
            columns = {c["name"] for c in inspect(connection).get_columns("asked_question")}
            if "view" not in columns:
                connection.execute(text("ALTER TABLE asked_question ADD COLUMN view TEXT"))

    def add(self, asked: Asked) -> str:
        """Remember `asked`; its id (8 URL-safe characters) goes into the buttons."""
        qid = secrets.token_urlsafe(6)
        with self._store.session() as session:
            cutoff = datetime.now(UTC) - KEEP
            session.exec(delete(AskedQuestion).where(col(AskedQuestion.created_at) < cutoff))
            session.add(AskedQuestion(qid=qid, question=asked.question, view=asked.to_view()))
            session.commit()
        return qid

    def get(self, qid: str) -> Asked | None:
        with self._store.session() as session:
            row = session.get(AskedQuestion, qid)
            return Asked.from_row(row) if row else None
