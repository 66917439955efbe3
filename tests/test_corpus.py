"""The bundled corpus and its manifest."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.corpus import load_corpus, load_manifest
from retrieval.documents import Document
from retrieval.engine import Engine
from retrieval.parsing import ParseError

CORPUS = Path(__file__).parents[1] / "corpus"


def test_manifest_lists_existing_files() -> None:
    entries = load_manifest(CORPUS)
    assert sorted(e["file"] for e in entries) == sorted(p.name for p in CORPUS.glob("*.txt"))
    ids = [e["id"] for e in entries]
    assert len(ids) == len(set(ids))


def test_corpus_loads_with_manifest_values() -> None:
    documents = load_corpus(CORPUS)
    entries = {e["file"]: e for e in load_manifest(CORPUS)}
    assert len(documents) == len(entries)
    for doc in documents:
        entry = entries[Path(doc.source_file).name]
        assert (doc.doc_id, doc.doc_type, doc.title) == (entry["id"], entry["type"], entry["title"])
        assert doc.urls == entry.get("urls", {})
        raw = Path(doc.source_file).read_text(encoding="utf-8")
        for url in doc.urls.values():
            assert url in raw  # never an invented link
        assert doc.sections


def test_ministry_is_stored_returned_and_optional(engine: Engine) -> None:
    result = engine.search("Is INTERPOL een politieke organisatie?").to_json()
    first = result["results"][0]
    assert (first["doc_id"], first["ministry"]) == ("kv-tk-2022Z04503", "buitenlandse zaken")
    assert engine.document("kv-tk-2022Z04503").ministry == "buitenlandse zaken"
    old = engine.document("beslisnota-2024D13328").to_dict()
    del old["ministry"]  # JSON stored before the field existed
    assert Document.from_dict(old).ministry is None


def test_bad_manifest_entry_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "manifest.toml").write_text('[[document]]\nfile = "leeg.txt"\n', encoding="utf-8")
    (tmp_path / "leeg.txt").write_text("", encoding="utf-8")
    with pytest.raises(ParseError, match=r"leeg\.txt"):
        load_corpus(tmp_path)
    (tmp_path / "manifest.toml").write_text('[[document]]\nfile = "x.txt"\nurl = "y"\n')
    with pytest.raises(ParseError, match="unknown keys"):
        load_manifest(tmp_path)
