"""All Telegram HTML of the bot, and the safe splitting of long messages.

Every piece of user or document text goes through `esc` (or `_marked`) before it reaches a
message; quotes are cut only at word boundaries and marked with an ellipsis where cut.
"""

from __future__ import annotations

import html
import re
from collections import deque
from collections.abc import Sequence
from datetime import date
from html.parser import HTMLParser

from telegram.constants import MessageLimit

from bot.telegram.texts import MONTHS, Lang, text
from retrieval.documents import Document, DocumentInfo, Section
from retrieval.filters import SearchFilter
from retrieval.results import Passage, SearchResult
from retrieval.timeline import Timeline

MAX_MESSAGE = MessageLimit.MAX_TEXT_LENGTH  # 4096
ELLIPSIS = "…"
BRIEF_CHARS = 220
TOPICS_SHOWN = 4
TIMELINE_QUOTE_CHARS = 280  # a timeline entry's quote is cut here
TIMELINE_TITLE_CHARS = 160

# A tag, an entity, a run of whitespace, or a run of other text.
_ATOM = re.compile(r"<[^>]*>|&#?\w+;|\s+|[^<&\s]+|&")
_TAG = re.compile(r"</?([a-zA-Z-]+)")
# One user-perceived character, roughly: a code point with its joiners and modifiers.
_MODIFIERS = "\u0300-\u036f\ufe0e\ufe0f\u20e3\U0001f3fb-\U0001f3ff"
_CLUSTER = re.compile(rf".[{_MODIFIERS}]*(?:\u200d.[{_MODIFIERS}]*)*", re.S)


def esc(value: str) -> str:
    """Escape text for Telegram HTML (`<`, `>`, `&`)."""
    return html.escape(value, quote=False)


def attr(value: str) -> str:
    """Escape an attribute value (quotes too)."""
    return html.escape(value, quote=True)


def size(markup: str) -> int:
    """Length as Telegram counts it at most: UTF-16 code units of the raw markup."""
    return len(markup.encode("utf-16-le")) // 2


# --- pieces -------------------------------------------------------------------------------


def format_date(iso: str | None, lang: Lang) -> str | None:
    if not iso:
        return None
    try:
        day = date.fromisoformat(iso)
    except ValueError:
        return iso
    return f"{day.day} {MONTHS[lang][day.month - 1]} {day.year}"


def section_label(passage: Passage) -> str:
    """'Vraag 3 / Antwoord' for an answered parliamentary question, else the section name."""
    if passage.question is None:
        return passage.section
    return f"{passage.section} / {passage.answer_heading or 'Antwoord'}"


def _window(text_: str, start: int, budget: int) -> tuple[int, int]:
    """A span of about `budget` chars from `start`, widened to word boundaries."""
    while start > 0 and not text_[start - 1].isspace():
        start -= 1
    end = min(len(text_), start + budget)
    while end < len(text_) and not text_[end].isspace():
        end += 1
    return start, end


def _marked(text_: str, highlights: Sequence[tuple[int, int]], start: int, end: int) -> str:
    """`text_[start:end]` escaped, the highlighted parts in bold, '…' where the text was cut."""
    out: list[str] = [ELLIPSIS + " "] if start > 0 else []
    pos = start
    for h_start, h_end in sorted(highlights):
        h_start, h_end = max(h_start, pos), min(h_end, end)
        if h_start >= h_end:
            continue
        out += [esc(text_[pos:h_start]), "<b>", esc(text_[h_start:h_end]), "</b>"]
        pos = h_end
    out.append(esc(text_[pos:end]))
    if end < len(text_):
        out.append(" " + ELLIPSIS)
    return "".join(out)


def quote_html(passage: Passage, budget: int | None = None) -> str:
    """The passage verbatim in a blockquote, answering sentences bold; cut to `budget` chars."""
    start, end = 0, len(passage.text)
    if budget is not None and end > budget:
        first = min((h[0] for h in passage.highlights), default=0)
        start, end = _window(passage.text, first, budget)
    return f"<blockquote>{_marked(passage.text, passage.highlights, start, end)}</blockquote>"


def source_html(passage: Passage, lang: Lang) -> str:
    """Title, section, date, answering minister and link, one fact per line."""
    facts = [esc(section_label(passage))]
    if passage.unanswered:
        facts.append(f"<i>{esc(text(lang, 'unanswered'))}</i>")
    if when := format_date(passage.date, lang):
        facts.append(esc(when))
    if passage.ministers:
        facts.append(esc(text(lang, "answered_by", names=", ".join(passage.ministers))))
    link = passage.link
    link_line = (
        f'🔗 <a href="{attr(link)}">{esc(link)}</a>' if link else f"🔗 {text(lang, 'no_link')}"
    )
    return f"📄 <b>{esc(passage.title)}</b>\n{' · '.join(facts)}\n{link_line}"


def brief_html(passage: Passage) -> str:
    """A further match in two lines: where it is from, and the start of its answering text."""
    quote = passage.quote or passage.text
    start, end = _window(quote, 0, BRIEF_CHARS)
    title = esc(passage.title)
    head = f'<a href="{attr(passage.link)}">{title}</a>' if passage.link else title
    excerpt = _marked(quote, (), start, end).strip()
    return f"{passage.rank}. {head} · {esc(section_label(passage))}\n<i>“{excerpt}”</i>"


# --- whole messages -----------------------------------------------------------------------


def _fitted(passage: Passage, lang: Lang, before: str = "", after: str = "") -> str:
    """The passage quoted with its source, between `before` and `after`, shortened to fit.

    The quote is shortened around its answering sentences first; `after` goes next.
    """
    for budget in (None, 1500, 600):
        main = f"{before}{quote_html(passage, budget)}\n\n{source_html(passage, lang)}"
        for message in (main + after, main):
            if size(message) <= MAX_MESSAGE:
                return message
    return split_html(main)[0]


def period_text(filters: SearchFilter, lang: Lang) -> str | None:
    """'vanaf 1 maart 2019', 'from 1 January 2015 to 31 December 2018'; None without a period."""
    since = format_date(filters.since.isoformat(), lang) if filters.since else None
    until = format_date(filters.until.isoformat(), lang) if filters.until else None
    if since and until:
        return text(lang, "period_between", since=since, until=until)
    if since:
        return text(lang, "period_since", since=since)
    if until:
        return text(lang, "period_until", until=until)
    return None


def view_html(
    filters: SearchFilter | None, lang: Lang, undated: int = 0, newest: bool = False
) -> str:
    """One italic line saying which period and order an answer shows ('' when neither)."""
    facts = []
    if filters is not None and (period := period_text(filters, lang)):
        facts.append(text(lang, "period", period=period))
    if newest:
        facts.append(text(lang, "newest_first"))
    if undated:
        facts.append(text(lang, "undated_one" if undated == 1 else "undated_many", n=undated))
    return f"<i>📅 {esc(' · '.join(facts))}</i>\n" if facts else ""


def answer_html(result: SearchResult, lang: Lang, offset: int = 0) -> str:
    """The best passage quoted with its source, then the other matches briefly; one message."""
    best, *others = result.results
    before = view_html(result.filters, lang, result.undated_excluded, result.sort == "date")
    if offset:
        last = offset + len(result.results)
        before += text(lang, "page_header", first=offset + 1, last=last) + "\n"
    after = "\n\n".join(["", text(lang, "more_header"), *map(brief_html, others)]) if others else ""
    return _fitted(best, lang, before, after)


def card_html(passage: Passage, lang: Lang) -> str:
    """One passage with its source, ready to share (inline mode)."""
    return _fitted(passage, lang)


def not_found_html(
    lang: Lang, documents: Sequence[DocumentInfo], result: SearchResult | None = None
) -> str:
    if result is not None and result.filters:
        view = view_html(result.filters, lang, result.undated_excluded)
        return view + text(lang, "not_found_in_period")
    topics = "; ".join(esc(d.title) for d in documents[:TOPICS_SHOWN])
    return text(lang, "not_found", n=len(documents), topics=topics)


def _short(value: str, limit: int) -> str:
    """`value` escaped, cut at a word boundary near `limit` characters with '…'."""
    flat = " ".join(value.split())
    if len(flat) <= limit:
        return esc(flat)
    return esc(flat[:limit].rsplit(" ", 1)[0]) + " " + ELLIPSIS


def timeline_entry_html(passage: Passage, lang: Lang) -> str:
    """A dated line with the source, a short quote, who answered, and the link."""
    when = format_date(passage.date, lang) or ""
    title = _short(passage.title, TIMELINE_TITLE_CHARS)
    lines = [f"<b>{esc(when)}</b> · {title}, {esc(section_label(passage))}"]
    lines.append(f"<blockquote>{_short(passage.quote, TIMELINE_QUOTE_CHARS)}</blockquote>")
    if passage.ministers:
        lines.append(esc(text(lang, "answered_by", names=", ".join(passage.ministers))))
    if passage.link:
        lines.append(f'🔗 <a href="{attr(passage.link)}">{esc(passage.link)}</a>')
    return "\n".join(lines)


def timeline_html(found: Timeline, lang: Lang, offset: int, page: int) -> list[str]:
    """Entries `offset`..`offset + page` of a timeline, oldest first, split into messages."""
    head = text(lang, "timeline_header", topic=esc(found.topic))
    view = view_html(found.filters, lang, found.undated_excluded)
    if not found.entries:
        return [f"{head}\n{view}{text(lang, 'timeline_none')}"]
    shown = found.entries[offset : offset + page]
    count = text(
        lang, "timeline_count", first=offset + 1, last=offset + len(shown), n=len(found.entries)
    )
    parts = [f"{head}\n{view}<i>{count}</i>", *(timeline_entry_html(p, lang) for p in shown)]
    return split_html("\n\n".join(parts))


def alert_html(topic: str, passage: Passage, lang: Lang) -> str:
    """A new passage on a followed topic: the quote with its source."""
    return _fitted(passage, lang, before=text(lang, "alert_header", topic=esc(topic)) + "\n")


def help_html(lang: Lang, documents: Sequence[DocumentInfo], username: str) -> str:
    return text(
        lang,
        "help",
        n=len(documents),
        mention=esc(f"@{username}"),
        example=esc(text(lang, "example")),
    )


def about_html(lang: Lang) -> str:
    return text(lang, "about")


def sources_html(lang: Lang, documents: Sequence[DocumentInfo]) -> list[str]:
    """The corpus, one document per entry with date and link; split into messages."""
    entries = [text(lang, "sources_header", n=len(documents))]
    for number, doc in enumerate(documents, 1):
        facts = [esc(f) for f in (format_date(doc.date, lang), doc.publisher) if f]
        line = f"{number}. <b>{esc(doc.title)}</b>"
        if facts:
            line += f"\n{' · '.join(facts)}"
        if doc.url:
            line += f'\n🔗 <a href="{attr(doc.url)}">{esc(doc.url)}</a>'
        entries.append(line)
    return split_html("\n\n".join(entries))


def full_section_html(
    document: Document, section: Section, passage: Passage, lang: Lang
) -> list[str]:
    """The whole section: its question (if any), then its complete answer, then the source."""
    parts = [f"<b>{esc(section.label)}</b>"]
    if section.question is not None:
        parts.append(f"<i>{esc(section.question.of(document.text))}</i>")
    body = section.body
    shift = passage.span.start - body.start
    highlights = [(s + shift, e + shift) for s, e in passage.highlights]
    body_text = body.of(document.text)
    heading = passage.answer_heading or ("Antwoord" if section.question is not None else None)
    if heading:
        parts.append(f"<b>{esc(heading)}</b>")
    parts.append(f"<blockquote>{_marked(body_text, highlights, 0, len(body_text))}</blockquote>")
    parts.append(source_html(passage, lang))
    return split_html("\n\n".join(parts))


# --- splitting ----------------------------------------------------------------------------


def _units(markup: str) -> list[str]:
    """Whitespace runs, and maximal runs of everything else (words with their tags)."""
    units: list[str] = []
    for atom in _ATOM.findall(markup):
        if atom.isspace() or not units or units[-1].isspace():
            units.append(atom)
        else:
            units[-1] += atom
    return units


def _shards(word: str) -> list[str]:
    """A word too long for any message, as tags, entities and characters, with break points."""
    shards: list[str] = []
    for atom in _ATOM.findall(word):
        pieces = [atom] if atom.startswith(("<", "&")) else _CLUSTER.findall(atom)
        for piece in pieces:
            shards += [piece, ""]
    return shards[:-1]


def _after(stack: list[str], unit: str) -> list[str]:
    """The open tags (as written) once `unit` has been read."""
    stack = list(stack)
    for tag in re.findall(r"<[^>]*>", unit):
        if tag.startswith("</"):
            stack.pop()
        else:
            stack.append(tag)
    return stack


def _closing(stack: Sequence[str]) -> str:
    return "".join(f"</{_TAG.match(tag)[1]}>" for tag in reversed(stack))  # type: ignore[index]


def split_html(markup: str, limit: int = MAX_MESSAGE) -> list[str]:
    """Split well-formed Telegram HTML into messages of at most `limit` characters.

    Breaks only at whitespace (preferring a line break in the second half of a message), never
    inside a tag, an entity or a word; tags open at a break are closed and reopened. A single
    word longer than a message is the only thing cut, between characters.
    """
    if size(markup) <= limit:
        return [markup]
    messages: list[str] = []
    units = deque(_units(markup))
    opened: list[str] = []  # tags open at the start of the current message
    stack: list[str] = []  # tags open at its end so far
    chunk: list[str] = []
    used = 0
    breaks: list[tuple[int, list[str], int, bool]] = []  # unit index, stack, size, newline

    def emit(units_: list[str], stack_at: list[str]) -> None:
        body = "".join(units_)
        if body.strip():
            messages.append("".join(opened) + body + _closing(stack_at))

    while units:
        unit = units.popleft()
        after = _after(stack, unit)
        if size("".join(opened)) + used + size(unit) + size(_closing(after)) <= limit:
            chunk.append(unit)
            used += size(unit)
            stack = after
            if not unit or unit.isspace():
                breaks.append((len(chunk) - 1, stack, used, "\n" in unit))
            continue
        if not unit or unit.isspace():  # the break falls right here
            index, stack_at = len(chunk), stack
            rest: list[str] = []
        elif breaks:
            late_lines = [b for b in breaks if b[3] and b[2] >= limit // 2]
            index, stack_at, _, _ = (late_lines or breaks)[-1]
            rest = [*chunk[index + 1 :], unit]
        else:  # one word longer than a whole message
            units.extendleft(reversed(_shards(unit)))
            continue
        emit(chunk[:index], stack_at)
        units.extendleft(reversed(rest))
        opened, stack, chunk, used, breaks = list(stack_at), list(stack_at), [], 0, []
    emit(chunk, stack)
    return messages


# --- plain text (console) -----------------------------------------------------------------


class _PlainText(HTMLParser):
    """Telegram HTML to plain text: quotes as '> ' lines, links followed by their URL."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.buffers: list[list[str]] = [[]]
        self.hrefs: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("blockquote", "a"):
            self.buffers.append([])
        if tag == "a":
            self.hrefs.append(dict(attrs).get("href"))

    def handle_endtag(self, tag: str) -> None:
        if tag not in ("blockquote", "a"):
            return
        inner = "".join(self.buffers.pop())
        if tag == "blockquote":
            inner = "\n".join(f"> {line}" for line in inner.split("\n"))
        elif (href := self.hrefs.pop()) and href != inner:
            inner = f"{inner} ({href})"
        self.buffers[-1].append(inner)

    def handle_data(self, data: str) -> None:
        self.buffers[-1].append(data)


def to_plain(markup: str) -> str:
    parser = _PlainText()
    parser.feed(markup)
    parser.close()
    return "".join(parser.buffers[0])
