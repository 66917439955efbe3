"""Webhook mode: `vraagbaak serve --webhook-url` with the real bot, against the Bot API emulator."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from bot.web.webhook import webhook_path
from tests.conftest import WEBHOOK_SECRET, WebhookEmulator, WebServer
from tests.telegram_emulator import Chat, User

pytestmark = pytest.mark.asyncio(loop_scope="session")

ANNA = User(2001, "Anna", "nl")
QUESTION = "Wil Nederland Rusland uitsluiten van INTERPOL?"


@pytest.fixture(scope="module")
def webhook_url(web_server: WebServer) -> str:
    return f"{web_server.base_url}/telegram/{webhook_path(web_server.adapters)}"


async def post_update(
    url: str,
    content: bytes | None = None,
    json: object = None,
    secret: str | bytes | None = None,
) -> httpx.Response:
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    async with httpx.AsyncClient(timeout=30) as client:
        return await client.post(url, content=content, json=json, headers=headers)


async def user_message(telegram_api: WebhookEmulator, text: str) -> tuple[dict, dict]:
    """A message the emulator knows about (so the bot can reply to it) and its update."""
    message = await telegram_api.send_message(ANNA, Chat.private(ANNA), text)
    update = {
        "update_id": message["_update_id"],
        "message": {k: v for k, v in message.items() if not k.startswith("_")},
    }
    return message, update


async def test_webhook_is_registered_on_start(
    telegram_api: WebhookEmulator, webhook_url: str, web_server: WebServer
) -> None:
    (call,) = telegram_api.calls("setWebhook")
    assert call.params["url"] == webhook_url
    assert call.params["secret_token"] == WEBHOOK_SECRET
    assert "drop_pending_updates" not in call.params
    assert not telegram_api.calls("deleteWebhook")  # nothing else is removed
    assert telegram_api.calls("getMe")  # the application was initialized
    assert telegram_api.token not in web_server.log()


async def test_an_update_with_the_secret_is_answered(
    telegram_api: WebhookEmulator, webhook_url: str
) -> None:
    message, update = await user_message(telegram_api, QUESTION)
    response = await post_update(webhook_url, json=update, secret=WEBHOOK_SECRET)
    assert response.status_code == 200 and response.json() == {"ok": True}
    reply = await telegram_api.reply_to(message, timeout=20)
    assert reply.error is None and "INTERPOL" in reply.result["text"]


async def test_updates_without_the_secret_are_refused(
    telegram_api: WebhookEmulator, webhook_url: str
) -> None:
    messages = []
    for secret in (None, "", "wrong", WEBHOOK_SECRET + "x", WEBHOOK_SECRET[:-1], "é".encode()):
        message, update = await user_message(telegram_api, QUESTION)
        response = await post_update(webhook_url, json=update, secret=secret)
        assert response.status_code == 403 and response.json() == {"detail": "Forbidden"}
        messages.append(message)
    await asyncio.sleep(1)
    chats = {m["chat"]["id"] for m in messages}
    since = messages[0]["_call_index"]
    assert not [c for c in telegram_api.calls()[since:] if c.params.get("chat_id") in chats]


async def test_a_wrong_path_is_not_found(web_server: WebServer) -> None:
    response = await post_update(
        f"{web_server.base_url}/telegram/not-the-path", json={"update_id": 1}, secret=WEBHOOK_SECRET
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    "body",
    [b"not json", b"", b"[1, 2]", b'{"update_id": "x"}', b'{"update_id": 7, "message": "x"}',
     b'{"update_id": 8, "message": {"text": "no date or chat"}}', b"\xff\xfe", b"[" * 100_000],
)  # fmt: skip
async def test_malformed_updates_are_refused_and_logged(
    webhook_url: str, web_server: WebServer, body: bytes
) -> None:
    before = web_server.log_size()
    response = await post_update(webhook_url, content=body, secret=WEBHOOK_SECRET)
    assert response.status_code == 400 and response.json() == {"detail": "Malformed update."}
    for _ in range(50):  # this request's own log line, not an earlier case's
        if "Refused a malformed webhook update" in web_server.log(since=before):
            break
        await asyncio.sleep(0.1)
    else:
        pytest.fail(f"no log line for this update; the log since it:\n{web_server.log(before)}")
    assert web_server.process.poll() is None


async def test_the_bot_still_answers_after_malformed_updates(
    telegram_api: WebhookEmulator, webhook_url: str
) -> None:
    message, update = await user_message(telegram_api, "Wat is spyware?")
    assert (await post_update(webhook_url, json=update, secret=WEBHOOK_SECRET)).status_code == 200
    assert (await telegram_api.reply_to(message, timeout=20)).error is None
