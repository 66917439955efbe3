"""A small Telegram Bot API server on 127.0.0.1 for end-to-end tests of the bot.

It runs in its own thread (uvicorn + starlette), speaks the Bot API over real HTTP with long
polling, checks what the bot sends the way Telegram does (HTML entities, 4096 characters,
64-byte callback data, replies to existing messages), and records every call with the time it
arrived. Tests inject user messages, button presses and inline queries and await the bot's calls.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import itertools
import json
import re
import socket
import threading
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

JSON = dict[str, Any]

MAX_TEXT = 4096
MAX_CALLBACK_DATA = 64
MAX_CALLBACK_ANSWER = 200
# Parameters PTB sends as plain strings; all others are JSON-encoded.
STRING_PARAMS = {
    "text", "parse_mode", "callback_query_id", "inline_query_id", "language_code",
    "next_offset", "inline_message_id", "action", "url",
}  # fmt: skip
# The tags Telegram's HTML parse mode accepts, with the attributes each may carry.
ALLOWED_TAGS: dict[str, set[str]] = {
    **{tag: set() for tag in ("b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "pre")},
    "tg-spoiler": set(),
    "span": {"class"},
    "a": {"href"},
    "code": {"class"},
    "blockquote": {"expandable"},
    "tg-emoji": {"emoji-id"},
}
_HTML_TOKEN = re.compile(r"<[^<>]*>|&[^;\s<>&]*;|[^<>&]+|[<>&]")
_TAG = re.compile(r'<(/?)([a-z-]+)((?:\s+[a-z-]+(?:="[^"<>]*")?)*)\s*>')
_ATTRIBUTE = re.compile(r'([a-z-]+)(?:="[^"]*")?')
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")


class ApiError(Exception):
    def __init__(self, code: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.parameters = code, description, parameters


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def parse_html(markup: str) -> str:
    """The visible text of Telegram HTML, or ApiError as Telegram would refuse it."""
    stack: list[str] = []
    visible: list[str] = []
    for token in _HTML_TOKEN.findall(markup):
        if token.startswith("<") and len(token) > 1:
            match = _TAG.fullmatch(token)
            if not match or match[2] not in ALLOWED_TAGS:
                raise ApiError(400, f"Bad Request: can't parse entities: unsupported tag {token}")
            closing, name, attrs = match[1], match[2], match[3]
            if closing:
                if not stack or stack.pop() != name:
                    raise ApiError(400, f"Bad Request: can't parse entities: unexpected {token}")
            else:
                names = set(_ATTRIBUTE.findall(attrs))
                if not names <= ALLOWED_TAGS[name]:
                    raise ApiError(400, f"Bad Request: can't parse entities: bad attribute {token}")
                stack.append(name)
        elif token.startswith("&") and len(token) > 1:
            if not _ENTITY.fullmatch(token):
                raise ApiError(400, f"Bad Request: can't parse entities: bad entity {token}")
            visible.append(html.unescape(token))
        elif token in ("<", ">", "&"):
            raise ApiError(400, f"Bad Request: can't parse entities: unescaped {token!r}")
        else:
            visible.append(token)
    if stack:
        raise ApiError(400, f"Bad Request: can't parse entities: unclosed <{stack[-1]}>")
    return "".join(visible)


def message_text(params: JSON) -> str:
    """Validate `text` with its parse mode; the visible text."""
    text = params.get("text", "")
    visible = parse_html(text) if str(params.get("parse_mode", "")).upper() == "HTML" else text
    if not visible.strip():
        raise ApiError(400, "Bad Request: message text is empty")
    if utf16_len(visible.strip()) > MAX_TEXT:
        raise ApiError(400, "Bad Request: message is too long")
    return visible


def check_markup(markup: JSON | None) -> None:
    for row in (markup or {}).get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
            url = button.get("url")
            if url is not None and not re.match(r"(https?|tg)://", url):
                raise ApiError(400, "Bad Request: BUTTON_URL_INVALID")


@dataclass(frozen=True)
class User:
    id: int
    first_name: str
    language_code: str | None = None
    username: str | None = None

    def to_dict(self) -> JSON:
        data: JSON = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.language_code:
            data["language_code"] = self.language_code
        if self.username:
            data["username"] = self.username
        return data


@dataclass(frozen=True)
class Chat:
    id: int
    type: str  # "private", "group", "supergroup"
    title: str | None = None

    @classmethod
    def private(cls, user: User) -> Chat:
        return cls(user.id, "private")

    def to_dict(self) -> JSON:
        data: JSON = {"id": self.id, "type": self.type}
        if self.title:
            data["title"] = self.title
        return data


@dataclass
class Call:
    """One Bot API request from the bot, as received, with what the emulator answered."""

    index: int
    method: str
    params: JSON
    at: float  # time.perf_counter() when it arrived
    result: Any = None
    error: str | None = None


@dataclass
class _State:
    updates: list[JSON] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    messages: dict[tuple[int, int], JSON] = field(default_factory=dict)
    chats: dict[int, JSON] = field(default_factory=dict)
    injected_at: dict[int, float] = field(default_factory=dict)  # update_id -> perf_counter
    commands: dict[str, list[JSON]] = field(default_factory=dict)  # language_code -> commands
    fail_next: dict[str, int] = field(default_factory=dict)  # method -> retry_after
    admins: dict[int, set[int]] = field(default_factory=dict)  # chat id -> administrators
    blocked: set[int] = field(default_factory=set)  # chats whose user blocked the bot
    unknown_methods: list[str] = field(default_factory=list)


class TelegramEmulator:
    """Start with `start()` (or as a context manager); point PTB at `base_url`."""

    def __init__(self, token: str = "123456:TEST-token", username: str = "vraagbaak_test_bot"):
        self.token = token
        self.bot_user: JSON = {
            "id": int(token.split(":")[0]),
            "is_bot": True,
            "first_name": "Vraagbaak",
            "username": username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self.state = _State()
        self._ids = itertools.count(1)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._changed: asyncio.Condition | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self.port: int = self._socket.getsockname()[1]

    # --- lifecycle ------------------------------------------------------------------------
    @property
    def root_url(self) -> str:
        """The server's root, as a local telegram-bot-api server's address is written."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """python-telegram-bot's form of the address."""
        return f"{self.root_url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.root_url}/file/bot"

    def start(self) -> TelegramEmulator:
        app = Starlette(
            routes=[Route("/bot{token}/{method}", self._endpoint, methods=["GET", "POST"])]
        )
        config = uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=1)
        self._server = uvicorn.Server(config)
        ready = threading.Event()

        async def serve() -> None:
            self._loop = asyncio.get_running_loop()
            self._changed = asyncio.Condition()
            ready.set()
            await self._server.serve(sockets=[self._socket])  # type: ignore[union-attr]

        self._thread = threading.Thread(target=asyncio.run, args=(serve(),), daemon=True)
        self._thread.start()
        ready.wait(10)
        deadline = time.monotonic() + 10
        while not self._server.started and time.monotonic() < deadline:
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._call_soon(self._notify())
            self._thread.join(10)

    def __enter__(self) -> TelegramEmulator:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    # --- helpers for tests: make users act ------------------------------------------------
    async def send_message(
        self, user: User, chat: Chat, text: str, reply_to: JSON | None = None
    ) -> JSON:
        """A user writes `text` (commands and @mentions get their entities); the Message."""
        return await self._run(self._inject_message(user, chat, text, reply_to))

    async def press_button(self, user: User, message: JSON, data: str) -> str:
        """A user presses an inline button with `data` under the bot's `message`."""
        query = {
            "id": str(next(self._ids)),
            "from": user.to_dict(),
            "message": message,
            "chat_instance": f"ci{message['chat']['id']}",
            "data": data,
        }
        await self._run(self._inject({"callback_query": query}))
        return query["id"]

    async def inline_query(self, user: User, query: str) -> str:
        update = {
            "id": str(next(self._ids)),
            "from": user.to_dict(),
            "query": query,
            "offset": "",
            "chat_type": "sender",
        }
        await self._run(self._inject({"inline_query": update}))
        return update["id"]

    async def choose_inline_result(self, user: User, result_id: str, query: str) -> None:
        chosen = {"result_id": result_id, "from": user.to_dict(), "query": query}
        await self._run(self._inject({"chosen_inline_result": chosen}))

    def fail_next_call(self, method: str, retry_after: int = 1) -> None:
        """Answer the next `method` call with HTTP 429 and `retry_after`."""
        self.state.fail_next[method] = retry_after

    # --- helpers for tests: await the bot ---------------------------------------------------
    async def wait_for(
        self,
        method: str,
        where: Callable[[Call], bool] = lambda _: True,
        since: int = 0,
        timeout: float = 10.0,
    ) -> Call:
        """The first `method` call from index `since` on matching `where` (failed ones too)."""
        return await self._run(self._wait_for(method, where, since, timeout))

    async def reply_to(self, message: JSON, timeout: float = 10.0) -> Call:
        """The bot's first message in `message`'s chat sent after `message` arrived."""
        chat_id = message["chat"]["id"]
        return await self.wait_for(
            "sendMessage",
            lambda c: c.params.get("chat_id") == chat_id,
            since=message["_call_index"],
            timeout=timeout,
        )

    def injected_at(self, update_id: int) -> float:
        return self.state.injected_at[update_id]

    @property
    def call_count(self) -> int:
        return len(self.state.calls)

    def calls(self, method: str | None = None) -> list[Call]:
        return [c for c in list(self.state.calls) if method is None or c.method == method]

    # --- internals: thread hand-over ------------------------------------------------------
    async def _run(self, coro: Coroutine[Any, Any, Any]) -> Any:
        assert self._loop is not None, "emulator not started"
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, self._loop))

    def _call_soon(self, coro: Coroutine[Any, Any, Any]) -> None:
        if self._loop is not None and not self._loop.is_closed():
            asyncio.run_coroutine_threadsafe(coro, self._loop)

    async def _notify(self) -> None:
        assert self._changed is not None
        async with self._changed:
            self._changed.notify_all()

    async def _wait_for(
        self, method: str, where: Callable[[Call], bool], since: int, timeout: float
    ) -> Call:
        assert self._changed is not None

        def found() -> Call | None:
            calls = self.state.calls[since:]
            return next((c for c in calls if c.method == method and where(c)), None)

        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(found), timeout)
        call = found()
        assert call is not None
        return call

    # --- internals: updates -----------------------------------------------------------------
    async def _inject(self, update: JSON) -> int:
        update_id = next(self._ids)
        self.state.injected_at[update_id] = time.perf_counter()
        self.state.updates.append({"update_id": update_id, **update})
        await self._notify()
        return update_id

    async def _inject_message(
        self, user: User, chat: Chat, text: str, reply_to: JSON | None
    ) -> JSON:
        self.state.chats[chat.id] = chat.to_dict()
        message: JSON = {
            "message_id": self._next_message_id(chat.id),
            "from": user.to_dict(),
            "chat": chat.to_dict(),
            "date": int(time.time()),
            "text": text,
        }
        if entities := self._entities(text):
            message["entities"] = entities
        if reply_to is not None:
            message["reply_to_message"] = {k: v for k, v in reply_to.items() if k != "_call_index"}
        self.state.messages[(chat.id, message["message_id"])] = message
        call_index = len(self.state.calls)
        update_id = await self._inject({"message": message})
        return {**message, "_call_index": call_index, "_update_id": update_id}

    @staticmethod
    def _entities(text: str) -> list[JSON]:
        entities = []
        for match in re.finditer(r"(?<![\w@])(/\w+(?:@\w+)?|@\w{5,32})", text):
            kind = "bot_command" if match[0].startswith("/") else "mention"
            if kind == "bot_command" and match.start() != 0:
                continue
            offset = utf16_len(text[: match.start()])
            entities.append({"type": kind, "offset": offset, "length": utf16_len(match[0])})
        return entities

    def _next_message_id(self, chat_id: int) -> int:
        return 1 + max((mid for cid, mid in self.state.messages if cid == chat_id), default=0)

    # --- internals: the Bot API -------------------------------------------------------------
    async def _endpoint(self, request: Request) -> JSONResponse:
        method = request.path_params["method"]
        if request.path_params["token"] != self.token:
            return JSONResponse(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, 401
            )
        body = (await request.body()).decode()
        params = {k: v if k in STRING_PARAMS else _json_or_str(v) for k, v in parse_qsl(body)}
        call = Call(len(self.state.calls), method, params, time.perf_counter())
        self.state.calls.append(call)
        try:
            if (retry_after := self.state.fail_next.pop(method, None)) is not None:
                raise ApiError(
                    429,
                    f"Too Many Requests: retry after {retry_after}",
                    {"retry_after": retry_after},
                )
            handler = getattr(self, f"_api_{method.lower()}", None)
            if handler is None:
                self.state.unknown_methods.append(method)
                raise ApiError(404, "Not Found")
            call.result = await handler(params)
            response = JSONResponse({"ok": True, "result": call.result})
        except ApiError as exc:
            call.error = exc.description
            error: JSON = {"ok": False, "error_code": exc.code, "description": exc.description}
            if exc.parameters:
                error["parameters"] = exc.parameters
            response = JSONResponse(error, exc.code)
        await self._notify()
        return response

    async def _api_getme(self, _: JSON) -> JSON:
        return self.bot_user

    async def _api_deletewebhook(self, _: JSON) -> bool:
        return True

    async def _api_setmycommands(self, params: JSON) -> bool:
        self.state.commands[params.get("language_code", "")] = params["commands"]
        return True

    async def _api_sendchataction(self, _: JSON) -> bool:
        return True

    async def _api_getupdates(self, params: JSON) -> list[JSON]:
        assert self._changed is not None
        offset = int(params.get("offset") or 0)
        self.state.updates = [u for u in self.state.updates if u["update_id"] >= offset]
        server = self._server
        assert server is not None

        def ready() -> bool:
            return bool(self.state.updates) or server.should_exit

        async with self._changed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._changed.wait_for(ready), float(params.get("timeout") or 0)
                )
        return self.state.updates[: int(params.get("limit") or 100)]

    async def _api_getchatmember(self, params: JSON) -> JSON:
        chat_id, user_id = int(params["chat_id"]), int(params["user_id"])
        user = {"id": user_id, "is_bot": False, "first_name": f"User {user_id}"}
        if user_id not in self.state.admins.get(chat_id, set()):
            return {"status": "member", "user": user}
        rights = (
            "can_be_edited", "is_anonymous", "can_manage_chat", "can_delete_messages",
            "can_manage_video_chats", "can_restrict_members", "can_promote_members",
            "can_change_info", "can_invite_users", "can_post_stories", "can_edit_stories",
            "can_delete_stories",
        )  # fmt: skip
        return {"status": "administrator", "user": user} | {right: False for right in rights}

    async def _api_sendmessage(self, params: JSON) -> JSON:
        chat_id = int(params["chat_id"])
        if chat_id in self.state.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        visible = message_text(params)
        check_markup(params.get("reply_markup"))
        message: JSON = {
            "message_id": self._next_message_id(chat_id),
            "from": self.bot_user,
            "chat": self.state.chats.get(chat_id, {"id": chat_id, "type": "private"}),
            "date": int(time.time()),
            "text": visible,
        }
        if reply := params.get("reply_parameters"):
            original = self.state.messages.get((chat_id, reply["message_id"]))
            if original is None:
                raise ApiError(400, "Bad Request: message to be replied not found")
            message["reply_to_message"] = original
        if markup := params.get("reply_markup"):
            message["reply_markup"] = markup
        self.state.messages[(chat_id, message["message_id"])] = message
        return message

    async def _api_editmessagetext(self, params: JSON) -> JSON:
        key = (int(params["chat_id"]), int(params["message_id"]))
        message = self.state.messages.get(key)
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        visible = message_text(params)
        check_markup(params.get("reply_markup"))
        if visible == message["text"] and params.get("reply_markup") == message.get("reply_markup"):
            raise ApiError(400, "Bad Request: message is not modified")
        message = {**message, "text": visible, "edit_date": int(time.time())}
        message.pop("reply_markup", None)
        if markup := params.get("reply_markup"):
            message["reply_markup"] = markup
        self.state.messages[key] = message
        return message

    async def _api_answercallbackquery(self, params: JSON) -> bool:
        if len(params.get("text", "")) > MAX_CALLBACK_ANSWER:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        return True

    async def _api_answerinlinequery(self, params: JSON) -> bool:
        results = params.get("results", [])
        if len(results) > 50:
            raise ApiError(400, "Bad Request: RESULTS_TOO_MUCH")
        for result in results:
            if not 1 <= len(result["id"].encode()) <= 64:
                raise ApiError(400, "Bad Request: RESULT_ID_INVALID")
            content = result["input_message_content"]
            message_text({"text": content["message_text"], "parse_mode": content.get("parse_mode")})
            check_markup(result.get("reply_markup"))
        return True


def _json_or_str(value: str) -> Any:
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        return value
