"""Answers in time: which passages answer on their own, newest first, and a topic's timeline.

Search decides whether the corpus answers a question with the declining rule (`decline`) over
the evidence of the best candidates. Here the same rule is applied to the evidence of one
passage at a time — its dense score, its share of the question's key words, and the share of
key words the corpus has at all — so a passage "answers" when search, allowed that passage alone,
would have answered with it. That is what `sort=date` orders (newest first), what a timeline
shows (each document's best answering passage, oldest first) and what an alert pushes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from retrieval.decline import Signals
from retrieval.filters import SearchFilter
from retrieval.results import Passage
from retrieval.search import Hit, HybridSearcher, Ranking


def answering_hits(searcher: HybridSearcher, ranking: Ranking) -> list[Hit]:
    """The hits whose own evidence the declining rule accepts, best first."""
    if not ranking.hits:
        return []
    rows = np.array([hit.row for hit in ranking.hits], dtype=np.int64)
    key_covered = searcher.bundle.lexical.coverage(ranking.terms.key(), rows)
    decline = searcher.decline
    return [
        hit
        for hit, covered in zip(ranking.hits, key_covered, strict=True)
        if decline.answers(
            decline.probability(Signals(hit.dense, float(covered), ranking.signals.present)),
            ranking.p_english,
        )
    ]


def one_per_document(hits: Sequence[Hit], doc_ids: Sequence[str]) -> list[Hit]:
    """The first (best) hit of each document, in the order given; `doc_ids`: each index row's."""
    seen: set[str] = set()
    best = []
    for hit in hits:
        doc_id = doc_ids[hit.row]
        if doc_id not in seen:
            seen.add(doc_id)
            best.append(hit)
    return best


def newest_first(hits: Sequence[Hit], days: Sequence[date | None]) -> list[Hit]:
    """Dated hits newest first, then the undated ones; equal dates keep their order (best
    first). `days` holds each hit's date."""
    order = sorted(
        range(len(hits)),
        key=lambda i: (days[i] is None, -(days[i].toordinal() if days[i] else 0), i),
    )
    return [hits[i] for i in order]


@dataclass(frozen=True)
class Timeline:
    """A topic's answers through time: one entry per answering document, oldest first."""

    topic: str
    answered: bool  # False: nothing in the (filtered) documents answers the topic
    entries: list[Passage]
    #: answering documents left out for having no date (with a date filter: the documents
    #: the filter left out for that reason)
    undated_excluded: int = 0
    filters: SearchFilter = field(default_factory=SearchFilter)

    def to_json(self) -> dict[str, object]:
        return {
            "topic": self.topic,
            "answered": self.answered,
            "entries": [entry_json(p) for p in self.entries],
            "undated_excluded": self.undated_excluded,
            "filters": self.filters.to_json(),
        }


def entry_json(passage: Passage) -> dict[str, object]:
    return {
        "date": passage.date,
        "doc_id": passage.doc_id,
        "title": passage.title,
        "section": passage.section,
        "doc_type": passage.doc_type,
        "ministers": list(passage.ministers),
        "ministry": passage.ministry,
        "quote": passage.quote,
        "url": passage.link,
    }
