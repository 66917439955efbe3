"""From a question to the reply's HTML: shared by the Telegram handlers and the console chat."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from bot.periods import read_period
from bot.telegram.asked import Asked
from bot.telegram.render import answer_html, esc, not_found_html, timeline_html
from bot.telegram.texts import Lang, ui_language
from retrieval.errors import QuestionError
from retrieval.filters import SearchFilter
from retrieval.results import SearchResult

if TYPE_CHECKING:
    from retrieval.engine import Engine

PAGE_SIZE = 3  # the quoted passage and two brief ones
TIMELINE_DOCUMENTS = 50  # a timeline in Telegram holds at most this many documents
TIMELINE_PAGE = 8  # entries a "More" shows

Outcome = Literal["answered", "not_found", "invalid"]


@dataclass(frozen=True)
class Answer:
    html: str
    lang: Lang
    outcome: Outcome
    result: SearchResult | None = None  # set when answered
    asked: Asked | None = None  # what was searched, for the buttons


def read_asked(question: str) -> Asked:
    """The question as searched: a period in its words ("sinds 2020") becomes the filter."""
    rest, period = read_period(question)
    if period is None:
        return Asked(question)
    return Asked(rest, SearchFilter(since=period.since, until=period.until))


def answer_question(
    engine: Engine, question: str | Asked, language_code: str | None = None, offset: int = 0
) -> Answer:
    """Search and render (blocking: run it off the event loop)."""
    asked = question if isinstance(question, Asked) else read_asked(question)
    try:
        result = engine.search(
            asked.question, PAGE_SIZE, offset, filters=asked.filters, sort=asked.sort
        )
    except QuestionError as exc:
        return Answer(esc(str(exc)), ui_language(None, language_code), "invalid")
    lang = ui_language(result.language, language_code)
    if not result.answered or not result.results:
        return Answer(not_found_html(lang, engine.documents(), result), lang, "not_found")
    return Answer(answer_html(result, lang, offset), lang, "answered", result, asked)


def timeline_messages(
    engine: Engine, topic: str | Asked, lang: Lang, offset: int = 0
) -> tuple[list[str], bool]:
    """A timeline page as messages, and whether more entries follow it (blocking)."""
    asked = topic if isinstance(topic, Asked) else read_asked(topic)
    try:
        found = engine.timeline(asked.question, k=TIMELINE_DOCUMENTS, filters=asked.filters)
    except QuestionError as exc:
        return [esc(str(exc))], False
    more = offset + TIMELINE_PAGE < len(found.entries)
    return timeline_html(found, lang, offset, TIMELINE_PAGE), more
