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


@app.command()
def serve(
    host: str = "127.0.0.1", port: int = 8000, workers: int = 1, webhook_url: str | None = None
) -> None:
    """Run the HTTP service: search API, passage pages and (with a bot token) the webhook.

    --webhook-url is this service's public URL; the bot's webhook is set under it on start.
    """
    from bot.web.serve import run_server
    from retrieval.cli import fail

    try:
        run_server(host, port, workers, webhook_url)
    except ValueError as exc:
        raise fail(str(exc)) from exc
