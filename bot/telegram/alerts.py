"""Alerts for followed topics, and the sync the bot runs itself: jobs on PTB's JobQueue.

Documents arrive by a writer: `vraagbaak add` or `sync` in another process, or the bot's own
sync job (every `SYNC_INTERVAL_MINUTES`). Whichever it was, the running bot notices the new index
generation (it looks every `INDEX_RECHECK_SECONDS`), compares the generation's document versions
with those it checked before (kept in the database), and checks every followed topic against
the new and changed documents only — the search, and the declining rule's evidence, limited to
their rows (`Engine.answers_in`). The bot is the one process that talks to Telegram, so alerts
are sent from here, whichever process added the documents.

Each matching document's best answering passage goes to each chat that follows the topic, as a
quote with its source: never the same passage twice to one chat, at most `MAX_ALERTS_PER_DAY` in
24 hours, one message a second to one chat (PTB's rate limiter keeps the overall and group
limits). A chat that blocked the bot (Forbidden) or is gone follows nothing any more.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from datetime import date, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import ContextTypes, JobQueue

from bot.settings import AdapterSettings
from bot.telegram.follows import Claim, FollowedTopic, Follows, passage_key
from bot.telegram.render import alert_html
from bot.telegram.texts import Lang, text
from retrieval.errors import QuestionError, SettingError, WriterBusy
from retrieval.results import Passage

if TYPE_CHECKING:
    from retrieval.engine import Engine
    from retrieval.ingest import IngestReport

log = logging.getLogger(__name__)

#: Telegram asks for about one message a second to one chat.
SAME_CHAT_SECONDS = 1.0
#: MetaRecord key: the day of the bot's last sync that could list the sources.
SYNCED_ON = "bot_synced_on"


class Alerts:
    def __init__(self, settings: AdapterSettings, engine: Engine, follows: Follows) -> None:
        self.settings = settings
        self.engine = engine
        self.follows = follows
        self._checking = asyncio.Lock()

    def schedule(self, jobs: JobQueue) -> None:
        every = max(1.0, self.engine.settings.index_recheck_seconds)
        jobs.run_repeating(self._check_job, interval=every, first=1.0, name="alerts")
        if self.settings.sync_interval_minutes:
            seconds = self.settings.sync_interval_minutes * 60
            jobs.run_repeating(
                self._sync_job, interval=seconds, first=min(seconds, 60), name="sync"
            )

    async def _check_job(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.check(context.bot)

    async def _sync_job(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        if await asyncio.to_thread(self.sync) is not None:
            await self.check(context.bot)

    # --- checking -----------------------------------------------------------------------------
    async def check(self, bot: Bot) -> int:
        """Alerts for the documents added or changed since the last check; how many were sent.

        The first check only notes what is there: a topic is followed from then on.
        """
        async with self._checking:
            try:
                await asyncio.to_thread(self.engine.refresh)
                versions = self.engine.versions()
                checked = await asyncio.to_thread(self.follows.checked)
                new = sorted(d for d, v in versions.items() if checked and checked.get(d) != v)
                sent = await self._alert(bot, new) if new else 0
                if versions != checked:
                    await asyncio.to_thread(self.follows.mark_checked, versions)
            except (SettingError, SQLAlchemyError) as exc:  # the database: the next check retries
                log.warning("Could not check followed topics: %s", exc)
                return 0
        return sent

    async def _alert(self, bot: Bot, doc_ids: list[str]) -> int:
        followers: dict[str, list[FollowedTopic]] = defaultdict(list)
        for follow in await asyncio.to_thread(self.follows.everything):
            followers[follow.topic].append(follow)
        log.info(
            "Checking %d followed topics against %d new documents", len(followers), len(doc_ids)
        )
        sent = 0
        for topic, follows in followers.items():
            try:
                passages = await asyncio.to_thread(self.engine.answers_in, topic, doc_ids)
            except QuestionError:
                continue
            for follow in follows:
                sent += await self._push(bot, follow, passages)
        return sent

    async def _push(self, bot: Bot, follow: FollowedTopic, passages: list[Passage]) -> int:
        sent = 0
        lang: Lang = "en" if follow.lang == "en" else "nl"
        for passage in passages:
            key = passage_key(passage)
            per_day = self.settings.max_alerts_per_day
            claim = await asyncio.to_thread(self.follows.claim, follow.chat_id, key, per_day)
            if claim is Claim.DAILY_LIMIT:
                log.info(
                    "Chat %s had its %d alerts today; skipping the rest", follow.chat_id, per_day
                )
                break
            if claim is Claim.SENT_BEFORE:
                continue
            if sent:
                await asyncio.sleep(SAME_CHAT_SECONDS)
            markup = None
            if passage.link:
                button = InlineKeyboardButton(text(lang, "btn_source"), url=passage.link)
                markup = InlineKeyboardMarkup([[button]])
            try:
                await bot.send_message(
                    follow.chat_id,
                    alert_html(follow.topic, passage, lang),
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup,
                )
            except (Forbidden, BadRequest) as exc:
                if isinstance(exc, BadRequest) and "chat not found" not in exc.message.lower():
                    log.warning("Could not send an alert to chat %s: %s", follow.chat_id, exc)
                    continue
                log.info(
                    "Chat %s cannot be written to (%s): it follows nothing now", follow.chat_id, exc
                )
                await asyncio.to_thread(self.follows.forget_chat, follow.chat_id)
                return sent
            except TelegramError as exc:
                log.warning("Could not send an alert to chat %s: %s", follow.chat_id, exc)
                continue
            sent += 1
        return sent

    # --- the bot's own sync -------------------------------------------------------------------
    def sync(self) -> IngestReport | None:
        """Fetch what the official sources published since the last sync (blocking), as
        `vraagbaak sync` does; None when another writer is at work or nothing could be listed."""
        from retrieval.parsing import ParseError
        from retrieval.sources.fetch import SourceError
        from retrieval.sources.sync import sync
        from retrieval.writer import writing

        engine = self.engine
        last = engine.store.meta(SYNCED_ON)
        today = date.today()
        since = (date.fromisoformat(last) if last else today) - timedelta(days=1)
        try:
            with writing(
                engine.settings,
                engine.store,
                engine.embedder,
                command="vraagbaak bot (sync)",
                wait=False,
            ) as writer:
                report = sync(engine.store, engine.settings, since)
                writer.publish()
        except WriterBusy as busy:
            log.info("Sync skipped: %s", busy)
            return None
        except (SourceError, ParseError, SettingError) as exc:
            log.warning("Sync since %s fetched nothing: %s", since, exc)
            return None
        engine.store.set_meta(SYNCED_ON, today.isoformat())
        engine.reload()
        log.info(
            "Sync since %s: %d added, %d updated, %d failed",
            since,
            len(report.added),
            len(report.updated),
            len(report.failed),
        )
        return report
