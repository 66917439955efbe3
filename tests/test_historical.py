"""Historical parliamentary pages (Staten-Generaal Digitaal, OCR'd): Kamervragen with numbered
questions and answers, several sets to a page; Kamerstukken and Handelingen pages."""

from __future__ import annotations

import gzip
import itertools
import json
from collections.abc import Iterator

import pytest

from retrieval.documents import Document
from retrieval.parsing import parse_text
from tests.conftest import SHARED

SGD = SHARED / "corpora/sgd-historisch"

# One question set as the 1990s pages print it, with the OCR damage they carry: numbers fused
# to their text ("1Klopt", "2en4", "5I n"), questions running on in one line, a footnote, a
# running foot and a printer's line.
PAGE_1994 = """Tweede Kamer der Staten-Generaal
2
Vergaderjaar 1994-1995
Aanhangsel van de Handelingen
Vragen gesteld door de leden der Kamer, met de daarop door de regering gegeven antwoorden
83
Vragen van de leden Van Dam (GPV) en De Vries (CDA) over de keuze van kandidaten voor functies bij internationale organisaties. (Ingezonden 23 september 1994)
1Klopt het dat ministeries met werkgevers afspraken hebben gemaakt over kandidaten?1
2 Wat houden die afspraken in? 3 Om welke functies gaat het? 4 Letten de ministeries alleen op economische belangen?
5 Beslissen werkgevers mee over de prioriteiten?
1 Het Financieele Dagblad van 13 september jl.
Antwoord
Antwoord van minister Van Mierlo (Buitenlandse Zaken), mede namens de minister van Economische Zaken. (Ontvangen 18 oktober 1994) 1 Tijdens een bijeenkomst zijn werkgevers ingelicht over de aanpak van de ministeries. 2en4 Werkgevers zijn aanspreekpunt voor bedrijven. Het gaat om functies die voor Nederland van belang zijn.
465910F ISSN 0921 • 7398 Sdu Uitgeverij Plantijnstraat 's-Gravenhage 1994
5I n de opzet is geen sprake van een recht om mee te beslissen.
Tweede Kamer, vergaderjaar 1994-1995, Aanhangsel
165
"""  # noqa: E501

# Three sets on one 1950 page: numbered ("1."), one question without a number, a delay notice.
PAGE_1950 = """Vel 95
191
AANHANGSEL TOT HET VERSLAG VAN DE HANDELINGEN DER TWEEDE KAMER Vragen, door de leden der Kamer gedaan, en de daarop door de Regering gegeven antwoorden
116. VRAGEN van de heer Welter in verband met de be\xadrechting van militairen op het eiland Onrust. (Ingezonden 14 Juni 1950.)
1. Is het juist, dat op het eiland Onrust ongeveer 125 militairen gevangen zitten?
2. Is de Re\xadgering bereid hun berechting te bevorderen? ANTWOORD van de heer Van Maarseveen, Minister voor Unie\xadzaken en Overzeese Rijksdelen. (Ingezonden 13 Juli 1950.)
1. Op het eiland Onrust zijn thans 123 militairen ondergebracht.
2. Over de berechting wordt overleg gepleegd.
117. VRAAG van de heren De Kort en Nederhorst betreffende de kinderbijslag in de schoenindustrie. (Ingezonden 16 Juni 1950.)
Is de Minister bereid de aanvullende kinderbijslag te handhaven?
ANTWOORD van de heer Joekes, Minister van Sociale Zaken. (Ingezonden 14 Juli 1950.)
De aanvullende kinderbijslag blijft gehandhaafd.
118. VRAGEN van de heer Stokvis betreffende de luchtverbinding met Haamstede. (Ingezonden 20 Juni 1950.)
1. Is het juist, dat de luchtverbinding met Haamstede vervalt?
2. Is de Minister bereid haar te herstellen?
MEDEDELING van de heer Spitzen, Minister van Verkeer en Waterstaat. (Ingezonden 20 Juli 1950.)
De vragen kunnen niet binnen de gestelde termijn worden beantwoord.
Handelingen der Staten-Generaal — Zitting 1949—1950 Aanhangsel.
"""  # noqa: E501


def bodies(doc: Document) -> dict[str, str]:
    return {s.label: s.body.of(doc.text) for s in doc.sections}


def test_a_question_set_with_ocr_damage() -> None:
    doc = parse_text(PAGE_1994, source_file="sgd-1.txt")
    labels = [s.label for s in doc.sections]
    assert labels == ["Gegevens", *(f"Vraag {n}" for n in range(1, 6)), "Beantwoording"]
    body = bodies(doc)
    assert (
        body["Vraag 1"]
        == "Tijdens een bijeenkomst zijn werkgevers ingelicht over de aanpak van de ministeries."
    )
    two, four = doc.section("Vraag 2"), doc.section("Vraag 4")
    assert two.body == four.body and two.answered_in == "Vraag 4"
    assert body["Vraag 2"].startswith("Werkgevers zijn aanspreekpunt")
    assert four.answer_heading == "Antwoord 2 en 4"
    assert doc.section("Vraag 3").kind == "question"  # OCR took its answer's number: unanswered
    assert body["Vraag 5"] == "I n de opzet is geen sprake van een recht om mee te beslissen."
    assert doc.section("Vraag 1").question.of(doc.text).startswith("Klopt het dat ministeries")
    assert doc.section("Vraag 3").body.of(doc.text) == "Om welke functies gaat het?"
    assert "ISSN" not in doc.text and "Aanhangsel\n165" not in doc.text  # furniture lines
    assert (doc.doc_id, doc.doc_type) == ("sgd-1", "kamervraag")
    assert doc.title == "De keuze van kandidaten voor functies bij internationale organisaties"
    assert doc.submitters == ["Van Dam (GPV)", "De Vries (CDA)"]
    assert doc.ministers == ["minister Van Mierlo (Buitenlandse Zaken)"]
    assert doc.ministry == "Buitenlandse Zaken"
    assert (doc.submitted, doc.answered, doc.date) == ("1994-09-23", "1994-10-18", "1994-10-18")


@pytest.mark.parametrize(
    "heading",
    [
        "ANTWOORD van de heer Polak, Minister van Justitie. (In-zonden 29 mei 1969.)",
        'ANTWOORD vun de heer Polak, Minister van Justitie. (Inge-zonden "29 mei 1969.)',
    ],
)
def test_an_answer_heading_that_ocr_damaged_still_opens_the_answers(heading: str) -> None:
    page = (
        "80. VRAGEN van de heer De Groote over de postcommandant te Herten. "
        "(Ingezonden 1 mei 1969.)\n"
        "1. Is het bericht juist?\n2. Welke was de reden voor zijn overplaatsing?\n"
        f"{heading}\n"
        "1. Het is juist.\n2. De verhouding met zijn districtscommandant was verstoord.\n"
    )
    doc = parse_text(page, source_file="sgd-2.txt")
    assert bodies(doc)["Vraag 2"] == "De verhouding met zijn districtscommandant was verstoord."
    assert doc.answered == "1969-05-29"


def test_several_sets_on_one_page() -> None:
    doc = parse_text(PAGE_1950, source_file="sgd-2.txt")
    body = bodies(doc)
    assert list(body) == [
        "Gegevens",
        "Vragen 116",
        "Vragen 116, vraag 1",
        "Vragen 116, vraag 2",
        "Vragen 116, beantwoording",
        "Vragen 117",
        "Vragen 117, vraag 1",
        "Vragen 117, beantwoording",
        "Vragen 118",
        "Vragen 118, vraag 1",
        "Vragen 118, vraag 2",
        "Vragen 118, mededeling",
    ]
    assert body["Vragen 116, vraag 2"] == "Over de berechting wordt overleg gepleegd."
    assert body["Vragen 117, vraag 1"] == "De aanvullende kinderbijslag blijft gehandhaafd."
    question = doc.section("Vragen 117, vraag 1").question
    assert (
        question.of(doc.text) == "Is de Minister bereid de aanvullende kinderbijslag te handhaven?"
    )
    # a delay notice answers nothing
    assert doc.section("Vragen 118, vraag 2").kind == "question"
    assert body["Vragen 118, mededeling"].endswith(
        "niet binnen de gestelde termijn worden beantwoord."
    )
    assert doc.submitters == ["Welter", "De Kort", "Nederhorst", "Stokvis"]
    assert doc.ministers == [
        "de heer Van Maarseveen, Minister voor Uniezaken en Overzeese Rijksdelen",
        "de heer Joekes, Minister van Sociale Zaken",
    ]
    assert doc.ministry == "Uniezaken en Overzeese Rijksdelen"
    assert (doc.submitted, doc.answered) == ("1950-06-14", "1950-07-13")
    assert "\xad" in doc.text  # the text keeps what OCR read; only the metadata is tidied


def test_answers_whose_questions_are_on_the_previous_page() -> None:
    page = (
        "Aanhangsel tot het Verslag van de Handelingen der Tweede Kamer\n"
        "3. Indien dit zo is, wil de Minister dan ingrijpen?\n"
        "ANTWOORD van de heer Luns, Minister van Buitenlandse Zaken. "
        "(Ingezonden 1 september 1969.)\n"
        "1. Ja.\n2. Neen.\n3. De Minister grijpt in.\n"
    )
    doc = parse_text(page, source_file="vervolg.txt")
    assert doc.doc_type == "kamervraag" and doc.ministry == "Buitenlandse Zaken"
    assert [s.label for s in doc.sections] == [
        "Gegevens",
        "Beantwoording",
        "Antwoord 1",
        "Antwoord 2",
        "Antwoord 3",
    ]
    assert bodies(doc)["Antwoord 3"] == "3. De Minister grijpt in."


PAPER = (
    "Tweede Kamer der Staten-Generaal\n2\nZitting 1980-1981\n16 808\n"
    "Wijziging van de Kernenergiewet\nNr. 1\nKONINKLIJKE BOODSCHAP\n"
    "Aan de Tweede Kamer der Staten-Generaal\n"
    "Wij bieden U hiernevens ter overweging aan een ontwerp van Wet tot wijziging van de "
    "Kernenergiewet.\nLage Vuursche, 18 mei 1981\nBeatrix\n"
)
MINUTES = (
    "Ingekomen stukken\n3DE VERGADERING\n"
    "VERGADERING VAN DINSDAG 27 OKTOBER 1959 (Bijeenroepingsuur 1.30 namiddag)\n"
    "Ingekomen stukken, onder welke een schrijven van het lid der Kamer de heer M. Ruppert.\n"
    "De Voorzitter: Ik deel de Kamer mede dat de heer Ruppert ontslag neemt.\n"
)


@pytest.mark.parametrize(
    ("page", "kind", "title", "date"),
    [
        (PAPER, "kamerstuk", "Wijziging van de Kernenergiewet", "1981-05-18"),
        (MINUTES, "handelingen", "Vergadering van dinsdag 27 oktober 1959", "1959-10-27"),
    ],
)
def test_kamerstuk_and_handelingen_pages(page: str, kind: str, title: str, date: str) -> None:
    doc = parse_text(page, source_file="pagina.txt")
    assert (doc.doc_type, doc.title, doc.date) == (kind, title, date)
    last_line = page.strip().rsplit("\n", 1)[-1]
    assert last_line in " ".join(bodies(doc).values())


# --- the real pages -------------------------------------------------------------------------
def records(name: str, every: int) -> Iterator[dict[str, object]]:
    with gzip.open(SGD / f"{name}.jsonl.gz", "rt", encoding="utf-8") as handle:
        for line in itertools.islice(handle, 0, None, every):
            yield json.loads(line)


@pytest.mark.skipif(not SGD.is_dir(), reason="shared/corpora/sgd-historisch is absent")
def test_a_sample_of_the_historical_kamervragen() -> None:
    """Every 4th of the 1,179 pages: their question sets become question/answer sections.

    Measured on all pages (bench/bench_sgd_parsing.py): 978 of 1,179 yield Q/A sections and
    971 of the 1,013 with an answer get it attached; the sample's floors sit just below.
    """
    pages = answered = with_qa = attached = 0
    for record in records("kamervragen", every=4):
        doc = parse_text(str(record["text"]), source_file=f"{record['id']}.txt")
        labels = [s.label for s in doc.sections]
        assert len(labels) == len(set(labels)), record["id"]
        for section in doc.sections:
            assert 0 <= section.body.start < section.body.end <= len(doc.text)
            if section.answered_in:
                assert doc.section(section.answered_in), (record["id"], section.answered_in)
        assert all(d is None or "1800" < d < "2000" for d in (doc.submitted, doc.answered))
        has_qa = any(s.kind == "qa" for s in doc.sections)
        pages += 1
        with_qa += has_qa
        if record["has_answer"]:
            answered += 1
            attached += has_qa
    print(f"\nsgd kamervragen sample: {with_qa}/{pages} with Q/A, {attached}/{answered} answered")
    assert pages == 295 and answered > 240
    assert with_qa / pages > 0.80 and attached / answered > 0.93


@pytest.mark.skipif(not SGD.is_dir(), reason="shared/corpora/sgd-historisch is absent")
def test_a_sample_of_kamerstukken_and_handelingen_pages_as_plain_text() -> None:
    kinds = {"kamerstuk": 0, "handelingen": 0}
    pages = 0
    for name in ("kamerstukken", "handelingen"):
        for record in records(name, every=40):
            doc = parse_text(str(record["text"]), source_file=f"{record['id']}.txt")
            pages += 1
            if doc.doc_type in kinds:
                kinds[doc.doc_type] += 1
                assert doc.title and doc.sections
    print(f"\nsgd pages recognised from their text alone: {kinds} of {pages}")
    assert sum(kinds.values()) / pages > 0.75 and min(kinds.values()) > 5
