"""What a search returns to every adapter (CLI, bot, HTTP): passages with their sources."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from retrieval.documents import Span
from retrieval.links import http_url

if TYPE_CHECKING:
    from retrieval.filters import SearchFilter


@dataclass(frozen=True)
class Passage:
    rank: int
    score: float
    chunk_id: str
    doc_id: str
    doc_type: str
    title: str
    section: str  # "Vraag 3", "Gegevens", a web page heading
    anchor: str  # the section's URL fragment, "vraag-3"
    answer_heading: str | None  # "Antwoord vragen 8, 9 en 10" where the answer is grouped
    question: str | None  # the parliamentary question of this section, verbatim
    text: str  # the passage, verbatim from the document
    quote: str  # the sentences that answer the question, verbatim (a substring of `text`)
    highlights: tuple[tuple[int, int], ...]  # where the answering sentences sit inside `text`
    span: Span  # where `text` sits inside the document
    url: str | None  # the official source URL the document states, if any
    permalink: str | None  # the HTTP service's page for this passage, if its URL is configured
    date: str | None
    ministers: tuple[str, ...] = ()
    unanswered: bool = False  # a question still waiting for its answer: `text` is the question
    ministry: str | None = None

    @property
    def official_url(self) -> str | None:
        """`url` if it may become a link (http or https), else None."""
        return http_url(self.url)

    @property
    def link(self) -> str | None:
        """The link to show: the official source where there is one, else the permalink."""
        return self.official_url or self.permalink

    def to_json(self) -> dict[str, object]:
        return {
            "rank": self.rank,
            "score": round(self.score, 4),
            "doc_id": self.doc_id,
            "title": self.title,
            "section": self.section,
            "url": self.link,
            "text": self.text,
            "quote": self.quote,
            "official_url": self.official_url,
            "permalink": self.permalink,
            "date": self.date,
            "doc_type": self.doc_type,
            "question": self.question,
            "answer_heading": self.answer_heading,
            "ministers": list(self.ministers),
            "unanswered": self.unanswered,
            "ministry": self.ministry,
            "chunk_id": self.chunk_id,
            "start": self.span.start,
            "end": self.span.end,
            "highlights": [list(h) for h in self.highlights],
        }


@dataclass(frozen=True)
class SearchResult:
    question: str
    answered: bool  # False: nothing in the corpus answers it; `results` are then empty
    language: str  # "nl" or "en", as detected
    results: list[Passage] = field(default_factory=list)
    filters: SearchFilter | None = None  # what the search was limited to
    sort: str = "relevance"  # or "date": newest first among the passages that answer
    undated_excluded: int = 0  # documents a date filter left out for having no date

    def to_json(self) -> dict[str, object]:
        return {
            "question": self.question,
            "answered": self.answered,
            "language": self.language,
            "filters": self.filters.to_json() if self.filters is not None else None,
            "sort": self.sort,
            "undated_excluded": self.undated_excluded,
            "results": [p.to_json() for p in self.results],
        }


def permalink(base_url: str | None, doc_id: str, span: Span) -> str | None:
    """`{base}/d/{doc_id}?p=START-END#p-START-END`: the page highlights and scrolls to the span."""
    if not base_url:
        return None
    ref = f"{span.start}-{span.end}"
    return f"{base_url.rstrip('/')}/d/{doc_id}?p={ref}#p-{ref}"
