"""Adding documents: the file formats, incremental indexing, and surviving a crash."""

from __future__ import annotations

import csv
import logging
from pathlib import Path

import numpy as np
import pytest
from sqlmodel import func, select

from retrieval import calibration, ingest
from retrieval.documents import Document
from retrieval.embedding import Embedder
from retrieval.engine import Engine
from retrieval.generation import ChunkRows, Generations
from retrieval.parsing import ParseError, parse_bytes, parse_file
from retrieval.settings import Settings
from retrieval.sources.batch import add_each
from retrieval.store import EmbeddingRecord, Store
from retrieval.writer import writing
from tests.conftest import SHARED

FIXTURES = Path(__file__).parent / "fixtures"
BUNDLED = Path(__file__).parents[1] / "corpus"
LIMBURG = SHARED / "corpora/kamervragen-limburg/questions.csv"
RIJKSOVERHEID = SHARED / "corpora/rijksoverheid-vac/vacs_bzk.csv"


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
    assert doc.ministry == "Justitie en Veiligheid"
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
    assert question.ministry == "Justitie en Veiligheid"  # "aan de Minister van …"
    assert [s.kind for s in question.sections if s.label.startswith("Vraag")] == ["question"] * 4
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


def cache_size(settings: Settings) -> int:
    with Store(settings.sqlalchemy_url).session() as session:
        return session.exec(select(func.count()).select_from(EmbeddingRecord)).one()


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

    cached = cache_size(settings)
    report = add_files(settings, embedder, "ah-tk-20232024-901.xml")  # the answer arrives
    answered = embedder.encoded_texts - before
    assert report.updated == ["kv-tk-2024Z00001"]
    # only what the cache lacked was embedded: every text embedded is a new cache row
    assert 0 < answered == cache_size(settings) - cached
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
    records = store.chunk_records()
    documents = {doc_id: document for doc_id, (document, _) in store.documents().items()}
    chunks = ChunkRows([r.row for r in records], [r.chunk_id for r in records], documents)
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
    assert np.array_equal(updated.sentence_vectors.array(), rebuilt.sentence_vectors.array())


def test_an_update_in_place_writes_only_its_new_sentence_vectors(
    tmp_path: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The vector segments a generation shares with the one before are neither rewritten nor
    read again; the segments no generation holds any more are deleted."""
    monkeypatch.setattr(ingest, "INCREMENTAL_MIN_CHUNKS", 1)
    settings = Settings(data_dir=tmp_path, corpus_dirs=[])
    add_files(settings, embedder, "kv-tk-2024Z00001.xml")
    segments = settings.index_dir / "segments"
    (first,) = segments.iterdir()
    written = first.stat().st_mtime_ns
    add_files(settings, embedder, "ah-tk-20092010-1234.xml")
    assert first.stat().st_mtime_ns == written
    assert len(list(segments.iterdir())) == 2  # the first one, and the added document's
    with writing(settings, Store(settings.sqlalchemy_url), embedder) as writer:
        writer.remove(["ah-tk-20092010-1234"])
        writer.publish()
    # the new generation holds the first segment only, the one before it both
    assert len(list(segments.iterdir())) == 2
    add_files(settings, embedder, "ah-tk-20232024-901.xml")  # replaces kv-tk-2024Z00001's text
    assert first.name in [p.name for p in segments.iterdir()]  # the generation before holds it
    add_files(settings, embedder, "ah-tk-20092010-1234.xml")
    assert first.name not in [p.name for p in segments.iterdir()]


def test_an_update_reads_only_the_documents_it_changes(
    tmp_path: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Publishing an added document parses that document alone, from the database or the
    generation's files (declining is recalibrated from all of them only after many changes);
    the generation it saves reads back as one loaded whole."""
    monkeypatch.setattr(ingest, "INCREMENTAL_MIN_CHUNKS", 1)
    monkeypatch.setattr(calibration, "RECALIBRATE_CHANGED", 1.0)
    settings = Settings(data_dir=tmp_path, corpus_dirs=[])
    add_files(settings, embedder, "kv-tk-2024Z00001.xml", "ah-tk-20092010-1234.xml")
    parsed: list[str] = []
    from_dict = Document.from_dict.__func__  # type: ignore[attr-defined]

    def counted(cls: type[Document], data: dict[str, object]) -> Document:
        document = from_dict(cls, data)
        parsed.append(document.doc_id)
        return document

    store = Store(settings.sqlalchemy_url)
    with writing(settings, store, embedder) as writer:
        writer.add([str(BUNDLED / "kv-tk-2022Z04503.txt")], lambda p: parse_file(Path(p)))
        with monkeypatch.context() as patched:
            patched.setattr(Document, "from_dict", classmethod(counted))
            saved = writer.publish()
    assert parsed == ["kv-tk-2022Z04503"]
    whole = Generations(settings.index_dir).load(saved.name)
    assert dict(saved.documents) == whole.documents and len(whole.documents) == 3
    chunks = list(whole.chunks)
    assert list(saved.chunks) == chunks
    assert (whole.chunks[-1], whole.chunks[1:3]) == (chunks[-1], chunks[1:3])
    with pytest.raises(IndexError):
        whole.chunks[len(chunks)]


# --- who may replace a stored document ------------------------------------------------------
def write(folder: Path, name: str, text: str) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return str(folder / name)


def add_paths(
    store: Store, settings: Settings, paths: list[str], replace: bool = False
) -> ingest.IngestReport:
    """What `vraagbaak add [--replace]` stores (no index: these tests are about the database)."""
    return add_each(store, settings, paths, lambda p: parse_file(Path(p)), replace=replace)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", corpus_dirs=[])


@pytest.fixture
def store(settings: Settings) -> Store:
    """An empty database of this test's own."""
    return Store(settings.sqlalchemy_url)


def test_a_document_from_elsewhere_does_not_replace_a_stored_one(
    tmp_path: Path, store: Store, settings: Settings
) -> None:
    first = write(tmp_path / "a", "brief.txt", "Brief over de dijken\n\nDe dijken zijn op orde.\n")
    other = write(tmp_path / "b", "brief.txt", "Brief over de wegen\n\nDe wegen zijn op orde.\n")
    assert add_paths(store, settings, [first]).added == ["brief"]
    refused = add_paths(store, settings, [other])
    assert not refused.added and not refused.updated
    why = refused.failed[str(Path(other).resolve())]
    assert str(Path(first).resolve()) in why and str(Path(other).resolve()) in why
    assert "Brief over de dijken" in why and "Brief over de wegen" in why and "--replace" in why
    assert "dijken" in store.document("brief").text
    # the same file again, changed, is an update; --replace lets the other file in
    write(tmp_path / "a", "brief.txt", "Brief over de dijken\n\nDe dijken zijn versterkt.\n")
    assert add_paths(store, settings, [first]).updated == ["brief"]
    assert add_paths(store, settings, [other], replace=True).updated == ["brief"]
    assert "wegen" in store.document("brief").text
    # the same text read from a moved folder changes nothing
    moved = write(tmp_path / "c", "brief.txt", (tmp_path / "b/brief.txt").read_text())
    assert add_paths(store, settings, [moved]).unchanged == ["brief"]


def test_two_items_of_one_batch_claiming_one_id_are_both_refused(
    tmp_path: Path, store: Store, settings: Settings
) -> None:
    one = write(tmp_path / "x", "notitie.txt", "Notitie een\n\nEerste tekst.\n")
    two = write(tmp_path / "y", "notitie.txt", "Notitie twee\n\nTweede tekst.\n")
    alone = write(tmp_path / "x", "los.txt", "Losse notitie\n\nDerde tekst.\n")
    report = add_paths(store, settings, [one, two, alone, alone], replace=True)
    assert set(report.failed) == {one, two}
    assert str(Path(two).resolve()) in report.failed[one]
    assert str(Path(one).resolve()) in report.failed[two]
    assert report.added == ["los"] and report.unchanged == ["los"]
    assert store.document("notitie") is None


def test_question_and_later_answer_publications_still_merge(
    store: Store, settings: Settings
) -> None:
    """The designed merge: the Aanhangsel names its question, so it updates that document."""
    files = [str(FIXTURES / name) for name in ("kv-tk-2024Z00001.xml", "ah-tk-20232024-901.xml")]
    report = add_paths(store, settings, files)
    assert report.added == ["kv-tk-2024Z00001"] and report.updated == ["kv-tk-2024Z00001"]
    assert set(store.document("kv-tk-2024Z00001").urls) == {"vraag", "antwoord"}
    again = add_paths(store, settings, files[:1])  # the question alone keeps the answer
    assert again.unchanged == ["kv-tk-2024Z00001"]


# --- real corpora ---------------------------------------------------------------------------
def read_csv(path: Path) -> list[dict[str, str]]:
    csv.field_size_limit(10**8)
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.skipif(
    not (LIMBURG.is_file() and RIJKSOVERHEID.is_file()),
    reason="shared/corpora/kamervragen-limburg or rijksoverheid-vac is absent",
)
def test_every_limburg_and_rijksoverheid_text_is_its_own_document(
    tmp_path: Path, store: Store, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """86 Tweede Kamer texts and 175 rijksoverheid.nl pages: 261 documents, none lost."""
    folder = tmp_path / "texts"
    paths = [write(folder, f"{row['name']}.txt", row["text_content"]) for row in read_csv(LIMBURG)]
    paths += [
        write(folder, f"{row['id']}.txt", f"{row['question']}\n\n{row['reference_answer']}")
        for row in read_csv(RIJKSOVERHEID)
    ]
    caplog.set_level(logging.ERROR, logger="retrieval")  # PDF pages without text, say
    report = add_paths(store, settings, paths)
    assert report.failed == {}
    assert len(report.added) == len(set(report.added)) == len(paths) == 261
    stored = {d.source_file: d for d, _ in store.documents().values()}
    assert len(stored) == 261
    # a Kamervraag (question PDF) and the separate answer (DOCX) of it are two documents
    question = stored[str(folder.resolve() / "De_ontkoppeling_van_ontwikkelingshulp.pdf.txt")]
    answer = stored[str(folder.resolve() / "Antwoord_op_vragen_van_het_lid_Boswijk_o.docx.txt")]
    assert question.doc_id == "kv-tk-2024Z18792" and answer.doc_id != question.doc_id
    assert "Het kabinet heeft ervoor gekozen" in answer.text
    assert "Het kabinet heeft ervoor gekozen" not in question.text


def test_a_large_batch_is_embedded_in_processes_alike(
    embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """EMBEDDING_PROCESSES share a large batch: the same vectors, in order, counted."""
    texts = [f"Vraag {n}: hoeveel kost de {n}e dijkversterking in Limburg?" for n in range(300)]
    monkeypatch.setattr("retrieval.embedding.PARALLEL_MIN_SECONDS", 0.0)
    monkeypatch.setattr(embedder, "processes", 2)
    before = embedder.encoded_texts
    pieces = list(embedder.encode_stream(texts))
    assert [t for piece, _ in pieces for t in piece] == texts
    assert embedder.encoded_texts - before == len(texts)
    monkeypatch.setattr(embedder, "processes", 1)
    serial = embedder.encode_documents(texts)
    assert np.allclose(np.concatenate([v for _, v in pieces]), serial, atol=1e-5)
