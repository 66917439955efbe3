"""Filters, newest-first order, timelines and answers among new documents, on the bundled
corpus (the session's real engine)."""

from __future__ import annotations

from datetime import date

import pytest

from retrieval.engine import Engine
from retrieval.filters import FilterError, SearchFilter, parse_day, parse_sort

TOPIC = "export van surveillancetechnologie"
UNDATED = "amnesty-uitvoer-surveillancetechnologie"  # the bundled web page has no date


# --- parsing --------------------------------------------------------------------------------
def test_a_filter_is_parsed_from_options_and_blanks_are_unset() -> None:
    parsed = SearchFilter.parse(
        " 2019-01-01", "", ["Kamerbrief", "beslisnota", "kamerbrief"], " ", "Kaag"
    )
    assert parsed == SearchFilter(
        since=date(2019, 1, 1), types=("beslisnota", "kamerbrief"), person="Kaag"
    )
    assert parsed.to_json() == {
        "since": "2019-01-01",
        "until": None,
        "types": ["beslisnota", "kamerbrief"],
        "ministry": None,
        "person": "Kaag",
    }
    assert not SearchFilter.parse("", None, [], None, "")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"since": "2019-1-1"}, "since must be a date written YYYY-MM-DD, not '2019-1-1'."),
        ({"until": "2019-02-30"}, "until: 2019-02-30 is not a day of the calendar."),
        ({"since": "<script>"}, "since must be a date written YYYY-MM-DD, not '<script>'."),
        ({"since": "2020-01-01", "until": "2019-12-31"}, "since (2020-01-01) is after until"),
        ({"types": ["brief"]}, "Unknown document type 'brief': choose from kamervraag, "),
        ({"person": "x" * 201}, "person must be a name of at most 200 characters."),
        ({"ministry": "—"}, "ministry must be a name of at most 200 characters."),
    ],
)
def test_malformed_filters_say_what_is_wrong(options: dict, message: str) -> None:
    with pytest.raises(FilterError) as caught:
        SearchFilter.parse(**options)
    assert str(caught.value).startswith(message)


def test_sort_and_day_parsing() -> None:
    assert parse_sort(None) == "relevance" and parse_sort(" Date ") == "date"
    with pytest.raises(FilterError, match="sort must be one of relevance, date"):
        parse_sort("oldest")
    assert parse_day("2024-02-29", "since") == date(2024, 2, 29)


# --- searching ------------------------------------------------------------------------------
def test_a_period_filters_inside_the_search_and_counts_the_undated(engine: Engine) -> None:
    everything = engine.search(TOPIC, k=10)
    assert UNDATED in {p.doc_id for p in everything.results}
    since = engine.search(TOPIC, k=5, filters=SearchFilter.parse(since="2019-01-01"))
    assert since.answered and len(since.results) == 5  # the best five that match, not fewer
    assert all(p.date and p.date >= "2019-01-01" for p in since.results)
    assert since.undated_excluded == 1
    json = since.to_json()
    assert json["undated_excluded"] == 1 and json["filters"]["since"] == "2019-01-01"
    assert all({"date", "doc_type", "ministry", "ministers"} <= r.keys() for r in json["results"])
    until = engine.search(TOPIC, k=3, filters=SearchFilter.parse(until="2017-12-31"))
    assert {p.doc_id for p in until.results} == {"kv-tk-2017Z04681"}
    nothing = engine.search(TOPIC, filters=SearchFilter.parse(since="2030-01-01"))
    assert not nothing.answered and nothing.results == [] and nothing.undated_excluded == 1


def test_type_ministry_and_person_filters(engine: Engine) -> None:
    letters = engine.search(TOPIC, k=4, filters=SearchFilter.parse(types=["kamerbrief"]))
    assert {p.doc_type for p in letters.results} == {"kamerbrief"} and len(letters.results) == 4
    assert letters.undated_excluded == 0  # no date part: nothing left out for its date
    koenders = engine.search(TOPIC, k=3, filters=SearchFilter.parse(person="koenders"))
    assert {p.doc_id for p in koenders.results} == {"kv-tk-2017Z04681"}
    asked_by = engine.search(TOPIC, k=3, filters=SearchFilter.parse(person="Van Ojik"))
    assert {p.doc_id for p in asked_by.results} == {"kv-tk-2019Z15231"}
    accents = engine.search(
        "Rusland uitsluiten van INTERPOL", k=2, filters=SearchFilter.parse(person="yesilgoz")
    )
    assert {p.doc_id for p in accents.results} == {"kv-tk-2022Z04503"}
    ministry = engine.search(TOPIC, k=10, filters=SearchFilter.parse(ministry="BUITENLANDSE zaken"))
    assert ministry.results and UNDATED not in {p.doc_id for p in ministry.results}
    assert not engine.search(TOPIC, filters=SearchFilter.parse(person="Rutte")).answered


def test_newest_first_orders_the_passages_that_answer(engine: Engine) -> None:
    newest = engine.search(TOPIC, k=10, sort="date")
    dates = [p.date for p in newest.results]
    dated = [d for d in dates if d]
    assert dated == sorted(dated, reverse=True) and dated[0] == "2024-04-08"
    assert dates[: len(dated)] == dated  # the undated ones come last
    assert newest.to_json()["sort"] == "date"
    first_page = [p.chunk_id for p in newest.results]
    second = engine.search(TOPIC, k=3, offset=3, sort="date")
    assert [p.chunk_id for p in second.results] == first_page[3:6]


# --- timelines and alerts -------------------------------------------------------------------
def test_the_timeline_puts_uzbekistan_2017_before_china_2019(engine: Engine) -> None:
    found = engine.timeline(TOPIC)
    entries = found.to_json()["entries"]
    ids = [e["doc_id"] for e in entries]
    assert ids.index("kv-tk-2017Z04681") < ids.index("kv-tk-2019Z15231")
    assert len(ids) == len(set(ids))  # one entry per document
    assert [e["date"] for e in entries] == sorted(e["date"] for e in entries)
    assert found.undated_excluded == 1 and UNDATED not in ids
    uzbekistan = entries[ids.index("kv-tk-2017Z04681")]
    assert "Oezbekistan" in uzbekistan["quote"]
    assert uzbekistan["url"] == "https://zoek.officielebekendmakingen.nl/ah-tk-20172018-142.html"
    assert set(uzbekistan) == {
        "date", "doc_id", "title", "section", "doc_type", "ministers", "ministry", "quote", "url"
    }  # fmt: skip
    for entry in found.entries:  # every quote verbatim from its document
        document = engine.document(entry.doc_id)
        assert entry.quote in document.text
    assert engine.timeline(TOPIC) == found  # deterministic
    # -k keeps the documents that answer best (the Uzbekistan answer), still in date order
    assert [e.doc_id for e in engine.timeline(TOPIC, k=1).entries] == ["kv-tk-2017Z04681"]


def test_a_timeline_takes_filters_and_declines_what_the_corpus_does_not_answer(
    engine: Engine,
) -> None:
    later = engine.timeline(TOPIC, filters=SearchFilter.parse(since="2018-01-01"))
    assert "kv-tk-2017Z04681" not in {e.doc_id for e in later.entries}
    assert later.entries and later.undated_excluded == 1
    off = engine.timeline("Wat is een goed recept voor appeltaart met kaneel?")
    assert not off.answered and off.entries == []


def test_answers_in_new_documents_only(engine: Engine) -> None:
    found = engine.answers_in(TOPIC, ["kv-tk-2019Z15231", "kv-tk-2022Z04503"])
    assert [p.doc_id for p in found] == ["kv-tk-2019Z15231"]  # INTERPOL does not answer it
    assert engine.answers_in(TOPIC, ["kv-tk-2022Z04503"]) == []
    assert engine.answers_in(TOPIC, ["no-such-document"]) == []
