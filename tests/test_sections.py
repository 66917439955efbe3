"""Documents without numbered questions: headed sections, Q&A pages, and how they are chunked."""

from __future__ import annotations

from retrieval.chunking import chunk_document
from retrieval.parsing import parse_file, parse_text
from retrieval.settings import BUNDLED_CORPUS

PAGE = """\
Hoelang is een uittreksel uit de Basisregistratie Personen (BRP) geldig?

Een uittreksel uit de BRP heeft geen vaste geldigheidsduur.
De organisatie die erom vraagt, bepaalt hoe oud het mag zijn.

Uittreksel aanvragen

U vraagt een uittreksel aan bij de gemeente waar u staat ingeschreven.

Kosten

Een uittreksel kost geld. De gemeente bepaalt het bedrag.
"""


def test_a_page_that_opens_with_a_question_is_that_question_with_its_answer() -> None:
    document = parse_text(PAGE, source_file="brp.txt")
    first, *rest = document.sections
    assert document.title.startswith("Hoelang is een uittreksel")
    assert first.kind == "qa" and first.label == "Antwoord"
    assert first.question is not None and first.question.of(document.text) == document.title
    assert first.body.of(document.text).startswith("Een uittreksel uit de BRP heeft geen vaste")
    assert [(s.kind, s.label) for s in rest] == [
        ("text", "Uittreksel aanvragen"),
        ("text", "Kosten"),
    ]


def test_short_sections_share_one_chunk_with_their_headings() -> None:
    document = parse_text(PAGE, source_file="brp.txt")
    (chunk,) = chunk_document(document, 1200, 200)
    assert chunk.section == "Antwoord"
    assert "Uittreksel aanvragen" in chunk.text and chunk.text.endswith("bepaalt het bedrag.")
    assert chunk.context.splitlines() == [
        document.title,
        "Antwoord",
        "Uittreksel aanvragen",
        "Kosten",
    ]
    small = chunk_document(document, 200, 0)  # what does not fit with the answer starts anew
    assert [c.section for c in small] == ["Antwoord", "Uittreksel aanvragen"]
    assert small[1].text.startswith("U vraagt") and "Kosten" in small[1].text


KAMERVRAAG = """\
Vragen van het lid Jansen (D66) aan de minister van Financiën over de btw
(ingezonden 1 oktober 2024).

Vraag 1
Hoe hoog is de btw op groente?

Antwoord 1
Het lage tarief van negen procent.

Vraag 2
Gaat dat veranderen?

Antwoord 2
Nee.
"""


def test_a_kamervraag_keeps_each_question_with_its_answer() -> None:
    document = parse_text(KAMERVRAAG, source_file="vraag.txt")
    chunks = chunk_document(document, 1200, 200)
    assert [c.section for c in chunks if c.section.startswith("Vraag")] == ["Vraag 1", "Vraag 2"]


def test_a_delay_notice_after_the_last_answer_is_not_part_of_it() -> None:
    document = parse_file(BUNDLED_CORPUS / "kv-tk-2017Z04681.txt")
    last = [c for c in chunk_document(document, 1200, 200) if c.section == "Vraag 8"]
    assert last and all("uitstel" not in c.text for c in last)
    assert "wordt verleend." in last[-1].text


def test_questions_without_answers_are_their_own_kind() -> None:
    asked = KAMERVRAAG.split("\nAntwoord 1")[0] + "\n\nVraag 2\nGaat dat veranderen?\n"
    document = parse_text(asked, source_file="vraag.txt")
    assert {s.kind for s in document.sections if s.label.startswith("Vraag")} == {"question"}
