"""The installed `vraagbaak` command: the core's commands plus the adapters' (bot, serve)."""

from __future__ import annotations

from retrieval.cli import app

__all__ = ["app"]


@app.command()
def bot() -> None:
    """Run the Telegram bot (long polling); without TELEGRAM_BOT_TOKEN, a chat on the console."""
    from bot.console import run_console
    from bot.telegram.app import run_polling
    from retrieval.settings import get_settings

    settings = get_settings()
    if settings.telegram_bot_token is None:
        run_console(settings)
    else:
        run_polling(settings)
