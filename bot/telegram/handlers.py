"""One handler per job: commands, questions (private, groups), buttons, inline mode, errors."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    Message,
    MessageEntity,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChosenInlineResultHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from bot.settings import AdapterSettings
from bot.telegram.answers import PAGE_SIZE, Answer, answer_question
from bot.telegram.asked import AskedQuestions
from bot.telegram.feedback import FeedbackStore
from bot.telegram.render import (
    about_html,
    answer_html,
    card_html,
    full_section_html,
    help_html,
    section_label,
    sources_html,
)
from bot.telegram.texts import Lang, text, ui_language
from retrieval.results import Passage, QuestionError, SearchResult

if TYPE_CHECKING:
    from retrieval.engine import Engine

log = logging.getLogger(__name__)

INLINE_RESULTS = 5
INLINE_CACHE_SECONDS = 30
INLINE_DESCRIPTION_CHARS = 120
NEW_MESSAGES = filters.UpdateType.MESSAGE


class Action(StrEnum):
    """What an answer's button does; its value starts the button's callback data."""

    MORE = "m"  # show the passages from the button's offset on (also "previous")
    FULL = "f"  # the whole section of the first passage shown
    UP = "u"  # 👍 for the passages shown
    DOWN = "d"  # 👎


#: action|question id|offset
CALLBACK_PATTERN = rf"^[{''.join(Action)}]\|[\w-]+\|\d+$"


@dataclass
class Counters:
    """Since the process started; shown by /stats."""

    asked: int = 0
    answered: int = 0
    not_found: int = 0
    inline_shared: int = 0


def keyboard(qid: str, result: SearchResult, offset: int, lang: Lang) -> InlineKeyboardMarkup:
    """Paging, full answer and source, and the feedback buttons under an answer."""
    paging = []
    if offset:
        previous = max(0, offset - PAGE_SIZE)
        paging.append(button(text(lang, "btn_previous"), Action.MORE, qid, previous))
    if len(result.results) == PAGE_SIZE:
        paging.append(button(text(lang, "btn_more"), Action.MORE, qid, offset + PAGE_SIZE))
    details = [button(text(lang, "btn_full"), Action.FULL, qid, offset)]
    if link := result.results[0].link:
        details.append(InlineKeyboardButton(text(lang, "btn_source"), url=link))
    votes = [button("👍", Action.UP, qid, offset), button("👎", Action.DOWN, qid, offset)]
    return InlineKeyboardMarkup([row for row in (paging, details, votes) if row])


def button(label: str, action: Action, qid: str, offset: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=f"{action.value}|{qid}|{offset}")


def user_lang(update: Update) -> Lang:
    user = update.effective_user
    return ui_language(None, user.language_code if user else None)


class BotHandlers:
    """The bot's behaviour, bound to one engine; `register` adds it to an Application."""

    def __init__(self, settings: AdapterSettings, engine: Engine) -> None:
        self.settings = settings
        self.engine = engine
        self.asked = AskedQuestions(engine.store)
        self.counters = Counters()
        token = settings.telegram_bot_token
        self.feedback = FeedbackStore(engine.store, token.get_secret_value() if token else "")

    def register(self, application: Application) -> None:
        add = application.add_handler
        add(CommandHandler(["start", "help"], self.help, filters=NEW_MESSAGES))
        add(CommandHandler(["bronnen", "sources"], self.sources, filters=NEW_MESSAGES))
        add(CommandHandler(["over", "about"], self.about, filters=NEW_MESSAGES))
        add(CommandHandler("stats", self.stats, filters=NEW_MESSAGES))
        add(CommandHandler(["ask", "vraag"], self.ask, filters=NEW_MESSAGES))
        private_text = NEW_MESSAGES & filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND
        add(MessageHandler(private_text, self.private_question))
        addressed = filters.Entity(MessageEntity.MENTION) | filters.REPLY
        group_text = NEW_MESSAGES & filters.ChatType.GROUPS & filters.TEXT & ~filters.COMMAND
        add(MessageHandler(group_text & addressed, self.group_message))
        add(CallbackQueryHandler(self.button_pressed, pattern=CALLBACK_PATTERN))
        add(InlineQueryHandler(self.inline_query))
        add(ChosenInlineResultHandler(self.inline_chosen))
        application.add_error_handler(self.on_error)

    # --- commands ---------------------------------------------------------------------------
    async def help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        documents = await asyncio.to_thread(self.engine.documents)
        html = help_html(user_lang(update), documents, context.bot.username)
        await update.message.reply_html(html)

    async def sources(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        documents = await asyncio.to_thread(self.engine.documents)
        for html in sources_html(user_lang(update), documents):
            await update.message.reply_html(html)

    async def about(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        await update.message.reply_html(about_html(user_lang(update)))

    async def stats(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        lang = user_lang(update)
        user = update.effective_user
        if user is None or user.id not in self.settings.admin_user_ids:
            await update.message.reply_html(text(lang, "admins_only"))
            return
        counts = await asyncio.to_thread(self.feedback.counts)
        c = self.counters
        html = text(
            lang,
            "stats",
            up=counts.up,
            down=counts.down,
            users=counts.users,
            asked=c.asked,
            answered=c.answered,
            not_found=c.not_found,
            inline=c.inline_shared,
        )
        await update.message.reply_html(html)

    # --- questions --------------------------------------------------------------------------
    async def ask(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        command_and_question = (message.text or "").split(maxsplit=1)
        question = command_and_question[1] if len(command_and_question) == 2 else ""
        if not question.strip():
            lang = user_lang(update)
            await message.reply_html(text(lang, "ask_usage", example=text(lang, "example")))
            return
        await self.answer(message, question)

    async def private_question(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        await self.answer(update.message, update.message.text or "")

    async def group_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """In groups, only messages that mention the bot or reply to it are questions."""
        message = update.message
        bot = context.bot
        mention = re.compile(rf"@{re.escape(bot.username)}\b", re.IGNORECASE)
        replied = message.reply_to_message
        to_bot = bool(replied and replied.from_user and replied.from_user.id == bot.id)
        mentioned = any(
            mention.fullmatch(value)
            for value in message.parse_entities([MessageEntity.MENTION]).values()
        )
        if not (to_bot or mentioned):
            return
        question = mention.sub(" ", message.text or "").strip()
        if not question:
            lang = user_lang(update)
            await message.reply_html(text(lang, "ask_usage", example=text(lang, "example")))
            return
        await self.answer(message, question)

    async def answer(self, message: Message, question: str) -> None:
        """Reply to `message` with the quoted answer (as a reply in groups)."""
        code = message.from_user.language_code if message.from_user else None
        answer = await asyncio.to_thread(answer_question, self.engine, question, code)
        self.count(answer)
        markup = None
        if answer.result is not None:
            qid = await asyncio.to_thread(self.asked.add, answer.result.question)
            markup = keyboard(qid, answer.result, 0, answer.lang)
        await message.reply_html(answer.html, reply_markup=markup)

    def count(self, answer: Answer) -> None:
        self.counters.asked += 1
        self.counters.answered += answer.outcome == "answered"
        self.counters.not_found += answer.outcome == "not_found"

    # --- buttons ----------------------------------------------------------------------------
    async def button_pressed(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        action_code, qid, offset_text = (query.data or "").split("|")
        action, offset = Action(action_code), int(offset_text)
        question = await asyncio.to_thread(self.asked.get, qid)
        message = query.message
        if question is None or not isinstance(message, Message):
            await query.answer(text(user_lang(update), "expired"), show_alert=True)
            return
        # the page the button belongs to; searching is deterministic, so this is what was shown
        shown = await asyncio.to_thread(self.engine.search, question, PAGE_SIZE, offset)
        lang = ui_language(shown.language, query.from_user.language_code)
        if not shown.results:
            await query.answer(text(lang, "no_more" if action is Action.MORE else "expired"))
        elif action is Action.MORE:
            await self.show_page(query, shown, qid, offset, lang)
        elif action is Action.FULL:
            await query.answer()
            await self.send_full_answer(message, shown.results[0], lang)
        else:
            vote = 1 if action is Action.UP else -1
            chunk_ids = [p.chunk_id for p in shown.results]
            await asyncio.to_thread(
                self.feedback.record, question, chunk_ids, vote, query.from_user.id
            )
            await query.answer(text(lang, "thanks"))

    async def show_page(
        self, query: CallbackQuery, result: SearchResult, qid: str, offset: int, lang: Lang
    ) -> None:
        """Edit the answer to show the results from `offset` on."""
        await query.answer()
        try:
            await query.edit_message_text(
                answer_html(result, lang, offset),
                parse_mode=ParseMode.HTML,
                reply_markup=keyboard(qid, result, offset, lang),
            )
        except BadRequest as exc:  # a second tap on the same button: already showing this page
            if "not modified" not in exc.message:
                raise

    async def send_full_answer(self, answer: Message, passage: Passage, lang: Lang) -> None:
        """The whole section the passage comes from, as replies to the answer."""
        document = await asyncio.to_thread(self.engine.document, passage.doc_id)
        section = document.section(passage.section) if document else None
        parts = (
            full_section_html(document, section, passage, lang)
            if document and section
            else [card_html(passage, lang)]
        )
        for number, html in enumerate(parts):
            await answer.reply_html(html, do_quote=number == 0)

    # --- inline mode ------------------------------------------------------------------------
    async def inline_query(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.inline_query
        lang = ui_language(None, query.from_user.language_code)
        question = query.query.strip()
        result = None
        if question:
            try:
                result = await asyncio.to_thread(self.engine.search, question, INLINE_RESULTS)
            except QuestionError:
                result = None
        if result is None or not result.results:
            hint = "inline_nothing" if question else "inline_help"
            await query.answer(
                [],
                cache_time=INLINE_CACHE_SECONDS,
                button=InlineQueryResultsButton(text(lang, hint), start_parameter="help"),
            )
            return
        lang = ui_language(result.language, query.from_user.language_code)
        cards = [inline_card(p, lang) for p in result.results]
        await query.answer(cards, cache_time=INLINE_CACHE_SECONDS, is_personal=False)

    async def inline_chosen(self, _: Update, __: ContextTypes.DEFAULT_TYPE) -> None:
        self.counters.inline_shared += 1

    # --- errors -----------------------------------------------------------------------------
    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log the traceback; tell the user something went wrong, and nothing more."""
        log.error("Error while handling an update", exc_info=context.error)
        if not isinstance(update, Update):
            return
        message = text(user_lang(update), "error")
        try:
            if update.callback_query:
                await update.callback_query.answer(message, show_alert=True)
            elif update.effective_message:
                await update.effective_message.reply_html(message)
        except TelegramError:
            log.warning("Could not tell the user about the error", exc_info=True)


def inline_card(passage: Passage, lang: Lang) -> InlineQueryResultArticle:
    """A result card: choosing it posts the quote with its source and link."""
    description = " ".join((passage.quote or passage.text).split())
    if len(description) > INLINE_DESCRIPTION_CHARS:
        description = description[:INLINE_DESCRIPTION_CHARS].rsplit(" ", 1)[0] + " …"
    markup = None
    if passage.link:
        markup = InlineKeyboardMarkup(
            [[InlineKeyboardButton(text(lang, "btn_source"), url=passage.link)]]
        )
    return InlineQueryResultArticle(
        id=hashlib.blake2s(passage.chunk_id.encode(), digest_size=16).hexdigest(),
        title=f"{passage.title} · {section_label(passage)}",
        description=description,
        input_message_content=InputTextMessageContent(card_html(passage, lang), ParseMode.HTML),
        reply_markup=markup,
    )
