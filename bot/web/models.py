"""The API's response models: the `vraagbaak search --json` shape, documents, errors."""

from __future__ import annotations

from typing import Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from retrieval.filters import MAX_NAME_CHARS


class PassageOut(BaseModel):
    """One quoted passage, as `Passage.to_json()` gives it."""

    rank: int
    score: float
    doc_id: str
    title: str
    section: str = Field(description="'Vraag 3', 'Gegevens', a web page heading")
    url: str | None = Field(description="The official source if there is one, else permalink")
    text: str = Field(description="The passage, verbatim from the document")
    quote: str = Field(description="The sentences that answer, verbatim (part of `text`)")
    official_url: str | None
    permalink: str | None = Field(description="This service's page highlighting the passage")
    date: str | None
    doc_type: str
    question: str | None = Field(description="The parliamentary question of this section")
    answer_heading: str | None
    ministers: list[str]
    ministry: str | None = Field(description="Of the answering minister or the sender")
    unanswered: bool = Field(
        description="A question still waiting for its answer: the passage is the question"
    )
    chunk_id: str
    start: int = Field(description="Where `text` starts in the document text")
    end: int
    highlights: list[tuple[int, int]] = Field(description="Where `quote` sits in `text`")


class FiltersOut(BaseModel):
    since: str | None
    until: str | None
    types: list[str]
    ministry: str | None
    person: str | None


class SearchOut(BaseModel):
    question: str
    answered: bool = Field(description="False: nothing in the documents answers the question")
    language: str
    filters: FiltersOut = Field(description="What the search was limited to")
    sort: Literal["relevance", "date"]
    undated_excluded: int = Field(
        description="Documents a date filter left out because they have no date"
    )
    results: list[PassageOut]


class TimelineEntryOut(BaseModel):
    date: str
    doc_id: str
    title: str
    section: str
    doc_type: str
    ministers: list[str]
    ministry: str | None
    quote: str = Field(description="The document's best answering sentences, verbatim")
    url: str | None


class TimelineOut(BaseModel):
    topic: str
    answered: bool = Field(description="False: nothing in the documents answers the topic")
    entries: list[TimelineEntryOut] = Field(description="One per answering document, oldest first")
    undated_excluded: int = Field(
        description="Answering documents left out for having no date (with a date filter: the "
        "documents it left out for that reason)"
    )
    filters: FiltersOut


class AskIn(BaseModel):
    question: str = Field(min_length=1, examples=["Wat is spyware?"])
    k: int | None = Field(default=None, ge=1, le=50, description="How many passages")
    offset: int = Field(default=0, ge=0, le=100, description="Skip this many passages")
    since: str | None = Field(default=None, description="YYYY-MM-DD")
    until: str | None = Field(default=None, description="YYYY-MM-DD")
    type: list[str] = Field(default_factory=list, description="Document types")
    ministry: str | None = Field(default=None, max_length=MAX_NAME_CHARS)
    person: str | None = Field(default=None, max_length=MAX_NAME_CHARS)
    sort: Literal["relevance", "date"] = "relevance"


class SpanOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    start: int
    end: int


class SectionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    label: str
    kind: str
    anchor: str = Field(description="URL fragment of the section on the document page")
    body: SpanOut
    question: SpanOut | None
    answer_heading: str | None
    answered_in: str | None


class DocumentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    doc_id: str
    doc_type: str
    title: str
    date: str | None
    submitted: str | None
    answered: str | None
    submitters: list[str]
    ministers: list[str]
    ministry: str | None
    publisher: str | None
    urls: dict[str, str] = Field(
        validation_alias=AliasChoices("links", "urls"),  # a Document's links: http(s) only
        description="The document's official sources by kind ('vraag', 'antwoord', 'bron')",
    )
    url: str | None = Field(description="The official link that best stands for the document")
    sections: list[SectionOut]


class DocumentTextOut(DocumentOut):
    text: str = Field(description="The cleaned document text all offsets point into")


class ErrorOut(BaseModel):
    detail: str
    errors: list[dict[str, object]] | None = None
