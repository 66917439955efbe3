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
from telegram.constants import ChatMemberStatus, ChatType, ParseMode
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
from bot.telegram.alerts import Alerts
from bot.telegram.answers import (
    PAGE_SIZE,
    TIMELINE_PAGE,
    Answer,
    answer_question,
    read_asked,
    timeline_messages,
)
from bot.telegram.asked import Asked, AskedQuestions
from bot.telegram.feedback import FeedbackStore
from bot.telegram.follows import MAX_FOLLOWS, MAX_TOPIC_CHARS, Follows
from bot.telegram.render import (
    about_html,
    answer_html,
    card_html,
    esc,
    full_section_html,
    help_html,
    section_label,
    sources_html,
)
from bot.telegram.texts import Lang, text, ui_language
from retrieval.errors import QuestionError
from retrieval.results import Passage, SearchResult
from retrieval.search import clean_question

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
    NEWEST = "n"  # the same question, newest first among the passages that answer
    RELEVANT = "r"  # back to the best first
    TIMELINE = "t"  # the question's timeline from the button's offset on, as new messages


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
    """Paging, full answer and source, order and timeline, and the feedback buttons."""
    paging = []
    if offset:
        previous = max(0, offset - PAGE_SIZE)
        paging.append(button(text(lang, "btn_previous"), Action.MORE, qid, previous))
    if len(result.results) == PAGE_SIZE:
        paging.append(button(text(lang, "btn_more"), Action.MORE, qid, offset + PAGE_SIZE))
    details = [button(text(lang, "btn_full"), Action.FULL, qid, offset)]
    if link := result.results[0].link:
        details.append(InlineKeyboardButton(text(lang, "btn_source"), url=link))
    if result.sort == "date":
        order = button(text(lang, "btn_relevant"), Action.RELEVANT, qid, 0)
    else:
        order = button(text(lang, "btn_newest"), Action.NEWEST, qid, 0)
    time = [order, button(text(lang, "btn_timeline"), Action.TIMELINE, qid, 0)]
    votes = [button("👍", Action.UP, qid, offset), button("👎", Action.DOWN, qid, offset)]
    return InlineKeyboardMarkup([row for row in (paging, details, time, votes) if row])


def button(label: str, action: Action, qid: str, offset: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=f"{action.value}|{qid}|{offset}")


def command_lang(update: Update, dutch: tuple[str, ...]) -> Lang:
    """The language of the command used: /volg is Dutch, /follow English."""
    command = (update.message.text or "").split(maxsplit=1)[0].lstrip("/").split("@")[0]
    return "nl" if command.lower() in dutch else "en"


def argument(update: Update) -> str:
    """What follows the command."""
    parts = (update.message.text or "").split(maxsplit=1)
    return parts[1].strip() if len(parts) == 2 else ""


def user_lang(update: Update) -> Lang:
    user = update.effective_user
    return ui_language(None, user.language_code if user else None)


class BotHandlers:
    """The bot's behaviour, bound to one engine; `register` adds it to an Application."""

    def __init__(self, settings: AdapterSettings, engine: Engine) -> None:
        self.settings = settings
        self.engine = engine
        self.asked = AskedQuestions(engine.store)
        self.follows = Follows(engine.store)
        self.alerts = Alerts(settings, engine, self.follows)
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
        add(CommandHandler(["tijdlijn", "timeline"], self.timeline, filters=NEW_MESSAGES))
        add(CommandHandler(["volg", "follow"], self.follow, filters=NEW_MESSAGES))
        add(CommandHandler(["gevolgd", "following"], self.following, filters=NEW_MESSAGES))
        add(CommandHandler(["ontvolg", "unfollow"], self.unfollow, filters=NEW_MESSAGES))
        private_text = NEW_MESSAGES & filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND
        add(MessageHandler(private_text, self.private_question))
        addressed = filters.Entity(MessageEntity.MENTION) | filters.REPLY
        group_text = NEW_MESSAGES & filters.ChatType.GROUPS & filters.TEXT & ~filters.COMMAND
        add(MessageHandler(group_text & addressed, self.group_message))
        add(CallbackQueryHandler(self.button_pressed, pattern=CALLBACK_PATTERN))
        add(InlineQueryHandler(self.inline_query))
        add(ChosenInlineResultHandler(self.inline_chosen))
        application.add_error_handler(self.on_error)
        if application.job_queue is not None:
            self.alerts.schedule(application.job_queue)

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

    # --- time: timelines and followed topics ------------------------------------------------
    async def timeline(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        lang = command_lang(update, ("tijdlijn",))
        topic = argument(update)
        if not topic:
            await update.message.reply_html(text(lang, "timeline_usage"))
            return
        asked = read_asked(topic)
        await self.send_timeline(update.message, asked, lang, 0)

    async def send_timeline(self, message: Message, asked: Asked, lang: Lang, offset: int) -> None:
        """A page of the timeline as replies to `message`; the last one offers "More" when
        entries follow."""
        parts, more = await asyncio.to_thread(timeline_messages, self.engine, asked, lang, offset)
        markup = None
        if more:
            qid = await asyncio.to_thread(self.asked.add, asked)
            label = text(lang, "btn_timeline_more")
            markup = InlineKeyboardMarkup(
                [[button(label, Action.TIMELINE, qid, offset + TIMELINE_PAGE)]]
            )
        for number, html in enumerate(parts):
            last = number == len(parts) - 1
            await message.reply_html(html, reply_markup=markup if last else None)

    async def may_manage(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
        """In a private chat the user, in a group only its administrators (an anonymous one
        writes as the group itself) choose what the chat follows."""
        chat, message, user = update.effective_chat, update.message, update.effective_user
        if chat is None or chat.type == ChatType.PRIVATE:
            return True
        if message.sender_chat is not None and message.sender_chat.id == chat.id:
            return True
        if user is None:
            return False
        member = await context.bot.get_chat_member(chat.id, user.id)
        return member.status in (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)

    async def follow(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        lang = command_lang(update, ("volg",))
        message = update.message
        topic = " ".join(argument(update).split())
        if not topic:
            await message.reply_html(text(lang, "follow_usage"))
            return
        if not await self.may_manage(update, context):
            await message.reply_html(text(lang, "group_admins_only"))
            return
        try:
            topic = clean_question(topic, MAX_TOPIC_CHARS)
            added = await asyncio.to_thread(self.follows.add, message.chat_id, topic, lang)
        except QuestionError as exc:
            await message.reply_html(esc(str(exc)))
            return
        except ValueError:
            await message.reply_html(text(lang, "follow_limit", n=MAX_FOLLOWS))
            return
        key = "follow_added" if added else "follow_exists"
        per_day = self.settings.max_alerts_per_day
        await message.reply_html(text(lang, key, topic=esc(topic), per_day=per_day))

    async def following(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        lang = command_lang(update, ("gevolgd",))
        topics = await asyncio.to_thread(self.follows.topics, update.message.chat_id)
        if not topics:
            await update.message.reply_html(text(lang, "following_none"))
            return
        listed = "\n".join(f"{n}. {esc(t.topic)}" for n, t in enumerate(topics, 1))
        await update.message.reply_html(text(lang, "following", topics=listed))

    async def unfollow(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        lang = command_lang(update, ("ontvolg",))
        message = update.message
        number = argument(update)
        if not number.isdigit():
            await message.reply_html(text(lang, "unfollow_usage"))
            return
        if not await self.may_manage(update, context):
            await message.reply_html(text(lang, "group_admins_only"))
            return
        removed = await asyncio.to_thread(self.follows.remove, message.chat_id, int(number))
        if removed is None:
            await message.reply_html(text(lang, "unfollow_usage"))
            return
        await message.reply_html(text(lang, "unfollowed", topic=esc(removed)))

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
        if answer.result is not None and answer.asked is not None:
            qid = await asyncio.to_thread(self.asked.add, answer.asked)
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
        asked = await asyncio.to_thread(self.asked.get, qid)
        message = query.message
        if asked is None or not isinstance(message, Message):
            await query.answer(text(user_lang(update), "expired"), show_alert=True)
            return
        if action is Action.TIMELINE:
            await query.answer()
            lang = ui_language(None, query.from_user.language_code)
            await self.send_timeline(message, asked, lang, offset)
            return
        if action in (Action.NEWEST, Action.RELEVANT):
            sort = "date" if action is Action.NEWEST else "relevance"
            asked = Asked(asked.question, asked.filters, sort)
            qid = await asyncio.to_thread(self.asked.add, asked)
        # the page the button belongs to; searching is deterministic, so this is what was shown
        shown = await asyncio.to_thread(
            self.engine.search, asked.question, PAGE_SIZE, offset, False, asked.filters, asked.sort
        )
        lang = ui_language(shown.language, query.from_user.language_code)
        if not shown.results:
            await query.answer(text(lang, "no_more" if action is Action.MORE else "expired"))
        elif action in (Action.MORE, Action.NEWEST, Action.RELEVANT):
            await self.show_page(query, shown, qid, offset, lang)
        elif action is Action.FULL:
            await query.answer()
            await self.send_full_answer(message, shown.results[0], lang)
        else:
            vote = 1 if action is Action.UP else -1
            chunk_ids = [p.chunk_id for p in shown.results]
            await asyncio.to_thread(
                self.feedback.record, asked.question, chunk_ids, vote, query.from_user.id
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
