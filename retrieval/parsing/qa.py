"""Questions and answers: finding their headings and pairing them into Sections.

Shared by every format that numbers questions ("Vraag 3", "3.", "3") and heads answers
("Antwoord", "Antwoord 3", "Antwoord op vraag 3 en 4", "Antwoord vragen 8, 9 en 10").

Pairing rules, the same for all formats:
- An answer covers the questions asked since the previous answer; when its heading names
  numbers, only the questions with those numbers (others stay unanswered).
- Every covered question gets the answer's span as body and its heading as answer_heading. The
  question the answer follows (the last one covered) owns it: its answered_in is None; the others
  get answered_in = the owner's label. So "Antwoord vragen 8, 9 en 10" is owned by Vraag 10, and
  Vraag 4-7 with no answer of their own point at Vraag 8 whose answer follows them.
- An answer that only says "Zie antwoord vraag 1." takes Vraag 1's body and answered_in (the owner
  of that answer); the referring sentence becomes the answer_heading.
- A question nobody answers becomes a `question` section whose body is the question.

Where all questions come before all answers (historical Aanhangsel pages), `by_number` pairs a
numbered answer with the questions of its numbers, asked at any point before it and not answered
yet; an answer whose numbers match none of those becomes a `text` section of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from retrieval.documents import Section, SectionKind, Span
from retrieval.parsing.layout import Line, lines, paragraphs, trimmed

NUMBERS = r"\d{1,3}(?:\s*(?:,|en|t/m|tot en met|-|–)\s*\d{1,3})*"
QUESTION = re.compile(rf"^(?:Vraag|Vragen)\s+(?P<nums>{NUMBERS})\s*[:.]?$")
NUMBERED = re.compile(r"^(?P<nums>\d{1,2})(?:[.)]\s+(?=\S)|[.)]?$)")
ANSWER = re.compile(
    rf"^Antwoord(?:\s+(?:op\s+)?(?:de\s+)?(?:vragen|vraag)?\s*(?P<nums>{NUMBERS}))?\s*[:.]?$",
    re.IGNORECASE,
)
REFERENCE = re.compile(
    rf"^Zie\s+(?:ook\s+)?(?:het\s+)?antwoord\s+(?:op\s+)?(?:de\s+)?(?:vragen|vraag)\s+(?P<nums>{NUMBERS})\.?$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Heading:
    """A line that starts a question, an answer or another section; content begins at `end`."""

    kind: Literal["question", "answer", "other"]
    start: int
    end: int
    label: str
    numbers: tuple[int, ...] = ()
    section_kind: SectionKind = "text"  # for "other" headings


@dataclass
class _Item:
    label: str
    numbers: tuple[int, ...]
    start: int
    question: Span | None
    body: Span | None = None
    answer_heading: str | None = None
    answered_in: str | None = None
    reference: tuple[int, ...] = ()


def parse_numbers(text: str) -> tuple[int, ...]:
    """'8, 9 en 10' -> (8, 9, 10); '2 t/m 6' and '4-7' expand to their ranges."""
    numbers: list[int] = []
    for part in re.split(r",|\sen\s", text):
        bounds = [int(n) for n in re.findall(r"\d+", part)]
        if len(bounds) == 2 and bounds[0] < bounds[1] <= bounds[0] + 50:
            numbers.extend(range(bounds[0], bounds[1] + 1))
        else:
            numbers.extend(bounds)
    return tuple(numbers)


def find_headings(text: str, start: int = 0) -> list[Heading]:
    """Question and answer headings in text[start:], in order.

    "Vraag N" headings win; without them, numbered lines ("1.", "1. Kunt u...", "1") count as
    questions only when they run 1, 2, 3... so footnote digits and lists do not.
    """
    all_lines = [line for line in lines(text) if line.start >= start]
    answers = [h for line in all_lines if (h := _answer_heading(line))]
    questions = _increasing(
        [h for line in all_lines if (h := _vraag_heading(line))], strict=False
    ) or _increasing([h for line in all_lines if (h := _numbered_heading(text, line))], strict=True)
    return sorted(questions + answers, key=lambda h: h.start)


def _vraag_heading(line: Line) -> Heading | None:
    match = QUESTION.match(line.text)
    if not match:
        return None
    label = "Vraag " + " ".join(match["nums"].split())
    return Heading("question", line.start, line.end, label, parse_numbers(match["nums"]))


def _numbered_heading(text: str, line: Line) -> Heading | None:
    match = NUMBERED.match(line.text)
    if not match:
        return None
    raw = text[line.start : line.end]
    content_start = line.start + len(raw) - len(raw.lstrip()) + match.end()
    number = int(match["nums"])
    return Heading("question", line.start, content_start, f"Vraag {number}", (number,))


def _answer_heading(line: Line) -> Heading | None:
    match = ANSWER.match(line.text)
    if not match:
        return None
    numbers = parse_numbers(match["nums"]) if match["nums"] else ()
    return Heading("answer", line.start, line.end, line.text.rstrip(":. "), numbers)


def _increasing(headings: list[Heading], *, strict: bool) -> list[Heading]:
    """Keep the headings whose numbers go up: by exactly one when `strict` (numbered lines)."""
    kept: list[Heading] = []
    last = 0
    for heading in headings:
        first = min(heading.numbers)
        if (first == last + 1) if strict else (first > last):
            kept.append(heading)
            last = max(heading.numbers)
    return kept if len(kept) >= (2 if strict else 1) else []


def build_sections(
    text: str,
    headings: list[Heading],
    end: int,
    *,
    implicit_answers: bool = False,
    by_number: bool = False,
) -> list[Section]:
    """Sections for everything from the first heading to `end`, paired by the module's rules.

    With `implicit_answers` (Kamervraag web pages), a question's first paragraph is the question
    and the rest of its block is its answer. With `by_number`, numbered answers take their
    questions by number (see the module's docstring).
    """
    items: list[_Item] = []
    others: list[tuple[int, Section]] = []
    pending: list[_Item] = []
    for index, heading in enumerate(headings):
        stop = headings[index + 1].start if index + 1 < len(headings) else end
        content = trimmed(text, heading.end, stop)
        if heading.kind == "question":
            question, answer = content, None
            if implicit_answers and content:
                question, answer = _split_first_paragraph(text, content)
            item = _Item(heading.label, heading.numbers, heading.start, question)
            items.append(item)
            pending.append(item)
            if answer:
                _answer(text, pending, answer, None, ())
        elif heading.kind == "answer" and by_number and heading.numbers and content:
            covered = [i for i in items if set(i.numbers) & set(heading.numbers) and not i.body]
            if covered:
                pending[:] = [item for item in pending if item not in covered]
                _cover(text, covered, content, heading.label)
            else:
                others.append((heading.start, Section(heading.label, "text", content)))
        elif heading.kind == "answer":
            if content:
                _answer(text, pending, content, heading.label, heading.numbers)
        elif content:
            others.append((heading.start, Section(heading.label, heading.section_kind, content)))
    _resolve_references(items)
    sections = [(item.start, section) for item in items if (section := _section(item))]
    return [section for _, section in sorted(sections + others, key=lambda pair: pair[0])]


def _split_first_paragraph(text: str, content: Span) -> tuple[Span, Span | None]:
    parts = paragraphs(text, content.start, content.end)
    if len(parts) < 2:
        return content, None
    return parts[0], Span(parts[1].start, content.end)


def _answer(
    text: str, pending: list[_Item], answer: Span, heading: str | None, numbers: tuple[int, ...]
) -> None:
    """Attach `answer` to the pending questions it covers; the rest stay unanswered."""
    covered = [item for item in pending if set(item.numbers) & set(numbers)] or list(pending)
    pending.clear()
    if covered:
        _cover(text, covered, answer, heading)


def _cover(text: str, covered: list[_Item], answer: Span, heading: str | None) -> None:
    """`answer` answers each of `covered`; the last of them owns it."""
    owner = covered[-1]
    reference = REFERENCE.match(answer.of(text))
    for item in covered:
        item.body = answer
        item.answer_heading = heading or None
        item.answered_in = None if item is owner else owner.label
        if reference:
            item.reference = parse_numbers(reference["nums"])
            item.answer_heading = reference.group()


def _resolve_references(items: list[_Item]) -> None:
    for item in items:
        if not item.reference:
            continue
        target = next(
            (t for t in items if set(t.numbers) & set(item.reference) and not t.reference), None
        )
        if target and target.body:
            item.body = target.body
            item.answered_in = target.answered_in or target.label


def _section(item: _Item) -> Section | None:
    if item.body:
        return Section(
            item.label,
            "qa",
            item.body,
            question=item.question,
            answer_heading=item.answer_heading,
            answered_in=item.answered_in,
        )
    if item.question:
        return Section(item.label, "question", item.question)
    return None
