"""The database under change: an older schema migrated in place, a file replaced or deleted under a
running process reopened."""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from retrieval.ingest import document_version
from retrieval.parsing import parse_file
from retrieval.settings import Settings
from retrieval.store import Store

FIXTURE = Path(__file__).parent / "fixtures/ah-tk-20232024-901.xml"


def test_a_database_of_the_older_schema_is_migrated_in_place(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    document = parse_file(FIXTURE)
    store = Store(settings.sqlalchemy_url)
    store.replace_document(document, [], document_version(document, settings))
    store.engine.dispose()
    with sqlite3.connect(tmp_path / "vraagbaak.db") as db:  # as vraagbaak wrote it before
        db.execute("ALTER TABLE document RENAME COLUMN version TO content_hash")
    reopened = Store(settings.sqlalchemy_url)
    assert reopened.document_versions() == {document.doc_id: document_version(document, settings)}


def test_a_database_file_replaced_or_deleted_under_a_running_process_is_reopened(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(data_dir=tmp_path)
    path = tmp_path / "vraagbaak.db"
    running = Store(settings.sqlalchemy_url)
    assert running.document_versions() == {}
    restored = tmp_path / "backup.db"  # a backup with one document, restored over the file
    backup = Store(f"sqlite:///{restored}")
    document = parse_file(FIXTURE)
    backup.replace_document(document, [], document_version(document, settings))
    backup.engine.dispose()
    shutil.copy(restored, tmp_path / "copy.db")
    os.replace(tmp_path / "copy.db", path)
    with caplog.at_level(logging.WARNING):
        assert list(running.document_versions()) == [document.doc_id]
    assert f"The database file {path} was replaced: opening it again" in caplog.text

    path.unlink()
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        assert running.document_versions() == {}
    assert "was deleted: opening it again" in caplog.text and path.exists()
