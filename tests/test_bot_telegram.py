"""End to end: the real bot (PTB, real engine) over real HTTP against the Bot API emulator."""

from __future__ import annotations

import asyncio
import html
import logging
import re
from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio
from sqlmodel import select
from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.settings import AdapterSettings
from bot.telegram.answers import answer_question
from bot.telegram.app import build_application, setup_bot
from bot.telegram.feedback import Feedback
from bot.telegram.follows import Follows
from retrieval.engine import Engine
from tests.telegram_emulator import Call, Chat, TelegramEmulator, User, parse_html

pytestmark = pytest.mark.asyncio(loop_scope="session")

ADMIN = User(1, "Admin", "nl")
ANNA = User(1001, "Anna", "nl")
BOB = User(1002, "Bob", "en")
GROUP = Chat(-100123, "supergroup", "Redactie")

DUTCH_QUESTION = "Wil Nederland Rusland uitsluiten van INTERPOL?"
ENGLISH_QUESTION = (
    "Did the Netherlands grant licences to export surveillance technology to Uzbekistan?"
)
OFF_CORPUS = "What is a good recipe for apple pie with cinnamon?"
INJECTION = (
    '<b>INTERPOL</b> & <script>alert("x")</script> *Rusland* _uitsluiten_ &amp; &lt; '
    '</blockquote> <a href="javascript:x">klik</a> 🇳🇱👍🏽 👨‍👩‍👧 **__'
)
CONCURRENT_QUESTIONS = [
    "Wil Nederland Rusland uitsluiten van INTERPOL?",
    "Kan een lidstaat van INTERPOL worden uitgesloten?",
    "Welke maatregelen zijn tegen NCB Moskou genomen?",
    "Wat is de reactie op het rapport over Oezbeekse surveillance?",
    "Heeft Nederland vergunningen verleend voor surveillancetechnologie naar Oezbekistan?",
    "Wat wil Amnesty met gezichtsherkenningstechnologie?",
    "Hoeveel vergunningen hebben EU-landen afgewezen?",
    "Wat is spyware?",
    "Welke bedrijven verkochten surveillancetechnologie aan China?",
    "Wat staat er in de nieuwe EU-exportregels van november 2020?",
    "Does the Netherlands want Russia excluded from INTERPOL?",
    "Which measures were taken against NCB Moscow?",
    "Did the Netherlands export surveillance technology to Uzbekistan?",
    "What does Amnesty want regarding facial recognition exports?",
    "Was Dutch emotion recognition software used by the Chinese security ministry?",
    "What did the minister answer about the export of cybersurveillance technology?",
    "Who asked the questions about cybersurveillance exports?",
    "What did the Dutch tech company do for Russia with facial recognition?",
    "How many export licences were refused by EU countries?",
    "Is a human rights test mandatory for exporting companies?",
]


class Problems(logging.Handler):
    """Collects log records that signal trouble: warnings with tracebacks and errors."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info or record.levelno >= logging.ERROR or "Traceback" in record.getMessage():
            self.records.append(record)


@pytest.fixture(scope="module")
def problems() -> Iterator[Problems]:
    handler = Problems()
    logging.getLogger().addHandler(handler)
    yield handler
    logging.getLogger().removeHandler(handler)


@pytest.fixture(scope="module")
def emulator() -> Iterator[TelegramEmulator]:
    with TelegramEmulator() as emulator:
        yield emulator
    assert not emulator.state.unknown_methods


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def bot(
    emulator: TelegramEmulator, engine: Engine, problems: Problems
) -> AsyncIterator[Application]:
    settings = AdapterSettings(
        telegram_bot_token=emulator.token,
        telegram_api_base_url=emulator.root_url,  # a Bot API server's root; see test_bot_console
        admin_user_ids=[ADMIN.id],
    )
    application = build_application(settings, engine)
    async with application:
        await setup_bot(application)
        await application.start()
        await application.updater.start_polling(poll_interval=0, timeout=5)
        yield application
        await application.updater.stop()
        await application.stop()


@pytest.fixture(autouse=True)
def no_trouble(bot: Application, emulator: TelegramEmulator, problems: Problems) -> Iterator[None]:
    """After every test: no traceback in the log, and Telegram refused nothing unexpected.

    Expected refusals: the deliberate 429, and an edit repeated by a double tap.
    """
    yield
    assert [problems.format(r) for r in problems.records] == []
    expected = ("Too Many Requests", "Bad Request: message is not modified")
    refused = [c for c in emulator.calls() if c.error and not c.error.startswith(expected)]
    assert [(c.method, c.error) for c in refused] == []


# --- helpers ------------------------------------------------------------------------------


def buttons(call: Call) -> dict[str, str]:
    """Button label -> callback_data or url."""
    rows = call.params.get("reply_markup", {}).get("inline_keyboard", [])
    return {b["text"]: b.get("callback_data") or b["url"] for row in rows for b in row}


def well_formed(markup: str) -> str:
    """Check what the bot sent the way Telegram would; its visible text."""
    assert len(markup) <= 4096
    return parse_html(markup)


def quoted_pieces(markup: str) -> list[str]:
    """The verbatim pieces of every blockquote (split where the bot marked a cut with '…')."""
    pieces = []
    for inner in re.findall(r"<blockquote[^>]*>(.*?)</blockquote>", markup, re.S):
        plain = html.unescape(re.sub(r"<[^>]+>", "", inner))
        pieces += [p.strip() for p in plain.split("…") if p.strip()]
    return pieces


def assert_verbatim(markup: str, engine: Engine) -> None:
    texts = [engine.document(d.doc_id).text for d in engine.documents()]  # type: ignore[union-attr]
    pieces = quoted_pieces(markup)
    assert pieces
    for piece in pieces:
        assert any(piece in text for text in texts), piece


async def ask(emulator: TelegramEmulator, user: User, question: str, chat: Chat | None = None):
    message = await emulator.send_message(user, chat or Chat.private(user), question)
    reply = await emulator.reply_to(message)
    assert reply.error is None
    well_formed(reply.params["text"])
    return message, reply


# --- private chats ------------------------------------------------------------------------


async def test_start_shows_help_and_commands_are_registered(emulator: TelegramEmulator) -> None:
    _, reply = await ask(emulator, ANNA, "/start")
    assert "Voorbeeld" in reply.params["text"]
    assert "@vraagbaak_test_bot" in reply.params["text"]
    _, reply = await ask(emulator, BOB, "/help")
    assert "How to ask" in reply.params["text"]
    nl = {c["command"] for c in emulator.state.commands["nl"]}
    en = {c["command"] for c in emulator.state.commands[""]}
    assert {"ask", "bronnen", "over"} <= nl
    assert {"ask", "sources", "about"} <= en


async def test_sources_and_about(emulator: TelegramEmulator, engine: Engine) -> None:
    _, reply = await ask(emulator, ANNA, "/bronnen")
    visible = well_formed(reply.params["text"])
    for document in engine.documents():
        assert document.title in visible
    assert "https://zoek.officielebekendmakingen.nl/" in visible
    _, reply = await ask(emulator, BOB, "/about")
    assert "verbatim" in reply.params["text"]


async def test_dutch_question_gets_verbatim_quote_with_source(
    emulator: TelegramEmulator, engine: Engine
) -> None:
    _, reply = await ask(emulator, ANNA, DUTCH_QUESTION)
    text = reply.params["text"]
    assert_verbatim(text, engine)
    best = engine.search(DUTCH_QUESTION, k=3).results[0]
    assert f"<b>{html.escape(best.quote, quote=False)}</b>" in text
    assert html.escape(best.title, quote=False) in text
    assert best.link and best.link in text
    assert "Ook relevant" in text
    labels = buttons(reply)
    assert labels["Bron 🔗"] == best.link
    assert {"Meer resultaten ▸", "Volledig antwoord", "👍", "👎"} <= labels.keys()
    assert all(len(v.encode()) <= 64 for k, v in labels.items() if k != "Bron 🔗")
    assert "reply_parameters" not in reply.params  # no quoting in a private chat


async def test_english_question_gets_english_ui(emulator: TelegramEmulator, engine: Engine) -> None:
    _, reply = await ask(emulator, BOB, ENGLISH_QUESTION)
    assert_verbatim(reply.params["text"], engine)
    assert {"More results ▸", "Full answer", "Source 🔗"} <= buttons(reply).keys()


async def test_off_corpus_question_quotes_nothing(emulator: TelegramEmulator) -> None:
    _, reply = await ask(emulator, BOB, OFF_CORPUS)
    assert "<blockquote" not in reply.params["text"]
    assert "not in the documents" in reply.params["text"]
    assert "/sources" in reply.params["text"]
    assert "reply_markup" not in reply.params


async def test_more_results_edits_the_answer_and_full_answer_sends_section(
    emulator: TelegramEmulator, engine: Engine
) -> None:
    _, reply = await ask(emulator, ANNA, DUTCH_QUESTION)
    answer = reply.result
    since = emulator.call_count
    await emulator.press_button(ANNA, answer, buttons(reply)["Meer resultaten ▸"])
    edit = await emulator.wait_for("editMessageText", since=since)
    assert edit.error is None
    assert edit.params["message_id"] == answer["message_id"]
    assert "Resultaten 4–6" in edit.params["text"]
    assert_verbatim(edit.params["text"], engine)
    assert "◂ Vorige" in buttons(edit)
    page_two = engine.search(DUTCH_QUESTION, k=3, offset=3).results[0]

    since = emulator.call_count
    await emulator.press_button(ANNA, edit.result, buttons(edit)["Volledig antwoord"])
    full = await emulator.wait_for("sendMessage", since=since)
    assert full.params["reply_parameters"]["message_id"] == answer["message_id"]
    document = engine.document(page_two.doc_id)
    section = document.section(page_two.section)
    body = section.body.of(document.text)
    assert " ".join(body.split()) in " ".join(well_formed(full.params["text"]).split())

    since = emulator.call_count
    await emulator.press_button(ANNA, edit.result, buttons(edit)["◂ Vorige"])
    back = await emulator.wait_for("editMessageText", since=since)
    assert back.params["text"] == reply.params["text"]


async def test_double_tap_on_more_results_is_harmless(emulator: TelegramEmulator) -> None:
    _, reply = await ask(emulator, BOB, ENGLISH_QUESTION)
    more = buttons(reply)["More results ▸"]
    ids = [await emulator.press_button(BOB, reply.result, more) for _ in range(2)]
    for query_id in ids:
        answered = await emulator.wait_for(
            "answerCallbackQuery", lambda c, q=query_id: c.params["callback_query_id"] == q
        )
        assert answered.error is None
    first = await emulator.wait_for("editMessageText", since=reply.index)
    second = await emulator.wait_for("editMessageText", since=first.index + 1)
    assert first.error is None
    assert second.error == "Bad Request: message is not modified"  # and the bot shrugs it off


async def test_expired_button_asks_to_ask_again(emulator: TelegramEmulator) -> None:
    _, reply = await ask(emulator, ANNA, DUTCH_QUESTION)
    query_id = await emulator.press_button(ANNA, reply.result, "m|gone1234|3")
    answer = await emulator.wait_for(
        "answerCallbackQuery", lambda c: c.params["callback_query_id"] == query_id
    )
    assert "verlopen" in answer.params["text"]
    assert answer.params["show_alert"] is True


async def test_feedback_is_stored_without_user_names(
    emulator: TelegramEmulator, engine: Engine
) -> None:
    question = "Hoeveel vergunningen hebben EU-landen afgewezen?"
    _, reply = await ask(emulator, ANNA, question)
    for vote in ("👍", "👎"):  # a second press replaces the first
        query_id = await emulator.press_button(ANNA, reply.result, buttons(reply)[vote])
        thanks = await emulator.wait_for(
            "answerCallbackQuery", lambda c, q=query_id: c.params["callback_query_id"] == q
        )
        assert thanks.params["text"] == "Bedankt voor je feedback!"
    shown = [p.chunk_id for p in engine.search(question, k=3).results]
    with engine.store.session() as session:
        rows = session.exec(select(Feedback).where(Feedback.question == question)).all()
    assert len(rows) == 1
    assert rows[0].vote == -1
    assert rows[0].chunk_ids.split("\n") == shown
    assert len(rows[0].user_hash) == 64 and str(ANNA.id) not in rows[0].user_hash
    assert "Anna" not in repr(rows[0].model_dump())


async def test_stats_only_for_admins(emulator: TelegramEmulator) -> None:
    _, reply = await ask(emulator, BOB, "/stats")
    assert "administrators only" in reply.params["text"]
    _, reply = await ask(emulator, ADMIN, "/stats")
    assert re.search(r"\d+ 👍, \d+ 👎", reply.params["text"])


# --- robustness ---------------------------------------------------------------------------


async def test_4000_character_question(emulator: TelegramEmulator) -> None:
    question = ("Wat zegt de minister over het uitsluiten van Rusland van INTERPOL? " * 70)[:4000]
    _, reply = await ask(emulator, ANNA, question)
    assert reply.params["text"]


async def test_html_injection_is_escaped(emulator: TelegramEmulator, engine: Engine) -> None:
    for user, chat in ((ANNA, None), (BOB, GROUP)):
        text = INJECTION if chat is None else f"/ask {INJECTION}"
        _, reply = await ask(emulator, user, text, chat)
        assert "<script>" not in reply.params["text"]
        assert 'href="javascript' not in reply.params["text"]
    query_id = await emulator.inline_query(BOB, INJECTION)
    answer = await emulator.wait_for(
        "answerInlineQuery", lambda c: c.params["inline_query_id"] == query_id
    )
    assert answer.error is None


async def test_429_is_retried_after_retry_after(emulator: TelegramEmulator) -> None:
    emulator.fail_next_call("sendMessage", retry_after=1)
    message = await emulator.send_message(BOB, Chat.private(BOB), ENGLISH_QUESTION)
    refused = await emulator.reply_to(message)
    assert refused.error == "Too Many Requests: retry after 1"
    reply = await emulator.wait_for(
        "sendMessage", lambda c: c.params["chat_id"] == BOB.id, since=refused.index + 1
    )
    assert reply.error is None
    assert reply.params["text"] == refused.params["text"]
    assert reply.at - refused.at >= 1.0


async def test_twenty_users_at_once_each_get_their_own_answer(
    emulator: TelegramEmulator, engine: Engine
) -> None:
    users = [User(2000 + i, f"U{i}", "nl" if i < 10 else "en") for i in range(20)]
    messages = await asyncio.gather(
        *(
            emulator.send_message(user, Chat.private(user), question)
            for user, question in zip(users, CONCURRENT_QUESTIONS, strict=True)
        )
    )
    replies = await asyncio.gather(*(emulator.reply_to(m, timeout=15) for m in messages))
    for user, question, reply in zip(users, CONCURRENT_QUESTIONS, replies, strict=True):
        expected = answer_question(engine, question, user.language_code)
        assert reply.params["chat_id"] == user.id
        assert reply.params["text"] == expected.html, question


async def test_error_handler_logs_traceback_and_tells_user_nothing_internal(
    bot: Application, emulator: TelegramEmulator, problems: Problems
) -> None:
    async def broken(_: Update, __: ContextTypes.DEFAULT_TYPE) -> None:
        raise RuntimeError(f"internal detail /srv/secret.db {emulator.token}")

    handler = CommandHandler("kapot", broken)
    bot.add_handler(handler, group=-1)
    try:
        _, reply = await ask(emulator, ANNA, "/kapot")
    finally:
        bot.remove_handler(handler, group=-1)
    assert reply.params["text"] == "Er ging iets mis bij het beantwoorden. Probeer het zo nog eens."
    expected = [
        r for r in problems.records if r.exc_info and "internal detail" in str(r.exc_info[1])
    ]
    assert len(expected) == 1  # the traceback is logged ...
    problems.records.remove(expected[0])  # ... and is the only one this suite may cause


# --- groups and inline mode ---------------------------------------------------------------


async def test_group_ask_mention_and_reply(emulator: TelegramEmulator, engine: Engine) -> None:
    message, reply = await ask(emulator, ANNA, f"/ask@vraagbaak_test_bot {DUTCH_QUESTION}", GROUP)
    assert reply.params["reply_parameters"]["message_id"] == message["message_id"]
    assert_verbatim(reply.params["text"], engine)

    since = emulator.call_count
    await emulator.send_message(BOB, GROUP, "Hallo allemaal, wie wil er koffie?")
    await emulator.send_message(BOB, GROUP, "Eens!", reply_to=message)  # to a person, not the bot
    mention = "@vraagbaak_test_bot wat wil Amnesty met gezichtsherkenningstechnologie?"
    message, reply = await ask(emulator, BOB, mention, GROUP)
    assert reply.params["reply_parameters"]["message_id"] == message["message_id"]
    assert_verbatim(reply.params["text"], engine)
    sent = [c for c in emulator.calls()[since:] if c.method == "sendMessage"]
    assert sent == [reply]  # the chatter and the reply to a person got no answer

    follow_up = "En heeft Nederland vergunningen verleend voor export naar Oezbekistan?"
    message = await emulator.send_message(ANNA, GROUP, follow_up, reply_to=reply.result)
    answer = await emulator.reply_to(message)
    assert answer.params["reply_parameters"]["message_id"] == message["message_id"]
    assert_verbatim(answer.params["text"], engine)


async def test_inline_query_offers_quote_cards(emulator: TelegramEmulator, engine: Engine) -> None:
    query_id = await emulator.inline_query(BOB, ENGLISH_QUESTION)
    answer = await emulator.wait_for(
        "answerInlineQuery", lambda c: c.params["inline_query_id"] == query_id
    )
    results = answer.params["results"]
    assert results and answer.params["cache_time"] == 30
    for result in results:
        content = result["input_message_content"]
        assert content["parse_mode"] == "HTML"
        assert_verbatim(content["message_text"], engine)
        assert "📄" in content["message_text"]
    await emulator.choose_inline_result(BOB, results[0]["id"], ENGLISH_QUESTION)

    query_id = await emulator.inline_query(BOB, "")
    empty = await emulator.wait_for(
        "answerInlineQuery", lambda c: c.params["inline_query_id"] == query_id
    )
    assert empty.params["results"] == []
    assert empty.params["button"]["start_parameter"] == "help"


# --- time: periods, newest first, timelines, following ---------------------------------------


async def test_a_period_in_words_filters_and_the_reply_says_so(
    emulator: TelegramEmulator, engine: Engine
) -> None:
    _, reply = await ask(emulator, ANNA, "Export van surveillancetechnologie sinds 2019?")
    visible = well_formed(reply.params["text"])
    assert visible.startswith("📅 Alleen documenten vanaf 1 januari 2019 · ")
    assert "1 document zonder datum weggelaten" in visible
    assert "Oezbeekse" not in visible  # the 2017 answers are before the period
    assert_verbatim(reply.params["text"], engine)
    _, reply = await ask(emulator, BOB, "surveillance technology exports between 2015 and 2018")
    assert well_formed(reply.params["text"]).startswith(
        "📅 Only documents dated from 1 January 2015 to 31 December 2018"
    )
    _, reply = await ask(emulator, ANNA, "Export van surveillancetechnologie voor 2010")
    assert "Niets in de documenten uit deze periode" in reply.params["text"]


async def test_newest_first_and_back_and_the_timeline_button(
    emulator: TelegramEmulator, engine: Engine
) -> None:
    _, reply = await ask(emulator, ANNA, "export van surveillancetechnologie")
    labels = buttons(reply)
    assert {"Nieuwste eerst", "Tijdlijn"} <= labels.keys()
    assert all(len(v.encode()) <= 64 for k, v in labels.items() if k != "Bron 🔗")
    since = emulator.call_count
    await emulator.press_button(ANNA, reply.result, labels["Nieuwste eerst"])
    newest = await emulator.wait_for("editMessageText", since=since)
    assert newest.error is None
    assert "nieuwste eerst" in well_formed(newest.params["text"]).split("\n")[0]
    assert "2024" in well_formed(newest.params["text"])  # the 2024 memo leads
    assert "Meest relevant" in buttons(newest)

    since = emulator.call_count
    await emulator.press_button(ANNA, newest.result, buttons(newest)["Meest relevant"])
    back = await emulator.wait_for("editMessageText", since=since)
    assert back.params["text"] == reply.params["text"]

    since = emulator.call_count
    await emulator.press_button(ANNA, reply.result, labels["Tijdlijn"])
    timeline = await emulator.wait_for("sendMessage", since=since)
    visible = well_formed(timeline.params["text"])
    assert visible.startswith("Tijdlijn: export van surveillancetechnologie")
    assert visible.index("9 oktober 2017") < visible.index("5 september 2019")
    assert_verbatim(timeline.params["text"], engine)


async def test_timeline_command_lists_dated_quotes_with_more(emulator: TelegramEmulator) -> None:
    _, reply = await ask(emulator, BOB, "/timeline")
    assert "/timeline export of surveillance technology" in reply.params["text"]
    _, reply = await ask(emulator, BOB, "/timeline export van surveillancetechnologie in 2019")
    visible = well_formed(reply.params["text"])
    assert visible.startswith("Timeline: export van surveillancetechnologie")
    assert "Only documents dated from 1 January 2019 to 31 December 2019" in visible
    assert "5 September 2019" in visible and "2017" not in visible.split("\n", 3)[-1]
    _, reply = await ask(emulator, ANNA, "/tijdlijn@vraagbaak_test_bot spyware", GROUP)
    assert "Tijdlijn: spyware" in reply.params["text"]


async def test_follow_list_and_unfollow_survive_in_the_database(
    emulator: TelegramEmulator, engine: Engine
) -> None:
    _, reply = await ask(emulator, ANNA, "/volg")
    assert "/volg export van surveillancetechnologie" in reply.params["text"]
    _, reply = await ask(emulator, ANNA, "/volg export van   surveillancetechnologie")
    assert "Ik volg nu <b>export van surveillancetechnologie</b>" in reply.params["text"]
    _, reply = await ask(emulator, ANNA, "/volg Export van surveillancetechnologie")
    assert "volgt <b>Export van surveillancetechnologie</b> al" in reply.params["text"]
    await ask(emulator, ANNA, "/volg <b>kwik</b> & dioxine")
    _, reply = await ask(emulator, ANNA, "/gevolgd")
    assert (
        "1. export van surveillancetechnologie\n2. &lt;b&gt;kwik&lt;/b&gt; &amp; dioxine"
        in (reply.params["text"])
    )
    # another process sees the same: the topics are in the database
    assert [t.topic for t in Follows(engine.store).topics(ANNA.id)] == [
        "export van surveillancetechnologie",
        "<b>kwik</b> & dioxine",
    ]
    _, reply = await ask(emulator, ANNA, "/ontvolg 7")
    assert "/ontvolg 1" in reply.params["text"]
    _, reply = await ask(emulator, ANNA, "/ontvolg 1")
    assert "niet meer" in reply.params["text"]
    _, reply = await ask(emulator, ANNA, "/following")
    assert "1. &lt;b&gt;kwik" in reply.params["text"]
    await ask(emulator, ANNA, "/unfollow 1")
    _, reply = await ask(emulator, ANNA, "/gevolgd")
    assert "volgt geen onderwerpen" in reply.params["text"]


async def test_in_a_group_only_admins_follow(emulator: TelegramEmulator) -> None:
    emulator.state.admins[GROUP.id] = {ADMIN.id}
    _, reply = await ask(emulator, BOB, "/follow spyware", GROUP)
    assert "only its administrators" in reply.params["text"]
    _, reply = await ask(emulator, ADMIN, "/volg spyware", GROUP)
    assert "Ik volg nu <b>spyware</b> voor dit gesprek" in reply.params["text"]
    _, reply = await ask(emulator, BOB, "/gevolgd", GROUP)  # anyone may see the list
    assert "1. spyware" in reply.params["text"]
    _, reply = await ask(emulator, BOB, "/ontvolg 1", GROUP)
    assert "alleen beheerders" in reply.params["text"]
    await ask(emulator, ADMIN, "/ontvolg 1", GROUP)
