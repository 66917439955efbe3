"""The index is derived data: missing, stale or damaged files are rebuilt, never fatal."""

from __future__ import annotations

import logging
from pathlib import Path

import faiss
import numpy as np
import pytest

from retrieval.embedding import Embedder
from retrieval.engine import Engine
from retrieval.index import DenseIndex
from retrieval.ingest import ingest_documents, ingest_folders
from retrieval.parsing import parse_file
from retrieval.sentences import sentence_spans
from retrieval.settings import Settings

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return Embedder("use-multilingual")


@pytest.fixture
def built(tmp_path: Path, embedder: Embedder) -> Settings:
    settings = Settings(data_dir=tmp_path)
    Engine(settings, embedder=embedder)
    return settings


def current_folder(settings: Settings) -> Path:
    return settings.index_dir / (settings.index_dir / "CURRENT").read_text().strip()


def answer(engine: Engine) -> str:
    return engine.search("Wat is spyware?").results[0].chunk_id


def test_reopening_loads_the_saved_index_and_embeds_nothing(
    built: Settings, embedder: Embedder, caplog: pytest.LogCaptureFixture
) -> None:
    before = embedder.encoded_texts
    folder = current_folder(built)
    with caplog.at_level(logging.WARNING):
        engine = Engine(built, embedder=embedder)
    assert "Rebuilding" not in caplog.text
    assert current_folder(built) == folder
    answer(engine)
    assert embedder.encoded_texts == before + 1  # only the question


def test_a_deleted_index_is_rebuilt_from_cached_vectors(
    built: Settings, embedder: Embedder, caplog: pytest.LogCaptureFixture
) -> None:
    expected = answer(Engine(built, embedder=embedder))
    for path in sorted(built.index_dir.rglob("*"), reverse=True):
        path.rmdir() if path.is_dir() else path.unlink()
    before = embedder.encoded_texts
    with caplog.at_level(logging.WARNING):
        engine = Engine(built, embedder=embedder)
    assert "Rebuilding the search index: no readable index" in caplog.text
    assert embedder.encoded_texts == before  # every chunk and sentence came from the cache
    assert answer(engine) == expected


@pytest.mark.parametrize("damaged", ["dense.faiss", "sentence_vectors.npy", "manifest.json"])
def test_a_corrupt_index_file_is_rebuilt(
    built: Settings, embedder: Embedder, damaged: str, caplog: pytest.LogCaptureFixture
) -> None:
    target = current_folder(built) / damaged
    target.write_bytes(b"\x00garbage" * 10)
    with caplog.at_level(logging.WARNING):
        engine = Engine(built, embedder=embedder)
    assert "Rebuilding the search index" in caplog.text
    assert answer(engine)
    assert current_folder(built).name != target.parent.name
    assert not target.parent.exists()  # the damaged generation was cleaned up


def test_a_changed_chunking_makes_the_index_stale(
    built: Settings, embedder: Embedder, caplog: pytest.LogCaptureFixture
) -> None:
    rechunked = built.model_copy(update={"chunk_chars": 400, "chunk_overlap_chars": 100})
    engine = Engine(rechunked, embedder=embedder)
    report = ingest_folders(engine.store, rechunked, rechunked.corpus_dirs)
    assert len(report.updated) == 5 and not report.unchanged
    with caplog.at_level(logging.WARNING):
        engine.reload()
    assert "another model or corpus" in caplog.text
    for view in engine._loaded.views:  # a longer chunk can only be one long sentence
        assert len(view.chunk.text) <= 400 or len(sentence_spans(view.chunk.text)) == 1


def test_an_empty_corpus_searches_to_nothing(tmp_path: Path, embedder: Embedder) -> None:
    empty = tmp_path / "corpus"
    empty.mkdir()
    (empty / "manifest.toml").write_text("")
    engine = Engine(Settings(data_dir=tmp_path, corpus_dirs=[empty]), embedder=embedder)
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


def test_a_running_engine_picks_up_documents_another_process_added(
    built: Settings, embedder: Embedder
) -> None:
    settings = built.model_copy(update={"index_recheck_seconds": 0.0})
    serving = Engine(settings, embedder=embedder)
    question = "Mogen gemeenten binnendringen in telefoons van inwoners?"
    assert not serving.search(question).answered

    adding = Engine(settings, embedder=embedder)  # as `vraagbaak add` in its own process
    report = ingest_documents(
        adding.store, settings, [parse_file(FIXTURES / "ah-tk-20232024-901.xml")]
    )
    assert report.added
    adding.reload()

    result = serving.search(question)
    assert result.answered and "Wetboek van Strafvordering" in result.results[0].text
    assert len(serving.documents()) == 6
