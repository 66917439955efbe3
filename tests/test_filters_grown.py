"""Filters, newest first and timelines at the grown corpus (bundled + ../shared/corpora: 266
documents, 176 of them undated rijksoverheid.nl pages and notes), sharing the session's build."""

from __future__ import annotations

from retrieval.engine import Engine
from retrieval.filters import SearchFilter, day_of

ASYLUM = "Welke maatregelen neemt het kabinet voor asielzoekers?"


def undated(engine: Engine) -> int:
    return sum(day_of(d.date) is None for d in engine.documents())


def test_the_bundled_timeline_holds_as_the_corpus_grows(grown: Engine) -> None:
    found = grown.timeline("export van surveillancetechnologie")
    ids = [e.doc_id for e in found.entries]
    assert ids.index("kv-tk-2017Z04681") < ids.index("kv-tk-2019Z15231")
    assert [e.date for e in found.entries] == sorted(e.date for e in found.entries)


def test_a_timeline_is_dated_one_per_document_verbatim_and_deterministic(grown: Engine) -> None:
    found = grown.timeline("asielzoekers")
    assert found.answered and len(found.entries) >= 3
    dates = [e.date for e in found.entries]
    assert dates == sorted(dates) and all(day_of(d) for d in dates)
    assert len({e.doc_id for e in found.entries}) == len(found.entries)
    for entry in found.entries:
        assert entry.quote in grown.document(entry.doc_id).text
    assert grown.timeline("asielzoekers") == found
    later = grown.timeline("asielzoekers", filters=SearchFilter.parse(since="2024-11-18"))
    assert later.entries and all(e.date >= "2024-11-18" for e in later.entries)
    assert later.undated_excluded == undated(grown)  # every undated document, said so


def test_filters_and_newest_first_at_the_grown_corpus(grown: Engine) -> None:
    period = SearchFilter.parse(since="2024-11-18", until="2024-11-19")
    result = grown.search(ASYLUM, k=5, filters=period)
    assert result.answered and len(result.results) == 5
    assert all("2024-11-18" <= p.date <= "2024-11-19" for p in result.results)
    assert result.undated_excluded == undated(grown)
    questions = grown.search(ASYLUM, k=5, filters=SearchFilter.parse(types=["kamervraag"]))
    assert {p.doc_type for p in questions.results} == {"kamervraag"}
    ministry = grown.search(ASYLUM, k=5, filters=SearchFilter.parse(ministry="asiel en migratie"))
    assert {p.ministry for p in ministry.results} == {"Asiel en Migratie"}
    newest = grown.search(ASYLUM, k=10, sort="date")
    dates = [p.date for p in newest.results if p.date]
    assert dates == sorted(dates, reverse=True)
    assert grown.search(ASYLUM, k=10, sort="date") == newest


def test_the_top_k_are_the_best_k_that_match(grown: Engine) -> None:
    """Filtered inside the search: a ministry absent from the unfiltered top 30 still gives
    five passages, all its own (ranked, whether or not they answer)."""
    finance = SearchFilter.parse(ministry="financien")  # accents do not matter
    unfiltered = grown.search(ASYLUM, k=30, keep_declined=True)
    assert all(p.ministry != "Financiën" for p in unfiltered.results)
    filtered = grown.search(ASYLUM, k=5, keep_declined=True, filters=finance)
    assert len(filtered.results) == 5
    assert {p.ministry for p in filtered.results} == {"Financiën"}
