"""Telegram HTML rendering and splitting: escaping, verbatim quotes, 4096 chars, whole words."""

from __future__ import annotations

import html
import random
import re

import pytest

from bot.telegram.handlers import inline_card, keyboard
from bot.telegram.render import (
    MAX_MESSAGE,
    answer_html,
    card_html,
    full_section_html,
    size,
    source_html,
    sources_html,
    split_html,
    to_plain,
)
from retrieval.documents import Document, Section, Span
from retrieval.results import Passage, SearchResult
from tests.telegram_emulator import parse_html

NASTY = "Kosten < 5 & > 3 *niet* _wel_ <b>vet</b> &amp; 🇳🇱👍🏽 👨‍👩‍👧 R&D <script>x</script>"


def passage(text: str, quote: str, rank: int = 1, **overrides: object) -> Passage:
    start = text.index(quote)
    fields: dict[str, object] = {
        "rank": rank,
        "score": 0.9,
        "chunk_id": f"doc:vraag-1:{rank}",
        "doc_id": "doc",
        "doc_type": "kamervraag",
        "title": 'Vragen over <export> & "dual-use"',
        "section": "Vraag 1",
        "anchor": "vraag-1",
        "answer_heading": None,
        "question": "Wat <is> het beleid?",
        "text": text,
        "quote": quote,
        "highlights": ((start, start + len(quote)),),
        "span": Span(0, len(text)),
        "url": "https://example.org/a?b=1&c=<2>",
        "permalink": None,
        "date": "2019-09-05",
        "ministers": ("Sigrid Kaag",),
    }
    return Passage(**{**fields, **overrides})  # type: ignore[arg-type]


def words(markup: str) -> list[str]:
    return html.unescape(re.sub(r"<[^>]+>", "", markup)).split()


@pytest.mark.parametrize("limit", [200, 300, MAX_MESSAGE])
def test_split_never_cuts_tags_entities_or_words(limit: int) -> None:
    rng = random.Random(limit)
    pieces = [html.escape(NASTY, quote=False), "\n\n", " woord", " <i>cursief </i>", "\n"]
    body = "".join(rng.choice(pieces) for _ in range(3000))
    markup = f'<blockquote>{body}</blockquote>\n<a href="https://x.org/?a=1&amp;b=2">bron</a>'
    parts = split_html(markup, limit)
    assert len(parts) > 1
    for part in parts:
        assert size(part) <= limit
        parse_html(part)  # well-formed: every tag closed, every entity whole
    assert [w for part in parts for w in words(part)] == words(markup)


def test_split_prefers_line_breaks_and_reopens_tags() -> None:
    paragraph = "<blockquote>" + " ".join(["woord"] * 40) + "</blockquote>"
    parts = split_html("\n".join([paragraph] * 30), 1000)
    assert all(p.startswith("<blockquote>") and p.endswith("</blockquote>") for p in parts)


def test_split_cuts_only_a_word_longer_than_a_message() -> None:
    parts = split_html(html.escape("&" * 5000 + " 👍🏽" * 10), 4096)
    assert all(size(p) <= 4096 for p in parts)
    assert "".join(html.unescape(p) for p in parts).replace(" ", "") == "&" * 5000 + "👍🏽" * 10


def test_answer_escapes_everything_and_quotes_verbatim() -> None:
    best = passage(f"Inleiding. {NASTY}. Slot.", NASTY)
    other = passage("Een ander <antwoord> & meer.", "Een ander <antwoord> & meer.", rank=2)
    markup = answer_html(SearchResult("vraag", True, "nl", [best, other]), "nl")
    visible = parse_html(markup)
    assert NASTY in visible and "<script>" not in markup
    assert f"<b>{html.escape(NASTY, quote=False)}</b>" in markup
    assert 'href="https://example.org/a?b=1&amp;c=&lt;2&gt;"' in markup
    assert "Vraag 1 / Antwoord · 5 september 2019 · beantwoord door Sigrid Kaag" in visible
    assert "Een ander <antwoord> & meer." in visible


def test_long_passage_is_shortened_around_its_answer_to_fit() -> None:
    filler = "Dit is een zin zonder antwoord met & en < erin. " * 120
    quote = "Het antwoord staat hier."
    best = passage(filler + quote + " " + filler, quote)
    for markup in (
        answer_html(SearchResult("v", True, "nl", [best, best]), "nl"),
        card_html(best, "en"),
    ):
        assert size(markup) <= MAX_MESSAGE
        visible = parse_html(markup)
        assert quote in visible and "📄" in visible
        quoted = re.search(r"<blockquote>(.*)</blockquote>", markup, re.S)[1]  # type: ignore[index]
        for piece in html.unescape(re.sub(r"<[^>]+>", "", quoted)).split("…"):
            assert piece.strip() in best.text


def test_full_section_is_split_into_valid_messages() -> None:
    answer = " ".join(f"Zin {i} over export & <controle>." for i in range(600))
    text = f"Vraag 1\nWat <is> het beleid?\n{answer}"
    body = Span(text.index(answer), len(text))
    document = Document(
        "doc", "kamervraag", "Titel", [Section("Vraag 1", "qa", body, Span(8, 28))], text=text,
    )  # fmt: skip
    quote = "Zin 3 over export & <controle>."
    shown = passage(answer, quote, span=body)
    parts = full_section_html(document, document.sections[0], shown, "nl")
    assert len(parts) > 1
    visible = " ".join(parse_html(p) for p in parts)
    assert " ".join(answer.split()) in " ".join(visible.split())
    assert f"<b>{html.escape(quote, quote=False)}</b>" in parts[0]


def test_plain_text_for_the_console() -> None:
    best = passage(f"Begin. {NASTY}", NASTY)
    plain = to_plain(answer_html(SearchResult("v", True, "nl", [best]), "nl"))
    assert f"> Begin. {NASTY}" in plain
    assert "https://example.org/a?b=1&c=<2>" in plain


HOSTILE_URL = "javascript:alert(document.domain)"


def hrefs(markup: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(r'href="([^"]*)"', markup)]


def test_only_web_urls_become_links_in_messages_and_buttons() -> None:
    permalink = "https://vraagbaak.example/d/doc?p=0-40#p-0-40"
    text = "Het kabinet heeft geen aanwijzingen daarvoor."
    for links_to, fields in (
        (None, {"url": HOSTILE_URL}),
        (permalink, {"url": HOSTILE_URL, "permalink": permalink}),
        (None, {"url": "data:text/html,<script>alert(1)</script>"}),
    ):
        hostile = passage(text, text, **fields)
        assert hostile.link == links_to and hostile.to_json()["url"] == links_to
        assert hostile.to_json()["official_url"] is None
        result = SearchResult("vraag", True, "nl", [hostile, passage(text, text, 2, **fields)])
        for markup in (answer_html(result, "nl"), card_html(hostile, "en")):
            assert hrefs(markup) == [links_to] * markup.count("<a ")
            assert "javascript:" not in markup and "data:" not in markup
        buttons = [b for row in keyboard("q1", result, 0, "nl").inline_keyboard for b in row]
        assert [b.url for b in buttons if b.url] == ([links_to] if links_to else [])
        card = inline_card(hostile, "nl")
        card_buttons = card.reply_markup.inline_keyboard if card.reply_markup else ()
        assert [b.url for row in card_buttons for b in row] == ([links_to] if links_to else [])
        assert hrefs(card.input_message_content.message_text) == ([links_to] if links_to else [])


def test_sources_list_links_only_web_urls() -> None:
    document = Document(
        "doc", "kamervraag", "Titel", [Section("Vraag 1", "qa", Span(0, 6))], text="Tekst.",
        urls={"vraag": HOSTILE_URL},
    )  # fmt: skip
    markup = "".join(sources_html("nl", [document]))
    assert "<a " not in markup and HOSTILE_URL not in markup


@pytest.mark.parametrize(
    ("lang", "label"),
    [("nl", "vraag gesteld, nog niet beantwoord"), ("en", "question asked, not answered yet")],
)
def test_a_question_still_waiting_for_its_answer_says_so(lang: str, label: str) -> None:
    waiting = passage(
        "Hoeveel valse paspoorten zijn ontdekt?", "Hoeveel valse paspoorten", unanswered=True
    )
    answered = passage("In 2023 zijn twaalf valse paspoorten ontdekt.", "twaalf valse paspoorten")
    assert f"<i>{label}</i>" in source_html(waiting, lang)  # type: ignore[arg-type]
    assert label not in source_html(answered, lang)  # type: ignore[arg-type]
