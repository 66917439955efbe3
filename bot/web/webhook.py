"""Telegram webhook mode: updates arrive by POST and go to the same PTB application as polling."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Request
from telegram import Update
from telegram.ext import Application

from bot.settings import AdapterSettings
from bot.telegram.app import build_application, setup_bot
from bot.web.deps import SettingsDep, StateDep
from retrieval.engine import Engine

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)


def webhook_path(settings: AdapterSettings) -> str:
    """The secret last part of the webhook URL, derived from the bot token."""
    assert settings.telegram_bot_token is not None
    token = settings.telegram_bot_token.get_secret_value().encode()
    return hmac.new(token, b"vraagbaak webhook path", hashlib.sha256).hexdigest()[:32]


def webhook_url(settings: AdapterSettings) -> str:
    assert settings.webhook_url is not None
    return f"{settings.webhook_url.rstrip('/')}/telegram/{webhook_path(settings)}"


async def start_telegram(settings: AdapterSettings, engine: Engine) -> Application:
    """The bot's application, started; with `webhook_url` set, the webhook registered too."""
    assert settings.webhook_secret is not None
    application = build_application(settings, engine)
    await application.initialize()
    await setup_bot(application)
    await application.start()
    if settings.webhook_url:
        await application.bot.set_webhook(
            url=webhook_url(settings),
            secret_token=settings.webhook_secret.get_secret_value(),
            allowed_updates=Update.ALL_TYPES,
        )
        log.info("Webhook set to %s/telegram/<secret path>", settings.webhook_url.rstrip("/"))
    return application


async def stop_telegram(application: Application) -> None:
    """Stops handling updates; the webhook stays registered for the next start."""
    await application.stop()
    await application.shutdown()


def secret_matches(given: str | None, settings: AdapterSettings) -> bool:
    expected = settings.webhook_secret
    return (
        given is not None
        and expected is not None
        and hmac.compare_digest(given.encode(), expected.get_secret_value().encode())
    )


@router.post("/telegram/{path}")
async def telegram_update(
    path: str,
    request: Request,
    state: StateDep,
    settings: SettingsDep,
    secret: Annotated[str | None, Header(alias="X-Telegram-Bot-Api-Secret-Token")] = None,
) -> dict[str, bool]:
    application = state.telegram
    if application is None or not hmac.compare_digest(
        path.encode(), webhook_path(settings).encode()
    ):
        raise HTTPException(404, "Not Found")
    if not secret_matches(secret, settings):
        raise HTTPException(403, "Forbidden")
    try:
        data = json.loads(await request.body())
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            raise ValueError("not an update object")
        update = Update.de_json(data, application.bot)
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
        log.warning("Refused a malformed webhook update: %s", exc)
        raise HTTPException(400, "Malformed update.") from exc
    await application.update_queue.put(update)
    return {"ok": True}
