"""Button state lives in the database: any process that shares it can serve a button press."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.telegram.asked import KEEP, Asked, AskedQuestion, AskedQuestions
from retrieval.store import Store


def test_a_question_asked_in_one_process_is_found_from_another(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    qid = AskedQuestions(Store(url)).add(Asked("Wat is spyware?"))
    assert len(qid) == 8 and len(f"f|{qid}|120".encode()) <= 64
    assert AskedQuestions(Store(url)).get(qid) == Asked("Wat is spyware?")
    assert AskedQuestions(Store(url)).get("unknown1") is None


def test_old_questions_are_forgotten(tmp_path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    asked = AskedQuestions(store)
    old = asked.add(Asked("oude vraag"))
    with store.session() as session:
        row = session.get(AskedQuestion, old)
        row.created_at = datetime.now(UTC) - KEEP * 2
        session.add(row)
        session.commit()
    recent = asked.add(Asked("nieuwe vraag"))
    assert asked.get(old) is None
    assert asked.get(recent) == Asked("nieuwe vraag")
