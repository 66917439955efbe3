"""Adding documents: the file formats, incremental indexing, and surviving a crash."""

from __future__ import annotations

import csv
import logging
from pathlib import Path

import numpy as np
import pytest

from retrieval import ingest
from retrieval.embedding import Embedder
from retrieval.engine import Engine
from retrieval.generation import Generations
from retrieval.parsing import ParseError, parse_bytes, parse_file
from retrieval.settings import Settings
from retrieval.store import Store
from retrieval.writer import writing
from tests.conftest import SHARED

FIXTURES = Path(__file__).parent / "fixtures"
LIMBURG = SHARED / "corpora/kamervragen-limburg/questions.csv"


def add_files(settings: Settings, embedder: Embedder, *names: str) -> ingest.IngestReport:
    """What `vraagbaak add` does with these fixture files."""
    paths = [str(FIXTURES / name) for name in names]
    with writing(settings, Store(settings.sqlalchemy_url), embedder) as writer:
        report = writer.add(paths, lambda p: parse_file(Path(p)))
        writer.publish()
    return report


# --- formats -------------------------------------------------------------------------------
def test_xml_answer_groups_references_notes_and_delay() -> None:
    doc = parse_file(FIXTURES / "ah-tk-20232024-901.xml")
    assert doc.doc_id == "kv-tk-2024Z00001"  # the Aanhangsel is the answer to this question
    assert (doc.submitted, doc.answered, doc.date) == ("2024-01-08", "2024-03-12", "2024-03-12")
    assert doc.submitters == ["Kröger (GroenLinks-PvdA)", "Thijssen (GroenLinks-PvdA)"]
    assert doc.ministers == ["Minister Yeşilgöz-Zegerius (Justitie en Veiligheid)"]
    assert doc.urls == {
        "vraag": "https://zoek.officielebekendmakingen.nl/kv-tk-2024Z00001.html",
        "antwoord": "https://zoek.officielebekendmakingen.nl/ah-tk-20232024-901.html",
    }
    v2, v3, v4 = doc.section("Vraag 2"), doc.section("Vraag 3"), doc.section("Vraag 4")
    assert v2.body == v3.body and v2.answered_in == "Vraag 3" and v3.answered_in is None
    assert v3.answer_heading == "Antwoord 2 en 3"
    assert v4.body == v3.body and v4.answer_heading == "Zie antwoord vraag 2."
    assert v3.body.of(doc.text).endswith("Algemene verordening gegevensbescherming.")
    assert "binnen de gebruikelijke termijn" in doc.section("Mededeling").body.of(doc.text)
    assert doc.section("Voetnoten").body.of(doc.text) == "1 NOS, 5 januari 2024."
    assert doc.section("Vraag 1").question.of(doc.text).endswith("zonder toezicht»?1")


def test_xml_question_only_and_older_format() -> None:
    question = parse_file(FIXTURES / "kv-tk-2024Z00001.xml")
    assert question.doc_id == "kv-tk-2024Z00001" and set(question.urls) == {"vraag"}
    assert [s.kind for s in question.sections if s.label.startswith("Vraag")] == ["text"] * 4
    old = parse_file(FIXTURES / "ah-tk-20092010-1234.xml")
    assert (old.submitted, old.answered, old.submitters) == (
        "2010-01-14",
        "2010-02-09",
        ["Van Dam (PvdA)"],
    )
    assert old.section("Vraag 2").body.of(old.text).startswith("Over het aantal")
    with pytest.raises(ParseError, match="malformed XML"):
        parse_file(FIXTURES / "malformed.xml")


def test_html_page_sections_and_qa() -> None:
    page = b"""<!DOCTYPE html><html><head><title>Spyware en mensenrechten</title>
    <link rel="canonical" href="https://example.org/spyware"><script>var x = 1;</script></head>
    <body><nav><a href="/">Home</a></nav><h1>Spyware en mensenrechten</h1>
    <p>Spyware wordt ingezet tegen journalisten.</p><h2>Wat doet Nederland?</h2>
    <p>Nederland steunt exportcontroles.</p><ul><li>Een lijst <b>punt</b></li></ul>
    <footer>Deel dit artikel</footer></body></html>"""
    doc = parse_bytes(page, "spyware.html")
    assert doc.title == "Spyware en mensenrechten" and doc.urls == {
        "bron": "https://example.org/spyware"
    }
    assert [s.label for s in doc.sections] == ["Spyware en mensenrechten", "Wat doet Nederland?"]
    assert (
        doc.sections[1].body.of(doc.text) == "Nederland steunt exportcontroles.\n\nEen lijst punt"
    )
    assert "Home" not in doc.text and "var x" not in doc.text
    qa = b"<html><body><p>Vraag 1</p><p>Is dat zo?</p><p>Antwoord 1</p><p>Ja.</p></body></html>"
    answered = parse_bytes(qa, "kv.html")
    assert answered.section("Vraag 1").body.of(answered.text) == "Ja."


def pdf_bytes(pages: list[str]) -> bytes:
    """A minimal PDF with one text line per page ('' gives a page without text, like a scan)."""
    objects = ["<< /Type /Catalog /Pages 2 0 R >>", ""]
    kids = []
    for text in pages:
        stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET" if text else ""
        objects.append(f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream")
        content = len(objects)
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {content} 0 R "
            "/Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> "
            ">> >>"
        )
        kids.append(f"{len(objects)} 0 R")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>"
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out


def test_pdf_text_layer_and_scanned_pages(caplog: pytest.LogCaptureFixture) -> None:
    pages = ["Vraag 1", "Is de regeling al in werking getreden?", "Antwoord 1", "Ja, sinds 1 mei."]
    doc = parse_bytes(pdf_bytes([*pages, ""]), "antwoord.pdf")
    assert doc.section("Vraag 1").body.of(doc.text) == "Ja, sinds 1 mei."
    assert "page(s) 5 have no text layer" in caplog.text
    with pytest.raises(ParseError, match="no text layer on any of its 2 page"):
        parse_bytes(pdf_bytes(["", ""]), "scan.pdf")
    with pytest.raises(ParseError, match="unreadable PDF"):
        parse_bytes(b"%PDF-1.4 garbage", "kapot.pdf")


# --- incremental ---------------------------------------------------------------------------
def test_only_new_or_changed_text_is_embedded(tmp_path: Path, embedder: Embedder) -> None:
    settings = Settings(data_dir=tmp_path, corpus_dirs=[])
    start = embedder.encoded_texts
    report = add_files(settings, embedder, "kv-tk-2024Z00001.xml", "ah-tk-20092010-1234.xml")
    first = embedder.encoded_texts - start
    assert report.added == ["kv-tk-2024Z00001", "ah-tk-20092010-1234"] and first > 0

    before = embedder.encoded_texts
    report = add_files(settings, embedder, "kv-tk-2024Z00001.xml", "ah-tk-20092010-1234.xml")
    assert report.unchanged == ["kv-tk-2024Z00001", "ah-tk-20092010-1234"]
    assert embedder.encoded_texts == before  # nothing re-embedded

    report = add_files(settings, embedder, "ah-tk-20232024-901.xml")  # the answer arrives
    answered = embedder.encoded_texts - before
    assert report.updated == ["kv-tk-2024Z00001"]
    assert 0 < answered < first  # the unchanged old-format document cost nothing
    engine = Engine(settings, embedder=embedder)
    assert len(engine.documents()) == 2
    result = engine.search("Mogen gemeenten binnendringen in telefoons van inwoners?")
    assert result.results[0].doc_id == "kv-tk-2024Z00001"

    before = embedder.encoded_texts
    with writing(settings, Store(settings.sqlalchemy_url), embedder) as writer:
        removed = writer.remove(["kv-tk-2024Z00001", "onbekend"])
        writer.publish()
    assert removed.removed == ["kv-tk-2024Z00001"] and "onbekend" in removed.failed
    assert embedder.encoded_texts == before
    assert [d.doc_id for d in Engine(settings, embedder=embedder).documents()] == [
        "ah-tk-20092010-1234"
    ]


def test_large_index_is_updated_in_place(
    tmp_path: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above INCREMENTAL_MIN_CHUNKS the current index drops and adds rows; the result is the
    same index a rebuild gives."""
    monkeypatch.setattr(ingest, "INCREMENTAL_MIN_CHUNKS", 1)
    settings = Settings(data_dir=tmp_path, corpus_dirs=[])
    add_files(settings, embedder, "kv-tk-2024Z00001.xml", "ah-tk-20092010-1234.xml")
    store = Store(settings.sqlalchemy_url)
    with writing(settings, store, embedder) as writer:  # replaces the first document's rows
        writer.add([str(FIXTURES / "ah-tk-20232024-901.xml")], lambda p: parse_file(Path(p)))
    documents, records = store.snapshot()
    texts = {document.doc_id: document.text for document, _ in documents}
    chunks = [r.to_chunk(texts[r.doc_id]) for r in records]
    generations = Generations(settings.index_dir)
    previous = generations.load(generations.current() or "").bundle
    assert previous is not None
    updated = ingest.update_index(store, embedder, previous, chunks, records)
    rebuilt = ingest.build_index(store, embedder, chunks, records)
    assert updated is not None
    assert updated.chunk_ids == rebuilt.chunk_ids and updated.fingerprint == rebuilt.fingerprint
    n = len(records)
    assert np.allclose(
        updated.dense.index.reconstruct_n(0, n), rebuilt.dense.index.reconstruct_n(0, n)
    )
    assert np.array_equal(updated.sentence_spans, rebuilt.sentence_spans)
    assert np.array_equal(updated.sentence_vectors, rebuilt.sentence_vectors)


# --- the limburg corpus --------------------------------------------------------------------
@pytest.mark.skipif(not LIMBURG.is_file(), reason="shared/corpora/kamervragen-limburg is absent")
def test_every_limburg_document_can_be_added(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    csv.field_size_limit(10**8)
    with LIMBURG.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    folder = tmp_path / "limburg"
    folder.mkdir()
    paths = []
    for n, row in enumerate(rows):
        path = folder / f"{n:03d}-{Path(row['name']).stem[:60]}.txt"
        path.write_text(row["text_content"], encoding="utf-8")
        paths.append(str(path))
    settings = Settings(data_dir=tmp_path / "data", corpus_dirs=[])
    store = Store(settings.sqlalchemy_url)
    caplog.set_level(logging.ERROR, logger="retrieval")  # restored after the test
    report = ingest.add_each(store, settings, paths, lambda p: parse_file(Path(p)))
    assert not report.failed
    documents = [document for document, _ in store.snapshot()[0]]
    with_pairs = [d for d in documents if any(s.kind == "qa" for s in d.sections)]
    answers = [row for row in rows if row["name"].startswith("Antwoord")]
    answers_with_pairs = [d for d in with_pairs if d.source_file and "Antwoord" in d.source_file]
    print(
        f"\nlimburg: {len(rows)} rows, {len(documents)} documents stored "
        f"(rows with the same id update one document), {len(with_pairs)} with "
        f"question/answer pairs; {len(answers_with_pairs)} of {len(answers)} 'Antwoord' files"
    )
    assert len(report.added) + len(report.updated) + len(report.unchanged) == len(rows)
    assert len(answers_with_pairs) >= 0.8 * len(answers)
