"""What a search may return: a period, document types, a ministry, a person.

A `SearchFilter` becomes a mask over the index rows of one generation (`Catalog.select`), and the
searcher applies that mask inside the search (FAISS visits only allowed vectors, BM25 scores only
allowed rows): the top k are the best k that match, not what is left of a top k after dropping.

Dates are the documents' own (answered, sent, published: `Document.date`). A document without a
date, or with one that is no calendar date, is never treated as new or old: it fails every date
filter, and `Selection.undated_excluded` counts the documents left out for that reason alone
(they match the rest of the filter), so every adapter can say so.

Names are matched word by word, without regard to case or accents: `--person "yesilgoz"` finds
"Dilan Yeşilgöz-Zegerius (minister justitie en veiligheid) (VVD)", matching the words before the
first parenthesis (the name, not the office or party); `--ministry "buitenlandse zaken"` finds
"Ministerie van Buitenlandse Zaken".
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal, get_args

import numpy as np

from retrieval.documents import DocType, DocumentInfo
from retrieval.errors import QuestionError

DOC_TYPES: tuple[str, ...] = get_args(DocType)
Sort = Literal["relevance", "date"]
SORTS: tuple[str, ...] = get_args(Sort)
#: Longest ministry or person name a filter takes.
MAX_NAME_CHARS = 200
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


class FilterError(QuestionError):
    """A filter that cannot be applied; the message names the value and what is expected."""


def parse_day(value: str | None, name: str) -> date | None:
    """A YYYY-MM-DD option as a date (blank: none); FilterError for anything else."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if not _ISO_DAY.fullmatch(text):
        raise FilterError(f"{name} must be a date written YYYY-MM-DD, not {text[:40]!r}.")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise FilterError(f"{name}: {text} is not a day of the calendar.") from None


def parse_sort(value: str | None) -> Sort:
    text = (value or "relevance").strip().lower()
    if text not in SORTS:
        raise FilterError(f"sort must be one of {', '.join(SORTS)}, not {text[:40]!r}.")
    return text  # type: ignore[return-value]


def day_of(iso: str | None) -> date | None:
    """A document's date, None when it has none or it is no calendar date."""
    if not iso or not _ISO_DAY.fullmatch(iso):
        return None
    try:
        return date.fromisoformat(iso)
    except ValueError:
        return None


def words(text: str) -> tuple[str, ...]:
    """Lower-case words without accents: 'Yeşilgöz-Zegerius' -> ('yesilgoz', 'zegerius')."""
    plain = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return tuple(re.findall(r"\w+", plain.casefold()))


def _contains(haystack: Sequence[str], needle: Sequence[str]) -> bool:
    """Whether the words of `needle` occur in `haystack` one after the other."""
    n = len(needle)
    return any(tuple(haystack[i : i + n]) == tuple(needle) for i in range(len(haystack) - n + 1))


@dataclass(frozen=True)
class SearchFilter:
    """Which documents a search, a timeline or an alert may quote from; empty: all."""

    since: date | None = None
    until: date | None = None
    types: tuple[str, ...] = ()  # sorted, without repeats
    ministry: str | None = None
    person: str | None = None

    def __post_init__(self) -> None:
        if self.since and self.until and self.since > self.until:
            raise FilterError(
                f"since ({self.since.isoformat()}) is after until ({self.until.isoformat()})."
            )
        unknown = [t for t in self.types if t not in DOC_TYPES]
        if unknown:
            raise FilterError(
                f"Unknown document type {unknown[0][:40]!r}: choose from {', '.join(DOC_TYPES)}."
            )
        for name in ("ministry", "person"):
            value = getattr(self, name)
            if value is not None and (len(value) > MAX_NAME_CHARS or not words(value)):
                raise FilterError(f"{name} must be a name of at most {MAX_NAME_CHARS} characters.")

    @classmethod
    def parse(
        cls,
        since: str | None = None,
        until: str | None = None,
        types: Iterable[str] | None = None,
        ministry: str | None = None,
        person: str | None = None,
    ) -> SearchFilter:
        """From the strings a command line, a query string or a form gives; blanks are unset."""
        kinds = sorted({t.strip().lower() for t in types or () if t.strip()})
        return cls(
            since=parse_day(since, "since"),
            until=parse_day(until, "until"),
            types=tuple(kinds),
            ministry=(ministry or "").strip() or None,
            person=(person or "").strip() or None,
        )

    @property
    def dated(self) -> bool:
        return self.since is not None or self.until is not None

    def __bool__(self) -> bool:
        return self != SearchFilter()

    def in_period(self, day: date | None) -> bool:
        """Whether a document of this date passes the date part (an undated one never does,
        when there is a date part)."""
        if not self.dated:
            return True
        if day is None:
            return False
        return (self.since is None or day >= self.since) and (
            self.until is None or day <= self.until
        )

    def matches_source(self, document: DocumentInfo) -> bool:
        """Type, ministry and person: everything but the date."""
        if self.types and document.doc_type not in self.types:
            return False
        if self.ministry and not _contains(
            words(document.ministry or document.publisher or ""), words(self.ministry)
        ):
            return False
        if self.person:
            wanted = words(self.person)
            names = (name.split("(", 1)[0] for name in (*document.ministers, *document.submitters))
            if not any(_contains(words(name), wanted) for name in names):
                return False
        return True

    def to_json(self) -> dict[str, object]:
        return {
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "types": list(self.types),
            "ministry": self.ministry,
            "person": self.person,
        }


@dataclass(frozen=True)
class Selection:
    """The rows a filter allows (None: all), and the documents left out for having no date."""

    allowed: np.ndarray | None
    undated_excluded: int = 0

    @property
    def empty(self) -> bool:
        return self.allowed is not None and not self.allowed.any()


#: Filters remembered per generation (a bot's users ask with few distinct ones).
CACHED_SELECTIONS = 256


@dataclass
class Catalog:
    """The documents of one generation, by index row: what filters are computed from."""

    documents: Mapping[str, DocumentInfo]  # all of each document but its text
    row_doc: np.ndarray  # document number of each index row
    doc_ids: list[str]
    days: list[date | None]  # by document number
    _cache: dict[SearchFilter, Selection] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def of(cls, documents: Mapping[str, DocumentInfo], row_doc_ids: Sequence[str]) -> Catalog:
        doc_ids = list(documents)
        number = {doc_id: i for i, doc_id in enumerate(doc_ids)}
        rows = np.fromiter((number[d] for d in row_doc_ids), dtype=np.int64, count=len(row_doc_ids))
        return cls(documents, rows, doc_ids, [day_of(documents[d].date) for d in doc_ids])

    def day(self, doc_id: str) -> date | None:
        document = self.documents.get(doc_id)
        return day_of(document.date) if document else None

    def select(self, search_filter: SearchFilter | None) -> Selection:
        """The rows `search_filter` allows; computed once per filter and generation."""
        if not search_filter:
            return Selection(None)
        with self._lock:
            cached = self._cache.get(search_filter)
        if cached is not None:
            return cached
        ok = np.array(
            [search_filter.matches_source(self.documents[d]) for d in self.doc_ids], dtype=bool
        )
        undated = 0
        if search_filter.dated:
            dated = np.array([day is not None for day in self.days], dtype=bool)
            undated = int((ok & ~dated).sum())
            ok &= np.array([search_filter.in_period(day) for day in self.days], dtype=bool)
        selection = Selection(ok[self.row_doc] if len(self.row_doc) else ok[:0], undated)
        with self._lock:
            if len(self._cache) >= CACHED_SELECTIONS:
                self._cache.clear()
            self._cache[search_filter] = selection
        return selection

    def rows_of(self, doc_ids: Iterable[str]) -> Selection:
        """Only the rows of these documents (the ones a writer just added, say)."""
        wanted = set(doc_ids)
        ok = np.array([d in wanted for d in self.doc_ids], dtype=bool)
        return Selection(ok[self.row_doc] if len(self.row_doc) else ok[:0])
