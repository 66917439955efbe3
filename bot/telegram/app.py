"""The Telegram Application: built once, run by long polling here or fed by a webhook elsewhere."""

from __future__ import annotations

import logging

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.ext import AIORateLimiter, Application, Defaults

from bot.settings import AdapterSettings
from bot.telegram.handlers import BotHandlers
from bot.telegram.texts import Lang, text
from retrieval.engine import Engine

log = logging.getLogger(__name__)

CONCURRENT_UPDATES = 64  # updates handled at once; retrieval itself runs in worker threads
MAX_RETRIES = 3  # a 429 is retried after its retry_after this many times


def build_application(settings: AdapterSettings, engine: Engine) -> Application:
    """An Application with every handler registered; for `run_polling` or `process_update`.

    A webhook server must call `await application.initialize()` and `await setup_bot(application)`
    once before feeding it updates (`run_polling` does both itself).
    """
    if settings.telegram_bot_token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    builder = (
        Application.builder()
        .token(settings.telegram_bot_token.get_secret_value())
        .concurrent_updates(CONCURRENT_UPDATES)
        .rate_limiter(AIORateLimiter(max_retries=MAX_RETRIES))
        .defaults(Defaults(link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .post_init(setup_bot)
    )
    if urls := settings.bot_api_urls():
        base_url, file_url = urls
        builder = builder.base_url(base_url).base_file_url(file_url)
    application = builder.build()
    BotHandlers(settings, engine).register(application)
    return application


#: Commands by their Dutch and English names, as the menu lists them.
MENU = (
    ("help", "help", "cmd_start"),
    ("ask", "ask", "cmd_ask"),
    ("tijdlijn", "timeline", "cmd_timeline"),
    ("volg", "follow", "cmd_follow"),
    ("gevolgd", "following", "cmd_following"),
    ("ontvolg", "unfollow", "cmd_unfollow"),
    ("bronnen", "sources", "cmd_sources"),
    ("over", "about", "cmd_about"),
)


def commands(lang: Lang) -> list[BotCommand]:
    return [BotCommand(nl if lang == "nl" else en, text(lang, key)) for nl, en, key in MENU]


async def setup_bot(application: Application) -> None:
    """Register the command menu, in Dutch for Dutch users and in English for everyone else."""
    bot = application.bot
    await bot.set_my_commands(commands("en"))
    await bot.set_my_commands(commands("nl"), language_code="nl")
    log.info("Bot @%s ready", bot.username)


def run_polling(settings: AdapterSettings, engine: Engine) -> None:
    """Long polling until interrupted (`vraagbaak bot`)."""
    application = build_application(settings, engine)
    application.run_polling(allowed_updates=Update.ALL_TYPES)
