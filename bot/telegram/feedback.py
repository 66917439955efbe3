"""👍/👎 feedback on answers: the question, the passages shown and a salted hash of the user id."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Column, Text, func
from sqlmodel import Field, SQLModel, select

from retrieval.store import Store


class Feedback(SQLModel, table=True):
    __tablename__ = "feedback"

    id: int | None = Field(default=None, primary_key=True)
    question: str = Field(sa_column=Column(Text, nullable=False))
    chunk_ids: str = Field(sa_column=Column(Text, nullable=False))  # shown, in order, "\n"-joined
    vote: int  # +1 or -1
    user_hash: str = Field(max_length=64, index=True)
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))


@dataclass(frozen=True)
class FeedbackCounts:
    up: int
    down: int
    users: int


class FeedbackStore:
    """Stores one vote per user, question and set of passages (a new press replaces the old)."""

    def __init__(self, store: Store, salt: str) -> None:
        self._store = store
        self._salt = hashlib.sha256(f"vraagbaak-feedback:{salt}".encode()).hexdigest()
        SQLModel.metadata.create_all(store.engine, tables=[Feedback.__table__])  # type: ignore[list-item]

    def user_hash(self, user_id: int) -> str:
        return hashlib.sha256(f"{self._salt}:{user_id}".encode()).hexdigest()

    def record(self, question: str, chunk_ids: list[str], vote: int, user_id: int) -> None:
        user_hash, shown = self.user_hash(user_id), "\n".join(chunk_ids)
        same = select(Feedback).where(
            Feedback.user_hash == user_hash,
            Feedback.question == question,
            Feedback.chunk_ids == shown,
        )
        with self._store.session() as session:
            row = session.exec(same).first()
            if row is None:
                row = Feedback(question=question, chunk_ids=shown, vote=vote, user_hash=user_hash)
            row.vote, row.created_at = vote, datetime.now(UTC)
            session.add(row)
            session.commit()

    def counts(self) -> FeedbackCounts:
        with self._store.session() as session:
            votes = select(func.count()).select_from(Feedback)
            up = session.exec(votes.where(Feedback.vote > 0)).one()
            down = session.exec(votes.where(Feedback.vote < 0)).one()
            users = session.exec(select(func.count(func.distinct(Feedback.user_hash)))).one()
        return FeedbackCounts(up=up, down=down, users=users)
