"""Parsing the five bundled documents, bad input, and real Tweede Kamer extraction text."""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

import pytest

from retrieval.documents import Document
from retrieval.parsing import ParseError, parse_file, parse_text

CORPUS = Path(__file__).parents[1] / "corpus"
LIMBURG = Path(__file__).parents[1].parent / "shared/corpora/kamervragen-limburg/questions.csv"

PHRASES = {
    "kv-tk-2017Z04681.txt": [
        "buiten de EU is een vergunning vereist",
        "185 dagen",
        "Kees Verhoeven",
    ],
    "kv-tk-2022Z04503.txt": ["Wopke Hoekstra"],
    "kv-tk-2019Z15231-antwoordbrief.txt": [
        "Nederland steunt de uitbreiding van exportcontrole",
        "zelfstandige weloverwogen afweging",
    ],
    "amnesty-uitvoer-surveillancetechnologie.txt": ["verplichte mensenrechtentoets"],
    "beslisnota-2024D13328.txt": [
        "dienstverlening en overdracht van technologie",
        "economische middelen ter beschikking",
        "Yandex NV, gevestigd in Amsterdam",
        "niet-fysieke overdracht",
    ],
}


def parse(name: str) -> Document:
    return parse_file(CORPUS / name)


def body(doc: Document, label: str) -> str:
    section = doc.section(label)
    assert section is not None, label
    return section.body.of(doc.text)


def test_kamervraag_page() -> None:
    doc = parse("kv-tk-2017Z04681.txt")
    labels = [s.label for s in doc.sections]
    assert labels == [
        "Gegevens",
        *(f"Vraag {n}" for n in range(1, 9)),
        "Mededeling 10 mei 2017",
    ]
    assert "Kamerantwoord document nummer: ah-tk-20172018-142" not in body(doc, "Vraag 8")
    assert doc.sections[0].kind == "header"
    assert "Kees Verhoeven" in body(doc, "Gegevens") and "185 dagen" in body(doc, "Gegevens")
    # "Zie antwoord vraag 1." resolves to Vraag 1's answer.
    vraag1, vraag2 = doc.section("Vraag 1"), doc.section("Vraag 2")
    assert vraag2.body == vraag1.body and vraag2.answered_in == "Vraag 1"
    assert vraag2.question.of(doc.text).startswith("Hoe beoordeelt u het feit")
    # Vraag 4-7 have no answer of their own: they share Vraag 8's.
    vraag8 = doc.section("Vraag 8")
    assert vraag8.answered_in is None
    for n in range(4, 8):
        section = doc.section(f"Vraag {n}")
        assert (section.body, section.answered_in) == (vraag8.body, "Vraag 8")
    assert body(doc, "Vraag 8").startswith("Specifiek omschreven surveillancetechnologie")
    assert body(doc, "Mededeling 10 mei 2017").startswith("Naar aanleiding van de schriftelijke")
    assert "•" not in doc.text
    assert (doc.doc_id, doc.doc_type) == ("kv-tk-2017Z04681", "kamervraag")
    assert doc.title == "Massasurveillance door de Oezbeekse overheid"
    assert (doc.submitted, doc.answered, doc.date) == ("2017-04-07", "2017-10-09", "2017-10-09")
    assert doc.submitters == ["Kees Verhoeven (D66)", "Sjoerd Sjoerdsma (D66)"]
    assert doc.ministers == ["Bert Koenders (minister buitenlandse zaken) (PvdA)"]
    assert doc.ministry == "buitenlandse zaken"  # as the page writes it
    assert doc.urls == {
        "vraag": "https://zoek.officielebekendmakingen.nl/kv-tk-2017Z04681.html",
        "antwoord": "https://zoek.officielebekendmakingen.nl/ah-tk-20172018-142.html",
    }
    other = parse("kv-tk-2022Z04503.txt")
    assert [s.label for s in other.sections if s.kind == "qa"] == [
        f"Vraag {n}" for n in range(1, 9)
    ]
    assert other.ministers == [
        "Wopke Hoekstra (viceminister-president , minister buitenlandse zaken) (CDA)",
        "Dilan Yeşilgöz-Zegerius (minister justitie en veiligheid) (VVD)",
    ]


def test_kamerbrief() -> None:
    doc = parse("kv-tk-2019Z15231-antwoordbrief.txt")
    assert [s.label for s in doc.sections] == ["Brief", *(f"Vraag {n}" for n in range(1, 11))]
    assert all(s.kind == "qa" for s in doc.sections[1:])
    group = [doc.section(f"Vraag {n}") for n in (8, 9, 10)]
    assert {s.body for s in group} == {group[2].body}
    assert {s.answer_heading for s in group} == {"Antwoord vragen 8, 9 en 10"}
    assert [s.answered_in for s in group] == ["Vraag 10", "Vraag 10", None]
    assert doc.section("Vraag 2").body == doc.section("Vraag 3").body
    assert doc.section("Vraag 2").answered_in == "Vraag 3"
    assert "welke mogelijkheden ziet u" in doc.section("Vraag 9").question.of(doc.text).lower()
    # Page furniture gone except in the letter head; page-broken sentences joined.
    assert doc.text.count("BZDOC-1605772107-85") == 1
    assert "onderhevig aan een vergunningplicht?" in doc.section("Vraag 5").question.of(doc.text)
    assert "levering van de goederen aan dergelijke eindgebruikers" in body(doc, "Vraag 10")
    brief = body(doc, "Brief")
    assert "Datum 5 september 2019" in brief and "Sigrid A.M. Kaag" in brief
    assert (doc.doc_id, doc.doc_type, doc.date) == ("kv-tk-2019Z15231", "kamerbrief", "2019-09-05")
    assert doc.title == (
        "Beantwoording vragen van de leden Van Ojik en Diks over de export van "
        "cybersurveillance technologie"
    )
    assert doc.ministers == [
        "Sigrid A.M. Kaag (Minister voor Buitenlandse Handel en Ontwikkelingssamenwerking)"
    ]
    assert doc.submitters == ["Van Ojik (GroenLinks)", "Diks (GroenLinks)"]
    assert doc.ministry == "Buitenlandse Zaken"  # the letterhead's "Ministerie van …"
    assert doc.submitted == "2019-07-18"
    assert doc.urls == {}


def test_webpage() -> None:
    doc = parse("amnesty-uitvoer-surveillancetechnologie.txt")
    assert [s.label for s in doc.sections] == [
        "Bijschrift 1",
        "Uitvoer van surveillancetechnologie",
        "Gezichtsherkenningstechnologie",
        "Bijschrift 2",
        "Surveillancetechnologie voor China",
        "Amnesty’s oproep",
    ]
    assert "©" not in doc.text and "Meer over dit onderwerp" not in doc.text
    assert doc.text.count("De Chinese overheid onderdrukt etnische minderheden als") == 1
    assert "surveillanceteools" in doc.text  # words are never corrected
    assert (doc.doc_type, doc.title) == ("webpagina", "Uitvoer van surveillancetechnologie")
    assert doc.publisher == "Amnesty International"


def test_beslisnota() -> None:
    doc = parse("beslisnota-2024D13328.txt")
    assert [s.label for s in doc.sections] == [
        "Gegevens",
        "Aanleiding",
        "Geadviseerd besluit",
        "Kernpunten",
        "Toelichting",
    ]
    kernpunten = body(doc, "Kernpunten")
    for glyph in ("¢", "»", "«", "+ ", "e Meer"):
        assert not any(line.startswith(glyph) for line in doc.text.split("\n")), glyph
    assert "\nMeer specifiek stelt FtM" in f"\n{kernpunten}"
    assert "dienstverlening en overdracht van technologie wat" in kernpunten
    assert "geéxporteerd" in doc.text and "due difigence" in doc.text  # OCR left as is
    assert (doc.doc_id, doc.doc_type, doc.date) == (
        "beslisnota-2024D13328",
        "beslisnota",
        "2024-04-08",
    )
    assert doc.title.startswith("Verzoek Dobbe (SP)")
    assert doc.ministry == "Buitenlandse Zaken"
    assert "'Nederlands techbedrijf hielp Rusland met gezichtsherkenningssoftware" in doc.title


@pytest.mark.parametrize("name", sorted(PHRASES))
def test_spans_and_phrases(name: str) -> None:
    doc = parse(name)
    spans = []
    for section in doc.sections:
        for span in (section.body, section.question):
            if span:
                assert 0 <= span.start < span.end <= len(doc.text)
                assert span.of(doc.text).strip() == span.of(doc.text)
                spans.append(span)
    # Sections never overlap, except a body deliberately shared by several questions.
    distinct = sorted(set(spans), key=lambda s: s.start)
    for first, second in itertools.pairwise(distinct):
        assert first.end <= second.start, (first, second)
    bodies = [s.body.of(doc.text) for s in doc.sections]
    for phrase in PHRASES[name]:
        assert any(phrase in text for text in bodies), phrase


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty"),
        (b"  \n\n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "binary"),
        ("Vraag 1\nWat is één?".encode("cp1252"), "UTF-8"),
    ],
)
def test_bad_files(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "slecht.txt"
    path.write_bytes(content)
    with pytest.raises(ParseError, match=rf"slecht\.txt.*{reason}"):
        parse_file(path)
    with pytest.raises(ParseError, match=r"ontbreekt\.txt"):
        parse_file(tmp_path / "ontbreekt.txt")


def test_an_id_comes_from_where_the_format_puts_it() -> None:
    """A number mentioned in running text never becomes the document's id (issue 9)."""
    note = (
        "Aantekening voor het teamoverleg\n\nIn de beantwoording van Kamervraag 2017Z04681 over "
        "Oezbekistan werd verwezen naar het Amnesty-rapport (zie ook ah-tk-20172018-142).\n"
    )
    assert parse_text(note, source_file="note.txt").doc_id == "note"
    question = "2024Z18891\n\n(ingezonden 20 november 2024)\n\nVragen van het lid X (D66).\n"
    assert parse_text(question, source_file="vraag.docx").doc_id == "kv-tk-2024Z18891"
    # an answer's head names the zaak of its question: not its own id
    answer = "AH 605\n2024Z18891\nAntwoord van minister Y (Financiën)\n\nVraag 1\nA?\n"
    assert parse_text(answer, source_file="antwoord.docx").doc_id == "antwoord"
    footer = "Vragen van het lid X (D66) over iets.\n\nVraag 1\nA?\n\nkv-tk-2024Z18891\n"
    assert parse_text(footer, source_file="vraag.pdf").doc_id == "kv-tk-2024Z18891"


def test_limburg_corpus() -> None:
    if not LIMBURG.exists():
        pytest.skip(f"shared corpus absent: {LIMBURG}")
    csv.field_size_limit(10**8)
    with LIMBURG.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    documents = [parse_text(row["text_content"], source_file=row["name"]) for row in rows]
    for doc in documents:
        assert doc.sections and doc.doc_id
        for section in doc.sections:
            assert 0 <= section.body.start < section.body.end <= len(doc.text)
    assert len({doc.doc_id for doc in documents}) == len(rows) == 86
    answers = [
        doc for row, doc in zip(rows, documents, strict=True) if row["name"].startswith("Antwoord")
    ]
    without_pairs = [
        doc.source_file
        for doc in answers
        if not any(s.kind == "qa" and s.question for s in doc.sections)
    ]
    assert len(answers) == 43
    assert without_pairs == []
