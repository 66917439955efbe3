"""Followed topics end to end: the real bot (PTB over HTTP against the Bot API emulator), its
own sync from the local stand-in for the official sources, `vraagbaak add` in another process,
and the database the alerts are counted in."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import threading
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import pytest_asyncio
from telegram.ext import Application

from bot.settings import AdapterSettings
from bot.telegram.app import build_application
from bot.telegram.follows import Claim, Follows
from retrieval.embedding import Embedder
from retrieval.engine import Engine
from retrieval.settings import Settings
from retrieval.store import Store
from tests.conftest import VRAAGBAAK
from tests.telegram_emulator import Call, Chat, TelegramEmulator, User, parse_html
from tests.test_sync import FIXTURES, odata_page

on_the_loop = pytest.mark.asyncio(loop_scope="session")

ANNA = User(3001, "Anna", "nl")
BOB = User(3002, "Bob", "en")
TOPIC = "spyware bij gemeenten"


class Sources(BaseHTTPRequestHandler):
    """The Tweede Kamer lists a question about spyware used by municipalities, its answer, and
    an unrelated answer about the AIVD tapping internet traffic; officielebekendmakingen
    serves the three publications."""

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        path = self.path.split("?")[0].strip("/")
        if path == "odata/Document":
            items = [
                {"Soort": "Schriftelijke vragen", "Zaak": [{"Nummer": "2024Z00001"}]},
                {
                    "Soort": "Antwoord schriftelijke vragen",
                    "Vergaderjaar": "2023-2024",
                    "Aanhangselnummer": "202320240901",
                },
                {
                    "Soort": "Antwoord schriftelijke vragen",
                    "Vergaderjaar": "2009-2010",
                    "Aanhangselnummer": "200920101234",
                },
            ]
            return self.send(odata_page(items, None))
        fixture = FIXTURES / path
        if path.endswith(".xml") and "/" not in path and fixture.is_file():
            return self.send(fixture.read_bytes())
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()
        return None

    def send(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def sources() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Sources)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def own_engine(
    tmp_path_factory: pytest.TempPathFactory, engine: Engine, embedder: Embedder, sources: str
) -> Engine:
    """A copy of the session's bundled index (so the documents synced here stay here), with the
    stand-in sources and a quick look for new generations."""
    data = tmp_path_factory.mktemp("alerts") / "data"
    shutil.copytree(engine.settings.data_dir, data)
    settings = Settings(
        data_dir=data,
        officielebekendmakingen_url=sources,
        tk_odata_url=f"{sources}/odata",
        sru_url=f"{sources}/sru",
        index_recheck_seconds=1,
        http_retries=0,
    )
    return Engine(settings, embedder=embedder)


@pytest.fixture(scope="module")
def emulator() -> Iterator[TelegramEmulator]:
    with TelegramEmulator() as emulator:
        yield emulator


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def bot(emulator: TelegramEmulator, own_engine: Engine) -> AsyncIterator[Application]:
    settings = AdapterSettings(
        telegram_bot_token=emulator.token,
        telegram_api_base_url=emulator.root_url,
        sync_interval_minutes=60,  # scheduled; the test runs the job itself
    )
    application = build_application(settings, own_engine)
    async with application:
        await application.start()
        await application.updater.start_polling(poll_interval=0, timeout=5)
        yield application
        await application.updater.stop()
        await application.stop()


async def run_job(application: Application, name: str) -> None:
    [job] = application.job_queue.get_jobs_by_name(name)
    await job.run(application)


def alerts_to(emulator: TelegramEmulator, user: User, since: int) -> list[Call]:
    return [
        c
        for c in emulator.calls("sendMessage")[since:]
        if c.params["chat_id"] == user.id and "🔔" in c.params["text"]
    ]


async def follow(emulator: TelegramEmulator, user: User, topic: str) -> None:
    message = await emulator.send_message(user, Chat.private(user), f"/follow {topic}")
    reply = await emulator.reply_to(message)
    assert "follow" in reply.params["text"]


@on_the_loop
async def test_a_sync_with_one_matching_and_one_unrelated_document_sends_one_alert(
    bot: Application, emulator: TelegramEmulator, own_engine: Engine
) -> None:
    await run_job(bot, "alerts")  # the first look notes what is there
    await follow(emulator, ANNA, TOPIC)
    before = set(own_engine.versions())
    since = len(emulator.calls("sendMessage"))
    await run_job(bot, "sync")
    added = set(own_engine.versions()) - before
    assert added == {"kv-tk-2024Z00001", "ah-tk-20092010-1234"}  # one matching, one unrelated
    [alert] = alerts_to(emulator, ANNA, since)
    assert alert.error is None
    visible = parse_html(alert.params["text"])
    assert visible.startswith(f"🔔 New on {TOPIC}")
    assert "spyware door gemeenten" in visible  # the source: the matching document's title
    quoted = alert.params["text"].split("<blockquote>")[1].split("</blockquote>")[0]
    plain = parse_html(quoted).replace("<b>", "").strip(" …")
    assert plain in own_engine.document("kv-tk-2024Z00001").text
    assert "AIVD" not in visible
    # checked again, and after a restart of the job: never the same passage twice
    await run_job(bot, "alerts")
    await run_job(bot, "sync")
    assert len(alerts_to(emulator, ANNA, since)) == 1


@on_the_loop
async def test_documents_added_by_another_process_are_alerted_and_a_blocked_chat_unsubscribed(
    bot: Application, emulator: TelegramEmulator, own_engine: Engine, tmp_path: Path
) -> None:
    await follow(emulator, BOB, TOPIC)
    emulator.state.blocked.add(BOB.id)
    note = tmp_path / "spyware-gemeenten.txt"
    note.write_text(
        "Kabinet verbiedt spyware bij gemeenten\n\nDe minister van Justitie en Veiligheid "
        "verbiedt gemeenten om spyware te gebruiken om inwoners te volgen. Gemeenten hebben "
        "daarvoor geen wettelijke grondslag.\n"
    )
    since = len(emulator.calls("sendMessage"))
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "VRAAGBAAK_CORPUS")}
    env["VRAAGBAAK_DATA_DIR"] = str(own_engine.settings.data_dir)
    done = subprocess.run(
        [str(VRAAGBAAK), "add", str(note)], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    for _ in range(300):  # the bot's job looks every second
        if alerts_to(emulator, ANNA, since) and not Follows(own_engine.store).topics(BOB.id):
            break
        await asyncio.sleep(0.1)
    [alert] = alerts_to(emulator, ANNA, since)
    assert "Kabinet verbiedt spyware bij gemeenten" in parse_html(alert.params["text"])
    refused = [c for c in emulator.calls("sendMessage")[since:] if c.params["chat_id"] == BOB.id]
    assert [c.error for c in refused] == ["Forbidden: bot was blocked by the user"]
    assert Follows(own_engine.store).topics(BOB.id) == []  # not retried forever
    assert "spyware-gemeenten" in own_engine.versions()


def test_alerts_are_claimed_once_and_counted_per_day(tmp_path: Path) -> None:
    follows = Follows(Store(f"sqlite:///{tmp_path / 'bot.db'}"))
    claims = [follows.claim(1, f"passage-{i}", per_day=3) for i in range(4)]
    assert claims == [Claim.CLAIMED] * 3 + [Claim.DAILY_LIMIT]
    assert follows.claim(1, "passage-0", per_day=3) is Claim.SENT_BEFORE
    assert follows.claim(2, "passage-0", per_day=3) is Claim.CLAIMED  # another chat
    assert follows.add(1, "kwik", "nl") and not follows.add(1, "KWIK", "nl")
    follows.forget_chat(1)
    assert follows.topics(1) == []
