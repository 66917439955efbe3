"""Index generations: readers load them and never write; the writer rebuilds what is missing,
stale or damaged, and says why."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import faiss
import numpy as np
import pytest

from retrieval import engine as engine_module
from retrieval.embedding import Embedder
from retrieval.engine import Engine
from retrieval.errors import IndexUnavailable
from retrieval.generation import Generations
from retrieval.index import DenseIndex
from retrieval.parsing import parse_file
from retrieval.sentences import sentence_spans
from retrieval.settings import Settings
from retrieval.store import Store
from retrieval.writer import writing
from tests.conftest import build_index

FIXTURES = Path(__file__).parent / "fixtures"
ADDED_QUESTION = "Mogen gemeenten binnendringen in telefoons van inwoners?"
ADDED = "kv-tk-2024Z00001"  # the document that answers it


def finds_added(engine: Engine) -> bool:
    """Whether the engine serves the added document (whatever it decides about answering)."""
    return any(p.doc_id == ADDED for p in engine.search(ADDED_QUESTION, keep_declined=True).results)


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Path:
    """A data directory with the bundled corpus indexed, built once for the module."""
    data_dir = tmp_path_factory.mktemp("indexed")
    build_index(Settings(data_dir=data_dir), embedder)
    return data_dir


@pytest.fixture
def built(indexed: Path, tmp_path: Path) -> Settings:
    """A copy of `indexed` for one test to change."""
    shutil.copytree(indexed, tmp_path / "data")
    return Settings(data_dir=tmp_path / "data")


def current_folder(settings: Settings) -> Path:
    return settings.index_dir / (settings.index_dir / "CURRENT").read_text().strip()


def answer(engine: Engine) -> str:
    return engine.search("Wat is spyware?").results[0].chunk_id


def publish(settings: Settings, embedder: Embedder) -> str:
    with writing(settings, Store(settings.sqlalchemy_url), embedder) as writer:
        return writer.publish().name


def add_fixture(settings: Settings, embedder: Embedder, publish_it: bool = True) -> None:
    with writing(settings, Store(settings.sqlalchemy_url), embedder) as writer:
        report = writer.add(["ah-tk-20232024-901.xml"], lambda name: parse_file(FIXTURES / name))
        assert report.added
        if publish_it:
            writer.publish()


def flip_bytes(path: Path) -> None:
    """Damage a file without changing its size, as a bad disk would."""
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 16] = bytes(b ^ 0xFF for b in data[middle : middle + 16])
    path.write_bytes(bytes(data))


def test_an_up_to_date_index_is_loaded_and_nothing_is_embedded_or_saved(
    built: Settings, embedder: Embedder, caplog: pytest.LogCaptureFixture
) -> None:
    folder = current_folder(built)
    before = embedder.encoded_texts
    with caplog.at_level(logging.INFO):
        assert publish(built, embedder) == folder.name  # the writer finds nothing to do
        engine = Engine(built, embedder=embedder)
    assert "Rebuilding" not in caplog.text and "Updating" not in caplog.text
    assert current_folder(built) == folder
    answer(engine)
    assert embedder.encoded_texts == before + 1  # only the question


def test_a_deleted_index_is_rebuilt_by_the_writer_from_cached_vectors(
    built: Settings, embedder: Embedder
) -> None:
    expected = answer(Engine(built, embedder=embedder))
    for path in sorted(built.index_dir.rglob("*"), reverse=True):
        path.rmdir() if path.is_dir() else path.unlink()
    with pytest.raises(IndexUnavailable, match="run `vraagbaak index`"):
        Engine(built, embedder=embedder)  # a reader does not build one
    assert not list(built.index_dir.iterdir())
    before = embedder.encoded_texts
    publish(built, embedder)
    assert embedder.encoded_texts == before  # every chunk and sentence came from the cache
    assert answer(Engine(built, embedder=embedder)) == expected


@pytest.mark.parametrize("damaged", ["dense.faiss", "sentence_positions.npy", "bm25/terms.json"])
def test_a_damaged_file_is_found_by_its_checksum_and_rebuilt_by_the_writer(
    built: Settings, embedder: Embedder, damaged: str, caplog: pytest.LogCaptureFixture
) -> None:
    target = current_folder(built) / damaged
    flip_bytes(target)
    with pytest.raises(IndexUnavailable, match=f"{damaged} of generation .* checksum"):
        Engine(built, embedder=embedder)
    with caplog.at_level(logging.WARNING):
        publish(built, embedder)
    assert f"Rebuilding the search index: {damaged} of generation" in caplog.text
    assert answer(Engine(built, embedder=embedder))
    assert not target.parent.exists()  # the damaged generation was deleted


def test_a_damaged_vector_segment_is_refused_and_written_again_by_the_writer(
    built: Settings, embedder: Embedder, caplog: pytest.LogCaptureFixture
) -> None:
    (segment,) = (built.index_dir / "segments").iterdir()
    flip_bytes(segment)
    with pytest.raises(IndexUnavailable, match=r"vector segment .* does not match its checksum"):
        Engine(built, embedder=embedder)
    with caplog.at_level(logging.WARNING):
        publish(built, embedder)
    assert "Rebuilding the search index: vector segment" in caplog.text
    assert answer(Engine(built, embedder=embedder))  # the same vectors, written whole again
    assert [p.name for p in (built.index_dir / "segments").iterdir()] == [segment.name]


def test_a_damaged_document_file_is_refused_too(built: Settings, embedder: Embedder) -> None:
    document_file = next((built.index_dir / "documents").iterdir())
    document_file.write_text(document_file.read_text().replace("minister", "ministre"))
    with pytest.raises(IndexUnavailable, match=r"document file .* does not match its checksum"):
        Engine(built, embedder=embedder)


def test_a_reader_holding_one_document_reads_the_others_back_from_their_files(
    indexed: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reader holds few documents parsed and lists them without their text; a passage from
    another is read again from the generation's file: the same passages as a reader holding
    them all."""
    settings = Settings(data_dir=indexed)
    holding_all = Engine(settings, embedder=embedder)
    monkeypatch.setattr(engine_module, "DOCUMENTS_KEPT", 1)
    holding_one = Engine(settings, embedder=embedder)
    questions = ["Wat is spyware?", "Exportvergunningen surveillance Oezbekistan", ADDED_QUESTION]
    for question in questions:
        first, second = (e.search(question, keep_declined=True) for e in (holding_all, holding_one))
        assert second.results and second.results == first.results
    listed = holding_one.documents()
    assert len(listed) == 5 and not any(hasattr(info, "text") for info in listed)
    document = holding_one.document(listed[-1].doc_id)
    assert document is not None and document.info() == listed[-1] and document.text


def test_a_reader_keeps_the_last_good_generation_when_the_newer_one_is_damaged(
    built: Settings, embedder: Embedder, caplog: pytest.LogCaptureFixture
) -> None:
    settings = built.model_copy(update={"index_recheck_seconds": 0.0})
    serving = Engine(settings, embedder=embedder)
    add_fixture(settings, embedder)
    flip_bytes(current_folder(settings) / "dense.faiss")
    with caplog.at_level(logging.WARNING):
        assert not finds_added(serving)  # still the old generation
    assert "Keeping index generation" in caplog.text and "checksum" in caplog.text

    caplog.clear()
    with caplog.at_level(logging.WARNING):  # a reader that starts now falls back, and says so
        starting = Engine(settings, embedder=embedder)
    assert starting.generation == serving.generation and starting.fallback
    assert "Serving the older index generation" in caplog.text


def test_readers_never_write_a_stale_index_is_served_and_logged(
    built: Settings, embedder: Embedder, caplog: pytest.LogCaptureFixture
) -> None:
    generations = Generations(built.index_dir)
    before = generations.names()
    add_fixture(built, embedder, publish_it=False)  # as a writer killed before it saved
    with caplog.at_level(logging.WARNING):
        engine = Engine(built, embedder=embedder)
    assert "behind the database: 1 documents differ" in caplog.text
    assert not finds_added(engine)
    assert generations.names() == before  # the reader saved nothing


def test_a_changed_chunking_updates_the_index_and_says_so(
    built: Settings, embedder: Embedder, caplog: pytest.LogCaptureFixture
) -> None:
    rechunked = built.model_copy(update={"chunk_chars": 400, "chunk_overlap_chars": 100})
    with caplog.at_level(logging.INFO):
        generation = build_index(rechunked, embedder)
    assert "Updating the search index: 0 documents added, 5 changed, 0 removed" in caplog.text
    assert "model" not in caplog.text
    for chunk in generation.chunks:  # a longer chunk can only be one long sentence
        assert len(chunk.text) <= 400 or len(sentence_spans(chunk.text)) == 1


def test_a_generation_of_another_model_is_refused_by_readers(
    built: Settings, embedder: Embedder
) -> None:
    manifest_path = current_folder(built) / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["model_id"] = "another-model#00000000"
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(IndexUnavailable, match="was built with the model"):
        Engine(built, embedder=embedder)


def test_the_previous_generation_is_kept_and_older_ones_deleted(
    built: Settings, embedder: Embedder
) -> None:
    generations = Generations(built.index_dir)
    first = generations.current()
    add_fixture(built, embedder)
    second = generations.current()
    with writing(built, Store(built.sqlalchemy_url), embedder) as writer:
        writer.remove(["kv-tk-2024Z00001"])
        third = writer.publish().name
    assert generations.names() == [third, second]  # the newest and the one before it
    assert first not in generations.names()
    kept = {f"{v}.json" for v, _ in generations.manifest(second)["documents"].values()}
    assert {p.name for p in generations.documents_dir.iterdir()} == kept  # the removed one stays
    assert generations.load(second).documents["kv-tk-2024Z00001"]  # for readers still on it


def test_an_empty_corpus_searches_to_nothing(tmp_path: Path, embedder: Embedder) -> None:
    empty = tmp_path / "corpus"
    empty.mkdir()
    (empty / "manifest.toml").write_text("")
    settings = Settings(data_dir=tmp_path, corpus_dirs=[empty])
    build_index(settings, embedder)
    engine = Engine(settings, embedder=embedder)
    result = engine.search("Wat is spyware?")
    assert not result.answered and engine.documents() == []


def test_large_indexes_are_inverted_lists_that_still_give_vectors_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("retrieval.index.EXACT_LIMIT", 1_000)
    vectors = np.random.default_rng(7).standard_normal((3_000, 64)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    built = DenseIndex.build(vectors)
    built.save(tmp_path / "dense.faiss")
    for index in (built, DenseIndex.load(tmp_path / "dense.faiss")):
        assert isinstance(index.index, faiss.IndexIVF)
        rows, _ = index.search(vectors[42], 5)
        assert 42 in rows
        # fusion reads candidates' vectors back: 8-bit quantised, but close to the original
        assert float(index.index.reconstruct(42) @ vectors[42]) > 0.99


def test_a_running_engine_picks_up_documents_a_writer_added(
    built: Settings, embedder: Embedder
) -> None:
    settings = built.model_copy(update={"index_recheck_seconds": 0.0})
    serving = Engine(settings, embedder=embedder)
    assert not finds_added(serving)
    add_fixture(settings, embedder)  # as `vraagbaak add` in its own process
    result = serving.search(ADDED_QUESTION)
    assert result.answered and "Wetboek van Strafvordering" in result.results[0].text
    assert len(serving.documents()) == 6


def test_inverted_lists_drop_and_add_rows_in_place(monkeypatch: pytest.MonkeyPatch) -> None:
    """An IVF index updated in place keeps row == id: what a rebuild would give."""
    monkeypatch.setattr("retrieval.index.EXACT_LIMIT", 1_000)
    rng = np.random.default_rng(3)
    vectors = rng.standard_normal((3_050, 64)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = DenseIndex.build(vectors[:3_000])
    keep = np.ones(3_000, dtype=bool)
    keep[::30] = False  # 100 rows go
    index.replace_rows(keep, vectors[3_000:])
    after = np.concatenate([vectors[:3_000][keep], vectors[3_000:]])
    assert index.index.ntotal == len(after) == 2_950
    for row in (0, 1, 1_500, 2_899, 2_900, 2_949):
        rows, _ = index.search(after[row], 3)
        assert rows[0] == row
        assert float(index.vectors(np.array([row]))[0] @ after[row]) > 0.99
