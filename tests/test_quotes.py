"""Choosing the quote: the sentences of a passage that answer the question."""

from __future__ import annotations

from retrieval import quotes
from retrieval.quotes import answering_span
from retrieval.sentences import sentence_spans
from retrieval.terms import question_terms


def quote(question: str, text: str, *, opens: bool = True, title: str = "Titel") -> str:
    span = answering_span(
        question,
        question_terms(question),
        text,
        sentence_spans(text),
        None,
        opens_section=opens,
        title=title,
    )
    assert span is not None
    return text[span[0] : span[1]]


def test_a_hard_wrapped_sentence_is_one_sentence() -> None:
    text = "Er zijn drie aanbieders die zorg leveren, bekostigd\nuit de regeling. Dat is alles."
    first, _ = sentence_spans(text)
    assert text[first[0] : first[1]].endswith("bekostigd\nuit de regeling.")


def test_the_answer_opens_the_section() -> None:
    text = (
        "Nee, dat is niet toegestaan. Het kabinet heeft dat in 2019 besloten. "
        "Daarnaast speelt nog een ander punt rond de uitvoering door de gemeenten. "
        "Ook de provincies hebben daarover vragen gesteld aan de minister."
    )
    assert quote("Mag dat?", text).startswith("Nee, dat is niet toegestaan.")


def test_how_many_is_answered_by_the_sentence_with_the_number() -> None:
    text = (
        "De regeling wordt uitgevoerd door zorgaanbieders in het hele land en is goed ontvangen. "
        "Daarvoor zijn er in Nederland drie zorgaanbieders met een subsidie."
    )
    got = quote("Hoeveel zorgaanbieders krijgen subsidie?", text, opens=False)
    assert "drie zorgaanbieders" in got


def test_the_title_repeated_is_never_the_quote() -> None:
    title = "Massasurveillance in Oezbekistan"
    text = f"{title}\nIndieners Kees Verhoeven (D66), Sjoerd Sjoerdsma (D66)"
    got = quote("Wie stelden de vragen over massasurveillance in Oezbekistan?", text, title=title)
    assert got.startswith("Indieners")


def test_quotes_are_long_enough_to_cite_and_never_too_long() -> None:
    text = "Ja. " + " ".join(f"Zin {n} legt het besluit verder uit met details." for n in range(40))
    got = quote("Is dat zo?", text)
    assert got.startswith("Ja.") and quotes.MIN_CHARS <= len(got) <= quotes.MAX_CHARS
