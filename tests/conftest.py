"""Shared fixtures."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from bot.settings import AdapterSettings
from retrieval.embedding import Embedder
from retrieval.engine import Engine
from retrieval.generation import Generation
from retrieval.settings import DEFAULT_MODEL, Settings
from retrieval.writer import index_folders
from tests.telegram_emulator import TelegramEmulator

# Hypothesis (under Schemathesis, tests/test_web_fuzz.py) keeps its caches in a temporary folder,
# not in .hypothesis/ beside the repository; set before it first looks, while tests are collected.
os.environ.setdefault(
    "HYPOTHESIS_STORAGE_DIRECTORY", str(Path(tempfile.gettempdir()) / "vraagbaak-hypothesis")
)

# --- the engine most tests share ------------------------------------------------------------
SHARED = Path(__file__).resolve().parents[1].parent / "shared"
VRAAGBAAK = Path(sys.executable).with_name("vraagbaak")


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The default model, loaded once for every test that runs it in this process."""
    return Embedder(DEFAULT_MODEL)


def build_index(settings: Settings, embedder: Embedder) -> Generation:
    """What `vraagbaak index` does: the configured corpus stored and the index saved."""
    return index_folders(settings, embedder)[1]


@pytest.fixture(scope="session")
def engine(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Engine:
    """The real engine (default model, SQLite, FAISS, BM25) on the bundled corpus, indexed once."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("data"))
    build_index(settings, embedder)
    return Engine(settings, embedder=embedder)


@pytest.fixture(scope="session")
def grown(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """The grown corpus (bundled + ../shared/corpora), built once with `vraagbaak add` as
    bench/corpora.py builds it; its tests skip when ../shared/corpora is absent."""
    from bench import corpora

    if not corpora.LIMBURG.exists():
        pytest.skip("../shared/corpora is not beside the repository")
    folder = corpora.build(
        "grown",
        DEFAULT_MODEL,
        folder=tmp_path_factory.mktemp("grown"),
        files=tmp_path_factory.mktemp("grown-files"),
    )
    return Engine(Settings(data_dir=folder, database_url=None))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- web fixtures (tests/test_web*.py) -------------------------------------------------------
WEB_ENV_CLEARED = (
    "TELEGRAM_BOT_TOKEN", "TELEGRAM_API_BASE_URL", "WEBHOOK_SECRET", "WEBHOOK_URL",
    "PUBLIC_BASE_URL", "DATABASE_URL", "VRAAGBAAK_CORPUS",
)  # fmt: skip
WEBHOOK_SECRET = "test-webhook-secret_1"


class WebhookEmulator(TelegramEmulator):
    """The Bot API emulator, also accepting setWebhook (recorded in its calls)."""

    async def _api_setwebhook(self, _: dict[str, object]) -> bool:
        return True


@dataclass
class WebServer:
    """A `vraagbaak serve` process on 127.0.0.1, with its settings and log file."""

    base_url: str
    settings: Settings  # what the server runs with
    adapters: AdapterSettings
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self, since: int = 0) -> str:
        """The server's log from byte `since` on (see `log_size`)."""
        with self.log_path.open("rb") as handle:
            handle.seek(since)
            return handle.read().decode(errors="replace")

    def log_size(self) -> int:
        return self.log_path.stat().st_size


@pytest.fixture(scope="session")
def telegram_api() -> Iterator[WebhookEmulator]:
    with WebhookEmulator() as emulator:
        yield emulator


@pytest.fixture(scope="session")
def web_server(
    tmp_path_factory: pytest.TempPathFactory, telegram_api: WebhookEmulator
) -> Iterator[WebServer]:
    """`vraagbaak serve --webhook-url`, with the bot on the emulator; waits for /readyz."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    settings = Settings(data_dir=tmp_path_factory.mktemp("web-data"))
    adapters = AdapterSettings(
        public_base_url=base_url,
        telegram_bot_token=telegram_api.token,
        telegram_api_base_url=telegram_api.base_url,
        webhook_secret=WEBHOOK_SECRET,
    )
    env = {
        "PUBLIC_BASE_URL": base_url,
        "TELEGRAM_BOT_TOKEN": telegram_api.token,
        "TELEGRAM_API_BASE_URL": telegram_api.base_url,
        "WEBHOOK_SECRET": WEBHOOK_SECRET,
    }
    workdir = tmp_path_factory.mktemp("web-run")
    with serve(
        port, settings, env, workdir, "--webhook-url", base_url, adapters=adapters
    ) as server:
        yield server


# Kamervraag page text; a test fills in what the "Bron" lines state.
KAMERVRAAG_PAGE = """Kamervraag 2099Z00001

Spyware op de telefoons van journalisten

Ingediend 3 maart 2024
Beantwoord 2 april 2024 (na 30 dagen)
Indieners Anna de Vries (D66)
Beantwoord door Bram Jansen (minister justitie en veiligheid) (VVD)
Bron vraag {vraag}
Bron antwoord {antwoord}
 • Vraag 1
  Hoeveel journalisten zijn met Pegasus-spyware bespioneerd?

  Het kabinet heeft geen aanwijzingen dat journalisten in Nederland zijn bespioneerd.
"""
SCRIPT_URL = "javascript:alert(document.domain)"
HOSTILE_MANIFEST = f"""[[document]]
file = "kamervraag.txt"

[[document]]
file = "notitie.txt"
id = "notitie-spyware"
urls = {{ bron = "{SCRIPT_URL}" }}
"""


@pytest.fixture(scope="session")
def hostile_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebServer]:
    """`vraagbaak serve` without PUBLIC_BASE_URL over two documents whose sources are scripts.

    One states `Bron vraag javascript:…` in its text, the other has it in its manifest entry (as
    a database from before the parsers checked would): neither may become a link.
    """
    corpus = tmp_path_factory.mktemp("hostile-corpus")
    answer = "https://zoek.officielebekendmakingen.nl/ah-tk-20232024-9999.html"
    (corpus / "kamervraag.txt").write_text(
        KAMERVRAAG_PAGE.format(vraag=SCRIPT_URL, antwoord=answer)
    )
    (corpus / "notitie.txt").write_text(
        "Notitie over de export van spyware\n\nDe minister laat de uitvoer van spyware naar "
        "landen met een slechte mensenrechtensituatie strenger controleren.\n"
    )
    (corpus / "manifest.toml").write_text(HOSTILE_MANIFEST)
    port = free_port()
    settings = Settings(data_dir=tmp_path_factory.mktemp("hostile-data"), corpus_dirs=[corpus])
    env = {"VRAAGBAAK_CORPUS": str(corpus)}
    with serve(port, settings, env, tmp_path_factory.mktemp("hostile-run")) as server:
        yield server


@contextmanager
def serve(
    port: int,
    settings: Settings,
    env: dict[str, str],
    workdir: Path,
    *args: str,
    adapters: AdapterSettings | None = None,
) -> Iterator[WebServer]:
    """`vraagbaak serve` on 127.0.0.1:`port` with `settings` and `adapters` (also given as
    `env`), run in `workdir` (so no developer's .env is read); waits for /readyz, stops it
    afterwards."""
    base_url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k not in WEB_ENV_CLEARED} | {
        "VRAAGBAAK_DATA_DIR": str(settings.data_dir),
        **env,
    }
    log_path = workdir / "serve.log"
    command = [str(VRAAGBAAK), "serve", "--port", str(port)]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*command, *args], env=env, cwd=workdir, stdout=log, stderr=subprocess.STDOUT
        )
    server = WebServer(base_url, settings, adapters or AdapterSettings(), process, log_path)
    try:
        deadline = time.monotonic() + 180
        while httpx_status(f"{base_url}/readyz") != 200:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"vraagbaak serve did not get ready:\n{server.log()}")
            time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def httpx_status(url: str) -> int | None:
    try:
        return httpx.get(url, timeout=2).status_code
    except httpx.TransportError:
        return None


@pytest.fixture(scope="session")
def web(web_server: WebServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=web_server.base_url, timeout=30) as client:
        yield client
