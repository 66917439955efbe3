"""The console chat: the bot's replies as plain text, from piped input, ending cleanly on EOF."""

from __future__ import annotations

import asyncio
import io
import logging
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.console import run_console
from bot.logs import RedactToken
from bot.settings import AdapterSettings
from retrieval.engine import Engine
from tests.telegram_emulator import Chat, TelegramEmulator, User


def test_console_answers_each_line_as_plain_text(engine: Engine) -> None:
    stdin = io.StringIO(
        "/help\nWil Nederland Rusland uitsluiten van INTERPOL?\n\nappeltaart?\n"
        "/tijdlijn export van surveillancetechnologie tot 2020\n"
    )
    stdout = io.StringIO()
    run_console(engine=engine, stdin=stdin, stdout=stdout)
    output = stdout.getvalue()
    best = engine.search("Wil Nederland Rusland uitsluiten van INTERPOL?").results[0]
    assert f"> {best.text.splitlines()[0]}" in output
    assert best.link and best.link in output
    assert "<b>" not in output and "<blockquote>" not in output
    assert "/bronnen" in output or "/sources" in output
    # the console speaks the language of LANG
    heading = re.search(r"(Tijdlijn|Timeline): export van surveillancetechnologie", output)
    assert heading, output
    timeline = output[heading.start() :].lower()
    assert "31 december 2019" in timeline.split("\n")[1]
    assert timeline.index("9 o") < timeline.index("5 september 2019")  # oktober, october


def bot_command_env(engine: Engine, **telegram: str) -> dict[str, str]:
    """The environment for `vraagbaak bot`: the test engine's data, no token unless given."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
    return env | {"VRAAGBAAK_DATA_DIR": str(engine.settings.data_dir)} | telegram


BOT_COMMAND = [sys.executable, "-c", "from bot.cli import main; main()", "bot"]


def test_bot_command_without_token_runs_the_console(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    for name, value in bot_command_env(engine).items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    done = CliRunner().invoke(app, ["bot"], input="Wat is spyware?\n")
    assert done.exit_code == 0, done.output
    assert "\n> " in done.output and "📄" in done.output


@pytest.mark.parametrize(
    "configured",
    ["http://127.0.0.1:8081", "http://127.0.0.1:8081/", "http://127.0.0.1:8081/bot",
     "http://127.0.0.1:8081/bot/"],
)  # fmt: skip
def test_the_bot_api_url_is_a_server_root_or_the_ptb_form(configured: str) -> None:
    urls = AdapterSettings(telegram_api_base_url=configured).bot_api_urls()
    assert urls == ("http://127.0.0.1:8081/bot", "http://127.0.0.1:8081/file/bot")


def test_log_filter_redacts_the_token() -> None:
    token = "123456:SECRET"
    url = f"https://api.telegram.org/bot{token}/getMe"
    record = logging.LogRecord("httpx", logging.INFO, __file__, 1, "POST %s", (url,), None)
    assert RedactToken(token).filter(record)
    assert record.getMessage() == "POST https://api.telegram.org/bot<token>/getMe"


def test_the_token_stays_out_of_the_log_when_logging_is_set_up_again() -> None:
    probe = (
        "import logging; from bot.logs import configure_logging, redact; "
        "configure_logging(logging.WARNING); redact('123456:SECRET'); "
        "configure_logging(logging.INFO); logging.getLogger('x').info('token 123456:SECRET')"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert "token <token>" in done.stderr and "SECRET" not in done.stderr


@pytest.mark.asyncio(loop_scope="session")
async def test_bot_command_with_token_polls_the_configured_api(
    engine: Engine, tmp_path: Path
) -> None:
    with TelegramEmulator(token="654321:OTHER-token") as emulator:
        env = bot_command_env(
            engine,
            TELEGRAM_BOT_TOKEN=emulator.token,
            TELEGRAM_API_BASE_URL=emulator.base_url,  # PTB's form; the root in test_bot_telegram
        )
        process = subprocess.Popen(
            BOT_COMMAND, env=env, cwd=tmp_path, stderr=subprocess.PIPE, text=True
        )
        try:
            user = User(77, "Eva", "nl")
            message = await emulator.send_message(user, Chat.private(user), "Wat is spyware?")
            reply = await emulator.reply_to(message, timeout=90)
            assert reply.error is None and "<blockquote>" in reply.params["text"]
        finally:
            process.send_signal(signal.SIGINT)
            _, stderr = await asyncio.to_thread(process.communicate, timeout=30)
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr and emulator.token not in stderr
    assert emulator.state.commands["nl"]
