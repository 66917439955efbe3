"""Followed topics and the alerts sent for them, kept in the database beside the bot's other state.

Three tables: the topics each chat follows; every passage alerted to a chat (so none is sent
twice, and the daily limit is counted); and the document versions already checked for alerts,
so a restarted bot, or several webhook workers, check each new document once. Claiming an alert
(`claim`) is one transaction that inserts its row under a unique key: of two processes that find
the same new passage, one sends it.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from enum import Enum

from sqlalchemy import Column, Text, UniqueConstraint, delete, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, SQLModel, col, select

from retrieval.results import Passage
from retrieval.store import Store

#: Topics one chat may follow.
MAX_FOLLOWS = 20
#: Longest topic, in characters.
MAX_TOPIC_CHARS = 200
#: The window `max_alerts_per_day` counts in.
DAY = timedelta(hours=24)


class FollowedTopic(SQLModel, table=True):
    __tablename__ = "followed_topic"
    __table_args__ = (UniqueConstraint("chat_id", "topic"),)

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(index=True)
    topic: str = Field(max_length=MAX_TOPIC_CHARS)
    lang: str = Field(max_length=2)  # the language alerts are written in
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))


class SentAlert(SQLModel, table=True):
    __tablename__ = "sent_alert"
    __table_args__ = (UniqueConstraint("chat_id", "passage_key"),)

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(index=True)
    passage_key: str = Field(max_length=64)  # see `passage_key`
    sent_at: datetime = Field(default_factory=lambda: datetime.now(UTC), index=True)


class CheckedDocument(SQLModel, table=True):
    """A document version whose passages followed topics were checked against."""

    __tablename__ = "alert_checked_document"

    doc_id: str = Field(primary_key=True, max_length=200)
    version: str = Field(sa_column=Column(Text, nullable=False))


class Claim(Enum):
    CLAIMED = "claimed"  # send it
    SENT_BEFORE = "sent before"
    DAILY_LIMIT = "daily limit"


def passage_key(passage: Passage) -> str:
    """The same text of the same document is the same passage, whatever its chunk is called."""
    return hashlib.sha256(f"{passage.doc_id}\n{passage.text}".encode()).hexdigest()


class Follows:
    def __init__(self, store: Store) -> None:
        self._store = store
        tables = [FollowedTopic.__table__, SentAlert.__table__, CheckedDocument.__table__]
        SQLModel.metadata.create_all(store.engine, tables=tables)  # type: ignore[arg-type]

    # --- topics -------------------------------------------------------------------------------
    def topics(self, chat_id: int) -> list[FollowedTopic]:
        """The chat's topics, oldest first: /gevolgd numbers them in this order."""
        with self._store.session() as session:
            query = select(FollowedTopic).where(FollowedTopic.chat_id == chat_id)
            return list(session.exec(query.order_by(col(FollowedTopic.id))).all())

    def add(self, chat_id: int, topic: str, lang: str) -> bool:
        """False when the chat follows the topic already. ValueError at MAX_FOLLOWS."""
        if any(t.topic.casefold() == topic.casefold() for t in self.topics(chat_id)):
            return False
        if len(self.topics(chat_id)) >= MAX_FOLLOWS:
            raise ValueError(f"a chat follows at most {MAX_FOLLOWS} topics")
        with self._store.session() as session:
            session.add(FollowedTopic(chat_id=chat_id, topic=topic, lang=lang))
            try:
                session.commit()
            except IntegrityError:  # the same topic added at the same moment elsewhere
                return False
        return True

    def remove(self, chat_id: int, number: int) -> str | None:
        """Removes the chat's topic `number` (1-based, as listed); its topic, None if none."""
        topics = self.topics(chat_id)
        if not 1 <= number <= len(topics):
            return None
        chosen = topics[number - 1]
        with self._store.session() as session:
            session.exec(delete(FollowedTopic).where(col(FollowedTopic.id) == chosen.id))
            session.commit()
        return chosen.topic

    def forget_chat(self, chat_id: int) -> None:
        """The chat blocked the bot or is gone: it follows nothing any more."""
        with self._store.session() as session:
            session.exec(delete(FollowedTopic).where(col(FollowedTopic.chat_id) == chat_id))
            session.commit()

    def everything(self) -> list[FollowedTopic]:
        with self._store.session() as session:
            return list(session.exec(select(FollowedTopic).order_by(col(FollowedTopic.id))).all())

    # --- alerts -------------------------------------------------------------------------------
    def claim(self, chat_id: int, key: str, per_day: int) -> Claim:
        """Records an alert as sent to the chat, unless it was, or the chat had `per_day`."""
        since = datetime.now(UTC) - DAY
        with self._store.session() as session:
            sent = session.exec(
                select(SentAlert).where(SentAlert.chat_id == chat_id, SentAlert.passage_key == key)
            ).first()
            if sent is not None:
                return Claim.SENT_BEFORE
            today = session.exec(
                select(func.count())
                .select_from(SentAlert)
                .where(SentAlert.chat_id == chat_id, col(SentAlert.sent_at) >= since)
            ).one()
            if today >= per_day:
                return Claim.DAILY_LIMIT
            session.add(SentAlert(chat_id=chat_id, passage_key=key))
            try:
                session.commit()
            except IntegrityError:
                return Claim.SENT_BEFORE
        return Claim.CLAIMED

    def checked(self) -> dict[str, str]:
        """doc_id -> version of the documents already checked for alerts."""
        with self._store.session() as session:
            return {r.doc_id: r.version for r in session.exec(select(CheckedDocument)).all()}

    def mark_checked(self, versions: dict[str, str]) -> None:
        """These versions are checked; documents no longer there are forgotten."""
        with self._store.session() as session:
            session.exec(delete(CheckedDocument))
            session.add_all(CheckedDocument(doc_id=d, version=v) for d, v in versions.items())
            try:
                session.commit()
            except IntegrityError:  # another worker recorded the same check at the same moment
                session.rollback()
