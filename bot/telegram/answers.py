"""From a question to the reply's HTML: shared by the Telegram handlers and the console chat."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from bot.telegram.render import answer_html, esc, not_found_html
from bot.telegram.texts import Lang, ui_language
from retrieval.results import QuestionError, SearchResult

if TYPE_CHECKING:
    from retrieval.engine import Engine

PAGE_SIZE = 3  # the quoted passage and two brief ones

Outcome = Literal["answered", "not_found", "invalid"]


@dataclass(frozen=True)
class Answer:
    html: str
    lang: Lang
    outcome: Outcome
    result: SearchResult | None = None  # set when answered


def answer_question(engine: Engine, question: str, language_code: str | None = None) -> Answer:
    """Search and render (blocking: run it off the event loop)."""
    try:
        result = engine.search(question, k=PAGE_SIZE)
    except QuestionError as exc:
        return Answer(esc(str(exc)), ui_language(None, language_code), "invalid")
    lang = ui_language(result.language, language_code)
    if not result.answered or not result.results:
        return Answer(not_found_html(lang, engine.documents()), lang, "not_found")
    return Answer(answer_html(result, lang), lang, "answered", result)
