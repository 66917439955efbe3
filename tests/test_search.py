"""The retrieval core end to end: real model, FAISS, BM25 and SQLite over the bundled corpus."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from retrieval.embedding import Embedder
from retrieval.engine import Engine
from retrieval.errors import QuestionError
from retrieval.evaluation import Scores, evaluate, load_questions
from retrieval.settings import Settings
from retrieval.writer import index_folders
from tests.conftest import SHARED

DEV = SHARED / "eval/dev.jsonl"
GEMMA = os.environ.get("VRAAGBAAK_TEST_GEMMA")


def test_dutch_question_is_answered_with_a_verbatim_quote_and_its_source(engine: Engine) -> None:
    result = engine.search("Heeft Nederland vergunningen verleend voor de export naar Oezbekistan?")
    assert result.answered and result.language == "nl"
    best = result.results[0]
    assert best.doc_id == "kv-tk-2017Z04681" and best.section == "Vraag 8"
    assert "geen vergunningen verleend" in best.quote
    assert best.url == "https://zoek.officielebekendmakingen.nl/ah-tk-20172018-142.html"
    assert best.date == "2017-10-09"


def test_english_question_finds_the_dutch_passage(engine: Engine) -> None:
    result = engine.search(
        "Which European countries' companies sold surveillance technology to China?"
    )
    assert result.answered and result.language == "en"
    assert any("Nederland, Frankrijk en Zweden" in p.text for p in result.results[:3])


@pytest.mark.parametrize(
    "question", ["How tall is the Eiffel Tower?", "Wat is de lekkerste pizza in Amsterdam?"]
)
def test_off_corpus_questions_are_declined(engine: Engine, question: str) -> None:
    result = engine.search(question)
    assert not result.answered and result.results == []


#: Questions on the bundled corpus, for the checks that must not depend on ../shared.
BUNDLED_QUESTIONS = [
    "Wat zegt de Douane over technologie?",
    "INTERPOL Executive Committee",
    "Welke maatregelen zijn tegen NCB Moskou genomen?",
    "Wat wil Amnesty met gezichtsherkenningstechnologie?",
    "Hoeveel vergunningen hebben EU-landen afgewezen?",
    "Did the Netherlands export surveillance technology to Uzbekistan?",
]


def test_every_quote_is_verbatim_from_its_document(engine: Engine) -> None:
    questions = [q.question for q in load_questions(DEV)] if DEV.exists() else []
    questions += BUNDLED_QUESTIONS
    checked = 0
    for question in questions:
        for p in engine.search(question, k=5).results:
            document = engine.document(p.doc_id)
            assert document is not None
            assert document.text[p.span.start : p.span.end] == p.text
            assert p.quote in p.text and p.quote.strip()
            start, end = p.highlights[0][0], p.highlights[-1][1]
            assert p.text[start:end] == p.quote
            checked += 1
    assert checked > 20


def test_more_results_continue_the_ranking_without_repeats(engine: Engine) -> None:
    question = "exportcontrole op cybersurveillance"
    first = engine.search(question, k=3)
    more = engine.search(question, k=3, offset=3)
    assert [p.rank for p in more.results] == [4, 5, 6]
    shown = {(p.doc_id, p.span) for p in first.results}
    assert not shown & {(p.doc_id, p.span) for p in more.results}


def test_grouped_answer_is_found_from_a_question_it_covers(engine: Engine) -> None:
    result = engine.search(
        "Kan er een catch-all beschikking worden afgegeven voor cybersurveillance?"
    )
    best = result.results[0]
    assert best.answer_heading == "Antwoord vragen 8, 9 en 10"
    assert "catch-all beschikking kan alleen worden afgegeven" in best.text


@pytest.mark.parametrize(
    ("question", "message"),
    [("", "Empty question"), ("  \x00\x07 ", "Empty question"), ("a" * 100_000, "characters long")],
)
def test_unusable_questions_get_a_clear_message(
    engine: Engine, question: str, message: str
) -> None:
    with pytest.raises(QuestionError, match=message):
        engine.search(question)


def test_control_characters_are_dropped_and_html_kept_as_text(engine: Engine) -> None:
    result = engine.search("<b>Wat is\x00 spyware?</b>\x07")
    assert result.question == "<b>Wat is spyware?</b>"  # searched as given; adapters escape it
    assert all(p.quote in p.text for p in result.results)


def dev_scores(engine: Engine) -> Scores:
    return evaluate(load_questions(DEV), lambda q: engine.search(q, k=10, keep_declined=True))


@pytest.mark.skipif(not DEV.exists(), reason="shared/eval/dev.jsonl is not beside the repository")
def test_dev_set_quality_with_the_default_model(engine: Engine) -> None:
    scores = dev_scores(engine)
    assert scores.hit_at(1) >= 0.80
    assert scores.hit_at(3) >= 0.95
    assert scores.decline_accuracy == 1.0
    assert scores.answerable_declined <= 1


@pytest.mark.optional_model
@pytest.mark.skipif(
    not (GEMMA and DEV.exists()),
    reason="VRAAGBAAK_TEST_GEMMA does not name an EmbeddingGemma folder "
    "(python ../shared/tools/fetch_embeddinggemma.py DEST --bf16 makes one)",
)
def test_dev_set_quality_with_embeddinggemma(tmp_path: Path) -> None:
    """The README's EmbeddingGemma figures at the bundled corpus, less one question."""
    settings = Settings(data_dir=tmp_path, embedding_model=str(GEMMA), database_url=None)
    embedder = Embedder(str(GEMMA))
    index_folders(settings, embedder)
    scores = dev_scores(Engine(settings, embedder=embedder))
    assert scores.hit_at(1) >= 0.75 - 0.05
    assert scores.hit_at(3) >= 0.95 - 0.05
    assert scores.decline_accuracy == 1.0
    assert scores.answerable_declined <= 2
