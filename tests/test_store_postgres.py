"""`DATABASE_URL` switches the store to PostgreSQL: proven against a real server started here.

The server comes from Debian's `postgresql` package (scripts/test installs it where it can); without
its binaries the test is skipped with that reason.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import func, select

from retrieval.embedding import Embedder
from retrieval.engine import Engine
from retrieval.settings import Settings
from retrieval.store import ChunkRecord, DocumentRecord
from tests.conftest import build_index


def _as_server_user(args: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run it as the `postgres` user the package creates."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        pytest.skip("no PostgreSQL server binaries (Debian package `postgresql`) on this machine")
    bin_dir = Path(found[-1]).parent
    folder = Path(tempfile.mkdtemp(prefix="vraagbaak-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    data, port = folder / "data", _free_port()
    subprocess.run(
        _as_server_user(
            [str(bin_dir / "initdb"), "-D", str(data), "-U", "vraagbaak", "--auth=trust"]
        ),
        check=True,
        capture_output=True,
    )
    options = f"-k {folder} -p {port} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(
        _as_server_user(
            [
                str(bin_dir / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                options,
                "-l",
                str(folder / "log"),
                "-w",
                "start",
            ]
        ),
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql+psycopg://vraagbaak@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            _as_server_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"]),
            capture_output=True,
        )
        shutil.rmtree(folder, ignore_errors=True)


def test_the_engine_runs_on_postgresql(
    postgres_url: str, tmp_path: Path, embedder: Embedder
) -> None:
    settings = Settings(data_dir=tmp_path, database_url=postgres_url)
    build_index(settings, embedder)
    engine = Engine(settings, embedder=embedder)
    assert not (tmp_path / "vraagbaak.db").exists()  # nothing went to SQLite

    with engine.store.session() as session:
        assert session.exec(select(func.count()).select_from(DocumentRecord)).one() == 5
        assert session.exec(select(func.count()).select_from(ChunkRecord)).one() > 20

    result = engine.search("Wanneer schreef de minister van Justitie aan INTERPOL?")
    assert result.answered and result.results[0].doc_id == "kv-tk-2022Z04503"
    document = engine.document("kv-tk-2017Z04681")
    assert document is not None and document.urls["vraag"].endswith("kv-tk-2017Z04681.html")

    # the embedding cache lives in PostgreSQL too: a new index from it embeds nothing
    shutil.rmtree(settings.index_dir)
    before = embedder.encoded_texts
    build_index(settings, embedder)
    assert embedder.encoded_texts == before
