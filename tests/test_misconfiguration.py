"""A setting that cannot work gets one line that names it and says what to do, and a non-zero
exit; the service reports the real cause."""

from __future__ import annotations

import os
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.cli import Root, service
from retrieval.engine import Engine
from tests.conftest import VRAAGBAAK, free_port

FIXTURE = Path(__file__).parent / "fixtures/ah-tk-20232024-901.xml"
#: Settings of a developer's environment that would change what these runs see.
CLEARED = ("DATABASE_URL", "VRAAGBAAK_CORPUS", "EMBEDDING_MODEL", "TELEGRAM_BOT_TOKEN",
           "TELEGRAM_API_BASE_URL", "WEBHOOK_SECRET", "WEBHOOK_URL", "PUBLIC_BASE_URL")  # fmt: skip


def vraagbaak(data_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in CLEARED}
    environment |= {"VRAAGBAAK_DATA_DIR": str(data_dir)} | env
    return subprocess.run(
        [str(VRAAGBAAK), *args],
        capture_output=True,
        text=True,
        env=environment,
        cwd=data_dir.parent,  # no .env of the developer's
        timeout=300,
    )


def one_line(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DATABASE_URL", "notaurl", "DATABASE_URL is not a database URL ('notaurl'): use e.g."),
        ("DATABASE_URL", "mysql://vraagbaak@127.0.0.1/db", "DATABASE_URL: no driver for 'mysql'"),
        ("DATABASE_URL", "postgresql+psycopg://vraagbaak@127.0.0.1:{port}/db",
         "Cannot reach the database postgresql+psycopg://vraagbaak@127.0.0.1:{port}/db ("),
        ("VRAAGBAAK_DATA_DIR", "{file}/data", "VRAAGBAAK_DATA_DIR: cannot create {file}"),
        ("EMBEDDING_MODEL", "", "EMBEDDING_MODEL: String should have at least 1 character"),
        ("CHUNK_CHARS", "veel", "CHUNK_CHARS: Input should be a valid integer"),
        ("TELEGRAM_API_BASE_URL", "127.0.0.1:8081", "TELEGRAM_API_BASE_URL: String should match"),
    ],
)  # fmt: skip
def test_a_bad_setting_is_one_line_and_a_non_zero_exit(
    tmp_path: Path, name: str, value: str, message: str
) -> None:
    not_a_folder = tmp_path / "a-file"
    not_a_folder.write_text("")
    values = {"port": str(free_port()), "file": str(not_a_folder)}  # nothing listens on port
    data_dir = tmp_path / "data"
    line = one_line(
        vraagbaak(data_dir, "search", "Wat is spyware?", **{name: value.format(**values)})
    )
    assert line.startswith(message.format(**values))


@pytest.fixture
def hub_trap() -> Iterator[list[str]]:
    """A proxy on loopback that records every connection made through it, and answers none."""
    connections: list[str] = []
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    running = True

    def accept() -> None:
        while running:
            try:
                connection, address = server.accept()
            except TimeoutError:
                continue
            connections.append(f"{address}")
            connection.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    connections.insert(0, f"http://127.0.0.1:{server.getsockname()[1]}")
    yield connections
    running = False
    thread.join()
    server.close()


def test_an_unknown_model_is_one_line_and_the_hub_is_never_asked(
    tmp_path: Path, hub_trap: list[str]
) -> None:
    proxy = hub_trap[0]
    done = vraagbaak(
        tmp_path / "data",
        "search",
        "Wat is spyware?",
        EMBEDDING_MODEL="intfloat/no-such-model",
        HTTP_PROXY=proxy,
        HTTPS_PROXY=proxy,
        ALL_PROXY=proxy,
        NO_PROXY="",
    )
    line = one_line(done)
    assert line.startswith(
        "EMBEDDING_MODEL='intfloat/no-such-model' is not a model on this machine"
    )
    assert "nothing is downloaded" in line
    assert hub_trap[1:] == []  # no connection was made through the proxy


def read_only_url(data_dir: Path) -> str:
    return f"sqlite:///file:{data_dir / 'vraagbaak.db'}?mode=ro&uri=true"


def test_a_read_only_database_is_one_line_for_writers_and_the_bot(
    engine: Engine, tmp_path: Path
) -> None:
    read_only = read_only_url(engine.settings.data_dir)
    expected = "The database sqlite:///file"
    added = vraagbaak(tmp_path / "data", "add", str(FIXTURE), DATABASE_URL=read_only)
    line = one_line(added)
    assert line.startswith(expected) and "is read-only: make it writable" in line
    bot = vraagbaak(
        engine.settings.data_dir,
        "bot",
        DATABASE_URL=read_only,
        TELEGRAM_BOT_TOKEN="123456:TEST-token",
        TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{free_port()}",
    )
    assert "is read-only" in one_line(bot)
    # reading needs no writes: questions are still answered
    reading = engine.settings.model_copy(update={"database_url": read_only})
    assert Engine(reading, engine.embedder).search("Wat is spyware?").answered


def test_the_service_reports_the_real_cause(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in CLEARED:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("VRAAGBAAK_DATA_DIR", str(engine.settings.data_dir))
    monkeypatch.setenv("EMBEDDING_MODEL", "/no/such/model")
    with TestClient(service(Root("vraagbaak serve"))) as client:
        deadline = time.monotonic() + 60
        while (ready := client.get("/readyz")).json().get("detail") == "loading":
            assert time.monotonic() < deadline
            time.sleep(0.2)
        assert ready.status_code == 503
        cause = ready.json()["detail"]
        assert cause.startswith("EMBEDDING_MODEL='/no/such/model' is not a model on this machine")
        searched = client.get("/api/search", params={"q": "Wat is spyware?"})
        assert searched.status_code == 503 and searched.json() == {"detail": cause}
