"""The types every step shares: a Document made of Sections, cut into Chunks.

All text a user ever sees quoted comes from `Document.text` (the cleaned document) through a
`Span` into it, so a quote is verbatim by construction.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

from retrieval.links import http_url

DocType = Literal[
    "kamervraag", "kamerbrief", "webpagina", "beslisnota", "kamerstuk", "handelingen", "document"
]
#: qa: a question with its answer; question: a question not (yet) answered; text: any other
#: part; header: metadata lines (submitters, dates).
SectionKind = Literal["qa", "question", "text", "header"]


@dataclass(frozen=True)
class Span:
    """Half-open character range [start, end) into `Document.text`."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if not 0 <= self.start <= self.end:
            raise ValueError(f"bad span {self.start}:{self.end}")

    def of(self, text: str) -> str:
        return text[self.start : self.end]


@dataclass
class Section:
    """One unit of meaning: a question with its answer, a headed web section, a memo part.

    `question` is the question text (qa sections only). `body` is the text that answers or makes
    up the section; for a question answered elsewhere ("Antwoord vragen 2 en 3", "Zie antwoord
    vraag 1", a question with no answer of its own) it is the span of the covering answer, and
    `answered_in` names the section that owns that answer.
    """

    label: str
    kind: SectionKind
    body: Span
    question: Span | None = None
    answer_heading: str | None = None
    answered_in: str | None = None

    @property
    def anchor(self) -> str:
        return slugify(self.label)


@dataclass
class DocumentInfo:
    """All of a document but its text: what listings and filters read. Nothing is quoted from
    it (`Document` holds the text)."""

    doc_id: str
    doc_type: DocType
    title: str
    sections: list[Section]
    date: str | None = None  # ISO date the document speaks for (answered, sent, published)
    submitted: str | None = None
    answered: str | None = None
    submitters: list[str] = field(default_factory=list)
    ministers: list[str] = field(default_factory=list)
    ministry: str | None = None  # of the answering minister or the sender, as the text names it
    urls: dict[str, str] = field(default_factory=dict)  # e.g. {"vraag": ..., "antwoord": ...}
    publisher: str | None = None
    source_file: str | None = None  # where it was read from: a file's absolute path, a URL

    @property
    def links(self) -> dict[str, str]:
        """The stated URLs that may become links: http(s) only (a text can state anything)."""
        return {kind: link for kind, url in self.urls.items() if (link := http_url(url))}

    @property
    def url(self) -> str | None:
        """The official link that best stands for the document's answers."""
        links = self.links
        return links.get("antwoord") or links.get("bron") or links.get("vraag")

    def section(self, label: str) -> Section | None:
        return next((s for s in self.sections if s.label == label), None)


@dataclass
class Document(DocumentInfo):
    text: str = field(kw_only=True)  # the cleaned text every Span points into

    def info(self) -> DocumentInfo:
        """This document without its text (its sections are shared, not copied)."""
        return DocumentInfo(**{f.name: getattr(self, f.name) for f in fields(DocumentInfo)})

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        """A Document from `to_dict`'s JSON; fields added since it was written take defaults."""
        sections = [
            Section(
                **{
                    **s,
                    "body": Span(**s["body"]),
                    "question": Span(**s["question"]) if s.get("question") else None,
                }
            )
            for s in data["sections"]
        ]
        return cls(**{**data, "sections": sections})

    def metadata(self) -> dict[str, object]:
        data = asdict(self)
        data.pop("text")
        data.pop("sections")
        return data

    @property
    def content_hash(self) -> str:
        """Changes whenever the text, its structure or its metadata change; not where it was
        read from, so the same file read from a moved folder is unchanged."""
        meta = self.metadata()
        meta.pop("source_file")
        payload = json.dumps(
            {
                "meta": meta,
                "text": self.text,
                "sections": [asdict(s) for s in self.sections],
            },
            sort_keys=True,
            ensure_ascii=False,
        )
        return hashlib.sha256(payload.encode()).hexdigest()


@dataclass(frozen=True)
class Chunk:
    """What gets indexed: part of one section, with where it lives in its document.

    `span` is where the chunk's text sits in `Document.text` (what may be quoted); `context` is
    what is embedded and searched beside it (title, section label, the question), never quoted.
    """

    chunk_id: str
    doc_id: str
    section: str
    span: Span
    text: str  # == span.of(document.text)
    context: str

    @property
    def search_text(self) -> str:
        return f"{self.context}\n{self.text}"

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.search_text.encode()).hexdigest()


def slugify(label: str) -> str:
    """'Vraag 3' -> 'vraag-3', for URL fragments."""
    return re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-") or "sectie"
